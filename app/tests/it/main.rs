//! The app's tests, one binary (`tests/it`), run in headless Chromium by
//! wasm-bindgen-test-runner: `sim` drives the simulation handle without a page, `page`
//! mounts the whole `App` and uses it through the DOM like a learner, `dashboard` the
//! time ranges, `docs` the catalogue's prose loaded beside the wasm. The engine as the
//! page talks to it, and what the views are given to draw, are tested natively with the
//! `sdl-host` crate (host/tests/it).
#![cfg(target_arch = "wasm32")]

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

mod console;
mod dashboard;
mod docs;
mod embed;
mod learn;
mod markdown;
mod page;
mod prose;
mod sim;
