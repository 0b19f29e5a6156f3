// «Анна Сергеевна печатает…»: telling the others while one types (at most every few seconds),
// and showing who types here. Nothing of it is stored; a lost signal only shortens the line.

import { post } from '../api.js';
import { h } from '../dom.js';
import { t } from '../i18n.js';

const SEND_EVERY_MS = 4000;
const SHOW_FOR_MS = 5000; // a little longer than the pause between two signals

/**
 * store (the open chat: who types, and messages that end it); nameOf(userId) → a name or null;
 * loadNames() → a promise, when somebody's name is unknown.
 */
export function createTyping({ chatId, store, nameOf, loadNames }) {
  let lastSent = 0;
  let asked = false;
  const typers = new Map(); // user id → timer that ends their line
  const el = h('div', { class: 'typing', testid: 'typing', hidden: true, 'aria-live': 'polite' });

  function draw() {
    const ids = [...typers.keys()];
    el.hidden = !ids.length;
    if (!ids.length) {
      el.textContent = '';
      return;
    }
    if (!asked && ids.some((id) => !nameOf(id))) {
      asked = true;
      loadNames().then(draw, () => {});
    }
    const names = ids.map((id) => nameOf(id) || t('chat.someone'));
    el.replaceChildren(
      h('span', { class: 'typing__dots', 'aria-hidden': 'true' }, h('span', {}), h('span', {}), h('span', {})),
      names.length === 1 ? t('chat.typing_one', { name: names[0] }) : t('chat.typing_many', { names: names.join(', ') }));
  }

  function stopped(userId) {
    clearTimeout(typers.get(userId));
    if (typers.delete(userId)) draw();
  }

  const stop = store.on((change) => {
    if (change.kind === 'typing') {
      clearTimeout(typers.get(change.userId));
      typers.set(change.userId, setTimeout(() => stopped(change.userId), SHOW_FOR_MS));
      draw();
    } else if (change.kind === 'message') {
      stopped(change.message.author_id); // their message came: they are done typing it
    }
  });

  return {
    el,
    /** The person typed: tell the others, unless that was done a moment ago. */
    typed() {
      const now = Date.now();
      if (now - lastSent < SEND_EVERY_MS) return;
      lastSent = now;
      post(`/chats/${chatId}/typing`).catch(() => { /* it is only a hint */ });
    },
    /** A message went: the next keystroke starts a new «typing». */
    sent() {
      lastSent = 0;
    },
    destroy() {
      stop();
      for (const timer of typers.values()) clearTimeout(timer);
      typers.clear();
    },
  };
}
