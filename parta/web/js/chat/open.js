// The chat on screen, as a store: the server's answer about it (title, pins, my block, and the
// `capabilities` that say what the person may do there) and the changes to its messages, as the
// dispatcher routes the stream's events here. One chat is open at a time; its parts (header,
// timeline, composer, typing, moderation) listen to this store, never to event types.
//
// What parts hear, by `kind`:
//   chat {chat, before}    the chat's answer was fetched again (a change, a block, a new role)
//   gone {why}             the person is no longer in it: 'left' | 'removed' | 'not_member'
//   message {message}      a new message
//   patch {id, change}     a message changed: change(message) → the fields that differ
//   pins {pinned}          the pinned messages
//   typing {userId}        someone is typing
//   held {heldId, status}  a moderator decided on one of my held messages
//   violation {violation}  a moderator recorded my violation here
//   resync {fresh}         events may have been missed: fetch what came meanwhile

import { get } from '../api.js';
import { registerStore } from '../events/dispatch.js';
import { session } from '../session.js';

let open = null; // {chatId, chat, listeners, refreshing, again}

function tell(change) {
  if (!open) return;
  for (const fn of [...open.listeners]) {
    try {
      fn(change);
    } catch (error) {
      console.error(`open chat part on ${change.kind}`, error); // eslint-disable-line no-console
    }
  }
}

const me = () => (session.user ? session.user.id : null);
const here = (e) => open && e.chat_id === open.chatId;

/** Fetch the chat's answer again; concurrent calls share one request (and one more after it). */
export function refreshOpenChat() {
  if (!open) return Promise.resolve();
  const state = open;
  if (state.refreshing) {
    state.again = true;
    return state.refreshing;
  }
  state.refreshing = (async () => {
    do {
      state.again = false;
      const fresh = await get(`/chats/${state.chatId}`);
      if (open !== state) return;
      if (!fresh.my_role) {
        tell({ kind: 'gone', why: 'not_member' });
        return;
      }
      const before = state.chat;
      state.chat = fresh;
      tell({ kind: 'chat', chat: fresh, before });
    } while (state.again && open === state);
  })().finally(() => {
    state.refreshing = null;
  });
  return state.refreshing;
}

function readUpTo(id) {
  open.chat.last_read_message_id = Math.max(open.chat.last_read_message_id || 0, id);
}

const refreshQuietly = () => refreshOpenChat().catch(() => { /* the next event or resync tries again */ });

registerStore({
  name: 'open_chat',
  events: {
    'message.new': (e) => {
      if (!here(e) || !e.message) return;
      if (e.message.author_id === me()) readUpTo(e.message.id); // sending reads up to it
      tell({ kind: 'message', message: e.message });
    },
    // My read position, moved here or on another device of mine.
    'chat.read': (e) => here(e) && e.reader_id === me() && readUpTo(e.last_read_message_id),
    'message.edited': (e) => here(e) && tell({
      kind: 'patch', id: e.message_id, change: () => ({ body: e.body, edited_at: e.edited_at }),
    }),
    'message.deleted': (e) => here(e) && tell({
      kind: 'patch', id: e.message_id, change: () => ({ deleted: true, body: '', reactions: {} }),
    }),
    // The administration marked its post urgent (issue 14): «Срочно» shows on it now.
    'message.urgent': (e) => here(e) && tell({ kind: 'urgent', id: e.message_id }),
    'message.reactions': (e) => here(e) && tell({
      kind: 'patch',
      id: e.message_id,
      change: (m) => ({
        reactions: e.reactions, my_reactions: (m.my_reactions || []).filter((x) => (e.reactions || {})[x] > 0),
      }),
    }),
    'chat.pins': (e) => {
      if (!here(e)) return;
      open.chat.pinned = e.pinned || [];
      tell({ kind: 'pins', pinned: open.chat.pinned });
    },
    'chat.changed': (e) => here(e) && refreshQuietly(),
    'chat.member': (e) => {
      if (!here(e)) return;
      if (e.user_id === me() && (e.change === 'left' || e.change === 'removed')) tell({ kind: 'gone', why: e.change });
      else refreshQuietly(); // members counted anew, or my role (and so what I may do) changed
    },
    'chat.typing': (e) => here(e) && e.user_id !== me() && tell({ kind: 'typing', userId: e.user_id }),
    'moderation.held': (e) => here(e) && tell({ kind: 'held', heldId: e.held_id, status: e.status }),
    // A block of mine began or ended: what I may do here is the server's to say again.
    'moderation.block': (e) => here(e) && e.user_id === me() && refreshQuietly(),
    'moderation.violation': (e) => here(e) && e.user_id === me() && e.violation
      && tell({ kind: 'violation', violation: e.violation }),
  },
  resync(reason) {
    if (!open) return;
    const fresh = reason === 'fresh';
    // A first connection only closes the short window between the page's fetch and the
    // stream's start; after a gap the chat itself is fetched again too.
    if (!fresh) refreshQuietly();
    tell({ kind: 'resync', fresh });
  },
});

/**
 * Open a chat fetched by the page: from now on its events reach `on(fn)` listeners.
 * Returns {chat() → the answer as now known, on(fn) → unsubscribe, refresh(), close()}.
 */
export function openChatStore(chat) {
  const state = { chatId: chat.id, chat, listeners: new Set(), refreshing: null, again: false };
  open = state;
  return {
    chat: () => state.chat,
    on(fn) {
      state.listeners.add(fn);
      return () => state.listeners.delete(fn);
    },
    refresh: () => (open === state ? refreshOpenChat() : Promise.resolve()),
    close() {
      state.listeners.clear();
      if (open === state) open = null;
    },
  };
}
