// The network's events reach the pages here (R41, R2): a joint chat invites the school, a
// school's place in a joint chat changed, an instruction came or was taken up. A toast tells the
// administrator wherever they are; the pages refetch.

import { registerStore } from '../events/dispatch.js';
import { t } from '../i18n.js';
import { toast } from '../ui.js';

const listeners = new Set();
const tell = (event) => { for (const fn of [...listeners]) fn(event); };

registerStore({
  name: 'network',
  events: {
    'network.invited': (event) => {
      toast(t('network.invited_toast', { school: event.from_org, title: event.title }));
      tell(event);
    },
    'network.changed': tell,
    'instruction.received': (event) => {
      toast(t(event.reminder ? 'instructions.reminder_toast' : 'instructions.received_toast', { title: event.title }));
      tell(event);
    },
    'instruction.acknowledged': tell,
  },
  resync: () => tell(null),
});

/** Watch the network's changes (null: fetch everything again); returns the way to stop. */
export function onNetwork(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}
