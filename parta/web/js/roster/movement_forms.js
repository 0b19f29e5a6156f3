// The forms of movement (R7): an administrator records an arrival, departure or transfer of a
// student, the hiring or leaving of a staff member; a class teacher proposes a departure or a
// transfer of a student of their class, or a newcomer to it. Field names follow the API's, so
// its refusals land under the right field.

import { get, post, qs } from '../api.js';
import { h, replace } from '../dom.js';
import { field, fieldError, form, submit } from '../forms.js';
import { t } from '../i18n.js';
import { orgPath } from '../session.js';
import { toast } from '../ui.js';

export const KINDS = ['arrival', 'departure', 'transfer', 'hire', 'leave'];
const NEWCOMER = new Set(['arrival', 'hire']);
const STAFF_ROLES = ['org_admin', 'administration', 'teacher'];

const classOptions = (classes, placeholder) => [['', placeholder]].concat(classes.map((g) => [g.id, g.name]));

function newcomerFields(kind) {
  return [
    field({ name: 'person.last_name', label: t('movement.last_name'), required: true, maxlength: 100, testid: 'movement-last-name', autocomplete: 'off' }),
    field({ name: 'person.first_name', label: t('movement.first_name'), required: true, maxlength: 100, testid: 'movement-first-name', autocomplete: 'off' }),
    field({ name: 'person.middle_name', label: t('movement.middle_name'), maxlength: 100, testid: 'movement-middle-name', autocomplete: 'off' }),
    field({
      name: 'person.phone', label: t('movement.phone'), type: 'tel', required: kind === 'hire', maxlength: 40, testid: 'movement-phone',
      hint: kind === 'hire' ? t('movement.phone_hint_staff') : t('movement.phone_hint_student'), inputmode: 'tel',
    }),
    kind === 'hire' ? field({ name: 'person.email', label: t('movement.email'), type: 'email', maxlength: 200, testid: 'movement-email' }) : null,
    kind === 'hire' ? field({ name: 'person.position', label: t('movement.position'), maxlength: 200, testid: 'movement-position', placeholder: t('movement.position_placeholder') }) : null,
  ];
}

function newcomer(values) {
  const person = {};
  for (const key of ['last_name', 'first_name', 'middle_name', 'phone', 'email', 'position']) {
    if (values[`person.${key}`] !== undefined) person[key] = values[`person.${key}`];
  }
  return person;
}

/** A class select that fills a student select with that class's students. */
function studentPicker(classes) {
  const classField = field({ name: 'from_class', label: t('movement.from_class'), type: 'select', testid: 'movement-from-class', options: classOptions(classes, t('movement.choose_class')) });
  const studentField = field({ name: 'user_id', label: t('movement.student'), type: 'select', required: true, testid: 'movement-student', options: [['', t('movement.choose_class_first')]] });
  const classSelect = classField.querySelector('select');
  const studentSelect = studentField.querySelector('select');
  classSelect.addEventListener('change', async () => {
    const groupId = classSelect.value;
    replace(studentSelect, h('option', { value: '' }, groupId ? t('common.loading') : t('movement.choose_class_first')));
    if (!groupId) return;
    try {
      const students = (await get(orgPath(`/members${qs({ group_id: groupId, role: 'student' })}`))).members || [];
      if (classSelect.value !== groupId) return;
      replace(studentSelect, h('option', { value: '' }, students.length ? t('movement.choose_student') : t('movement.no_students')),
        students.map((s) => h('option', { value: String(s.user_id) }, s.name)));
    } catch (error) {
      replace(studentSelect, h('option', { value: '' }, error.message));
    }
  });
  return [classField, studentField];
}

let staffCache = null;

/** Staff of the organization, for «leaves»: teachers and administrators, once per page. */
async function staffOptions() {
  if (!staffCache) {
    const lists = await Promise.all(STAFF_ROLES.map((role) => get(orgPath(`/members${qs({ role })}`))));
    const seen = new Map();
    for (const list of lists) for (const m of list.members || []) seen.set(m.user_id, m);
    staffCache = [...seen.values()].sort((a, b) => a.name.localeCompare(b.name));
  }
  return staffCache;
}

function reasonField() {
  return field({ name: 'reason', label: t('movement.reason'), type: 'textarea', rows: 2, maxlength: 2000, testid: 'movement-reason', placeholder: t('movement.reason_placeholder'), wide: true });
}

function body(kind, values) {
  const out = { kind, reason: values.reason || '' };
  if (NEWCOMER.has(kind)) out.person = newcomer(values);
  else out.user_id = values.user_id ? Number(values.user_id) : null;
  if (kind === 'arrival' || kind === 'transfer') out.to_group_id = values.to_group_id ? Number(values.to_group_id) : null;
  return out;
}

/** Client-side checks before asking the server: the choices the server would ask for anyway. */
function missing(kind, values, el) {
  if (NEWCOMER.has(kind)) {
    if (!values['person.last_name']) return fieldError(el, 'person.last_name', t('movement.required')) || true;
    if (!values['person.first_name']) return fieldError(el, 'person.first_name', t('movement.required')) || true;
    if (kind === 'hire' && !values['person.phone']) return fieldError(el, 'person.phone', t('movement.phone_required')) || true;
  } else if (!values.user_id) {
    return fieldError(el, 'user_id', t(kind === 'leave' ? 'movement.choose_staff' : 'movement.choose_student')) || true;
  }
  if ((kind === 'arrival' || kind === 'transfer') && !values.to_group_id) {
    return fieldError(el, 'to_group_id', t('movement.choose_class')) || true;
  }
  return false;
}

/** The administrator's form: the kind first, then what that kind needs. */
export function recordForm({ classes, onDone }) {
  let kind = 'departure';
  const holder = h('div', { class: 'stack' });
  const kinds = h('fieldset', { class: 'radio-row kind-switch' },
    h('legend', { class: 'label' }, t('movement.what')),
    KINDS.map((value) => h('label', { class: 'check' },
      h('input', {
        type: 'radio', name: 'movement_kind', value, checked: value === kind, testid: `movement-kind-${value}`,
        onchange: () => { kind = value; draw(); },
      }),
      h('span', {}, t(`movement.kind.${value}`)))));

  async function fieldsFor(value) {
    if (NEWCOMER.has(value)) {
      return [...newcomerFields(value), value === 'arrival'
        ? field({ name: 'to_group_id', label: t('movement.to_class'), type: 'select', required: true, testid: 'movement-to-class', options: classOptions(classes, t('movement.choose_class')) })
        : null];
    }
    if (value === 'leave') {
      const staff = await staffOptions();
      return [field({ name: 'user_id', label: t('movement.staff'), type: 'select', required: true, testid: 'movement-staff', options: [['', t('movement.choose_staff')]].concat(staff.map((m) => [m.user_id, m.name])) })];
    }
    return [...studentPicker(classes), value === 'transfer'
      ? field({ name: 'to_group_id', label: t('movement.to_class'), type: 'select', required: true, testid: 'movement-to-class', options: classOptions(classes, t('movement.choose_class')) })
      : null];
  }

  async function draw() {
    const drawn = kind;
    const fields = await fieldsFor(drawn);
    if (drawn !== kind) return;
    replace(holder, form({
      testid: 'movement-form',
      className: 'form--grid',
      fields: [...fields, reasonField()],
      actions: [submit(t('movement.record'), 'movement-record')],
      onsubmit: async (values, el) => {
        if (missing(kind, values, el)) return;
        const answer = await post(orgPath('/movements'), body(kind, values));
        toast(answer.invitation ? t('movement.invited') : t('movement.recorded', { kind: t(`movement.kind.${answer.kind}`) }));
        staffCache = null;
        draw();
        onDone(answer);
      },
    }));
    if (drawn === 'transfer') {
      // A transfer goes somewhere else: the student's own class is not offered as the target.
      const from = holder.querySelector('select[name="from_class"]');
      const to = holder.querySelector('select[name="to_group_id"]');
      from.addEventListener('change', () => {
        for (const option of to.options) option.disabled = Boolean(option.value) && option.value === from.value;
        if (to.value === from.value) to.value = '';
      });
    }
  }
  draw();
  return h('div', { class: 'stack' }, kinds, holder);
}

/** A class teacher proposes a departure or a transfer of one student of their class. */
export function proposeForm(student, group, classes, onDone) {
  let kind = 'departure';
  const others = classes.filter((g) => g.id !== group.id);
  const target = field({ name: 'to_group_id', label: t('movement.to_class'), type: 'select', testid: 'propose-to-class', options: classOptions(others, t('movement.choose_class')) });
  target.hidden = true;
  const kinds = h('fieldset', { class: 'radio-row' },
    h('legend', { class: 'label' }, t('movement.what')),
    ['departure', 'transfer'].map((value) => h('label', { class: 'check' },
      h('input', {
        type: 'radio', name: `propose_kind_${student.user_id}`, value, checked: value === kind, testid: `propose-kind-${value}`,
        onchange: () => { kind = value; target.hidden = kind !== 'transfer'; },
      }),
      h('span', {}, t(`movement.kind.${value}`)))));
  return form({
    testid: `propose-form-${student.user_id}`,
    fields: [kinds, target, reasonField()],
    actions: [submit(t('movement.propose'), 'propose-send')],
    onsubmit: async (values, el) => {
      const payload = { kind, user_id: student.user_id, reason: values.reason || '' };
      if (kind === 'transfer') {
        if (!values.to_group_id) return fieldError(el, 'to_group_id', t('movement.choose_class'));
        payload.to_group_id = Number(values.to_group_id);
      }
      const answer = await post(orgPath('/movements/proposals'), payload);
      toast(t('movement.proposed'));
      return onDone(answer);
    },
  });
}

/** A class teacher reports a newcomer to their class; the administrator admits them. */
export function arrivalProposalForm(group, onDone) {
  return form({
    testid: `arrival-form-${group.id}`,
    className: 'form--grid',
    fields: [...newcomerFields('arrival'), reasonField()],
    actions: [submit(t('movement.propose'), `arrival-send-${group.id}`)],
    onsubmit: async (values, el) => {
      if (missing('arrival', { ...values, to_group_id: String(group.id) }, el)) return;
      const answer = await post(orgPath('/movements/proposals'), { kind: 'arrival', to_group_id: group.id, person: newcomer(values), reason: values.reason || '' });
      toast(t('movement.proposed'));
      el.reset();
      onDone(answer);
    },
  });
}
