// A parent's children (R17, R10): each child with the school and class, the chats about that
// class and where the parent stands in each — a class with no parents' chat yet is explained —
// and, for a primary pupil, the e-mail the child's sign-in codes go to.

import { del, get, post } from '../api.js';
import { h, replace } from '../dom.js';
import { field, form, submit } from '../forms.js';
import { t } from '../i18n.js';
import { button, cardTitled, chip, toast } from '../ui.js';

function chatLine(chat) {
  const action = {
    member: h('a', { href: `/chats/${chat.id}`, class: 'btn btn--secondary btn--small', testid: 'child-chat-open' }, t('children.open_chat')),
    invited: h('a', { href: `/chats/${chat.id}/join`, class: 'btn btn--primary btn--small', testid: 'child-chat-accept' }, t('children.accept')),
  }[chat.state] || null;
  const state = { member: 'ok', invited: 'warn' }[chat.state] ?? '';
  return h('li', { class: 'list-item', testid: 'child-chat' },
    h('div', { class: 'list-item__main' },
      h('span', { class: 'list-item__title' }, chat.title),
      chip(t(`children.state_${chat.state}`), state)),
    action);
}

/** Where the codes go, and the two steps to change it: the address, then the code sent there. */
function codeEmail(entry) {
  const box = h('div', { class: 'stack', testid: 'child-code-email' });
  const shown = () => replace(box,
    h('p', {}, entry.code_email ? t('children.code_email_is', { email: entry.code_email }) : t('children.code_email_none')),
    button(entry.code_email ? t('children.code_email_change') : t('children.code_email_set'), () => askAddress(),
      { testid: 'child-code-email-change' }),
    entry.code_email ? button(t('children.code_email_clear'), async () => {
      await del(`/me/children/${entry.child.id}/code-email`);
      entry.code_email = null;
      toast(t('children.code_email_cleared'));
      shown();
    }, { testid: 'child-code-email-clear' }) : null);
  const askAddress = () => replace(box, form({
    testid: 'code-email-form',
    fields: [field({ name: 'email', type: 'email', label: t('children.code_email_label'), required: true, testid: 'code-email-input', maxlength: 254, hint: t('children.code_email_hint') })],
    actions: [submit(t('children.code_email_send'), 'code-email-send')],
    onsubmit: async (values) => {
      const answer = await post(`/me/children/${entry.child.id}/code-email`, { email: values.email });
      askCode(answer.pending);
    },
  }));
  const askCode = (pending) => replace(box,
    h('p', {}, t('children.code_email_sent', { email: pending })),
    form({
      testid: 'code-email-confirm-form',
      fields: [field({ name: 'code', label: t('children.code_label'), required: true, testid: 'code-email-code', maxlength: 12, inputmode: 'numeric', autocomplete: 'one-time-code' })],
      actions: [submit(t('children.code_confirm'), 'code-email-confirm')],
      onsubmit: async (values) => {
        const answer = await post(`/me/children/${entry.child.id}/code-email/confirm`, { code: values.code });
        entry.code_email = answer.code_email;
        toast(t('children.code_email_saved'));
        shown();
      },
    }));
  shown();
  return box;
}

function childItem(entry) {
  const where = [entry.org.name, entry.group ? entry.group.name : t('children.no_class')].join(' · ');
  return h('li', { class: 'child', testid: 'child' },
    h('h3', { class: 'child__name' }, entry.child.name),
    h('p', { class: 'muted' }, where),
    entry.chats.length ? h('ul', { class: 'list' }, entry.chats.map(chatLine)) : null,
    entry.parents_chat_missing
      ? h('p', { class: 'notice', testid: 'child-no-parents-chat' }, t('children.no_parents_chat', { group: entry.group.name }))
      : null,
    entry.primary_school ? codeEmail(entry) : null);
}

/** The home page's card for a parent; nothing when no child is confirmed yet. */
export async function childrenCard() {
  let answer;
  try {
    answer = await get('/me/children');
  } catch {
    return null;
  }
  if (!answer.children.length) return null;
  return cardTitled(t('children.title'),
    h('ul', { class: 'children', testid: 'children' }, answer.children.map(childItem)));
}
