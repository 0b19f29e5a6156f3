// The moderation queue of the current organization (R27): whether the person has one at all
// (chat moderators and administrators do), how many items wait, and the items themselves.
// The «Moderation» link and its badge follow it; `moderation.changed` (through the dispatcher)
// refreshes it, and so does a resync.

import { get } from '../api.js';
import { registerStore } from '../events/dispatch.js';
import { isAdmin, isStaff, session } from '../session.js';

const state = { orgId: null, allowed: false, count: 0, queue: null, error: null };
const listeners = new Set();
let loading = null;
let subscribed = false;
let timer = null;

export const queueState = () => state;

/** Listen for changes of the queue; returns the function that stops listening. */
export function onQueue(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

function changed() {
  for (const fn of [...listeners]) fn(state);
}

/** Fetch the queue again; a refusal (403 not_moderator) means there is nothing to moderate. */
export function loadQueue(orgId = session.orgId) {
  subscribe();
  if (orgId !== state.orgId) {
    Object.assign(state, { orgId, allowed: false, count: 0, queue: null, error: null });
    loading = null;
  }
  if (!orgId || !(isStaff() || isAdmin())) {
    changed();
    return Promise.resolve(state);
  }
  if (!loading) {
    loading = get(`/orgs/${orgId}/moderation`)
      .then((queue) => {
        if (orgId !== state.orgId) return;
        Object.assign(state, {
          allowed: true, queue, error: null, count: (queue.reports || []).length + (queue.held || []).length,
        });
      })
      .catch((error) => {
        if (orgId !== state.orgId) return;
        const refused = error.status === 403 || error.status === 404;
        Object.assign(state, { allowed: refused ? false : state.allowed, error: refused ? null : error });
        if (refused) Object.assign(state, { queue: null, count: 0 });
      })
      .finally(() => {
        loading = null;
        changed();
      });
  }
  return loading.then(() => state);
}

/** Once per organization; later changes come from events. */
export function ensureQueue(orgId = session.orgId) {
  if (state.orgId === orgId && (state.queue || loading || !state.allowed && state.orgId)) return Promise.resolve(state);
  return loadQueue(orgId);
}

export function resetQueue() {
  Object.assign(state, { orgId: null, allowed: false, count: 0, queue: null, error: null });
  loading = null;
  changed();
}

function reloadSoon() {
  if (!state.orgId) return;
  clearTimeout(timer);
  timer = setTimeout(() => loadQueue(state.orgId), 200);
}

function subscribe() {
  if (subscribed) return;
  subscribed = true;
  registerStore({
    name: 'moderation_queue',
    events: {
      'moderation.changed': (e) => (!e.org_id || e.org_id === state.orgId) && reloadSoon(),
      // Made (or unmade) a chat's moderator: the queue may appear or go.
      'chat.member': (e) => session.user && e.user_id === session.user.id && reloadSoon(),
    },
    resync: reloadSoon,
  });
}
