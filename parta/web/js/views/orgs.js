// Choosing the organization to look at, and the friendly page for people who have none yet.

import { h } from '../dom.js';
import { field, form, submit } from '../forms.js';
import { t } from '../i18n.js';
import { navigate, safeNext } from '../router.js';
import { chooseOrg, loadOperatorOrgs, memberships, orgChoices, session } from '../session.js';
import { roleChips } from '../ui.js';
import { offersCard } from './offers.js';

export async function orgChooserView(ctx) {
  if (!session.extraOrgs.length) await loadOperatorOrgs();
  const next = safeNext(ctx.query.next || '/');
  const rolesByOrg = new Map(memberships().map((m) => [m.org.id, m.roles]));
  const list = h('ul', { class: 'choice-list', testid: 'org-choices' },
    orgChoices().map((org) => h('li', {},
      h('button', {
        type: 'button',
        class: ['choice', org.id === session.orgId && 'is-current'],
        testid: `org-choice-${org.id}`,
        onclick: () => {
          chooseOrg(org.id);
          navigate(next === '/orgs' ? '/' : next, { replace: true });
        },
      },
      h('span', { class: 'choice__title' }, org.name),
      rolesByOrg.has(org.id) ? roleChips(rolesByOrg.get(org.id)) : h('span', { class: 'muted' }, t('orgs.viewer'))))));
  return h('div', { class: 'bare-card', testid: 'org-chooser' },
    h('h1', { tabindex: '-1', class: 'bare-title' }, t('orgs.title')),
    h('p', { class: 'lead' }, t('orgs.lead')),
    orgChoices().length ? list : h('p', { class: 'empty' }, t('orgs.none')),
    session.orgId ? h('p', {}, h('a', { href: next === '/orgs' ? '/' : next }, t('common.back'))) : null);
}

/** Pull the token out of a pasted invite link (or a bare token). */
function tokenFrom(text) {
  const value = text.trim();
  const found = /\/join\/([A-Za-z0-9_-]+)/.exec(value);
  if (found) return found[1];
  return /^[A-Za-z0-9_-]{8,}$/.test(value) ? value : '';
}

export async function noOrgView() {
  const linkForm = form({
    testid: 'paste-invite-form',
    fields: [field({ name: 'link', label: t('no_org.paste_label'), testid: 'paste-invite', placeholder: t('no_org.paste_placeholder') })],
    actions: [submit(t('no_org.open'), 'open-invite', 'secondary')],
    onsubmit: async (values) => {
      const token = tokenFrom(values.link || '');
      if (!token) throw { message: t('no_org.bad_link'), fields: { link: t('no_org.bad_link') } };
      navigate(`/join/${encodeURIComponent(token)}`);
    },
  });
  const offers = await offersCard();
  // With a school's invitation waiting, «you need an invitation link» would contradict it.
  const lead = offers ? 'no_org.lead_offer' : 'no_org.lead';
  return h('div', { class: 'bare-card', testid: 'no-org' },
    h('h1', { tabindex: '-1', class: 'bare-title' }, t('no_org.title')),
    h('p', { class: 'lead' }, t(lead, { name: (session.user && session.user.name) || '' })),
    offers,
    h('ol', { class: 'steps' },
      h('li', {}, t('no_org.step1')),
      h('li', {}, t('no_org.step2')),
      h('li', {}, t('no_org.step3'))),
    linkForm,
    h('div', { class: 'row row--wrap' },
      h('a', { href: '/support', class: 'btn btn--ghost', testid: 'no-org-support' }, t('no_org.support')),
      h('a', { href: '/profile', class: 'btn btn--ghost' }, t('nav.profile'))));
}
