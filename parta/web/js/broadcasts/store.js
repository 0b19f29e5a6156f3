// Broadcasts' events reach the pages here: one planned, cancelled, on or off the air; the live
// viewer count (coalesced by the server); a question asked or decided.

import { registerStore } from '../events/dispatch.js';

const listeners = new Set();
const tell = (event) => { for (const fn of [...listeners]) fn(event); };

registerStore({
  name: 'broadcasts',
  events: {
    'broadcast.changed': tell,
    'broadcast.viewers': tell,
    'broadcast.questions': tell,
  },
  resync: () => tell(null),
});

/** Watch broadcast events (null: fetch everything again); returns the way to stop. */
export function onBroadcasts(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}
