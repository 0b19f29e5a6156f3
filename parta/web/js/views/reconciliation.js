// «Сверка» (R8): the platform compared with the school's records — who is on the roster but
// never signed in, who is here but not on it, who left but is still in chats, parents without a
// child here, classes without a class teacher — with XLSX/CSV downloads and the mark that the
// reconciliation was done (the quarterly reminder counts from it).

import { get, post } from '../api.js';
import { h, replace } from '../dom.js';
import { field, form, submit } from '../forms.js';
import { formatDate, t } from '../i18n.js';
import { isMemberAdmin, managesRoster, orgPath } from '../session.js';
import { tabs } from '../tabs.js';
import { cardTitled, empty, errorBox, pageHeader, roleChips, table, toast } from '../ui.js';

const LISTS = ['not_activated', 'not_in_roster', 'departed_in_chats', 'parents_without_child', 'classes_without_teacher'];
const NEEDS_ROSTER = new Set(['not_activated', 'not_in_roster']);

function personColumns(list) {
  const columns = [
    { label: t('reconciliation.col.name'), cell: (e) => h('span', { class: 'item-name' }, e.name || '—') },
    { label: t('reconciliation.col.roles'), cell: (e) => (e.roles && e.roles.length ? roleChips(e.roles) : '—') },
    { label: t('reconciliation.col.classes'), cell: (e) => (e.classes || []).join(', ') || '—' },
  ];
  if (list === 'departed_in_chats') columns.push({ label: t('reconciliation.col.chats'), cell: (e) => (e.chats || []).join(', ') || '—' });
  columns.push({ label: t('reconciliation.col.why'), cell: (e) => e.reason });
  return columns;
}

const classColumns = () => [
  { label: t('reconciliation.col.class'), cell: (e) => h('span', { class: 'item-name' }, e.name) },
  { label: t('reconciliation.col.students'), cell: (e) => String(e.students ?? 0) },
  { label: t('reconciliation.col.why'), cell: (e) => e.reason },
  { label: t('reconciliation.col.action'), cell: () => h('a', { href: '/admin/groups' }, t('reconciliation.assign')) },
];

function listPanel(report, list) {
  const entries = (report.lists && report.lists[list]) || [];
  const parts = [h('p', { class: 'hint' }, t(`reconciliation.about.${list}`))];
  if (!entries.length) {
    parts.push(empty(NEEDS_ROSTER.has(list) && !report.roster ? t('reconciliation.needs_roster') : t('reconciliation.empty')));
  } else {
    parts.push(table(list === 'classes_without_teacher' ? classColumns() : personColumns(list), entries,
      { testid: `reconciliation-${list.replaceAll('_', '-')}`, rowTestid: () => 'reconciliation-row' }));
  }
  return h('div', { class: 'stack' }, parts);
}

function statusCard(report, reload) {
  const facts = [];
  if (report.roster) {
    facts.push(h('p', { testid: 'reconciliation-roster' }, t('reconciliation.roster_from', {
      file: report.roster.file_name, date: formatDate(report.roster.applied_at),
    })));
  } else {
    facts.push(h('p', { testid: 'reconciliation-roster' }, t('reconciliation.no_roster'), ' ',
      managesRoster() ? h('a', { href: '/admin/roster' }, t('reconciliation.import_roster')) : null));
  }
  facts.push(h('p', { testid: 'reconciliation-last' }, report.last
    ? t('reconciliation.last', { date: formatDate(report.last.at), name: report.last.by ? report.last.by.name : '—' })
    : t('reconciliation.never')));
  if (report.reminder) {
    facts.push(h('div', { class: 'banner banner--warn', role: 'status', testid: 'reconciliation-due' },
      h('p', { class: 'banner__text' }, t('reconciliation.due'))));
  }
  const downloads = h('div', { class: 'row row--wrap' },
    ['xlsx', 'csv'].map((format) => h('a', {
      href: `/api/v1${orgPath(`/reconciliation?format=${format}`)}`, download: '', class: 'btn btn--secondary btn--small',
      testid: `reconciliation-download-${format}`,
    }, t(`reconciliation.download_${format}`))));
  const mark = isMemberAdmin() ? form({
    testid: 'reconciliation-mark-form',
    className: 'form--inline',
    fields: [field({ name: 'note', label: t('reconciliation.note'), maxlength: 200, testid: 'reconciliation-note', placeholder: t('reconciliation.note_placeholder') })],
    actions: [submit(t('reconciliation.mark'), 'reconciliation-mark')],
    onsubmit: async (values) => {
      await post(orgPath('/reconciliation/mark'), { note: values.note });
      toast(t('reconciliation.marked'));
      await reload();
    },
  }) : h('p', { class: 'muted small' }, t('reconciliation.operator_cannot_mark'));
  return cardTitled(t('reconciliation.status_title'), h('div', { class: 'stack' }, facts, downloads, mark));
}

export async function reconciliationView(ctx) {
  const statusHolder = h('div', {});
  const listsHolder = h('div', {});
  let current = null;
  const reload = async () => {
    try {
      const report = await get(orgPath('/reconciliation'));
      if (!ctx.isCurrent()) return;
      replace(statusHolder, statusCard(report, reload));
      const counts = report.counts || {};
      const first = current || LISTS.find((list) => counts[list]) || LISTS[0];
      replace(listsHolder, cardTitled(t('reconciliation.lists_title'), tabs(LISTS.map((list) => ({
        key: list, label: t(`reconciliation.list.${list}`), count: counts[list] || 0, tone: 'warn',
        testid: `reconciliation-tab-${list.replaceAll('_', '-')}`, render: () => listPanel(report, list),
      })), { label: t('reconciliation.lists_title'), current: first, onChange: (key) => { current = key; } }).el));
    } catch (error) {
      replace(statusHolder, errorBox(error));
    }
  };
  await reload();
  return h('div', { class: 'stack stack--page', testid: 'reconciliation-page' },
    pageHeader(t('reconciliation.title'), t('reconciliation.lead')),
    statusHolder, listsHolder);
}
