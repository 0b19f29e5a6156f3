// Support inboxes (R42): the school's administrators answer their school's tickets first (the
// school line); the operator answers what names no school and what a school passed on.

import { get } from '../api.js';
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { cardTitled, pageHeader } from '../ui.js';
import { ticketList } from './support.js';

const ORDER = { open: 0, answered: 1, closed: 2 };

/** ``ctx.options.box``: 'school' (an administrator's school) or 'platform' (the operator). */
export async function supportInboxView(ctx) {
  const box = ctx.options.box || 'platform';
  const base = box === 'school' ? '/admin/support' : '/operator/support';
  const answer = await get(`/support/tickets?box=${box}`);
  const tickets = [...(answer.tickets || [])].sort((a, b) => (ORDER[a.status] ?? 3) - (ORDER[b.status] ?? 3));
  const open = tickets.filter((x) => x.status !== 'closed');
  const closed = tickets.filter((x) => x.status === 'closed');
  return h('div', { class: 'stack stack--page', testid: 'inbox' },
    pageHeader(t('inbox.title'), t(box === 'school' ? 'inbox.lead_school' : 'inbox.lead')),
    cardTitled(t('inbox.open'), ticketList(open, base, 'inbox-open')),
    closed.length ? cardTitled(t('inbox.closed'), ticketList(closed, base, 'inbox-closed')) : null);
}
