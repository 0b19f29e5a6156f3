// «Импорт списков» (R8, R9): the XLSX template, uploading the school's roster (a OneRoster zip
// or the filled template, by the file picker or by dropping it on the page), and the history
// of imports. An upload becomes a preview on its own page; nothing is written before applying.

import { get, upload } from '../api.js';
import { h, icon, replace } from '../dom.js';
import { formatDate, t } from '../i18n.js';
import { navigate } from '../router.js';
import { orgPath } from '../session.js';
import { cardTitled, empty, errorBox, pageHeader, table } from '../ui.js';
import { countsLine, kindLabel, statusChip, unreadableList } from '../roster/import_items.js';

const MAX_MB = 20;
const UPLOAD_ICON = ['M12 16V4', 'M7 9l5-5 5 5', 'M4 16v3a1 1 0 0 0 1 1h14a1 1 0 0 0 1-1v-3'];
const DOWNLOAD_ICON = ['M12 4v12', 'M7 11l5 5 5-5', 'M4 20h16'];
const ACCEPT = '.zip,.xlsx,application/zip,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

function templateCard() {
  return cardTitled(t('roster.template_title'), h('div', { class: 'stack' },
    h('p', {}, t('roster.template_text')),
    h('ul', { class: 'plain-list hint' },
      h('li', {}, t('roster.template_sheet_list')),
      h('li', {}, t('roster.template_sheet_help')),
      h('li', {}, t('roster.template_oneroster'))),
    h('div', {}, h('a', {
      href: `/api/v1${orgPath('/roster/template')}`, download: '', class: 'btn btn--secondary', testid: 'roster-template',
    }, icon(DOWNLOAD_ICON), t('roster.template_download')))));
}

function uploadCard() {
  const inputId = 'roster-file-input';
  const input = h('input', {
    type: 'file', id: inputId, class: 'dropzone__input', accept: ACCEPT, testid: 'roster-file',
    'aria-describedby': 'roster-file-hint',
  });
  const zone = h('label', { for: inputId, class: 'dropzone', testid: 'roster-dropzone' },
    h('span', { class: 'dropzone__icon', 'aria-hidden': 'true' }, icon(UPLOAD_ICON)),
    h('span', { class: 'dropzone__title' }, t('roster.drop_title')),
    h('span', { class: 'dropzone__hint', id: 'roster-file-hint' }, t('roster.drop_hint', { mb: MAX_MB })));
  const bar = h('progress', { class: 'progress', max: '1', value: '0', 'aria-label': t('roster.uploading') });
  const state = h('div', { class: 'stack', 'aria-live': 'polite' });
  let job = null;

  const send = (file) => {
    if (!file || job) return;
    if (file.size > MAX_MB * 1024 * 1024) {
      replace(state, errorBox({ message: t('roster.too_big', { mb: MAX_MB }) }, 'roster-upload-error'));
      return;
    }
    bar.value = 0;
    replace(state, h('p', { class: 'row row--wrap', testid: 'roster-uploading' },
      h('span', { class: 'spinner', 'aria-hidden': 'true' }), t('roster.uploading_file', { name: file.name })), bar);
    zone.classList.add('is-busy');
    input.disabled = true;
    job = upload(orgPath('/roster/imports'), file, (fraction) => { bar.value = fraction; });
    job.promise
      .then((answer) => navigate(`/admin/roster/${answer.id}`))
      .catch((error) => {
        if (error.code === 'aborted') return;
        replace(state, h('div', { class: 'stack' }, errorBox(error, 'roster-upload-error'), unreadableList(error)));
      })
      .finally(() => {
        job = null;
        zone.classList.remove('is-busy');
        input.disabled = false;
        input.value = '';
      });
  };

  input.addEventListener('change', () => send(input.files && input.files[0]));
  for (const type of ['dragenter', 'dragover']) {
    zone.addEventListener(type, (event) => {
      event.preventDefault();
      zone.classList.add('is-over');
    });
  }
  for (const type of ['dragleave', 'dragend']) zone.addEventListener(type, () => zone.classList.remove('is-over'));
  zone.addEventListener('drop', (event) => {
    event.preventDefault();
    zone.classList.remove('is-over');
    const files = event.dataTransfer && event.dataTransfer.files;
    if (files && files.length > 1) {
      replace(state, errorBox({ message: t('roster.one_file') }, 'roster-upload-error'));
      return;
    }
    send(files && files[0]);
  });
  return {
    el: cardTitled(t('roster.upload_title'), h('div', { class: 'stack' },
      h('p', { class: 'hint' }, t('roster.upload_text')), input, zone, state)),
    abort: () => job && job.abort(),
  };
}

async function historyCard() {
  const holder = h('div', {});
  try {
    const imports = (await get(orgPath('/roster/imports'))).imports || [];
    replace(holder, imports.length ? table([
      { label: t('roster.col.date'), cell: (i) => formatDate(i.created_at) },
      { label: t('roster.col.file_name'), cell: (i) => h('a', { href: `/admin/roster/${i.id}`, testid: 'roster-history-open' }, i.file_name) },
      { label: t('roster.col.kind'), cell: (i) => kindLabel(i.kind) },
      { label: t('roster.col.status'), cell: (i) => statusChip(i.status) },
      { label: t('roster.col.summary'), cell: (i) => countsLine(i.counts) },
    ], imports, { testid: 'roster-history', rowTestid: () => 'roster-history-row' }) : empty(t('roster.no_history')));
  } catch (error) {
    replace(holder, errorBox(error));
  }
  return cardTitled(t('roster.history_title'), holder);
}

export async function rosterImportsView(ctx) {
  const uploader = uploadCard();
  ctx.onLeave(uploader.abort);
  return h('div', { class: 'stack stack--page', testid: 'roster-page' },
    pageHeader(t('roster.title'), t('roster.lead')),
    h('div', { class: 'grid-2 grid-2--tight' }, uploader.el, templateCard()),
    await historyCard());
}
