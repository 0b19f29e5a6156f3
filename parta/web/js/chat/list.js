// The chat list: a search over all messages, invitations waiting for an answer, then the
// chats, newest activity first. Drawn from the chat store and redrawn in place as events
// change it; while a search is typed its results take the list's place.

import { h, icon } from '../dom.js';
import { t } from '../i18n.js';
import { isStaff, session } from '../session.js';
import { button, chip, empty, errorBox, loading } from '../ui.js';
import { chatState, ensureChats, isChannel, loadChats, onChats } from './store.js';
import { filesLabel, listWhen, plainText } from './format.js';
import { notificationButton } from './notify.js';
import { createSearch } from './search.js';

const CHANNEL_ICON = ['M4 10v4h3l6 4V6l-6 4H4z', 'M16 9a4 4 0 0 1 0 6', 'M18.5 6.5a8 8 0 0 1 0 11'];
const PLUS = ['M12 5v14', 'M5 12h14'];
const TONES = 6;

/** A round mark with the chat's first letter (a loudspeaker for channels). */
export function chatAvatar(chat, size = '') {
  const title = chat.title || '?';
  let hash = 0;
  for (const ch of title) hash = (hash * 31 + ch.codePointAt(0)) % 997;
  const tone = `avatar--tone${hash % TONES}`;
  if (isChannel(chat)) return h('span', { class: ['avatar', 'avatar--channel', size], 'aria-hidden': 'true' }, icon(CHANNEL_ICON));
  return h('span', { class: ['avatar', tone, size], 'aria-hidden': 'true' }, [...title][0].toUpperCase());
}

function preview(chat) {
  const m = chat.last_message;
  if (!m) return h('span', { class: 'chat-item__preview muted' }, t('chats.no_messages'));
  const own = session.user && m.author_id === session.user.id;
  const who = own ? t('chats.you') : m.author_name;
  const text = m.deleted ? t('chat.deleted') : plainText(m.body, 120) || filesLabel(m);
  return h('span', { class: 'chat-item__preview', testid: 'chat-preview' },
    who ? h('span', { class: 'chat-item__who' }, `${who}: `) : null, text);
}

function fillItem(link, chat, currentId) {
  const unread = chat.unread || 0;
  link.classList.toggle('is-current', chat.id === currentId);
  link.classList.toggle('has-unread', unread > 0);
  if (chat.id === currentId) link.setAttribute('aria-current', 'page');
  else link.removeAttribute('aria-current');
  link.replaceChildren(
    chatAvatar(chat),
    h('span', { class: 'chat-item__body' },
      h('span', { class: 'chat-item__top' },
        h('span', { class: 'chat-item__title', testid: 'chat-title' }, chat.title || t('chats.untitled')),
        chat.archived ? chip(t('chats.archived'), 'archive') : null,
        h('span', { class: 'chat-item__time' }, chat.last_message ? listWhen(chat.last_message.created_at) : '')),
      h('span', { class: 'chat-item__bottom' },
        preview(chat),
        unread ? h('span', { class: 'unread', testid: 'chat-unread', 'aria-label': t('chats.unread_label', { count: unread }) }, unread > 99 ? '99+' : String(unread)) : null)));
}

function invitationCard(chat) {
  return h('li', { class: 'invitation', testid: 'invitation', dataset: { chatId: String(chat.id) } },
    chatAvatar(chat),
    h('div', { class: 'invitation__text' },
      h('p', { class: 'invitation__title' }, t('chats.invited_to', { title: chat.title })),
      chat.invited_by ? h('p', { class: 'muted small' }, t('chats.invited_by', { name: chat.invited_by.name })) : null),
    h('a', { href: `/chats/${chat.id}/join`, class: 'btn btn--primary btn--small', testid: 'invitation-open' }, t('chats.open_rules')));
}

/** The panel; `currentId` marks the open chat; `heading` is h1 on the list page, h2 beside a chat. */
export function chatListPanel({ currentId = null, heading = 'h1' } = {}) {
  const items = new Map(); // chat id → <li>
  const list = h('ul', { class: 'chat-list', testid: 'chat-list' });
  const invitations = h('section', { class: 'invitations', testid: 'invitations', hidden: true });
  const status = h('div', { class: 'chat-list__status' });
  const title = h(heading, { class: heading === 'h1' ? 'page-title chat-panel__title' : 'chat-panel__title', tabindex: heading === 'h1' ? '-1' : null }, t('chats.title'));
  const newChat = isStaff()
    ? h('a', { href: '/chats/new', class: 'btn btn--secondary btn--small', testid: 'new-chat' }, icon(PLUS), t('chats.new'))
    : null;
  // Colleagues find the school's staff chats and ask to join (R22).
  const directory = isStaff()
    ? h('a', { href: '/chats/directory', class: 'btn btn--ghost btn--small', testid: 'chat-directory-link' }, t('chats.directory'))
    : null;
  const notify = notificationButton();
  let searching = false;
  const search = createSearch({
    onActive(on) {
      searching = on;
      draw();
    },
  });
  const el = h('div', { class: 'chat-panel' },
    h('div', { class: 'chat-panel__head' }, title, newChat, directory, search.form),
    notify ? h('div', { class: 'chat-panel__notify', dataset: { notifyHolder: '' } }, notify) : null,
    search.results, invitations, status, list);

  function draw() {
    const state = chatState();
    list.hidden = searching;
    status.hidden = searching;
    status.replaceChildren();
    if (!state.loaded) {
      status.append(state.error ? h('div', { class: 'stack' }, errorBox(state.error), button(t('chats.try_again'), () => loadChats())) : loading());
      return;
    }
    if (state.error) status.append(errorBox(state.error));
    invitations.hidden = searching || !state.invitations.length;
    invitations.replaceChildren(
      h('h2', { class: 'chat-panel__subtitle' }, t('chats.invitations')),
      h('ul', { class: 'invitation-list' }, state.invitations.map(invitationCard)));
    if (!state.chats.length) status.append(empty(t('chats.none')));
    const wanted = new Set(state.chats.map((c) => c.id));
    for (const [id, li] of items) {
      if (!wanted.has(id)) {
        li.remove();
        items.delete(id);
      }
    }
    state.chats.forEach((chat, i) => {
      let li = items.get(chat.id);
      if (!li) {
        li = h('li', { dataset: { chatId: String(chat.id) } },
          h('a', { href: `/chats/${chat.id}`, class: 'chat-item', testid: 'chat-item' }));
        items.set(chat.id, li);
      }
      fillItem(li.firstChild, chat, currentId);
      // Move only what is out of place, so a focused link keeps its focus.
      if (list.children[i] !== li) list.insertBefore(li, list.children[i] || null);
    });
  }

  const stop = onChats(draw);
  draw();
  ensureChats(session.orgId);
  return {
    el,
    destroy() {
      stop();
      search.destroy();
    },
  };
}
