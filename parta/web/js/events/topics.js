// What a page fetches and shows by itself — the appeals, the movement log, the export of one's
// data, a parent's confirmed link, a member's moderation record — is a topic: the page watches
// it and fetches again when the topic changes. Events and resyncs reach topics through the
// dispatcher like any store.

import { registerStore } from './dispatch.js';

// name → the events that change it (with a test on the event), and whether a first connection
// (`fresh`) also refetches it: the pages that did so before, for the window between their fetch
// and the stream's start. After a gap in the stream every topic is fetched again.
const TOPICS = {
  appeals: { events: ['moderation.appeal'] },
  movement: { events: ['movement.changed'], fresh: true },
  my_data_export: { events: ['privacy.changed'], when: (e) => e.what === 'export' },
  parent_link_confirmed: { events: ['parent_link.decided'], when: (e) => e.status === 'confirmed' },
  member_records: { events: ['moderation.violation', 'moderation.block'] },
  chat_links: { events: ['chat.link'] },
  chat_join_requests: { events: ['chat.join_request', 'chat.join_decided'] },
};

const watchers = new Map(Object.keys(TOPICS).map((name) => [name, new Set()]));

function tell(name, event) {
  for (const fn of [...watchers.get(name)]) fn(event);
}

const events = {};
for (const [name, topic] of Object.entries(TOPICS)) {
  for (const type of topic.events) {
    const before = events[type];
    events[type] = (e) => {
      if (before) before(e);
      if (!topic.when || topic.when(e)) tell(name, e);
    };
  }
}

registerStore({
  name: 'topics',
  events,
  resync(reason) {
    for (const [name, topic] of Object.entries(TOPICS)) if (reason !== 'fresh' || topic.fresh) tell(name, null);
  },
});

/**
 * Call fn(event) when the topic changes; fn(null) after a gap in the stream (refetch it all).
 * Returns the function that stops watching.
 */
export function watch(name, fn) {
  if (!watchers.has(name)) throw new Error(`no topic ${name}`);
  watchers.get(name).add(fn);
  return () => watchers.get(name).delete(fn);
}
