// Start-up and the page lifecycle: who is signed in, which page, which frame around it.

import { h, replace } from './dom.js';
import { loadLanguage, t } from './i18n.js';
import { appShell, bareShell } from './layout.js';
import { here, match, navigate, route, safeNext, start } from './router.js';
import {
  isAdmin, isMunicipal, isOperator, isStaff, loadMe, loadOperatorOrgs, loadOrg, managesRoster, memberships, needsOrgChoice, session,
  signedOut,
} from './session.js';
import { errorBox, loading, pageHeader, toast } from './ui.js';
import { watchAttention } from './attention.js';
import { forgetRealtime, startRealtime } from './realtime.js';
import { onStatus, registerStore } from './events/dispatch.js';
import './events/topics.js';
import { ensureChats, onChats, resetChats, totalUnread } from './chat/store.js';
import { startNotifications } from './chat/notify.js';
import { startPwa } from './pwa.js';
import { syncPush } from './push.js';
import { ensureQueue, onQueue, queueState, resetQueue } from './moderation/queue_state.js';
import { signinView } from './views/signin.js';
import { nameView } from './views/name.js';
import { orgChooserView, noOrgView } from './views/orgs.js';
import { homeView } from './views/home.js';
import { chatsView } from './views/chats.js';
import { chatView } from './views/chat.js';
import './polls/store.js'; // polls' live results and the reminder's toast
import './lessons/store.js'; // the reminder's toast, on whatever page the person is
import './network/store.js'; // a joint chat's invitation, an instruction: a toast anywhere
import { ensureLeads, leadsState, onLeads, resetLeads } from './roster/leads.js';

/** A page whose code is fetched when it is first opened: the chat list a parent opens does not
 * wait for the administration's pages. */
function lazy(load, name) {
  return async (ctx) => (await load())[name](ctx);
}
const viewsJoin = () => import('./views/join.js');
const viewsProfile = () => import('./views/profile.js');
const viewsPerson = () => import('./views/person.js');
const viewsSupport = () => import('./views/support.js');
const viewsTeacher = () => import('./views/teacher.js');
const viewsInvites = () => import('./views/invites.js');
const viewsAdminOrg = () => import('./views/admin_org.js');
const viewsAdminGroups = () => import('./views/admin_groups.js');
const viewsAdminMembers = () => import('./views/admin_members.js');
const viewsAdminRequests = () => import('./views/admin_requests.js');
const viewsAdminParentLinks = () => import('./views/admin_parent_links.js');
const viewsAdminVerification = () => import('./views/admin_verification.js');
const viewsAdminAudit = () => import('./views/admin_audit.js');
const viewsOperatorOrgs = () => import('./views/operator_orgs.js');
const viewsSupportInbox = () => import('./views/support_inbox.js');
const viewsChatJoin = () => import('./views/chat_join.js');
const viewsChatMembers = () => import('./views/chat_members.js');
const viewsChatSettings = () => import('./views/chat_settings.js');
const viewsChatLink = () => import('./views/chat_link.js');
const viewsChatDirectory = () => import('./views/chat_directory.js');
const viewsModeration = () => import('./views/moderation.js');
const viewsAdminChatRules = () => import('./views/admin_chat_rules.js');
const viewsRosterImports = () => import('./views/roster_imports.js');
const viewsRosterImport = () => import('./views/roster_import.js');
const viewsMovement = () => import('./views/movement.js');
const viewsReconciliation = () => import('./views/reconciliation.js');
const statsMunicipal = () => import('./stats/municipal.js');
const statsPage = () => import('./stats/page.js');
const viewsYear = () => import('./views/year.js');
const viewsAdminConsents = () => import('./views/admin_consents.js');
const lessonsPage = () => import('./lessons/page.js');
const lessonsAttendance = () => import('./lessons/attendance.js');
const oversightPage = () => import('./oversight/page.js');
const broadcastsPage = () => import('./broadcasts/page.js');
const materialsPage = () => import('./materials/page.js');
const materialsMaterial = () => import('./materials/material.js');
const materialsEditor = () => import('./materials/editor.js');
const viewsNetwork = () => import('./views/network.js');
const viewsInstructions = () => import('./views/instructions.js');

const BARE = { layout: 'bare' };
const ORG = { needsOrg: true };
const ADMIN = { needsOrg: true, admin: true };
const OPERATOR = { operator: true };
const ROSTER = { needsOrg: true, admin: true, roster: true }; // the organization's administrator

route('/signin', signinView, { public: true, layout: 'bare', title: 'signin.title' });
route('/orgs', orgChooserView, { ...BARE, title: 'orgs.title' });
route('/join/:token', lazy(viewsJoin, 'joinView'), { ...BARE, public: true, title: 'join.title' }); // shows where it leads first
route('/chat-link/:token', lazy(viewsChatLink, 'chatLinkView'), { ...BARE, public: true, title: 'chat_link.title' }); // the same for a chat
route('/', homeView, { title: 'home.title', home: true });
route('/chats', chatsView, { ...ORG, title: 'chats.title' });
route('/chats/new', lazy(viewsChatSettings, 'newChatView'), { ...ORG, title: 'chat_new.title', staff: true });
route('/chats/directory', lazy(viewsChatDirectory, 'chatDirectoryView'), { ...ORG, title: 'chat_directory.title', staff: true });
route('/chats/:id', chatView, { ...ORG, title: 'chats.title' });
route('/chats/:id/join', lazy(viewsChatJoin, 'chatJoinView'), { ...ORG, title: 'chat_join.title' });
route('/chats/:id/members', lazy(viewsChatMembers, 'chatMembersView'), { ...ORG, title: 'members_chat.title' });
route('/chats/:id/settings', lazy(viewsChatSettings, 'chatSettingsView'), { ...ORG, title: 'chat_settings.title_page' });
route('/chats/:id/lessons', lazy(lessonsPage, 'lessonsView'), { ...ORG, title: 'lessons.title' });
route('/materials', lazy(materialsPage, 'libraryView'), { ...ORG, title: 'materials.title' });
route('/materials/new-article', lazy(materialsEditor, 'articleEditorView'), { ...ORG, title: 'materials.new_article', staff: true });
route('/materials/:id', lazy(materialsMaterial, 'materialView'), { ...ORG, title: 'materials.title' });
route('/materials/:id/edit', lazy(materialsEditor, 'articleEditorView'), { ...ORG, title: 'materials.edit_article', staff: true });
route('/calls/:id/attendance', lazy(lessonsAttendance, 'attendanceView'), { ...ORG, title: 'attendance.title' });
route('/network', lazy(viewsNetwork, 'networkView'), { ...ORG, title: 'network.title', staff: true });
route('/admin/instructions', lazy(viewsInstructions, 'instructionsView'), { ...ADMIN, title: 'instructions.title' });
route('/municipality/instructions', lazy(viewsInstructions, 'municipalInstructionsView'), { municipal: true, title: 'instructions.municipal_title' });
route('/broadcasts', lazy(broadcastsPage, 'broadcastsView'), { ...ORG, title: 'broadcasts.title' });
route('/broadcasts/:id', lazy(broadcastsPage, 'broadcastView'), { ...ORG, title: 'broadcasts.title' });
route('/moderation', lazy(viewsModeration, 'moderationView'), { ...ORG, title: 'queue.title' });
route('/profile', lazy(viewsProfile, 'profileView'), { title: 'profile.title' });
route('/people/:id', lazy(viewsPerson, 'personView'), { ...ORG, title: 'office_hours.profile' });
route('/support', lazy(viewsSupport, 'supportListView'), { title: 'support.title' });
route('/support/:id', lazy(viewsSupport, 'supportTicketView'), { title: 'support.title' });
route('/verification', lazy(viewsTeacher, 'verificationRequestView'), { ...ORG, title: 'verify_me.title' });
route('/invites', lazy(viewsInvites, 'invitesView'), { ...ORG, title: 'invites.title', teacher: true });
route('/admin/org', lazy(viewsAdminOrg, 'orgProfileView'), { ...ADMIN, title: 'org.title' });
route('/admin/groups', lazy(viewsAdminGroups, 'groupsView'), { ...ADMIN, title: 'groups.title' });
route('/admin/members', lazy(viewsAdminMembers, 'membersView'), { ...ADMIN, title: 'members.title' });
route('/admin/invites', lazy(viewsInvites, 'invitesView'), { ...ADMIN, title: 'invites.title' });
route('/admin/requests', lazy(viewsAdminRequests, 'joinRequestsView'), { ...ADMIN, title: 'requests.title' });
route('/admin/parent-links', lazy(viewsAdminParentLinks, 'parentLinksView'), { ...ADMIN, title: 'parent_links.title' });
route('/admin/verification', lazy(viewsAdminVerification, 'verificationAdminView'), { ...ADMIN, title: 'verification.title' });
route('/admin/audit', lazy(viewsAdminAudit, 'auditView'), { ...ADMIN, title: 'audit.title' });
route('/admin/calls', lazy(oversightPage, 'oversightView'), { ...ADMIN, title: 'oversight.title' });
route('/admin/consents', lazy(viewsAdminConsents, 'consentsAdminView'), { ...ADMIN, title: 'consents.title' });
route('/admin/chat-rules', lazy(viewsAdminChatRules, 'chatRulesAdminView'), { ...ADMIN, title: 'chat_rules.title' });
route('/admin/roster', lazy(viewsRosterImports, 'rosterImportsView'), { ...ROSTER, title: 'roster.title' });
route('/admin/roster/:id', lazy(viewsRosterImport, 'rosterImportView'), { ...ROSTER, title: 'roster.title' });
route('/admin/reconciliation', lazy(viewsReconciliation, 'reconciliationView'), { ...ADMIN, title: 'reconciliation.title' });
route('/admin/stats', lazy(statsPage, 'statsView'), { ...ADMIN, title: 'stats.title' });
route('/municipality', lazy(statsMunicipal, 'municipalView'), { municipal: true, title: 'stats.municipal_title' });
route('/admin/year', lazy(viewsYear, 'yearView'), { ...ROSTER, title: 'year.title' });
route('/movement', lazy(viewsMovement, 'movementView'), { ...ORG, title: 'movement.title' }); // the operator too: not staff
route('/operator/orgs', lazy(viewsOperatorOrgs, 'operatorOrgsView'), { ...OPERATOR, title: 'operator_orgs.title' });
route('/admin/support', lazy(viewsSupportInbox, 'supportInboxView'), { ...ADMIN, title: 'inbox.title', box: 'school' });
route('/admin/support/:id', lazy(viewsSupport, 'supportTicketView'), { ...ADMIN, title: 'inbox.title', inbox: true, box: 'school' });
route('/operator/support', lazy(viewsSupportInbox, 'supportInboxView'), { ...OPERATOR, title: 'inbox.title', box: 'platform' });
route('/operator/support/:id', lazy(viewsSupport, 'supportTicketView'), { ...OPERATOR, title: 'inbox.title', inbox: true, box: 'platform' });

const root = document.getElementById('app');
let renderId = 0;
let leaveHandlers = [];

function leave() {
  for (const fn of leaveHandlers) {
    try {
      fn();
    } catch {
      /* a view's cleanup must not stop the next page */
    }
  }
  leaveHandlers = [];
}

function notFound() {
  return h('div', {}, pageHeader(t('not_found.title'), t('not_found.text')),
    h('p', {}, h('a', { href: '/', class: 'btn btn--primary' }, t('not_found.home'))));
}

function forbidden() {
  return h('div', {}, pageHeader(t('forbidden.title'), t('forbidden.text')));
}

/** Decide where the person may be; returns a path to go to instead, or null. */
function redirectFor(found) {
  const user = session.user;
  if (!user) return found && found.options.public ? null : `/signin?next=${encodeURIComponent(here())}`;
  if (found && found.path === '/signin') return safeNext(found.query.next);
  const wantsOrg = found && (found.options.needsOrg || (found.options.home && memberships().length > 1));
  if (wantsOrg && needsOrgChoice()) return `/orgs?next=${encodeURIComponent(here())}`;
  return null;
}

async function render() {
  const id = ++renderId;
  leave();
  const found = match();
  const target = redirectFor(found);
  if (target) {
    navigate(target, { replace: true });
    return;
  }
  const user = session.user;
  let view = found ? found.view : notFound;
  let layout = found ? found.options.layout || 'app' : 'app';
  if (user && user.needs_name) {
    view = nameView;
    layout = 'bare';
  } else if (found && found.options.needsOrg && !session.orgId) {
    view = memberships().length || isOperator() || isMunicipal() ? orgChooserView : noOrgView;
    layout = 'bare';
  } else if (found && found.options.home && !session.orgId && !isOperator() && !isMunicipal()) {
    view = noOrgView;
    layout = 'bare';
  } else if (found && found.options.admin && !isAdmin()) {
    view = forbidden;
  } else if (found && found.options.roster && !managesRoster()) {
    view = forbidden;
  } else if (found && found.options.operator && !isOperator()) {
    view = forbidden;
  } else if (found && found.options.municipal && !isMunicipal() && !isOperator()) {
    view = forbidden;
  } else if (found && found.options.staff && !isStaff()) {
    view = forbidden;
  } else if (found && found.options.municipal && !isMunicipal()) {
    view = forbidden;
  }
  // The stream, the chat list and the rest start now, beside the organization's answer: none of
  // them waits for it (they need only its id, from /me).
  connectLive();
  if (layout === 'app' && user) await loadOrg();
  if (id !== renderId) return;

  const { shell, main } = layout === 'bare' ? bareShell() : appShell();
  replace(root, shell);
  root.removeAttribute('aria-busy');
  const skip = document.querySelector('.skip-link');
  if (skip) skip.textContent = t('app.skip_to_content');
  main.append(loading());
  document.title = found && found.options.title ? `${t(found.options.title)} · ${t('app.name')}` : t('app.name');
  const ctx = {
    params: (found && found.params) || {},
    query: (found && found.query) || {},
    options: (found && found.options) || {},
    main,
    refresh: () => render(),
    onLeave: (fn) => leaveHandlers.push(fn),
    isCurrent: () => id === renderId,
  };
  let content;
  try {
    content = await view(ctx);
  } catch (error) {
    content = h('div', {}, pageHeader(t('errors.page_title')), errorBox(error));
  }
  if (id !== renderId) return;
  replace(main, content);
  const heading = main.querySelector('h1');
  if (heading && !document.activeElement?.closest?.('form')) heading.focus({ preventScroll: true });
  showUnread();
  showModeration();
  showMovement();
}

/** The event stream and the chat list follow whoever is signed in. */
function connectLive() {
  const user = session.user;
  if (!user || user.needs_name) {
    forgetRealtime();
    resetChats();
    resetQueue();
    resetLeads();
    return;
  }
  startRealtime(user);
  startNotifications();
  syncPush();
  if (session.orgId) {
    ensureChats(session.orgId);
    ensureQueue(session.orgId);
    ensureLeads(session.orgId);
  }
}

/** A class teacher who is not the school's administrator reports movement in their class. */
function showMovement() {
  const leads = leadsState();
  const shown = !managesRoster() && leads.orgId === session.orgId && leads.classes.length > 0;
  for (const link of document.querySelectorAll('[data-movement-link]')) link.hidden = !shown;
}

/** The «Moderation» link shows for those with a queue, with the number of items waiting. */
function showModeration() {
  const q = queueState();
  const shown = q.allowed && q.orgId === session.orgId;
  for (const link of document.querySelectorAll('[data-moderation-link]')) link.hidden = !shown;
  for (const badge of document.querySelectorAll('[data-moderation-badge]')) {
    badge.textContent = q.count > 99 ? '99+' : String(q.count);
    badge.hidden = !shown || q.count === 0;
  }
}

/** Unread messages on the «Chats» links and in the tab's title. */
function showUnread() {
  const count = session.user ? totalUnread() : 0;
  const shown = count > 99 ? '99+' : String(count);
  for (const badge of document.querySelectorAll('[data-unread-badge]')) {
    badge.textContent = shown;
    badge.hidden = count === 0;
    // An icon link named by aria-label says the number it shows too (WCAG 2.5.3).
    const link = badge.closest('a[aria-label]');
    if (link) link.setAttribute('aria-label', count ? t('nav.chats_unread', { count: shown }) : t('nav.chats'));
  }
  const title = document.title.replace(/^\(\d+\+?\) /, '');
  document.title = count ? `(${count > 99 ? '99+' : count}) ${title}` : title;
}

/** «Connecting…» after a short while without the stream, so a quick reconnect does not flicker. */
function connectionIndicator() {
  const label = h('span', {});
  const el = h('div', { class: 'connection', role: 'status', testid: 'connection-status', hidden: true },
    h('span', { class: 'spinner', 'aria-hidden': 'true' }), label);
  document.body.append(el);
  let timer = null;
  onStatus((status) => {
    clearTimeout(timer);
    if (status === 'connecting') {
      timer = setTimeout(() => {
        label.textContent = t('realtime.connecting');
        el.hidden = false;
      }, 1200);
    } else {
      el.hidden = true;
    }
  });
}

async function boot() {
  try {
    await loadLanguage();
    startPwa();
    await loadMe();
    if (session.user && session.user.language) await loadLanguage(session.user.language);
    await loadOperatorOrgs();
  } catch (error) {
    try {
      await loadLanguage();
    } catch {
      /* the message below falls back to its key */
    }
    startPwa();
    replace(root, bareShell().shell);
    root.querySelector('main').append(errorBox(error));
    return;
  }
  connectionIndicator();
  onChats(showUnread);
  onQueue(showModeration);
  watchAttention();
  // Whoever wrote to support hears of an answer wherever they are in the app (R42).
  registerStore({
    name: 'support_answers',
    events: { 'support.changed': (event) => event.status === 'answered' && toast(t('support.answered_toast')) },
  });
  // Someone asks to join a chat I moderate; my own request to join was answered (R22).
  registerStore({
    name: 'chat_join_answers',
    events: {
      'chat.join_request': (event) => toast(t('chat_requests.new_toast', { title: event.title })),
      'chat.join_decided': (event) => session.user && event.user_id === session.user.id
        && toast(t(`chat_requests.yours_${event.status}`, { title: event.title }), event.status === 'approved' ? 'ok' : 'error'),
    },
  });
  onLeads(showMovement);
  window.addEventListener('parta:signed-out', () => {
    if (!session.user) return;
    signedOut();
    forgetRealtime();
    resetChats();
    resetQueue();
    resetLeads();
    navigate(`/signin?next=${encodeURIComponent(here())}`, { replace: true });
  });
  start(render);
}

boot();
