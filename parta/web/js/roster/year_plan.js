// The year rollover's plan as the administrator reads and shapes it: each class and what
// becomes of it (5А → 6А, graduation, unchanged, a decision needed) with a choice of action,
// new name and class teacher; the graduates and parents who leave; the chats that become last
// year's archive and the new ones.

import { h } from '../dom.js';
import { t } from '../i18n.js';
import { cardTitled, chip, empty, table } from '../ui.js';

const ACTIONS = ['promote', 'graduate', 'keep'];
const FOLD_AFTER = 8;

export function outcome(c) {
  if (c.op === 'promote') return h('span', { class: 'year-move', testid: 'year-class-move' }, `${c.name} → ${c.new_name}`);
  if (c.op === 'graduate') return chip(t('year.op.graduate'), 'info');
  if (c.op === 'keep') return h('span', { class: 'muted' }, t('year.op.keep'));
  return h('span', { class: 'stack stack--tight' }, chip(t('year.op.undecided'), 'warn'),
    h('span', { class: 'small' }, t(`year.reason.${c.reason === 'name_taken' ? 'name_taken' : 'name_pattern'}`)));
}

/**
 * The classes with their controls. `decisions` (group id → {action, name, class_teacher_id}) is
 * filled as the administrator changes them; `onChange()` says a new preview is needed.
 */
export function classesTable(plan, teachers, decisions, onChange) {
  const set = (gid, key, value) => {
    const d = decisions.get(gid) || { group_id: gid };
    if (value === '' || value == null) delete d[key];
    else d[key] = value;
    decisions.set(gid, d);
    onChange();
  };
  const actionCell = (c) => {
    const mine = decisions.get(c.group_id) || {};
    const chosen = mine.action || (c.op === 'undecided' ? '' : c.op);
    const select = h('select', {
      class: 'input input--small', 'aria-label': t('year.action_for', { name: c.name }), testid: `year-action-${c.group_id}`,
      onchange: (event) => {
        set(c.group_id, 'action', event.target.value);
        name.hidden = event.target.value !== 'promote';
      },
    }, c.op === 'undecided' && !mine.action ? h('option', { value: '' }, t('year.choose')) : null,
    ACTIONS.map((a) => h('option', { value: a, selected: a === chosen }, t(`year.action.${a}`))));
    const name = h('input', {
      class: 'input input--small', type: 'text', maxlength: '100', 'aria-label': t('year.new_name_for', { name: c.name }),
      value: mine.name || c.new_name || '', placeholder: t('year.new_name'), testid: `year-name-${c.group_id}`,
      hidden: chosen !== 'promote' && !(c.op === 'undecided' && !mine.action),
      onchange: (event) => set(c.group_id, 'name', event.target.value.trim()),
    });
    return h('div', { class: 'stack stack--tight' }, select, name);
  };
  const teacherCell = (c) => {
    if (c.op === 'graduate') return h('span', { class: 'muted' }, c.class_teacher ? c.class_teacher.name : '—');
    const mine = decisions.get(c.group_id) || {};
    const current = mine.class_teacher_id || (c.new_class_teacher ? c.new_class_teacher.id : '');
    return h('select', {
      class: 'input input--small', 'aria-label': t('year.teacher_for', { name: c.name }), testid: `year-teacher-${c.group_id}`,
      onchange: (event) => set(c.group_id, 'class_teacher_id', event.target.value ? Number(event.target.value) : null),
    }, h('option', { value: '' }, t('year.nobody')),
    teachers.map((p) => h('option', { value: String(p.user_id), selected: p.user_id === current }, p.name)));
  };
  return table([
    { label: t('year.col.class'), cell: (c) => h('strong', {}, c.name) },
    { label: t('year.col.outcome'), cell: outcome },
    { label: t('year.col.students'), cell: (c) => String(c.students) },
    { label: t('year.col.decision'), cell: actionCell },
    { label: t('year.col.class_teacher'), cell: teacherCell },
  ], plan.classes || [], { testid: 'year-classes', rowTestid: () => 'year-class-row' });
}

/** Who leaves with graduation: the graduates and the parents whose last child it was. */
export function leaversCard(plan) {
  const graduates = plan.graduates || [];
  const parents = plan.parents || [];
  return cardTitled(t('year.leavers_title'), h('div', { class: 'stack' },
    h('h3', { class: 'subhead' }, t('year.graduates')),
    graduates.length ? table([
      { label: t('year.col.name'), cell: (g) => g.name },
      { label: t('year.col.class'), cell: (g) => g.class },
      { label: t('year.col.ends'), cell: (g) => t(`year.ends.${g.ends}`) },
    ], graduates, { testid: 'year-graduates' }) : empty(t('year.no_graduates')),
    h('h3', { class: 'subhead' }, t('year.parents')),
    parents.length ? table([
      { label: t('year.col.name'), cell: (p) => p.name },
      { label: t('year.col.children'), cell: (p) => (p.children || []).join(', ') },
      { label: t('year.col.ends'), cell: (p) => t(`year.ends.${p.ends}`) },
    ], parents, { testid: 'year-parents' }) : empty(t('year.no_parents'))));
}

/** A long list folds away on its own: a big school archives and makes hundreds of chats. */
function foldable(title, count, content, testid) {
  return h('details', { class: 'disclosure', open: count <= FOLD_AFTER, testid },
    h('summary', {}, h('h3', { class: 'subhead' }, `${title}: ${count}`)),
    h('div', { class: 'disclosure__body stack' }, content));
}

/** Last year's chats that become a read-only archive, and the new ones made by invitation. */
export function chatsCard(plan) {
  const archived = plan.archive_chats || [];
  const created = plan.new_chats || [];
  return cardTitled(t('year.chats_title'), h('div', { class: 'stack' },
    foldable(t('year.archive_chats'), archived.length, [
      h('p', { class: 'hint' }, t('year.archive_hint')),
      archived.length ? h('ul', { class: 'plain-list', testid: 'year-archive-chats' }, archived.map((c) => h('li', {
        testid: 'year-archive-chat', dataset: { chatId: c.chat_id ? String(c.chat_id) : '' },
      }, c.title, ' ', chip(t('year.archive'), 'archive'))))
        : empty(t('year.no_archive')),
    ], 'year-archive-fold'),
    foldable(t('year.new_chats'), created.length, created.length ? table([
      { label: t('year.col.chat'), cell: (c) => c.title },
      { label: t('year.col.owner'), cell: (c) => (c.teacher ? c.teacher.name : '—') },
      { label: t('year.col.invited'), cell: (c) => String(c.invited ?? 0) },
    ], created, { testid: 'year-new-chats' }) : empty(t('year.no_new_chats')), 'year-new-fold')));
}

export function warningsList(plan) {
  const warnings = plan.warnings || [];
  if (!warnings.length) return null;
  return h('ul', { class: 'plain-list warnings', testid: 'year-warnings' }, warnings.map((w) => h('li', {},
    w.code === 'no_class_teacher' ? t('year.warning.no_class_teacher', { name: w.class || '' }) : w.code)));
}

export function countsFigures(plan) {
  const c = plan.counts || {};
  return h('ul', { class: 'figures', testid: 'year-counts' },
    ['promote', 'graduate', 'keep', 'undecided', 'memberships_ended', 'chats_archived', 'chats_created'].map((key) => h('li', {
      class: ['figure', key === 'undecided' && c[key] ? 'figure--warn' : null],
    }, h('span', { class: 'figure__value' }, String(c[key] || 0)), h('span', { class: 'figure__label' }, t(`year.count.${key}`)))));
}
