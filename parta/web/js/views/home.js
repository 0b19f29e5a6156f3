// The home page: who I am here, the school's gradebook, and what needs my attention —
// including the places schools offer me (enrolment offers), which I accept or decline here.

import { get } from '../api.js';
import { h } from '../dom.js';
import { t, tn } from '../i18n.js';
import {
  isAdmin, isMunicipal, isOperator, isTeacher, managesRoster, membership, memberships, orgPath, session,
} from '../session.js';
import { card, cardTitled, roleChips, verifiedBadge } from '../ui.js';
import { offersCard } from './offers.js';
import { ensureLeads } from '../roster/leads.js';
import { reconciliationReminder } from '../roster/reminder.js';
import { consentsCard } from '../privacy/consents.js';
import { watch } from '../events/topics.js';
import { attentionCard } from '../attention.js';
import { childrenCard } from '../families/children.js';
import { todayCard } from '../lessons/today.js';

function tile(href, title, text, testid, extra = null) {
  return h('a', { href, class: 'tile', testid }, h('span', { class: 'tile__title' }, title, extra), h('span', { class: 'tile__text' }, text));
}

async function figures() {
  try {
    const f = await get(orgPath('/figures'));
    const items = [
      ['members', f.members], ['staff', f.staff], ['students', f.students], ['parents', f.parents],
      ['verified_teachers', f.verified_teachers], ['pending_requests', f.pending_requests],
      ['active_invites', f.active_invites], ['activated', f.activated],
      ['invited_to_chats', f.invited_to_chats],
    ];
    return cardTitled(t('home.figures'),
      h('ul', { class: 'figures', testid: 'figures' },
        items.map(([key, value]) => h('li', { class: 'figure' },
          h('span', { class: 'figure__value' }, String(value ?? 0)),
          h('span', { class: 'figure__label' }, tn(`figures.${key}`, value ?? 0))))));
  } catch {
    return null;
  }
}

function orgCard() {
  const m = membership();
  const org = session.org;
  if (!org) return null;
  const gradebook = org.gradebook_url && /^https?:\/\//i.test(org.gradebook_url)
    ? h('a', { href: org.gradebook_url, target: '_blank', rel: 'noopener noreferrer', class: 'btn btn--primary', testid: 'gradebook-link' }, t('home.gradebook'))
    : null;
  const verified = m && m.verification === 'verified';
  return card(
    h('div', { class: 'org-card' },
      h('div', {},
        h('h2', { class: 'card__title' }, org.name),
        m ? h('p', { class: 'row row--wrap' }, roleChips(m.roles), verified ? verifiedBadge() : null,
          m.position ? h('span', { class: 'muted' }, m.position) : null) : h('p', { class: 'muted' }, t('orgs.viewer')),
        org.address ? h('p', { class: 'muted' }, org.address) : null),
      gradebook));
}

export async function homeView(ctx) {
  const user = session.user;
  const parts = [
    h('header', { class: 'page-header' },
      h('div', { class: 'page-header__text' },
        h('h1', { tabindex: '-1', class: 'page-title', testid: 'home-greeting' },
          t('home.hello', { name: user.name || '' })),
        h('p', { class: 'lead' }, t('home.lead')))),
  ];
  parts.push(await offersCard());
  if (session.orgId) parts.push(await todayCard(ctx));
  if (session.orgId) parts.push(await reconciliationReminder(), orgCard());
  if (session.orgId && isAdmin()) parts.push(await attentionCard());
  // A parent is asked for what the school still lacks (152-ФЗ), in whichever school it is —
  // and at once when the school confirms them as a child's parent.
  if (memberships().some((m) => (m.roles || []).includes('parent'))) {
    parts.push(await childrenCard(), await consentsCard({ gapsOnly: true }));
    if (ctx) ctx.onLeave(watch('parent_link_confirmed', () => ctx.refresh()));
  }
  const tiles = [];
  if (session.orgId) {
    // app.js keeps every [data-unread-badge] up to date.
    const unread = h('span', { class: 'nav__badge tile__badge', dataset: { unreadBadge: '' }, testid: 'tile-chats-unread', hidden: true });
    tiles.push(tile('/chats', t('nav.chats'), t('home.tile_chats'), 'tile-chats', unread));
  }
  if (session.orgId && isAdmin()) {
    tiles.push(
      tile('/admin/invites', t('nav.invites'), t('home.tile_invites'), 'tile-invites'),
      tile('/admin/requests', t('nav.requests'), t('home.tile_requests'), 'tile-requests'),
      tile('/admin/members', t('nav.members'), t('home.tile_members'), 'tile-members'),
      tile('/admin/groups', t('nav.groups'), t('home.tile_groups'), 'tile-groups'),
      tile('/admin/consents', t('nav.consents'), t('home.tile_consents'), 'tile-consents'),
    );
    if (managesRoster()) tiles.push(tile('/admin/roster', t('nav.roster'), t('home.tile_roster'), 'tile-roster'));
  } else if (session.orgId && isTeacher()) {
    tiles.push(tile('/invites', t('nav.invites'), t('home.tile_teacher_invites'), 'tile-invites'));
  }
  if (session.orgId && isTeacher() && !managesRoster() && (await ensureLeads(session.orgId)).classes.length) {
    tiles.push(tile('/movement', t('nav.movement_teacher'), t('home.tile_movement'), 'tile-movement'));
  }
  if (session.orgId && isTeacher()) {
    const m = membership();
    const status = (m && m.verification) || 'none';
    if (status !== 'verified') {
      tiles.push(tile('/verification', t('nav.verification_request'), t(`verify_me.status_${status}`), 'tile-verification'));
    }
  }
  if (isOperator()) {
    tiles.push(
      tile('/operator/orgs', t('nav.operator_orgs'), t('home.tile_operator_orgs'), 'tile-operator-orgs'),
      tile('/operator/support', t('nav.operator_support'), t('home.tile_operator_support'), 'tile-operator-support'),
    );
  }
  if ((isOperator() || isMunicipal()) && !session.orgId) {
    tiles.push(tile('/orgs', t('orgs.title'), t('home.tile_choose_org'), 'tile-choose-org'));
  }
  tiles.push(
    tile('/profile', t('nav.profile'), t('home.tile_profile'), 'tile-profile'),
    tile('/support', t('nav.support'), t('home.tile_support'), 'tile-support'),
  );
  parts.push(h('div', { class: 'tiles' }, tiles));
  if (session.orgId && (isAdmin() || isMunicipal())) parts.push(await figures());
  return h('div', { class: 'stack stack--page', testid: 'home' }, parts);
}
