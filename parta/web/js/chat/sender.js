// Sending messages so that none is lost and none is doubled.
//
// Every message gets a client id before it leaves; a retry after a network error sends the same
// id, and the server answers with the message it already has. Until the server acknowledges,
// the message shows as pending; a refusal (read-only chat, slow mode) shows why, with a retry.
// Files go up before the message (uploads.js); the message names them by id, so a retry sends
// the same ids with the same client id.
//
// The conduct filter (R33) may answer otherwise: a warning (the message stays on screen with
// the words marked, to fix or to send anyway), a refusal, or «held» — the message waits for a
// moderator, shown only to its author, until the moderator lets it through (it then arrives
// as a new message with the same client id) or rejects it.
//
// A message goes over the event stream's socket when it is live (no HTTP request to pay for,
// and the server stores sends from many people together), over HTTP otherwise. The answer is the
// same either way; a send the socket dropped before answering goes again over HTTP, with the
// same client id.

import { ApiError, post } from '../api.js';
import { formatDate, t } from '../i18n.js';
import { sendOverStream } from '../realtime.js';

const AUTO_RETRIES = [1000, 2000, 4000, 8000];
const CONDUCT = new Set(['conduct_warning', 'conduct_rejected']);

/** 32 hex characters; crypto.randomUUID is missing on plain-http school servers, so fall back. */
export function newClientId() {
  if (crypto.randomUUID) return crypto.randomUUID().replaceAll('-', '');
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Send a message to a chat (`fields` as POST /chats/{id}/messages takes them): what that request
 * answers, or the ApiError it throws — whichever way the message went.
 */
export async function deliver(chatId, fields) {
  const answer = sendOverStream({ ...fields, chat_id: chatId });
  let frame = null;
  try {
    frame = answer && await answer;
  } catch {
    // The connection dropped before the answer: the message may be stored or not. The same
    // client id over HTTP gives the stored one, or stores it now.
  }
  if (frame && frame.type === 'sent') return frame.result;
  if (frame) {
    const error = frame.error || {};
    const wait = Number(error.params && error.params.seconds) || null;
    throw new ApiError(frame.status, error.code || `http_${frame.status}`, error.message || t('errors.unexpected'),
      error.fields, error.params, wait);
  }
  return post(`/chats/${chatId}/messages`, fields);
}

/**
 * chatId; me (user id); timeline; decorate(serverMessage) → the message as the timeline shows it;
 * onBlocked() when the server says the person is blocked in this chat.
 */
export function createSender({ chatId, me, timeline, decorate, onBlocked = () => {} }) {
  const waiting = new Map(); // client id → {msg, tries, timer, confirm}
  const held = new Map(); // client id → held message id, waiting for a moderator

  function show(msg) {
    if (timeline.pending(msg.client_id)) timeline.update(msg);
    else timeline.append([msg], { stick: true });
  }

  function hold(msg, heldMessage) {
    held.set(msg.client_id, heldMessage.id);
    show({ ...msg, pending: false, failed: null, warning: null, held: heldMessage });
  }

  function refused(entry, error, transient) {
    entry.network = transient;
    if (CONDUCT.has(error.code)) {
      const matches = (error.params && error.params.matches) || [];
      entry.msg = { ...entry.msg, pending: false, failed: null, warning: { code: error.code, message: error.message, matches } };
    } else {
      // Only a lost connection or a wait (flood, slow mode) is worth trying again as it is.
      const noRetry = !transient && error.status !== 429;
      // The server's sentence for «blocked» carries a raw timestamp: say it with a local date.
      const blocked = error.code === 'blocked' && error.params && error.params.until;
      const why = blocked ? t('blocks.until', { until: formatDate(error.params.until) }) : error.message;
      entry.msg = { ...entry.msg, pending: false, failed: transient ? t('chat.not_sent_network') : why, noRetry };
    }
    show(entry.msg);
    if (error.code === 'blocked') onBlocked();
  }

  async function attempt(clientId) {
    const entry = waiting.get(clientId);
    if (!entry) return;
    clearTimeout(entry.timer);
    entry.timer = null;
    if (!entry.msg.pending) {
      entry.msg = { ...entry.msg, failed: null, warning: null, noRetry: false, pending: true };
      show(entry.msg);
    }
    const { msg } = entry;
    try {
      const files = (msg.attachments || []).map((a) => a.id);
      const answer = await deliver(chatId, {
        body: msg.body, client_id: clientId, reply_to_id: msg.reply_to_id || undefined,
        attachment_ids: files.length ? files : undefined, confirm_conduct: entry.confirm || undefined,
      });
      if (!waiting.has(clientId)) return; // the event stream confirmed it first
      waiting.delete(clientId);
      if (answer.held) hold(msg, answer.held);
      else timeline.confirm(clientId, decorate(answer));
    } catch (error) {
      if (!waiting.has(clientId)) return;
      const transient = error.status === 0 || error.status >= 500;
      if (transient && entry.tries < AUTO_RETRIES.length) {
        // Nothing was refused: keep it pending and try again with the same client id.
        entry.timer = setTimeout(() => attempt(clientId), AUTO_RETRIES[entry.tries]);
        entry.tries += 1;
        return;
      }
      refused(entry, error, transient);
    }
  }

  return {
    /** Put the message on screen as pending and send it; `attachments` are uploaded files. */
    send(body, replyTo, attachments = []) {
      const clientId = newClientId();
      const msg = {
        id: null, chat_id: chatId, client_id: clientId, author_id: me, body,
        reply_to_id: replyTo ? replyTo.id : null, created_at: new Date().toISOString(),
        reactions: {}, my_reactions: [], attachments, pending: true,
      };
      waiting.set(clientId, { msg, tries: 0, timer: null, confirm: false });
      show(msg);
      attempt(clientId);
    },

    /**
     * The event stream brought our own message: it is acknowledged, whichever came first — or
     * a held one was let through by a moderator.
     */
    arrived(message) {
      const clientId = message.client_id;
      if (!clientId) return false;
      if (held.has(clientId)) {
        held.delete(clientId);
        timeline.confirm(clientId, decorate(message));
        return true;
      }
      if (!waiting.has(clientId)) return false;
      const entry = waiting.get(clientId);
      clearTimeout(entry.timer);
      waiting.delete(clientId);
      timeline.confirm(clientId, decorate(message));
      return true;
    },

    retry(msg) {
      const entry = waiting.get(msg.client_id);
      if (!entry) return;
      entry.tries = 0;
      attempt(msg.client_id);
    },

    /** «Send anyway» after the conduct filter's warning. */
    confirm(msg) {
      const entry = waiting.get(msg.client_id);
      if (!entry) return;
      entry.tries = 0;
      entry.confirm = true;
      attempt(msg.client_id);
    },

    /** The connection is back: whatever waits goes out now instead of at its next try. */
    retryAll() {
      for (const [clientId, entry] of waiting) {
        if (entry.timer || (entry.msg.failed && entry.network)) {
          entry.tries = 0;
          attempt(clientId);
        }
      }
    },

    discard(msg) {
      const entry = waiting.get(msg.client_id);
      if (entry) clearTimeout(entry.timer);
      waiting.delete(msg.client_id);
      held.delete(msg.client_id);
      timeline.remove(`c${msg.client_id}`);
    },

    /** The author's messages still waiting for a moderator (after opening the chat). */
    showHeld(list) {
      for (const item of list) {
        const clientId = item.client_id || `held${item.id}`;
        if (waiting.has(clientId) || (timeline.pending(clientId) && held.has(clientId))) continue;
        hold({
          id: null, chat_id: chatId, client_id: clientId, author_id: me, body: item.body,
          reply_to_id: item.reply_to_id, created_at: item.created_at, reactions: {}, my_reactions: [], attachments: [],
        }, item);
      }
    },

    /** A moderator decided on a held message: let through (it arrives by itself) or rejected. */
    heldDecided(heldId, status) {
      const clientId = [...held].find(([, id]) => id === heldId)?.[0];
      if (!clientId) return;
      const msg = timeline.pending(clientId);
      if (status === 'approved' || !msg) {
        held.delete(clientId);
        timeline.remove(`c${clientId}`);
      } else {
        timeline.update({ ...msg, held: { ...msg.held, status } });
      }
    },

    destroy() {
      for (const entry of waiting.values()) clearTimeout(entry.timer);
    },
  };
}
