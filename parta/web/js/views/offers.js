// Enrolment offers: a place a school proposes to the owner of a phone. Nobody is enrolled by
// their phone without accepting here; declining tells the school only «declined». Shown on the
// home page, and on the «no organization yet» page for someone a school has only invited.

import { get, post } from '../api.js';
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { navigate } from '../router.js';
import { chooseOrg, refreshSession } from '../session.js';
import { busy, button, cardTitled, toast } from '../ui.js';

function offerItem(offer) {
  const answer = (verb) => async (event) => {
    const done = await busy(event.currentTarget, () => post(`/me/offers/${offer.id}/${verb}`));
    if (!done) return;
    await refreshSession();
    if (verb === 'accept') {
      chooseOrg(offer.org.id);
      toast(t('offers.accepted', { org: offer.org.name }));
    } else {
      toast(t('offers.declined'));
    }
    navigate('/', { replace: true });
  };
  return h('li', { class: 'member-row offer', testid: 'offer', dataset: { offerId: String(offer.id) } },
    h('div', { class: 'member-row__main' },
      h('strong', { class: 'member-row__name', testid: 'offer-org' }, t('offers.from', { org: offer.org.name })),
      h('span', { class: 'muted' }, t('offers.role', { role: t(`roles.${offer.role}`) })),
      offer.group ? h('span', { class: 'muted', testid: 'offer-class' }, '· ', t('offers.class', { name: offer.group.name })) : null,
      offer.position ? h('span', { class: 'muted' }, '· ', t('offers.position', { position: offer.position })) : null),
    h('div', { class: 'member-row__actions' },
      button(t('offers.accept'), answer('accept'), { kind: 'primary', testid: 'offer-accept' }),
      button(t('offers.decline'), answer('decline'), { kind: 'ghost', testid: 'offer-decline' })));
}

/** Places schools offer me: nobody is enrolled by their phone without saying yes here. */
export async function offersCard() {
  try {
    const found = (await get('/me/offers')).offers || [];
    if (!found.length) return null;
    return cardTitled(t('offers.title'),
      h('p', { class: 'muted' }, t('offers.lead')),
      h('ul', { class: 'list', testid: 'offers' }, found.map(offerItem)));
  } catch {
    return null;
  }
}

