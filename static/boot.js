// Starts the lab without inline script (so the page's Content-Security-Policy can forbid
// it): loads the wasm-bindgen module and the wasm whose hashed names Trunk wrote on this
// script tag, exposes `window.sdlLab` (the LMS calls), then registers the service worker (offline use) when the page is served
// over http(s), and tells the learner when a newer version has been installed.
const tag = document.querySelector('script[data-sdl-js]');
const base = document.baseURI;
const app = await import(new URL(tag.dataset.sdlJs, base).href);
const wasm = await app.default({ module_or_path: new URL(tag.dataset.sdlWasm, base) });
// Same event as Trunk's own loader, so tools that wait for it (the page bench reads the
// instance's memory from it) keep working.
dispatchEvent(new CustomEvent('TrunkApplicationStarted', { detail: { wasm } }));

// The lab's small public API for host pages and course packages (app/src/lms.rs).
window.sdlLab = Object.freeze({
  lms: Object.freeze({
    version: app.lmsVersion,
    reportProgress: app.lmsReportProgress,
    saveProgress: app.lmsSaveProgress,
    savedProgress: app.lmsSavedProgress,
  }),
});

function showUpdateNotice(worker) {
  if (document.querySelector('[data-testid="update-notice"]')) return;
  const box = document.createElement('div');
  box.className = 'update-notice';
  box.setAttribute('role', 'status');
  box.dataset.testid = 'update-notice';
  const text = document.createElement('span');
  text.textContent = 'A new version of the lab is available.';
  const button = document.createElement('button');
  button.type = 'button';
  button.textContent = 'Reload';
  button.dataset.testid = 'update-reload';
  button.addEventListener('click', () => {
    // The waiting worker takes over; the page reloads once it controls the page.
    navigator.serviceWorker.addEventListener('controllerchange', () => location.reload());
    worker.postMessage({ type: 'sdl-skip-waiting' });
  });
  box.append(text, ' ', button);
  document.body.append(box);
}

async function registerServiceWorker() {
  if (!('serviceWorker' in navigator) || !/^https?:$/.test(location.protocol)) return;
  // Embedded labs share the full lab's worker; they never show the notice themselves.
  const embedded = new URLSearchParams(location.search).has('embed');
  try {
    const reg = await navigator.serviceWorker.register(new URL('sw.js', base).href, {
      scope: './',
      updateViaCache: 'none',
    });
    const watch = (worker) => {
      worker.addEventListener('statechange', () => {
        // "installed" with a controller already present = an update, not a first visit.
        if (worker.state === 'installed' && navigator.serviceWorker.controller && !embedded) {
          showUpdateNotice(worker);
        }
      });
    };
    if (reg.waiting && navigator.serviceWorker.controller && !embedded) showUpdateNotice(reg.waiting);
    if (reg.installing) watch(reg.installing);
    reg.addEventListener('updatefound', () => reg.installing && watch(reg.installing));
  } catch (err) {
    console.info('Offline use is not available here:', err.message);
  }
}

registerServiceWorker();
