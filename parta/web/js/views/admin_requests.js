// Join requests (R14): the administrator accepts or refuses people who asked to join.

import { get, post, qs } from '../api.js';
import { h, replace } from '../dom.js';
import { formatDate, t } from '../i18n.js';
import { orgPath } from '../session.js';
import {
  busy, button, cardTitled, confirmDialog, empty, errorBox, facts, pageHeader, personName,
} from '../ui.js';

function requestItem(request, reload) {
  const decide = (action) => async (event) => {
    const target = event.currentTarget;
    if (action === 'refuse' && !(await confirmDialog(t('requests.refuse_confirm', { name: request.user.name })))) return;
    await busy(target, async () => {
      await post(orgPath(`/join-requests/${request.id}/${action}`), {});
      await reload();
    }, { ok: t(action === 'accept' ? 'requests.accepted' : 'requests.refused') });
  };
  return h('li', { class: 'list-item list-item--card', testid: 'request-row' },
    h('div', { class: 'list-item__main' },
      h('div', { class: 'row row--wrap item-name' }, personName(request.user, { testid: 'request-name' })),
      facts([
        [t('requests.role'), t(`roles.${request.role}`)],
        [t('requests.group'), request.group && request.group.name],
        [t('requests.child_name'), request.child_name],
        [t('requests.message'), request.message],
        [t('requests.created_at'), formatDate(request.created_at)],
      ])),
    request.status === 'pending'
      ? h('div', { class: 'row row--wrap' },
        button(t('requests.accept'), decide('accept'), { kind: 'primary', testid: `request-accept-${request.id}` }),
        button(t('requests.refuse'), decide('refuse'), { kind: 'danger-ghost', testid: `request-refuse-${request.id}` }))
      : h('span', { class: 'chip' }, t(`requests.status_${request.status}`)));
}

export async function joinRequestsView() {
  const holder = h('div', { 'aria-live': 'polite' });
  const reload = async () => {
    try {
      const answer = await get(orgPath(`/join-requests${qs({ status: 'pending' })}`));
      const items = answer.requests || [];
      replace(holder, items.length
        ? h('ul', { class: 'list', testid: 'requests-list' }, items.map((r) => requestItem(r, reload)))
        : empty(t('requests.none')));
    } catch (error) {
      replace(holder, errorBox(error));
    }
  };
  await reload();
  return h('div', { class: 'stack stack--page', testid: 'requests' },
    pageHeader(t('requests.title'), t('requests.lead')),
    cardTitled(t('requests.pending'), holder));
}
