// Broadcasts (R38). /broadcasts: the school's broadcasts the person may watch or presents, and
// for the administration the form that plans one (time, audience, classes). /broadcasts/:id:
// the broadcast — a presenter goes on the air with camera and microphone; a viewer watches and
// sends nothing; the live viewer count; viewers' questions, which presenters approve, answer or
// dismiss.

import { get, post } from '../api.js';
import { h, replace } from '../dom.js';
import { field, form, submit } from '../forms.js';
import { t, tn } from '../i18n.js';
import { orgPath } from '../session.js';
import { button, cardTitled, empty, errorBox, pageHeader, personName, toast } from '../ui.js';
import { daySpan } from '../lessons/format.js';
import { present, stopMedia, watchRoom, watchStream } from './media.js';
import { onBroadcasts } from './store.js';

const AUDIENCES = ['school', 'staff', 'classes', 'parents'];
const pad = (n) => String(n).padStart(2, '0');
const localDay = (d) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
const localTime = (d) => `${pad(d.getHours())}:${pad(d.getMinutes())}`;

function audienceText(b) {
  const classes = b.groups.map((g) => g.name).join(', ');
  return classes ? t(`broadcasts.audience_of.${b.audience}`, { classes }) : t(`broadcasts.audience.${b.audience}`);
}

function status(b) {
  if (b.cancelled_at) return t('broadcasts.status.cancelled');
  if (b.on_air) return t('broadcasts.status.on_air');
  if (b.off_air_at) return t('broadcasts.status.over');
  return t('broadcasts.status.planned');
}

function planForm(groups, onDone) {
  const next = new Date(Date.now() + 60 * 60 * 1000);
  next.setMinutes(0, 0, 0);
  const end = new Date(next.getTime() + 45 * 60 * 1000);
  const classes = h('fieldset', { class: 'field field--wide', testid: 'broadcast-classes', hidden: true },
    h('legend', { class: 'field__label' }, t('broadcasts.field_classes')),
    h('div', { class: 'row row--wrap' }, groups.map((g) => h('label', { class: 'check' },
      h('input', { type: 'checkbox', name: 'group', value: String(g.id) }), ' ', g.name))));
  const el = form({
    testid: 'broadcast-form',
    fields: [
      field({ name: 'title', label: t('broadcasts.field_title'), required: true, maxlength: 200, placeholder: t('broadcasts.title_placeholder'), testid: 'broadcast-title', wide: true }),
      field({ name: 'audience', label: t('broadcasts.field_audience'), type: 'select', value: 'school', options: AUDIENCES.map((a) => [a, t(`broadcasts.audience.${a}`)]), testid: 'broadcast-audience' }),
      field({ name: 'day', label: t('lessons.field_day'), type: 'date', required: true, value: localDay(next), testid: 'broadcast-day' }),
      field({ name: 'starts_at', label: t('lessons.field_start'), type: 'time', required: true, value: localTime(next), testid: 'broadcast-start' }),
      field({ name: 'ends_at', label: t('lessons.field_end'), type: 'time', required: true, value: localTime(end), testid: 'broadcast-end' }),
      classes,
    ],
    actions: [submit(t('broadcasts.plan'), 'broadcast-submit')],
    async onsubmit(v, formEl) {
      const at = (time) => new Date(`${v.day}T${time}`).toISOString();
      const groupIds = [...formEl.querySelectorAll('input[name=group]:checked')].map((i) => Number(i.value));
      await post(orgPath('/broadcasts'), {
        title: v.title, audience: v.audience, starts_at: at(v.starts_at), ends_at: at(v.ends_at),
        group_ids: ['classes', 'parents'].includes(v.audience) ? groupIds : [],
      });
      toast(t('broadcasts.planned'));
      formEl.reset();
      classes.hidden = true;
      await onDone();
    },
  });
  el.elements.audience.addEventListener('change', () => { classes.hidden = !['classes', 'parents'].includes(el.elements.audience.value); });
  return cardTitled(t('broadcasts.new'), el);
}

function row(b) {
  return h('li', { class: 'list-item broadcast-item', testid: 'broadcast-item' },
    h('div', { class: 'stack stack--tight' },
      h('a', { href: `/broadcasts/${b.id}`, class: 'item-name', testid: 'broadcast-link' }, b.title),
      h('span', { class: 'muted small' }, daySpan(b), ' · ', audienceText(b)),
      h('span', { class: ['badge', b.on_air && 'badge--live'], testid: 'broadcast-status' }, status(b))));
}

export async function broadcastsView(ctx) {
  const list = h('div', {});
  const load = async () => {
    try {
      const answer = await get(orgPath('/broadcasts'));
      if (!ctx.isCurrent()) return;
      replace(list, answer.broadcasts.length
        ? h('ul', { class: 'list', testid: 'broadcast-list' }, answer.broadcasts.map(row))
        : empty(t('broadcasts.none')));
      return answer;
    } catch (error) {
      replace(list, errorBox(error));
      return null;
    }
  };
  const first = await load();
  let planning = null;
  if (first && first.can_plan) {
    const groups = (await get(orgPath('/groups'))).groups.filter((g) => g.kind !== 'staff');
    planning = planForm(groups, load);
  }
  ctx.onLeave(onBroadcasts(() => load()));
  return h('div', { class: 'stack stack--page', testid: 'broadcasts-page' },
    pageHeader(t('broadcasts.title'), t('broadcasts.lead')), planning, cardTitled(t('broadcasts.list'), list));
}

// One broadcast -----------------------------------------------------------------------------------

function questionItem(q, moderates, decide, drafts) {
  const item = h('li', { class: 'list-item', testid: 'question', dataset: { status: q.status, question: q.id } });
  const pending = moderates && q.status === 'pending';
  // «Ответить» opens the answer under the question, in place; «Отмена» puts the buttons back.
  // What is typed is kept in `drafts` by question: a new question redraws the list, not it.
  const answerForm = () => form({
    testid: 'question-answer-form',
    className: 'form--inline',
    fields: [field({ name: 'answer', type: 'textarea', rows: 3, label: t('broadcasts.answer_prompt'), required: true, maxlength: 2000, testid: 'question-answer-body', wide: true })],
    actions: [submit(t('broadcasts.answer_send'), 'question-answer-send'),
      button(t('common.cancel'), () => { drafts.delete(q.id); draw(false); }, { kind: 'ghost', testid: 'question-answer-cancel' })],
    async onsubmit(v) {
      await decide(q, 'answered', v.answer);
      drafts.delete(q.id);
    },
  });
  const actions = () => h('div', { class: 'row row--wrap' },
    button(t('broadcasts.approve'), () => decide(q, 'approved'), { small: true, testid: 'question-approve' }),
    button(t('broadcasts.answer'), () => { drafts.set(q.id, ''); draw(true, true); }, { small: true, testid: 'question-answer' }),
    button(t('broadcasts.dismiss'), () => decide(q, 'dismissed'), { kind: 'ghost', small: true, testid: 'question-dismiss' }));
  function draw(open, focus = false) {
    const tail = pending ? (open ? answerForm() : actions()) : null;
    replace(item, h('div', { class: 'stack stack--tight' },
      h('p', { class: 'question__body' }, q.body),
      h('span', { class: 'muted small' }, q.asker ? personName(q.asker) : null, q.asker ? ' · ' : null, t(`broadcasts.question_status.${q.status}`)),
      q.answer ? h('p', { class: 'question__answer' }, t('broadcasts.answered', { answer: q.answer })) : null,
      tail));
    const box = open ? item.querySelector('textarea') : null;
    if (box) {
      box.value = drafts.get(q.id) || '';
      box.addEventListener('input', () => drafts.set(q.id, box.value));
      if (focus) box.focus();
    }
  }
  draw(pending && drafts.has(q.id));
  return item;
}

export async function broadcastView(ctx) {
  const id = Number(ctx.params.id);
  let b = await get(`/broadcasts/${id}`);
  const head = h('div', {});
  const stage = h('div', { class: 'broadcast-stage', testid: 'broadcast-stage' });
  const count = h('p', { class: 'broadcast-count', testid: 'broadcast-viewers', role: 'status' });
  const controls = h('div', { class: 'row row--wrap' });
  const questionsList = h('ul', { class: 'list', testid: 'questions' });
  let room = null;
  const videos = new Map();

  const showCount = (n) => { count.textContent = tn('broadcasts.viewers', n); };
  const onRemote = (feedId, display, stream) => {
    let video = videos.get(feedId);
    if (!video) {
      video = h('video', { autoplay: true, playsinline: true, class: 'broadcast-video', testid: 'broadcast-remote' });
      videos.set(feedId, video);
      stage.append(video);
    }
    video.srcObject = stream;
  };
  const onRemoteGone = (feedId) => { const v = videos.get(feedId); if (v) v.remove(); videos.delete(feedId); };
  const onGone = () => { if (room) { room.leave(); room = null; } stopMedia(); render(); };

  async function goOnAir() {
    const stream = await navigator.mediaDevices.getUserMedia({ video: true, audio: true });
    const joined = await post(`/broadcasts/${id}/on-air`);
    b = joined.broadcast;
    const local = h('video', { autoplay: true, playsinline: true, class: 'broadcast-video broadcast-video--local', testid: 'broadcast-local' });
    local.muted = true;
    local.srcObject = stream;
    stage.append(local);
    room = await present(joined.janus, joined.ice_servers, stream, { onRemote, onRemoteGone, onGone });
    render();
  }
  async function watch() {
    const joined = await post(`/broadcasts/${id}/watch`);
    b = joined.broadcast;
    room = joined.janus.stream
      ? await watchStream(joined.janus, joined.ice_servers, { onRemote, onGone })
      : await watchRoom(joined.janus, joined.ice_servers, { onRemote, onRemoteGone, onGone });
    render();
  }
  async function startVideo() {
    b = await post(`/broadcasts/${id}/video/start`);
    render();
  }
  // The administration chooses the broadcast's video among the library's verified ones.
  const source = h('div', { class: 'stack stack--tight', testid: 'broadcast-source' });
  async function drawSource() {
    if (!b.can_manage || b.on_air || b.off_air_at || b.cancelled_at) { replace(source); return; }
    const shelf = await get(`${orgPath('/library')}?verified=true`);
    const films = shelf.materials.filter((m) => m.version && m.version.file && m.version.file.kind === 'video');
    const choose = form({
      testid: 'broadcast-video-form',
      className: 'form--inline',
      fields: [field({ name: 'material', label: t('broadcasts.video_field'), type: 'select', value: b.video ? String(b.video.id) : '',
        options: [['', t('broadcasts.video_none')], ...films.map((m) => [String(m.id), m.title])], testid: 'broadcast-video' })],
      actions: [submit(t('broadcasts.video_choose'), 'broadcast-video-submit')],
      async onsubmit(v) {
        b = await post(`/broadcasts/${id}/video`, { material_id: v.material ? Number(v.material) : null });
        toast(t(b.video ? 'broadcasts.video_chosen' : 'broadcasts.video_cleared'));
        render();
      },
    });
    replace(source, films.length ? choose : h('p', { class: 'muted small' }, t('broadcasts.video_no_films')));
  }
  async function leave() {
    if (room) room.leave();
    room = null;
    stopMedia();
    replace(stage);
    videos.clear();
    b = await post(`/broadcasts/${id}/leave`);
    render();
  }
  async function offAir() {
    if (room) room.leave();
    room = null;
    stopMedia();
    b = await post(`/broadcasts/${id}/off-air`);
    render();
  }
  const guarded = (fn) => async () => {
    try {
      await fn();
    } catch (error) {
      toast(error.message, 'error');
    }
  };

  function render() {
    replace(head, h('p', { class: 'muted' }, daySpan(b), ' · ', audienceText(b), ' · ',
      h('span', { testid: 'broadcast-status' }, status(b))));
    showCount(b.viewers);
    const live = !b.cancelled_at && !b.off_air_at;
    const film = b.video;
    const moderator = b.presenting || b.can_manage;
    replace(controls,
      film ? h('p', { class: 'muted small', testid: 'broadcast-video-title' }, t('broadcasts.video_of', { title: film.name })) : null,
      b.stream_error ? h('p', { class: 'error small', role: 'alert', testid: 'broadcast-video-error' }, t(`broadcasts.video_error.${b.stream_error}`)) : null,
      live && film && !b.on_air && moderator ? button(t('broadcasts.video_start'), guarded(startVideo), { kind: 'primary', testid: 'broadcast-video-start' }) : null,
      live && !film && b.presenting && !room ? button(t('broadcasts.go_on_air'), guarded(goOnAir), { kind: 'primary', testid: 'broadcast-on-air' }) : null,
      live && (!b.presenting || b.streaming) && !room ? button(t('broadcasts.watch'), guarded(watch), { kind: 'primary', testid: 'broadcast-watch' }) : null,
      room ? button(t('broadcasts.leave'), guarded(leave), { testid: 'broadcast-leave' }) : null,
      live && b.on_air && (b.presenting || b.can_manage) ? button(t('broadcasts.off_air'), guarded(offAir), { kind: 'danger', testid: 'broadcast-off-air' }) : null);
    drawSource().catch(() => replace(source));
  }

  let moderates = false;
  const drafts = new Map(); // question id → the answer being typed
  async function loadQuestions() {
    const answer = await get(`/broadcasts/${id}/questions`);
    const focused = questionsList.contains(document.activeElement) ? document.activeElement.closest('[data-question]') : null;
    moderates = answer.moderates;
    // «No questions yet» is a list item: a list holds nothing else (axe: list).
    replace(questionsList, answer.questions.length ? answer.questions.map((q) => questionItem(q, moderates, decide, drafts))
      : h('li', { class: 'list-item list-item--empty' }, empty(t('broadcasts.no_questions'))));
    // Typing an answer when the list is drawn again goes on in the same box.
    if (focused) questionsList.querySelector(`[data-question="${focused.dataset.question}"] textarea`)?.focus();
  }
  async function decide(q, status_, answer) {
    if (status_ === 'answered') {
      // From the answer form: a refusal shows in the form, under what was typed.
      await post(`/broadcasts/${id}/questions/${q.id}`, { status: status_, answer });
      await loadQuestions();
      return;
    }
    try {
      await post(`/broadcasts/${id}/questions/${q.id}`, { status: status_ });
      await loadQuestions();
    } catch (error) {
      toast(error.message, 'error');
    }
  }
  const ask = form({
    testid: 'question-form',
    className: 'form--inline',
    fields: [field({ name: 'body', label: t('broadcasts.ask_label'), required: true, maxlength: 500, testid: 'question-body', wide: true })],
    actions: [submit(t('broadcasts.ask'), 'question-submit')],
    async onsubmit(v, formEl) {
      await post(`/broadcasts/${id}/questions`, { body: v.body });
      formEl.reset();
      toast(t('broadcasts.asked'));
      await loadQuestions();
    },
  });

  render();
  await loadQuestions();
  ctx.onLeave(onBroadcasts(async (event) => {
    if (event && event.broadcast_id !== id) return;
    if (event && event.type === 'broadcast.viewers') { showCount(event.viewers); return; }
    if (event && event.type === 'broadcast.questions') { await loadQuestions(); return; }
    b = await get(`/broadcasts/${id}`);
    if (b.off_air_at && room) onGone();
    render();
  }));
  ctx.onLeave(() => { if (room) { room.leave(); post(`/broadcasts/${id}/leave`).catch(() => {}); } room = null; stopMedia(); });
  return h('div', { class: 'stack stack--page', testid: 'broadcast-page' },
    h('p', {}, h('a', { href: '/broadcasts', class: 'back-link' }, '← ', t('broadcasts.title'))),
    pageHeader(b.title, null), head,
    h('section', { class: 'card broadcast-card' }, stage, count, controls, source),
    cardTitled(t('broadcasts.questions'), questionsList, b.presenting ? null : ask)); // presenters answer, not ask
}
