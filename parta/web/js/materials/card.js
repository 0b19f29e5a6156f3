// A material posted into a chat: a card that fetches the material as the reader may see it.
// To a reader who may not, the server answers «not found», and the card says only that the
// material is not available to them — the message itself carries no title.

import { get } from '../api.js';
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { dayLabel, fullWhen, timeOf } from '../chat/format.js';
import { personName } from '../ui.js';
import { shelfName, typeIcon, typeLabel, typeOf, verifiedMark } from './format.js';

export function materialCardEl(msg, view) {
  const id = (msg.meta || {}).material_id;
  const author = msg.author || (msg.author_id ? { id: msg.author_id, name: view.nameOf(msg.author_id) || t('chat.someone') } : null);
  const body = h('div', { class: 'mat-card', testid: 'material-card' }, h('p', { class: 'muted small' }, t('common.loading')));
  get(`/materials/${id}`).then((m) => {
    const type = typeOf(m);
    replace(body, h('a', { href: `/materials/${m.id}`, class: 'mat-card__link', testid: 'material-card-link' },
      typeIcon(type),
      h('span', { class: 'mat-card__text' },
        h('span', { class: 'mat-card__title', testid: 'material-card-title' }, m.title),
        h('span', { class: 'muted small' }, typeLabel(type), ' · ', shelfName(m.group))),
      m.verified ? verifiedMark() : null));
  }).catch(() => {
    body.classList.add('mat-card--gone');
    replace(body, h('p', { class: 'muted', testid: 'material-card-unavailable' }, t('materials.card_unavailable')));
  });
  return h('li', {
    class: ['msg', 'msg--material', view.me === msg.author_id && 'msg--own'],
    testid: 'message',
    dataset: { id: msg.id ? String(msg.id) : '', clientId: '', author: String(msg.author_id || ''), kind: msg.kind },
  },
  h('div', { class: 'msg__day', role: 'separator' }, h('span', {}, dayLabel(msg.created_at))),
  h('div', { class: 'msg__unread', role: 'separator' }, h('span', {}, t('chat.new_messages'))),
  h('div', { class: 'mat-card-wrap' },
    h('p', { class: 'small' }, personName(author), ' ',
      h('time', { datetime: msg.created_at, title: fullWhen(msg.created_at), class: 'muted' }, timeOf(msg.created_at))),
    body));
}
