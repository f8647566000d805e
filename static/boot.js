// Starts the lab without inline script (so the page's Content-Security-Policy can forbid
// it). The wasm whose hashed name Trunk wrote on this script tag is compiled once; the
// page instantiates it with the wasm-bindgen module named there, and the engine's Web
// Worker (engine-worker.js) instantiates the same compiled module, so the simulation runs
// off the page's thread. The worker is started at once, in parallel with the page, and
// handed to the app through `sdlStartEngine()` (app/src/worker.rs); where a worker cannot
// start (a sandboxed frame), the app runs the engine in the page. Then this exposes
// `window.sdlLab` (the LMS calls), registers the service worker (offline use) when the
// page is served over http(s), and tells the learner when a newer version was installed.
// First of all it applies the learner's chosen theme.

// The learner's theme (app/src/components/theme.rs), set on <html> before anything else
// runs so the page is first drawn in it: the stylesheet honours `data-theme` over
// `prefers-color-scheme`. Storage may be refused (a sandboxed frame): then the system's.
try {
  const theme = localStorage.getItem('sdl-theme');
  if (theme === 'light' || theme === 'dark') document.documentElement.dataset.theme = theme;
} catch (err) {
  // No storage: follow the system.
}

const tag = document.querySelector('script[data-sdl-js]');
const base = document.baseURI;
const glue = new URL(tag.dataset.sdlJs, base).href;
const wasmUrl = new URL(tag.dataset.sdlWasm, base);

const compiled = WebAssembly.compileStreaming(fetch(wasmUrl)).catch(async () => {
  // A server that does not say `application/wasm`: compile from the bytes.
  const res = await fetch(wasmUrl);
  return WebAssembly.compile(await res.arrayBuffer());
});

function startEngine() {
  const worker = new Worker(new URL('engine-worker.js', base), { type: 'module', name: 'sdl-engine' });
  compiled.then(
    (module) => worker.postMessage({ type: 'sdl-init', module, glue }),
    () => {},
  );
  // The worker's memory, reported about once a second: a figure for the page bench.
  worker.addEventListener('message', (event) => {
    if (event.data && event.data.type === 'sdl-engine-stats') window.sdlEngineStats = event.data;
  });
  return worker;
}

let spare = null;
try {
  spare = startEngine();
} catch (err) {
  spare = null;
}
window.sdlStartEngine = () => {
  const worker = spare || startEngine();
  spare = null;
  return worker;
};

const app = await import(glue);
const wasm = await app.default({ module_or_path: await compiled });
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
    // The waiting worker takes over; the page reloads once it controls the page. Inside a
    // course's LMS the session stays open for the reloaded page (app/src/lms.rs).
    navigator.serviceWorker.addEventListener('controllerchange', () => {
      app.lmsKeepOpen();
      location.reload();
    });
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
