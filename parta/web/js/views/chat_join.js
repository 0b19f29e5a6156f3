// Joining a group chat after reading its rules (R23, R24): the person's own choice, never forced.
// The rules are one numbered list: the school's (or Parta's standard ones), then the chat's own.

import { get, post } from '../api.js';
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { navigate } from '../router.js';
import { busy, errorBox, pageHeader, toast } from '../ui.js';
import { chatAvatar } from '../chat/list.js';
import { formatBody } from '../chat/format.js';
import { dropInvitation, invitationById } from '../chat/store.js';
import { rulesList } from '../moderation/rules.js';

export async function chatJoinView(ctx) {
  const chatId = Number(ctx.params.id);
  let chat;
  try {
    chat = await get(`/chats/${chatId}`);
  } catch (error) {
    return h('div', { class: 'stack stack--page' }, pageHeader(t('chat.not_found')), errorBox(error));
  }
  if (chat.my_role) {
    navigate(`/chats/${chatId}`, { replace: true });
    return h('div', {});
  }
  const invitation = invitationById(chatId);
  const rules = chat.rule_items || [];
  const hasRules = rules.length > 0 || Boolean((chat.rules || '').trim());
  const error = h('div', { class: 'form-message', role: 'alert', testid: 'join-chat-error', hidden: true });
  const accept = h('input', { type: 'checkbox', class: 'checkbox', id: 'accept-rules', testid: 'accept-rules' });
  const joinButton = h('button', {
    type: 'button', class: 'btn btn--primary', testid: 'join-chat', disabled: hasRules,
  }, t('chat_join.join'));
  accept.addEventListener('change', () => {
    joinButton.disabled = !accept.checked;
  });
  joinButton.addEventListener('click', async () => {
    error.hidden = true;
    joinButton.disabled = true;
    try {
      await post(`/chats/${chatId}/join`, { accept_rules: hasRules ? accept.checked : true });
      dropInvitation(chatId);
      toast(t('chat_join.joined', { title: chat.title }));
      navigate(`/chats/${chatId}`, { replace: true });
    } catch (failure) {
      error.textContent = failure.message;
      error.hidden = false;
      joinButton.disabled = hasRules && !accept.checked;
    }
  });
  const declineButton = h('button', { type: 'button', class: 'btn btn--ghost', testid: 'decline-chat' }, t('chat_join.decline'));
  declineButton.addEventListener('click', () => busy(declineButton, async () => {
    await post(`/chats/${chatId}/decline`);
    dropInvitation(chatId);
    toast(t('chat_join.declined'));
    navigate('/chats', { replace: true });
  }));

  const kind = t(`chat_kinds.${chat.kind}`);
  return h('div', { class: 'stack stack--page chat-join', testid: 'chat-join' },
    h('p', {}, h('a', { href: '/chats', class: 'back-link' }, '← ', t('chats.title'))),
    h('section', { class: 'card chat-join__card' },
      h('div', { class: 'chat-join__head' },
        chatAvatar(chat, 'avatar--large'),
        h('div', {},
          h('p', { class: 'muted small' }, t('chat_join.invited_to')),
          h('h1', { class: 'page-title', tabindex: '-1', testid: 'join-chat-title' }, chat.title),
          h('p', { class: 'muted' }, kind,
            invitation && invitation.invited_by ? ` · ${t('chats.invited_by', { name: invitation.invited_by.name })}` : ''))),
      chat.description ? h('div', { class: 'chat-join__section' },
        h('h2', { class: 'subhead' }, t('chat_join.about')),
        h('p', { class: 'chat-join__text', testid: 'join-chat-description' }, formatBody(chat.description))) : null,
      h('div', { class: 'chat-join__section' },
        h('h2', { class: 'subhead' }, t('chat_join.rules')),
        rules.length ? h('p', { class: 'hint' }, t('chat_join.rules_lead')) : null,
        rules.length ? rulesList(rules, { testid: 'join-chat-rules' })
          : hasRules ? h('div', { class: 'rules', testid: 'join-chat-rules', tabindex: '0' }, formatBody(chat.rules))
            : h('p', { class: 'muted' }, t('chat_join.no_rules'))),
      h('p', { class: 'hint' }, t('chat_join.voluntary')),
      error,
      hasRules ? h('label', { class: 'check chat-join__accept', for: 'accept-rules' }, accept, h('span', {}, t('chat_join.accept'))) : null,
      h('div', { class: 'form-actions' }, joinButton, declineButton)));
}
