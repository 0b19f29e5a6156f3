// The people of the organization (R6, R11): filter by role and class, appoint administrators.

import { del, get, post, qs } from '../api.js';
import { h, replace } from '../dom.js';
import { field, form, submit } from '../forms.js';
import { t } from '../i18n.js';
import { orgPath } from '../session.js';
import { deletionBlock } from '../privacy/my_data.js';
import {
  busy, button, cardTitled, confirmDialog, empty, errorBox, formatPhone, pageHeader, personName, roleChips, table,
} from '../ui.js';

const ROLES = ['org_admin', 'administration', 'teacher', 'student', 'parent'];
const STAFF = ['org_admin', 'administration', 'teacher'];
const GRANTABLE = ['administration', 'org_admin', 'teacher'];

/** «Удалить данные ученика» (152-ФЗ): the school asks, on a parent's written request, say;
 *  confirmed by a code sent to the administrator's phone, cancellable during the grace period.
 *  The block (and its GET) is built only when opened; a refusal (`not_only_student`) shows
 *  there in words. */
function studentDeletion(member) {
  const body = h('div', { class: 'manage__body stack' });
  const details = h('details', { class: 'manage student-deletion', testid: `student-deletion-${member.user_id}` },
    h('summary', { class: 'btn btn--danger-ghost', testid: `student-deletion-open-${member.user_id}` }, t('student_deletion.open')),
    body);
  details.addEventListener('toggle', () => {
    if (!details.open || body.childElementCount) return;
    body.append(deletionBlock(orgPath(`/students/${member.user_id}/deletion`), {
      pendingKey: 'student_deletion.pending', otherPendingKey: 'student_deletion.pending_other',
      askLabel: t('student_deletion.ask'), confirmLabel: t('student_deletion.confirm'),
      leadKey: 'student_deletion.lead', asker: 'school',
    }));
  });
  return details;
}

function manage(member, reload) {
  const isStaff = (member.roles || []).some((r) => STAFF.includes(r));
  if (!isStaff) {
    return (member.roles || []).includes('student') ? studentDeletion(member) : h('span', { class: 'muted small' }, '—');
  }
  const missing = GRANTABLE.filter((r) => !member.roles.includes(r));
  const grant = missing.length ? form({
    testid: `grant-role-form-${member.user_id}`,
    className: 'form--inline',
    fields: [field({
      name: 'role', label: t('members.grant_role'), type: 'select', testid: `grant-role-select-${member.user_id}`,
      options: missing.map((r) => [r, t(`roles.${r}`)]),
    })],
    actions: [submit(t('members.grant'), `grant-role-${member.user_id}`, 'secondary')],
    onsubmit: async (values) => {
      await post(orgPath(`/members/${member.user_id}/roles`), { role: values.role });
      await reload();
    },
  }) : null;
  const removable = member.roles.filter((r) => STAFF.includes(r));
  const removeButtons = removable.length > 1 || removable.some((r) => r !== 'teacher')
    ? removable.map((role) => button(t('members.remove_role', { role: t(`roles.${role}`) }), async (event) => {
      const target = event.currentTarget;
      if (!(await confirmDialog(t('members.remove_role_confirm', { role: t(`roles.${role}`), name: member.name })))) return;
      await busy(target, async () => {
        await del(orgPath(`/members/${member.user_id}/roles/${role}`));
        await reload();
      });
    }, { small: true, kind: 'danger-ghost', testid: `remove-role-${member.user_id}-${role}` }))
    : [];
  return h('details', { class: 'manage' },
    h('summary', { class: 'btn btn--ghost btn--small', testid: `manage-${member.user_id}` }, t('members.manage')),
    h('div', { class: 'manage__body stack' }, grant, removeButtons.length ? h('div', { class: 'row row--wrap' }, removeButtons) : null));
}

function contact(member) {
  return [formatPhone(member.phone), member.email].filter(Boolean).join(', ');
}

export async function membersView(ctx) {
  const groups = (await get(orgPath('/groups'))).groups || [];
  const filters = { role: ctx.query.role || '', group_id: ctx.query.group_id || '', q: ctx.query.q || '' };
  const holder = h('div', { 'aria-live': 'polite' });
  const reload = async () => {
    try {
      const answer = await get(orgPath(`/members${qs(filters)}`));
      const members = answer.members || [];
      const columns = [
        { label: t('members.name'), cell: (m) => personName({ name: m.name, verified_teacher: m.verified_teacher }, { testid: 'member-name' }) },
        { label: t('members.roles'), cell: (m) => roleChips(m.roles) },
        { label: t('members.groups'), cell: (m) => (m.groups || []).map((g) => g.name).join(', ') || '—' },
        { label: t('members.children'), cell: (m) => (m.children || []).map((c) => c.name).join(', ') || '—' },
        { label: t('members.contact'), cell: (m) => contact(m) || '—' },
        { label: t('members.actions'), cell: (m) => manage(m, reload) },
      ];
      replace(holder,
        h('p', { class: 'muted small' }, t('members.count', { count: members.length })),
        members.length
          ? table(columns, members, { testid: 'members-table', rowTestid: () => 'member-row' })
          : empty(t('members.none')));
      holder.querySelectorAll('[data-testid="member-row"]').forEach((row, i) => {
        row.dataset.userId = String(members[i].user_id);
        row.dataset.name = members[i].name || '';
      });
    } catch (error) {
      replace(holder, errorBox(error));
    }
  };
  const filterForm = form({
    testid: 'members-filter',
    className: 'form--filters',
    fields: [
      field({ name: 'role', label: t('members.filter_role'), type: 'select', value: filters.role, testid: 'members-role', options: [['', t('members.all_roles')]].concat(ROLES.map((r) => [r, t(`roles.${r}`)])) }),
      field({ name: 'group_id', label: t('members.filter_group'), type: 'select', value: filters.group_id, testid: 'members-group', options: [['', t('members.all_groups')]].concat(groups.map((g) => [g.id, g.name])) }),
      field({ name: 'q', label: t('members.search'), type: 'search', value: filters.q, testid: 'members-search', placeholder: t('members.search_placeholder') }),
    ],
    actions: [submit(t('members.apply'), 'members-apply', 'secondary')],
    onsubmit: async (values) => {
      Object.assign(filters, values);
      window.history.replaceState({}, '', `/admin/members${qs(filters)}`);
      await reload();
    },
  });
  filterForm.querySelectorAll('select').forEach((s) => s.addEventListener('change', () => filterForm.requestSubmit()));
  await reload();
  return h('div', { class: 'stack stack--page', testid: 'members' },
    pageHeader(t('members.title'), t('members.lead')),
    cardTitled(t('members.filters'), filterForm),
    cardTitled(t('members.list'), holder));
}
