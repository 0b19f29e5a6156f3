// The reminder to reconcile the platform with the school's records (R8), for the
// administrators' home and the organization's page: shown when the server says one is due.

import { get } from '../api.js';
import { h } from '../dom.js';
import { formatDate, t } from '../i18n.js';
import { isAdmin, orgPath, session } from '../session.js';

/** The banner, or null when no reconciliation is due (or the person may not see it). */
export async function reconciliationReminder() {
  if (!session.orgId || !isAdmin()) return null;
  let status;
  try {
    status = await get(orgPath('/reconciliation/status'));
  } catch {
    return null; // a reminder is a courtesy: its failure must not break the page
  }
  if (!status || !status.reminder) return null;
  const text = status.last
    ? t('reconciliation.reminder_since', { date: formatDate(status.last.at, false) })
    : t('reconciliation.reminder_never');
  return h('div', { class: 'banner banner--warn', role: 'status', testid: 'reconciliation-reminder' },
    h('p', { class: 'banner__text' }, text),
    h('a', { href: '/admin/reconciliation', class: 'btn btn--secondary btn--small', testid: 'reconciliation-reminder-open' },
      t('reconciliation.reminder_open')));
}
