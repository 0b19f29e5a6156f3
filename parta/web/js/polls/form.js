// «Опрос» from the composer: the question, 2..12 options (added and removed), single or several
// answers, own words, anonymous, when the results show, an optional deadline, and optionally a
// later time to post it (it waits in the author's «Запланировано» list until then).

import { post } from '../api.js';
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { field, form, showErrors, submit } from '../forms.js';
import { button, toast } from '../ui.js';
import { setPoll } from './store.js';

export const MIN_OPTIONS = 2;
export const MAX_OPTIONS = 12;

/** Open the form over the chat; resolves with the new poll, or null if it was cancelled. */
export function openPollForm(chatId) {
  return new Promise((resolve) => {
    const dialog = h('dialog', { class: 'dialog poll-form-dialog', testid: 'poll-dialog', 'aria-labelledby': 'poll-form-title' });
    const done = (answer) => {
      dialog.close();
      dialog.remove();
      resolve(answer);
    };
    const optionsList = h('ol', { class: 'poll-form__options', testid: 'poll-form-options' });
    const addButton = button(t('polls.add_option'), () => addOption(true), { testid: 'poll-add-option' });
    function renumber() {
      const rows = [...optionsList.children];
      rows.forEach((row, n) => {
        const input = row.querySelector('input');
        input.setAttribute('aria-label', t('polls.option_n', { n: n + 1 }));
        input.placeholder = t('polls.option_n', { n: n + 1 });
        row.querySelector('button').disabled = rows.length <= MIN_OPTIONS;
      });
      addButton.disabled = rows.length >= MAX_OPTIONS;
    }
    function addOption(focus) {
      if (optionsList.children.length >= MAX_OPTIONS) return;
      const input = h('input', { class: 'input', maxlength: 100, testid: 'poll-option-input', 'data-option': '1' });
      const row = h('li', { class: 'poll-form__option' }, input, h('button', {
        type: 'button', class: 'btn btn--ghost poll-form__remove', 'aria-label': t('polls.remove_option'), title: t('polls.remove_option'),
        testid: 'poll-remove-option', onclick: () => { row.remove(); renumber(); },
      }, '✕'));
      optionsList.append(row);
      renumber();
      if (focus) input.focus();
    }
    addOption(false);
    addOption(false);
    const results = field({
      name: 'results', label: t('polls.results_label'), type: 'select', value: 'always', testid: 'poll-results',
      options: ['always', 'after_voting', 'after_closing'].map((v) => [v, t(`polls.results.${v}`)]),
    });
    const el = form({
      testid: 'poll-form',
      className: 'poll-form',
      fields: [
        field({ name: 'question', label: t('polls.question'), required: true, testid: 'poll-question-input', maxlength: 300, placeholder: t('polls.question_placeholder') }),
        h('fieldset', { class: 'poll-form__set' }, h('legend', { class: 'label' }, t('polls.options')), optionsList,
          h('p', { class: 'field-error', 'data-error-for': 'options', hidden: true, testid: 'poll-options-error' }), addButton),
        field({ name: 'multiple', label: t('polls.allow_multiple'), type: 'checkbox', testid: 'poll-multiple' }),
        field({ name: 'free_text', label: t('polls.allow_own_words'), type: 'checkbox', testid: 'poll-free-text' }),
        field({ name: 'anonymous', label: t('polls.make_anonymous'), type: 'checkbox', hint: t('polls.anonymous_hint'), testid: 'poll-anonymous' }),
        results,
        field({ name: 'closes_at', label: t('polls.deadline'), type: 'datetime-local', hint: t('polls.deadline_hint'), testid: 'poll-deadline' }),
        field({ name: 'send_at', label: t('polls.post_later'), type: 'datetime-local', hint: t('polls.post_later_hint'), testid: 'poll-send-at' }),
      ],
      actions: [button(t('common.cancel'), () => done(null), { testid: 'poll-cancel' }), submit(t('polls.post'), 'poll-post')],
      onsubmit: async (values, formEl) => {
        const options = [...optionsList.querySelectorAll('input')].map((i) => i.value.trim()).filter(Boolean);
        if (options.length < MIN_OPTIONS) {
          showErrors(formEl, { message: t('polls.need_options'), fields: { options: t('polls.need_options') } });
          return;
        }
        const body = {
          question: values.question, options, multiple: values.multiple, free_text: values.free_text,
          anonymous: values.anonymous, results: values.results,
        };
        if (values.closes_at) body.closes_at = new Date(values.closes_at).toISOString();
        if (values.send_at) {
          try {
            await post(`/chats/${chatId}/scheduled`, { send_at: new Date(values.send_at).toISOString(), poll: body });
          } catch (error) {
            // The poll's own fields come back as «poll.closes_at»: shown under this form's fields.
            if (error.fields) error.fields = Object.fromEntries(Object.entries(error.fields).map(([k, v]) => [k.replace(/^poll\./, ''), v]));
            throw error;
          }
          toast(t('polls.scheduled'));
          done(null); // nothing to show in the chat yet: it waits in «Запланировано»
          return;
        }
        const poll = setPoll(await post(`/chats/${chatId}/polls`, body));
        toast(t('polls.posted'));
        done(poll);
      },
    });
    dialog.append(h('h2', { id: 'poll-form-title', class: 'card__title' }, t('polls.new')), el);
    dialog.addEventListener('cancel', (event) => {
      event.preventDefault();
      done(null);
    });
    document.body.append(dialog);
    dialog.showModal();
    el.querySelector('[name="question"]').focus();
  });
}
