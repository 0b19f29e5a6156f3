// Joining by an invite link (R13, R16, R17): see where it leads, give a child's name if a parent, join.

import { get, post } from '../api.js';
import { append, h, replace } from '../dom.js';
import { field, form, submit } from '../forms.js';
import { t } from '../i18n.js';
import { chooseOrg, refreshSession } from '../session.js';
import { errorBox, facts } from '../ui.js';

function done(title, text, testid) {
  return h('div', { class: 'result', testid },
    h('div', { class: 'result__mark', 'aria-hidden': 'true' }, '✓'),
    h('h2', { class: 'result__title', tabindex: '-1' }, title),
    h('p', {}, text),
    h('a', { href: '/', class: 'btn btn--primary', testid: 'join-go-home' }, t('join.go_home')));
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
        replace(body, done(t('join.joined_title'), t('join.joined_text', { org: invite.org.name }), 'join-joined'));
      } else {
        replace(body, done(t('join.requested_title'), t('join.requested_text'), 'join-requested'));
      }
      body.querySelector('h2')?.focus();
    },
  });
  append(body, [
    h('p', { class: 'lead' }, t('join.lead')),
    facts([
      [t('join.org'), h('strong', { testid: 'join-org' }, invite.org.name)],
      [t('join.group'), invite.group ? h('span', { testid: 'join-group' }, invite.group.name) : null],
      [t('join.role'), h('span', { testid: 'join-role' }, t(`roles.${invite.role}`))],
    ]),
    invite.requires_approval ? h('p', { class: 'notice' }, t('join.needs_approval')) : null,
    joinForm]);
  cardEl.append(body);
  return cardEl;
}
