// Uploading a file to a shelf of the library: what it is called, for whom, for which subject,
// with the upload's progress and a way to stop it. Also a new version of a file.

import { upload } from '../api.js';
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { field, form, showErrors, submit } from '../forms.js';
import { session } from '../session.js';
import { button, toast } from '../ui.js';

/** The progress bar and the file's chooser, shared by a new material and a new version. */
function fileParts() {
  const input = h('input', { type: 'file', name: 'file', id: `mat-file-${Date.now()}`, class: 'input', required: true, testid: 'material-file' });
  const bar = h('progress', { class: 'mat-progress', max: 100, value: 0, hidden: true, testid: 'material-progress' });
  const label = h('span', { class: 'muted small', 'aria-live': 'polite' });
  const chooser = h('div', { class: 'field field--wide' },
    h('label', { for: input.id, class: 'label' }, t('materials.file'), h('span', { class: 'req', 'aria-hidden': 'true' }, ' *')),
    input, h('p', { class: 'field-error', 'data-error-for': 'file', hidden: true }));
  const progress = (fraction) => {
    bar.hidden = false;
    bar.value = Math.round(fraction * 100);
    label.textContent = t('materials.uploading', { percent: Math.round(fraction * 100) });
  };
  return { input, chooser, bar, label, progress };
}

async function send(el, parts, path, fields, onSent) {
  const file = parts.input.files && parts.input.files[0];
  if (!file) {
    showErrors(el, { message: t('materials.choose_file'), fields: { file: t('materials.choose_file') } });
    return;
  }
  const job = upload(path, file, parts.progress, fields);
  el.abort = job.abort;
  try {
    await onSent(await job.promise);
  } catch (error) {
    if (error.code === 'aborted') toast(t('materials.upload_stopped'), 'error');
    else throw error;
  } finally {
    el.abort = null;
    parts.bar.hidden = true;
    parts.label.textContent = '';
  }
}

export function uploadPanel(lib, { onDone, onCancel }) {
  const group = lib.shelf.group ? lib.shelf.group.id : null;
  const parts = fileParts();
  const subjects = lib.shelf.subjects || [];
  const subjectField = !group ? null : subjects.length
    ? field({ name: 'subject', label: t('materials.subject'), type: 'select', options: subjects.map((s) => [s, s]), value: subjects[0], testid: 'material-subject' })
    : field({ name: 'subject', label: t('materials.subject'), maxlength: 100, testid: 'material-subject' });
  const el = form({
    testid: 'material-upload-form', className: 'mat-form',
    fields: [
      parts.chooser,
      field({ name: 'title', label: t('materials.field_title'), required: true, maxlength: 200, testid: 'material-title-input', wide: true }),
      field({ name: 'description', label: t('materials.field_description'), type: 'textarea', rows: 2, maxlength: 5000, testid: 'material-description', wide: true }),
      subjectField,
      audienceFields(),
    ],
    actions: [submit(t('materials.upload_send'), 'material-upload-send'),
      button(t('common.cancel'), () => { if (el.abort) el.abort(); onCancel(); }, { kind: 'ghost', testid: 'material-upload-cancel' }),
      parts.bar, parts.label],
    async onsubmit(v) {
      const fields = {
        title: v.title, description: v.description, subject: v.subject || '', group_id: group || '',
        folder_id: lib.folder ? lib.folder.id : '', for_staff: v.for_staff, for_students: v.for_students, for_parents: v.for_parents,
      };
      await send(el, parts, `/orgs/${session.orgId}/materials`, fields, async () => {
        toast(t('materials.uploaded'));
        await onDone();
      });
    },
  });
  parts.input.addEventListener('change', () => {
    const file = parts.input.files && parts.input.files[0];
    if (file && !el.elements.title.value) el.elements.title.value = file.name.replace(/\.[^.]+$/, '');
  });
  return h('div', { class: 'mat-panel' }, h('h2', { class: 'card__title' }, t('materials.upload_title')), el);
}

/** Who may read it: three boxes, all ticked for a new material. */
export function audienceFields(m = { for_staff: true, for_students: true, for_parents: true }) {
  return h('fieldset', { class: 'mat-audience field--wide' },
    h('legend', { class: 'label' }, t('materials.audience_title')),
    field({ name: 'for_staff', label: t('materials.audience.staff'), type: 'checkbox', value: m.for_staff, testid: 'material-for-staff' }),
    field({ name: 'for_students', label: t('materials.audience.students'), type: 'checkbox', value: m.for_students, testid: 'material-for-students' }),
    field({ name: 'for_parents', label: t('materials.audience.parents'), type: 'checkbox', value: m.for_parents, testid: 'material-for-parents' }));
}

/** A new version of a file material. */
export function versionPanel(m, { onDone, onCancel }) {
  const parts = fileParts();
  const el = form({
    testid: 'material-version-form', className: 'mat-form',
    fields: [parts.chooser],
    actions: [submit(t('materials.version_send'), 'material-version-send'),
      button(t('common.cancel'), () => { if (el.abort) el.abort(); onCancel(); }, { kind: 'ghost' }), parts.bar, parts.label],
    async onsubmit() {
      await send(el, parts, `/materials/${m.id}/versions`, {}, async (answer) => {
        toast(t('materials.version_added'));
        await onDone(answer);
      });
    },
  });
  return el;
}
