// The classes the signed-in person leads as class teacher in the current organization: a class
// teacher reports movement in their class (R7). The «Movement» link follows it; group and role
// changes refresh it.

import { get } from '../api.js';
import { registerStore } from '../events/dispatch.js';
import { isTeacher, session } from '../session.js';

const state = { orgId: null, userId: null, classes: [], known: false };
const listeners = new Set();
let loading = null;
let subscribed = false;

export const leadsState = () => state;

export function onLeads(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

function changed() {
  for (const fn of [...listeners]) fn(state);
}

/** Fetch the classes again; a person who is not a teacher leads none (no request). */
export function loadLeads(orgId = session.orgId) {
  subscribe();
  const userId = session.user ? session.user.id : null;
  if (orgId !== state.orgId || userId !== state.userId) {
    Object.assign(state, { orgId, userId, classes: [], known: false });
    loading = null;
  }
  if (!orgId || !userId || !isTeacher()) {
    state.known = true;
    changed();
    return Promise.resolve(state);
  }
  if (!loading) {
    loading = get(`/orgs/${orgId}/groups`)
      .then((answer) => {
        if (orgId !== state.orgId) return;
        state.classes = (answer.groups || []).filter((g) => g.kind === 'class' && g.class_teacher && g.class_teacher.id === userId);
      })
      .catch(() => {
        if (orgId === state.orgId) state.classes = [];
      })
      .finally(() => {
        loading = null;
        if (orgId === state.orgId) state.known = true;
        changed();
      });
  }
  return loading.then(() => state);
}

/** Once per organization and person; later changes come from events. */
export function ensureLeads(orgId = session.orgId) {
  const userId = session.user ? session.user.id : null;
  if (state.orgId === orgId && state.userId === userId) {
    if (loading) return loading.then(() => state);
    if (state.known) return Promise.resolve(state);
  }
  return loadLeads(orgId);
}

export function resetLeads() {
  Object.assign(state, { orgId: null, userId: null, classes: [], known: false });
  loading = null;
  changed();
}

function subscribe() {
  if (subscribed) return;
  subscribed = true;
  const again = () => {
    if (state.orgId) loadLeads(state.orgId);
  };
  registerStore({ name: 'leads', events: { 'group.changed': again, 'roles.changed': again }, resync: again });
}
