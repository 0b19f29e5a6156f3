// Moderation inside an open chat: reporting a message, the conduct filter's answers to one's
// own messages, held messages and their fate, objecting to an early unblock, the moderator's
// rules reminder, and the live events that concern the person here.

import { get, patch, post } from '../api.js';
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { field } from '../forms.js';
import { confirmDialog, toast } from '../ui.js';
import { plainText } from '../chat/format.js';
import { canModerate } from '../chat/store.js';
import { firstMatchRange } from './conduct.js';
import { formDialog } from './dialogs.js';

export const REPORT_REASONS = ['insult', 'profanity', 'spam', 'personal_data', 'threat', 'other'];

/** The report dialog: why, and a comment for the moderators. The author is never told who. */
export async function reportMessage(chatId, msg, authorName) {
  const done = await formDialog({
    title: t('report.title'),
    testid: 'report-dialog',
    intro: [
      h('blockquote', { class: 'dialog__quote' }, h('strong', {}, authorName || t('chat.someone')), ': ', plainText(msg.body, 200)),
      h('p', { class: 'hint' }, t('report.lead')),
    ],
    fields: [
      field({
        name: 'reason', type: 'select', label: t('report.reason'), required: true, testid: 'report-reason',
        options: REPORT_REASONS.map((r) => [r, t(`report.reasons.${r}`)]),
      }),
      field({ name: 'comment', type: 'textarea', rows: 3, maxlength: 2000, label: t('report.comment'), testid: 'report-comment' }),
    ],
    submitLabel: t('report.send'),
    onsubmit: (values) => post(`/chats/${chatId}/messages/${msg.id}/reports`, { reason: values.reason, comment: values.comment }),
  });
  if (done) toast(t('report.sent'));
}

/**
 * chatId; store (the open chat: its answer, held messages decided, my violations, resyncs);
 * timeline; sender; composer; nameOf(id).
 */
export function chatModeration({ chatId, store, timeline, sender, composer, nameOf }) {
  let proposals = null; // block ids open to objection; null until asked for
  let asking = false;
  const objected = new Set();

  function redrawNotices() {
    for (const m of timeline.messages()) if (m.kind === 'unblock_proposal') timeline.update(m);
  }

  async function loadProposals() {
    if (asking) return;
    asking = true;
    try {
      const answer = await get(`/chats/${chatId}/blocks`);
      proposals = new Set((answer.blocks || []).filter((b) => b.unblock_status === 'proposed').map((b) => b.id));
    } catch {
      proposals = new Set();
    }
    asking = false;
    redrawNotices();
  }

  const actions = {
    onReport: (msg) => reportMessage(chatId, msg, (msg.author && msg.author.name) || nameOf(msg.author_id)),
    onFix(msg) {
      sender.discard(msg);
      composer.restore(msg.body, firstMatchRange(msg.body, (msg.warning && msg.warning.matches) || []));
    },
    onSendAnyway: (msg) => sender.confirm(msg),
    proposalState(msg) {
      const id = msg.meta && msg.meta.block_id;
      if (objected.has(id)) return 'objected';
      if (proposals === null) {
        loadProposals();
        return null;
      }
      return proposals.has(id) ? 'open' : 'closed';
    },
    async onObject(msg) {
      const id = msg.meta.block_id;
      const done = await formDialog({
        title: t('notices.object_title'),
        testid: 'object-dialog',
        intro: h('p', { class: 'hint' }, t('notices.object_lead')),
        fields: [field({ name: 'reason', type: 'textarea', rows: 3, maxlength: 2000, label: t('notices.object_reason'), testid: 'object-reason' })],
        submitLabel: t('notices.object'),
        onsubmit: (values) => post(`/blocks/${id}/objections`, { reason: values.reason }),
      });
      if (!done) return;
      objected.add(id);
      redrawNotices();
    },
  };

  /** An edit the filter warns about is confirmed in a dialog (an edit cannot wait for anyone). */
  async function edit(messageId, text) {
    try {
      return await patch(`/chats/${chatId}/messages/${messageId}`, { body: text });
    } catch (error) {
      if (error.code !== 'conduct_warning') throw error;
      if (!(await confirmDialog(error.message, { confirmLabel: t('conduct.send_anyway') }))) throw error;
      return patch(`/chats/${chatId}/messages/${messageId}`, { body: text, confirm_conduct: true });
    }
  }

  async function remind() {
    if (!(await confirmDialog(t('notices.remind_confirm'), { confirmLabel: t('notices.remind'), danger: false }))) return;
    try {
      await post(`/chats/${chatId}/rules-reminder`, {});
    } catch (error) {
      toast(error.message, 'error');
    }
  }

  /** Own messages still waiting for a moderator (moderators' own are never held). */
  async function loadHeld() {
    if (canModerate(store.chat())) return;
    try {
      sender.showHeld((await get(`/chats/${chatId}/held`)).held || []);
    } catch {
      /* shown again on the next visit */
    }
  }

  const stop = store.on((change) => {
    if (change.kind === 'held') {
      sender.heldDecided(change.heldId, change.status);
      if (change.status === 'rejected') toast(t('conduct.held_rejected_toast'), 'error');
    } else if (change.kind === 'violation') {
      toast(t('notices.violation_toast', { number: change.violation.rule_number }), 'error');
    } else if (change.kind === 'resync') {
      proposals = null; // asked again when a notice shows
      redrawNotices();
    }
  });

  return { actions, edit, remind, loadHeld, destroy: stop };
}
