// The parts of a chat's page around its timeline: the header, the notice about changed rules,
// what shows instead of the composer (or a blocked member's banner), and the page for a chat
// that is not there.

import { h, icon, ICONS } from '../dom.js';
import { t, tn } from '../i18n.js';
import { errorBox, pageHeader } from '../ui.js';
import { blockedBanner } from '../moderation/blocked.js';
import { chatAvatar } from './list.js';
import { SEARCH_ICON } from './search.js';
import { can, canPost, repliesOnly } from './store.js';
import { callButton } from '../calls/call.js';

const PEOPLE = ['M16 19v-1a4 4 0 0 0-4-4H6a4 4 0 0 0-4 4v1', 'M9 10a3 3 0 1 0 0-6 3 3 0 0 0 0 6', 'M22 19v-1a4 4 0 0 0-3-3.9', 'M16 4.1a3 3 0 0 1 0 5.8'];
const RULES = ['M9 6h11', 'M9 12h11', 'M9 18h11', 'M4 6h.01', 'M4 12h.01', 'M4 18h.01'];
const GEAR = ['M12 15a3 3 0 1 0 0-6 3 3 0 0 0 0 6z', 'M19.4 15a1.7 1.7 0 0 0 .3 1.8l.1.1a2 2 0 1 1-2.8 2.8l-.1-.1a1.7 1.7 0 0 0-1.8-.3 1.7 1.7 0 0 0-1 1.5V21a2 2 0 1 1-4 0v-.1a1.7 1.7 0 0 0-1.1-1.5 1.7 1.7 0 0 0-1.8.3l-.1.1a2 2 0 1 1-2.8-2.8l.1-.1a1.7 1.7 0 0 0 .3-1.8 1.7 1.7 0 0 0-1.5-1H3a2 2 0 1 1 0-4h.1a1.7 1.7 0 0 0 1.5-1.1 1.7 1.7 0 0 0-.3-1.8l-.1-.1a2 2 0 1 1 2.8-2.8l.1.1a1.7 1.7 0 0 0 1.8.3H9a1.7 1.7 0 0 0 1-1.5V3a2 2 0 1 1 4 0v.1a1.7 1.7 0 0 0 1 1.5 1.7 1.7 0 0 0 1.8-.3l.1-.1a2 2 0 1 1 2.8 2.8l-.1.1a1.7 1.7 0 0 0-.3 1.8V9a1.7 1.7 0 0 0 1.5 1H21a2 2 0 1 1 0 4h-.1a1.7 1.7 0 0 0-1.5 1z'];

/** The header: back (on phones), avatar, title, members; search, the rules reminder, settings. */
export function chatHeader(chat, { onSearch, onRemind }) {
  const kind = chat.kind === 'direct' ? null : t(`chat_kinds.${chat.kind}`);
  return h('header', { class: 'chat__header' },
    h('a', { href: '/chats', class: 'chat__back', 'aria-label': t('chat.back'), testid: 'chat-back' }, icon(ICONS.back)),
    chatAvatar(chat, 'avatar--small'),
    h('div', { class: 'chat__heading' },
      h('h1', { class: 'chat__title', tabindex: '-1', testid: 'chat-heading' }, chat.title || t('chats.untitled')),
      h('p', { class: 'chat__sub' }, chat.kind === 'direct' ? t('chat_kinds.direct') : [
        h('a', { href: `/chats/${chat.id}/members`, testid: 'chat-members-link' }, tn('chat.members_count', chat.members_count || 0)),
        kind && kind !== chat.title ? h('span', {}, ` · ${kind}`) : null])),
    h('div', { class: 'chat__actions' },
      callButton(chat),
      h('button', { type: 'button', class: 'icon-btn', 'aria-label': t('search.in_chat'), title: t('search.in_chat'), testid: 'chat-search-open', onclick: onSearch }, icon(SEARCH_ICON)),
      can(chat, 'remind_rules')
        ? h('button', { type: 'button', class: 'icon-btn', 'aria-label': t('notices.remind'), title: t('notices.remind'), testid: 'remind-rules', onclick: onRemind }, icon(RULES))
        : null,
      h('a', { href: `/chats/${chat.id}/members`, class: 'icon-btn', 'aria-label': t('chat.members'), title: t('chat.members'), testid: 'chat-members' }, icon(PEOPLE)),
      can(chat, 'manage') || can(chat, 'invite')
        ? h('a', { href: `/chats/${chat.id}/settings`, class: 'icon-btn', 'aria-label': t('chat.settings'), title: t('chat.settings'), testid: 'chat-settings' }, icon(GEAR))
        : null));
}

/** What the header shows: when it changes the header is drawn again. */
export const headerKey = (chat) => JSON.stringify([chat.title, chat.members_count, chat.kind, chat.capabilities]);

/** What the bottom shows: when it changes the bottom is drawn again. */
export const bottomKey = (chat) => JSON.stringify([canPost(chat), repliesOnly(chat), chat.archived, chat.my_block]);

export function bottomPart(chat, composer, onBlockEnd) {
  if (chat.archived) return h('p', { class: 'chat__readonly', testid: 'chat-readonly' }, t('chat.archived'));
  if (chat.my_block) return blockedBanner(chat, { onEnd: onBlockEnd });
  // Where the members answer posts: the composer, for the answer chosen from a post's menu.
  if (repliesOnly(chat)) {
    return h('div', { class: 'chat__replies' },
      h('p', { class: 'chat__readonly', testid: 'chat-replies-only' }, t('chat.replies_only')), composer.el);
  }
  if (!canPost(chat)) return h('p', { class: 'chat__readonly', testid: 'chat-readonly' }, t('chat.moderators_only'));
  return composer.el;
}

export function rulesNotice(chat) {
  if (!chat.rules || (chat.rules_accepted_version || 0) >= chat.rules_version) return null;
  return h('p', { class: 'chat__notice', testid: 'rules-changed' }, t('chat.rules_changed'), ' ',
    h('a', { href: `/chats/${chat.id}/members#rules` }, t('chat.read_rules')));
}

export function notFound(error) {
  return h('div', { class: 'stack stack--page chat-missing' },
    h('p', {}, h('a', { href: '/chats', class: 'back-link' }, '← ', t('chats.title'))),
    pageHeader(error && error.status === 404 ? t('chat.not_found') : t('errors.page_title')),
    error && error.status === 404 ? h('p', { class: 'lead' }, t('chat.not_found_text')) : errorBox(error));
}
