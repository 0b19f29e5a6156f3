// Which stretch of a chat's history is loaded, and moving through it.
//
// Normally the newest messages are loaded and older pages come in above as the reader scrolls
// up. A jump to an old message (a search result, a quote, a pin) loads the page around it
// instead; then the live end is not loaded (`liveEnd` false), newer pages come in below as the
// reader scrolls down, and live messages wait until the reader is back at the end.

import { get } from '../api.js';

export const PAGE = 50;
const AROUND_NEWER = Math.floor((PAGE - 1) / 2); // how many newer ones an around_id page holds

/**
 * timeline; learn(msgs) remembers their authors; decorate(msg) → the message as shown;
 * ready() — the view is on screen; current() — it still is.
 */
export function createHistory({ chatId, timeline, learn, decorate, ready, current }) {
  let nextBefore = null;
  let liveEnd = true;
  let olderBusy = false;
  let newerBusy = false;
  let generation = 0; // a page asked for before the history was replaced is dropped

  const path = (query) => `/chats/${chatId}/messages?${query ? `${query}&` : ''}limit=${PAGE}`;

  /** Show a newest-first page in place of what is loaded. */
  function replaceWith(page, atLiveEnd) {
    generation += 1;
    const msgs = [...(page.messages || [])].reverse();
    learn(msgs);
    timeline.clear();
    timeline.append(msgs.map(decorate), { hold: true });
    nextBefore = page.next_before_id;
    liveEnd = atLiveEnd;
    timeline.setLoading(nextBefore ? '' : 'start');
  }

  async function loadOlder() {
    if (!ready() || olderBusy || !nextBefore) return;
    olderBusy = true;
    const gen = generation;
    timeline.setLoading('loading');
    try {
      const page = await get(path(`before_id=${nextBefore}`));
      if (gen !== generation) return;
      learn(page.messages || []);
      timeline.prepend([...(page.messages || [])].reverse().map(decorate));
      nextBefore = page.next_before_id;
      timeline.setLoading(nextBefore ? '' : 'start');
    } catch {
      timeline.setLoading('');
    } finally {
      olderBusy = false;
    }
    if (nextBefore && current() && timeline.el.scrollTop < 300) requestAnimationFrame(() => loadOlder());
  }

  async function loadNewer() {
    if (!ready() || liveEnd || newerBusy) return;
    newerBusy = true;
    const gen = generation;
    try {
      const page = await get(path(`after_id=${timeline.newestId()}`));
      if (gen !== generation) return;
      const msgs = [...(page.messages || [])].reverse();
      learn(msgs);
      timeline.append(msgs.map(decorate), { hold: true });
      if (msgs.length < PAGE) liveEnd = true;
    } catch {
      return; // the next scroll tries again
    } finally {
      newerBusy = false;
    }
    const el = timeline.el;
    if (!liveEnd && current() && el.scrollHeight - el.scrollTop - el.clientHeight < 300) {
      requestAnimationFrame(() => loadNewer());
    }
  }

  /** Load the page around a message and show it flashing; false when it is not there. */
  async function showAround(id) {
    const page = await get(path(`around_id=${id}`));
    const msgs = page.messages || [];
    if (!msgs.some((m) => m.id === id)) return false;
    replaceWith(page, msgs.filter((m) => m.id > id).length < AROUND_NEWER);
    return timeline.reveal(id);
  }

  return {
    get liveEnd() { return liveEnd; },
    /** The whole history is loaded above (no older page left). */
    get complete() { return !nextBefore; },
    loadOlder,
    loadNewer,
    showAround,

    /** The first page the view fetched (the newest, or one around `aroundId`). */
    start(page, aroundId) {
      const msgs = page.messages || [];
      learn(msgs);
      timeline.append([...msgs].reverse().map(decorate), { hold: true });
      nextBefore = page.next_before_id;
      liveEnd = !aroundId || msgs.filter((m) => m.id > aroundId).length < AROUND_NEWER;
      if (!nextBefore) timeline.setLoading('start');
    },

    /** Back to the newest messages, at the bottom. */
    async goLive() {
      if (!liveEnd) replaceWith(await get(path('')), true);
      timeline.scrollToBottom();
    },

    /** Show a message: at once when it is loaded, else by loading the page around it. */
    async jumpTo(id) {
      if (timeline.reveal(id)) return true;
      try {
        return await showAround(id);
      } catch {
        return false;
      }
    },
  };
}
