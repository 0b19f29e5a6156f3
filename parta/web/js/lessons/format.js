// Shared words and pieces for lessons and meetings (R37): the kind, the time, the join button.

import { get } from '../api.js';
import { h, icon } from '../dom.js';
import { t } from '../i18n.js';
import { navigate } from '../router.js';
import { joinCall } from '../calls/call.js';
import { toast } from '../ui.js';

export const KINDS = ['lesson', 'parents_meeting', 'teachers_council', 'consultation'];
export const VIDEO = ['M23 7l-7 5 7 5V7z', 'M3 5h11a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H3a2 2 0 0 1-2-2V7a2 2 0 0 1 2-2z'];

/** The browser's own time zone, so «today» is the person's today. */
export function browserZone() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || '';
  } catch {
    return '';
  }
}

const clock = (iso) => new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
const dayOf = (iso) => new Date(iso).toLocaleDateString([], { day: 'numeric', month: 'long', weekday: 'short' });

/** «10:00–10:45» */
export const span = (lesson) => `${clock(lesson.starts_at)}–${clock(lesson.ends_at)}`;
/** «пн, 7 декабря, 10:00–10:45» */
export const daySpan = (lesson) => `${dayOf(lesson.starts_at)}, ${span(lesson)}`;

export const isOver = (lesson) => new Date(lesson.ends_at).getTime() <= Date.now();

/** Join the lesson's chat call (starting it when nobody has yet), from any page: the chat opens
 * under the call. */
export async function joinLesson(chatId) {
  let chat;
  try {
    chat = await get(`/chats/${chatId}`);
  } catch (error) {
    toast(error.message, 'error');
    return;
  }
  navigate(`/chats/${chatId}`);
  await joinCall(chat);
}

/** «Присоединиться» (or «Начать», when no call is live), for a lesson not cancelled nor over. */
export function joinButton(lesson, { chatId, live } = {}) {
  if (lesson.cancelled_at || isOver(lesson)) return null;
  const id = chatId || (lesson.chat && lesson.chat.id);
  return h('button', {
    type: 'button', class: 'btn btn--primary btn--small lesson-join', testid: 'lesson-join',
    onclick: async (event) => {
      const button = event.currentTarget;
      button.disabled = true;
      try {
        await joinLesson(id);
      } finally {
        button.disabled = false;
      }
    },
  }, icon(VIDEO), h('span', {}, live ? t('lessons.join') : t('lessons.join_start')));
}
