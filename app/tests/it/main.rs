//! The app's tests, one binary (`tests/it`), run in headless Chromium by
//! wasm-bindgen-test-runner: `sim` drives the simulation handle without a page, `page`
//! mounts the whole `App` and uses it through the DOM like a learner, `format` checks
//! how numbers read, `dashboard` the time ranges and scenario panel queries, `docs` the
//! catalogue's prose loaded beside the wasm,
//! `engine_host` the engine as the page talks to it (messages, stepping, answers).
#![cfg(target_arch = "wasm32")]

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

mod console;
mod dashboard;
mod docs;
mod embed;
mod engine_host;
mod format;
mod learn;
mod markdown;
mod page;
mod progress;
mod prose;
mod sim;
