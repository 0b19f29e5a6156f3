// «Сеть школ» (R41): the joint chats that invite the school (its administrators read the rules
// and accept or decline), a new joint chat with other schools of the municipality, and the
// municipality's methodical associations a teacher of the subject joins.

import { get, post } from '../api.js';
import { h, replace } from '../dom.js';
import { t, tn } from '../i18n.js';
import { navigate } from '../router.js';
import { isAdmin, orgPath } from '../session.js';
import { field, form, submit } from '../forms.js';
import { button, busy, cardTitled, chip, empty, errorBox, pageHeader, toast } from '../ui.js';
import { onNetwork } from '../network/store.js';

let seq = 0;

function rulesBlock(rules) {
  return h('ol', { class: 'rules-list', testid: 'network-rules' }, rules.map((r) => h('li', {}, r)));
}

function acceptBox(testid) {
  const id = `network-accept-${++seq}`;
  const box = h('input', { type: 'checkbox', class: 'checkbox', id, testid });
  return { box, label: h('label', { class: 'check chat-join__accept', for: id }, box, h('span', {}, t('chat_join.accept'))) };
}

function invitationItem(inv, reload) {
  const { box, label } = acceptBox('network-accept-rules');
  const accept = button(t('network.accept'), (event) => busy(event.currentTarget, async () => {
    await post(orgPath(`/joint-chats/${inv.chat_id}/decision`), { accept: true, accept_rules: true });
    toast(t('network.accepted', { title: inv.title }));
    navigate(`/chats/${inv.chat_id}`);
  }), { kind: 'primary', testid: 'network-accept' });
  accept.disabled = true;
  box.addEventListener('change', () => { accept.disabled = !box.checked; });
  const decline = button(t('network.decline'), (event) => busy(event.currentTarget, async () => {
    await post(orgPath(`/joint-chats/${inv.chat_id}/decision`), { accept: false });
    await reload();
  }, { ok: t('network.declined') }), { kind: 'ghost', testid: 'network-decline' });
  return h('li', { class: 'invite', testid: 'network-invitation', dataset: { chatId: String(inv.chat_id) } },
    h('strong', {}, inv.title),
    h('span', { class: 'muted small' }, t('network.invited_by', {
      school: inv.owner_org.name, name: inv.invited_by ? inv.invited_by.name : '' })),
    inv.description ? h('p', {}, inv.description) : null,
    h('h3', { class: 'subhead' }, t('chat_join.rules')),
    rulesBlock(inv.rules),
    label,
    h('div', { class: 'row row--wrap' }, accept, decline));
}

async function invitationsCard() {
  const holder = h('div', { testid: 'network-invitations' });
  const reload = async () => {
    try {
      const list = (await get(orgPath('/joint-invitations'))).invitations || [];
      replace(holder, list.length
        ? h('ul', { class: 'invites' }, list.map((i) => invitationItem(i, reload)))
        : empty(t('network.no_invitations')));
    } catch (error) {
      replace(holder, errorBox(error));
    }
  };
  await reload();
  return { el: cardTitled(t('network.invitations_title'), h('p', { class: 'hint' }, t('network.invitations_hint')), holder), reload };
}

async function newChatCard() {
  const partners = (await get(orgPath('/network/partners'))).organizations || [];
  const schools = partners.length
    ? h('fieldset', { class: 'field', testid: 'network-schools' },
      h('legend', { class: 'label' }, t('network.schools')),
      partners.map((o) => field({ name: `org_${o.id}`, label: o.name, type: 'checkbox', testid: 'network-school' })))
    : empty(t('network.no_partners'));
  const el = form({
    testid: 'network-new',
    fields: [
      field({ name: 'title', label: t('network.chat_title'), required: true, maxlength: 200, testid: 'network-title' }),
      field({ name: 'description', label: t('network.chat_description'), type: 'textarea', rows: 2, maxlength: 5000 }),
      schools,
    ],
    actions: [submit(t('network.create'), 'network-create')],
    onsubmit: async (values) => {
      const orgIds = partners.filter((o) => values[`org_${o.id}`]).map((o) => o.id);
      const made = await post(orgPath('/joint-chats'), { title: values.title, description: values.description, org_ids: orgIds });
      toast(tn('network.created', orgIds.length));
      navigate(`/chats/${made.chat_id}`);
    },
  });
  return cardTitled(t('network.new_title'), h('p', { class: 'hint' }, t('network.new_hint')), el);
}

function associationItem(a, reload) {
  let action;
  const holder = h('div', {});
  if (a.joined) {
    action = h('a', { href: `/chats/${a.chat_id}`, class: 'btn btn--secondary', testid: 'association-open' }, t('network.open'));
  } else if (a.can_join) {
    action = button(t('network.join'), () => {
      const { box, label } = acceptBox('association-accept');
      const go = button(t('network.join_confirm'), (event) => busy(event.currentTarget, async () => {
        await post(orgPath(`/associations/${a.chat_id}/join`), { accept_rules: true });
        navigate(`/chats/${a.chat_id}`);
      }), { kind: 'primary', testid: 'association-join-confirm' });
      go.disabled = true;
      box.addEventListener('change', () => { go.disabled = !box.checked; });
      replace(holder, h('div', { class: 'stack' },
        h('h3', { class: 'subhead' }, t('chat_join.rules')), rulesBlock(a.rules), label, go));
    }, { testid: 'association-join' });
  } else {
    action = chip(t('network.not_your_subject'));
  }
  return h('li', { class: 'invite', testid: 'association', dataset: { chatId: String(a.chat_id) } },
    h('strong', {}, a.title),
    h('span', { class: 'muted small' }, `${a.subject} · ${a.host_org.name} · ${tn('chat.members_count', a.members)}`),
    h('div', { class: 'row row--wrap' }, action), holder);
}

async function associationsCard() {
  const holder = h('div', { testid: 'associations' });
  const reload = async () => {
    try {
      const list = (await get(orgPath('/associations'))).associations || [];
      replace(holder, list.length
        ? h('ul', { class: 'invites' }, list.map((a) => associationItem(a, reload)))
        : empty(t('network.no_associations')));
    } catch (error) {
      replace(holder, errorBox(error));
    }
  };
  await reload();
  return { el: cardTitled(t('network.associations_title'), h('p', { class: 'hint' }, t('network.associations_hint')), holder), reload };
}

export async function networkView(ctx) {
  const parts = [];
  let invitations = null;
  if (isAdmin()) {
    invitations = await invitationsCard();
    parts.push(invitations.el);
  }
  const associations = await associationsCard();
  parts.push(await newChatCard(), associations.el);
  ctx.onLeave(onNetwork(() => {
    if (invitations) invitations.reload();
    associations.reload();
  }));
  return h('div', { class: 'stack stack--page network', testid: 'network-page' },
    pageHeader(t('network.title'), t('network.lead')), ...parts);
}
