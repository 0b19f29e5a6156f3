// Writing in the open chat: the composer, sending what it gives (over the stream or HTTP, with
// retries), editing one's own message, and files dropped onto the chat — where the server says
// the person may post.

import { t } from '../i18n.js';
import { toast } from '../ui.js';
import { createComposer } from './composer.js';
import { createQuietHint } from './quiet_hint.js';
import { openPollForm } from '../polls/form.js';
import { createSender } from './sender.js';
import { canPost, repliesOnly } from './store.js';

/**
 * chatId; me; store (the open chat); timeline; pages (history.js); known (known.js);
 * typing; edit(id, text) → a promise of the server's answer (moderation/in_chat.js);
 * afterSend() once a message went to the sender; intercept(text, attachments) → a promise of
 * true when it sent the text another way (later, or as an announcement: acks/in_chat.js).
 */
export function createWriting({ chatId, me, store, timeline, pages, known, typing, edit, afterSend, intercept = async () => false }) {
  const sender = createSender({
    chatId, me, timeline, decorate: known.decorate, onBlocked: () => store.refresh().catch(() => {}),
  });
  const composer = createComposer({
    chatId,
    onTyping: () => typing.typed(),
    onPoll: async () => {
      if (!canPost(store.chat())) {
        toast(t('chat.moderators_only'), 'error');
        return;
      }
      if (await openPollForm(chatId)) {
        if (!pages.liveEnd) await pages.goLive().catch(() => {}); // the poll shows at the end of the chat
        afterSend();
      }
    },
    onSubmit: async (text, { replyTo, editing, attachments }) => {
      if (!editing && !replyTo && repliesOnly(store.chat())) {
        toast(t('chat.replies_only'), 'error');
        throw new Error('replies_only'); // the composer keeps the text
      }
      if (!editing) {
        if (await intercept(text, attachments)) return;
        if (!pages.liveEnd) {
          await pages.goLive().catch(() => {}); // what is sent shows at the end of the chat
        }
        typing.sent();
        sender.send(text, replyTo, attachments);
        afterSend();
        return;
      }
      try {
        const answer = await edit(editing.id, text);
        known.change(editing.id, () => ({ body: answer.body, edited_at: answer.edited_at }));
      } catch (error) {
        toast(error.message, 'error');
        throw error; // the composer puts the text back
      }
    },
  });

  // Who will hear of it only in the morning (their quiet hours): a line above the text box.
  const quiet = createQuietHint({ chatId, input: composer.input });
  composer.el.prepend(quiet.el);

  /** Files dropped onto the chat go with the next message, where the person may post. */
  function dropFiles(files) {
    const chat = store.chat();
    if (canPost(chat)) composer.addFiles(files);
    else toast(chat.my_block ? t('blocks.can_read') : t('chat.moderators_only'), 'error');
  }

  return {
    composer,
    sender,
    dropFiles,
    setUrgent: (on) => quiet.setUrgent(on),
    destroy() {
      sender.destroy();
      quiet.destroy();
      composer.destroy();
    },
  };
}
