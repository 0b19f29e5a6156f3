// Opening a chat's invite link (R22, R23, R24): signed out, where it leads (the school and the
// chat) and a sign-in that comes back here; signed in, the chat's rules, accepted before joining
// — or a request the chat's moderators answer, when the link asks for approval.

import { get, post } from '../api.js';
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { navigate } from '../router.js';
import { chooseOrg, session } from '../session.js';
import { errorBox, facts, toast } from '../ui.js';
import { formatBody } from '../chat/format.js';
import { loadChats } from '../chat/store.js';
import { rulesList } from '../moderation/rules.js';

function linkFacts(preview) {
  return facts([
    [t('chat_link.org'), h('strong', { testid: 'chat-link-org' }, preview.org.name)],
    [t('chat_link.chat'), h('strong', { testid: 'chat-link-chat' }, preview.chat_title)],
    [t('chat_link.kind'), h('span', {}, t(`chat_kinds.${preview.chat_kind}`))],
  ]);
}

function signInFirst(preview, token) {
  const next = `/chat-link/${encodeURIComponent(token)}`;
  return h('div', { class: 'stack', testid: 'chat-link-signed-out' },
    h('p', { class: 'lead' }, t('chat_link.lead')),
    linkFacts(preview),
    h('p', {}, t('chat_link.sign_in_first')),
    h('a', { href: `/signin?next=${encodeURIComponent(next)}`, class: 'btn btn--primary', testid: 'chat-link-sign-in' },
      t('chat_link.sign_in')));
}

function waiting(preview) {
  return h('div', { class: 'result', testid: 'chat-link-requested' },
    h('div', { class: 'result__mark', 'aria-hidden': 'true' }, '✓'),
    h('h2', { class: 'result__title', tabindex: '-1' }, t('chat_link.requested_title')),
    h('p', {}, t('chat_link.requested_text', { title: preview.chat_title })),
    h('a', { href: '/chats', class: 'btn btn--primary', testid: 'chat-link-to-chats' }, t('chat_link.to_chats')));
}

async function openChat(preview) {
  chooseOrg(preview.org.id);
  await loadChats(preview.org.id);
  navigate(`/chats/${preview.chat_id}`, { replace: true });
}

function joinForm(preview, token, body) {
  const rules = preview.rule_items || [];
  const error = h('div', { class: 'alert alert--error', role: 'alert', testid: 'chat-link-error', hidden: true });
  const accept = h('input', { type: 'checkbox', class: 'checkbox', id: 'chat-link-accept', testid: 'chat-link-accept' });
  const label = preview.requires_approval ? t('chat_link.ask') : t('chat_link.join');
  const joinButton = h('button', { type: 'button', class: 'btn btn--primary', testid: 'chat-link-join', disabled: true }, label);
  accept.addEventListener('change', () => {
    joinButton.disabled = !accept.checked;
  });
  joinButton.addEventListener('click', async () => {
    error.hidden = true;
    joinButton.disabled = true;
    try {
      const answer = await post(`/chat-links/${encodeURIComponent(token)}/join`, { accept_rules: accept.checked });
      if (answer.status === 'joined') {
        toast(t('chat_join.joined', { title: preview.chat_title }));
        await openChat(preview);
      } else {
        replace(body, waiting(preview));
        body.querySelector('h2')?.focus();
      }
    } catch (failure) {
      error.textContent = failure.message;
      error.hidden = false;
      joinButton.disabled = !accept.checked;
    }
  });
  return h('div', { class: 'stack', testid: 'chat-link-form' },
    h('p', { class: 'lead' }, t('chat_link.lead')),
    linkFacts(preview),
    preview.description ? h('p', { class: 'chat-join__text' }, formatBody(preview.description)) : null,
    h('h2', { class: 'subhead' }, t('chat_join.rules')),
    h('p', { class: 'hint' }, t('chat_join.rules_lead')),
    rulesList(rules, { testid: 'chat-link-rules' }),
    h('p', { class: 'hint' }, t('chat_join.voluntary')),
    preview.requires_approval ? h('p', { class: 'notice' }, t('chat_link.needs_approval')) : null,
    error,
    h('label', { class: 'check chat-join__accept', for: 'chat-link-accept' }, accept, h('span', {}, t('chat_join.accept'))),
    h('div', { class: 'form-actions' }, joinButton));
}

export async function chatLinkView(ctx) {
  const token = ctx.params.token;
  const cardEl = h('div', { class: 'bare-card', testid: 'chat-link' },
    h('h1', { tabindex: '-1', class: 'bare-title' }, t('chat_link.title')));
  let preview;
  try {
    preview = await get(`/chat-links/${encodeURIComponent(token)}`);
  } catch (error) {
    cardEl.append(errorBox(error, 'chat-link-gone'),
      h('p', { class: 'hint' }, t('chat_link.ask_again')),
      h('a', { href: '/', class: 'btn btn--ghost' }, t('join.go_home')));
    return cardEl;
  }
  if (!session.user) {
    cardEl.append(signInFirst(preview, token));
    return cardEl;
  }
  const body = h('div', { class: 'stack' });
  if (preview.standing === 'member') {
    await openChat(preview);
    return h('div', {});
  }
  if (preview.standing === 'requested') {
    replace(body, waiting(preview));
  } else if (preview.standing === 'can_join') {
    replace(body, joinForm(preview, token, body));
  } else {
    replace(body, linkFacts(preview),
      errorBox({ message: t(`chat_link.refused_${preview.standing}`) }, 'chat-link-refused'),
      h('a', { href: '/', class: 'btn btn--ghost' }, t('join.go_home')));
  }
  cardEl.append(body);
  return cardEl;
}
