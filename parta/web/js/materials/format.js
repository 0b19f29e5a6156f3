// How a material is shown wherever it appears: its type icon and word, its size, the
// «Проверено» badge, where it lies (the school's shelf or a class's).

import { h, icon } from '../dom.js';
import { t } from '../i18n.js';

const PATHS = {
  folder: ['M3 6.5h6l2 2h10v10.5H3z'],
  article: ['M6 3h9l4 4v14H6z', 'M9 11h7', 'M9 15h7', 'M9 7h3'],
  pdf: ['M6 3h9l4 4v14H6z', 'M14 3v5h5', 'M9 14h6', 'M9 17h4'],
  document: ['M6 3h9l4 4v14H6z', 'M14 3v5h5'],
  video: ['M3 6h13v12H3z', 'M16 10l5-3v10l-5-3'],
  audio: ['M9 18V6l10-2v12', 'M9 18a3 3 0 1 1-3-3h3', 'M19 16a3 3 0 1 1-3-3h3'],
  photo: ['M3 5h18v14H3z', 'M3 16l5-5 4 4 3-3 6 6', 'M15 9h.01'],
  verified: ['M12 3l7 3v6c0 4.5-3 7.5-7 9-4-1.5-7-4.5-7-9V6z', 'M8.5 12l2.5 2.5 4.5-5'],
};

/** The kind of a material as the person sees it: article, pdf, video, audio, photo, document. */
export function typeOf(material) {
  if (material.kind === 'article') return 'article';
  const file = (material.version && material.version.file) || {};
  if (file.mime === 'application/pdf') return 'pdf';
  return ['video', 'audio', 'photo'].includes(file.kind) ? file.kind : 'document';
}

export function typeIcon(type) {
  return h('span', { class: ['mat-icon', `mat-icon--${type}`], 'aria-hidden': 'true' }, icon(PATHS[type] || PATHS.document));
}

export function typeLabel(type) {
  return t(`materials.types.${type}`);
}

export function verifiedMark() {
  return h('span', { class: 'mat-verified', testid: 'material-verified', title: t('materials.verified_hint') },
    icon(PATHS.verified), h('span', {}, t('materials.verified')));
}

export function size(bytes) {
  if (bytes >= 1024 * 1024) return t('materials.size_mb', { n: (bytes / 1024 / 1024).toFixed(1) });
  return t('materials.size_kb', { n: Math.max(1, Math.round(bytes / 1024)) });
}

export function shelfName(group) {
  return group ? t('materials.shelf_class', { name: group.name }) : t('materials.shelf_school');
}

/** Who may read it, in words: «Сотрудники, ученики, родители». */
export function audience(m) {
  const who = [];
  if (m.for_staff) who.push(t('materials.audience.staff'));
  if (m.for_students) who.push(t('materials.audience.students'));
  if (m.for_parents) who.push(t('materials.audience.parents'));
  return who.join(', ');
}

export const fileUrl = (m, version) => `/api/v1/materials/${m.id}/file${version ? `?version=${version}` : ''}`;
export const articleUrl = (m, version) => `/api/v1/materials/${m.id}/article${version ? `?version=${version}` : ''}`;
export const thumbUrl = (m) => `/api/v1/materials/${m.id}/thumb`;
export const FOLDER = 'folder';
