// A call's line in the chat's timeline: «Звонок завершён · 12 мин» or «Пропущенный звонок».

import { h, icon } from '../dom.js';
import { t } from '../i18n.js';
import { dayLabel, fullWhen, timeOf } from '../chat/format.js';

const PHONE = ['M22 16.9v3a2 2 0 0 1-2.2 2 19.8 19.8 0 0 1-8.6-3.1 19.5 19.5 0 0 1-6-6A19.8 19.8 0 0 1 2.1 4.2 2 2 0 0 1 4.1 2h3a2 2 0 0 1 2 1.7c.1.9.4 1.8.7 2.7a2 2 0 0 1-.5 2.1L8 9.8a16 16 0 0 0 6 6l1.3-1.3a2 2 0 0 1 2.1-.4c.9.3 1.8.6 2.7.7a2 2 0 0 1 1.7 2z'];

export function callNoticeEl(msg) {
  const meta = msg.meta || {};
  const minutes = Math.max(1, Math.round((meta.seconds || 0) / 60));
  const text = meta.missed ? t('calls.missed') : t('calls.ended_notice', { minutes });
  return h('li', {
    class: ['msg', 'msg--notice'],
    testid: 'call-notice',
    dataset: { id: msg.id ? String(msg.id) : '', clientId: '', author: String(msg.author_id || ''), kind: msg.kind },
  },
  h('div', { class: 'msg__day', role: 'separator' }, h('span', {}, dayLabel(msg.created_at))),
  h('div', { class: 'msg__unread', role: 'separator' }, h('span', {}, t('chat.new_messages'))),
  h('p', { class: ['call-notice', meta.missed && 'call-notice--missed'], role: 'note' }, icon(PHONE), h('span', {}, text),
    h('time', { datetime: msg.created_at, title: fullWhen(msg.created_at), class: 'notice-msg__time' }, timeOf(msg.created_at))));
}
