// The home page's «Сегодня» card: the day's lessons and meetings in the person's chats, each
// with its chat and a join button. A lesson scheduled, moved or cancelled, a reminder, or a
// resync of the event stream fetch the day again.

import { get, qs } from '../api.js';
import { h, replace } from '../dom.js';
import { t, tn } from '../i18n.js';
import { onLessons } from './store.js';
import { browserZone, joinButton, span } from './format.js';

function lessonRow(lesson) {
  const cancelled = Boolean(lesson.cancelled_at);
  return h('li', { class: ['list-item', 'lesson-row', cancelled && 'lesson-row--cancelled'], testid: 'today-lesson', dataset: { lessonId: String(lesson.id) } },
    h('div', { class: 'list-item__main' },
      h('p', { class: 'lesson-row__time' }, span(lesson), ' · ', t(`lessons.kinds.${lesson.kind}`)),
      h('p', { class: 'list-item__title', testid: 'today-lesson-title' }, lesson.title),
      h('p', { class: 'muted small' },
        h('a', { href: `/chats/${lesson.chat.id}` }, lesson.chat.name),
        cancelled ? h('span', { class: 'lesson-row__cancelled', testid: 'lesson-cancelled' }, ' · ', t('lessons.cancelled')) : null)),
    joinButton(lesson, { live: Boolean(lesson.live_call_id) }));
}

/** The card, or null when the day has nothing. `ctx` (the page) stops watching on leave. */
export async function todayCard(ctx) {
  const holder = h('section', { class: 'card', testid: 'today-card', hidden: true });
  async function draw() {
    let answer;
    try {
      answer = await get(`/me/lessons${qs({ tz: browserZone() || undefined })}`);
    } catch {
      return;
    }
    const lessons = answer.lessons || [];
    holder.hidden = lessons.length === 0;
    replace(holder,
      h('h2', { class: 'card__title' }, t('lessons.today'), ' ',
        h('span', { class: 'muted small' }, tn('lessons.count', lessons.filter((l) => !l.cancelled_at).length))),
      h('ul', { class: 'list', testid: 'today-lessons' }, lessons.map(lessonRow)));
  }
  await draw();
  if (ctx) ctx.onLeave(onLessons(() => draw()));
  return holder;
}
