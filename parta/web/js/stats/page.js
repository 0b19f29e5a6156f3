// «Статистика» for the school's administration (R34, R39): activation against the targets,
// active teachers, messages by week and role, calls and lessons, parents' questions answered
// and how fast, per class; charts drawn here as SVG, the same figures in tables, XLSX and CSV.

import { get } from '../api.js';
import { h, replace } from '../dom.js';
import { t, tn } from '../i18n.js';
import { orgPath } from '../session.js';
import { cardTitled, errorBox, pageHeader, table } from '../ui.js';
import {
  activationChart, activationFacts, downloads, legend, messagesChart, minutes, periodForm, weeksTable,
} from './figures.js';

function classesTable(classes) {
  const share = (c, role) => {
    const a = (c.activation || []).find((x) => x.role === role);
    return a && a.percent != null ? `${a.percent} %` : '—';
  };
  return table([
    { label: t('stats.col.class'), cell: (c) => h('span', { class: 'item-name' }, c.group ? c.group.name : t('stats.no_class')) },
    { label: t('stats.col.activation_student'), cell: (c) => share(c, 'student') },
    { label: t('stats.col.activation_parent'), cell: (c) => share(c, 'parent') },
    { label: t('stats.col.messages'), cell: (c) => String(c.messages_staff + c.messages_students + c.messages_parents) },
    { label: t('stats.col.call_minutes'), cell: (c) => String(c.call_minutes) },
    { label: t('stats.col.lesson_minutes'), cell: (c) => String(c.lesson_minutes) },
    { label: t('stats.col.questions_answered'), cell: (c) => String(c.questions_answered) },
    { label: t('stats.col.median_reply'), cell: (c) => minutes(c.median_reply_minutes) },
    { label: t('stats.col.unanswered'), cell: (c) => String(c.unanswered_over_day) },
  ], classes, { testid: 'stats-classes-table', rowTestid: () => 'stats-class-row', label: t('stats.classes_title') });
}

function summary(report) {
  return h('ul', { class: 'stats-facts', testid: 'stats-summary' },
    h('li', { class: 'stats-fact', testid: 'stats-active-teachers' }, t('stats.active_teachers', {
      active: report.active_teachers, total: report.teachers, posts: report.targets.teacher_posts,
    })),
    h('li', { class: 'stats-fact', testid: 'stats-pending' },
      tn('stats.pending_invites', report.pending_invites), ', ', tn('stats.pending_offers', report.pending_offers)),
    h('li', { class: report.unanswered_over_day ? 'stats-fact stats-fact--warn' : 'stats-fact', testid: 'stats-unanswered' },
      tn('stats.unanswered', report.unanswered_over_day)),
    h('li', { class: 'stats-fact', testid: 'stats-acknowledgements' }, report.acknowledgement_coverage == null
      ? t('stats.acknowledgements_later') : t('stats.acknowledgements', { percent: report.acknowledgement_coverage })));
}

export function render(report, { path, period, onPeriod }) {
  return [
    cardTitled(t('stats.period_title'), h('div', { class: 'stack' }, periodForm(report, onPeriod), downloads(path, period))),
    cardTitled(t('stats.activation_title'), h('div', { class: 'stack' },
      activationChart(report.activation, 'stats-activation-chart'), activationFacts(report.activation), summary(report))),
    cardTitled(t('stats.weeks_title'), h('div', { class: 'stack' },
      h('p', { class: 'hint' }, t('stats.weeks_hint')), messagesChart(report.weeks), legend(), weeksTable(report.weeks))),
    cardTitled(t('stats.classes_title'), h('div', { class: 'stack' },
      h('p', { class: 'hint' }, t('stats.questions_hint')), classesTable(report.classes))),
  ];
}

export async function statsView(ctx) {
  const holder = h('div', { class: 'stack' });
  let period = {};
  const load = async () => {
    try {
      const query = new URLSearchParams(period).toString();
      const report = await get(orgPath(`/stats${query ? `?${query}` : ''}`));
      if (!ctx.isCurrent()) return;
      period = { from: report.weeks_from, to: report.weeks_to };
      replace(holder, ...render(report, {
        path: orgPath('/stats'), period, onPeriod: (next) => { period = next; load(); },
      }));
    } catch (error) {
      replace(holder, errorBox(error));
    }
  };
  await load();
  return h('div', { class: 'stack stack--page', testid: 'stats-page' },
    pageHeader(t('stats.title'), t('stats.lead')), holder);
}
