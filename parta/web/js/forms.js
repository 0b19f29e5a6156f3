// Forms with labelled fields, errors under the fields and one message for the whole form.

import { h } from './dom.js';
import { has, t } from './i18n.js';

let uid = 0;

/**
 * One labelled control. spec: {name, label, type, value, required, hint, placeholder,
 * options: [[value, label]], testid, autocomplete, inputmode, maxlength, min, max, rows, pattern}.
 */
export function field(spec) {
  const id = `f-${spec.name}-${++uid}`;
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const common = {
    id,
    name: spec.name,
    required: spec.required,
    testid: spec.testid,
    'aria-describedby': [spec.hint ? hintId : null, errorId].filter(Boolean).join(' '),
  };
  let control;
  if (spec.type === 'select') {
    control = h('select', { ...common, class: 'input' },
      (spec.options || []).map(([value, label]) =>
        h('option', { value: String(value), selected: String(value) === String(spec.value ?? '') }, label)));
  } else if (spec.type === 'textarea') {
    control = h('textarea', {
      ...common, class: 'input', rows: spec.rows || 4, maxlength: spec.maxlength, placeholder: spec.placeholder,
    });
    control.value = spec.value ?? '';
  } else if (spec.type === 'checkbox') {
    control = h('input', { ...common, type: 'checkbox', class: 'checkbox', checked: Boolean(spec.value) });
    return h('div', { class: 'field field--check' },
      h('label', { for: id, class: 'check' }, control, h('span', {}, spec.label)),
      spec.hint ? h('p', { id: hintId, class: 'hint' }, spec.hint) : null,
      h('p', { id: errorId, class: 'field-error', 'data-error-for': spec.name, testid: spec.testid ? `${spec.testid}-error` : null, hidden: true }));
  } else {
    control = h('input', {
      ...common,
      class: 'input',
      type: spec.type || 'text',
      value: spec.value ?? '',
      placeholder: spec.placeholder,
      autocomplete: spec.autocomplete,
      inputmode: spec.inputmode,
      maxlength: spec.maxlength,
      min: spec.min,
      max: spec.max,
      pattern: spec.pattern,
      readonly: spec.readonly,
    });
  }
  return h('div', { class: ['field', spec.wide && 'field--wide'] },
    h('label', { for: id, class: 'label' }, spec.label, spec.required ? h('span', { class: 'req', 'aria-hidden': 'true' }, ' *') : null),
    control,
    spec.hint ? h('p', { id: hintId, class: 'hint' }, spec.hint) : null,
    h('p', { id: errorId, class: 'field-error', 'data-error-for': spec.name, testid: spec.testid ? `${spec.testid}-error` : null, hidden: true }));
}

/** A <form> with a message area on top; `onsubmit` gets the values and the form. */
export function form({ testid, onsubmit, fields = [], actions = [], className }) {
  const message = h('div', { class: 'form-message', role: 'alert', 'aria-live': 'assertive', testid: testid ? `${testid}-error` : 'form-error', hidden: true });
  const el = h('form', { class: ['form', className], testid, novalidate: true }, message, fields,
    actions.length ? h('div', { class: 'form-actions' }, actions) : null);
  el.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (el.dataset.busy) return;
    clearErrors(el);
    el.dataset.busy = '1';
    const submits = el.querySelectorAll('button[type=submit]');
    submits.forEach((b) => { b.disabled = true; });
    try {
      await onsubmit(values(el), el);
    } catch (error) {
      showErrors(el, error);
    } finally {
      delete el.dataset.busy;
      submits.forEach((b) => { if (b.isConnected) b.disabled = false; });
    }
  });
  return el;
}

/** The form's values by name; checkboxes are booleans, empty numbers are null. */
export function values(formEl) {
  const out = {};
  for (const control of formEl.elements) {
    if (!control.name) continue;
    if (control.type === 'checkbox') out[control.name] = control.checked;
    else if (control.type === 'number') out[control.name] = control.value === '' ? null : Number(control.value);
    else out[control.name] = control.value.trim();
  }
  return out;
}

export function clearErrors(formEl) {
  const message = formEl.querySelector('.form-message');
  if (message) {
    message.hidden = true;
    message.textContent = '';
  }
  for (const p of formEl.querySelectorAll('.field-error')) {
    p.hidden = true;
    p.textContent = '';
  }
  for (const control of formEl.querySelectorAll('[aria-invalid]')) control.removeAttribute('aria-invalid');
}

/** Field codes from the server ("invalid_phone") become catalog texts; sentences pass as is. */
function fieldText(value) {
  const code = String(value);
  if (has(`field_errors.${code}`)) return t(`field_errors.${code}`);
  if (has(`errors.${code}`)) return t(`errors.${code}`);
  if (/\s/.test(code) || /[^\x00-\x7f]/.test(code)) return code;
  return t('field_errors.invalid');
}

export function showErrors(formEl, error) {
  const fields = (error && error.fields) || {};
  let shownUnderField = false;
  for (const [name, value] of Object.entries(fields)) {
    const slot = formEl.querySelector(`[data-error-for="${CSS.escape(name)}"]`);
    if (!slot) continue;
    const control = formEl.querySelector(`[name="${CSS.escape(name)}"]`);
    // A required field left empty is «required», not «too short», whatever length rule said so.
    const empty = control && control.required && !String(control.value || '').trim();
    const tooShort = (error.fieldCodes || {})[name] === 'too_short';
    slot.textContent = empty && tooShort ? t('field_errors.required') : fieldText(value);
    slot.hidden = false;
    shownUnderField = true;
    if (control) control.setAttribute('aria-invalid', 'true');
  }
  const message = formEl.querySelector('.form-message');
  const text = (error && error.message) || t('errors.unexpected');
  // A message that only repeats the one under a field is said once, under the field.
  const repeated = Object.values(fields).some((value) => fieldText(value) === text);
  if (message && !(shownUnderField && repeated)) {
    message.textContent = text;
    message.hidden = false;
  }
  const firstInvalid = formEl.querySelector('[aria-invalid="true"]');
  if (shownUnderField && firstInvalid) firstInvalid.focus();
}

/** Mark one field as wrong from the client side (before asking the server). */
export function fieldError(formEl, name, text) {
  showErrors(formEl, { message: text, fields: { [name]: text } });
}

export function submit(label, testid, kind = 'primary') {
  return h('button', { type: 'submit', class: ['btn', `btn--${kind}`], testid }, label);
}
