//! Systems Design Lab's simulation engine: a deterministic discrete-event simulation of a
//! service topology, with Prometheus-style metrics, structured logs and request traces.
//!
//! Pure Rust with no web or OS dependencies: the same code runs in the `sdl` CLI and,
//! compiled to WebAssembly, in the browser, giving the same numbers for the same seed.
//! See `ARCHITECTURE.md` at the repository root for the map and the invariants.

/// The `//!` documentation of a source file under `src/` (path relative to `src/`),
/// extracted at build time by `build.rs`, as a `scenario::DocSource`: catalogue entries
/// carry their prose, not their code. The text keeps its `//!` markers;
/// `scenario::module_doc` strips them.
#[cfg(not(target_arch = "wasm32"))]
#[macro_export]
macro_rules! doc_of {
    ($path:literal) => {
        $crate::scenario::DocSource {
            path: $path,
            text: include_str!(concat!(env!("OUT_DIR"), "/docs/", $path, ".md")),
        }
    };
}

/// In WebAssembly the prose is left out of the module (it is a sixth of the browser
/// bundle): only the path travels, and the page loads the text when the catalogue opens
/// (`docs.json`, written beside the wasm by `scripts/postbuild.py`).
#[cfg(target_arch = "wasm32")]
#[macro_export]
macro_rules! doc_of {
    ($path:literal) => {
        $crate::scenario::DocSource {
            path: $path,
            text: "",
        }
    };
}

pub mod alerts;
pub mod catalog;
pub mod codec;
pub mod diagram;
pub mod dist;
pub mod error;
pub mod event;
pub mod export;
pub mod golden;
pub mod json;
pub mod metrics;
pub mod mitigation;
pub mod mitigations;
pub mod observe;
pub mod order;
pub mod params;
pub mod query;
pub mod rng;
pub mod run;
pub mod scenario;
pub mod scenarios;
pub mod share;
pub mod sim;
pub mod strike;
pub mod systems;
pub mod theory;
pub mod time;
pub mod topology;
mod zig_exp;

#[cfg(test)]
pub mod testkit;

pub use error::LabError;
pub use run::RunSpec;
pub use sim::{Golden, Lab, LabConfig, Series, Summary, GOLDEN_SERIES};
