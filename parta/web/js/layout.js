// The frame around the pages: header with the organization's name, navigation, main area.

import { post } from './api.js';
import { attentionBadge } from './attention.js';
import { h, icon, ICONS } from './dom.js';
import { t } from './i18n.js';
import { navigate } from './router.js';
import {
  isAdmin, isMemberAdmin, isMunicipal, isOperator, isOrgAdmin, isStaff, isTeacher, managesRoster, orgChoices, orgName, session, signedOut,
} from './session.js';
import { toast } from './ui.js';
import { queueState } from './moderation/queue_state.js';
import { leadsState } from './roster/leads.js';

const CHAT_ICON = ['M21 12a8 8 0 0 1-11.6 7.1L4 20l1-4.6A8 8 0 1 1 21 12z'];

function navLink(href, label, testid, extra = null) {
  const current = window.location.pathname === href
    || (href !== '/' && window.location.pathname.startsWith(`${href}/`));
  return h('li', {}, h('a', {
    href, class: ['nav__link', current && 'is-current'], 'aria-current': current ? 'page' : null, testid,
  }, label, extra));
}

/** The unread count; app.js fills every element marked data-unread-badge. */
function unreadBadge(testid) {
  return h('span', { class: 'nav__badge', dataset: { unreadBadge: '' }, testid, hidden: true });
}

/** «Moderation» for those who have a queue; app.js shows it and fills the badge when known. */
function moderationLink() {
  const q = queueState();
  const badge = h('span', { class: 'nav__badge', dataset: { moderationBadge: '' }, testid: 'nav-moderation-count', hidden: !q.count },
    String(q.count || ''));
  const item = navLink('/moderation', t('nav.moderation'), 'nav-moderation', badge);
  item.dataset.moderationLink = '';
  item.hidden = !(q.allowed && q.orgId === session.orgId);
  return item;
}

/** «Movement» for a class teacher (not the administrator, who has it under Administration). */
function movementLink() {
  const leads = leadsState();
  const item = navLink('/movement', t('nav.movement_teacher'), 'nav-movement-teacher');
  item.dataset.movementLink = '';
  item.hidden = !(leads.orgId === session.orgId && leads.classes.length > 0) || managesRoster();
  return item;
}

function navSection(title, links) {
  const items = links.filter(Boolean);
  if (!items.length) return null;
  return h('div', { class: 'nav__section' },
    title ? h('h2', { class: 'nav__title' }, title) : null,
    h('ul', { class: 'nav__list' }, items));
}

function gradebookLink() {
  const url = session.org && session.org.gradebook_url;
  if (!url || !/^https?:\/\//i.test(url)) return null;
  return h('li', {}, h('a', {
    href: url, target: '_blank', rel: 'noopener noreferrer', class: 'nav__link', testid: 'nav-gradebook',
  }, h('span', {}, t('nav.gradebook')), icon(ICONS.external)));
}

function buildNav() {
  const hasOrg = Boolean(session.orgId);
  const teacherOnly = hasOrg && isTeacher() && !isAdmin();
  return h('nav', { class: 'nav', id: 'site-nav', 'aria-label': t('nav.label') },
    navSection(null, [
      navLink('/', t('nav.home'), 'nav-home'),
      hasOrg ? navLink('/chats', t('nav.chats'), 'nav-chats', unreadBadge('nav-chats-unread')) : null,
      hasOrg ? navLink('/materials', t('nav.materials'), 'nav-materials') : null,
      hasOrg ? moderationLink() : null,
      hasOrg && isStaff() ? navLink('/network', t('nav.network'), 'nav-network') : null,
      hasOrg ? navLink('/broadcasts', t('nav.broadcasts'), 'nav-broadcasts') : null,
      teacherOnly ? navLink('/invites', t('nav.invites'), 'nav-invites') : null,
      hasOrg && isTeacher() ? navLink('/verification', t('nav.verification_request'), 'nav-verification-request') : null,
      hasOrg && isTeacher() && !managesRoster() ? movementLink() : null,
      gradebookLink(),
    ]),
    hasOrg && isAdmin()
      ? navSection(t('nav.admin'), [
        navLink('/admin/org', t('nav.org_profile'), 'nav-admin-org'),
        navLink('/admin/groups', t('nav.groups'), 'nav-admin-groups'),
        navLink('/admin/members', t('nav.members'), 'nav-admin-members'),
        navLink('/admin/invites', t('nav.invites'), 'nav-admin-invites'),
        navLink('/admin/requests', t('nav.requests'), 'nav-admin-requests', attentionBadge('join_requests', 'nav-requests-badge')),
        navLink('/admin/parent-links', t('nav.parent_links'), 'nav-admin-parent-links', attentionBadge('parent_links', 'nav-parent-links-badge')),
        navLink('/admin/consents', t('nav.consents'), 'nav-admin-consents'),
        navLink('/admin/verification', t('nav.verification'), 'nav-admin-verification', attentionBadge('verifications', 'nav-verification-badge')),
        isOrgAdmin() ? navLink('/admin/chat-rules', t('nav.chat_rules'), 'nav-admin-chat-rules') : null,
        managesRoster() ? navLink('/admin/roster', t('nav.roster'), 'nav-admin-roster') : null,
        managesRoster() ? navLink('/movement', t('nav.movement'), 'nav-admin-movement') : null,
        navLink('/admin/reconciliation', t('nav.reconciliation'), 'nav-admin-reconciliation'),
        navLink('/admin/stats', t('nav.stats'), 'nav-admin-stats'),
        isMemberAdmin() ? navLink('/admin/calls', t('nav.oversight'), 'nav-admin-calls') : null,
        managesRoster() ? navLink('/admin/year', t('nav.year'), 'nav-admin-year') : null,
        isMemberAdmin() ? navLink('/admin/instructions', t('nav.instructions'), 'nav-admin-instructions') : null,
        navLink('/admin/support', t('nav.school_support'), 'nav-admin-support', attentionBadge('support_tickets', 'nav-support-badge')),
        navLink('/admin/audit', t('nav.audit'), 'nav-admin-audit'),
      ])
      : null,
    isMunicipal()
      ? navSection(t('nav.municipality'), [
        isOperator() ? null : navLink('/municipality', t('nav.municipal_stats'), 'nav-municipal-stats'),
        navLink('/municipality/instructions', t('nav.municipal_instructions'), 'nav-municipal-instructions'),
      ])
      : null,
    isOperator()
      ? navSection(t('nav.operator'), [
        navLink('/operator/orgs', t('nav.operator_orgs'), 'nav-operator-orgs'),
        navLink('/municipality', t('nav.municipal_stats'), 'nav-municipal-stats'),
        navLink('/operator/support', t('nav.operator_support'), 'nav-operator-support'),
      ])
      : null,
    navSection(t('nav.me'), [
      navLink('/profile', t('nav.profile'), 'nav-profile'),
      navLink('/support', t('nav.support'), 'nav-support'),
      h('li', {}, h('button', { type: 'button', class: 'nav__link nav__button', onclick: signOut, testid: 'sign-out' }, t('nav.sign_out'))),
    ]));
}

export async function signOut() {
  try {
    await post('/auth/logout');
  } catch {
    /* signed out locally anyway */
  }
  signedOut();
  toast(t('signin.signed_out'));
  navigate('/signin', { replace: true });
}

function closeMenu(shell) {
  shell.classList.remove('menu-open');
  const toggle = shell.querySelector('.menu-toggle');
  if (toggle) {
    toggle.setAttribute('aria-expanded', 'false');
    toggle.setAttribute('aria-label', t('nav.open_menu'));
    toggle.replaceChildren(icon(ICONS.menu));
  }
}

/** Build the signed-in frame; returns {shell, main}. */
export function appShell() {
  const main = h('main', { id: 'main', class: 'main', tabindex: '-1' });
  const toggle = h('button', {
    type: 'button', class: 'menu-toggle', 'aria-controls': 'site-nav', 'aria-expanded': 'false',
    'aria-label': t('nav.open_menu'), testid: 'menu-toggle',
  }, icon(ICONS.menu));
  const switcher = orgChoices().length > 1
    ? h('a', { href: '/orgs', class: 'org-switch', testid: 'org-switch' }, t('orgs.switch'))
    : null;
  const user = session.user;
  const header = h('header', { class: 'topbar' },
    toggle,
    h('a', { href: '/', class: 'brand', 'aria-label': t('app.home_label') },
      h('span', { class: 'brand__mark', 'aria-hidden': 'true' }, 'П'),
      h('span', { class: 'brand__name' }, t('app.name'))),
    h('div', { class: 'topbar__org' },
      h('span', { class: 'org-name', testid: 'org-name' }, orgName()),
      switcher),
    session.orgId ? h('a', {
      href: '/chats', class: 'topbar__chats', 'aria-label': t('nav.chats'), title: t('nav.chats'), testid: 'topbar-chats',
    }, icon(CHAT_ICON), unreadBadge('topbar-chats-unread')) : null,
    h('a', { href: '/profile', class: 'topbar__user', testid: 'header-user' }, (user && user.name) || ''));
  const nav = buildNav();
  const shell = h('div', { class: 'shell' }, header, h('div', { class: 'shell__body' }, nav, main));
  toggle.addEventListener('click', () => {
    const open = !shell.classList.contains('menu-open');
    if (!open) {
      closeMenu(shell);
      return;
    }
    shell.classList.add('menu-open');
    toggle.setAttribute('aria-expanded', 'true');
    toggle.setAttribute('aria-label', t('nav.close_menu'));
    toggle.replaceChildren(icon(ICONS.close));
    const first = nav.querySelector('a, button');
    if (first) first.focus();
  });
  nav.addEventListener('click', (event) => {
    if (event.target.closest('a')) closeMenu(shell);
  });
  // A tap on the dimmed page beside the open menu closes it.
  shell.querySelector('.shell__body').addEventListener('click', (event) => {
    if (shell.classList.contains('menu-open') && !event.target.closest('.nav')) {
      event.preventDefault();
      closeMenu(shell);
    }
  });
  shell.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && shell.classList.contains('menu-open')) {
      closeMenu(shell);
      toggle.focus();
    }
  });
  return { shell, main };
}

/** A centered single-card frame for signing in, choosing an organization, joining. */
export function bareShell() {
  const main = h('main', { id: 'main', class: 'bare__main', tabindex: '-1' });
  const shell = h('div', { class: 'bare' },
    h('div', { class: 'bare__brand' },
      h('span', { class: 'brand__mark', 'aria-hidden': 'true' }, 'П'),
      h('span', { class: 'brand__name' }, t('app.name'))),
    main,
    h('footer', { class: 'bare__footer' }, t('app.tagline')));
  return { shell, main };
}
