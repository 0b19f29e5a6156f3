// First sign-in: the person tells us their name before going on.

import { patch } from '../api.js';
import { h } from '../dom.js';
import { field, fieldError, form, submit } from '../forms.js';
import { t } from '../i18n.js';
import { setUser } from '../session.js';

export async function nameView(ctx) {
  const nameForm = form({
    testid: 'name-form',
    fields: [
      field({
        name: 'name', label: t('name.label'), required: true, testid: 'name-input',
        autocomplete: 'name', maxlength: 200, hint: t('name.hint'),
      }),
    ],
    actions: [submit(t('name.save'), 'save-name')],
    onsubmit: async (values, el) => {
      if (!values.name) {
        fieldError(el, 'name', t('name.required'));
        return;
      }
      setUser(await patch('/me', { name: values.name }));
      ctx.refresh();
    },
  });
  setTimeout(() => nameForm.querySelector('input')?.focus(), 0);
  return h('div', { class: 'bare-card', testid: 'name-step' },
    h('h1', { tabindex: '-1', class: 'bare-title' }, t('name.title')),
    h('p', { class: 'lead' }, t('name.lead')),
    nameForm);
}
