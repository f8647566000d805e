// The service worker that makes the lab work offline after one visit. It precaches the
// app shell listed in sw-manifest.json (written at build time by scripts/postbuild.py:
// every file of dist/ with the build's version). The cache is named after the version,
// so a new build installs next to the old one; on activate the old caches are deleted.
// Requests: pages network-first (fresh when online, cached when not); everything else
// cache-first (file names carry content hashes). Only same-origin GETs without
// credentials are handled.
const BUILD = '__SDL_BUILD__'; // replaced by scripts/postbuild.py with the build's hash
const PREFIX = 'sdl-lab-';
const CACHE = PREFIX + BUILD;

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const res = await fetch(new URL('sw-manifest.json', self.registration.scope), { cache: 'no-store' });
      if (!res.ok) throw new Error(`sw-manifest.json: HTTP ${res.status}`);
      const manifest = await res.json();
      const cache = await caches.open(CACHE);
      const urls = manifest.files.map((f) => new URL(f, self.registration.scope).href);
      await cache.addAll(urls);
      // The first install takes over at once; an update waits for the learner's "Reload".
      if (!self.registration.active) await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const key of await caches.keys()) {
        if (key.startsWith(PREFIX) && key !== CACHE) await caches.delete(key);
      }
      await self.clients.claim();
    })(),
  );
});

self.addEventListener('message', (event) => {
  if (event.data && event.data.type === 'sdl-skip-waiting') self.skipWaiting();
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  const url = new URL(req.url);
  if (req.method !== 'GET' || url.origin !== self.location.origin) return;
  // A request with credentials (a cmi5 LRS on this origin) is never the site's: straight
  // to the network.
  if (req.headers.has('authorization')) return;
  if (req.mode === 'navigate') {
    event.respondWith(
      (async () => {
        try {
          return await fetch(req);
        } catch (err) {
          const cache = await caches.open(CACHE);
          // Any page of the lab (index.html?embed=1&…, the scope root) is the same shell.
          return (
            (await cache.match(req, { ignoreSearch: true })) ||
            (await cache.match(new URL('index.html', self.registration.scope).href)) ||
            Response.error()
          );
        }
      })(),
    );
    return;
  }
  event.respondWith(
    (async () => {
      const cache = await caches.open(CACHE);
      const hit = await cache.match(req, { ignoreSearch: true });
      return hit || fetch(req);
    })(),
  );
});
