/* Regie chauffeur's service worker (scope /<tenant>/chauffeur/). It keeps the app shell, its script, stylesheets
 * and icons, and the last day plan and categories the API gave, so the app opens and shows the day without signal.
 * Everything is network first (a new release or a changed plan arrives as soon as there is signal), with the
 * kept copy as the fallback; a slow network falls back after a few seconds. What the driver enters never passes
 * through here: it lives in IndexedDB (app.js) until the sync API has it. */
'use strict';

const CACHE = 'regie-chauffeur-v1';
const SCOPE = new URL(self.registration.scope).pathname;
const TENANT = SCOPE.split('/')[1];
const API = `/${TENANT}/api/foodsavers/`;
const SHELL = [
  SCOPE,
  `${SCOPE}static/app.js`,
  `${SCOPE}static/driver.css`,
  `${SCOPE}static/icon-192.png`,
  `${SCOPE}static/icon-512.png`,
  `${SCOPE}manifest.webmanifest`,
  '/static/regie.css',
];
const KEPT_API = [`${API}my/day`, `${API}categories`];
const PATIENCE_MS = 6000;

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    await Promise.all(SHELL.map(async (url) => {
      try {
        const response = await fetch(url, { cache: 'no-cache', credentials: 'same-origin' });
        if (response.ok && !response.redirected) await cache.put(url, response);
      } catch (error) {
        /* kept at the next visit with signal */
      }
    }));
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith('regie-chauffeur-') && name !== CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

function keyOf(request) {
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return null;
  if (request.mode === 'navigate') return url.pathname === SCOPE ? SCOPE : null;
  if (SHELL.includes(url.pathname)) return url.pathname;
  if (KEPT_API.includes(url.pathname)) return url.pathname + url.search;
  return null;
}

/** A kept copy, marked as such (the app tells the driver it is showing what the phone kept). */
async function kept(cache, key) {
  const copy = await cache.match(key);
  if (!copy) return null;
  const headers = new Headers(copy.headers);
  headers.set('x-regie-kept', 'true');
  return new Response(await copy.blob(), { status: copy.status, statusText: copy.statusText, headers });
}

async function networkFirst(request, key) {
  const cache = await caches.open(CACHE);
  const network = fetch(request).then(async (response) => {
    // A navigation that ended at the login page (a redirect) is not the shell: it is never kept.
    if (response.ok && !response.redirected && response.type !== 'opaqueredirect') {
      await cache.put(key, response.clone());
    }
    return response;
  });
  network.catch(() => undefined);
  let timer;
  const slow = new Promise((resolve) => { timer = setTimeout(resolve, PATIENCE_MS, null); });
  try {
    const first = await Promise.race([network, slow]);
    if (first) return first;
    return (await kept(cache, key)) || await network;
  } catch (error) {
    const copy = await kept(cache, key);
    if (copy) return copy;
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

self.addEventListener('fetch', (event) => {
  if (event.request.method !== 'GET') return;
  const key = keyOf(event.request);
  if (key === null) return;
  event.respondWith(networkFirst(event.request, key));
});
