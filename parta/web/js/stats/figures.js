// What the director's and the municipality's pages share: the period form, the weekly chart
// and table, the activation bars, the downloads. Words come from the catalogs; figures from
// the answer, never re-derived.

import { h } from '../dom.js';
import { formatDate, t, tn } from '../i18n.js';
import { table } from '../ui.js';
import { targetBars, weekBars } from './chart.js';

export const ROLES = ['staff', 'student', 'parent'];

export const weekLabel = (iso) => formatDate(iso, false).replace(/\s?\d{4}\s?г?\.?$/, '');

export const minutes = (value) => (value == null ? '—' : tn('stats.minutes', value));

export function activationChart(activation, testid) {
  return targetBars(activation.map((a) => ({
    label: t(`stats.role.${a.role}`), percent: a.percent, target: a.target, meets: a.meets,
  })), { label: t('stats.activation_chart'), testid });
}

export function activationFacts(activation) {
  return h('ul', { class: 'stats-facts', testid: 'stats-activation' }, activation.map((a) => h('li', {
    class: a.meets ? 'stats-fact stats-fact--ok' : 'stats-fact', testid: `stats-activation-${a.role}`,
  }, h('strong', {}, t(`stats.role.${a.role}`)), ' ',
  a.percent == null ? t('stats.nobody') : t('stats.activated', {
    percent: a.percent, activated: a.activated, total: a.on_roster, target: a.target,
  }), ' ', h('span', { class: 'chip' }, a.meets ? t('stats.meets') : t('stats.short')))));
}

export function messagesChart(weeks) {
  return weekBars(weeks, [
    { key: 'messages_staff', label: t('stats.role.staff'), className: 'chart__bar chart__bar--staff' },
    { key: 'messages_students', label: t('stats.role.student'), className: 'chart__bar chart__bar--student' },
    { key: 'messages_parents', label: t('stats.role.parent'), className: 'chart__bar chart__bar--parent' },
  ], { label: t('stats.messages_chart'), weekLabel, testid: 'stats-messages-chart' });
}

export function legend() {
  return h('ul', { class: 'chart-legend' }, ROLES.map((role) => h('li', {},
    h('span', { class: `chart-legend__swatch chart__bar--${role}`, 'aria-hidden': 'true' }), t(`stats.role.${role}`))));
}

/** The weekly figures as a table, folded (a school year of weeks is long on a phone). */
export function weeksTable(weeks) {
  return h('details', { class: 'stats-table-toggle', testid: 'stats-weeks-toggle' },
    h('summary', {}, t('stats.weeks_table')), weeksRows(weeks));
}

function weeksRows(weeks) {
  const num = (key) => (w) => String(w[key]);
  return table([
    { label: t('stats.col.week'), cell: (w) => weekLabel(w.week) },
    { label: t('stats.col.messages_staff'), cell: num('messages_staff') },
    { label: t('stats.col.messages_students'), cell: num('messages_students') },
    { label: t('stats.col.messages_parents'), cell: num('messages_parents') },
    { label: t('stats.col.active_teachers'), cell: num('active_teachers') },
    { label: t('stats.col.calls'), cell: num('calls') },
    { label: t('stats.col.call_minutes'), cell: num('call_minutes') },
    { label: t('stats.col.lesson_minutes'), cell: num('lesson_minutes') },
    { label: t('stats.col.questions_answered'), cell: num('questions_answered') },
    { label: t('stats.col.median_reply'), cell: (w) => minutes(w.median_reply_minutes) },
  ], [...weeks].reverse(), { testid: 'stats-weeks-table', rowTestid: () => 'stats-week-row', label: t('stats.weeks_title') });
}

/** The period: two dates (any day of the first and the last week) and «show». */
export function periodForm(report, onChange) {
  const from = h('input', { type: 'date', name: 'from', value: report.weeks_from, id: 'stats-from', testid: 'stats-from', class: 'input' });
  const to = h('input', { type: 'date', name: 'to', value: report.weeks_to, id: 'stats-to', testid: 'stats-to', class: 'input' });
  return h('form', {
    class: 'form form--inline stats-period', testid: 'stats-period',
    onsubmit: (event) => { event.preventDefault(); onChange({ from: from.value, to: to.value }); },
  },
  h('div', { class: 'field' }, h('label', { for: 'stats-from' }, t('stats.from')), from),
  h('div', { class: 'field' }, h('label', { for: 'stats-to' }, t('stats.to')), to),
  h('button', { type: 'submit', class: 'btn btn--primary', testid: 'stats-show' }, t('stats.show')));
}

export function downloads(path, period) {
  const query = (format) => new URLSearchParams({ ...period, format }).toString();
  return h('div', { class: 'row row--wrap' }, ['xlsx', 'csv'].map((format) => h('a', {
    href: `/api/v1${path}?${query(format)}`, download: '', class: 'btn btn--secondary',
    testid: `stats-download-${format}`,
  }, t(`stats.download_${format}`))));
}
