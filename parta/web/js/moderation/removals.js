// «My removals from chats» (R31): why the person was removed, by which rule, and the appeal to
// the school's administration — once, with the decision shown when it comes.

import { get, post } from '../api.js';
import { h, replace } from '../dom.js';
import { formatDate, t } from '../i18n.js';
import { field, fieldError, form, submit } from '../forms.js';
import { watch } from '../events/topics.js';
import { button, cardTitled, chip, errorBox } from '../ui.js';

const STATUS_KIND = { pending: 'warn', reversed: 'ok', upheld: 'danger' };

function appealForm(removal, reload) {
  return form({
    testid: 'appeal-form',
    fields: [field({
      name: 'text', type: 'textarea', rows: 3, maxlength: 2000, required: true, label: t('removals.appeal_text'),
      hint: t('removals.appeal_hint'), testid: 'appeal-text',
    })],
    actions: [submit(t('removals.appeal_send'), 'appeal-send')],
    onsubmit: async (values, el) => {
      if (!values.text) return fieldError(el, 'text', t('field_errors.required'));
      await post(`/removals/${removal.id}/appeal`, { text: values.text });
      return reload();
    },
  });
}

function removalItem(removal, reload) {
  const holder = h('div', {});
  const appealable = removal.kind === 'rules' && removal.appeal_status === 'none';
  return h('li', { class: 'list-item list-item--card', testid: 'removal' },
    h('div', { class: 'list-item__main stack' },
      h('p', {}, h('strong', {}, removal.chat_title || t('chats.untitled')), ' · ',
        h('span', { class: 'muted' }, formatDate(removal.created_at))),
      removal.rule_number ? h('p', {}, t('member_mod.rule_n', { number: removal.rule_number, text: removal.rule_text })) : null,
      removal.reason ? h('p', { class: 'muted' }, removal.reason) : null,
      removal.appeal_status !== 'none'
        ? h('p', {}, chip(t(`appeals.status.${removal.appeal_status}`), STATUS_KIND[removal.appeal_status] || ''),
          removal.decision_note ? ` ${removal.decision_note}` : '')
        : null,
      holder,
      appealable ? button(t('removals.appeal'), (event) => {
        event.currentTarget.remove();
        replace(holder, appealForm(removal, reload));
        holder.querySelector('textarea').focus();
      }, { small: true, testid: 'removal-appeal' }) : null));
}

/** A card for the profile; empty (nothing on the page) when the person was never removed. */
export function removalsCard() {
  const el = h('div', { testid: 'removals' });
  const reload = async () => {
    try {
      const removals = (await get('/me/removals')).removals || [];
      el.hidden = !removals.length;
      replace(el, removals.length ? cardTitled(t('removals.title'),
        h('p', { class: 'hint' }, t('removals.lead')),
        h('ul', { class: 'list' }, removals.map((r) => removalItem(r, reload)))) : '');
    } catch (error) {
      replace(el, errorBox(error));
    }
  };
  reload();
  return { el, stop: watch('appeals', () => reload()) };
}
