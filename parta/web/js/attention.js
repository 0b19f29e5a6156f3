// What waits for the school's administrators (issue 14): join requests, parents to confirm,
// teachers asking for their status, support tickets. Counted by the server
// (GET /orgs/{id}/attention); shown as badges in the menu and as a card on the home page.

import { get } from './api.js';
import { h } from './dom.js';
import { t, tn } from './i18n.js';
import { registerStore } from './events/dispatch.js';
import { isAdmin, orgPath, session } from './session.js';

const KEYS = ['join_requests', 'parent_links', 'verifications', 'support_tickets'];
export const ATTENTION_LINKS = {
  join_requests: '/admin/requests',
  parent_links: '/admin/parent-links',
  verifications: '/admin/verification',
  support_tickets: '/admin/support',
};
let counts = null; // the last answer, for the organization in `forOrg`
let forOrg = null;
let pending = null;
const listeners = new Set();

function paint() {
  for (const badge of document.querySelectorAll('[data-attention-badge]')) {
    const value = counts ? counts[badge.dataset.attentionBadge] || 0 : 0;
    badge.textContent = value > 99 ? '99+' : String(value);
    badge.hidden = value === 0;
  }
  for (const fn of [...listeners]) fn(counts);
}

/** Fetch the counts again (after an event, or when the organization changes). */
export async function refreshAttention() {
  if (!session.user || !session.orgId || !isAdmin()) {
    counts = null;
    forOrg = null;
    paint();
    return null;
  }
  const org = session.orgId;
  if (pending && forOrg === org) return pending;
  forOrg = org;
  pending = get(orgPath('/attention')).then((answer) => {
    if (forOrg === org) counts = answer;
    return answer;
  }).catch(() => null).finally(() => {
    pending = null;
    paint();
  });
  return pending;
}

/** A menu badge for one kind of thing that waits; filled from the last counts. */
export function attentionBadge(key, testid) {
  if (forOrg !== session.orgId) refreshAttention(); // another school chosen: its counts
  const value = counts && forOrg === session.orgId ? counts[key] || 0 : 0;
  return h('span', { class: 'nav__badge', dataset: { attentionBadge: key }, testid, hidden: value === 0 },
    String(value));
}

export function onAttention(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** The home page's card: one line per kind that waits, each a link; nothing when all is done. */
export async function attentionCard() {
  const answer = await refreshAttention();
  if (!answer) return null;
  const rows = KEYS.filter((key) => answer[key] > 0);
  if (!rows.length) return null;
  return h('section', { class: 'card', testid: 'attention' },
    h('h2', { class: 'card__title' }, t('attention.title')),
    h('ul', { class: 'list' }, rows.map((key) => h('li', { class: 'list-item' },
      h('a', { href: ATTENTION_LINKS[key], class: 'list-item__title', testid: `attention-${key}` },
        tn(`attention.${key}`, answer[key]))))));
}

/** Events after which the counts may have changed. */
export function watchAttention() {
  const again = () => refreshAttention();
  const types = ['join_request.created', 'join_request.decided', 'parent_link.decided',
    'member.joined', 'verification.changed', 'support.changed'];
  registerStore({ name: 'attention', events: Object.fromEntries(types.map((type) => [type, again])), resync: again });
}
