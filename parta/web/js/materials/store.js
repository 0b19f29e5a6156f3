// The library's events reach its pages here: a material published, changed, verified or deleted
// that the person may read (each page fetches what it shows again).

import { registerStore } from '../events/dispatch.js';

const listeners = new Set();
const tell = (event) => { for (const fn of [...listeners]) fn(event); };

registerStore({
  name: 'materials',
  events: { 'material.changed': tell },
  resync: () => tell(null),
});

/** Watch the library (null: fetch everything again); returns the way to stop. */
export function onMaterials(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}
