// The materials library (/materials): the school's shelf and the shelves of the person's
// classes, folders within folders, files and articles as a list or a grid, the «Проверено»
// filter and a search by word forms. Publishers get folders to make, rename, move and delete,
// an upload with progress and the article editor.

import { del, get, patch, post } from '../api.js';
import { h, replace } from '../dom.js';
import { t, tn } from '../i18n.js';
import { field, form, submit } from '../forms.js';
import { navigate } from '../router.js';
import { session } from '../session.js';
import { busy, button, confirmDialog, empty, errorBox, pageHeader, toast } from '../ui.js';
import { FOLDER, shelfName, size, thumbUrl, typeIcon, typeLabel, typeOf, verifiedMark } from './format.js';
import { onMaterials } from './store.js';
import { uploadPanel } from './upload.js';

const LAYOUT_KEY = 'parta.materials.layout';

/** The library's address for a place in it (a shelf, a folder, a search, the filter). */
export function libraryUrl({ group, folder, q, verified } = {}) {
  const search = new URLSearchParams();
  if (group) search.set('group', String(group));
  if (folder) search.set('folder', String(folder));
  if (q) search.set('q', q);
  if (verified) search.set('verified', '1');
  const text = search.toString();
  return `/materials${text ? `?${text}` : ''}`;
}

function shelvesNav(lib, here) {
  return h('nav', { class: 'mat-shelves', 'aria-label': t('materials.shelves') },
    lib.shelves.map((s) => {
      const group = s.group ? s.group.id : null;
      const current = !lib.query && group === (lib.shelf.group ? lib.shelf.group.id : null);
      return h('a', {
        href: libraryUrl({ group, verified: here.verified }), class: ['mat-shelf', current && 'is-current'],
        'aria-current': current ? 'page' : null, testid: 'material-shelf',
      }, shelfName(s.group));
    }));
}

function toolbar(here, layout, setLayout) {
  const search = h('form', { class: 'mat-search', role: 'search', testid: 'material-search' },
    h('label', { class: 'visually-hidden', for: 'mat-q' }, t('materials.search')),
    h('input', { id: 'mat-q', name: 'q', type: 'search', class: 'input', value: here.q || '', placeholder: t('materials.search_placeholder'), maxlength: 200, testid: 'material-search-input' }),
    h('button', { type: 'submit', class: 'btn btn--secondary', testid: 'material-search-submit' }, t('materials.find')));
  search.addEventListener('submit', (event) => {
    event.preventDefault();
    const q = search.elements.q.value.trim();
    navigate(libraryUrl({ ...here, q, folder: q ? null : here.folder }));
  });
  const verified = h('label', { class: 'check mat-filter' },
    h('input', { type: 'checkbox', class: 'checkbox', checked: Boolean(here.verified), testid: 'material-verified-filter',
      onchange: (event) => navigate(libraryUrl({ ...here, verified: event.currentTarget.checked })) }),
    h('span', {}, t('materials.only_verified')));
  const toggle = (value, label) => h('button', {
    type: 'button', class: ['btn', 'btn--ghost', 'btn--small', layout === value && 'is-current'], 'aria-pressed': String(layout === value),
    testid: `material-layout-${value}`, dataset: { layout: value },
    onclick: (event) => {
      for (const b of event.currentTarget.parentElement.children) {
        b.classList.toggle('is-current', b.dataset.layout === value);
        b.setAttribute('aria-pressed', String(b.dataset.layout === value));
      }
      setLayout(value);
    },
  }, label);
  return h('div', { class: 'mat-toolbar' }, search, verified,
    h('div', { class: 'mat-layout', role: 'group', 'aria-label': t('materials.layout') }, toggle('list', t('materials.as_list')), toggle('grid', t('materials.as_grid'))));
}

function crumbs(lib, here) {
  if (lib.query) return null;
  const group = lib.shelf.group ? lib.shelf.group.id : null;
  const parts = [h('a', { href: libraryUrl({ group, verified: here.verified }) }, shelfName(lib.shelf.group))];
  for (const f of lib.path) parts.push(' / ', h('a', { href: libraryUrl({ group, folder: f.id, verified: here.verified }) }, f.name));
  if (lib.folder) parts.push(' / ', h('span', { 'aria-current': 'page' }, lib.folder.name));
  return h('p', { class: 'mat-crumbs', testid: 'material-crumbs' }, parts);
}

function folderForm({ label, value = '', onsave, oncancel }) {
  return form({
    testid: 'folder-form', className: 'mat-inline-form',
    fields: [field({ name: 'name', label, required: true, maxlength: 120, value, testid: 'folder-name' })],
    actions: [submit(t('common.save'), 'folder-save'), button(t('common.cancel'), oncancel, { kind: 'ghost' })],
    onsubmit: (v) => onsave(v.name),
  });
}

function moveChoices(lib, folder) {
  const choices = [['', t('materials.move_top')]];
  if (lib.folder && lib.path.length) choices.push([String(lib.path[lib.path.length - 1].id), lib.path[lib.path.length - 1].name]);
  for (const f of lib.folders) if (f.id !== folder.id) choices.push([String(f.id), f.name]);
  return choices;
}

function folderItem(folder, lib, here, reload) {
  const group = lib.shelf.group ? lib.shelf.group.id : null;
  const slot = h('div', {});
  const item = h('li', { class: 'mat-item mat-item--folder', testid: 'material-folder' },
    h('a', { href: libraryUrl({ group, folder: folder.id, verified: here.verified }), class: 'mat-item__link' },
      typeIcon(FOLDER), h('span', { class: 'mat-item__title', testid: 'material-folder-name' }, folder.name)),
    slot);
  if (!folder.can_manage) return item;
  const actions = h('div', { class: 'mat-item__actions' },
    button(t('materials.rename'), () => replace(slot, folderForm({
      label: t('materials.folder_name'), value: folder.name, oncancel: () => replace(slot, actions),
      onsave: async (name) => { await patch(`/material-folders/${folder.id}`, { name }); await reload(); },
    })), { small: true, kind: 'ghost', testid: 'folder-rename' }),
    button(t('materials.move'), () => {
      const el = form({
        testid: 'folder-move-form', className: 'mat-inline-form',
        fields: [field({ name: 'to', label: t('materials.move_to'), type: 'select', options: moveChoices(lib, folder), testid: 'folder-move-to' })],
        actions: [submit(t('materials.move'), 'folder-move-save'), button(t('common.cancel'), () => replace(slot, actions), { kind: 'ghost' })],
        async onsubmit(v) {
          await patch(`/material-folders/${folder.id}`, v.to ? { parent_id: Number(v.to) } : { to_top: true });
          await reload();
        },
      });
      replace(slot, el);
    }, { small: true, kind: 'ghost', testid: 'folder-move' }),
    button(t('materials.delete'), (event) => deleteFolder(event.currentTarget, folder, reload), { small: true, kind: 'danger-ghost', testid: 'folder-delete' }));
  replace(slot, actions);
  return item;
}

async function deleteFolder(target, folder, reload) {
  if (!(await confirmDialog(t('materials.folder_delete_confirm', { name: folder.name }), { confirmLabel: t('materials.delete') }))) return;
  const gone = await busy(target, async () => {
    try {
      await del(`/material-folders/${folder.id}`);
    } catch (error) {
      if (error.code !== 'folder_not_empty') throw error;
      if (!(await confirmDialog(error.message, { confirmLabel: t('materials.delete_all') }))) return false;
      await del(`/material-folders/${folder.id}?confirm=true`);
    }
    await reload();
    return true;
  });
  if (gone) toast(t('materials.deleted'));
}

function materialItem(m) {
  const type = typeOf(m);
  const file = m.version.file;
  const picture = file && file.thumbnail
    ? h('img', { src: thumbUrl(m), alt: '', class: 'mat-item__thumb', loading: 'lazy', width: 64, height: 64 })
    : typeIcon(type);
  return h('li', { class: 'mat-item', testid: 'material-item', dataset: { materialId: String(m.id), type } },
    h('a', { href: `/materials/${m.id}`, class: 'mat-item__link' },
      picture,
      h('span', { class: 'mat-item__text' },
        h('span', { class: 'mat-item__title', testid: 'material-title' }, m.title),
        h('span', { class: 'muted small' }, [typeLabel(type), file ? size(file.size) : null, m.subject || null,
          m.group ? m.group.name : null].filter(Boolean).join(' · ')),
        m.description ? h('span', { class: 'mat-item__desc small' }, m.description) : null),
      m.verified ? verifiedMark() : null));
}

function publishBar(lib, here, reload) {
  if (!lib.shelf.can_publish || lib.query) return null;
  const group = lib.shelf.group ? lib.shelf.group.id : null;
  const slot = h('div', {});
  const newFolder = () => replace(slot, folderForm({
    label: t('materials.folder_name'), oncancel: () => replace(slot),
    onsave: async (name) => {
      await post(`/orgs/${session.orgId}/material-folders`, { name, group_id: group, parent_id: lib.folder ? lib.folder.id : null });
      toast(t('materials.folder_created'));
      replace(slot);
      await reload();
    },
  }));
  const upload = () => replace(slot, uploadPanel(lib, { onDone: async () => { replace(slot); await reload(); }, onCancel: () => replace(slot) }));
  const articleHref = `/materials/new-article?${new URLSearchParams({ ...(group ? { group } : {}), ...(lib.folder ? { folder: lib.folder.id } : {}) })}`;
  return h('section', { class: 'card mat-publish', testid: 'material-publish' },
    h('div', { class: 'row row--wrap' },
      button(t('materials.new_folder'), newFolder, { testid: 'material-new-folder' }),
      button(t('materials.upload'), upload, { kind: 'primary', testid: 'material-upload' }),
      h('a', { href: articleHref, class: 'btn btn--secondary', testid: 'material-new-article' }, t('materials.new_article'))),
    slot);
}

export async function libraryView(ctx) {
  const here = {
    group: ctx.query.group ? Number(ctx.query.group) : null, folder: ctx.query.folder ? Number(ctx.query.folder) : null,
    q: ctx.query.q || '', verified: ctx.query.verified === '1',
  };
  let layout = localStorage.getItem(LAYOUT_KEY) === 'grid' ? 'grid' : 'list';
  const holder = h('div', { class: 'stack', testid: 'library' });
  async function reload() {
    try {
      const params = new URLSearchParams();
      if (here.group) params.set('group_id', here.group);
      if (here.folder) params.set('folder_id', here.folder);
      if (here.verified) params.set('verified', 'true');
      if (here.q) params.set('q', here.q);
      const lib = await get(`/orgs/${session.orgId}/library?${params}`);
      const setLayout = (value) => {
        layout = value;
        localStorage.setItem(LAYOUT_KEY, value);
        const list = holder.querySelector('.mat-list');
        if (list) list.classList.toggle('mat-list--grid', value === 'grid');
      };
      const items = [...lib.folders.map((f) => folderItem(f, lib, here, reload)), ...lib.materials.map(materialItem)];
      // A redraw (someone published, or the stream came back) keeps a search being typed.
      const typing = holder.querySelector('#mat-q');
      const draft = typing ? typing.value : null;
      const focused = typing !== null && document.activeElement === typing;
      replace(holder,
        shelvesNav(lib, here),
        toolbar(here, layout, setLayout),
        lib.query ? h('p', { class: 'mat-found', testid: 'material-found' }, tn('materials.found', lib.materials.length, { q: lib.query })) : crumbs(lib, here),
        publishBar(lib, here, reload),
        items.length
          ? h('ul', { class: ['mat-list', layout === 'grid' && 'mat-list--grid'], testid: 'material-list' }, items)
          : empty(lib.query ? t('materials.nothing_found') : t('materials.empty')));
      const box = holder.querySelector('#mat-q');
      if (box && draft !== null && draft !== (here.q || '')) box.value = draft;
      if (box && focused) box.focus();
    } catch (error) {
      replace(holder, errorBox(error));
    }
  }
  await reload();
  // A change elsewhere redraws the shelf, but not under a form being filled in (its own
  // saving redraws it).
  ctx.onLeave(onMaterials(() => { if (!holder.querySelector('form.mat-inline-form, form.mat-form')) reload(); }));
  return h('div', { class: 'stack stack--page', testid: 'materials-page' },
    pageHeader(t('materials.title'), t('materials.lead')),
    holder);
}
