// A chat's page about itself: description, rules, the members with their roles and badges;
// from here a person starts a one-to-one chat, a moderator invites, appoints and moderates
// (moderation/member_card.js), anyone leaves.

import { get, post, put } from '../api.js';
import { append, h, replace } from '../dom.js';
import { t, tn } from '../i18n.js';
import { navigate } from '../router.js';
import { isMemberAdmin, isStaff, session } from '../session.js';
import {
  busy, button, cardTitled, chip, confirmDialog, empty, errorBox, pageHeader, personName, toast,
} from '../ui.js';
import { chatAvatar } from '../chat/list.js';
import { formatBody } from '../chat/format.js';
import { can } from '../chat/store.js';
import { joinRequestsCard } from '../chat/join_requests.js';
import { memberModeration } from '../moderation/member_card.js';
import { rulesList } from '../moderation/rules.js';
import { muteCard } from '../push.js';
import { lessonsLink } from '../lessons/link.js';

const GROUP_BOUND = new Set(['class', 'parents', 'class_teachers', 'subject']);
const SYSTEM = new Set(['school_channel', 'staff_channel']);

function kindLabel(chat) {
  const label = chat.network ? t('network.kind_joint') : t(`chat_kinds.${chat.kind}`);
  return label === chat.title ? null : label;
}

/** Start (or open) a one-to-one chat; the server says plainly when the policy does not allow it. */
async function writeTo(orgId, userId, alertEl) {
  alertEl.hidden = true;
  try {
    const chat = await post(`/orgs/${orgId}/direct`, { user_id: userId });
    navigate(`/chats/${chat.id}`);
  } catch (error) {
    alertEl.textContent = error.message;
    alertEl.hidden = false;
    alertEl.scrollIntoView({ block: 'nearest' });
  }
}

function memberRow(member, chat, { alertEl, reload, mod, school }) {
  const me = session.user.id;
  const person = member.user;
  const self = person.id === me;
  const roleChip = member.role === 'member' ? null : chip(t(`chat_roles.${member.role}`), 'role');
  const actions = [];
  if (!self && chat.kind !== 'direct' && member.can_write) {
    actions.push(button(t('members_chat.write'), (event) => busy(event.currentTarget, () => writeTo(chat.org_id, person.id, alertEl)), { small: true, testid: 'member-write' }));
  }
  if (member.has_profile) {
    actions.push(h('a', { class: 'btn btn--ghost btn--small', href: `/people/${person.id}`, testid: 'member-profile' }, t('office_hours.profile')));
  }
  // The server's word on whom the viewer may appoint (in a joint chat of schools: the owner
  // school's moderators, a guest school's staff too).
  if (!self && member.can_set_role && !SYSTEM.has(chat.kind)) {
    const makeMod = member.role === 'member';
    actions.push(button(makeMod ? t('members_chat.make_moderator') : t('members_chat.unmake_moderator'), async (event) => {
      await busy(event.currentTarget, async () => {
        await put(`/chats/${chat.id}/members/${person.id}/role`, { role: makeMod ? 'moderator' : 'member' });
        await reload();
      }, { ok: t('members_chat.role_saved') });
    }, { small: true, kind: 'ghost', testid: 'member-role' }));
  }
  const row = h('li', { class: 'member-row', testid: 'chat-member', dataset: { userId: String(person.id) } });
  const moderated = mod && !self && member.role === 'member' ? mod.forMember(member, row) : null;
  if (moderated) actions.push(moderated.toggle);
  return append(row, [
    chatAvatar({ title: person.name, kind: 'direct' }, 'avatar--small'),
    h('div', { class: 'member-row__main' },
      h('span', { class: 'member-row__name' }, personName(person), self ? h('span', { class: 'muted' }, ` (${t('chats.you_lower')})`) : null),
      school ? h('span', { class: 'muted small', testid: 'member-school' }, school) : null,
      roleChip, moderated && moderated.badge),
    actions.length ? h('div', { class: 'member-row__actions' }, actions) : null]);
}

/** In a joint chat of schools (R41) a moderator from another school than the chat's invites
 * the staff of their own school, through that school's place in the chat. */
const guestSchool = (chat) => (chat.network && Number(session.orgId) !== chat.org_id ? Number(session.orgId) : null);

function inviteCard(chat, reload) {
  const guest = guestSchool(chat);
  const results = h('ul', { class: 'list', testid: 'invite-results' });
  const input = h('input', { class: 'input', type: 'search', placeholder: t('members_chat.search'), 'aria-label': t('members_chat.search'), testid: 'invite-search' });
  let timer = null;
  const search = async () => {
    const q = input.value.trim();
    if (q.length < 2) {
      results.replaceChildren();
      return;
    }
    try {
      const answer = await get(`/orgs/${guest || chat.org_id}/members?q=${encodeURIComponent(q)}`);
      const found = (answer.members || []).slice(0, 20);
      replace(results, found.length ? found.map((m) => h('li', { class: 'list-item list-item--tight' },
        h('span', {}, personName({ id: m.user_id, name: m.name, verified_teacher: m.verified_teacher })),
        button(t('members_chat.invite'), async (event) => {
          await busy(event.currentTarget, async () => {
            const done = guest
              ? await post(`/orgs/${guest}/joint-chats/${chat.id}/staff`, { user_ids: [m.user_id] })
              : await post(`/chats/${chat.id}/invitations`, { user_ids: [m.user_id] });
            toast(done.invited && done.invited.length ? t('members_chat.invited_one', { name: m.name }) : t('members_chat.already'));
          });
        }, { small: true }))) : empty(t('members_chat.nobody_found')));
    } catch (error) {
      replace(results, errorBox(error));
    }
  };
  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(search, 300);
  });
  const group = GROUP_BOUND.has(chat.kind) && !guest ? button(t('members_chat.invite_group'), async (event) => {
    await busy(event.currentTarget, async () => {
      const done = await post(`/chats/${chat.id}/invitations`, { user_ids: [], invite_group: true });
      toast(tn('members_chat.invited_n', (done.invited || []).length));
      await reload();
    });
  }, { testid: 'invite-group' }) : null;
  return cardTitled(t('members_chat.invite_title'),
    h('p', { class: 'hint' }, t('members_chat.invite_hint')),
    h('div', { class: 'stack' }, group, input, results));
}

export async function chatMembersView(ctx) {
  const chatId = Number(ctx.params.id);
  const chat = await get(`/chats/${chatId}`);
  if (!chat.my_role) {
    navigate(`/chats/${chatId}/join`, { replace: true });
    return h('div', {});
  }
  const alertEl = h('div', { class: 'alert alert--error', role: 'alert', testid: 'direct-error', hidden: true });
  const holder = h('div', {});
  const mod = can(chat, 'moderate') && chat.kind !== 'direct' ? memberModeration(chat, { reloadList: () => reload() }) : null;
  if (mod) ctx.onLeave(mod.stop);
  const reload = async () => {
    try {
      const [answer, network] = await Promise.all([get(`/chats/${chatId}/members`),
        chat.network ? get(`/chats/${chatId}/network`) : null, mod ? mod.loadBlocks() : null]);
      const members = answer.members || [];
      // A joint chat of schools (R41): each member's school beside their name.
      const schoolOf = new Map();
      if (network) {
        const names = new Map(network.orgs.map((o) => [o.id, o.name]));
        for (const m of network.members) schoolOf.set(m.user_id, m.org_id ? names.get(m.org_id) : t('network.municipality_member'));
      }
      replace(holder,
        h('p', { class: 'muted small' }, tn('chat.members_count', members.length)),
        h('ul', { class: 'member-list', testid: 'chat-members-list' }, members.map((m) => memberRow(m, chat, { alertEl, reload, mod, school: schoolOf.get(m.user.id) }))));
    } catch (error) {
      replace(holder, errorBox(error));
    }
  };
  await reload();
  const leave = SYSTEM.has(chat.kind) ? null : button(t('members_chat.leave'), async (event) => {
    const target = event.currentTarget;
    if (!(await confirmDialog(t('members_chat.leave_confirm', { title: chat.title }), { confirmLabel: t('members_chat.leave') }))) return;
    await busy(target, async () => {
      await post(`/chats/${chatId}/leave`);
      navigate('/chats', { replace: true });
    }, { ok: t('members_chat.left') });
  }, { kind: 'danger-ghost', testid: 'leave-chat' });
  const rules = chat.rule_items || [];
  const about = chat.description || rules.length ? cardTitled(t('members_chat.about'),
    chat.description ? h('p', { class: 'chat-join__text' }, formatBody(chat.description)) : null,
    rules.length ? h('div', { class: 'stack', id: 'rules' },
      h('h3', { class: 'subhead' }, t('chat_join.rules')),
      rulesList(rules, { testid: 'chat-rules' })) : null) : null;
  return h('div', { class: 'stack stack--page', testid: 'chat-members-page' },
    h('p', {}, h('a', { href: `/chats/${chatId}`, class: 'back-link', testid: 'back-to-chat' }, '← ', t('members_chat.back'))),
    h('div', { class: 'row' }, chatAvatar(chat, 'avatar--large'),
      pageHeader(chat.title, kindLabel(chat))),
    about,
    lessonsLink(chat),
    muteCard(chatId),
    can(chat, 'moderate') && chat.kind !== 'direct' ? joinRequestsCard(chat, ctx.onLeave, reload) : null,
    cardTitled(t('members_chat.title'), alertEl, holder),
    can(chat, 'invite') && isStaff() && !SYSTEM.has(chat.kind) && (!guestSchool(chat) || isMemberAdmin())
      ? inviteCard(chat, reload) : null,
    leave ? h('div', { class: 'row' }, leave) : null);
}
