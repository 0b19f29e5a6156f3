// Writing a message: the text box (Enter sends, Shift+Enter starts a new line), the send button,
// the bar above it that says what is being answered or edited, and files to go with it —
// chosen with the paperclip, pasted, or dropped onto the chat.

import { h, icon, ICONS } from '../dom.js';
import { t } from '../i18n.js';
import { toast } from '../ui.js';
import { filesLabel, plainText } from './format.js';
import { attachMentions } from './mentions.js';
import { createUploads } from './uploads.js';

const SEND = ['M4 12l16-8-6 16-3-7z', 'M11 13l9-9'];
const CLIP = ['M21 11.5l-8.6 8.6a5.5 5.5 0 0 1-7.8-7.8l8.6-8.6a3.7 3.7 0 0 1 5.2 5.2l-8.6 8.6a1.8 1.8 0 0 1-2.6-2.6l7.9-7.9'];
const POLL = ['M5 20V10', 'M12 20V4', 'M19 20v-7'];
const MAX_HEIGHT = 180;
const drafts = new Map(); // chat id → unsent text, kept while the tab lives

/**
 * onSubmit(text, {replyTo, editing, attachments}) → a promise; the box is cleared at once, and
 * the text is put back if the promise rejects (an edit the server refused, for one).
 * onTyping() after each change of the text.
 */
export function createComposer({ chatId, onSubmit, onTyping = () => {}, onPoll = null }) {
  let replyTo = null;
  let editing = null;
  const input = h('textarea', {
    class: 'composer__input', rows: 1, maxlength: 10000, testid: 'composer-input',
    placeholder: t('chat.placeholder'), 'aria-label': t('chat.placeholder'),
  });
  input.value = drafts.get(chatId) || '';
  const mentions = attachMentions(input, chatId);
  const sendButton = h('button', {
    type: 'submit', class: 'composer__send', testid: 'composer-send', 'aria-label': t('chat.send'), title: t('chat.send'),
  }, icon(SEND));
  const context = h('div', { class: 'composer__context', testid: 'composer-context', hidden: true });
  const uploads = createUploads({ chatId });
  const picker = h('input', { type: 'file', multiple: true, hidden: true, testid: 'composer-file', tabindex: '-1' });
  const attachButton = h('button', {
    type: 'button', class: 'composer__attach', testid: 'composer-attach', 'aria-label': t('files.attach'), title: t('files.attach'),
    onclick: () => picker.click(),
  }, icon(CLIP));
  picker.addEventListener('change', () => {
    uploads.add([...picker.files]);
    picker.value = ''; // the same file may be chosen again
    input.focus();
  });
  // «Опрос»: a poll instead of a message (where the chat's page offers it).
  const pollButton = onPoll ? h('button', {
    type: 'button', class: 'composer__attach composer__poll', testid: 'composer-poll', 'aria-label': t('polls.new'), title: t('polls.new'),
    onclick: () => onPoll(),
  }, icon(POLL)) : null;
  let plain = false; // words only: no files, no poll (the chat's capabilities say so)
  const form = h('form', { class: 'composer', testid: 'composer', novalidate: true },
    context, uploads.el, mentions.el, h('div', { class: 'composer__row' }, attachButton, pollButton, picker, input, sendButton));

  function grow() {
    input.style.height = 'auto';
    input.style.height = `${Math.min(input.scrollHeight, MAX_HEIGHT)}px`;
  }

  function showContext(kind, msg, authorName) {
    const label = kind === 'edit' ? t('chat.editing') : t('chat.replying_to', { name: authorName || '' });
    context.replaceChildren(
      h('div', { class: 'composer__context-text' },
        h('span', { class: 'composer__context-label' }, label),
        h('span', { class: 'composer__context-quote' }, plainText(msg.body, 100) || filesLabel(msg))),
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
    const typed = input.value.replace(/\s+$/, '');
    const text = mentions.encode(typed);
    const attachments = editing ? [] : uploads.ready();
    if (!editing && uploads.uploading()) {
      toast(t('files.wait_upload'), 'error');
      return;
    }
    if (!text.trim() && !attachments.length) return;
    const job = { replyTo, editing, attachments };
    input.value = '';
    if (!editing) {
      drafts.delete(chatId);
      uploads.clearSent();
    }
    clearContext(!!editing);
    try {
      await onSubmit(text, job);
    } catch {
      // The text is not lost: put it back to try again.
      input.value = typed;
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
    if (mentions.handleKey(event)) return;
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
    if (input.value.trim()) onTyping();
  });
  input.addEventListener('paste', (event) => {
    const files = [...((event.clipboardData && event.clipboardData.files) || [])];
    if (!files.length || plain) return;
    // A copied picture comes with no text; text copied from a document may bring a picture
    // of itself along, and then the text is what the person meant.
    if (event.clipboardData.getData('text/plain')) return;
    event.preventDefault();
    uploads.add(files);
  });
  requestAnimationFrame(grow);

  return {
    el: form,
    input,
    focus: () => input.focus(),
    /** Files dropped onto the chat. */
    addFiles: (files) => { if (!plain) uploads.add(files); },
    /** Words only (`on`): the paperclip and the poll go, and pasted files are not taken —
     * where the person may only answer a post (the chat's `can_post` is false). */
    setPlain(on) {
      plain = Boolean(on);
      attachButton.hidden = plain;
      if (pollButton) pollButton.hidden = plain;
    },
    destroy: () => uploads.destroy(),
    reply(msg, authorName) {
      editing = null;
      replyTo = msg;
      showContext('reply', msg, authorName);
      input.focus();
    },
    /** Put a message's text back to be fixed, `range` ([start, end]) selected. */
    restore(text, range) {
      const before = input.value.trim() ? `${input.value.replace(/\s+$/, '')}\n` : '';
      input.value = before + text;
      if (!editing) drafts.set(chatId, input.value);
      grow();
      input.focus();
      if (range) input.setSelectionRange(before.length + range[0], before.length + range[1]);
    },
    edit(msg) {
      replyTo = null;
      editing = msg;
      showContext('edit', msg);
      input.value = mentions.decode(msg.body);
      grow();
      input.focus();
      input.setSelectionRange(input.value.length, input.value.length);
    },
  };
}

/**
 * Let files be dropped anywhere on `area` (the chat); `accept(files)` gets them. While files
 * are dragged over it the area carries the class `is-dropping` (the CSS shows a hint).
 */
export function acceptDrops(area, accept) {
  let depth = 0; // dragenter/leave fire for every child crossed
  const hasFiles = (event) => [...(event.dataTransfer ? event.dataTransfer.types : [])].includes('Files');
  area.addEventListener('dragenter', (event) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    depth += 1;
    area.classList.add('is-dropping');
  });
  area.addEventListener('dragover', (event) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = 'copy';
  });
  area.addEventListener('dragleave', (event) => {
    if (!hasFiles(event)) return;
    depth = Math.max(0, depth - 1);
    if (!depth) area.classList.remove('is-dropping');
  });
  area.addEventListener('drop', (event) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    depth = 0;
    area.classList.remove('is-dropping');
    if (event.dataTransfer.files.length) accept([...event.dataTransfer.files]);
  });
}
