// Classes and study groups (R4, R5): create, rename, archive; class teacher and subject teachers.

import { del, get, patch, post, put } from '../api.js';
import { h, replace } from '../dom.js';
import { field, fieldError, form, submit } from '../forms.js';
import { t } from '../i18n.js';
import { orgPath, session } from '../session.js';
import {
  busy, button, cardTitled, chip, confirmDialog, empty, errorBox, pageHeader, personName, toast,
} from '../ui.js';

const STAFF = ['org_admin', 'administration', 'teacher'];

function staffOptions(staff, placeholder) {
  return [['', placeholder]].concat(staff.map((p) => [p.user_id, p.name + (p.verified_teacher ? ' ✓' : '')]));
}

function createForm(onDone) {
  const isSchool = !session.org || session.org.kind === 'school';
  let mode = isSchool ? 'grade' : 'name';
  const gradeFields = h('div', { class: 'form-grid-inner' },
    field({ name: 'grade', label: t('groups.grade'), type: 'select', testid: 'group-grade', options: Array.from({ length: 11 }, (_, i) => [i + 1, String(i + 1)]) }),
    field({ name: 'letter', label: t('groups.letter'), testid: 'group-letter', maxlength: 20, placeholder: 'А' }));
  const nameFields = field({ name: 'name', label: t('groups.free_name'), testid: 'group-name', maxlength: 100, placeholder: t('groups.free_name_placeholder') });
  const apply = () => {
    gradeFields.hidden = mode !== 'grade';
    nameFields.hidden = mode !== 'name';
  };
  const modeSwitch = h('fieldset', { class: 'radio-row' },
    h('legend', { class: 'label' }, t('groups.how')),
    ['grade', 'name'].map((value) => h('label', { class: 'check' },
      h('input', {
        type: 'radio', name: 'mode', value, checked: value === mode, testid: `group-mode-${value}`,
        onchange: () => { mode = value; apply(); },
      }),
      h('span', {}, t(`groups.mode_${value}`)))));
  apply();
  return form({
    testid: 'group-form',
    fields: [modeSwitch, gradeFields, nameFields],
    actions: [submit(t('groups.create'), 'group-create')],
    onsubmit: async (values, el) => {
      let payload;
      if (mode === 'grade') {
        if (!values.letter) {
          fieldError(el, 'letter', t('groups.letter_required'));
          return;
        }
        payload = { grade: Number(values.grade), letter: values.letter };
      } else {
        if (!values.name) {
          fieldError(el, 'name', t('groups.name_required'));
          return;
        }
        payload = { name: values.name };
      }
      const group = await post(orgPath('/groups'), payload);
      el.reset();
      mode = isSchool ? 'grade' : 'name';
      apply();
      toast(t('groups.created', { name: group.name }));
      onDone();
    },
  });
}

function renameForm(group, onDone) {
  return form({
    testid: `group-rename-${group.id}`,
    className: 'form--inline',
    fields: [field({ name: 'name', label: t('groups.new_name'), value: group.name, required: true, maxlength: 100, testid: `group-rename-input-${group.id}` })],
    actions: [submit(t('groups.rename'), `group-rename-save-${group.id}`, 'secondary')],
    onsubmit: async (values) => {
      if (values.name === group.name) return;
      await patch(orgPath(`/groups/${group.id}`), { name: values.name });
      toast(t('groups.renamed'));
      onDone();
    },
  });
}

function classTeacherForm(group, staff, onDone) {
  const current = group.class_teacher ? group.class_teacher.id : '';
  return form({
    testid: `class-teacher-form-${group.id}`,
    className: 'form--inline',
    fields: [field({
      name: 'user_id', label: t('groups.class_teacher'), type: 'select', value: current,
      testid: `class-teacher-select-${group.id}`, options: staffOptions(staff, t('groups.nobody')),
    })],
    actions: [submit(t('groups.assign'), `class-teacher-save-${group.id}`, 'secondary')],
    onsubmit: async (values) => {
      await put(orgPath(`/groups/${group.id}/class-teacher`), { user_id: values.user_id ? Number(values.user_id) : null });
      toast(t('groups.class_teacher_saved'));
      onDone();
    },
  });
}

function subjectTeachers(group, staff, onDone) {
  const list = (group.subject_teachers || []).map((st) => h('li', { class: 'list-item list-item--tight' },
    h('div', { class: 'list-item__main' }, h('strong', {}, st.subject), ' — ', personName(st.teacher)),
    button(t('common.remove'), async (event) => {
      await busy(event.currentTarget, async () => {
        await del(orgPath(`/groups/${group.id}/subject-teachers/${st.id}`));
        onDone();
      }, { ok: t('groups.subject_teacher_removed') });
    }, { small: true, kind: 'danger-ghost' })));
  const addForm = form({
    testid: `subject-teacher-form-${group.id}`,
    className: 'form--inline',
    fields: [
      field({ name: 'user_id', label: t('groups.teacher'), type: 'select', required: true, testid: `subject-teacher-select-${group.id}`, options: staffOptions(staff, t('groups.choose_teacher')) }),
      field({ name: 'subject', label: t('groups.subject'), required: true, maxlength: 100, testid: `subject-input-${group.id}`, placeholder: t('groups.subject_placeholder') }),
    ],
    actions: [submit(t('groups.add'), `subject-teacher-add-${group.id}`, 'secondary')],
    onsubmit: async (values, el) => {
      if (!values.user_id) return fieldError(el, 'user_id', t('groups.choose_teacher'));
      if (!values.subject) return fieldError(el, 'subject', t('groups.subject_required'));
      await post(orgPath(`/groups/${group.id}/subject-teachers`), { user_id: Number(values.user_id), subject: values.subject });
      toast(t('groups.subject_teacher_added'));
      return onDone();
    },
  });
  return h('div', { class: 'stack' },
    h('h4', { class: 'subhead' }, t('groups.subject_teachers')),
    list.length ? h('ul', { class: 'list' }, list) : empty(t('groups.no_subject_teachers')),
    addForm);
}

function groupItem(group, staff, reload) {
  const staffRoom = group.kind === 'staff_room';
  const archive = staffRoom ? null : button(t('groups.archive'), async (event) => {
    const target = event.currentTarget;
    if (!(await confirmDialog(t('groups.archive_confirm', { name: group.name }), { confirmLabel: t('groups.archive') }))) return;
    await busy(target, async () => {
      await del(orgPath(`/groups/${group.id}`));
      await reload();
    }, { ok: t('groups.archived') });
  }, { kind: 'danger-ghost', small: true, testid: `group-archive-${group.id}` });
  return h('li', { class: 'group', testid: 'group-row', dataset: { groupId: String(group.id), name: group.name } },
    h('details', { class: 'group__details' },
      h('summary', { class: 'group__summary' },
        h('span', { class: 'group__name' }, group.name),
        staffRoom ? chip(t('groups.staff_room'), 'info') : null,
        h('span', { class: 'muted small' }, t(staffRoom ? 'groups.members_count' : 'groups.students_count', { count: group.students_count ?? 0 })),
        h('span', { class: 'group__teacher small' }, staffRoom ? null : [t('groups.class_teacher_short'), ' ', group.class_teacher ? personName(group.class_teacher) : t('groups.nobody')])),
      h('div', { class: 'group__body stack' },
        renameForm(group, reload),
        staffRoom ? null : classTeacherForm(group, staff, reload),
        staffRoom ? null : subjectTeachers(group, staff, reload),
        archive ? h('div', { class: 'row' }, archive) : null)));
}

export async function groupsView() {
  const holder = h('div', {});
  let staff = [];
  const reload = async () => {
    try {
      const [groups, members] = await Promise.all([get(orgPath('/groups')), get(orgPath('/members'))]);
      staff = (members.members || []).filter((m) => (m.roles || []).some((r) => STAFF.includes(r)));
      const open = new Set([...holder.querySelectorAll('details[open]')].map((d) => d.closest('[data-group-id]').dataset.groupId));
      const items = (groups.groups || []).map((g) => groupItem(g, staff, reload));
      replace(holder, items.length ? h('ul', { class: 'groups', testid: 'groups-list' }, items) : empty(t('groups.none')));
      for (const id of open) holder.querySelector(`[data-group-id="${id}"] details`)?.setAttribute('open', '');
    } catch (error) {
      replace(holder, errorBox(error));
    }
  };
  await reload();
  return h('div', { class: 'stack stack--page', testid: 'groups' },
    pageHeader(t('groups.title'), t('groups.lead')),
    cardTitled(t('groups.new'), createForm(reload)),
    cardTitled(t('groups.list'), holder));
}
