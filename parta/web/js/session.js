// Who is signed in and which organization they are looking at (remembered in localStorage).

import { ApiError, get } from './api.js';
import { loadLanguage } from './i18n.js';

const ORG_KEY = 'parta.org';
const ADMIN_ROLES = ['org_admin', 'administration'];
const STAFF_ROLES = ['org_admin', 'administration', 'teacher'];

export const session = {
  user: null, // the /me answer, or null when signed out
  orgId: null,
  org: null, // full /orgs/{id} answer for the current organization, when loaded
  extraOrgs: [], // organizations an operator may open without being a member
};

/** Load /me; returns the user or null when nobody is signed in. */
export async function loadMe() {
  try {
    session.user = await get('/me');
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      session.user = null;
    } else {
      throw error;
    }
  }
  pickOrg();
  return session.user;
}

export function setUser(user) {
  session.user = user;
  pickOrg();
}

export function signedOut() {
  session.user = null;
  session.orgId = null;
  session.org = null;
  session.extraOrgs = [];
}

export function memberships() {
  return (session.user && session.user.memberships) || [];
}

/** Every organization the person may open: their memberships, plus all orgs for an operator. */
export function orgChoices() {
  const seen = new Map();
  for (const m of memberships()) seen.set(m.org.id, m.org);
  for (const org of session.extraOrgs) if (!seen.has(org.id)) seen.set(org.id, org);
  return [...seen.values()];
}

/** Operators and municipal administrators look at organizations they are not members of. */
export async function loadOperatorOrgs() {
  if (!isOperator() && !isMunicipal()) return [];
  try {
    const answer = await get('/organizations');
    session.extraOrgs = answer.organizations || [];
  } catch {
    session.extraOrgs = [];
  }
  pickOrg();
  return session.extraOrgs;
}

function storedOrg() {
  try {
    return Number(localStorage.getItem(ORG_KEY)) || null;
  } catch {
    return null;
  }
}

/** Keep the remembered organization if it is still allowed; a single membership is chosen. */
function pickOrg() {
  const choices = orgChoices();
  const wanted = session.orgId || storedOrg();
  const found = choices.find((org) => org.id === wanted);
  if (found) {
    if (session.orgId !== found.id) session.org = null;
    session.orgId = found.id;
  } else if (memberships().length === 1) {
    session.orgId = memberships()[0].org.id;
    session.org = null;
  } else {
    session.orgId = null;
    session.org = null;
  }
}

export function chooseOrg(id) {
  session.orgId = id;
  session.org = null;
  try {
    localStorage.setItem(ORG_KEY, String(id));
  } catch {
    /* not remembered, still chosen */
  }
}

/** Does the person have to pick an organization before going on? */
export function needsOrgChoice() {
  return !session.orgId && orgChoices().length > 1;
}

export async function loadOrg() {
  if (!session.orgId) return null;
  if (session.org && session.org.id === session.orgId) return session.org;
  try {
    session.org = await get(`/orgs/${session.orgId}`);
  } catch {
    const known = orgChoices().find((org) => org.id === session.orgId);
    session.org = known ? { ...known } : null;
  }
  return session.org;
}

export function membership() {
  return memberships().find((m) => m.org.id === session.orgId) || null;
}

export function roles() {
  const m = membership();
  return (m && m.roles) || [];
}

export const isOperator = () => Boolean(session.user && session.user.is_operator);
export const isMunicipal = () => Boolean(session.user && (session.user.municipalities || []).length);
export const isAdmin = () => roles().some((r) => ADMIN_ROLES.includes(r)) || (isOperator() && !!session.orgId);
export const isStaff = () => roles().some((r) => STAFF_ROLES.includes(r));
export const isTeacher = () => roles().includes('teacher');
/** The organization's own administrator (not «administration»): the school's chat rules and filter. */
export const isOrgAdmin = () => roles().includes('org_admin');
/** Roster import, movement and the school year: the organization's administrator, or the operator. */
export const managesRoster = () => isOrgAdmin() || (isOperator() && !!session.orgId);
/** A member with an administrator's role: the school itself attests a reconciliation (not the operator). */
export const isMemberAdmin = () => roles().some((r) => ADMIN_ROLES.includes(r));
export const orgName = () => {
  if (session.org) return session.org.short_name || session.org.name;
  const known = orgChoices().find((org) => org.id === session.orgId);
  return known ? known.name : '';
};

/** '/orgs/5' + rest, for the current organization. */
export function orgPath(rest = '') {
  return `/orgs/${session.orgId}${rest}`;
}

/** After sign-in, a language change or joining: reload who the person is. */
export async function refreshSession() {
  await loadMe();
  if (session.user && session.user.language) await loadLanguage(session.user.language);
  await loadOperatorOrgs();
  return session.user;
}
