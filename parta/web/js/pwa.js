// The installable app: the service worker (offline shell, Web Push) and the «no network» state.

import { h } from './dom.js';
import { t } from './i18n.js';

let banner = null;
let started = false;

function showOffline() {
  if (!banner) {
    banner = h('div', { class: 'offline-banner', role: 'status', testid: 'offline-banner', hidden: true },
      h('strong', {}, t('pwa.offline_title')), ' ', h('span', {}, t('pwa.offline_text')));
    document.body.append(banner);
  }
  banner.hidden = navigator.onLine;
}

/** Register the worker (its scope is the whole site) and follow the network's state. */
export function startPwa() {
  if (started) return;
  started = true;
  window.addEventListener('online', showOffline);
  window.addEventListener('offline', showOffline);
  if (!navigator.onLine) showOffline();
  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch(() => {
      /* without it the app still works online */
    });
  }
}
