//! The engine host's tests, one binary (`tests/it`), native and (but `deps`) in headless
//! Chromium under wasm-bindgen-test, where the host runs in the browser: `build_config`
//! the page's run configuration, `engine_host`
//! the engine as the page talks to it (messages, stepping, answers), `panels` what the
//! page's panels and heatmap are given to draw, `traces` the trace panel's lists,
//! `format` how numbers read, `progress` the learner's saved progress, `embed` an embed's
//! query, `cmi5` a cmi5 launch and the statements it sends, `deps` that nothing
//! browser-side is among the crate's dependencies, `fuzz` the
//! readers of outside input (messages, progress, embed queries) under generated input,
//! `promql` every query the lab shows against a real PromQL parser.

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

// What the page installs too: the engine host's memory ceiling reads it.
#[global_allocator]
static HEAP: sdl_host::heap::Counting = sdl_host::heap::Counting;

mod build_config;
mod cmi5;
// Runs `cargo metadata`: natively only.
#[cfg(not(target_arch = "wasm32"))]
mod deps;
mod embed;
mod engine_host;
mod format;
mod gameday;
// Many generated cases: natively only (`make fuzz` runs more).
#[cfg(not(target_arch = "wasm32"))]
mod fuzz;
#[cfg(not(target_arch = "wasm32"))]
#[path = "../../../engine/tests/it/fuzzkit.rs"]
mod fuzzkit;
mod panels;
mod quiz;
mod search;
// A real PromQL parser reads every query the lab shows: natively only.
mod progress;
#[cfg(not(target_arch = "wasm32"))]
mod promql;
mod traces;
