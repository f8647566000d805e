//! The browser APIs sharing needs (the address bar, the clipboard, downloads, reading a
//! chosen file, drawing a PNG), next to `web`, so the rest of the app stays plain Leptos.

use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue};

/// The page's query string without the leading `?` (empty when there is none).
pub fn location_query() -> String {
    window()
        .location()
        .search()
        .unwrap_or_default()
        .trim_start_matches('?')
        .to_string()
}

/// The page's address with `query` as its query string (no reload).
pub fn url_with_query(query: &str) -> String {
    let loc = window().location();
    let base = format!(
        "{}{}",
        loc.origin().unwrap_or_default(),
        loc.pathname().unwrap_or_default()
    );
    if query.is_empty() {
        base
    } else {
        format!("{base}?{query}")
    }
}

/// Replaces the address bar's query without a reload or a history entry.
pub fn replace_query(query: &str) {
    if location_query() == query {
        return;
    }
    if let Ok(history) = window().history() {
        let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&url_with_query(query)));
    }
}

/// Moves to `query` with a history entry (Back returns), without a reload.
pub fn push_query(query: &str) {
    if let Ok(history) = window().history() {
        let _ = history.push_state_with_url(&JsValue::NULL, "", Some(&url_with_query(query)));
    }
}

/// Scrolls to the top of the page (after moving to another catalogue page).
pub fn scroll_to_top() {
    window().scroll_to_with_x_and_y(0.0, 0.0);
}

/// Copies text to the clipboard; false when the browser refuses (no permission, not a
/// secure context), so the caller can show the text to copy by hand.
pub async fn copy_text(text: &str) -> bool {
    let clipboard = window().navigator().clipboard();
    wasm_bindgen_futures::JsFuture::from(clipboard.write_text(text))
        .await
        .is_ok()
}

/// Offers `bytes` as a download called `filename` (a Blob behind a same-origin object URL).
pub fn download(filename: &str, mime: &str, text: &str) -> Result<(), String> {
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type(mime);
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &opts)
        .map_err(|_| "the browser could not make the file".to_string())?;
    download_blob(filename, &blob)
}

fn download_blob(filename: &str, blob: &web_sys::Blob) -> Result<(), String> {
    let url = web_sys::Url::create_object_url_with_blob(blob)
        .map_err(|_| "the browser could not make the file".to_string())?;
    let a: web_sys::HtmlAnchorElement = document()
        .create_element("a")
        .map_err(|_| "the browser could not start the download".to_string())?
        .unchecked_into();
    a.set_href(&url);
    a.set_download(filename);
    a.set_hidden(true);
    let body = document().body();
    if let Some(body) = &body {
        let _ = body.append_child(&a);
    }
    a.click();
    a.remove();
    // Give the download a moment to start before the URL is released.
    set_timeout(
        move || {
            let _ = web_sys::Url::revoke_object_url(&url);
        },
        std::time::Duration::from_secs(30),
    );
    Ok(())
}

/// A CSS custom property of the page (`--s1`), for colours drawn outside CSS.
pub fn css_var(name: &str) -> String {
    document()
        .document_element()
        .and_then(|el| window().get_computed_style(&el).ok().flatten())
        .and_then(|style| style.get_property_value(name).ok())
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "#1d4ed8".to_string())
}

/// A line of a chart drawn to PNG: its colour, label and points in `[0, 1]²` (y up).
pub struct PngLine {
    pub color: String,
    pub label: String,
    pub points: Vec<(f64, f64)>,
}

/// Draws a chart on an off-screen canvas and offers it as a PNG download.
pub fn download_chart_png(
    filename: &str,
    title: &str,
    axis_top: &str,
    axis_span: (&str, &str),
    lines: &[PngLine],
) -> Result<(), String> {
    const W: f64 = 900.0;
    const H: f64 = 420.0;
    const L: f64 = 70.0;
    const T: f64 = 70.0;
    const R: f64 = 30.0;
    const B: f64 = 50.0;
    let fail = |_| "the browser could not draw the chart".to_string();
    let canvas: web_sys::HtmlCanvasElement = document()
        .create_element("canvas")
        .map_err(fail)?
        .unchecked_into();
    canvas.set_width(W as u32);
    canvas.set_height(H as u32);
    let ctx: web_sys::CanvasRenderingContext2d = canvas
        .get_context("2d")
        .map_err(fail)?
        .ok_or_else(|| "the browser could not draw the chart".to_string())?
        .unchecked_into();
    let (bg, text, grid) = (css_var("--panel"), css_var("--text"), css_var("--grid"));
    ctx.set_fill_style_str(&bg);
    ctx.fill_rect(0.0, 0.0, W, H);
    ctx.set_fill_style_str(&text);
    ctx.set_font("bold 20px sans-serif");
    let _ = ctx.fill_text(title, L, 32.0);
    ctx.set_font("14px sans-serif");
    let _ = ctx.fill_text(axis_top, 8.0, T - 6.0);
    let _ = ctx.fill_text(axis_span.0, L, H - 18.0);
    let end_w = ctx
        .measure_text(axis_span.1)
        .map(|m| m.width())
        .unwrap_or(0.0);
    let _ = ctx.fill_text(axis_span.1, W - R - end_w, H - 18.0);
    let (pw, ph) = (W - L - R, H - T - B);
    ctx.set_stroke_style_str(&grid);
    ctx.set_line_width(1.0);
    for f in [0.0, 0.5, 1.0] {
        ctx.begin_path();
        ctx.move_to(L, T + ph * f);
        ctx.line_to(L + pw, T + ph * f);
        ctx.stroke();
    }
    let mut legend_x = L + 300.0;
    for line in lines {
        ctx.set_stroke_style_str(&line.color);
        ctx.set_line_width(2.5);
        ctx.begin_path();
        for (i, (x, y)) in line.points.iter().enumerate() {
            let (px, py) = (L + x * pw, T + (1.0 - y.clamp(0.0, 1.02)) * ph);
            if i == 0 {
                ctx.move_to(px, py);
            } else {
                ctx.line_to(px, py);
            }
        }
        ctx.stroke();
        ctx.set_fill_style_str(&line.color);
        ctx.fill_rect(legend_x, 22.0, 14.0, 14.0);
        ctx.set_fill_style_str(&text);
        let _ = ctx.fill_text(&line.label, legend_x + 20.0, 34.0);
        legend_x += 30.0
            + ctx
                .measure_text(&line.label)
                .map(|m| m.width())
                .unwrap_or(40.0);
    }
    let filename = filename.to_string();
    let done = wasm_bindgen::closure::Closure::once_into_js(move |blob: Option<web_sys::Blob>| {
        if let Some(blob) = blob {
            let _ = download_blob(&filename, &blob);
        }
    });
    canvas
        .to_blob_with_type(done.unchecked_ref(), "image/png")
        .map_err(fail)
}
