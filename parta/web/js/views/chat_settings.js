// Creating a chat (staff, R22) and a moderator's settings for one (R27): title, description,
// rules, who may write, slow mode, and its invite links (chat/links.js). A new chat invites;
// nobody is added without their consent.

import { get, patch, post } from '../api.js';
import { h } from '../dom.js';
import { field, fieldError, form, submit } from '../forms.js';
import { t } from '../i18n.js';
import { navigate } from '../router.js';
import { isAdmin, orgPath } from '../session.js';
import { cardTitled, errorBox, pageHeader, toast } from '../ui.js';
import { can } from '../chat/store.js';
import { chatLinksCard } from '../chat/links.js';

const GROUP_BOUND = ['class', 'parents', 'class_teachers', 'subject'];
const KINDS = ['class', 'parents', 'class_teachers', 'subject', 'custom', 'management_deputies',
  'management_staff', 'management_parents_council', 'management_student_council'];
const SLOW = [0, 10, 30, 60, 300, 900, 3600];

function policyFields(values = {}) {
  return [
    field({
      name: 'post_policy', label: t('chat_settings.post_policy'), type: 'select', value: values.post_policy || 'everyone', testid: 'chat-post-policy',
      options: [['everyone', t('chat_settings.post_everyone')], ['moderators', t('chat_settings.post_moderators')],
        ['replies', t('chat_settings.post_replies')]],
    }),
    field({
      name: 'slow_mode_seconds', label: t('chat_settings.slow_mode'), type: 'select', value: values.slow_mode_seconds || 0, testid: 'chat-slow-mode',
      hint: t('chat_settings.slow_mode_hint'), options: SLOW.map((s) => [s, t(`chat_settings.slow_${s}`)]),
    }),
    field({
      name: 'members_invite', label: t('chat_settings.members_invite'), type: 'checkbox', value: values.members_invite, testid: 'chat-members-invite',
    }),
  ];
}

function textFields(values = {}) {
  return [
    field({ name: 'title', label: t('chat_settings.title'), required: true, maxlength: 200, value: values.title, testid: 'chat-title-input', wide: true }),
    field({ name: 'description', label: t('chat_settings.description'), type: 'textarea', rows: 3, maxlength: 5000, value: values.description, testid: 'chat-description', wide: true }),
    field({
      name: 'rules', label: t('chat_settings.rules'), type: 'textarea', rows: 6, maxlength: 5000, value: values.rules, testid: 'chat-rules-input',
      hint: t('chat_settings.rules_hint'), wide: true,
    }),
  ];
}

export async function chatSettingsView(ctx) {
  const chatId = Number(ctx.params.id);
  const chat = await get(`/chats/${chatId}`);
  const back = h('p', {}, h('a', { href: `/chats/${chatId}`, class: 'back-link' }, '← ', t('members_chat.back')));
  const system = chat.kind === 'school_channel' || chat.kind === 'staff_channel';
  // Links are for whoever may invite (the moderators, or members where the chat lets them).
  const links = can(chat, 'invite') && !system ? chatLinksCard(chat, ctx.onLeave) : null;
  if (!can(chat, 'manage')) {
    return h('div', { class: 'stack stack--page', testid: 'chat-settings' }, back, pageHeader(t('chat_settings.title_page'), chat.title),
      links || errorBox({ message: t('chat_settings.only_moderators') }));
  }
  const settings = form({
    testid: 'chat-settings-form',
    className: 'form--grid',
    fields: [...textFields(chat), ...(system ? [] : policyFields(chat))],
    actions: [submit(t('common.save'), 'chat-settings-save')],
    onsubmit: async (values) => {
      const changes = {};
      for (const key of ['title', 'description', 'rules']) if (values[key] !== (chat[key] || '')) changes[key] = values[key];
      if (!system) {
        if (values.post_policy !== chat.post_policy) changes.post_policy = values.post_policy;
        if (Number(values.slow_mode_seconds) !== chat.slow_mode_seconds) changes.slow_mode_seconds = Number(values.slow_mode_seconds);
        if (values.members_invite !== chat.members_invite) changes.members_invite = values.members_invite;
      }
      if (!Object.keys(changes).length) {
        toast(t('common.nothing_changed'));
        return;
      }
      await patch(`/chats/${chatId}`, changes);
      toast(t('chat_settings.saved'));
      navigate(`/chats/${chatId}`);
    },
  });
  return h('div', { class: 'stack stack--page', testid: 'chat-settings' },
    back,
    pageHeader(t('chat_settings.title_page'), chat.title),
    cardTitled(t('chat_settings.card'), settings),
    links);
}

/** Who «invite the class» reaches, per kind of chat. */
const inviteHint = (kind) => t(`chat_new.invite_group_${kind}`);

export async function newChatView() {
  let groups = [];
  try {
    groups = ((await get(orgPath('/groups'))).groups || []).filter((g) => g.kind === 'class');
  } catch {
    groups = [];
  }
  const kinds = [...KINDS, ...(isAdmin() ? ['channel'] : [])];
  const kindField = field({
    name: 'kind', label: t('chat_new.kind'), type: 'select', value: 'class', testid: 'new-chat-kind',
    options: kinds.map((k) => [k, t(`chat_kinds.${k}`)]),
  });
  const groupField = field({
    name: 'group_id', label: t('chat_new.group'), type: 'select', testid: 'new-chat-group',
    options: [['', t('chat_new.choose_group')], ...groups.map((g) => [g.id, g.name])],
  });
  const subjectField = field({ name: 'subject', label: t('chat_new.subject'), maxlength: 100, testid: 'new-chat-subject', placeholder: t('groups.subject_placeholder') });
  const inviteField = field({ name: 'invite_group', label: t('chat_new.invite_group'), type: 'checkbox', value: true, testid: 'new-chat-invite-group', hint: inviteHint('class') });
  const texts = textFields({ rules: t('chat_new.rules_template') });
  const policies = policyFields();
  const kindSelect = kindField.querySelector('select');
  let titleTouched = false;

  function suggestTitle() {
    const titleInput = texts[0].querySelector('input');
    if (titleTouched) return;
    const kind = kindSelect.value;
    const group = groups.find((g) => String(g.id) === groupField.querySelector('select').value);
    const subject = subjectField.querySelector('input').value.trim();
    titleInput.value = group && GROUP_BOUND.includes(kind)
      ? t(`chat_new.suggest_${kind}`, { group: group.name, subject: subject || t('chat_new.subject') })
      : '';
  }

  function apply() {
    const kind = kindSelect.value;
    const bound = GROUP_BOUND.includes(kind);
    groupField.hidden = !bound;
    subjectField.hidden = kind !== 'subject';
    inviteField.hidden = !bound;
    const hint = inviteField.querySelector('.hint');
    if (hint && bound) hint.textContent = inviteHint(kind);
    // A channel is one-to-many: only moderators write there.
    const policy = policies[0].querySelector('select');
    if (kind === 'channel') policy.value = 'moderators';
    policy.disabled = kind === 'channel';
    suggestTitle();
  }

  kindSelect.addEventListener('change', apply);
  groupField.querySelector('select').addEventListener('change', suggestTitle);
  subjectField.querySelector('input').addEventListener('input', suggestTitle);
  texts[0].querySelector('input').addEventListener('input', () => {
    titleTouched = true;
  });

  const createForm = form({
    testid: 'new-chat-form',
    className: 'form--grid',
    fields: [kindField, groupField, subjectField, ...texts, ...policies, inviteField],
    actions: [submit(t('chat_new.create'), 'new-chat-create')],
    onsubmit: async (values, el) => {
      const bound = GROUP_BOUND.includes(values.kind);
      if (bound && !values.group_id) return fieldError(el, 'group_id', t('chat_new.group_required'));
      if (values.kind === 'subject' && !values.subject) return fieldError(el, 'subject', t('field_errors.required'));
      if (!values.title) return fieldError(el, 'title', t('field_errors.required'));
      const payload = {
        kind: values.kind,
        title: values.title,
        description: values.description,
        rules: values.rules,
        post_policy: values.kind === 'channel' ? 'moderators' : values.post_policy,
        slow_mode_seconds: Number(values.slow_mode_seconds) || 0,
        members_invite: values.members_invite,
      };
      if (bound) {
        payload.group_id = Number(values.group_id);
        payload.invite_group = values.invite_group;
      }
      if (values.kind === 'subject') payload.subject = values.subject;
      const chat = await post(orgPath('/chats'), payload);
      toast(t('chat_new.created', { title: chat.title }));
      return navigate(`/chats/${chat.id}`);
    },
  });
  apply();
  return h('div', { class: 'stack stack--page', testid: 'new-chat-page' },
    h('p', {}, h('a', { href: '/chats', class: 'back-link' }, '← ', t('chats.title'))),
    pageHeader(t('chat_new.title'), t('chat_new.lead')),
    groups.length ? null : h('p', { class: 'notice' }, t('chat_new.no_groups')),
    cardTitled(t('chat_new.card'), createForm));
}
