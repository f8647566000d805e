//! Engine integration tests, one binary (see matklad's "Delete Cargo Integration Tests").
//! Under wasm32 only `#[wasm_bindgen_test]` functions run, in headless Chromium.

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

mod catalogue;
mod determinism;
mod fidelity;
// Native only: fuzzing is a run of many cases, not a browser test.
#[cfg(not(target_arch = "wasm32"))]
mod fuzz;
#[cfg(not(target_arch = "wasm32"))]
mod fuzzkit;
mod lab;
mod mitigations;
mod scenarios;
mod tidy;
