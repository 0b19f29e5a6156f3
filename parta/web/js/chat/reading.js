// Reading a chat: read marks sent as messages come into sight (and the list's badge cleared at
// once), channel posts' views counted, and «read by» of my own messages kept fresh — those reads
// are not events, so the newest page is looked at again now and then.

import { get, post } from '../api.js';
import { createViewReporter, moreViews } from './channel_views.js';
import { PAGE } from './history.js';
import { readLocally } from './store.js';

const FRESH_KEYS = ['body', 'edited_at', 'deleted', 'reactions', 'my_reactions', 'read_by', 'read_of', 'read_by_ids', 'views', 'urgent'];

/** chatId; me; chat() → the chat's answer; channel; timeline; known (known.js); current(). */
export function createReading({ chatId, me, chat, channel, timeline, known, current }) {
  let ready = false; // on screen, scrolled where it opens: reads count from now on
  let readSent = chat().last_read_message_id || 0;
  let readWanted = 0;
  let readsTimer = null;
  const views = channel ? createViewReporter({
    chatId,
    onRecorded: (ids) => ids.forEach((id) => known.change(id, (m) => ({ views: (m.views || 0) + 1 }))),
    onPartly: () => refreshSoon(0),
  }) : null;

  function flushRead() {
    if (!ready || document.visibilityState !== 'visible' || readWanted <= readSent) return;
    readSent = readWanted;
    readLocally(chatId, readSent);
    post(`/chats/${chatId}/read`, { message_id: readSent }).catch(() => {
      readSent = Math.min(readSent, chat().last_read_message_id || 0); // try again on the next look
    });
  }

  /** The timeline says messages up to `id` (these `ids`) came into sight. */
  function seen(id, ids) {
    readWanted = Math.max(readWanted, id);
    flushRead();
    if (views && ready) views.saw(ids);
  }

  /**
   * Draw the newest page again where it differs: reads of my own messages are not events, and
   * after a gap in the stream edits, deletions and reactions may have been missed too.
   */
  async function refreshRecent() {
    const page = await get(`/chats/${chatId}/messages?limit=${PAGE}`);
    for (const m of page.messages || []) {
      const have = timeline.get(m.id);
      if (!have) continue;
      const fresh = { ...have, ...m, author: m.author || have.author, views: moreViews(m.views, have.views) };
      if (FRESH_KEYS.some((k) => JSON.stringify(have[k]) !== JSON.stringify(fresh[k]))) timeline.update(fresh);
    }
  }

  function refreshSoon(delay = 1500) {
    clearTimeout(readsTimer);
    readsTimer = setTimeout(() => {
      if (document.visibilityState !== 'visible' || !current()) return;
      refreshRecent().catch(() => { /* shown again on the next look */ });
    }, delay);
  }

  const interval = setInterval(() => {
    const waiting = timeline.messages().some((m) => m.author_id === me && m.id && m.read_by < m.read_of);
    if (waiting) refreshSoon(0);
  }, 30_000);

  const onVisible = () => {
    if (document.visibilityState === 'visible') {
      flushRead();
      refreshSoon(300);
    }
  };
  document.addEventListener('visibilitychange', onVisible);

  return {
    seen,
    refreshRecent,
    refreshSoon,
    ready: () => ready,
    /** The chat is on screen where it opens: reads count from now on. */
    start() {
      ready = true;
      flushRead();
    },
    destroy() {
      document.removeEventListener('visibilitychange', onVisible);
      clearTimeout(readsTimer);
      clearInterval(interval);
      if (views) views.destroy();
    },
  };
}
