//! The page's relation to what hosts it, through browser APIs (like `web`): whether the
//! lab is on screen (a hidden tab, an `<iframe>` scrolled out of view), the height
//! message an embedded lab posts to its parent page, the page's own address, and the
//! clipboard.

use leptos::prelude::*;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

/// True while the lab can be seen: its document is not hidden and, inside an `<iframe>`,
/// the frame intersects the top-level viewport. The frame loop simulates only then, so
/// off-screen embeds cost (almost) nothing and do not slow the visible ones.
pub fn use_on_screen() -> RwSignal<bool> {
    let doc = document();
    let visible = RwSignal::new(!doc.hidden());
    let intersecting = RwSignal::new(true);
    let on_screen = RwSignal::new(!doc.hidden());
    Effect::new(move |_| on_screen.set(visible.get() && intersecting.get()));

    let on_visibility = Closure::<dyn Fn()>::new(move || visible.set(!document().hidden()));
    let _ = doc.add_event_listener_with_callback(
        "visibilitychange",
        on_visibility.as_ref().unchecked_ref(),
    );

    let on_intersect = Closure::<dyn Fn(js_sys::Array)>::new(move |entries: js_sys::Array| {
        if let Some(last) = entries
            .iter()
            .last()
            .and_then(|e| e.dyn_into::<web_sys::IntersectionObserverEntry>().ok())
        {
            intersecting.set(last.is_intersecting());
        }
    });
    let observer = web_sys::IntersectionObserver::new(on_intersect.as_ref().unchecked_ref()).ok();
    if let (Some(obs), Some(root)) = (&observer, doc.document_element()) {
        obs.observe(&root);
    }

    let held = StoredValue::new_local(Some((on_visibility, on_intersect, observer)));
    on_cleanup(move || {
        if let Some((on_visibility, _, observer)) = held.try_update_value(Option::take).flatten() {
            let _ = document().remove_event_listener_with_callback(
                "visibilitychange",
                on_visibility.as_ref().unchecked_ref(),
            );
            if let Some(obs) = observer {
                obs.disconnect();
            }
        }
    });
    on_screen
}

/// True while the element `target` refers to is in or near the viewport (within
/// `margin_px`), watched by an `IntersectionObserver`; true until the first report. Views
/// that copy a lot out of the run (the console) refresh only then.
pub fn use_in_view<E>(target: NodeRef<E>, margin_px: u32) -> RwSignal<bool>
where
    E: leptos::html::ElementType,
    E::Output: JsCast + Clone + 'static,
{
    let in_view = RwSignal::new(true);
    let on_intersect = Closure::<dyn Fn(js_sys::Array)>::new(move |entries: js_sys::Array| {
        if let Some(last) = entries
            .iter()
            .last()
            .and_then(|e| e.dyn_into::<web_sys::IntersectionObserverEntry>().ok())
        {
            in_view.set(last.is_intersecting());
        }
    });
    let options = web_sys::IntersectionObserverInit::new();
    options.set_root_margin(&format!("{margin_px}px"));
    let observer = web_sys::IntersectionObserver::new_with_options(
        on_intersect.as_ref().unchecked_ref(),
        &options,
    )
    .ok();
    let held = StoredValue::new_local(Some((on_intersect, observer)));
    Effect::new(move |_| {
        let Some(el) = target.get() else {
            return;
        };
        let el: web_sys::Element = el.unchecked_into();
        held.with_value(|h| {
            if let Some((_, Some(obs))) = h {
                obs.observe(&el);
            }
        });
    });
    on_cleanup(move || {
        if let Some((_, Some(obs))) = held.try_update_value(Option::take).flatten() {
            obs.disconnect();
        }
    });
    in_view
}

/// Posts `{type: "sdl-embed:height", height, scenario}` to the parent frame whenever the
/// height of the page's body (border box: all there is to see) changes, watched by a
/// `ResizeObserver`, so the host can size the `<iframe>` to it.
pub fn post_height_to_parent(scenario: &'static str) {
    let (Some(parent), Some(body)) = (window().parent().ok().flatten(), document().body()) else {
        return;
    };
    let el: web_sys::Element = body.into();
    let last = std::cell::Cell::new(0i32);
    let target = el.clone();
    let send = move || {
        let h = target.get_bounding_client_rect().height().ceil() as i32;
        if h == last.replace(h) || h <= 0 {
            return;
        }
        let msg = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&msg, &"type".into(), &crate::embed::HEIGHT_MESSAGE.into());
        let _ = js_sys::Reflect::set(&msg, &"height".into(), &JsValue::from(h));
        let _ = js_sys::Reflect::set(&msg, &"scenario".into(), &scenario.into());
        // Only a height and a public scenario id: any origin may embed the lab.
        let _ = parent.post_message(&msg, "*");
    };
    send();
    let on_resize = Closure::<dyn Fn()>::new(send);
    if let Ok(obs) = web_sys::ResizeObserver::new(on_resize.as_ref().unchecked_ref()) {
        obs.observe(&el);
        let held = StoredValue::new_local(Some((obs, on_resize)));
        on_cleanup(move || {
            if let Some((obs, _)) = held.try_update_value(Option::take).flatten() {
                obs.disconnect();
            }
        });
    }
}

/// The page's query string (`?…`, or empty).
pub fn query() -> String {
    window().location().search().unwrap_or_default()
}

/// The URL of the directory the lab is served from (ending in `/`), for links to it.
pub fn lab_base() -> String {
    let href = window().location().href().unwrap_or_default();
    let without_query = href.split(['?', '#']).next().unwrap_or_default();
    match without_query.rfind('/') {
        Some(i) => without_query[..=i].to_string(),
        None => without_query.to_string(),
    }
}

/// The page's own file name (`index.html`, `sdl-lab.html` for the single-file build), or
/// `./` when it is served as a directory, for links back to the full lab.
pub fn page_file() -> String {
    let path = window().location().pathname().unwrap_or_default();
    match path.rsplit('/').next() {
        Some(name) if !name.is_empty() => name.to_string(),
        _ => "./".to_string(),
    }
}

/// Copies `text` to the clipboard; false when the browser refuses (then the text field
/// stays selected for Ctrl+C).
pub async fn copy_text(text: String) -> bool {
    let promise = window().navigator().clipboard().write_text(&text);
    wasm_bindgen_futures::JsFuture::from(promise).await.is_ok()
}

/// Marks the document as an embed (`<html data-embed>`), for the compact styles.
pub fn mark_embedded() {
    if let Some(root) = document().document_element() {
        let _ = root.set_attribute("data-embed", "");
    }
}
