//! The engine's Web Worker, both ends, and the only module that uses worker APIs.
//!
//! Page end (`EngineWorker`): `static/boot.js` compiles the wasm once and offers
//! `sdlStartEngine()`, which starts `engine-worker.js` with that module; the page posts
//! batches of `protocol::Command`s in the wire form (`Uint8Array`s whose buffers are
//! transferred, not copied) and hears `FromEngine` messages back the same way. No
//! factory (a single file from disk, tests) or a factory that throws (a sandboxed
//! frame): `None`, and the page runs the engine itself.
//!
//! Worker end (`workerMain`, called by `engine-worker.js` once the same wasm is
//! instantiated there): an `EngineHost` stepped in short slices, so commands and
//! questions are answered within milliseconds, with a `Tick` posted at most every
//! `TICK_MS` and the worker's memory reported to the page now and then (a plain object
//! `{type: "sdl-engine-stats", wasmBytes, heapBytes}`, which boot.js keeps for the
//! page bench).

use sdl_host::engine_host::EngineHost;
use sdl_host::protocol::{decode, encode, Batch, Command, FromEngine};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};

/// Wall time the worker simulates before it looks at its messages again.
const SLICE_MS: f64 = 4.0;
/// Shortest wall time between two ticks (about a frame).
const TICK_MS: f64 = 16.0;
/// Wall time the worker waits when the run has caught up with the clock.
const IDLE_MS: i32 = 4;
/// Wall time between two memory reports.
const STATS_MS: f64 = 1_000.0;
/// The `type` of the worker's memory report and of its start-up failure.
pub const STATS_MESSAGE: &str = "sdl-engine-stats";
pub const FAILED_MESSAGE: &str = "sdl-engine-failed";

fn get(target: &JsValue, key: &str) -> Option<JsValue> {
    js_sys::Reflect::get(target, &JsValue::from_str(key))
        .ok()
        .filter(|v| !v.is_undefined() && !v.is_null())
}

fn performance() -> Option<web_sys::Performance> {
    get(&js_sys::global(), "performance").and_then(|p| p.dyn_into::<web_sys::Performance>().ok())
}

/// This thread's monotonic clock, in ms.
fn clock_ms() -> f64 {
    performance().map_or(0.0, |p| p.now())
}

/// Milliseconds since the Unix epoch on the high-resolution clock, comparable between
/// the page and its worker.
fn epoch_ms() -> f64 {
    performance().map_or(0.0, |p| p.time_origin() + p.now())
}

/// True inside a worker (no `window`): the app must not mount there.
pub fn in_worker() -> bool {
    js_sys::global().dyn_into::<web_sys::Window>().is_err()
}

/// A message's bytes as a `Uint8Array`, with the list that transfers its buffer.
fn wire(bytes: &[u8]) -> (js_sys::Uint8Array, js_sys::Array) {
    let array = js_sys::Uint8Array::from(bytes);
    let transfer = js_sys::Array::of1(&array.buffer());
    (array, transfer)
}

// ---- the page's end ----

/// The engine's worker as the page holds it; terminated when dropped.
pub struct EngineWorker {
    worker: web_sys::Worker,
    _on_message: Closure<dyn FnMut(web_sys::MessageEvent)>,
    _on_error: Closure<dyn FnMut(web_sys::Event)>,
}

impl EngineWorker {
    /// Starts the engine's worker through boot.js's factory. `on_message` hears each
    /// protocol message; `on_failure` hears why the worker died (once it started).
    pub fn start(
        mut on_message: impl FnMut(Vec<u8>) + 'static,
        on_failure: impl Fn(String) + 'static,
    ) -> Option<EngineWorker> {
        let factory = get(&js_sys::global(), "sdlStartEngine")?
            .dyn_into::<js_sys::Function>()
            .ok()?;
        let worker = factory
            .call0(&JsValue::NULL)
            .ok()?
            .dyn_into::<web_sys::Worker>()
            .ok()?;
        let on_failure = Rc::new(on_failure);
        let failed = on_failure.clone();
        let on_message =
            Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |ev: web_sys::MessageEvent| {
                let data = ev.data();
                if let Some(bytes) = data.dyn_ref::<js_sys::Uint8Array>() {
                    on_message(bytes.to_vec());
                } else if get(&data, "type").and_then(|t| t.as_string()).as_deref()
                    == Some(FAILED_MESSAGE)
                {
                    let why = get(&data, "message")
                        .and_then(|m| m.as_string())
                        .unwrap_or_default();
                    failed(why);
                }
            });
        let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |ev: web_sys::Event| {
            let why = ev
                .dyn_ref::<web_sys::ErrorEvent>()
                .map(|e| e.message())
                .unwrap_or_else(|| "the worker could not start".to_string());
            on_failure(why);
        });
        worker
            .add_event_listener_with_callback("message", on_message.as_ref().unchecked_ref())
            .ok()?;
        worker
            .add_event_listener_with_callback("error", on_error.as_ref().unchecked_ref())
            .ok()?;
        Some(EngineWorker {
            worker,
            _on_message: on_message,
            _on_error: on_error,
        })
    }

    /// Sends commands, in order, as one message.
    pub fn post(&self, commands: Vec<Command>) {
        let batch = Batch {
            sent_ms: epoch_ms(),
            commands,
        };
        let (bytes, transfer) = wire(&encode(&batch));
        let _ = self.worker.post_message_with_transfer(&bytes, &transfer);
    }
}

impl Drop for EngineWorker {
    fn drop(&mut self) {
        let _ = self.worker.remove_event_listener_with_callback(
            "message",
            self._on_message.as_ref().unchecked_ref(),
        );
        let _ = self
            .worker
            .remove_event_listener_with_callback("error", self._on_error.as_ref().unchecked_ref());
        self.worker.terminate();
    }
}

// ---- the worker's end ----

struct Loop {
    scope: web_sys::DedicatedWorkerGlobalScope,
    host: RefCell<EngineHost>,
    /// Wakes the loop at once (a message to itself: no timer clamping).
    channel: web_sys::MessageChannel,
    wake: RefCell<Option<Closure<dyn FnMut()>>>,
    scheduled: Cell<bool>,
    /// The wall clock at the last slice; `None` while idle.
    last_ms: Cell<Option<f64>>,
    posted_ms: Cell<f64>,
    stats_ms: Cell<f64>,
}

impl Loop {
    fn post(&self, message: &FromEngine) {
        let (bytes, transfer) = wire(&encode(message));
        let _ = self.scope.post_message_with_transfer(&bytes, &transfer);
    }

    /// Posts a tick when something changed and a frame's time has passed (`now` or not).
    fn post_tick(&self, now: f64, force: bool) {
        if !force && now - self.posted_ms.get() < TICK_MS {
            return;
        }
        let tick = self.host.borrow_mut().tick();
        if let Some(tick) = tick {
            self.posted_ms.set(now);
            self.post(&FromEngine::Tick(tick));
        }
        if now - self.stats_ms.get() >= STATS_MS {
            self.stats_ms.set(now);
            self.post_stats();
        }
    }

    fn post_stats(&self) {
        let report = js_sys::Object::new();
        let set = |k: &str, v: JsValue| {
            let _ = js_sys::Reflect::set(&report, &JsValue::from_str(k), &v);
        };
        set("type", JsValue::from_str(STATS_MESSAGE));
        let wasm_bytes = wasm_bindgen::memory()
            .dyn_into::<js_sys::WebAssembly::Memory>()
            .map(|m| {
                m.buffer()
                    .unchecked_into::<js_sys::ArrayBuffer>()
                    .byte_length()
            })
            .unwrap_or(0);
        set("wasmBytes", JsValue::from(wasm_bytes));
        // Chromium's non-standard `performance.memory`, where it exists.
        let heap = get(&js_sys::global(), "performance")
            .and_then(|p| get(&p, "memory"))
            .and_then(|m| get(&m, "usedJSHeapSize"))
            .unwrap_or(JsValue::NULL);
        set("heapBytes", heap);
        let _ = self.scope.post_message(&report);
    }

    /// One slice of simulation, a tick if due, and the next wake-up.
    fn run(self: &Rc<Self>) {
        self.scheduled.set(false);
        let now = clock_ms();
        let dt = self.last_ms.get().map_or(0.0, |last| now - last);
        self.last_ms.set(Some(now));
        self.host.borrow_mut().step(dt, SLICE_MS, &clock_ms);
        self.post_tick(clock_ms(), false);
        self.schedule();
    }

    fn schedule(self: &Rc<Self>) {
        if self.scheduled.get() {
            return;
        }
        let (behind, moving) = {
            let host = self.host.borrow();
            (host.behind(), host.moving())
        };
        if behind {
            self.scheduled.set(true);
            let _ = self.channel.port2().post_message(&JsValue::NULL);
        } else if moving {
            self.scheduled.set(true);
            let me = self.clone();
            let later = Closure::once_into_js(move || me.run());
            let _ = self
                .scope
                .set_timeout_with_callback_and_timeout_and_arguments_0(
                    later.unchecked_ref(),
                    IDLE_MS,
                );
        } else {
            // Nothing to simulate: wait for a command (the clock restarts then).
            self.last_ms.set(None);
            self.post_tick(clock_ms(), true);
        }
    }

    /// A batch of commands from the page.
    fn receive(self: &Rc<Self>, bytes: &[u8]) {
        let batch: Batch = match decode(bytes) {
            Ok(b) => b,
            Err(e) => {
                web_sys::console::error_1(&format!("engine: unreadable message: {e}").into());
                return;
            }
        };
        if self.last_ms.get().is_none() {
            // Idle: the clock starts when the page sent this (on this thread's clock).
            let origin = performance().map_or(0.0, |p| p.time_origin());
            let now = clock_ms();
            self.last_ms
                .set(Some((batch.sent_ms - origin).clamp(now - 1_000.0, now)));
        }
        for command in batch.commands {
            let answered = self.host.borrow_mut().apply(command);
            if let Some((id, answer)) = answered {
                let run = self.host.borrow().run();
                self.post(&FromEngine::Answer { id, run, answer });
            }
        }
        self.post_tick(clock_ms(), true);
        self.schedule();
    }
}

/// Starts the engine in this worker; returns the function `engine-worker.js` hands each
/// message from the page to.
#[wasm_bindgen(js_name = workerMain)]
pub fn worker_main() -> JsValue {
    console_error_panic_hook::set_once();
    let Ok(scope) = js_sys::global().dyn_into::<web_sys::DedicatedWorkerGlobalScope>() else {
        return JsValue::UNDEFINED;
    };
    let Ok(channel) = web_sys::MessageChannel::new() else {
        return JsValue::UNDEFINED;
    };
    let state = Rc::new(Loop {
        scope,
        host: RefCell::new(EngineHost::new()),
        channel,
        wake: RefCell::new(None),
        scheduled: Cell::new(false),
        last_ms: Cell::new(None),
        posted_ms: Cell::new(f64::NEG_INFINITY),
        stats_ms: Cell::new(f64::NEG_INFINITY),
    });
    let me = state.clone();
    let wake = Closure::<dyn FnMut()>::new(move || me.run());
    state
        .channel
        .port1()
        .set_onmessage(Some(wake.as_ref().unchecked_ref()));
    *state.wake.borrow_mut() = Some(wake);
    state.post(&FromEngine::Ready);
    let me = state.clone();
    Closure::<dyn FnMut(JsValue)>::new(move |message: JsValue| {
        if let Some(bytes) = message.dyn_ref::<js_sys::Uint8Array>() {
            me.receive(&bytes.to_vec());
        }
    })
    .into_js_value()
}
