// The audit log: who did what, newest first, a page at a time.

import { get, qs } from '../api.js';
import { h } from '../dom.js';
import { formatDate, has, t } from '../i18n.js';
import { orgPath } from '../session.js';
import { busy, button, cardTitled, empty, pageHeader, personName } from '../ui.js';

const PAGE = 50;

function details(value) {
  if (value == null || value === '') return '';
  if (typeof value === 'string') return value;
  return Object.entries(value).map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : v}`).join('; ');
}

function actionText(action) {
  return has(`audit_actions.${action}`) ? t(`audit_actions.${action}`) : action;
}

function target(entry) {
  if (!entry.target_type) return '—';
  const kind = has(`audit_targets.${entry.target_type}`) ? t(`audit_targets.${entry.target_type}`) : entry.target_type;
  return entry.target_id != null ? `${kind} #${entry.target_id}` : kind;
}

function row(entry) {
  return h('tr', { testid: 'audit-row' },
    h('td', { 'data-label': t('audit.when') }, formatDate(entry.created_at)),
    h('td', { 'data-label': t('audit.who') }, entry.actor ? personName(entry.actor) : t('audit.system')),
    h('td', { 'data-label': t('audit.action') }, actionText(entry.action)),
    h('td', { 'data-label': t('audit.target') }, target(entry)),
    h('td', { 'data-label': t('audit.details'), class: 'small' }, details(entry.details)));
}

export async function auditView() {
  const body = h('tbody', {});
  const tableEl = h('div', { class: 'table-wrap' }, h('table', { class: 'table', testid: 'audit-table' },
    h('thead', {}, h('tr', {}, ['when', 'who', 'action', 'target', 'details'].map((k) => h('th', { scope: 'col' }, t(`audit.${k}`))))),
    body));
  let before = null;
  const more = button(t('audit.more'), async (event) => {
    await busy(event.currentTarget, load);
  }, { testid: 'audit-more' });
  async function load() {
    const answer = await get(orgPath(`/audit${qs({ before_id: before, limit: PAGE })}`));
    const entries = answer.entries || [];
    body.append(...entries.map(row));
    before = answer.next_before_id ?? null;
    more.hidden = !before || !entries.length;
  }
  await load();
  const hasRows = body.children.length > 0;
  return h('div', { class: 'stack stack--page', testid: 'audit' },
    pageHeader(t('audit.title'), t('audit.lead')),
    cardTitled(t('audit.entries'), hasRows ? tableEl : empty(t('audit.none')), h('div', { class: 'row' }, more)));
}
