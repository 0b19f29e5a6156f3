// Parta's service worker: the app shell offline, and Web Push notifications.
//
// The server fills in the asset version (a hash of the web client's files) and the list of
// the shell's files when it serves this script, so a deploy installs a new worker with a new
// cache and the old cache is deleted. API answers and uploaded files are never cached: they
// hold personal data and must be fresh.

const VERSION = '__ASSET_VERSION__';
const SHELL = __SHELL_ASSETS__;
const CACHE = `parta-shell-${VERSION}`;

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    await cache.addAll(SHELL.map((url) => new Request(url, { cache: 'reload' })));
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith('parta-shell-') && name !== CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

function offlinePage() {
  const lang = (self.navigator.language || 'ru').startsWith('en') ? 'en' : 'ru';
  const text = lang === 'en'
    ? ['No connection', 'Parta will open once the network is back.']
    : ['Нет связи', 'Парта откроется, когда появится сеть.'];
  return new Response(
    `<!doctype html><html lang="${lang}"><meta charset="utf-8">`
    + '<meta name="viewport" content="width=device-width, initial-scale=1">'
    + `<title>${text[0]}</title><main><h1>${text[0]}</h1><p>${text[1]}</p></main></html>`,
    { status: 503, headers: { 'Content-Type': 'text/html; charset=utf-8' } });
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith('/api/') || url.pathname === '/sw.js') return; // always the network
  if (request.mode === 'navigate') {
    // A page: the network first (the shell carries no-cache), the cached shell when offline.
    event.respondWith((async () => {
      try {
        return await fetch(request);
      } catch {
        const cache = await caches.open(CACHE);
        return (await cache.match('/')) || offlinePage();
      }
    })());
    return;
  }
  // The shell names the files by this version's URLs, /static/v/<VERSION>/…, and the cache holds
  // them by those URLs. Another version's (a deploy's new shell, before this worker is replaced)
  // always comes from the network: never an older file under a newer name.
  const versioned = url.pathname.match(/^\/static\/v\/([^/]+)\//);
  if (versioned && versioned[1] !== VERSION) return;
  if (url.pathname.startsWith('/static/') || url.pathname === '/manifest.webmanifest') {
    // The client's own files: from this version's cache, else the network. A plain /static/…
    // URL (a catalog fetched by name, an icon) is looked up under this version's name and
    // answered as a copy with no URL of its own: a response keeps the URL it was fetched by, and
    // a module resolves its imports against it — answering one URL with another's response
    // would load that module's imports a second time, as separate modules with separate state.
    const plain = !versioned && url.pathname !== '/manifest.webmanifest';
    const key = plain ? `/static/v/${VERSION}${url.pathname.slice('/static'.length)}` : request;
    event.respondWith((async () => {
      const cache = await caches.open(CACHE);
      const hit = await cache.match(key, { ignoreSearch: true });
      if (!hit) return fetch(request);
      return plain ? new Response(hit.body, { status: hit.status, statusText: hit.statusText, headers: hit.headers }) : hit;
    })());
  }
});

// Web Push. The payload (decrypted by the browser) is {title, body, tag, url, count, kind}.
self.addEventListener('push', (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch {
    data = { body: event.data ? event.data.text() : '' };
  }
  event.waitUntil((async () => {
    // A window of the app in sight already shows the message: no notification on top of it.
    const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
    if (windows.some((w) => w.visibilityState === 'visible' && w.focused)) return;
    await self.registration.showNotification(data.title || 'Парта', {
      body: data.body || '',
      tag: data.tag || 'parta',
      renotify: Boolean(data.tag),
      icon: '/static/icons/icon-192.png',
      badge: '/static/icons/badge-96.png',
      data: { url: data.url || '/chats' },
    });
  })());
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const target = new URL(event.notification.data?.url || '/chats', self.location.origin).href;
  event.waitUntil((async () => {
    const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
    const same = windows.find((w) => w.url === target) || windows[0];
    if (same) {
      if (same.url !== target && 'navigate' in same) await same.navigate(target);
      return same.focus();
    }
    return self.clients.openWindow(target);
  })());
});

// The push service renewed the subscription: take the new one now; the app sends it to the
// server on its next start (a worker cannot read the CSRF cookie a signed-in request needs).
self.addEventListener('pushsubscriptionchange', (event) => {
  const old = event.oldSubscription;
  if (event.newSubscription || !old) return;
  event.waitUntil(self.registration.pushManager.subscribe(old.options).catch(() => null));
});
