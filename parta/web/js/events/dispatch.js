// The one place the event stream enters the client. Every event from realtime.js comes here and
// goes to the stores whose state it changes; views listen to stores, never to event types.
//
// A store registers once: the event types it takes, and how it refetches what it holds. When the
// server cannot fill a gap in the stream (or the tab connects afresh) every store is told, here
// and nowhere else, to refetch — `resync(reason, head)`, reason 'fresh' | 'gap' | 'too_slow',
// `head` the stream's id from which events come again (null: unknown). A store whose answer
// says which event id it reflects (the chat list's `event_id`) may skip the refetch after a
// first hello ('fresh') when that is at or past `head`: nothing it lacks can lie between (see
// `reflects`); after a gap the chat store fetches again all the same.
//
//   registerStore({ name: 'chats', events: { 'message.new': onMessage, … }, resync: reload });

import { onStatus, setReceiver } from '../realtime.js';

const routes = new Map(); // event type → [{name, fn}]
const stores = new Map(); // name → {resync}

function route(event) {
  for (const { name, fn } of routes.get(event.type) || []) {
    try {
      fn(event);
    } catch (error) {
      console.error(`store ${name} on ${event.type}`, error); // eslint-disable-line no-console
    }
  }
}

function resyncAll(reason, head = null) {
  for (const [name, store] of stores) {
    try {
      store.resync(reason, head);
    } catch (error) {
      console.error(`store ${name} on resync`, error); // eslint-disable-line no-console
    }
  }
}

setReceiver({ event: route, resync: resyncAll });

/**
 * A store takes the events that change what it holds; `resync(reason)` refetches it all.
 * A name registers once (a second call replaces the first: modules load once, but stay safe).
 */
export function registerStore({ name, events = {}, resync = () => {} }) {
  unregisterStore(name);
  stores.set(name, { resync });
  for (const [type, fn] of Object.entries(events)) {
    if (!routes.has(type)) routes.set(type, []);
    routes.get(type).push({ name, fn });
  }
  return () => unregisterStore(name);
}

export function unregisterStore(name) {
  if (!stores.delete(name)) return;
  for (const [type, list] of routes) {
    const kept = list.filter((r) => r.name !== name);
    if (kept.length) routes.set(type, kept);
    else routes.delete(type);
  }
}

/** Whether an answer that reflects the stream through `watermark` holds everything up to
 *  `head` (both event ids; null or undefined: not known, so no). */
export function reflects(watermark, head) {
  return Number.isSafeInteger(watermark) && Number.isSafeInteger(head) && watermark >= head;
}

export { onStatus };
