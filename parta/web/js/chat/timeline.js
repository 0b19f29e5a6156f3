// The scrolling list of messages: oldest at the top, newest at the bottom.
//
// Items stay sorted by id, with messages still being sent after the confirmed ones. Each <li>
// carries its own day header and «new messages» line; the neighbours decide (by CSS classes)
// whether they show, so inserting at either end touches only the items around it.

import { h } from '../dom.js';
import { t } from '../i18n.js';
import { dayKey } from './format.js';
import { closeOpenMenu } from './message.js';

const GROUP_GAP_MS = 5 * 60 * 1000;
const NEAR_BOTTOM_PX = 120;

const keyOf = (msg) => (msg.id ? `m${msg.id}` : `c${msg.client_id}`);

/**
 * render(msg) → <li>; onOlder() when the top comes near, onNewer() when the bottom does (only
 * matters after a jump left the live end unloaded); onSeen(maxId, ids) with the messages at
 * least half visible; onScroll() after the person scrolls.
 */
export function createTimeline({ render, onOlder, onNewer, onSeen, onScroll }) {
  const list = h('ol', { class: 'timeline__list', testid: 'messages' });
  const loader = h('div', { class: 'timeline__top', testid: 'history-top' });
  const tail = h('div', { class: 'timeline__tail', testid: 'history-tail' });
  const el = h('div', { class: 'timeline', tabindex: '0', role: 'region', 'aria-label': t('chat.messages_label') }, loader, list, tail);
  const items = [];
  const byKey = new Map();

  const seen = new IntersectionObserver((entries) => {
    let max = 0;
    const ids = [];
    for (const entry of entries) {
      // Half of it in sight, or — for a message taller than the screen — most of the screen.
      const mostOfView = entry.rootBounds && entry.intersectionRect.height >= entry.rootBounds.height * 0.4;
      if (!entry.isIntersecting || (entry.intersectionRatio < 0.5 && !mostOfView)) continue;
      const id = Number(entry.target.dataset.id);
      ids.push(id);
      if (id > max) max = id;
    }
    if (max) onSeen(max, ids);
  }, { root: el, threshold: [0, 0.25, 0.5, 1] });
  const top = new IntersectionObserver((entries) => {
    if (entries.some((e) => e.isIntersecting)) onOlder();
  }, { root: el, rootMargin: '300px 0px 0px 0px' });
  top.observe(loader);
  const bottom = new IntersectionObserver((entries) => {
    if (entries.some((e) => e.isIntersecting)) onNewer();
  }, { root: el, rootMargin: '0px 0px 300px 0px' });
  bottom.observe(tail);
  el.addEventListener('scroll', () => onScroll(), { passive: true });

  function link(i) {
    const cur = items[i];
    if (!cur) return;
    const prev = items[i - 1];
    const newDay = !prev || dayKey(prev.msg.created_at) !== dayKey(cur.msg.created_at);
    const continued = !newDay && !cur.unread && prev.msg.author_id === cur.msg.author_id
      && Date.parse(cur.msg.created_at) - Date.parse(prev.msg.created_at) < GROUP_GAP_MS;
    cur.el.classList.toggle('msg--day-start', newDay);
    cur.el.classList.toggle('msg--continued', Boolean(continued));
    cur.el.classList.toggle('msg--first-unread', Boolean(cur.unread));
  }

  function indexFor(msg) {
    let i = items.length;
    if (!msg.id) return i; // still sending: after everything
    while (i > 0 && (!items[i - 1].msg.id || items[i - 1].msg.id > msg.id)) i -= 1;
    return i;
  }

  function mount(item) {
    if (item.msg.id) seen.observe(item.el);
  }

  function unmount(item) {
    seen.unobserve(item.el);
  }

  function insert(msg) {
    const item = { key: keyOf(msg), msg, el: render(msg), unread: false };
    const i = indexFor(msg);
    const next = items[i];
    list.insertBefore(item.el, next ? next.el : null);
    items.splice(i, 0, item);
    byKey.set(item.key, item);
    mount(item);
    link(i);
    link(i + 1);
  }

  /** Draw a message again (it changed); returns false when it is not here. */
  function update(msg) {
    const item = byKey.get(keyOf(msg));
    if (!item) return false;
    if (item.el.classList.contains('has-menu')) closeOpenMenu();
    unmount(item);
    const fresh = render(msg);
    item.el.replaceWith(fresh);
    item.el = fresh;
    item.msg = msg;
    mount(item);
    const i = items.indexOf(item);
    link(i);
    link(i + 1);
    return true;
  }

  function remove(key) {
    const item = byKey.get(key);
    if (!item) return;
    const i = items.indexOf(item);
    unmount(item);
    item.el.remove();
    items.splice(i, 1);
    byKey.delete(key);
    link(i);
  }

  const nearBottom = () => el.scrollHeight - el.scrollTop - el.clientHeight < NEAR_BOTTOM_PX;
  const scrollToBottom = () => {
    el.scrollTop = el.scrollHeight;
  };

  return {
    el,
    loader,
    list,
    has: (id) => byKey.has(`m${id}`),
    get: (id) => (byKey.get(`m${id}`) || {}).msg || null,
    pending: (clientId) => (byKey.get(`c${clientId}`) || {}).msg || null,
    messages: () => items.map((item) => item.msg),
    newestId() {
      for (let i = items.length - 1; i >= 0; i -= 1) if (items[i].msg.id) return items[i].msg.id;
      return 0;
    },
    oldestId: () => (items.length && items[0].msg.id) || 0,
    nearBottom,
    scrollToBottom,
    update,
    remove,

    /**
     * New messages at the live end; stays at the bottom if the reader was there — unless
     * `hold`: a page loaded below while the reader scrolls down keeps the place.
     */
    append(msgs, { stick = false, hold = false } = {}) {
      const wasNear = nearBottom();
      for (const msg of msgs) if (!update(msg)) insert(msg);
      if (stick || (wasNear && !hold)) scrollToBottom();
      return wasNear;
    },

    /** Forget the loaded history (before showing another stretch of it); sending ones stay. */
    clear() {
      for (const item of [...items]) if (item.msg.id) remove(item.key);
    },

    /** Older history above; the reader's view does not jump. */
    prepend(msgs) {
      const fromBottom = el.scrollHeight - el.scrollTop;
      for (const msg of msgs) if (!byKey.has(keyOf(msg))) insert(msg);
      el.scrollTop = el.scrollHeight - fromBottom;
    },

    /** A message being sent got its id: put the confirmed one in its place. */
    confirm(clientId, msg) {
      const wasNear = nearBottom();
      remove(`c${clientId}`);
      if (!update(msg)) insert(msg);
      if (wasNear) scrollToBottom();
    },

    /**
     * Draw the «new messages» line above the first message after `lastRead` not by `me` —
     * only when that boundary is loaded (`complete`: the whole history is here).
     */
    markUnread(lastRead, me, complete) {
      const boundaryLoaded = complete || items.some((it) => it.msg.id && it.msg.id <= lastRead);
      if (!boundaryLoaded) return null;
      const item = items.find((it) => it.msg.id > lastRead && it.msg.author_id !== me);
      if (!item) return null;
      item.unread = true;
      link(items.indexOf(item));
      return item.el;
    },

    clearUnreadMark() {
      items.forEach((item, i) => {
        if (!item.unread) return;
        item.unread = false;
        link(i);
      });
    },

    /** Bring a loaded message into view and make it flash; false when not loaded. */
    reveal(id) {
      const item = byKey.get(`m${id}`);
      if (!item) return false;
      item.el.scrollIntoView({ block: 'center' });
      item.el.classList.remove('msg--flash');
      void item.el.offsetWidth; // restart the animation
      item.el.classList.add('msg--flash');
      return true;
    },

    setLoading(state) {
      loader.replaceChildren();
      if (state === 'loading') loader.append(h('span', { class: 'spinner', 'aria-hidden': 'true' }), t('chat.loading_history'));
      else if (state === 'start') loader.append(h('span', { class: 'timeline__start' }, t('chat.history_start')));
      loader.dataset.state = state || '';
    },

    destroy() {
      seen.disconnect();
      top.disconnect();
      bottom.disconnect();
    },
  };
}
