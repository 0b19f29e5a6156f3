// Forwarding a message: pick one of the person's chats (where they may write) and send it
// there. The server copies the text and the files and marks the copy as forwarded.

import { h, icon, ICONS } from '../dom.js';
import { t } from '../i18n.js';
import { confirmDialog, toast } from '../ui.js';
import { chatAvatar } from './list.js';
import { deliver, newClientId } from './sender.js';
import { canPost, chatState, ensureChats } from './store.js';

/** Open the picker for `msg`; resolves when it closes. */
export async function forwardMessage(msg) {
  await ensureChats();
  return new Promise((resolve) => {
    const chats = chatState().chats.filter(canPost);
    const filter = h('input', {
      type: 'search', class: 'input forward__filter', testid: 'forward-filter',
      placeholder: t('chat.forward_filter'), 'aria-label': t('chat.forward_filter'),
    });
    const list = h('ul', { class: 'forward__list', testid: 'forward-list' });
    const dialog = h('dialog', { class: 'dialog forward', testid: 'forward-dialog', 'aria-labelledby': 'forward-title' });
    const close = () => {
      dialog.close();
      dialog.remove();
      resolve();
    };
    const clientId = newClientId(); // a double click forwards once
    async function send(chat, button, confirmConduct = false) {
      button.disabled = true;
      const title = chat.title || t('chats.untitled');
      try {
        const answer = await deliver(chat.id, {
          body: '', forward_of: msg.id, client_id: clientId, confirm_conduct: confirmConduct || undefined,
        });
        toast(answer.held ? t('conduct.forward_held', { title }) : t('chat.forwarded_to', { title }));
        close();
      } catch (error) {
        button.disabled = false;
        // The conduct filter of that chat warns: the person may still send it (R33).
        if (error.code === 'conduct_warning' && await confirmDialog(error.message, { confirmLabel: t('conduct.send_anyway') })) {
          send(chat, button, true);
          return;
        }
        if (error.code !== 'conduct_warning') toast(error.message, 'error');
      }
    }
    function draw() {
      const words = filter.value.trim().toLocaleLowerCase();
      const shown = chats.filter((c) => !words || (c.title || '').toLocaleLowerCase().includes(words));
      list.replaceChildren(...(shown.length ? shown.map((chat) => {
        const button = h('button', { type: 'button', class: 'forward__chat', testid: 'forward-chat' },
          chatAvatar(chat, 'avatar--small'), h('span', { class: 'forward__title' }, chat.title || t('chats.untitled')));
        button.addEventListener('click', () => send(chat, button));
        return h('li', {}, button);
      }) : [h('li', { class: 'muted forward__none' }, t('chat.forward_none'))]));
    }
    filter.addEventListener('input', draw);
    dialog.append(
      h('div', { class: 'forward__head' },
        h('h2', { id: 'forward-title', class: 'forward__heading' }, t('chat.forward_title')),
        h('button', { type: 'button', class: 'icon-btn', 'aria-label': t('common.cancel'), title: t('common.cancel'), testid: 'forward-cancel', onclick: close }, icon(ICONS.close))),
      filter, list);
    dialog.addEventListener('cancel', (event) => {
      event.preventDefault();
      close();
    });
    draw();
    document.body.append(dialog);
    dialog.showModal();
    filter.focus();
  });
}
