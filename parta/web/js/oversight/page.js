// «Уроки и встречи» (/admin/calls, R40): the school's administration sees the lessons and
// meetings held as calls in its group chats — running now and held this week: what, which class,
// who leads it, how long, how many people were in it — and who was there (the attendance page).
// Never the media, never what was said: the server answers none of it.

import { get } from '../api.js';
import { h, replace } from '../dom.js';
import { currentLang, t, tn } from '../i18n.js';
import { orgPath } from '../session.js';
import { button, cardTitled, empty, errorBox, pageHeader, personName, table } from '../ui.js';

const clock = (iso) => new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
const day = (iso) => new Date(iso).toLocaleDateString([], { weekday: 'short', day: 'numeric', month: 'long' });

/** «12 минут», «1 ч 05 мин». */
export function duration(seconds) {
  const minutes = Math.max(0, Math.round(seconds / 60));
  if (minutes < 60) return tn('oversight.minutes', minutes);
  return t('oversight.hours_minutes', { hours: Math.floor(minutes / 60), minutes: String(minutes % 60).padStart(2, '0') });
}

/** What it was: the scheduled lesson's title, else the chat's name. */
function what(call) {
  const title = call.lesson ? call.lesson.title : call.chat.name;
  const kind = call.lesson ? t(`lessons.kinds.${call.lesson.kind}`) : t('oversight.unscheduled');
  return h('span', { class: 'stack stack--tight' },
    h('span', { class: 'item-name', testid: 'oversight-title' }, title),
    h('span', { class: 'muted small' }, call.lesson ? `${kind} · ${call.chat.name}` : kind));
}

const who = (call) => (call.started_by ? personName(call.started_by) : '—');
const group = (call) => (call.group ? call.group.name : '—');
const attendanceLink = (call) => h('a', {
  href: `/calls/${call.id}/attendance`, class: 'btn btn--ghost btn--small oversight__who', testid: 'oversight-attendance',
}, t('oversight.who_was_there'));

function runningTable(calls) {
  return table([
    { label: t('oversight.col_what'), cell: what },
    { label: t('oversight.col_class'), cell: group },
    { label: t('oversight.col_lead'), cell: who },
    { label: t('oversight.col_since'), cell: (c) => clock(c.started_at) },
    { label: t('oversight.col_running'), cell: (c) => h('span', { testid: 'oversight-duration' }, duration(c.seconds)) },
    { label: t('oversight.col_people'), cell: (c) => h('span', { testid: 'oversight-people' }, t('oversight.now_of', { now: c.present, all: c.attended })) },
    { label: '', srLabel: t('oversight.who_was_there'), cell: attendanceLink },
  ], calls, { testid: 'oversight-running', rowTestid: () => 'oversight-running-row', label: t('oversight.running') });
}

function heldTable(calls) {
  return table([
    { label: t('oversight.col_when'), cell: (c) => `${day(c.started_at)}, ${clock(c.started_at)}–${clock(c.ended_at)}` },
    { label: t('oversight.col_what'), cell: what },
    { label: t('oversight.col_class'), cell: group },
    { label: t('oversight.col_lead'), cell: who },
    { label: t('oversight.col_length'), cell: (c) => h('span', { testid: 'oversight-duration' }, duration(c.seconds)) },
    { label: t('oversight.col_people'), cell: (c) => h('span', { testid: 'oversight-people' }, tn('oversight.people', c.attended)) },
    { label: '', srLabel: t('oversight.who_was_there'), cell: attendanceLink },
  ], calls, { testid: 'oversight-held', rowTestid: () => 'oversight-held-row', label: t('oversight.held') });
}

export async function oversightView(ctx) {
  const holder = h('div', { class: 'stack' });
  const load = async () => {
    try {
      const report = await get(orgPath('/oversight/calls'));
      if (!ctx.isCurrent()) return;
      // The school's week (Monday to Sunday in its time zone), whatever the browser's zone.
      const inZone = new Intl.DateTimeFormat(currentLang(), { day: 'numeric', month: 'long', timeZone: report.time_zone });
      const week = t('oversight.week', {
        from: inZone.format(new Date(report.week_start)),
        to: inZone.format(new Date(new Date(report.week_end).getTime() - 1)),
      });
      replace(holder,
        cardTitled(tn('oversight.running_count', report.running.length),
          report.running.length ? runningTable(report.running) : empty(t('oversight.nothing_running'))),
        cardTitled(t('oversight.held'),
          h('p', { class: 'muted small', testid: 'oversight-week' }, week, ' · ', tn('oversight.held_count', report.held_total)),
          report.held.length ? heldTable(report.held) : empty(t('oversight.nothing_held')),
          report.held_total > report.held.length
            ? h('p', { class: 'hint' }, t('oversight.more', { shown: report.held.length, total: report.held_total })) : null));
    } catch (error) {
      replace(holder, errorBox(error));
    }
  };
  await load();
  return h('div', { class: 'stack stack--page', testid: 'oversight-page' },
    pageHeader(t('oversight.title'), t('oversight.lead'),
      button(t('oversight.refresh'), () => load(), { testid: 'oversight-refresh' })),
    holder);
}
