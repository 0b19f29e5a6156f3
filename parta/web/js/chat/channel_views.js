// Channel posts count their readers: the posts that came into sight are reported in batches,
// each one once per page load (the server counts each person once anyway).

import { post } from '../api.js';

const BATCH_DELAY_MS = 1000;
const BATCH_MAX = 200; // what the server takes in one request

/**
 * onRecorded(ids) when the server counted every one of `ids` as a new view; onPartly() when it
 * counted only some of them.
 */
export function createViewReporter({ chatId, onRecorded, onPartly }) {
  const reported = new Set();
  let queue = [];
  let timer = null;

  function flush() {
    timer = null;
    const ids = queue.slice(0, BATCH_MAX);
    queue = queue.slice(BATCH_MAX);
    if (queue.length) timer = setTimeout(flush, BATCH_DELAY_MS);
    if (!ids.length) return;
    post(`/chats/${chatId}/views`, { message_ids: ids }).then((answer) => {
      // All new: each count goes up by one (ours). Some seen before (on another page or
      // device): which ones is unknown, so the counts are read again.
      if (answer.recorded === ids.length) onRecorded(ids);
      else if (answer.recorded > 0 && onPartly) onPartly();
    }).catch(() => {
      for (const id of ids) reported.delete(id); // seen again, sent again
    });
  }

  return {
    /** These posts are in sight now. */
    saw(ids) {
      for (const id of ids) {
        if (!id || reported.has(id)) continue;
        reported.add(id);
        queue.push(id);
      }
      if (queue.length && !timer) timer = setTimeout(flush, BATCH_DELAY_MS);
    },
    destroy() {
      clearTimeout(timer);
      timer = null;
    },
  };
}

/**
 * A post's view count only grows (the server counts each person once): an answer read before
 * our own view was recorded must not take back the one the page already added for it.
 */
export function moreViews(a, b) {
  if (a == null) return b ?? undefined;
  if (b == null) return a;
  return Math.max(a, b);
}
