// What the person does to a message from its menu — reply, edit, delete, react, pin, copy,
// forward, jump to a quote, retry or drop an unsent one — and what the menu may offer, which is
// the server's word (`capabilities` of the open chat).

import { del, post, put } from '../api.js';
import { t } from '../i18n.js';
import { confirmDialog, copyText, toast } from '../ui.js';
import { forwardMessage } from './forward.js';
import { can, nameOf as storedName } from './store.js';

/**
 * chatId; me; store (the open chat); known (known.js); composer(), sender(), pinnedBar() — made
 * after this; jumpTo(id).
 */
export function createMessageActions({ chatId, me, store, known, composer, sender, pinnedBar, jumpTo }) {
  const nameOf = (id) => (known.person(id) || {}).name || storedName(id);
  return {
    me,
    isMember: true,
    get canPost() { return can(store.chat(), 'post'); },
    get canReply() { return can(store.chat(), 'reply'); },
    get canReact() { return can(store.chat(), 'react'); },
    get canModerate() { return can(store.chat(), 'moderate'); },
    get canPin() { return can(store.chat(), 'pin'); },
    isPinned: (id) => (store.chat().pinned || []).includes(id),
    nameOf,
    quoteOf(id) {
      const m = known.messageOf(id);
      if (!m) known.loadOne(id);
      return m;
    },
    onReply: (msg) => composer().reply(msg, msg.author ? msg.author.name : nameOf(msg.author_id)),
    onEdit: (msg) => composer().edit(msg),
    async onDelete(msg) {
      if (!(await confirmDialog(t('chat.delete_confirm'), { confirmLabel: t('chat.delete') }))) return;
      try {
        await del(`/chats/${chatId}/messages/${msg.id}`);
        known.change(msg.id, () => ({ deleted: true, body: '', reactions: {} }));
      } catch (error) {
        toast(error.message, 'error');
      }
    },
    async onReact(msg, emoji, add) {
      try {
        const path = `/chats/${chatId}/messages/${msg.id}/reactions/${encodeURIComponent(emoji)}`;
        const answer = add ? await put(path) : await del(path);
        known.change(msg.id, (m) => {
          const mine = new Set(m.my_reactions || []);
          if (add) mine.add(emoji);
          else mine.delete(emoji);
          return { reactions: answer.reactions || {}, my_reactions: [...mine] };
        });
      } catch (error) {
        toast(error.message, 'error');
      }
    },
    async onPin(msg, pin) {
      try {
        const answer = pin ? await post(`/chats/${chatId}/pins`, { message_id: msg.id }) : await del(`/chats/${chatId}/pins/${msg.id}`);
        store.chat().pinned = answer.pinned || [];
        pinnedBar().set(store.chat().pinned);
        toast(pin ? t('chat.pinned_done') : t('chat.unpinned_done'));
      } catch (error) {
        toast(error.message, 'error');
      }
    },
    async onCopy(msg) {
      if (await copyText(msg.body)) toast(t('chat.copied'));
    },
    onForward: (msg) => forwardMessage(msg),
    onJump: (id) => jumpTo(id),
    onRetry: (msg) => sender().retry(msg),
    onDiscard: (msg) => sender().discard(msg),
  };
}
