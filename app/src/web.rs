//! Everything that talks to the browser directly (the wall clock, animation frames, media
//! queries), so the rest of the app is plain Leptos over the engine.

use leptos::prelude::*;
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Milliseconds on the page's monotonic clock (`performance.now()`).
pub fn now_ms() -> f64 {
    window().performance().map_or(0.0, |p| p.now())
}

/// True when the learner asked the system for less motion.
pub fn prefers_reduced_motion() -> bool {
    window()
        .match_media("(prefers-reduced-motion: reduce)")
        .ok()
        .flatten()
        .is_some_and(|q| q.matches())
}

/// Calls `on_frame(ms since the previous frame)` before every repaint until the returned
/// flag is set.
pub fn every_animation_frame(on_frame: impl FnMut(f64) + 'static) -> Arc<AtomicBool> {
    let stop = Arc::new(AtomicBool::new(false));
    let state = Rc::new(FrameLoop {
        on_frame: RefCell::new(Box::new(on_frame)),
        last_ms: RefCell::new(now_ms()),
        stop: stop.clone(),
    });
    FrameLoop::schedule(state);
    stop
}

struct FrameLoop {
    on_frame: RefCell<Box<dyn FnMut(f64)>>,
    last_ms: RefCell<f64>,
    stop: Arc<AtomicBool>,
}

impl FrameLoop {
    fn schedule(state: Rc<FrameLoop>) {
        request_animation_frame(move || {
            if state.stop.load(Ordering::Relaxed) {
                return;
            }
            let now = now_ms();
            let dt = now - state.last_ms.replace(now);
            (state.on_frame.borrow_mut())(dt);
            FrameLoop::schedule(state);
        });
    }
}

/// True when a key press belongs to the element that has focus (typing in a field,
/// pressing a button or a switch), so page-wide shortcuts should leave it alone.
pub fn key_belongs_to_focus(ev: &web_sys::KeyboardEvent) -> bool {
    use wasm_bindgen::JsCast;
    ev.target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .is_some_and(|el| {
            matches!(
                el.tag_name().to_ascii_lowercase().as_str(),
                "input" | "select" | "textarea" | "button" | "a" | "summary"
            ) || el.has_attribute("contenteditable")
        })
}
