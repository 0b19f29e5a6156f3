// Requests to join a chat (R22): by a link that needs approval, or from the school's directory of
// staff chats. The chat's moderators see them on its members page, with a badge, and let the
// person in or not; the person is told either way.

import { get, post } from '../api.js';
import { h, replace } from '../dom.js';
import { formatDate, t, tn } from '../i18n.js';
import { watch } from '../events/topics.js';
import { busy, button, chip, errorBox, personName } from '../ui.js';

function requestItem(chat, request, reload) {
  const decide = (verb, label, kind, ok) => button(label, async (event) => {
    await busy(event.currentTarget, async () => {
      await post(`/chats/${chat.id}/join-requests/${request.id}/${verb}`);
      await reload();
    }, { ok: t(ok, { name: request.user.name }) });
  }, { kind, testid: `join-request-${verb}` });
  return h('li', { class: 'invite', testid: 'join-request', dataset: { requestId: String(request.id) } },
    h('div', { class: 'invite__head' },
      h('strong', { class: 'invite__title' }, personName(request.user)),
      chip(t(`chat_requests.via_${request.via}`))),
    h('p', { class: 'muted small' }, formatDate(request.created_at)),
    h('div', { class: 'row row--wrap' },
      decide('approve', t('chat_requests.approve'), 'primary', 'chat_requests.approved'),
      decide('deny', t('chat_requests.deny'), 'danger-ghost', 'chat_requests.denied')));
}

/** The card (hidden while nobody asks); `onDecided` redraws the members after someone is let in. */
export function joinRequestsCard(chat, onLeave, onDecided) {
  const badge = h('span', { class: 'nav__badge', testid: 'join-requests-badge', hidden: true });
  const list = h('ul', { class: 'invites', testid: 'join-requests-list' });
  const el = h('section', { class: 'card', testid: 'join-requests', hidden: true },
    h('h2', { class: 'card__title' }, t('chat_requests.title'), ' ', badge),
    h('p', { class: 'hint' }, t('chat_requests.hint')), list);
  const reload = async () => {
    try {
      const requests = (await get(`/chats/${chat.id}/join-requests`)).requests || [];
      el.hidden = requests.length === 0;
      badge.hidden = requests.length === 0;
      badge.textContent = String(requests.length);
      badge.setAttribute('aria-label', tn('chat_requests.waiting', requests.length));
      replace(list, ...requests.map((r) => requestItem(chat, r, async () => {
        await reload();
        await onDecided();
      })));
    } catch (error) {
      el.hidden = false;
      replace(list, errorBox(error));
    }
  };
  onLeave(watch('chat_join_requests', (event) => {
    if (!event || event.chat_id === chat.id) reload();
  }));
  reload();
  return el;
}
