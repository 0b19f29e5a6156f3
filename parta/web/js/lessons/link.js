// The way from a chat's members page to its lessons and meetings (where its staff schedule
// them): only in chats that hold calls.

import { h } from '../dom.js';
import { t } from '../i18n.js';
import { callable } from '../calls/call.js';

export function lessonsLink(chat) {
  if (chat.kind === 'direct' || !callable(chat)) return null;
  return h('p', { class: 'row' },
    h('a', { href: `/chats/${chat.id}/lessons`, class: 'btn btn--secondary', testid: 'chat-lessons-link' }, t('lessons.open')));
}
