//! Integration tests of the content crate: the embedded library loads without errors
//! (the lint), bad content is reported with its place, every step replays as its text
//! says, and the loader gives an error or a tutorial for any text (`fuzz`). Under wasm32
//! only `#[wasm_bindgen_test]` functions run (`targets`), in headless Chromium.

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

mod check;
// Feeds generated TOML text to the loader, which only exists natively.
#[cfg(not(target_arch = "wasm32"))]
mod fuzz;
#[cfg(not(target_arch = "wasm32"))]
#[path = "../../../engine/tests/it/fuzzkit.rs"]
mod fuzzkit;
// Plays every incident of the pool: natively (the wasm layer has the determinism test).
#[cfg(not(target_arch = "wasm32"))]
mod gameday;
mod library;
// Feeds TOML text to the parser, which only exists natively.
#[cfg(not(target_arch = "wasm32"))]
mod lint;
mod replay;
mod targets;
