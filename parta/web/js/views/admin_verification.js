// Teacher verification (R12): the administrator confirms or refuses the status «teacher».

import { get, post, qs } from '../api.js';
import { h, replace } from '../dom.js';
import { field, form, submit } from '../forms.js';
import { t } from '../i18n.js';
import { orgPath } from '../session.js';
import { cardTitled, empty, errorBox, facts, formatPhone, pageHeader, personName, toast } from '../ui.js';

function requestItem(member, reload) {
  let decision = 'confirm';
  const decideForm = form({
    testid: `verification-form-${member.user_id}`,
    className: 'form--inline',
    fields: [field({ name: 'note', label: t('verification.note'), testid: `verification-note-${member.user_id}`, maxlength: 500, placeholder: t('verification.note_placeholder') })],
    actions: [
      submit(t('verification.confirm'), `verification-confirm-${member.user_id}`),
      h('button', {
        type: 'submit', class: 'btn btn--danger-ghost', testid: `verification-refuse-${member.user_id}`,
        onclick: () => { decision = 'refuse'; },
      }, t('verification.refuse')),
    ],
    onsubmit: async (values) => {
      const chosen = decision;
      decision = 'confirm';
      const payload = { decision: chosen };
      if (values.note) payload.note = values.note;
      await post(orgPath(`/members/${member.user_id}/verification`), payload);
      toast(t(chosen === 'confirm' ? 'verification.confirmed' : 'verification.refused', { name: member.name }));
      await reload();
    },
  });
  return h('li', { class: 'list-item list-item--card', testid: 'verification-row' },
    h('div', { class: 'list-item__main stack' },
      h('div', { class: 'item-name' }, personName({ name: member.name, verified_teacher: member.verified_teacher }, { testid: 'verification-name' })),
      facts([
        [t('verification.position'), member.position],
        [t('members.groups'), (member.groups || []).map((g) => g.name).join(', ')],
        [t('members.contact'), [formatPhone(member.phone), member.email].filter(Boolean).join(', ')],
      ]),
      decideForm));
}

export async function verificationAdminView() {
  const holder = h('div', { 'aria-live': 'polite' });
  const reload = async () => {
    try {
      const answer = await get(orgPath(`/verification${qs({ status: 'requested' })}`));
      const members = answer.members || [];
      replace(holder, members.length
        ? h('ul', { class: 'list', testid: 'verification-list' }, members.map((m) => requestItem(m, reload)))
        : empty(t('verification.none')));
    } catch (error) {
      replace(holder, errorBox(error));
    }
  };
  await reload();
  return h('div', { class: 'stack stack--page', testid: 'verification-admin' },
    pageHeader(t('verification.title'), t('verification.lead'),
      h('a', { href: '/admin/members?role=teacher', class: 'btn btn--ghost' }, t('verification.all_teachers'))),
    cardTitled(t('verification.requested'), holder));
}
