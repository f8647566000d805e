//! Integration tests of the content crate: the embedded library loads without errors
//! (the lint), bad content is reported with its place, and every step replays as its
//! text says. Under wasm32 only `#[wasm_bindgen_test]` functions run (`targets`), in
//! headless Chromium.

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

mod check;
mod library;
mod lint;
mod replay;
mod targets;
