// How a roster import's rows read on the page: its status, its counts, and each section of the
// diff (people to create, change or move, departures, classes and teachers, links, chats, row
// errors) as a table, a page at a time.

import { get, qs } from '../api.js';
import { h, replace } from '../dom.js';
import { t, tn } from '../i18n.js';
import { orgPath } from '../session.js';
import { button, chip, empty, errorBox, formatPhone, table } from '../ui.js';

const PAGE = 100;
const STATUS_KIND = { preview: 'info', applying: 'warn', applied: 'ok', failed: 'danger', discarded: '' };

export function statusChip(status) {
  return h('span', { class: ['chip', STATUS_KIND[status] && `chip--${STATUS_KIND[status]}`], testid: 'roster-status' },
    t(`roster.status.${status}`));
}

export const kindLabel = (kind) => t(`roster.kind.${kind}`);

/** «15 новых · 1 изменение · 1 ошибка»: what an import does, in one line. */
export function countsLine(counts = {}) {
  const parts = ['create', 'change', 'move', 'depart', 'errors']
    .filter((key) => counts[key])
    .map((key) => `${t(`roster.counts.${key}`)}: ${counts[key]}`);
  return parts.length ? parts.join(' · ') : t('roster.counts.nothing');
}

const personKind = (kind) => (kind ? t(`roster.person_kind.${kind}`) : '—');

/** The role we give, and — when the file words it otherwise («директор») — that word, so the
 *  mapping is shown, never made silently. */
function roleCell(item) {
  if (!item.role_text) return personKind(item.kind);
  return h('span', { testid: 'roster-role-mapped' }, personKind(item.kind), ' ',
    h('span', { class: 'muted small' }, t('roster.role_as_written', { word: item.role_text })));
}

function row(item) {
  return item.file ? `${item.file}, ${t('roster.line', { line: item.line })}` : String(item.line || '—');
}

function contacts(item) {
  return [formatPhone(item.phone), item.email].filter(Boolean).join(', ') || '—';
}

function changeList(item) {
  const changes = item.changes || {};
  const lines = [];
  if (changes.name) lines.push(t('roster.change.name', { from: changes.name[0] || '—', to: changes.name[1] }));
  if (changes.phone) lines.push(t('roster.change.phone', { to: formatPhone(changes.phone[1]) }));
  if (changes.email) lines.push(t('roster.change.email', { to: changes.email[1] }));
  if (changes.roles) lines.push(t('roster.change.roles', { roles: changes.roles.map((r) => t(`roles.${r}`)).join(', ') }));
  if (changes.class) lines.push(t('roster.change.class', { to: changes.class[1] }));
  if (changes.record) lines.push(t('roster.change.record'));
  return lines.length ? h('ul', { class: 'plain-list' }, lines.map((line) => h('li', {}, line))) : '—';
}

function nameCell(item) {
  return h('span', {}, h('span', { class: 'item-name', testid: 'roster-person' }, item.name || '—'),
    item.returning ? [' ', chip(t('roster.returning'), 'info')] : null,
    // A phone that is no member's here: its owner, if it has one, is invited and decides.
    item.invite ? [' ', h('span', { class: 'chip chip--info', title: t('roster.invite_hint'), testid: 'roster-invite' }, t('roster.invite'))] : null);
}

// Built when asked: the catalog is loaded after the modules are.
const columnsFor = (key) => ({
  create: [
    { label: t('roster.col.name'), cell: nameCell },
    { label: t('roster.col.role'), cell: roleCell },
    { label: t('roster.col.class'), cell: (i) => i.class || '—' },
    { label: t('roster.col.contacts'), cell: contacts },
    { label: t('roster.col.row'), cell: row },
  ],
  change: [
    { label: t('roster.col.name'), cell: nameCell },
    { label: t('roster.col.role'), cell: roleCell },
    { label: t('roster.col.changes'), cell: changeList },
    { label: t('roster.col.matched'), cell: (i) => (i.matched_by ? t(`roster.matched.${i.matched_by}`) : '—') },
  ],
  move: [
    { label: t('roster.col.name'), cell: nameCell },
    { label: t('roster.col.move'), cell: (i) => h('span', { testid: 'roster-move-classes' }, `${i.class_from || '—'} → ${i.class || '—'}`) },
    { label: t('roster.col.row'), cell: row },
  ],
  same: [
    { label: t('roster.col.name'), cell: nameCell },
    { label: t('roster.col.role'), cell: roleCell },
    { label: t('roster.col.class'), cell: (i) => i.class || '—' },
  ],
  departures: [
    { label: t('roster.col.name'), cell: nameCell },
    { label: t('roster.col.role'), cell: roleCell },
    { label: t('roster.col.class'), cell: (i) => i.class || '—' },
  ],
  classes: [
    { label: t('roster.col.class'), cell: (i) => i.name },
    { label: t('roster.col.state'), cell: (i) => (i.op === 'create' ? chip(t('roster.class_new'), 'ok') : t('roster.class_same')) },
  ],
  class_teachers: [
    { label: t('roster.col.class'), cell: (i) => i.class },
    { label: t('roster.col.class_teacher'), cell: (i) => i.name },
  ],
  subject_teachers: [
    { label: t('roster.col.class'), cell: (i) => i.class },
    { label: t('roster.col.subject'), cell: (i) => i.subject },
    { label: t('roster.col.teacher'), cell: (i) => i.name },
  ],
  parent_links: [
    { label: t('roster.col.parent'), cell: (i) => i.parent_name },
    { label: t('roster.col.child'), cell: (i) => i.child_name },
  ],
  chats: [
    { label: t('roster.col.chat'), cell: (i) => i.title },
    { label: t('roster.col.chat_kind'), cell: (i) => t(`chat_kinds.${i.kind}`) },
  ],
})[key];

/**
 * One section of the plan as a table, a page at a time («Show more» fetches the next page).
 * `op` narrows the people to one operation.
 */
export async function itemsTable(importId, section, { op, columns, testid, emptyText }) {
  const holder = h('div', { class: 'stack' });
  const rows = [];
  let total = 0;
  const more = button(t('roster.more'), () => load(), { small: true, testid: `${testid}-more` });
  const list = h('div', {});
  const counter = h('p', { class: 'muted small' });
  async function load() {
    more.disabled = true;
    try {
      const page = await get(orgPath(`/roster/imports/${importId}/items${qs({ section, op, offset: rows.length, limit: PAGE })}`));
      total = page.total;
      rows.push(...page.items);
      replace(list, rows.length
        ? table(columns || columnsFor(op || section), rows, { testid, rowTestid: () => `${testid}-row` })
        : empty(emptyText || t('roster.nothing_here')));
      counter.textContent = rows.length < total ? t('roster.shown', { shown: rows.length, total }) : '';
      more.hidden = rows.length >= total;
    } catch (error) {
      replace(list, errorBox(error));
    } finally {
      more.disabled = false;
    }
  }
  await load();
  replace(holder, list, counter, h('div', {}, more));
  return holder;
}

/** Two or three sections under one tab: classes, their class teachers, subject teachers. */
export async function structureTables(importId) {
  const parts = await Promise.all(['classes', 'class_teachers', 'subject_teachers'].map(async (section) => h('div', { class: 'stack' },
    h('h3', { class: 'subhead' }, t(`roster.section.${section}`)),
    await itemsTable(importId, section, { testid: `roster-${section.replace('_', '-')}`, emptyText: t(`roster.none.${section}`) }))));
  return h('div', { class: 'stack' }, parts);
}

/** The plan's warnings (no class teacher: no chats for the class; a phone that differs) as a
 *  banner at the top of the preview: they change what happens, so they are not behind a tab. */
export function warningsBanner(imported) {
  const warnings = imported.warnings || [];
  if (!warnings.length) return null;
  const known = new Set(['phone_differs', 'no_class_teacher']);
  return h('div', { class: 'banner banner--warn', role: 'status', testid: 'roster-warnings' },
    h('div', { class: 'stack stack--tight' },
      h('h2', { class: 'banner__title' }, tn('roster.warnings_title', warnings.length)),
      h('ul', { class: 'plain-list warnings' }, warnings.map((w) => h('li', { testid: 'roster-warning' },
        t(`roster.warning.${known.has(w.code) ? w.code : 'other'}`, { name: w.name || '', class: w.class || '', code: w.code || '' }))))));
}

/** The rows that could not be read (file, line, column, reason). */
export async function errorsPanel(imported) {
  const errors = imported.errors || [];
  const parts = [
    errors.length
      ? table([
        { label: t('roster.col.file'), cell: (e) => e.file },
        { label: t('roster.col.line'), cell: (e) => String(e.line) },
        { label: t('roster.col.column'), cell: (e) => e.column || '—' },
        { label: t('roster.col.value'), cell: (e) => (e.value ? h('code', { class: 'value' }, e.value) : '—') },
        { label: t('roster.col.reason'), cell: (e) => e.message },
      ], errors, { testid: 'roster-errors', rowTestid: () => 'roster-error-row' })
      : empty(t('roster.no_errors')),
  ];
  const box = h('div', { class: 'stack' });
  replace(box, parts);
  return box;
}

/** The refusal of an unreadable bundle lists every reason; show them under the message. */
export function unreadableList(error) {
  const reasons = (error && error.params && error.params.errors) || [];
  if (!reasons.length) return null;
  return h('ul', { class: 'plain-list small', testid: 'roster-unreadable' }, reasons.map((r) => h('li', {},
    [r.file, r.line ? t('roster.line', { line: r.line }) : null, r.column || null].filter(Boolean).join(', '),
    ': ', r.message || r.message_ru || r.code)));
}
