// The items of the moderation queue (R27, R31, R33): a reported message with the messages
// around it and what to do about it; a held message with the words the filter found; an
// appeal against a removal, for the administrators.

import { get, post } from '../api.js';
import { h, replace } from '../dom.js';
import { formatDate, t } from '../i18n.js';
import { field, fieldError, form, submit } from '../forms.js';
import { isAdmin, orgPath } from '../session.js';
import { button, busy, chip, confirmDialog } from '../ui.js';
import { chatById } from '../chat/store.js';
import { highlighted } from './conduct.js';
import { orgItems, ruleOptions } from './rules.js';

const rulesCache = new Map(); // chat id → promise of rule items

/** The chat's numbered rules; an administrator outside the chat gets the school's part. */
function rulesFor(chatId) {
  if (!rulesCache.has(chatId)) {
    rulesCache.set(chatId, get(`/chats/${chatId}`)
      .then((chat) => chat.rule_items || [])
      .catch(async () => orgItems((await get(orgPath('/chat-rules'))).items || []))
      .catch((error) => {
        rulesCache.delete(chatId);
        throw error;
      }));
  }
  return rulesCache.get(chatId);
}

function chatLabel(item) {
  const title = item.chat_title || t('chats.untitled');
  // A link only where the viewer is a member: an administrator may oversee chats they are not
  // in, a moderator is in every chat of their queue.
  return !isAdmin() || chatById(item.chat_id)
    ? h('a', { href: `/chats/${item.chat_id}`, class: 'queue-item__chat' }, title)
    : h('span', { class: 'queue-item__chat' }, title);
}

function contextList(item) {
  return h('ol', { class: 'queue-context', 'aria-label': t('queue.context') }, item.context.map((m) => {
    const reported = m.id === item.message.id;
    return h('li', { class: ['queue-context__msg', reported && 'is-reported'], testid: reported ? 'queue-reported-message' : 'queue-context-message' },
      h('span', { class: 'queue-context__author' }, m.author_name || t('chat.someone')),
      h('time', { class: 'queue-context__time', datetime: m.created_at }, formatDate(m.created_at)),
      h('p', { class: 'queue-context__body' }, m.body || t('chat.deleted')));
  }));
}

/** Record a violation for the reported message: the rule, a word of explanation, delete it. */
async function violationForm(item, holder, done) {
  let rules;
  try {
    rules = await rulesFor(item.chat_id);
  } catch (error) {
    replace(holder, h('p', { class: 'field-error' }, error.message));
    return;
  }
  replace(holder, form({
    testid: 'queue-violation-form',
    className: 'queue-item__form',
    fields: [
      field({ name: 'rule_number', type: 'select', label: t('member_mod.rule'), required: true, options: ruleOptions(rules), testid: 'queue-rule' }),
      field({ name: 'explanation', type: 'textarea', rows: 2, maxlength: 2000, label: t('queue.explanation'), testid: 'queue-explanation' }),
      field({ name: 'delete', type: 'checkbox', label: t('queue.also_delete'), value: true, testid: 'queue-delete' }),
    ],
    actions: [submit(t('member_mod.record'), 'queue-violation-save')],
    onsubmit: async (values, el) => {
      if (!values.rule_number) return fieldError(el, 'rule_number', t('member_mod.rule_required'));
      await post(`/reports/${item.report_ids[0]}/resolve`, {
        resolution: 'violation', rule_number: Number(values.rule_number), explanation: values.explanation, delete: values.delete,
      });
      return done(t('queue.violation_recorded'));
    },
  }));
  holder.querySelector('select').focus();
}

/** One reported message. done(text) after it is decided (the queue reloads). */
export function reportItem(item, done) {
  const formHolder = h('div', {});
  // Dismissing and deleting are asked once more: one stray tap must not decide a complaint.
  const resolve = (resolution, ok, question, confirmLabel) => async (event) => {
    const target = event.currentTarget;
    if (!(await confirmDialog(question, { confirmLabel, danger: resolution === 'delete' }))) return;
    await busy(target, async () => {
      await post(`/reports/${item.report_ids[0]}/resolve`, { resolution });
      done(ok);
    });
  };
  const reasons = Object.entries(item.reasons || {}).map(([reason, n]) =>
    chip(n > 1 ? `${t(`report.reasons.${reason}`)} ×${n}` : t(`report.reasons.${reason}`), 'warn'));
  return h('li', { class: 'queue-item', testid: 'queue-report', dataset: { messageId: String(item.message.id) } },
    h('div', { class: 'queue-item__head' }, chatLabel(item), h('span', { class: 'chips' }, reasons),
      h('span', { class: 'muted small' }, formatDate(item.first_reported_at))),
    contextList(item),
    item.comments && item.comments.length ? h('ul', { class: 'queue-item__comments', 'aria-label': t('queue.comments') },
      item.comments.map((c) => h('li', {}, c))) : null,
    h('div', { class: 'queue-item__actions' },
      button(t('queue.violation'), (event) => {
        event.currentTarget.setAttribute('aria-expanded', 'true');
        violationForm(item, formHolder, done);
      }, { kind: 'primary', small: true, testid: 'queue-violation' }),
      button(t('queue.delete'), resolve('delete', t('queue.deleted'), t('queue.delete_confirm'), t('queue.delete')), { kind: 'danger-ghost', small: true, testid: 'queue-delete-message' }),
      button(t('queue.dismiss'), resolve('dismiss', t('queue.dismissed'), t('queue.dismiss_confirm'), t('queue.dismiss')), { kind: 'ghost', small: true, testid: 'queue-dismiss' })),
    formHolder);
}

/** One message held by the filter: let it through or reject it. */
export function heldItem(item, done) {
  const decide = (approve) => (event) => busy(event.currentTarget, async () => {
    await post(`/held/${item.id}/decision`, { approve });
    done(approve ? t('queue.approved') : t('queue.rejected'));
  });
  return h('li', { class: 'queue-item', testid: 'queue-held', dataset: { heldId: String(item.id) } },
    h('div', { class: 'queue-item__head' }, chatLabel(item),
      h('strong', {}, item.author_name || t('chat.someone')),
      h('span', { class: 'muted small' }, formatDate(item.created_at))),
    h('p', { class: 'queue-item__body', testid: 'queue-held-body' }, highlighted(item.body, item.matches || [])),
    h('div', { class: 'queue-item__actions' },
      button(t('queue.approve'), decide(true), { kind: 'primary', small: true, testid: 'held-approve' }),
      button(t('queue.reject'), decide(false), { kind: 'danger-ghost', small: true, testid: 'held-reject' })));
}

/** One appeal against a removal: reverse it (back into the chat) or uphold it, with a note. */
export function appealItem(item, done) {
  const pending = item.appeal_status === 'pending';
  const note = field({ name: 'note', type: 'textarea', rows: 2, maxlength: 2000, label: t('appeals.note'), testid: 'appeal-note' });
  const decide = (reverse) => (event) => busy(event.currentTarget, async () => {
    await post(`/removals/${item.id}/decision`, { reverse, note: note.querySelector('textarea').value.trim() });
    done(reverse ? t('appeals.reversed_done') : t('appeals.upheld_done'));
  });
  const status = { pending: 'warn', reversed: 'ok', upheld: 'danger' }[item.appeal_status] || '';
  return h('li', { class: 'queue-item', testid: 'queue-appeal' },
    h('div', { class: 'queue-item__head' }, h('strong', {}, item.user_name || t('chat.someone')), chatLabel(item),
      chip(t(`appeals.status.${item.appeal_status}`), status)),
    h('p', {}, t('appeals.removed_by', { name: item.removed_by_name || '—', date: formatDate(item.created_at) })),
    item.rule_number ? h('p', {}, t('member_mod.rule_n', { number: item.rule_number, text: item.rule_text })) : null,
    item.reason ? h('p', { class: 'muted' }, item.reason) : null,
    h('blockquote', { class: 'record__quote' }, h('strong', {}, t('appeals.appeal')), ' ', item.appeal || ''),
    item.decision_note ? h('p', { class: 'muted' }, t('appeals.decision_note', { note: item.decision_note })) : null,
    pending ? note : null,
    pending ? h('div', { class: 'queue-item__actions' },
      button(t('appeals.reverse'), decide(true), { kind: 'primary', small: true, testid: 'appeal-reverse' }),
      button(t('appeals.uphold'), decide(false), { kind: 'ghost', small: true, testid: 'appeal-uphold' })) : null);
}
