// The municipality's figures (R2): its schools added up and ranked against the targets —
// counts only, never what anyone wrote and never a pupil's name (the answer carries none).

import { get } from '../api.js';
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { session, isOperator } from '../session.js';
import { cardTitled, empty, errorBox, pageHeader, table } from '../ui.js';
import {
  activationChart, activationFacts, downloads, legend, messagesChart, minutes, periodForm, weeksTable,
} from './figures.js';

function schoolsTable(schools) {
  const share = (s, role) => {
    const a = s.activation.find((x) => x.role === role);
    return a && a.percent != null ? `${a.percent} %` : '—';
  };
  return table([
    { label: t('stats.col.rank'), cell: (s) => String(s.rank) },
    { label: t('stats.col.school'), cell: (s) => h('span', { class: 'item-name' }, s.org.name) },
    { label: t('stats.col.targets_met'), cell: (s) => t('stats.targets_of', { met: s.targets_met, total: 4 }) },
    { label: t('stats.col.activation_staff'), cell: (s) => share(s, 'staff') },
    { label: t('stats.col.activation_student'), cell: (s) => share(s, 'student') },
    { label: t('stats.col.activation_parent'), cell: (s) => share(s, 'parent') },
    { label: t('stats.col.active_teachers'), cell: (s) => `${s.active_teachers} / ${s.teachers}` },
    { label: t('stats.col.messages'), cell: (s) => String(s.messages) },
    { label: t('stats.col.call_minutes'), cell: (s) => String(s.call_minutes) },
    { label: t('stats.col.median_reply'), cell: (s) => minutes(s.median_reply_minutes) },
    { label: t('stats.col.unanswered'), cell: (s) => String(s.unanswered_over_day) },
  ], schools, { testid: 'stats-schools-table', rowTestid: () => 'stats-school-row', label: t('stats.schools_title') });
}

async function municipalities() {
  const own = (session.user && session.user.municipalities) || [];
  if (own.length || !isOperator()) return own;
  const answer = await get('/regions');
  return (answer.regions || []).flatMap((r) => r.municipalities || []);
}

export async function municipalView(ctx) {
  const list = await municipalities();
  if (!list.length) {
    return h('div', { class: 'stack stack--page', testid: 'municipal-page' },
      pageHeader(t('stats.municipal_title'), t('stats.municipal_lead')), empty(t('stats.no_municipality')));
  }
  const holder = h('div', { class: 'stack' });
  let current = list[0].id;
  let period = {};
  const load = async () => {
    try {
      const query = new URLSearchParams(period).toString();
      const path = `/municipalities/${current}/stats`;
      const report = await get(`${path}${query ? `?${query}` : ''}`);
      if (!ctx.isCurrent()) return;
      period = { from: report.weeks_from, to: report.weeks_to };
      replace(holder,
        cardTitled(t('stats.period_title'), h('div', { class: 'stack' },
          periodForm(report, (next) => { period = next; load(); }), downloads(path, period))),
        cardTitled(t('stats.schools_title'), h('div', { class: 'stack' },
          h('p', { class: 'hint' }, t('stats.rank_hint')),
          report.schools.length ? schoolsTable(report.schools) : empty(t('stats.no_schools')))),
        cardTitled(t('stats.activation_title'), h('div', { class: 'stack' },
          activationChart(report.activation, 'stats-activation-chart'), activationFacts(report.activation),
          h('p', { testid: 'stats-active-teachers' }, t('stats.active_teachers', {
            active: report.active_teachers, total: report.teachers, posts: report.targets.teacher_posts,
          })))),
        cardTitled(t('stats.weeks_title'), h('div', { class: 'stack' },
          messagesChart(report.weeks), legend(), weeksTable(report.weeks))));
    } catch (error) {
      replace(holder, errorBox(error));
    }
  };
  const chooser = list.length > 1 ? h('div', { class: 'field' },
    h('label', { for: 'stats-municipality' }, t('stats.municipality')),
    h('select', {
      id: 'stats-municipality', class: 'input', testid: 'stats-municipality',
      onchange: (event) => { current = Number(event.target.value); period = {}; load(); },
    }, list.map((m) => h('option', { value: String(m.id) }, m.name)))) : null;
  await load();
  return h('div', { class: 'stack stack--page', testid: 'municipal-page' },
    pageHeader(t('stats.municipal_title'), t('stats.municipal_lead')), chooser, holder);
}
