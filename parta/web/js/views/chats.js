// The chat list page: on a phone the whole screen, on a wide screen beside an empty pane.

import { h } from '../dom.js';
import { t } from '../i18n.js';
import { chatListPanel } from '../chat/list.js';

export async function chatsView(ctx) {
  ctx.main.classList.add('main--chat');
  const panel = chatListPanel({ heading: 'h1' });
  ctx.onLeave(panel.destroy);
  return h('div', { class: 'messenger', dataset: { pane: 'list' }, testid: 'chats' },
    h('aside', { class: 'messenger__list' }, panel.el),
    h('section', { class: 'messenger__empty', 'aria-hidden': 'true' },
      h('div', { class: 'messenger__empty-card' },
        h('p', { class: 'messenger__empty-title' }, t('chats.pick_title')),
        h('p', { class: 'muted' }, t('chats.pick_text')))));
}
