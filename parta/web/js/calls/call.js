// The call a person is in (one at a time, whatever page they are on): Parta admits them,
// the room carries the media, the call screen shows everyone. Also the chat's «call» button
// and the banner «Идёт звонок · Присоединиться» while a call is live.

import { cookie, get, post } from '../api.js';
import { h, icon } from '../dom.js';
import { t, tn } from '../i18n.js';
import { registerStore } from '../events/dispatch.js';
import { session } from '../session.js';
import { toast } from '../ui.js';
import { joinRoom } from './room.js';
import { rejoin } from './rejoin.js';
import { SLASH, hostBtn, press, setOff, toggle } from './buttons.js';
import './ring.js'; // the incoming-call sheet, on every page

const PHONE = ['M22 16.9v3a2 2 0 0 1-2.2 2 19.8 19.8 0 0 1-8.6-3.1 19.5 19.5 0 0 1-6-6A19.8 19.8 0 0 1 2.1 4.2 2 2 0 0 1 4.1 2h3a2 2 0 0 1 2 1.7c.1.9.4 1.8.7 2.7a2 2 0 0 1-.5 2.1L8 9.8a16 16 0 0 0 6 6l1.3-1.3a2 2 0 0 1 2.1-.4c.9.3 1.8.6 2.7.7a2 2 0 0 1 1.7 2z'];
const MIC = ['M12 2a3 3 0 0 0-3 3v7a3 3 0 0 0 6 0V5a3 3 0 0 0-3-3z', 'M19 10v2a7 7 0 0 1-14 0v-2', 'M12 19v3'];
const CAMERA = ['M23 7l-7 5 7 5V7z', 'M3 5h11a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H3a2 2 0 0 1-2-2V7a2 2 0 0 1 2-2z'];
const REMOVE = ['M16 21v-2a4 4 0 0 0-4-4H6a4 4 0 0 0-4 4v2', 'M9 11a4 4 0 1 0 0-8 4 4 0 0 0 0 8', 'M17 8l5 5', 'M22 8l-5 5'];
const HAND = ['M18 11V6a2 2 0 0 0-4 0v5', 'M14 10V4a2 2 0 0 0-4 0v6', 'M10 10.5V6a2 2 0 0 0-4 0v8', 'M18 8a2 2 0 1 1 4 0v6a8 8 0 0 1-8 8h-2c-2.8 0-4.5-.9-6-2.4l-3.6-3.6a2 2 0 0 1 2.8-2.8L7 15'];
const SCREEN = ['M2 3h20v14H2z', 'M8 21h8', 'M12 17v4'];
const LOCK = ['M5 11h14v10H5z', 'M8 11V7a4 4 0 0 1 8 0v4'];
const CLOCK = ['M12 22a10 10 0 1 0 0-20 10 10 0 0 0 0 20z', 'M12 6v6l4 2'];
const STAR = ['M12 2l3.1 6.3 6.9 1-5 4.9 1.2 6.8-6.2-3.2-6.2 3.2L7 14.2 2 9.3l6.9-1z'];
const NO_CALL_KINDS = new Set(['channel', 'school_channel', 'staff_channel']);

let current = null; // {callId, chatId, stream, room, screen, tiles, leaving}

/** The call this page is in, or null. */
export const currentCall = () => current;

/** Figures for tests and diagnostics (see stats.js). */
export { callStats } from './stats.js';

function tile(name, { local = false, userId = null, screen = false } = {}) {
  const video = h('video', { autoplay: true, playsinline: true, class: 'call-tile__video' });
  video.muted = local;
  const mutedMark = h('span', { class: 'call-tile__muted', hidden: true, title: t('calls.muted_mark'), testid: 'call-tile-muted' }, icon([...MIC, ...SLASH]));
  const handMark = h('span', { class: 'call-tile__hand', hidden: true, title: t('calls.hand_raised'), testid: 'call-tile-hand' }, icon(HAND));
  const label = screen ? t('calls.screen_of', { name }) : name;
  const el = h('figure', { class: ['call-tile', local && 'call-tile--local', screen && 'call-tile--screen'], testid: local ? 'call-tile-local' : (screen ? 'call-tile-screen' : 'call-tile-remote'), dataset: { user: String(userId || '') } },
    video, h('figcaption', { class: 'call-tile__name' }, mutedMark, handMark, label));
  const entry = { el, video, mutedMark, handMark, name, screen, host: null };
  if (!local && !screen) {
    const host = h('div', { class: 'call-tile__host', hidden: true },
      hostBtn('call-host-mute', MIC, t('calls.host_mute', { name }), (e) => hostMute(userId, e.currentTarget)),
      hostBtn('call-host-screen', SCREEN, t('calls.host_screen', { name }), (e) => hostToggle(userId, 'screen', 'allowed', e.currentTarget)),
      hostBtn('call-host-cohost', STAR, t('calls.host_cohost', { name }), (e) => hostToggle(userId, 'cohost', 'cohost', e.currentTarget)),
      hostBtn('call-host-remove', REMOVE, t('calls.host_remove', { name }), () => hostRemove(userId), true));
    el.append(host);
    entry.host = host;
  }
  return entry;
}

/** A host's decision about someone (mute, screen, co-host, remove): Parta decides, events tell. */
function hostPost(path, body) {
  if (current) post(`/calls/${current.callId}/participants/${path}`, body).catch((error) => toast(error.message, 'error'));
}
const pressed = (button) => button.getAttribute('aria-pressed') === 'true';
const hostToggle = (userId, what, field, button) => hostPost(`${userId}/${what}`, { [field]: !pressed(button) });
const hostMute = (userId, button) => hostPost(`${userId}/mute`, { audio: !pressed(button) });
const hostRemove = (userId) => hostPost(`${userId}/remove`);

/** What the host decided, on every tile, on my own buttons and on the host's bar. */
function showFlags(call) {
  if (!current || !call || call.id !== current.callId) return;
  const screen = current.screen;
  const me = (call.participants || []).find((p) => p.person.id === session.user.id);
  if (me) {
    const wasHeld = current.mutedByHost;
    current.host = me.host;
    current.mainHost = me.host && !me.cohost;
    current.mutedByHost = me.muted_audio && !me.host;
    if (current.mine) {
      current.mine.mutedMark.hidden = !current.mutedByHost;
      current.mine.handMark.hidden = !me.hand_raised_at;
    }
    const mic = screen.mic;
    mic.disabled = current.mutedByHost;
    mic.classList.toggle('call-btn--held', current.mutedByHost);
    if (current.mutedByHost) {
      mic.setAttribute('aria-label', t('calls.muted_by_host'));
      mic.title = t('calls.muted_by_host');
      mic.replaceChildren(icon([...MIC, ...SLASH]));
    } else {
      const track = current.stream.getAudioTracks()[0];
      setOff(mic, track ? !track.enabled : false, t('calls.mic_on'), t('calls.mic_off'), MIC);
      if (wasHeld && current.room) current.room.addAudio().catch((error) => toast(error.message, 'error'));
    }
    press(screen.hand, !!me.hand_raised_at, t(me.hand_raised_at ? 'calls.hand_lower' : 'calls.hand_raise'));
    screen.share.hidden = !me.may_share_screen;
  }
  screen.hostBar.hidden = !current.host;
  press(screen.muteAll, call.audio_held, t(call.audio_held ? 'calls.allow_all' : 'calls.mute_all'));
  screen.muteAll.lastChild.textContent = t(call.audio_held ? 'calls.allow_all' : 'calls.mute_all');
  press(screen.lock, call.locked, t(call.locked ? 'calls.unlock' : 'calls.lock'));
  screen.lock.lastChild.textContent = t(call.locked ? 'calls.unlock' : 'calls.lock');
  const names = new Map((call.participants || []).map((p) => [p.person.id, p.person.name]));
  screen.hands.replaceChildren(...(call.hands || []).map((id) => h('li', { class: 'call-hands__item', testid: 'call-hand' },
    icon(HAND), h('span', {}, names.get(id) || ''),
    h('button', { type: 'button', class: 'btn call-hands__answer', testid: 'call-hand-answer', onclick: () => post(`/calls/${current.callId}/participants/${id}/lower-hand`).catch((error) => toast(error.message, 'error')) }, t('calls.hand_answer')))));
  screen.hands.hidden = !current.host || !(call.hands || []).length;
  press(screen.waitingRoom, call.waiting_room, t(call.waiting_room ? 'calls.waiting_room_off' : 'calls.waiting_room_on'));
  screen.waitingRoom.lastChild.textContent = t(call.waiting_room ? 'calls.waiting_room_off' : 'calls.waiting_room_on');
  const decide = (id, verb) => post(`/calls/${current.callId}/waiting/${id}/${verb}`).catch((error) => toast(error.message, 'error'));
  screen.waiters.replaceChildren(...(call.waiting || []).map((person) => h('li', { class: 'call-hands__item', testid: 'call-waiter' },
    h('span', {}, t('calls.waits', { name: person.name })),
    h('button', { type: 'button', class: 'btn call-hands__answer', testid: 'call-admit', onclick: () => decide(person.id, 'admit') }, t('calls.admit')),
    h('button', { type: 'button', class: 'btn call-hands__answer', testid: 'call-deny', onclick: () => decide(person.id, 'deny') }, t('calls.deny')))));
  screen.waiters.hidden = !current.host || !(call.waiting || []).length;
  for (const p of call.participants || []) {
    const entry = current.tiles.get(p.person.id);
    if (!entry || p.person.id === session.user.id) continue;
    entry.mutedMark.hidden = !p.muted_audio;
    entry.handMark.hidden = !p.hand_raised_at;
    if (!entry.host) continue;
    entry.host.hidden = !current.host || p.host && !current.mainHost;
    const [muteBtn, screenBtn, cohostBtn] = entry.host.children;
    const name = p.person.name;
    press(muteBtn, p.muted_audio, t(p.muted_audio ? 'calls.host_unmute' : 'calls.host_mute', { name }));
    muteBtn.replaceChildren(icon(p.muted_audio ? [...MIC, ...SLASH] : MIC));
    press(screenBtn, p.may_share_screen, t(p.may_share_screen ? 'calls.host_screen_off' : 'calls.host_screen', { name }));
    press(cohostBtn, p.cohost, t(p.cohost ? 'calls.host_cohost_off' : 'calls.host_cohost', { name }));
    cohostBtn.hidden = !current.mainHost;
  }
}

async function toggleShare() {
  if (!current || !current.room) return;
  const me = current;
  if (me.sharing) {
    me.sharing.stop();
    me.sharing = null;
    press(me.screen.share, false, t('calls.share'));
    return;
  }
  let screenStream;
  try {
    screenStream = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
  } catch {
    return;
  }
  const ended = () => {
    if (current !== me || !me.sharing) return;
    me.sharing.stop();
    me.sharing = null;
    press(me.screen.share, false, t('calls.share'));
  };
  try {
    me.sharing = await me.room.shareScreen(screenStream, ended);
    screenStream.getVideoTracks()[0].addEventListener('ended', ended);
    press(me.screen.share, true, t('calls.share_stop'));
  } catch (error) {
    toast(error.message, 'error');
  }
}

function buildScreen(title) {
  const grid = h('div', { class: 'call-grid', testid: 'call-grid' });
  const count = h('p', { class: 'call-screen__count', testid: 'call-count' });
  const mic = toggle(t('calls.mic_off'), MIC, 'call-mic', () => {
    const track = current && current.stream.getAudioTracks()[0];
    if (!track || current.mutedByHost) return;
    track.enabled = !track.enabled;
    setOff(mic, !track.enabled, t('calls.mic_on'), t('calls.mic_off'), MIC);
    // Janus stops relaying too (and Parta refuses it while the host holds the microphone).
    if (current.room) current.room.setSending('audio', track.enabled).catch((error) => toast(error.message, 'error'));
  });
  const hand = toggle(t('calls.hand_raise'), HAND, 'call-hand-raise', () => {
    if (!current) return;
    const up = hand.getAttribute('aria-pressed') !== 'true';
    post(`/calls/${current.callId}/hand`, { raised: up }).catch((error) => toast(error.message, 'error'));
  });
  const share = toggle(t('calls.share'), SCREEN, 'call-share', () => toggleShare());
  share.hidden = true;
  const bar = (testid, paths, label, onclick) => h('button', { type: 'button', class: 'call-bar-btn', testid, 'aria-pressed': 'false', 'aria-label': label, title: label, onclick }, icon(paths), h('span', {}, label));
  const muteAll = bar('call-mute-all', [...MIC, ...SLASH], t('calls.mute_all'), () => {
    const held = muteAll.getAttribute('aria-pressed') === 'true';
    post(`/calls/${current.callId}/mute-all`, { audio: !held }).catch((error) => toast(error.message, 'error'));
  });
  const lock = bar('call-lock', LOCK, t('calls.lock'), () => {
    const locked = lock.getAttribute('aria-pressed') === 'true';
    post(`/calls/${current.callId}/lock`, { locked: !locked }).catch((error) => toast(error.message, 'error'));
  });
  const waitingRoom = bar('call-waiting-room', CLOCK, t('calls.waiting_room_on'), () => {
    const on = waitingRoom.getAttribute('aria-pressed') === 'true';
    post(`/calls/${current.callId}/waiting-room`, { enabled: !on }).catch((error) => toast(error.message, 'error'));
  });
  const hostBar = h('div', { class: 'call-screen__hostbar', testid: 'call-host-bar', hidden: true }, muteAll, lock, waitingRoom);
  const waiters = h('ol', { class: 'call-hands', testid: 'call-waiters', 'aria-label': t('calls.waiting_list'), hidden: true });
  const hands = h('ol', { class: 'call-hands', testid: 'call-hands', 'aria-label': t('calls.hands'), hidden: true });
  const cam = toggle(t('calls.cam_off'), CAMERA, 'call-camera', () => {
    const track = current && current.stream.getVideoTracks()[0];
    if (!track) return;
    track.enabled = !track.enabled;
    setOff(cam, !track.enabled, t('calls.cam_on'), t('calls.cam_off'), CAMERA);
  });
  const leave = h('button', { type: 'button', class: 'call-btn call-btn--leave', 'aria-label': t('calls.leave'), title: t('calls.leave'), testid: 'call-leave', onclick: () => leaveCall() },
    icon(PHONE));
  const reconnecting = h('p', { class: 'call-screen__reconnecting', role: 'status', testid: 'call-reconnecting', hidden: true },
    h('span', { class: 'call-screen__pulse', 'aria-hidden': 'true' }), t('calls.reconnecting'));
  const el = h('section', { class: 'call-screen', role: 'dialog', 'aria-modal': 'true', 'aria-label': t('calls.title', { title }), testid: 'call-screen' },
    h('header', { class: 'call-screen__head' }, h('h2', { class: 'call-screen__title' }, title), count, hostBar, hands, waiters),
    reconnecting,
    grid,
    h('div', { class: 'call-screen__controls' }, mic, cam, hand, share, leave));
  return { el, grid, count, mic, hand, share, hostBar, muteAll, lock, waitingRoom, hands, waiters, reconnecting };
}

function updateCount() {
  if (!current) return;
  current.screen.count.textContent = current.lastCall && current.lastCall.ringing
    ? t('calls.ringing_out') : tn('calls.people', [...current.tiles.values()].filter((e) => !e.screen).length + 1);
}

async function localMedia(kind) {
  try {
    return await navigator.mediaDevices.getUserMedia({ audio: true, video: kind === 'video' });
  } catch {
    try {
      return await navigator.mediaDevices.getUserMedia({ audio: true });
    } catch {
      toast(t('calls.no_media'), 'error');
      return null;
    }
  }
}

/** Join the chat's live call (starting one when there is none), with camera and microphone. */
export async function joinCall(chat, kind = 'video') {
  if (current && current.chatId === chat.id) return;
  await enter(chat.id, chat.title || t('calls.call'), kind, () => post(`/chats/${chat.id}/call`, { kind }));
}

/** Answer a ringing call: join exactly that one. */
export async function acceptCall(callId, chatId, title, kind = 'video') {
  if (current && current.callId === callId) return;
  await enter(chatId, title, kind, () => post(`/calls/${callId}/accept`));
}

let waiting = null; // {callId, chatId, title, kind, admit, stream, el}: in a waiting room

function stopWaiting(message, tone) {
  if (!waiting) return;
  const was = waiting;
  waiting = null;
  was.el.remove();
  was.stream.getTracks().forEach((track) => track.stop());
  if (message) toast(message, tone);
}

/** In the call's waiting room until the host decides (`call.admitted`) or the call ends. */
function showWaiting(joined, chatId, title, kind, admit, stream) {
  const callId = joined.call.id;
  const el = h('section', { class: 'call-waiting', role: 'dialog', 'aria-modal': 'true', 'aria-label': t('calls.waiting_title'), testid: 'call-waiting' },
    h('h2', { class: 'call-waiting__title' }, title),
    h('p', { class: 'call-waiting__text' }, t('calls.waiting_text')),
    h('button', { type: 'button', class: 'btn call-waiting__leave', testid: 'call-waiting-leave', onclick: () => {
      stopWaiting();
      post(`/calls/${callId}/leave`).catch(() => {});
    } }, t('calls.leave')));
  waiting = { callId, chatId, title, kind, admit, stream, el };
  document.body.append(el);
}

async function enter(chatId, title, kind, admit, ready = null) {
  if (current) await leaveCall();
  stopWaiting();
  const stream = ready || await localMedia(kind);
  if (!stream) return;
  let joined;
  try {
    joined = await admit();
  } catch (error) {
    stream.getTracks().forEach((track) => track.stop());
    toast(error.message, 'error');
    return;
  }
  if (joined.waiting) {
    showWaiting(joined, chatId, title, kind, admit, stream);
    return;
  }
  const screen = buildScreen(title);
  const mePart = (joined.call.participants || []).find((p) => p.person.id === session.user.id);
  const host = !!(mePart && mePart.host);
  const held = !!(mePart && mePart.muted_audio && !host);
  current = { callId: joined.call.id, chatId, stream, room: null, screen, tiles: new Map(), host, lastCall: joined.call };
  const mine = tile(t('calls.you'), { local: true });
  mine.video.srcObject = stream;
  current.mine = mine;
  screen.grid.append(mine.el);
  document.body.append(screen.el);
  document.body.classList.add('in-call');
  updateCount();
  showFlags(joined.call);
  const me = current;
  me.kind = kind;
  me.admitAgain = () => post(`/calls/${me.callId}/accept`);
  if (!await connect(me, joined, held) && current === me) await leaveCall(t('calls.failed'));
}

/** Join the Janus room of `joined` (Parta's answer) for the call page `me`. False: it failed. */
async function connect(me, joined, held) {
  const screen = me.screen;
  const base = joined.janus.screen_feed_base;
  try {
    const room = await joinRoom(joined.janus, joined.ice_servers, me.stream, {
      held,
      media: joined.media,
      onRemote(feedId, display, remote) {
        if (current !== me) return;
        let entry = me.tiles.get(feedId);
        if (!entry) {
          const screenOf = feedId >= base;
          entry = tile(display || t('chat.someone'), { userId: screenOf ? feedId - base : feedId, screen: screenOf });
          me.tiles.set(feedId, entry);
          screen.grid.append(entry.el);
        }
        entry.video.srcObject = remote;
        updateCount();
        showFlags(me.lastCall);
      },
      onRemoteGone(feedId) {
        const entry = me.tiles.get(feedId);
        if (entry) entry.el.remove();
        me.tiles.delete(feedId);
        updateCount();
      },
      onGone(reason) {
        if (current !== me) return;
        const why = { kicked: 'calls.removed', elsewhere: 'calls.elsewhere', over: 'calls.ended' }[reason];
        if (why) closeScreen(t(why));
        else reconnect(me); // the media or the session was lost: come back by itself
      },
    });
    if (current !== me) { room.leave(); return true; }
    me.room = room;
    room.setCrowd((me.lastCall.participants || []).length);
    // Allowed while the room was being joined: publish the microphone now.
    if (held && !me.mutedByHost) room.addAudio().catch(() => {});
    return true;
  } catch {
    return false;
  }
}

/** The connection was lost: the page rejoins this very call by itself (see rejoin.js). */
async function reconnect(me) {
  if (me.reconnecting || current !== me) return;
  me.reconnecting = true;
  if (me.sharing) { me.sharing.stop(); me.sharing = null; press(me.screen.share, false, t('calls.share')); }
  if (me.room) { me.room.leave(); me.room = null; }
  try {
    await rejoin(me.screen, {
      still: () => current === me,
      admit: me.admitAgain,
      async connect(joined) {
        me.lastCall = joined.call;
        const mePart = (joined.call.participants || []).find((p) => p.person.id === session.user.id);
        showFlags(joined.call);
        return connect(me, joined, !!(mePart && mePart.muted_audio && !mePart.host));
      },
      close: (message) => closeScreen(message),
      giveUp: () => leaveCall(t('calls.rejoin_failed')),
    });
  } finally {
    me.reconnecting = false;
  }
}

// Back online: a call whose connections went down rejoins now rather than after its grace.
window.addEventListener('online', () => {
  if (current && current.room && !current.reconnecting && !current.room.healthy()) reconnect(current);
});
// Offline: say so at once (the media cannot be flowing); the rejoin waits for the network.
window.addEventListener('offline', () => {
  if (current && current.room && !current.reconnecting) reconnect(current);
});

function closeScreen(message) {
  if (!current) return;
  const was = current;
  current = null;
  if (was.sharing) was.sharing.stop();
  if (was.room) was.room.leave();
  was.stream.getTracks().forEach((track) => track.stop());
  was.screen.el.remove();
  document.body.classList.remove('in-call');
  if (message) toast(message);
  // The chat's banner shows «Войти» again, whichever came first: this, or the call's event.
  tellBanners({ type: 'local.closed', chat_id: was.chatId });
}

/** Leave the call (the last one out ends it for everyone). */
export async function leaveCall(message) {
  if (!current) return;
  const callId = current.callId;
  closeScreen(message);
  await post(`/calls/${callId}/leave`).catch(() => {});
}

// A closed tab leaves the call too (keepalive lets the request outlive the page).
window.addEventListener('pagehide', () => {
  if (!current) return;
  fetch(`/api/v1/calls/${current.callId}/leave`, {
    method: 'POST', keepalive: true, credentials: 'same-origin',
    headers: { 'X-CSRF-Token': cookie('parta_csrf'), 'Content-Type': 'application/json' }, body: '{}',
  }).catch(() => {});
});

// The calls store: the open call screen follows its call's events, and each banner is told of
// every call event (null after a gap in the stream: it fetches its chat's call again).
const bannerWatchers = new Set();
const tellBanners = (event) => bannerWatchers.forEach((fn) => fn(event));

registerStore({
  name: 'calls',
  events: {
    'call.started': tellBanners,
    'call.updated': (e) => {
      if (current && e.call && e.call.id === current.callId) {
        current.lastCall = e.call;
        const present = new Set((e.call.participants || []).map((p) => p.person.id));
        for (const [feedId, entry] of [...current.tiles.entries()]) {
          const person = Number(entry.el.dataset.user);
          if (!present.has(person) && current.room) current.room.drop(feedId);
        }
        showFlags(e.call);
        updateCount();
        if (current.room) current.room.setCrowd((e.call.participants || []).length);
      }
      tellBanners(e);
    },
    'call.admitted': (e) => {
      if (!waiting || waiting.callId !== e.call_id) return;
      if (!e.admitted) { stopWaiting(t('calls.denied'), 'error'); return; }
      const w = waiting;
      w.el.remove();
      waiting = null;
      enter(w.chatId, w.title, w.kind, w.admit, w.stream);
    },
    'call.ended': (e) => {
      if (waiting && waiting.callId === e.call_id) stopWaiting(t('calls.ended'));
      const why = { declined: 'calls.declined', unanswered: 'calls.no_answer' }[e.reason] || 'calls.ended';
      if (current && current.callId === e.call_id) closeScreen(t(why));
      tellBanners(e);
    },
  },
  resync: () => tellBanners(null),
});

/** May a call be started in this chat from its page? */
export const callable = (chat) => !chat.archived && !NO_CALL_KINDS.has(chat.kind) && !!chat.my_role;

/** The header's «Звонок» button. */
export function callButton(chat) {
  if (!callable(chat)) return null;
  // On phones the label is hidden and the icon stands alone: the name stays (WCAG 4.1.2).
  return h('button', { type: 'button', class: 'call-start', testid: 'call-start', 'aria-label': t('calls.call'), onclick: () => joinCall(chat) },
    icon(PHONE), h('span', { class: 'call-start__label' }, t('calls.call')));
}

/**
 * The banner under a chat's header while its call is live and this page is not in it.
 * Returns {el, destroy}.
 */
export function callBanner(chatFn) {
  const chatId = chatFn().id;
  const el = h('div', { class: 'call-banner', testid: 'call-banner', hidden: true });
  let live = null;
  function draw() {
    const show = live && !(current && current.callId === live.id);
    el.hidden = !show;
    if (!show) { el.replaceChildren(); return; }
    el.replaceChildren(
      icon(PHONE),
      h('span', { class: 'call-banner__text' }, t('calls.live'), ' · ', tn('calls.people', live.participants.length)),
      h('button', { type: 'button', class: 'btn btn--primary call-banner__join', testid: 'call-join', onclick: () => joinCall(chatFn()).then(draw) }, t('calls.join')));
  }
  const fetchLive = () => get(`/chats/${chatId}/call`).then((call) => { live = call; draw(); }).catch(() => {});
  fetchLive();
  const watcher = (e) => {
    if (e === null) fetchLive();
    else if (e.chat_id !== chatId) return;
    else if (e.type === 'call.ended') { live = null; draw(); }
    else if (e.type === 'local.closed') draw(); // this page left the call: the banner may show
    else { live = e.call; draw(); }
  };
  bannerWatchers.add(watcher);
  return { el, destroy: () => bannerWatchers.delete(watcher) };
}
