// Who was at a call (/calls/:id/attendance): each person with their class, first join, last
// leave and minutes — for the host, the chat's moderators and the school's administrators (the
// server answers «not found» to anyone else); the same table as XLSX or CSV.

import { get } from '../api.js';
import { h } from '../dom.js';
import { formatDate, t, tn } from '../i18n.js';
import { canModerate, chatById } from '../chat/store.js';
import { cardTitled, empty, pageHeader, personName, table } from '../ui.js';
import { browserZone } from './format.js';

const clock = (iso) => (iso ? new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) : '');

/** The «Кто был на уроке» link under a call's line in the timeline, for whom it is open: the
 * call's host (the notice's author) and the chat's moderators. */
export function withAttendanceLink(el, msg, view) {
  const meta = msg.meta || {};
  const chat = chatById(msg.chat_id);
  const mine = view && view.me === msg.author_id;
  if (!meta.call_id || meta.missed || !(mine || canModerate(chat))) return el;
  const line = el.querySelector('.call-notice');
  const link = h('a', { href: `/calls/${meta.call_id}/attendance`, class: 'call-notice__attendance', testid: 'call-attendance-link' }, t('attendance.link'));
  if (line) line.append(link);
  else el.append(link);
  return el;
}

export async function attendanceView(ctx) {
  const callId = Number(ctx.params.id);
  const report = await get(`/calls/${callId}/attendance`);
  const tz = browserZone();
  const file = (format) => `/api/v1/calls/${callId}/attendance?format=${format}${tz ? `&tz=${encodeURIComponent(tz)}` : ''}`;
  const rows = report.people.map((p) => ({
    name: personName(p.person),
    class: p.class_name || '—',
    roles: p.roles.map((r) => t(`attendance.roles.${r}`)).join(', '),
    first: clock(p.first_joined_at),
    last: p.last_left_at ? clock(p.last_left_at) : t('attendance.still_here'),
    minutes: String(p.minutes),
  }));
  const columns = [
    ['name', t('attendance.col_name')], ['class', t('attendance.col_class')], ['roles', t('attendance.col_role')],
    ['first', t('attendance.col_first')], ['last', t('attendance.col_last')], ['minutes', t('attendance.col_minutes')],
  ].map(([key, label]) => ({ label, cell: (row) => row[key] }));
  return h('div', { class: 'stack stack--page', testid: 'attendance-page' },
    h('p', {}, h('a', { href: `/chats/${report.chat.id}`, class: 'back-link' }, '← ', report.chat.name)),
    pageHeader(t('attendance.title'), t('attendance.lead', {
      chat: report.chat.name, when: formatDate(report.started_at), minutes: report.minutes,
    })),
    cardTitled(tn('attendance.people', report.people.length),
      rows.length ? table(columns, rows, { testid: 'attendance-table', rowTestid: () => 'attendance-row' }) : empty(t('attendance.nobody')),
      h('p', { class: 'row row--wrap' },
        h('a', { href: file('xlsx'), class: 'btn btn--secondary', download: '', testid: 'attendance-xlsx' }, t('attendance.xlsx')),
        h('a', { href: file('csv'), class: 'btn btn--ghost', download: '', testid: 'attendance-csv' }, t('attendance.csv')))));
}
