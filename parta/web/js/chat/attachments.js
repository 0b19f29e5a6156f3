// Files in a message: photos as thumbnails that open full size in an overlay, audio and video
// with the browser's own players, documents as a row to download.

import { h, icon, ICONS } from '../dom.js';
import { t } from '../i18n.js';
import { formatSize } from './format.js';
import { FILE_ICON } from './uploads.js';

const THUMB_SIDE = 320; // the server's thumbnails fit in this square
const DOWNLOAD = ['M12 4v11', 'M7 10l5 5 5-5', 'M5 20h14'];
const PREV = ['M15 5l-7 7 7 7'];
const NEXT = ['M9 5l7 7-7 7'];

/** Width and height attributes for a thumbnail, so its place is kept before it loads. */
function thumbSize(a) {
  if (!a.width || !a.height) return {};
  const scale = Math.min(1, THUMB_SIDE / Math.max(a.width, a.height));
  return { width: String(Math.round(a.width * scale)), height: String(Math.round(a.height * scale)) };
}

/**
 * The full photo over the page. A native modal <dialog>: the focus stays inside, Escape closes
 * it, and the focus goes back to the thumbnail that opened it.
 */
export function openPhoto(photos, start = 0) {
  let index = start;
  const image = h('img', { class: 'viewer__image', testid: 'viewer-image', alt: '' });
  const caption = h('p', { class: 'viewer__caption', id: 'viewer-caption' });
  const download = h('a', { class: 'viewer__btn', download: '', testid: 'viewer-download', 'aria-label': t('files.download'), title: t('files.download') }, icon(DOWNLOAD));
  const dialog = h('dialog', { class: 'viewer', testid: 'photo-viewer', 'aria-labelledby': 'viewer-caption' });
  const close = () => {
    dialog.close();
    dialog.remove();
  };
  const show = (i) => {
    index = (i + photos.length) % photos.length;
    const photo = photos[index];
    image.src = photo.url;
    image.alt = photo.name || t('files.photo');
    download.href = photo.url;
    download.setAttribute('download', photo.name || '');
    caption.textContent = photos.length > 1
      ? t('files.photo_n', { name: photo.name || t('files.photo'), n: index + 1, total: photos.length })
      : photo.name || t('files.photo');
  };
  const step = (delta) => h('button', {
    type: 'button', class: 'viewer__btn viewer__step', 'aria-label': delta < 0 ? t('files.previous') : t('files.next'),
    onclick: () => show(index + delta),
  }, icon(delta < 0 ? PREV : NEXT));
  dialog.append(
    h('div', { class: 'viewer__bar' }, caption, download,
      h('button', { type: 'button', class: 'viewer__btn', testid: 'viewer-close', autofocus: true, 'aria-label': t('files.close_viewer'), title: t('files.close_viewer'), onclick: close }, icon(ICONS.close))),
    h('div', { class: 'viewer__stage' }, photos.length > 1 ? step(-1) : null, image, photos.length > 1 ? step(1) : null));
  dialog.addEventListener('cancel', (event) => {
    event.preventDefault();
    close();
  });
  dialog.addEventListener('click', (event) => {
    if (event.target === dialog || event.target.classList.contains('viewer__stage')) close();
  });
  dialog.addEventListener('keydown', (event) => {
    if (photos.length > 1 && event.key === 'ArrowLeft') show(index - 1);
    else if (photos.length > 1 && event.key === 'ArrowRight') show(index + 1);
  });
  show(index);
  document.body.append(dialog);
  dialog.showModal();
}

function photoGrid(photos) {
  return h('div', { class: ['msg__photos', photos.length > 1 && 'msg__photos--grid'] }, photos.map((a, i) => h('button', {
    type: 'button', class: 'msg__photo', testid: 'attachment-photo', 'aria-label': t('files.open_photo', { name: a.name }),
    onclick: () => openPhoto(photos, i),
  }, h('img', { src: a.thumb_url || a.url, alt: a.name || t('files.photo'), loading: 'lazy', decoding: 'async', ...thumbSize(a) }))));
}

/** A file as a row to download (a message's document, an instruction's file). */
export function fileRow(a, testid = 'attachment-file') {
  return h('a', { class: 'msg__file', href: a.url, download: a.name || '', testid, title: t('files.download') },
    h('span', { class: 'msg__file-icon' }, icon(FILE_ICON)),
    h('span', { class: 'msg__file-text' },
      h('span', { class: 'msg__file-name' }, a.name || t('files.unnamed')),
      h('span', { class: 'msg__file-size' }, formatSize(a.size))),
    h('span', { class: 'msg__file-download' }, icon(DOWNLOAD, t('files.download'))));
}

function player(a) {
  const media = a.kind === 'audio'
    ? h('audio', { controls: true, preload: 'metadata', src: a.url, testid: 'attachment-audio', 'aria-label': a.name })
    : h('video', { controls: true, preload: 'metadata', src: a.url, testid: 'attachment-video', 'aria-label': a.name, playsinline: true, ...thumbSize(a) });
  return h('figure', { class: `msg__media msg__media--${a.kind}` }, media,
    h('figcaption', { class: 'msg__media-name' }, h('a', { href: a.url, download: a.name || '' }, a.name || t('files.unnamed')),
      ` · ${formatSize(a.size)}`));
}

/** The files of a message, grouped: photos first (one grid), then players, then documents. */
export function attachmentsEl(list) {
  if (!list || !list.length) return null;
  const photos = list.filter((a) => a.kind === 'photo');
  const media = list.filter((a) => a.kind === 'audio' || a.kind === 'video');
  const docs = list.filter((a) => !['photo', 'audio', 'video'].includes(a.kind));
  return h('div', { class: 'msg__files', testid: 'message-files' },
    photos.length ? photoGrid(photos) : null,
    media.map(player),
    docs.map((a) => fileRow(a)));
}
