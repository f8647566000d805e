//! Engine integration tests, one binary (see matklad's "Delete Cargo Integration Tests").
//! Under wasm32 only `#[wasm_bindgen_test]` functions run, in headless Chromium.

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

mod catalogue;
mod determinism;
mod fidelity;
mod lab;
mod mitigations;
mod scenarios;
mod tidy;
