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

/// Where the learner's theme choice is stored ("light" or "dark"; absent: the system's).
pub const THEME_KEY: &str = "sdl-theme";

/// Sets the theme on `<html>` as `data-theme` ("light", "dark"), which the stylesheet
/// honours over `prefers-color-scheme`; anything else removes it (follow the system).
pub fn apply_theme(theme: &str) {
    if let Some(el) = document().document_element() {
        let _ = match theme {
            "light" | "dark" => el.set_attribute("data-theme", theme),
            _ => el.remove_attribute("data-theme"),
        };
    }
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

// ---- tutorial progress: localStorage, file download and upload, the query string ----

/// A number nobody can predict, for seeds the learner keeps (the quiz's choice order):
/// `Math.random()`'s bits mixed with the time.
pub fn entropy() -> u64 {
    ((js_sys::Math::random() * 9_007_199_254_740_992.0) as u64) ^ epoch_ms().rotate_left(17)
}

/// Milliseconds since the Unix epoch (the browser's clock; timestamps in progress only).
pub fn epoch_ms() -> u64 {
    let ms = js_sys::Date::now();
    if ms.is_finite() && ms > 0.0 {
        ms as u64
    } else {
        0
    }
}

/// The page's localStorage, if the browser allows it (private modes and settings can
/// refuse it; then progress lives only as long as the page).
pub fn local_storage() -> Option<web_sys::Storage> {
    window().local_storage().ok().flatten()
}

/// Reads a key; None when absent or storage is unavailable.
pub fn storage_get(key: &str) -> Option<String> {
    local_storage()?.get_item(key).ok().flatten()
}

/// Writes a key; an error says why (quota, storage refused).
pub fn storage_set(key: &str, value: &str) -> Result<(), String> {
    let storage = local_storage().ok_or("this browser does not allow the page to store data")?;
    storage
        .set_item(key, value)
        .map_err(|_| "the browser refused to store it (storage full or blocked)".to_string())
}

/// Calls `on_change` with a key's new value whenever another tab or window of this site
/// writes it to localStorage (never for this page's own writes; not when it is removed),
/// for as long as the calling view lives.
pub fn on_storage_written(key: &'static str, on_change: impl Fn(String) + 'static) {
    let handle = leptos::prelude::window_event_listener(leptos::ev::storage, move |ev| {
        if ev.key().as_deref() == Some(key) {
            if let Some(value) = ev.new_value() {
                on_change(value);
            }
        }
    });
    leptos::prelude::on_cleanup(move || handle.remove());
}

pub fn storage_remove(key: &str) {
    if let Some(s) = local_storage() {
        let _ = s.remove_item(key);
    }
}

/// Offers `text` as a file download named `filename`.
pub fn download_text(filename: &str, text: &str, mime: &str) -> Result<(), String> {
    use wasm_bindgen::JsCast;
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options)
        .map_err(|_| "could not make the file")?;
    let url = web_sys::Url::create_object_url_with_blob(&blob)
        .map_err(|_| "could not make a link to the file")?;
    let anchor: web_sys::HtmlAnchorElement = document()
        .create_element("a")
        .map_err(|_| "could not make a link")?
        .unchecked_into();
    anchor.set_href(&url);
    anchor.set_download(filename);
    anchor.click();
    let _ = web_sys::Url::revoke_object_url(&url);
    Ok(())
}

/// The name and text of the first file chosen in a file input, refused unread when it is
/// larger than `max_bytes` (`what` names such files in the message: a 5 MB file is not
/// read into the page only to be refused after).
pub async fn read_chosen_file(
    input: &web_sys::HtmlInputElement,
    max_bytes: usize,
    what: &str,
) -> Result<(String, String), String> {
    let file = input
        .files()
        .and_then(|f| f.get(0))
        .ok_or_else(|| "no file was chosen".to_string())?;
    let name = file.name();
    // A file's size is a whole number of bytes (a JS number).
    let size = file.size() as u64;
    if size > max_bytes as u64 {
        return Err(format!(
            "the file `{name}` is {size} bytes; {what} are at most {max_bytes} bytes"
        ));
    }
    let text = wasm_bindgen_futures::JsFuture::from(file.text())
        .await
        .map_err(|_| format!("the file `{name}` could not be read"))?;
    let text = text
        .as_string()
        .ok_or_else(|| format!("the file `{name}` is not text"))?;
    Ok((name, text))
}

/// The text of `url` (relative to the page: a file of the site), or what went wrong.
pub async fn fetch_text(url: &str) -> Result<String, String> {
    match response_text(url, window().fetch_with_str(url)).await? {
        (200..=299, text) => Ok(text),
        (status, _) => Err(format!("{url}: HTTP {status}")),
    }
}

/// Starts an HTTP request with `headers` (name, value) and a text body, never sending
/// cookies; `keepalive` lets it finish after the page has gone (from `pagehide`).
pub fn start_request(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
    keepalive: bool,
) -> js_sys::Promise {
    use wasm_bindgen::JsCast;
    let set = |o: &js_sys::Object, k: &str, v: wasm_bindgen::JsValue| {
        let _ = js_sys::Reflect::set(o, &k.into(), &v);
    };
    let (init, head) = (js_sys::Object::new(), js_sys::Object::new());
    for (k, v) in headers {
        set(&head, k, (*v).into());
    }
    set(&init, "method", method.into());
    set(&init, "headers", head.into());
    set(&init, "credentials", "omit".into());
    set(&init, "cache", "no-store".into());
    if let Some(b) = body {
        set(&init, "body", b.into());
    }
    if keepalive {
        set(&init, "keepalive", true.into());
    }
    window().fetch_with_str_and_init(url, init.unchecked_ref())
}

/// The status and body text of a request `start_request` started, or why there is none.
pub async fn response_text(url: &str, started: js_sys::Promise) -> Result<(u16, String), String> {
    use wasm_bindgen::JsCast;
    let response: web_sys::Response = wasm_bindgen_futures::JsFuture::from(started)
        .await
        .ok()
        .and_then(|r| r.dyn_into().ok())
        .ok_or_else(|| {
            format!("{url} could not be fetched (offline, or not deployed beside the page?)")
        })?;
    let text = response
        .text()
        .map_err(|_| format!("{url}: the body could not be read"))?;
    let text = wasm_bindgen_futures::JsFuture::from(text)
        .await
        .ok()
        .and_then(|t| t.as_string())
        .ok_or_else(|| format!("{url}: the body is not text"))?;
    Ok((response.status(), text))
}

/// The text of one of the site's data files loaded on demand (`docs.json`, the
/// tutorials' prose): from the page's data block `inline_id` when it has one (the
/// single-file build, which fetches nothing), else fetched from `url` beside the page.
pub async fn site_data(inline_id: &str, url: &str) -> Result<String, String> {
    match inline_data(inline_id) {
        Some(text) => Ok(text),
        None => fetch_text(url).await,
    }
}

/// The text of an inline data block (`<script type="application/json" id=ID>`): the
/// single-file build carries the site's data files this way, since it fetches nothing.
pub fn inline_data(id: &str) -> Option<String> {
    document().get_element_by_id(id)?.text_content()
}

/// The page address's query string (`?a=b`), or "".
pub fn location_search() -> String {
    window().location().search().unwrap_or_default()
}
