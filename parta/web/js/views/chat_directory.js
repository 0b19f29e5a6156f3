// «Чаты школы»: the school's staff chats a colleague may ask to join (R22: «join chats that
// others created»). Asking shows the chat's rules first (R24); its moderators let them in.

import { get, post } from '../api.js';
import { h, replace } from '../dom.js';
import { t, tn } from '../i18n.js';
import { orgPath } from '../session.js';
import { watch } from '../events/topics.js';
import { chip, empty, errorBox, pageHeader } from '../ui.js';
import { chatAvatar } from '../chat/list.js';
import { formatBody } from '../chat/format.js';
import { rulesList } from '../moderation/rules.js';

function askPanel(chat, reload) {
  const id = `dir-accept-${chat.id}`;
  const error = h('div', { class: 'alert alert--error', role: 'alert', hidden: true });
  const accept = h('input', { type: 'checkbox', class: 'checkbox', id, testid: 'directory-accept' });
  const send = h('button', { type: 'button', class: 'btn btn--primary', disabled: true, testid: 'directory-send' }, t('chat_directory.send'));
  accept.addEventListener('change', () => {
    send.disabled = !accept.checked;
  });
  send.addEventListener('click', async () => {
    error.hidden = true;
    send.disabled = true;
    try {
      await post(orgPath(`/chats/directory/${chat.id}/join`), { accept_rules: true });
      await reload();
    } catch (failure) {
      error.textContent = failure.message;
      error.hidden = false;
      send.disabled = !accept.checked;
    }
  });
  return h('div', { class: 'stack', testid: 'directory-ask' },
    h('h3', { class: 'subhead' }, t('chat_join.rules')),
    rulesList(chat.rule_items || [], { testid: 'directory-rules' }),
    error,
    h('label', { class: 'check chat-join__accept', for: id }, accept, h('span', {}, t('chat_join.accept'))),
    h('div', { class: 'form-actions' }, send));
}

function chatItem(chat, reload) {
  const holder = h('div', {});
  let action;
  if (chat.is_member) {
    action = h('a', { href: `/chats/${chat.id}`, class: 'btn btn--secondary', testid: 'directory-open' }, t('chat_directory.open'));
  } else if (chat.requested) {
    action = chip(t('chat_directory.requested'), 'warn');
  } else {
    action = h('button', {
      type: 'button', class: 'btn btn--secondary', 'aria-expanded': 'false', testid: 'directory-ask-open',
      onclick: (event) => {
        const open = !holder.firstChild;
        replace(holder, open ? askPanel(chat, reload) : null);
        event.currentTarget.setAttribute('aria-expanded', String(open));
      },
    }, t('chat_directory.ask'));
  }
  return h('li', { class: 'invite', testid: 'directory-chat', dataset: { chatId: String(chat.id) } },
    h('div', { class: 'row' }, chatAvatar(chat, 'avatar--small'),
      h('div', { class: 'member-row__main' },
        h('strong', {}, chat.title),
        h('span', { class: 'muted small' }, `${t(`chat_kinds.${chat.kind}`)} · ${tn('chat.members_count', chat.members_count)}`))),
    chat.description ? h('p', { class: 'chat-join__text' }, formatBody(chat.description)) : null,
    h('div', { class: 'row row--wrap' }, action),
    holder);
}

export async function chatDirectoryView(ctx) {
  const listHolder = h('div', {});
  const reload = async () => {
    try {
      const chats = (await get(orgPath('/chats/directory'))).chats || [];
      replace(listHolder, chats.length
        ? h('ul', { class: 'invites', testid: 'directory-list' }, chats.map((c) => chatItem(c, reload)))
        : empty(t('chat_directory.none')));
    } catch (error) {
      replace(listHolder, errorBox(error));
    }
  };
  // A moderator's answer changes what the page shows (member now, or may ask again).
  ctx.onLeave(watch('chat_join_requests', () => reload()));
  await reload();
  return h('div', { class: 'stack stack--page', testid: 'chat-directory' },
    h('p', {}, h('a', { href: '/chats', class: 'back-link' }, '← ', t('chats.title'))),
    pageHeader(t('chat_directory.title'), t('chat_directory.lead')),
    listHolder);
}
