// Technical support (R42): write to the school's administrators (or, naming no school, to the
// platform's support), read the answers, reply; the school may pass a ticket on to the platform.

import { get, post } from '../api.js';
import { h } from '../dom.js';
import { field, form, submit } from '../forms.js';
import { formatDate, t } from '../i18n.js';
import { navigate } from '../router.js';
import { orgChoices, session } from '../session.js';
import {
  busy, button, cardTitled, chip, empty, pageHeader, personName, toast,
} from '../ui.js';

const authorOf = (ticket) => ticket.author || ticket.user || null;

function orgLabel(ticket) {
  if (ticket.org_name) return ticket.org_name;
  if (ticket.org && ticket.org.name) return ticket.org.name;
  if (!ticket.org_id) return null;
  const known = orgChoices().find((org) => org.id === ticket.org_id);
  return known ? known.name : `#${ticket.org_id}`;
}

export function statusChip(status) {
  const kind = { open: 'warn', answered: 'ok', closed: '' }[status] ?? '';
  return chip(t(`support.status_${status}`), kind);
}

export function ticketList(tickets, base, testid = 'tickets') {
  if (!tickets.length) return empty(t('support.none'));
  return h('ul', { class: 'list', testid }, tickets.map((ticket) => h('li', { class: 'list-item', testid: 'ticket-row' },
    h('div', { class: 'list-item__main' },
      h('a', { href: `${base}/${ticket.id}`, class: 'list-item__title' }, ticket.subject || `#${ticket.id}`),
      h('p', { class: 'muted small' },
        [authorOf(ticket) ? personName(authorOf(ticket)) : null, orgLabel(ticket), formatDate(ticket.updated_at || ticket.created_at)]
          .filter(Boolean).flatMap((part, i) => (i ? [' · ', part] : [part])))),
    statusChip(ticket.status))));
}

function newTicketForm(onCreated) {
  return form({
    testid: 'ticket-form',
    fields: [
      field({ name: 'subject', label: t('support.subject'), required: true, testid: 'ticket-subject', maxlength: 200 }),
      field({ name: 'body', label: t('support.body'), type: 'textarea', required: true, testid: 'ticket-body', rows: 5, hint: t('support.body_hint') }),
    ],
    actions: [submit(t('support.send'), 'ticket-send')],
    onsubmit: async (values, el) => {
      const payload = { subject: values.subject, body: values.body };
      if (session.orgId) payload.org_id = session.orgId;
      const ticket = await post('/support/tickets', payload);
      el.reset();
      toast(t('support.sent'));
      onCreated(ticket);
    },
  });
}

export async function supportListView() {
  const answer = await get('/support/tickets');
  return h('div', { class: 'stack stack--page', testid: 'support' },
    pageHeader(t('support.title'), t('support.lead')),
    cardTitled(t('support.new'), newTicketForm((ticket) => navigate(`/support/${ticket.id}`))),
    cardTitled(t('support.mine'), ticketList(answer.tickets || [], '/support')));
}

function message(author, fromSupport, body, when, line = null) {
  const who = line === 'school'
    ? h('strong', {}, author ? personName(author) : null, ' · ', t('support.from_school'))
    : h('strong', {}, t('support.from_support'));
  return h('li', { class: ['message', fromSupport && 'message--support'], testid: 'ticket-message' },
    h('div', { class: 'message__meta' },
      fromSupport ? who : personName(author),
      h('span', { class: 'muted small' }, formatDate(when))),
    h('p', { class: 'message__body' }, body));
}

function escalateButton(ticket, ctx) {
  if (!ticket.can_escalate) return null;
  return button(t('support.escalate'), async (event) => {
    await busy(event.currentTarget, async () => {
      await post(`/support/tickets/${ticket.id}/escalate`);
      ctx.refresh();
    }, { ok: t('support.escalated') });
  }, { testid: 'ticket-escalate' });
}

/** One ticket with its replies; the inboxes of the school and of the operator use it too. */
export async function supportTicketView(ctx) {
  const ticket = await get(`/support/tickets/${encodeURIComponent(ctx.params.id)}`);
  const inbox = Boolean(ctx.options.inbox);
  const mine = !inbox;
  const replies = ticket.replies || [];
  const thread = h('ol', { class: 'thread', testid: 'ticket-thread' },
    ticket.body ? message(authorOf(ticket), false, ticket.body, ticket.created_at) : null,
    replies.map((r) => message(r.author, r.from_support, r.body, r.created_at, r.line)));
  const closed = ticket.status === 'closed';
  const mayWrite = mine || ticket.can_answer;
  const reply = closed ? h('p', { class: 'notice' }, t('support.closed_note')) : !mayWrite
    ? h('p', { class: 'notice', testid: 'ticket-passed-on' }, t('support.passed_on_note')) : form({
    testid: 'reply-form',
    fields: [field({ name: 'body', label: t('support.reply'), type: 'textarea', required: true, testid: 'reply-body', rows: 3 })],
    actions: [submit(t('support.send_reply'), 'reply-send')],
    onsubmit: async (values) => {
      await post(`/support/tickets/${ticket.id}/replies`, { body: values.body });
      toast(t('support.reply_sent'));
      ctx.refresh();
    },
  });
  const closeButton = inbox && ticket.can_answer ? button(t('support.close'), async (event) => {
    await busy(event.currentTarget, async () => {
      await post(`/support/tickets/${ticket.id}/close`);
      ctx.refresh();
    }, { ok: t('support.closed') });
  }, { testid: 'ticket-close' }) : null;
  const back = inbox ? (ctx.options.box === 'school' ? '/admin/support' : '/operator/support') : '/support';
  const line = h('p', { class: 'muted', testid: 'ticket-line' },
    t(ticket.line === 'school' ? 'support.line_school' : 'support.line_platform'));
  return h('div', { class: 'stack stack--page', testid: 'ticket' },
    h('p', {}, h('a', { href: back, class: 'back-link' }, '← ', t('common.back'))),
    pageHeader(ticket.subject || `#${ticket.id}`, null, statusChip(ticket.status), closeButton,
      closed ? null : escalateButton(ticket, ctx)),
    line,
    authorOf(ticket) && inbox ? h('p', { class: 'muted', testid: 'ticket-author' }, personName(authorOf(ticket)), orgLabel(ticket) ? ` · ${orgLabel(ticket)}` : '') : null,
    replies.length || ticket.body ? thread : empty(t('support.no_replies')),
    reply);
}
