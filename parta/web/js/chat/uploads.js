// Files waiting to go with the next message. Each one uploads as soon as it is chosen, with a
// progress bar, and shows as a chip: name, size, a remove button, and the server's refusal
// (a type it does not accept, a file too large) when there is one.

import { upload } from '../api.js';
import { h, icon, ICONS } from '../dom.js';
import { t } from '../i18n.js';
import { formatSize } from './format.js';

export const MAX_FILES = 10; // per message, as the server allows
export const FILE_ICON = ['M14 3H6v18h12V7z', 'M14 3v4h4', 'M9 13h6', 'M9 17h6'];

/** The tray of one chat's composer — or of another form that sends files the same way (an
 *  instruction's: ``path`` is where they upload, ``tooMany`` what to say past ``MAX_FILES``). */
export function createUploads({ chatId, path = `/chats/${chatId}/attachments`, tooMany = 'files.too_many' }) {
  const items = []; // {file, state: uploading|ready|failed, attachment, error, el, bar, abort, preview}
  const el = h('ul', { class: 'uploads', testid: 'uploads', hidden: true, 'aria-label': t('files.tray_label') });

  function changed() {
    el.hidden = !items.length;
  }

  function remove(item) {
    if (item.abort) item.abort();
    if (item.preview) URL.revokeObjectURL(item.preview);
    item.el.remove();
    items.splice(items.indexOf(item), 1);
    changed();
  }

  function draw(item) {
    const { file, state } = item;
    const name = file.name || t('files.unnamed');
    item.bar = state === 'uploading'
      ? h('progress', { class: 'upload__progress', max: '1', value: String(item.progress || 0), testid: 'attachment-progress', 'aria-label': t('files.uploading', { name }) })
      : null;
    item.el.className = `upload upload--${state}`;
    item.el.dataset.state = state;
    item.el.replaceChildren(
      item.preview && state !== 'failed'
        ? h('img', { class: 'upload__thumb', src: item.preview, alt: '' })
        : h('span', { class: 'upload__icon' }, icon(FILE_ICON)),
      h('span', { class: 'upload__text' },
        h('span', { class: 'upload__name', title: name }, name),
        state === 'failed'
          ? h('span', { class: 'upload__error', role: 'alert', testid: 'attachment-error' }, item.error)
          : h('span', { class: 'upload__size' }, formatSize(file.size)),
        item.bar),
      h('button', {
        type: 'button', class: 'upload__remove', testid: 'attachment-remove',
        'aria-label': t('files.remove', { name }), title: t('files.remove', { name }), onclick: () => remove(item),
      }, icon(ICONS.close)));
  }

  function fail(item, message) {
    item.state = 'failed';
    item.error = message || t('errors.unexpected');
    item.abort = null;
    draw(item);
    changed();
  }

  function add(file) {
    const item = { file, state: 'uploading', progress: 0 };
    if (/^image\/(jpeg|png|gif|webp)$/.test(file.type)) item.preview = URL.createObjectURL(file);
    item.el = h('li', { testid: 'attachment-chip' });
    items.push(item);
    el.append(item.el);
    if (items.filter((i) => i.state !== 'failed').length > MAX_FILES) {
      fail(item, t(tooMany, { max: MAX_FILES }));
      return;
    }
    const job = upload(path, file, (fraction) => {
      item.progress = fraction;
      if (item.bar) item.bar.value = fraction;
    });
    item.abort = job.abort;
    draw(item);
    changed();
    job.promise.then((attachment) => {
      item.state = 'ready';
      item.attachment = attachment;
      item.abort = null;
      draw(item);
      changed();
    }).catch((error) => {
      if (error.code === 'aborted') return;
      // «Too large» says what the limit is for this kind of file, when the server tells it.
      const limit = error.code === 'too_large' && error.params.limit_mb;
      fail(item, limit ? `${error.message} ${t('files.limit', { mb: limit })}` : error.message);
    });
  }

  return {
    el,
    /** Start uploading these files (a FileList or an array). */
    add(files) {
      for (const file of files) add(file);
    },
    /** The uploaded files, as the server described them, in the order they were chosen. */
    ready: () => items.filter((i) => i.state === 'ready').map((i) => i.attachment),
    uploading: () => items.some((i) => i.state === 'uploading'),
    /** The message went: its files leave the tray (refusals stay until removed). */
    clearSent() {
      for (const item of items.filter((i) => i.state === 'ready')) remove(item);
    },
    destroy() {
      for (const item of [...items]) remove(item);
    },
  };
}
