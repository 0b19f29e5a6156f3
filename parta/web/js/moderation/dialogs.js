// A small form in a modal dialog: the native <dialog> keeps the focus inside and closes on
// Escape; errors from the server show in the form, which stays open to try again.

import { append, h } from '../dom.js';
import { t } from '../i18n.js';
import { form, submit } from '../forms.js';
import { button } from '../ui.js';

let uid = 0;

/**
 * Resolves with what onsubmit(values, formEl) returned (or true), or null when cancelled.
 * `intro` is shown above the fields (nodes or text).
 */
export function formDialog({ title, intro, fields, submitLabel, testid, onsubmit, danger = false }) {
  return new Promise((resolve) => {
    const titleId = `dialog-title-${++uid}`;
    const dialog = h('dialog', { class: 'dialog dialog--form', testid, 'aria-labelledby': titleId });
    const done = (value) => {
      dialog.close();
      dialog.remove();
      resolve(value);
    };
    const body = form({
      testid: `${testid}-form`,
      fields,
      actions: [
        submit(submitLabel, `${testid}-submit`, danger ? 'danger' : 'primary'),
        button(t('common.cancel'), () => done(null), { testid: `${testid}-cancel`, kind: 'ghost' }),
      ],
      onsubmit: async (values, formEl) => {
        const result = await onsubmit(values, formEl);
        if (result !== undefined) done(result ?? true);
      },
    });
    append(dialog, [h('h2', { id: titleId, class: 'dialog__title' }, title), intro, body]);
    dialog.addEventListener('cancel', (event) => {
      event.preventDefault();
      done(null);
    });
    document.body.append(dialog);
    dialog.showModal();
    const first = dialog.querySelector('select, textarea, input');
    if (first) first.focus();
  });
}
