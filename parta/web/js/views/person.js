// A staff member's profile card as the school's people see it (issue 14): name, position, and
// the office hours they keep, in the page's language and the school's time.

import { get } from '../api.js';
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { session } from '../session.js';
import { cardTitled, errorBox, facts, pageHeader, personName } from '../ui.js';
import { officeHoursList } from '../office_hours.js';

export async function personView(ctx) {
  const userId = Number(ctx.params.id);
  let card;
  try {
    card = await get(`/orgs/${session.orgId}/people/${userId}/profile`);
  } catch (error) {
    return h('div', { class: 'stack stack--page', testid: 'person' }, pageHeader(t('office_hours.profile')), errorBox(error));
  }
  return h('div', { class: 'stack stack--page', testid: 'person' },
    pageHeader(card.person.name || t('common.no_name')),
    cardTitled(t('office_hours.profile'),
      h('p', {}, personName(card.person, { testid: 'person-name' })),
      facts([[t('office_hours.staff'), h('span', { testid: 'person-position' }, card.position || '—')]])),
    h('section', { class: 'card', testid: 'person-office-hours' },
      h('h2', { class: 'card__title' }, t('office_hours.title')),
      officeHoursList(card.office_hours, card.time_zone)));
}
