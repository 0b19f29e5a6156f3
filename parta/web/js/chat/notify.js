// Browser notifications while the tab is open but out of sight.
//
// Permission is asked once, from a button the person presses — never on page load. A message
// that arrives while the tab is hidden shows as a notification; a click opens its chat.

import { h, icon } from '../dom.js';
import { t } from '../i18n.js';
import { navigate } from '../router.js';
import { session } from '../session.js';
import { toast } from '../ui.js';
import { chatById, nameOf, onArrival } from './store.js';
import { filesLabel, plainText } from './format.js';

const BELL = ['M6 8a6 6 0 1 1 12 0c0 7 3 8 3 8H3s3-1 3-8', 'M10.3 21a1.94 1.94 0 0 0 3.4 0'];
const supported = () => 'Notification' in window;
let started = false;

/** «Turn on notifications», shown only while the browser has not been asked yet. */
export function notificationButton() {
  if (!supported() || Notification.permission !== 'default') return null;
  const btn = h('button', {
    type: 'button', class: 'btn btn--ghost btn--small', testid: 'notifications-enable', title: t('notify.enable_hint'),
  }, icon(BELL), t('notify.enable'));
  btn.addEventListener('click', async () => {
    let answer = 'default';
    try {
      answer = await Notification.requestPermission();
    } catch {
      answer = Notification.permission;
    }
    if (answer === 'granted') toast(t('notify.enabled'));
    else if (answer === 'denied') toast(t('notify.denied'), 'error');
    if (answer !== 'default') (btn.closest('[data-notify-holder]') || btn).remove();
  });
  return btn;
}

function show(event) {
  const message = event.message || {};
  if (!session.user || message.author_id === session.user.id) return;
  if (!supported() || Notification.permission !== 'granted') return;
  // While the tab is in sight the chat list and badges say enough.
  if (document.visibilityState !== 'hidden') return;
  const chat = chatById(event.chat_id);
  const author = nameOf(message.author_id);
  const text = plainText(message.body, 160) || filesLabel(message);
  try {
    const note = new Notification(chat ? chat.title : t('notify.new_message'), {
      body: author ? `${author}: ${text}` : text,
      tag: `parta-chat-${event.chat_id}`,
      lang: document.documentElement.lang,
    });
    note.addEventListener('click', () => {
      window.focus();
      navigate(`/chats/${event.chat_id}`);
      note.close();
    });
  } catch {
    /* some phones allow notifications only from a service worker */
  }
}

export function startNotifications() {
  if (started) return;
  started = true;
  onArrival(show);
}
