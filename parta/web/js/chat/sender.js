// Sending messages so that none is lost and none is doubled.
//
// Every message gets a client id before it leaves; a retry after a network error sends the same
// id, and the server answers with the message it already has. Until the server acknowledges,
// the message shows as pending; a refusal (read-only chat, slow mode) shows why, with a retry.
// Files go up before the message (uploads.js); the message names them by id, so a retry sends
// the same ids with the same client id.

import { post } from '../api.js';
import { t } from '../i18n.js';

const AUTO_RETRIES = [1000, 2000, 4000, 8000];

/** 32 hex characters; crypto.randomUUID is missing on plain-http school servers, so fall back. */
export function newClientId() {
  if (crypto.randomUUID) return crypto.randomUUID().replaceAll('-', '');
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * chatId; me (user id); timeline; decorate(serverMessage) → the message as the timeline shows it.
 */
export function createSender({ chatId, me, timeline, decorate }) {
  const waiting = new Map(); // client id → {msg, tries, timer}

  function show(msg) {
    if (timeline.pending(msg.client_id)) timeline.update(msg);
    else timeline.append([msg], { stick: true });
  }

  async function attempt(clientId) {
    const entry = waiting.get(clientId);
    if (!entry) return;
    clearTimeout(entry.timer);
    entry.timer = null;
    const { msg } = entry;
    if (msg.failed) {
      entry.msg = { ...msg, failed: null, pending: true };
      show(entry.msg);
    }
    try {
      const files = (msg.attachments || []).map((a) => a.id);
      const answer = await post(`/chats/${chatId}/messages`, {
        body: msg.body, client_id: clientId, reply_to_id: msg.reply_to_id || undefined,
        attachment_ids: files.length ? files : undefined,
      });
      if (!waiting.has(clientId)) return; // the event stream confirmed it first
      waiting.delete(clientId);
      timeline.confirm(clientId, decorate(answer));
    } catch (error) {
      if (!waiting.has(clientId)) return;
      const transient = error.status === 0 || error.status >= 500;
      if (transient && entry.tries < AUTO_RETRIES.length) {
        // Nothing was refused: keep it pending and try again with the same client id.
        entry.timer = setTimeout(() => attempt(clientId), AUTO_RETRIES[entry.tries]);
        entry.tries += 1;
        return;
      }
      entry.network = transient;
      entry.msg = { ...entry.msg, pending: false, failed: transient ? t('chat.not_sent_network') : error.message };
      show(entry.msg);
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
      waiting.set(clientId, { msg, tries: 0, timer: null });
      show(msg);
      attempt(clientId);
    },

    /** The event stream brought our own message: it is acknowledged, whichever came first. */
    arrived(message) {
      if (!message.client_id || !waiting.has(message.client_id)) return false;
      const entry = waiting.get(message.client_id);
      clearTimeout(entry.timer);
      waiting.delete(message.client_id);
      timeline.confirm(message.client_id, decorate(message));
      return true;
    },

    retry(msg) {
      const entry = waiting.get(msg.client_id);
      if (!entry) return;
      entry.tries = 0;
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
      timeline.remove(`c${msg.client_id}`);
    },

    destroy() {
      for (const entry of waiting.values()) clearTimeout(entry.timer);
    },
  };
}
