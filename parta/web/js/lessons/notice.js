// A lesson's line in the chat's timeline: scheduled, moved, cancelled, or starting soon — worded
// from the notice's `meta` in the reader's language, with the join button while it is on.

import { h, icon } from '../dom.js';
import { t } from '../i18n.js';
import { dayLabel, fullWhen, timeOf } from '../chat/format.js';
import { VIDEO, daySpan, joinButton } from './format.js';

export function lessonNoticeEl(msg) {
  const meta = msg.meta || {};
  const stage = meta.stage || 'scheduled';
  const lesson = { id: meta.lesson_id, starts_at: meta.starts_at, ends_at: meta.ends_at, cancelled_at: stage === 'cancelled' ? msg.created_at : null };
  return h('li', {
    class: ['msg', 'msg--notice'],
    testid: 'lesson-notice',
    dataset: { id: msg.id ? String(msg.id) : '', clientId: '', author: String(msg.author_id || ''), kind: msg.kind, stage },
  },
  h('div', { class: 'msg__day', role: 'separator' }, h('span', {}, dayLabel(msg.created_at))),
  h('div', { class: 'msg__unread', role: 'separator' }, h('span', {}, t('chat.new_messages'))),
  h('div', { class: ['lesson-notice', `lesson-notice--${stage}`], role: 'note' },
    h('p', { class: 'lesson-notice__head' }, icon(VIDEO), h('span', {}, t(`lessons.stage.${stage}`)),
      h('time', { datetime: msg.created_at, title: fullWhen(msg.created_at), class: 'notice-msg__time' }, timeOf(msg.created_at))),
    h('p', { class: 'lesson-notice__title', testid: 'lesson-notice-title' }, meta.title || ''),
    meta.starts_at ? h('p', { class: 'muted small' }, daySpan(lesson), ' · ', t(`lessons.kinds.${meta.lesson_kind || 'lesson'}`)) : null,
    stage === 'cancelled' ? null : joinButton(lesson, { chatId: msg.chat_id, live: false })));
}
