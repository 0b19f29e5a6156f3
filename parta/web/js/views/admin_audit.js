// The audit log: who did what, newest first, a page at a time.

import { get, qs } from '../api.js';
import { h } from '../dom.js';
import { formatDate, has, t } from '../i18n.js';
import { orgPath } from '../session.js';
import { busy, button, cardTitled, empty, pageHeader, personName, tableWrap } from '../ui.js';

const PAGE = 50;

// An entry's details in words: each key by its name in the catalog, ids as «#12», yes/no,
// lists joined, nested values the same way — never raw JSON.
function words(v) {
  if (v == null || v === '') return '—';
  if (typeof v === 'boolean') return t(`audit_details.${v ? 'yes' : 'no'}`);
  if (Array.isArray(v)) return v.map(words).join(', ');
  if (typeof v === 'object') return Object.entries(v).map(([k, x]) => `${label(k)}: ${words(x)}`).join(', ');
  return String(v);
}

function label(key) {
  return has(`audit_details.${key}`) ? t(`audit_details.${key}`) : key.replace(/_/g, ' ');
}

function details(value) {
  if (value == null || value === '') return '';
  if (typeof value === 'string') return value;
  return Object.entries(value).map(([k, v]) => {
    const shown = /_id$/.test(k) && typeof v === 'number' ? `#${v}` : words(v);
    return `${label(k)}: ${shown}`;
  }).join('; ');
}

function actionText(action) {
  // An action the catalog does not know yet (tests/test_audit_words.py keeps them all known).
  return has(`audit_actions.${action}`) ? t(`audit_actions.${action}`) : action.replace(/[._]/g, ' ');
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
  const tableEl = tableWrap(h('table', { class: 'table', testid: 'audit-table' },
    h('thead', {}, h('tr', {}, ['when', 'who', 'action', 'target', 'details'].map((k) => h('th', { scope: 'col' }, t(`audit.${k}`))))),
    body), t('audit.title'));
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
