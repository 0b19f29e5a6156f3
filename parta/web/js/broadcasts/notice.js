// A broadcast's line in a chat (the school channel, the staff channel, a class's or its
// parents' chat): planned, cancelled, on or off the air — worded from `meta`, with «Смотреть».

import { h, icon } from '../dom.js';
import { t } from '../i18n.js';
import { dayLabel, fullWhen, timeOf } from '../chat/format.js';
import { VIDEO, daySpan } from '../lessons/format.js';

export function broadcastNoticeEl(msg) {
  const meta = msg.meta || {};
  const stage = meta.stage || 'planned';
  const open = stage === 'planned' || stage === 'on_air';
  return h('li', {
    class: ['msg', 'msg--notice'],
    testid: 'broadcast-notice',
    dataset: { id: msg.id ? String(msg.id) : '', clientId: '', author: String(msg.author_id || ''), kind: msg.kind, stage },
  },
  h('div', { class: 'msg__day', role: 'separator' }, h('span', {}, dayLabel(msg.created_at))),
  h('div', { class: 'msg__unread', role: 'separator' }, h('span', {}, t('chat.new_messages'))),
  h('div', { class: ['lesson-notice', `lesson-notice--${stage}`], role: 'note' },
    h('p', { class: 'lesson-notice__head' }, icon(VIDEO), h('span', {}, t(`broadcasts.stage.${stage}`)),
      h('time', { datetime: msg.created_at, title: fullWhen(msg.created_at), class: 'notice-msg__time' }, timeOf(msg.created_at))),
    h('p', { class: 'lesson-notice__title', testid: 'broadcast-notice-title' }, meta.title || ''),
    meta.starts_at ? h('p', { class: 'muted small' }, daySpan({ starts_at: meta.starts_at, ends_at: meta.ends_at })) : null,
    open && meta.broadcast_id ? h('a', { href: `/broadcasts/${meta.broadcast_id}`, class: 'btn btn--primary btn--small', testid: 'broadcast-notice-watch' }, t('broadcasts.watch')) : null));
}
