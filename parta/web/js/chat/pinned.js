// The bar under a chat's header with its pinned messages: the newest pin first; a click shows
// the message and steps to the next older pin; moderators unpin from here.

import { append, h, icon, ICONS } from '../dom.js';
import { t } from '../i18n.js';
import { filesLabel, plainText } from './format.js';

const PIN = ['M12 17v5', 'M9 3h6l-1 6 3 3H7l3-3z'];

/**
 * messageOf(id) → the message or null (then `load(id)` is called and the bar is redrawn
 * later); onJump(id); onUnpin(id) or null when the viewer may not unpin.
 */
export function createPinnedBar({ messageOf, load, onJump, onUnpin }) {
  let pinned = [];
  let index = 0; // which pin is shown, counted from the newest
  const el = h('div', { class: 'pinned', testid: 'pinned-bar', hidden: true });

  function draw() {
    el.replaceChildren();
    // A deleted message stays pinned on the server until a moderator unpins it; not shown here.
    const shown = pinned.filter((id) => !(messageOf(id) || {}).deleted);
    el.hidden = !shown.length;
    if (!shown.length) return;
    index = Math.min(index, shown.length - 1);
    const id = shown[shown.length - 1 - index];
    const msg = messageOf(id);
    if (!msg) load(id);
    const label = shown.length > 1
      ? t('chat.pinned_n', { n: shown.length - index, total: shown.length })
      : t('chat.pinned');
    const text = msg ? plainText(msg.body, 140) || filesLabel(msg) : t('chat.quote_loading');
    append(el, [
      h('button', {
        type: 'button', class: 'pinned__main', testid: 'pinned-open',
        onclick: () => {
          onJump(id);
          if (shown.length > 1) {
            index = (index + 1) % shown.length;
            draw();
          }
        },
      },
      h('span', { class: 'pinned__icon' }, icon(PIN)),
      h('span', { class: 'pinned__text' },
        h('span', { class: 'pinned__label' }, label),
        h('span', { class: 'pinned__body', testid: 'pinned-text' }, text))),
      onUnpin ? h('button', {
        type: 'button', class: 'pinned__close', 'aria-label': t('chat.unpin'), title: t('chat.unpin'),
        testid: 'pinned-unpin', onclick: () => onUnpin(id),
      }, icon(ICONS.close)) : null, // the DOM's own append would write «null»
    ]);
  }

  return {
    el,
    set(ids) {
      if (ids.length > pinned.length) index = 0; // a new pin: show it
      pinned = [...ids];
      draw();
    },
    redraw: draw,
    has: (id) => pinned.includes(id),
  };
}
