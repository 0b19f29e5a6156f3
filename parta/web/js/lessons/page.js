// A chat's lessons and meetings (/chats/:id/lessons): from today on, each with its join button;
// the chat's staff owner and moderators schedule one here, and whoever may change a lesson
// moves or cancels it. Reached from the chat's members page.

import { get, patch, post } from '../api.js';
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { field, form, submit } from '../forms.js';
import { navigate } from '../router.js';
import { busy, button, cardTitled, confirmDialog, empty, errorBox, pageHeader, personName, toast } from '../ui.js';
import { onLessons } from './store.js';
import { KINDS, daySpan, joinButton } from './format.js';

const pad = (n) => String(n).padStart(2, '0');
const localDay = (d) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
const localTime = (d) => `${pad(d.getHours())}:${pad(d.getMinutes())}`;

/** The form's day and times as instants (the browser's zone); '' where a part is missing. */
function instants(v) {
  const at = (time) => {
    if (!v.day || !time) return '';
    const moment = new Date(`${v.day}T${time}`);
    return Number.isNaN(moment.getTime()) ? '' : moment.toISOString();
  };
  return { starts_at: at(v.starts_at), ends_at: at(v.ends_at) };
}

function lessonForm(chatId, { onDone }) {
  let editing = null; // the lesson being changed, or null: a new one
  const next = new Date(Date.now() + 60 * 60 * 1000);
  next.setMinutes(0, 0, 0);
  const end = new Date(next.getTime() + 45 * 60 * 1000);
  const title = h('h2', { class: 'card__title', testid: 'lesson-form-title' }, t('lessons.new'));
  const cancelEdit = button(t('common.cancel'), () => reset(), { kind: 'ghost', testid: 'lesson-edit-cancel' });
  cancelEdit.hidden = true;
  const submitButton = submit(t('lessons.schedule'), 'lesson-submit');
  const el = form({
    testid: 'lesson-form',
    className: 'lesson-form',
    fields: [
      field({ name: 'title', label: t('lessons.field_title'), required: true, maxlength: 200, placeholder: t('lessons.title_placeholder'), testid: 'lesson-title', wide: true }),
      field({ name: 'kind', label: t('lessons.field_kind'), type: 'select', value: 'lesson', options: KINDS.map((k) => [k, t(`lessons.kinds.${k}`)]), testid: 'lesson-kind' }),
      field({ name: 'day', label: t('lessons.field_day'), type: 'date', required: true, value: localDay(next), testid: 'lesson-day' }),
      field({ name: 'starts_at', label: t('lessons.field_start'), type: 'time', required: true, value: localTime(next), testid: 'lesson-start' }),
      field({ name: 'ends_at', label: t('lessons.field_end'), type: 'time', required: true, value: localTime(end), testid: 'lesson-end' }),
    ],
    actions: [submitButton, cancelEdit],
    async onsubmit(v) {
      const body = { title: v.title, kind: v.kind, ...instants(v) };
      if (editing) {
        await patch(`/lessons/${editing.id}`, body);
        toast(t('lessons.changed'));
      } else {
        await post(`/chats/${chatId}/lessons`, body);
        toast(t('lessons.scheduled'));
      }
      reset();
      await onDone();
    },
  });
  function reset() {
    editing = null;
    el.reset();
    title.textContent = t('lessons.new');
    submitButton.textContent = t('lessons.schedule');
    cancelEdit.hidden = true;
  }
  function edit(lesson) {
    editing = lesson;
    const start = new Date(lesson.starts_at);
    const values = {
      title: lesson.title, kind: lesson.kind, day: localDay(start), starts_at: localTime(start), ends_at: localTime(new Date(lesson.ends_at)),
    };
    for (const [name, value] of Object.entries(values)) el.elements[name].value = value;
    title.textContent = t('lessons.edit_title', { title: lesson.title });
    submitButton.textContent = t('lessons.save');
    cancelEdit.hidden = false;
    el.elements.title.focus();
  }
  return { el: h('section', { class: 'card', testid: 'lesson-form-card' }, title, el), edit };
}

function lessonItem(lesson, { chatId, live, onEdit, reload }) {
  const cancelled = Boolean(lesson.cancelled_at);
  const actions = [joinButton(lesson, { chatId, live })];
  if (lesson.can_change) {
    actions.push(
      button(t('lessons.edit'), () => onEdit(lesson), { small: true, kind: 'ghost', testid: 'lesson-edit' }),
      button(t('lessons.cancel'), async (event) => {
        const target = event.currentTarget;
        if (!(await confirmDialog(t('lessons.cancel_confirm', { title: lesson.title }), { confirmLabel: t('lessons.cancel') }))) return;
        await busy(target, async () => {
          await post(`/lessons/${lesson.id}/cancel`);
          await reload();
        }, { ok: t('lessons.cancelled_toast') });
      }, { small: true, kind: 'danger-ghost', testid: 'lesson-cancel' }),
    );
  }
  return h('li', { class: ['list-item', 'list-item--card', 'lesson-row', cancelled && 'lesson-row--cancelled'], testid: 'chat-lesson', dataset: { lessonId: String(lesson.id) } },
    h('div', { class: 'list-item__main' },
      h('p', { class: 'lesson-row__time' }, daySpan(lesson), ' · ', t(`lessons.kinds.${lesson.kind}`)),
      h('p', { class: 'list-item__title', testid: 'chat-lesson-title' }, lesson.title),
      h('p', { class: 'muted small' }, personName(lesson.created_by),
        cancelled ? h('span', { class: 'lesson-row__cancelled', testid: 'lesson-cancelled' }, ' · ', t('lessons.cancelled')) : null)),
    h('div', { class: 'row row--wrap' }, actions));
}

export async function lessonsView(ctx) {
  const chatId = Number(ctx.params.id);
  const chat = await get(`/chats/${chatId}`);
  if (!chat.my_role) {
    navigate(`/chats/${chatId}/join`, { replace: true });
    return h('div', {});
  }
  const holder = h('div', { testid: 'chat-lessons' });
  let creator = null;
  const formSlot = h('div', {});
  async function reload() {
    try {
      const answer = await get(`/chats/${chatId}/lessons`);
      if (answer.can_schedule && !creator) {
        creator = lessonForm(chatId, { onDone: reload });
        replace(formSlot, creator.el);
      }
      const lessons = answer.lessons || [];
      const live = lessons.some((l) => l.live_call_id);
      replace(holder, lessons.length
        ? h('ul', { class: 'list', testid: 'chat-lessons-list' }, lessons.map((l) => lessonItem(l, {
          chatId, live, onEdit: (lesson) => creator && creator.edit(lesson), reload,
        })))
        : empty(t('lessons.none')));
    } catch (error) {
      replace(holder, errorBox(error));
    }
  }
  await reload();
  ctx.onLeave(onLessons((event) => { if (!event || event.chat_id === chatId) reload(); }));
  return h('div', { class: 'stack stack--page', testid: 'lessons-page' },
    h('p', {}, h('a', { href: `/chats/${chatId}/members`, class: 'back-link', testid: 'back-to-members' }, '← ', chat.title)),
    pageHeader(t('lessons.title'), t('lessons.lead')),
    formSlot,
    cardTitled(t('lessons.upcoming'), holder));
}
