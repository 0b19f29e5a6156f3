// Announcements' and scheduled messages' events reach the pages here: a post marked, a count
// changed, a step of an announcement's reminders (a toast, wherever the person is), one's own
// scheduled message sent or refused at its time. The open chat watches `onAcks`.

import { registerStore } from '../events/dispatch.js';
import { t } from '../i18n.js';
import { toast } from '../ui.js';

const listeners = new Set();
const tell = (event) => { for (const fn of [...listeners]) fn(event); };

registerStore({
  name: 'acks',
  events: {
    'ack.changed': tell,
    'ack.marked': tell,
    'ack.reminder': (event) => {
      toast(t(event.step === 'call_list' ? 'acks.call_list_toast' : 'acks.reminder_toast'));
      tell(event);
    },
    'scheduled.changed': (event) => {
      if (event.status === 'sent') toast(t('scheduled.sent'));
      else if (event.status === 'failed') toast(t('scheduled.failed_toast'), 'error');
      tell(event);
    },
  },
  resync: () => tell(null),
});

/** Watch (event, or null: fetch everything again); returns the way to stop. */
export function onAcks(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}
