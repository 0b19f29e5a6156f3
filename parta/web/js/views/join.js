// Joining by an invite link (R13, R16, R17): see where it leads (before signing in too), give a
// child's name if a parent, join; the last screen says what happens next.

import { get, post } from '../api.js';
import { append, h, replace } from '../dom.js';
import { field, form, submit } from '../forms.js';
import { t } from '../i18n.js';
import { chooseOrg, refreshSession, session } from '../session.js';
import { errorBox, facts } from '../ui.js';

function done(title, text, testid, next = null) {
  return h('div', { class: 'result', testid },
    h('div', { class: 'result__mark', 'aria-hidden': 'true' }, '✓'),
    h('h2', { class: 'result__title', tabindex: '-1' }, title),
    h('p', {}, text),
    next ? h('p', { testid: 'join-next' }, next.text) : null,
    h('a', { href: next && next.chats ? '/chats' : '/', class: 'btn btn--primary', testid: 'join-go-home' },
      next && next.chats ? t('join.open_chats') : t('join.go_home')));
}

/** What the person should expect after joining, in the school's words. */
function nextStep(invite, status) {
  const group = invite.group ? invite.group.name : '';
  if (status === 'requested') return null;
  if (invite.role === 'student' && group) return { text: t('join.next_student', { group }), chats: true };
  if (invite.role === 'parent') {
    return { text: group ? t('join.next_parent', { group }) : t('join.next_parent_nogroup'), chats: false };
  }
  if (invite.role === 'teacher') return { text: t('join.next_teacher'), chats: false };
  return null;
}

function inviteFacts(invite) {
  return facts([
    [t('join.org'), h('strong', { testid: 'join-org' }, invite.org.name)],
    [t('join.group'), invite.group ? h('span', { testid: 'join-group' }, invite.group.name) : null],
    [t('join.role'), h('span', { testid: 'join-role' }, t(`roles.${invite.role}`))],
  ]);
}

/** Signed out: where the link leads, then sign-in, which comes back here. */
function signInFirst(invite, token) {
  const next = `/join/${encodeURIComponent(token)}`;
  return h('div', { class: 'stack', testid: 'join-signed-out' },
    h('p', { class: 'lead' }, t('join.lead')),
    inviteFacts(invite),
    h('p', {}, t('join.sign_in_first')),
    h('a', { href: `/signin?next=${encodeURIComponent(next)}`, class: 'btn btn--primary', testid: 'join-sign-in' },
      t('join.sign_in')));
}

export async function joinView(ctx) {
  const token = ctx.params.token;
  const cardEl = h('div', { class: 'bare-card', testid: 'join' },
    h('h1', { tabindex: '-1', class: 'bare-title' }, t('join.title')));
  let invite;
  try {
    invite = await get(`/invites/${encodeURIComponent(token)}`);
  } catch (error) {
    cardEl.append(errorBox(error, 'join-error'),
      h('p', { class: 'hint' }, t('join.ask_again')),
      h('a', { href: '/', class: 'btn btn--ghost' }, t('join.go_home')));
    return cardEl;
  }
  if (!session.user) {
    cardEl.append(signInFirst(invite, token));
    return cardEl;
  }
  const body = h('div', { class: 'stack' });
  const fields = [];
  if (invite.needs_child_name) {
    fields.push(field({
      name: 'child_name', label: t('join.child_name'), required: true, testid: 'child-name-input',
      hint: t('join.child_name_hint'), maxlength: 200,
    }));
  }
  if (invite.requires_approval) {
    fields.push(field({
      name: 'message', label: t('join.message'), type: 'textarea', rows: 2, testid: 'join-message',
      hint: t('join.message_hint'), maxlength: 1000,
    }));
  }
  const joinForm = form({
    testid: 'join-form',
    fields,
    actions: [submit(invite.requires_approval ? t('join.send_request') : t('join.join'), 'join-submit')],
    onsubmit: async (values) => {
      const payload = {};
      if (invite.needs_child_name) payload.child_name = values.child_name;
      if (values.message) payload.message = values.message;
      const answer = await post(`/invites/${encodeURIComponent(token)}/join`, payload);
      await refreshSession();
      if (answer.status === 'joined') {
        if (answer.org_id) chooseOrg(answer.org_id);
        replace(body, done(t('join.joined_title'), t('join.joined_text', { org: invite.org.name }), 'join-joined',
          nextStep(invite, answer.status)));
      } else {
        replace(body, done(t('join.requested_title'), t('join.requested_text'), 'join-requested'));
      }
      body.querySelector('h2')?.focus();
    },
  });
  append(body, [
    h('p', { class: 'lead' }, t('join.lead')),
    inviteFacts(invite),
    invite.requires_approval ? h('p', { class: 'notice' }, t('join.needs_approval')) : null,
    joinForm]);
  cardEl.append(body);
  return cardEl;
}
