// The operator's support inbox (R42): every ticket, open ones first.

import { get } from '../api.js';
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { cardTitled, pageHeader } from '../ui.js';
import { ticketList } from './support.js';

const ORDER = { open: 0, answered: 1, closed: 2 };

export async function supportInboxView() {
  const answer = await get('/support/tickets');
  const tickets = [...(answer.tickets || [])].sort((a, b) => (ORDER[a.status] ?? 3) - (ORDER[b.status] ?? 3));
  const open = tickets.filter((x) => x.status !== 'closed');
  const closed = tickets.filter((x) => x.status === 'closed');
  return h('div', { class: 'stack stack--page', testid: 'inbox' },
    pageHeader(t('inbox.title'), t('inbox.lead')),
    cardTitled(t('inbox.open'), ticketList(open, '/operator/support', 'inbox-open')),
    closed.length ? cardTitled(t('inbox.closed'), ticketList(closed, '/operator/support', 'inbox-closed')) : null);
}
