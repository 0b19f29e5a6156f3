// Lessons' events reach the pages here: a lesson scheduled, moved or cancelled in one of the
// person's chats, and the reminder shortly before one begins (a toast, wherever they are).

import { registerStore } from '../events/dispatch.js';
import { t } from '../i18n.js';
import { toast } from '../ui.js';

const listeners = new Set();
const tell = (event) => { for (const fn of [...listeners]) fn(event); };

registerStore({
  name: 'lessons',
  events: {
    'lesson.changed': tell,
    'lesson.reminder': (event) => {
      const time = new Date(event.starts_at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
      toast(t('lessons.reminder_toast', { title: event.title, time }));
      tell(event);
    },
  },
  resync: () => tell(null),
});

/** Watch lesson changes (null: fetch everything again); returns the way to stop. */
export function onLessons(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}
