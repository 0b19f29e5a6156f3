// «Движение» (R7, R32). The administrator records arrivals, departures and transfers of
// students, hiring and leaving of staff, and confirms or refuses what class teachers propose;
// a class teacher sees the students of their class and proposes a departure, a transfer or a
// newcomer. Both see the record; it follows `movement.changed` live.

import { get, post, qs } from '../api.js';
import { h, replace } from '../dom.js';
import { field } from '../forms.js';
import { formatDate, t } from '../i18n.js';
import { watch } from '../events/topics.js';
import { managesRoster, orgPath, session } from '../session.js';
import {
  button, cardTitled, chip, empty, errorBox, pageHeader, table, toast,
} from '../ui.js';
import { loadLeads } from '../roster/leads.js';
import { arrivalProposalForm, proposeForm, recordForm } from '../roster/movement_forms.js';

const STATUS_KIND = { proposed: 'warn', recorded: 'ok', refused: 'danger' };

function who(m) {
  if (m.user) return m.user.name;
  const d = m.details || {};
  return [d.first_name, d.middle_name, d.last_name].filter(Boolean).join(' ') || '—';
}

function classes(m) {
  const from = m.from_group ? m.from_group.name : '';
  const to = m.to_group ? m.to_group.name : '';
  if (from && to) return `${from} → ${to}`;
  return from || to || '—';
}

const INVITATION_KIND = { pending: 'info', accepted: 'ok', declined: 'danger', withdrawn: 'info' };

export function statusChip(m) {
  const status = h('span', { class: ['chip', `chip--${STATUS_KIND[m.status] || 'info'}`], testid: 'movement-status' }, t(`movement.status.${m.status}`));
  if (!m.invitation) return status;
  // An arrival or hiring by phone is an invitation its owner decides; the school sees how it went.
  return [status, ' ', h('span', { class: ['chip', `chip--${INVITATION_KIND[m.invitation] || 'info'}`], testid: 'movement-invitation' }, t(`movement.invitation.${m.invitation}`))];
}

function logTable(movements) {
  if (!movements.length) return empty(t('movement.none'));
  return table([
    { label: t('movement.col.date'), cell: (m) => formatDate(m.decided_at || m.created_at) },
    { label: t('movement.col.kind'), cell: (m) => t(`movement.kind.${m.kind}`) },
    { label: t('movement.col.person'), cell: (m) => h('span', { class: 'item-name' }, who(m)) },
    { label: t('movement.col.classes'), cell: classes },
    { label: t('movement.col.reason'), cell: (m) => [m.reason || '—', m.details && m.details.decision_note ? h('span', { class: 'muted small block' }, t('movement.note', { note: m.details.decision_note })) : null] },
    { label: t('movement.col.status'), cell: statusChip },
    { label: t('movement.col.by'), cell: (m) => [m.proposed_by ? t('movement.proposed_by', { name: m.proposed_by.name }) : null, m.proposed_by && m.decided_by ? h('br', {}) : null, m.decided_by ? t('movement.decided_by', { name: m.decided_by.name }) : null] },
  ], movements, { testid: 'movement-log', rowTestid: () => 'movement-row' });
}

function proposalItem(m, reload) {
  const note = field({ name: 'note', label: t('movement.decision_note'), maxlength: 2000, testid: 'movement-note' });
  const decide = (confirm) => async (event) => {
    const target = event.currentTarget;
    const el = target.closest('li');
    el.querySelectorAll('button').forEach((b) => { b.disabled = true; });
    try {
      await post(orgPath(`/movements/${m.id}/decision`), { confirm, note: note.querySelector('input').value.trim() });
      toast(confirm ? t('movement.confirmed') : t('movement.refused'));
    } catch (error) {
      toast(error.message, 'error');
    } finally {
      el.querySelectorAll('button').forEach((b) => { b.disabled = false; });
    }
    await reload();
  };
  return h('li', { class: 'proposal', testid: 'movement-proposal', dataset: { id: String(m.id) } },
    h('div', { class: 'proposal__head' },
      chip(t(`movement.kind.${m.kind}`), 'warn'),
      h('strong', { class: 'item-name' }, who(m)),
      h('span', { class: 'muted' }, classes(m))),
    m.reason ? h('p', { class: 'proposal__reason' }, m.reason) : null,
    h('p', { class: 'muted small' }, t('movement.proposed_at', { name: m.proposed_by ? m.proposed_by.name : '—', date: formatDate(m.created_at) })),
    note,
    h('div', { class: 'row row--wrap' },
      button(t('movement.confirm'), decide(true), { kind: 'primary', small: true, testid: 'movement-confirm' }),
      button(t('movement.refuse'), decide(false), { kind: 'danger-ghost', small: true, testid: 'movement-refuse' })));
}

async function adminView(ctx) {
  const groups = ((await get(orgPath('/groups'))).groups || []).filter((g) => g.kind === 'class');
  const list = h('ul', { class: 'proposals', testid: 'movement-proposals' });
  const none = empty(t('movement.no_proposals'));
  const proposals = h('div', { 'aria-live': 'polite' }, none, list);
  const log = h('div', {});
  const reload = async () => {
    try {
      const all = (await get(orgPath('/movements'))).movements || [];
      if (!ctx.isCurrent()) return;
      const waiting = all.filter((m) => m.status === 'proposed');
      // A proposal already shown keeps its element, and the note typed into it.
      const shown = new Map([...list.children].map((el) => [el.dataset.id, el]));
      replace(list, waiting.map((m) => shown.get(String(m.id)) || proposalItem(m, reload)));
      none.hidden = waiting.length > 0;
      list.hidden = waiting.length === 0;
      replace(log, logTable(all));
    } catch (error) {
      replace(log, errorBox(error));
    }
  };
  await reload();
  ctx.onLeave(watch('movement', reload)); // a gap in the stream too
  return h('div', { class: 'stack stack--page', testid: 'movement-page' },
    pageHeader(t('movement.title'), t('movement.lead')),
    cardTitled(t('movement.proposals_title'), proposals),
    cardTitled(t('movement.record_title'), recordForm({ classes: groups, onDone: reload })),
    cardTitled(t('movement.log_title'), log));
}

function studentRow(student, group, groups, reload) {
  return h('li', { class: 'member-row', testid: 'class-student', dataset: { userId: String(student.user_id), name: student.name } },
    h('span', { class: 'member-row__name member-row__main' }, student.name),
    h('details', { class: 'manage' },
      h('summary', { class: 'btn btn--ghost btn--small', testid: 'propose-open' }, t('movement.propose_open')),
      h('div', { class: 'manage__body' }, proposeForm(student, group, groups, reload))));
}

async function classCard(group, groups, reload) {
  const students = (await get(orgPath(`/members${qs({ group_id: group.id, role: 'student' })}`))).members || [];
  return cardTitled(t('movement.my_class', { name: group.name }), h('div', { class: 'stack', testid: 'my-class', dataset: { name: group.name } },
    students.length
      ? h('ul', { class: 'member-list' }, students.map((s) => studentRow(s, group, groups, reload)))
      : empty(t('movement.no_students')),
    h('details', { class: 'disclosure' },
      h('summary', { testid: `arrival-open-${group.id}` }, t('movement.arrival_open')),
      h('div', { class: 'disclosure__body' }, arrivalProposalForm(group, reload)))));
}

async function teacherView(ctx) {
  const leads = await loadLeads(session.orgId);
  if (!leads.classes.length) {
    return h('div', { class: 'stack stack--page' }, pageHeader(t('movement.title_teacher')),
      h('p', { class: 'notice', testid: 'movement-not-class-teacher' }, t('movement.not_class_teacher')));
  }
  const groups = ((await get(orgPath('/groups'))).groups || []).filter((g) => g.kind === 'class');
  const mine = h('div', { 'aria-live': 'polite' });
  const classesHolder = h('div', { class: 'stack stack--page' });
  const loadMine = async () => {
    try {
      const list = (await get(orgPath('/movements'))).movements || [];
      if (ctx.isCurrent()) replace(mine, logTable(list));
    } catch (error) {
      replace(mine, errorBox(error));
    }
  };
  const reload = async () => {
    const cards = await Promise.all(leads.classes.map((g) => classCard(g, groups, reload).catch((error) => errorBox(error))));
    if (ctx.isCurrent()) replace(classesHolder, cards);
    await loadMine();
  };
  await reload();
  // A confirmed departure or transfer changes the class list too.
  ctx.onLeave(watch('movement', reload)); // a gap in the stream too
  return h('div', { class: 'stack stack--page', testid: 'movement-page' },
    pageHeader(t('movement.title_teacher'), t('movement.lead_teacher')),
    classesHolder,
    cardTitled(t('movement.mine_title'), mine));
}

export async function movementView(ctx) {
  return managesRoster() ? adminView(ctx) : teacherView(ctx);
}
