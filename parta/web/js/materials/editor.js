// Writing an article in the browser (/materials/new-article, /materials/:id/edit): Markdown,
// with a preview rendered and sanitized by the server exactly as it will be stored, shown in
// a sandboxed frame. Saving a changed text keeps the previous one as a version.

import { get, patch, post } from '../api.js';
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { field, form, submit } from '../forms.js';
import { navigate } from '../router.js';
import { session } from '../session.js';
import { busy, button, errorBox, pageHeader, toast } from '../ui.js';
import { libraryUrl } from './page.js';
import { audienceFields } from './upload.js';

export async function articleEditorView(ctx) {
  const editing = ctx.params.id ? await get(`/materials/${Number(ctx.params.id)}`) : null;
  const group = editing ? (editing.group && editing.group.id) : (ctx.query.group ? Number(ctx.query.group) : null);
  const folder = editing ? editing.folder_id : (ctx.query.folder ? Number(ctx.query.folder) : null);
  const preview = h('iframe', { class: 'mat-article mat-preview', sandbox: '', title: t('materials.preview'), testid: 'article-preview', hidden: true });
  const fields = [
    field({ name: 'title', label: t('materials.field_title'), required: true, maxlength: 200, value: editing ? editing.title : '', testid: 'article-title', wide: true }),
    field({ name: 'description', label: t('materials.field_description'), type: 'textarea', rows: 2, maxlength: 5000, value: editing ? editing.description : '', testid: 'article-description', wide: true }),
    field({ name: 'body', label: t('materials.article_text'), type: 'textarea', rows: 14, required: true, maxlength: 100000, value: editing ? editing.body || '' : '', hint: t('materials.markdown_hint'), testid: 'article-body', wide: true }),
  ];
  if (!editing && group) fields.push(field({ name: 'subject', label: t('materials.subject'), maxlength: 100, testid: 'article-subject' }));
  fields.push(audienceFields(editing || undefined));
  const el = form({
    testid: 'article-form', className: 'mat-form',
    fields,
    actions: [submit(editing ? t('common.save') : t('materials.publish'), 'article-save'),
      button(t('materials.preview'), (event) => busy(event.currentTarget, async () => {
        const answer = await post('/articles/preview', { body: el.elements.body.value });
        preview.setAttribute('srcdoc', answer.page);
        preview.hidden = false;
      }), { testid: 'article-preview-button' }),
      h('a', { href: editing ? `/materials/${editing.id}` : libraryUrl({ group, folder }), class: 'btn btn--ghost' }, t('common.cancel'))],
    async onsubmit(v) {
      const body = { title: v.title, description: v.description, body: el.elements.body.value, for_staff: v.for_staff, for_students: v.for_students, for_parents: v.for_parents };
      let saved;
      if (editing) {
        saved = await patch(`/materials/${editing.id}`, body);
      } else {
        saved = await post(`/orgs/${session.orgId}/articles`, { ...body, subject: v.subject || '', group_id: group, folder_id: folder });
      }
      toast(editing ? t('materials.saved') : t('materials.published'));
      navigate(`/materials/${saved.id}`);
    },
  });
  if (editing && !editing.can_edit) return errorBox({ message: t('materials.not_available') });
  return h('div', { class: 'stack stack--page', testid: 'article-editor' },
    pageHeader(editing ? t('materials.edit_article') : t('materials.new_article'), t('materials.editor_lead')),
    h('section', { class: 'card' }, el),
    h('section', { class: 'card' }, h('h2', { class: 'card__title' }, t('materials.preview')), preview));
}

