// Writing a message: the text box (Enter sends, Shift+Enter starts a new line), the send button,
// and the bar above it that says what is being answered or edited.

import { h, icon, ICONS } from '../dom.js';
import { t } from '../i18n.js';
import { plainText } from './format.js';

const SEND = ['M4 12l16-8-6 16-3-7z', 'M11 13l9-9'];
const MAX_HEIGHT = 180;
const drafts = new Map(); // chat id → unsent text, kept while the tab lives

/**
 * onSubmit(text, {replyTo, editing}) → a promise; the box is cleared at once, and the text is
 * put back if the promise rejects (an edit the server refused, for one).
 */
export function createComposer({ chatId, onSubmit }) {
  let replyTo = null;
  let editing = null;
  const input = h('textarea', {
    class: 'composer__input', rows: 1, maxlength: 10000, testid: 'composer-input',
    placeholder: t('chat.placeholder'), 'aria-label': t('chat.placeholder'),
  });
  input.value = drafts.get(chatId) || '';
  const sendButton = h('button', {
    type: 'submit', class: 'composer__send', testid: 'composer-send', 'aria-label': t('chat.send'), title: t('chat.send'),
  }, icon(SEND));
  const context = h('div', { class: 'composer__context', testid: 'composer-context', hidden: true });
  const form = h('form', { class: 'composer', testid: 'composer', novalidate: true },
    context, h('div', { class: 'composer__row' }, input, sendButton));

  function grow() {
    input.style.height = 'auto';
    input.style.height = `${Math.min(input.scrollHeight, MAX_HEIGHT)}px`;
  }

  function showContext(kind, msg, authorName) {
    const label = kind === 'edit' ? t('chat.editing') : t('chat.replying_to', { name: authorName || '' });
    context.replaceChildren(
      h('div', { class: 'composer__context-text' },
        h('span', { class: 'composer__context-label' }, label),
        h('span', { class: 'composer__context-quote' }, plainText(msg.body, 100))),
      h('button', {
        type: 'button', class: 'composer__context-close', 'aria-label': t('chat.cancel_context'), testid: 'composer-cancel', onclick: () => clearContext(true),
      }, icon(ICONS.close)));
    context.hidden = false;
  }

  function clearContext(restoreDraft = false) {
    if (editing && restoreDraft) input.value = drafts.get(chatId) || '';
    replyTo = null;
    editing = null;
    context.hidden = true;
    context.replaceChildren();
    grow();
    input.focus();
  }

  async function submit() {
    const text = input.value.replace(/\s+$/, '');
    if (!text.trim()) return;
    const job = { replyTo, editing };
    input.value = '';
    if (!editing) drafts.delete(chatId);
    clearContext(!!editing);
    try {
      await onSubmit(text, job);
    } catch {
      // The text is not lost: put it back to try again.
      input.value = text;
      if (job.editing) {
        editing = job.editing;
        showContext('edit', job.editing);
      }
      grow();
    }
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    submit();
  });
  input.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
      event.preventDefault();
      submit();
    } else if (event.key === 'Escape' && (replyTo || editing)) {
      event.preventDefault();
      clearContext(true);
    }
  });
  input.addEventListener('input', () => {
    if (!editing) drafts.set(chatId, input.value);
    grow();
  });
  requestAnimationFrame(grow);

  return {
    el: form,
    input,
    focus: () => input.focus(),
    reply(msg, authorName) {
      editing = null;
      replyTo = msg;
      showContext('reply', msg, authorName);
      input.focus();
    },
    edit(msg) {
      replyTo = null;
      editing = msg;
      showContext('edit', msg);
      input.value = msg.body;
      grow();
      input.focus();
      input.setSelectionRange(input.value.length, input.value.length);
    },
  };
}
