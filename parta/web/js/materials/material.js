// One material (/materials/:id): the video plays, the PDF opens in the browser's own viewer,
// a picture shows, an article reads (in a sandboxed frame: its HTML was sanitized on the
// server); «Проверено» for the administration, versions and editing for its publishers, and
// «Отправить в чат» for whoever reads it.

import { del, get, patch, post } from '../api.js';
import { h, replace } from '../dom.js';
import { formatDate, t } from '../i18n.js';
import { field, form, submit } from '../forms.js';
import { navigate } from '../router.js';
import { busy, button, cardTitled, confirmDialog, empty, errorBox, facts, pageHeader, personName, toast } from '../ui.js';
import { articleUrl, audience, fileUrl, shelfName, size, typeLabel, typeOf, verifiedMark } from './format.js';
import { libraryUrl } from './page.js';
import { onMaterials } from './store.js';
import { audienceFields, versionPanel } from './upload.js';

function viewer(m, version) {
  const type = typeOf(m);
  const title = m.title;
  if (type === 'article') {
    return h('iframe', { class: 'mat-article', src: articleUrl(m, version), sandbox: '', title, testid: 'material-article', referrerpolicy: 'no-referrer' });
  }
  const src = fileUrl(m, version);
  if (type === 'video') return h('video', { class: 'mat-video', src, controls: true, preload: 'metadata', playsinline: true, testid: 'material-video' });
  if (type === 'audio') return h('audio', { class: 'mat-audio', src, controls: true, preload: 'metadata', testid: 'material-audio' });
  if (type === 'photo') return h('img', { class: 'mat-photo', src, alt: title, testid: 'material-photo' });
  if (type === 'pdf') return h('iframe', { class: 'mat-pdf', src, title, testid: 'material-pdf' });
  return h('p', { class: 'muted' }, t('materials.no_preview'));
}

function shareForm(m) {
  const slot = h('div', { testid: 'material-share' });
  const open = async () => {
    const answer = await get('/chats');
    const chats = (answer.chats || []).filter((c) => c.capabilities && c.capabilities.can_post);
    if (!chats.length) {
      replace(slot, empty(t('materials.share_no_chats')));
      return;
    }
    replace(slot, form({
      testid: 'material-share-form', className: 'mat-inline-form',
      fields: [field({ name: 'chat', label: t('materials.share_to'), type: 'select', options: chats.map((c) => [c.id, c.title]), testid: 'material-share-chat' })],
      actions: [submit(t('materials.share_send'), 'material-share-send'), button(t('common.cancel'), () => replace(slot, opener), { kind: 'ghost' })],
      async onsubmit(v) {
        const sent = await post(`/materials/${m.id}/share`, { chat_id: Number(v.chat) });
        toast(t('materials.shared'));
        navigate(`/chats/${sent.chat_id}`);
      },
    }));
  };
  const opener = button(t('materials.share'), (event) => busy(event.currentTarget, open), { testid: 'material-share-open' });
  replace(slot, opener);
  return slot;
}

function editForm(m, done) {
  return form({
    testid: 'material-edit-form', className: 'mat-form',
    fields: [
      field({ name: 'title', label: t('materials.field_title'), required: true, maxlength: 200, value: m.title, testid: 'material-edit-title', wide: true }),
      field({ name: 'description', label: t('materials.field_description'), type: 'textarea', rows: 2, maxlength: 5000, value: m.description, wide: true }),
      audienceFields(m),
    ],
    actions: [submit(t('common.save'), 'material-edit-save'), button(t('common.cancel'), () => done(false), { kind: 'ghost' })],
    async onsubmit(v) {
      await patch(`/materials/${m.id}`, v);
      toast(t('materials.saved'));
      done(true);
    },
  });
}

function versionsCard(m, reload) {
  const holder = h('div', { testid: 'material-versions' }, h('p', { class: 'muted' }, t('common.loading')));
  get(`/materials/${m.id}/versions`).then((answer) => {
    replace(holder, h('ol', { class: 'list mat-versions' }, answer.versions.map((v) => {
      const current = v.id === answer.current_version_id;
      const open = typeOf(m) === 'article'
        ? h('a', { href: articleUrl(m, v.id), target: '_blank', rel: 'noopener', class: 'btn btn--ghost btn--small' }, t('materials.version_open'))
        : h('a', { href: fileUrl(m, v.id), target: '_blank', rel: 'noopener', class: 'btn btn--ghost btn--small' }, t('materials.version_open'));
      return h('li', { class: 'list-item', testid: 'material-version' },
        h('div', { class: 'list-item__main' },
          h('p', { class: 'list-item__title' }, t('materials.version_n', { n: v.number }), current ? h('span', { class: 'chip' }, t('materials.version_current')) : null),
          h('p', { class: 'muted small' }, personName(v.created_by), ' · ', formatDate(v.created_at),
            v.restored_from ? ` · ${t('materials.version_restored', { n: v.restored_from })}` : '',
            v.file ? ` · ${v.file.name} · ${size(v.file.size)}` : '')),
        h('div', { class: 'row row--wrap' }, open,
          current ? null : button(t('materials.version_restore'), (event) => busy(event.currentTarget, async () => {
            await post(`/materials/${m.id}/versions/${v.id}/restore`);
            await reload();
          }, { ok: t('materials.version_restored_toast') }), { small: true, testid: 'material-version-restore' })));
    })));
  }).catch((error) => replace(holder, errorBox(error)));
  return cardTitled(t('materials.versions'), holder);
}

function actionsRow(m, { reload, slot }) {
  const items = [h('a', { href: fileUrl(m), class: 'btn btn--secondary', download: '', testid: 'material-download', hidden: m.kind !== 'file' }, t('materials.download'))];
  if (m.can_verify) {
    items.push(button(m.verified ? t('materials.unverify') : t('materials.verify'), (event) => busy(event.currentTarget, async () => {
      await post(`/materials/${m.id}/verify`, { verified: !m.verified });
      await reload();
    }, { ok: m.verified ? t('materials.unverified_toast') : t('materials.verified_toast') }), { kind: m.verified ? 'ghost' : 'primary', testid: 'material-verify' }));
  }
  if (m.can_edit) {
    if (m.kind === 'article') items.push(h('a', { href: `/materials/${m.id}/edit`, class: 'btn btn--secondary', testid: 'material-edit' }, t('materials.edit_article')));
    items.push(button(t('materials.edit'), () => replace(slot, editForm(m, (changed) => (changed ? reload() : replace(slot)))), { testid: 'material-edit-meta' }));
    if (m.kind === 'file') {
      items.push(button(t('materials.new_version'), () => replace(slot, versionPanel(m, { onDone: reload, onCancel: () => replace(slot) })), { testid: 'material-new-version' }));
    }
    items.push(button(t('materials.delete'), async (event) => {
      if (!(await confirmDialog(t('materials.delete_confirm', { title: m.title }), { confirmLabel: t('materials.delete') }))) return;
      await busy(event.currentTarget, async () => {
        await del(`/materials/${m.id}`);
        navigate(libraryUrl({ group: m.group ? m.group.id : null, folder: m.folder_id }));
      }, { ok: t('materials.deleted') });
    }, { kind: 'danger-ghost', testid: 'material-delete' }));
  }
  return h('div', { class: 'row row--wrap mat-actions' }, items);
}

export async function materialView(ctx) {
  const id = Number(ctx.params.id);
  const holder = h('div', { class: 'stack', testid: 'material-page' });
  async function reload() {
    try {
      const m = await get(`/materials/${id}`);
      const type = typeOf(m);
      const slot = h('div', {});
      const file = m.version.file;
      replace(holder,
        h('p', {}, h('a', { href: libraryUrl({ group: m.group ? m.group.id : null, folder: m.folder_id }), class: 'back-link', testid: 'material-back' }, '← ', shelfName(m.group))),
        pageHeader(m.title, m.description || null),
        m.verified ? h('p', {}, verifiedMark()) : null,
        h('section', { class: 'card mat-viewer' }, viewer(m)),
        actionsRow(m, { reload, slot }),
        slot,
        h('section', { class: 'card' }, facts([
          [t('materials.fact_type'), typeLabel(type)],
          [t('materials.fact_shelf'), shelfName(m.group)],
          [t('materials.subject'), m.subject],
          [t('materials.audience_title'), audience(m)],
          [t('materials.fact_author'), personName(m.created_by)],
          [t('materials.fact_updated'), formatDate(m.updated_at)],
          [t('materials.fact_file'), file ? `${file.name} · ${size(file.size)}` : null],
          [t('materials.fact_version'), String(m.version.number)],
          [t('materials.verified'), m.verified ? h('span', {}, personName(m.verified_by), ' · ', formatDate(m.verified_at)) : null],
        ])),
        shareForm(m),
        m.can_edit ? versionsCard(m, reload) : null);
    } catch (error) {
      replace(holder, error.status === 404 ? errorBox({ message: t('materials.not_available') }) : errorBox(error),
        h('p', {}, h('a', { href: '/materials', class: 'back-link', testid: 'material-back' }, '← ', t('materials.title'))));
    }
  }
  await reload();
  ctx.onLeave(onMaterials((event) => {
    if ((!event || event.material_id === id) && !holder.querySelector('form')) reload(); // not under a form being filled in
  }));
  return h('div', { class: 'stack stack--page' }, holder);
}
