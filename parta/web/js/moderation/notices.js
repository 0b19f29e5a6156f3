// Notices from moderators in the timeline: the chat's rules posted as a reminder (R28), and a
// proposal to end someone's block early, with «I object» for the other members (R30).

import { h, icon } from '../dom.js';
import { formatDate, t } from '../i18n.js';
import { dayLabel, fullWhen, timeOf } from '../chat/format.js';

const LIST = ['M9 6h11', 'M9 12h11', 'M9 18h11', 'M4 6h.01', 'M4 12h.01', 'M4 18h.01'];
const UNLOCK = ['M7 11V7a5 5 0 0 1 9.9-1', 'M5 11h14v10H5z'];
const NUMBERED = /^(\d{1,4})[.)]\s*(.*)$/;

/** The reminder's body is a heading line, then «1. rule» lines: drawn as a numbered list. */
function rulesBody(msg) {
  const lines = String(msg.body || '').split('\n').slice(1).map((line) => line.trim()).filter(Boolean);
  const items = lines.map((line) => NUMBERED.exec(line)).filter(Boolean);
  if (!items.length) return h('p', { class: 'notice-msg__text' }, msg.body);
  return h('ol', { class: 'rules__list notice-msg__rules', start: items[0][1] },
    items.map((m) => h('li', { value: m[1] }, m[2])));
}

function objection(msg, view) {
  const meta = msg.meta || {};
  const deadline = meta.deadline ? formatDate(meta.deadline) : '';
  if (meta.user_id === view.me) return h('p', { class: 'notice-msg__note' }, t('notices.proposal_for_you', { deadline }));
  const state = view.proposalState(msg);
  if (state === 'objected') return h('p', { class: 'notice-msg__note', testid: 'objected' }, t('notices.objected'));
  if (state === 'closed' || (meta.deadline && Date.parse(meta.deadline) <= Date.now())) {
    return h('p', { class: 'notice-msg__note muted' }, t('notices.proposal_closed'));
  }
  const note = h('p', { class: 'notice-msg__note' }, t('notices.object_until', { deadline }));
  if (state !== 'open' || msg.author_id === view.me) return note;
  return h('div', { class: 'notice-msg__actions' }, note,
    h('button', { type: 'button', class: 'btn btn--secondary btn--small', testid: 'object-unblock', onclick: () => view.onObject(msg) },
      t('notices.object')));
}

/** The <li> for a notice; it keeps the day and «new messages» separators of a message. */
export function noticeEl(msg, view) {
  const reminder = msg.kind === 'rules_reminder';
  const who = (msg.author && msg.author.name) || view.nameOf(msg.author_id) || t('chat.someone');
  const head = h('p', { class: 'notice-msg__head' }, icon(reminder ? LIST : UNLOCK),
    h('span', {}, reminder ? t('notices.rules_title', { name: who }) : t('notices.proposal_title', { name: who })),
    h('time', { datetime: msg.created_at, title: fullWhen(msg.created_at), class: 'notice-msg__time' }, timeOf(msg.created_at)));
  const body = reminder ? rulesBody(msg) : [h('p', { class: 'notice-msg__text' }, msg.body), objection(msg, view)];
  return h('li', {
    class: ['msg', 'msg--notice'],
    testid: reminder ? 'rules-reminder' : 'unblock-notice',
    dataset: { id: msg.id ? String(msg.id) : '', clientId: '', author: String(msg.author_id || ''), kind: msg.kind },
  },
  h('div', { class: 'msg__day', role: 'separator' }, h('span', {}, dayLabel(msg.created_at))),
  h('div', { class: 'msg__unread', role: 'separator' }, h('span', {}, t('chat.new_messages'))),
  h('div', { class: ['notice-msg', reminder ? 'notice-msg--rules' : 'notice-msg--unblock'], role: 'note' }, head, body));
}
