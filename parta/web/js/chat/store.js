// The person's chats in the current organization, kept up to date by the event stream.
//
// One state for the chat list, the unread badge in the menu and the notifications: loaded over
// HTTP, then changed by the events the dispatcher routes here; whatever an event cannot say
// exactly is fetched again, and after a gap in the stream the whole list.

import { get } from '../api.js';
import { onStatus, reflects, registerStore } from '../events/dispatch.js';
import { session } from '../session.js';

const state = {
  orgId: null,
  chats: [], // GET /chats items, newest activity first
  invitations: [],
  loaded: false,
  error: null,
  openChatId: null, // the chat on screen, if any
  eventId: null, // the event stream's id the loaded list reflects (the answer's `event_id`)
};
const listeners = new Set();
const arrivals = new Set(); // fn(event) for each new message of the person's chats
const names = new Map(); // user id → name, learned from lists and message pages
let loading = null;
let reloadTimer = null;
let subscribed = false;
let stale = false;
let newestDuringLoad = 0; // the newest event id that came while a list was on its way

const CHANNELS = new Set(['channel', 'school_channel', 'staff_channel']);

/** Channels: moderators post, everyone reads, posts count their views. */
export const isChannel = (chat) => CHANNELS.has(chat.kind);

/**
 * What the person may do in the chat is the server's word (`capabilities` of a chat's answer:
 * the policy, the archive and a block already weighed); nothing here decides it again.
 * can(chat, 'post' | 'reply' | 'react' | 'moderate' | 'pin' | 'manage' | 'invite' | 'remind_rules')
 */
export const can = (chat, what) => Boolean(chat && chat.capabilities && chat.capabilities[`can_${what}`]);
export const canPost = (chat) => can(chat, 'post');
/** Only answers to posts (the municipality's channel): a reply, not a post of one's own. */
export const repliesOnly = (chat) => !canPost(chat) && can(chat, 'reply');
export const canModerate = (chat) => can(chat, 'moderate');

export const chatState = () => state;
export const chatById = (id) => state.chats.find((c) => c.id === id) || null;
export const invitationById = (id) => state.invitations.find((c) => c.id === id) || null;
export const totalUnread = () => state.chats.reduce((sum, c) => sum + (c.unread || 0), 0);

/** Listen for any change of the chat list; returns the function that stops listening. */
export function onChats(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

function changed() {
  for (const fn of [...listeners]) fn(state);
}

/** A new message came in one of the person's chats (the notifications follow it). */
export function onArrival(fn) {
  arrivals.add(fn);
  return () => arrivals.delete(fn);
}

/** Remember people's names, so a live message's preview can say who wrote it. */
export function rememberPeople(people) {
  for (const p of people) if (p && p.id && p.name) names.set(p.id, p.name);
}

export function nameOf(userId) {
  if (session.user && userId === session.user.id) return session.user.name;
  return names.get(userId) || null;
}

async function fetchChats(orgId) {
  newestDuringLoad = 0;
  const answer = await get(`/chats${orgId ? `?org_id=${orgId}` : ''}`);
  if (orgId !== state.orgId) return; // the person switched organizations meanwhile
  stale = false;
  state.chats = answer.chats || [];
  state.invitations = answer.invitations || [];
  state.eventId = Number.isSafeInteger(answer.event_id) ? answer.event_id : null;
  // An event that came while the list was on its way, newer than the list, was applied to the
  // old list that this one replaces: fetch again rather than lose it.
  if (newestDuringLoad && !reflects(state.eventId, newestDuringLoad)) reloadSoon();
  for (const c of state.chats) {
    if (c.last_message && c.last_message.author_name) names.set(c.last_message.author_id, c.last_message.author_name);
  }
  state.loaded = true;
  state.error = null;
}

/** Load (or reload) the list for the organization; concurrent callers share one request. */
export function loadChats(orgId = session.orgId) {
  subscribe();
  if (orgId !== state.orgId) {
    state.orgId = orgId;
    state.chats = [];
    state.invitations = [];
    state.loaded = false;
    state.eventId = null;
    loading = null;
  }
  if (!loading) {
    loading = fetchChats(orgId)
      .catch((error) => {
        // With a list on screen, a failed refresh keeps it (the connection pill says enough)
        // and tries again when the event stream is back.
        if (state.loaded) stale = true;
        else state.error = error;
      })
      .finally(() => {
        loading = null;
        changed();
      });
  }
  return loading;
}

/** Load once per organization; later changes come from events. */
export function ensureChats(orgId = session.orgId) {
  if (state.orgId === orgId && (state.loaded || loading)) return loading || Promise.resolve();
  return loadChats(orgId);
}

function reloadSoon() {
  if (!state.orgId && !state.loaded) return;
  clearTimeout(reloadTimer);
  reloadTimer = setTimeout(() => loadChats(state.orgId), 300);
}

export function resetChats() {
  clearTimeout(reloadTimer);
  state.orgId = null;
  state.chats = [];
  state.invitations = [];
  state.loaded = false;
  state.openChatId = null;
  state.eventId = null;
  loading = null;
  changed();
}

/** The chat view says which chat is on screen (null when it closes). */
export function setOpenChat(chatId) {
  state.openChatId = chatId;
}

/** The chat view marked messages read: clear the badge before the server's echo arrives. */
export function readLocally(chatId, messageId) {
  const chat = chatById(chatId);
  if (!chat || messageId <= (chat.last_read_message_id || 0)) return;
  chat.last_read_message_id = messageId;
  if (!chat.last_message || messageId >= chat.last_message.id) chat.unread = 0;
  changed();
}

/** Forget an invitation answered on this device (joined or declined). */
export function dropInvitation(chatId) {
  state.invitations = state.invitations.filter((c) => c.id !== chatId);
  changed();
  reloadSoon();
}

// An event of another school is the page's when it is about a chat in this school's list: a
// joint chat of schools (R41) belongs to its owner school and is listed by each taking part.
const mine = (event) => !event.org_id || !state.orgId || event.org_id === state.orgId
  || (event.chat_id != null && Boolean(chatById(event.chat_id)));

function onMessage(event) {
  for (const fn of [...arrivals]) fn(event);
  if (!mine(event)) return;
  const chat = chatById(event.chat_id);
  const message = event.message || {};
  if (!chat) {
    reloadSoon(); // a chat we have not listed yet
    return;
  }
  if (chat.last_message && message.id <= chat.last_message.id) return; // replayed, known
  const fromMe = session.user && message.author_id === session.user.id;
  const authorName = nameOf(message.author_id);
  chat.last_message = { ...message, author_name: authorName || '' };
  if (fromMe) { // the server reads the chat up to one's own message: nothing before it is unread
    chat.last_read_message_id = Math.max(chat.last_read_message_id || 0, message.id);
    chat.unread = 0;
  } else {
    const seen = state.openChatId === chat.id && document.visibilityState === 'visible';
    if (!seen) chat.unread = (chat.unread || 0) + 1;
  }
  state.chats = [chat, ...state.chats.filter((c) => c !== chat)];
  changed();
  if (!authorName && message.author_id) reloadSoon();
}

function onRead(event) {
  const chat = chatById(event.chat_id);
  if (!chat) return;
  chat.last_read_message_id = Math.max(chat.last_read_message_id || 0, event.last_read_message_id);
  if (!chat.last_message || chat.last_read_message_id >= chat.last_message.id) {
    chat.unread = 0;
    changed();
  } else {
    reloadSoon(); // only part of it was read: the server counts the rest
  }
}

function onEdited(event) {
  const chat = chatById(event.chat_id);
  if (chat && chat.last_message && chat.last_message.id === event.message_id) {
    chat.last_message = { ...chat.last_message, body: event.body, edited_at: event.edited_at };
    changed();
  }
}

function onDeleted(event) {
  const chat = chatById(event.chat_id);
  if (chat) reloadSoon(); // the preview and the unread count may both change
}

function onMember(event) {
  if (session.user && event.user_id === session.user.id) reloadSoon();
}

/** The stream says (re)start from `head`. After a first hello ('fresh'), fetch the list
 *  again only when the one loaded (or on its way) does not reflect the stream through `head` —
 *  a fast start then fetches it once. After a gap (rare), always. */
function resync(reason, head) {
  if (reason !== 'fresh' || head == null) {
    reloadSoon();
    return;
  }
  const check = () => {
    if (!reflects(state.eventId, head)) reloadSoon();
  };
  if (loading) loading.then(check);
  else if (state.loaded) check();
  else if (state.error) reloadSoon();
  // Nothing loaded nor asked for yet: the first load comes after this hello, so reflects it.
}

// Every event this store takes is noted while a list is on its way (see fetchChats).
const noting = (fn) => (event) => {
  if (loading && Number.isSafeInteger(event.id) && event.id > newestDuringLoad) newestDuringLoad = event.id;
  return fn(event);
};

function subscribe() {
  if (subscribed) return;
  subscribed = true;
  const events = {
    'message.new': onMessage,
    'message.edited': onEdited,
    'message.deleted': (e) => mine(e) && onDeleted(e),
    'chat.read': onRead,
    'chat.invited': (e) => mine(e) && reloadSoon(),
    'chat.changed': (e) => mine(e) && reloadSoon(),
    'chat.member': (e) => mine(e) && onMember(e),
    // My block began or ended: what I may do there (capabilities) is fetched again.
    'moderation.block': (e) => mine(e) && onMember(e),
  };
  registerStore({
    name: 'chats',
    events: Object.fromEntries(Object.entries(events).map(([type, fn]) => [type, noting(fn)])),
    resync,
  });
  onStatus((status) => {
    if (status === 'live' && stale) reloadSoon();
  });
}

subscribe(); // the notifications hear of new messages before any list is loaded
