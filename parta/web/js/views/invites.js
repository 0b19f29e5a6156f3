// Invite links (R13, R15, R16): create for a role and class, copy, show as QR, annul.

import { get, post, qs } from '../api.js';
import { h, icon, ICONS, replace } from '../dom.js';
import { field, fieldError, form, submit } from '../forms.js';
import { formatDate, t } from '../i18n.js';
import { isAdmin, orgPath, session } from '../session.js';
import {
  busy, button, cardTitled, chip, confirmDialog, copyText, empty, errorBox, pageHeader, personName, toast,
} from '../ui.js';

const ADMIN_ROLES = ['teacher', 'student', 'parent', 'administration'];
const TEACHER_ROLES = ['student', 'parent'];
const STATE_KIND = { active: 'ok', expired: 'warn', used_up: '', annulled: 'danger' };

/** The classes a teacher leads or teaches in; an administrator gets every class. */
function groupsFor(groups, adminMode) {
  const classes = groups.filter((g) => g.kind !== 'staff_room');
  if (adminMode) return classes;
  const me = session.user.id;
  return classes.filter((g) => (g.class_teacher && g.class_teacher.id === me)
    || (g.subject_teachers || []).some((s) => s.teacher && s.teacher.id === me));
}

function urlField(invite, testid) {
  const input = h('input', {
    class: 'input input--url', type: 'text', readonly: true, value: invite.url, testid,
    'aria-label': t('invites.url'), onfocus: (e) => e.target.select(),
  });
  const copy = h('button', {
    type: 'button', class: 'btn btn--secondary', testid: `${testid}-copy`,
    onclick: async () => {
      const ok = await copyText(invite.url, input);
      toast(ok ? t('invites.copied') : t('invites.copy_failed'), ok ? 'ok' : 'error');
    },
  }, icon(ICONS.copy), ' ', t('invites.copy'));
  return h('div', { class: 'copy-row' }, input, copy);
}

function qrToggle(invite) {
  const holder = h('div', { class: 'qr', hidden: true });
  const toggle = h('button', {
    type: 'button', class: 'btn btn--ghost btn--small', 'aria-expanded': 'false', testid: `invite-qr-toggle-${invite.id}`,
    onclick: () => {
      const open = holder.hidden;
      if (open && !holder.firstChild) {
        holder.append(h('img', {
          src: `/api/v1${orgPath(`/invites/${invite.id}/qr.svg`)}`, alt: t('invites.qr_alt', { label: invite.label || invite.url }),
          width: '200', height: '200', testid: `invite-qr-${invite.id}`,
        }));
      }
      holder.hidden = !open;
      toggle.setAttribute('aria-expanded', String(open));
      toggle.textContent = open ? t('invites.hide_qr') : t('invites.show_qr');
    },
  }, t('invites.show_qr'));
  return [toggle, holder];
}

function inviteCard(invite, reload) {
  const uses = invite.max_uses ? `${invite.uses} / ${invite.max_uses}` : `${invite.uses} / ∞`;
  const title = invite.label || `${t(`roles.${invite.role}`)}${invite.group ? ` · ${invite.group.name}` : ''}`;
  const [qrButton, qrHolder] = qrToggle(invite);
  const annul = invite.state === 'active' ? button(t('invites.annul'), async (event) => {
    const target = event.currentTarget;
    if (!(await confirmDialog(t('invites.annul_confirm'), { confirmLabel: t('invites.annul') }))) return;
    await busy(target, async () => {
      await post(orgPath(`/invites/${invite.id}/annul`));
      await reload();
    }, { ok: t('invites.annulled') });
  }, { kind: 'danger-ghost', small: true, testid: `invite-annul-${invite.id}` }) : null;
  return h('li', { class: 'invite', testid: 'invite-row', dataset: { inviteId: String(invite.id), state: invite.state } },
    h('div', { class: 'invite__head' },
      h('strong', { class: 'invite__title' }, title),
      chip(t(`invite_state.${invite.state}`), STATE_KIND[invite.state] || '')),
    h('p', { class: 'muted small' },
      [t(`roles.${invite.role}`), invite.group ? invite.group.name : null,
        t('invites.uses', { uses }),
        t('invites.expires', { date: formatDate(invite.expires_at) }),
        invite.requires_approval ? t('invites.with_approval') : null].filter(Boolean).join(' · ')),
    invite.created_by ? h('p', { class: 'muted small' }, t('invites.created_by'), ' ', personName(invite.created_by)) : null,
    invite.state === 'active' ? urlField(invite, `invite-url-${invite.id}`) : null,
    h('div', { class: 'row row--wrap' }, invite.state === 'active' ? qrButton : null, annul),
    qrHolder);
}

function createForm(groups, adminMode, onCreated) {
  const roles = adminMode ? ADMIN_ROLES : TEACHER_ROLES;
  const groupOptions = [['', adminMode ? t('invites.no_group') : t('invites.choose_group')]]
    .concat(groups.map((g) => [g.id, g.name]));
  return form({
    testid: 'invite-form',
    className: 'form--grid',
    fields: [
      field({ name: 'role', label: t('invites.role'), type: 'select', testid: 'invite-role', options: roles.map((r) => [r, t(`roles.${r}`)]) }),
      field({ name: 'group_id', label: t('invites.group'), type: 'select', testid: 'invite-group', options: groupOptions, hint: t('invites.group_hint') }),
      field({ name: 'label', label: t('invites.label'), testid: 'invite-label', maxlength: 200, placeholder: t('invites.label_placeholder'), wide: true }),
      field({ name: 'max_uses', label: t('invites.max_uses'), type: 'number', min: 1, testid: 'invite-max-uses', hint: t('invites.max_uses_hint') }),
      field({ name: 'ttl_days', label: t('invites.ttl_days'), type: 'number', min: 1, max: 365, value: 14, testid: 'invite-ttl' }),
      field({ name: 'requires_approval', label: t('invites.requires_approval'), type: 'checkbox', testid: 'invite-approval', hint: t('invites.requires_approval_hint'), wide: true }),
    ],
    actions: [submit(t('invites.create'), 'invite-create')],
    onsubmit: async (values, el) => {
      const needsGroup = values.role === 'student' || values.role === 'parent';
      if (needsGroup && !values.group_id) {
        fieldError(el, 'group_id', t('invites.group_required'));
        return;
      }
      const payload = { role: values.role, requires_approval: values.requires_approval };
      if (values.group_id) payload.group_id = Number(values.group_id);
      if (values.label) payload.label = values.label;
      if (values.max_uses) payload.max_uses = values.max_uses;
      if (values.ttl_days) payload.ttl_days = values.ttl_days;
      const invite = await post(orgPath('/invites'), payload);
      toast(t('invites.created'));
      onCreated(invite);
    },
  });
}

export async function invitesView() {
  const adminMode = isAdmin() && window.location.pathname.startsWith('/admin/');
  const groupsAnswer = await get(orgPath('/groups'));
  const groups = groupsFor(groupsAnswer.groups || [], adminMode);
  let stateFilter = 'active';
  const listHolder = h('div', {});
  const fresh = h('div', { 'aria-live': 'polite' });

  const reload = async () => {
    try {
      const answer = await get(orgPath(`/invites${qs({ state: stateFilter })}`));
      const invites = answer.invites || [];
      replace(listHolder, invites.length
        ? h('ul', { class: 'invites', testid: 'invites-list' }, invites.map((i) => inviteCard(i, reload)))
        : empty(t('invites.none')));
    } catch (error) {
      replace(listHolder, errorBox(error));
    }
  };

  const showCreated = (invite) => {
    replace(fresh, h('div', { class: 'new-invite', testid: 'new-invite' },
      h('h3', { class: 'new-invite__title' }, t('invites.new_ready')),
      h('p', { class: 'hint' }, t('invites.new_hint')),
      urlField(invite, 'new-invite-url'),
      qrToggle(invite)));
    fresh.querySelector('input')?.focus();
    reload();
  };

  const filter = h('div', { class: 'segmented', role: 'group', 'aria-label': t('invites.filter') },
    ['active', 'all'].map((state) => h('button', {
      type: 'button', class: ['segmented__item', state === stateFilter && 'is-current'],
      'aria-pressed': String(state === stateFilter), testid: `invites-filter-${state}`,
      onclick: (event) => {
        stateFilter = state;
        for (const b of event.currentTarget.parentElement.children) {
          const on = b === event.currentTarget;
          b.classList.toggle('is-current', on);
          b.setAttribute('aria-pressed', String(on));
        }
        reload();
      },
    }, t(`invites.filter_${state}`))));

  const annulAll = adminMode ? button(t('invites.annul_unclaimed'), async (event) => {
    const target = event.currentTarget;
    if (!(await confirmDialog(t('invites.annul_unclaimed_confirm'), { confirmLabel: t('invites.annul_unclaimed') }))) return;
    await busy(target, async () => {
      const answer = await post(orgPath('/invites/annul-unclaimed'));
      toast(t('invites.annulled_n', { count: answer.annulled ?? 0 }));
      await reload();
    });
  }, { kind: 'danger-ghost', testid: 'annul-unclaimed' }) : null;

  await reload();
  const canCreate = adminMode || groups.length > 0;
  return h('div', { class: 'stack stack--page', testid: 'invites' },
    pageHeader(t('invites.title'), adminMode ? t('invites.lead_admin') : t('invites.lead_teacher')),
    cardTitled(t('invites.new'),
      canCreate ? createForm(groups, adminMode, showCreated) : h('p', { class: 'notice' }, t('invites.no_classes')),
      fresh),
    cardTitled(t('invites.list'), h('div', { class: 'row row--between row--wrap' }, filter, annulAll), listHolder));
}
