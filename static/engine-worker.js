// The engine's Web Worker, started by boot.js: it instantiates the wasm the page compiled
// (sent with the first message, so nothing is compiled twice) with the same wasm-bindgen
// glue, then hands every message from the page to the engine (app/src/worker.rs). The
// page's messages that arrive before the engine is up wait in order.
let deliver = null;
const waiting = [];

self.addEventListener('message', (event) => {
  const data = event.data;
  if (data && data.type === 'sdl-init') {
    start(data);
  } else if (deliver) {
    deliver(data);
  } else {
    waiting.push(data);
  }
});

async function start({ module, glue }) {
  try {
    const engine = await import(glue);
    await engine.default({ module_or_path: module });
    deliver = engine.workerMain();
    for (const message of waiting.splice(0)) deliver(message);
  } catch (err) {
    // The page then runs the engine itself.
    self.postMessage({ type: 'sdl-engine-failed', message: String((err && err.message) || err) });
  }
}
