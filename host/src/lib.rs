//! The engine as the page talks to it, with no browser API: `engine_host::EngineHost`
//! runs the simulation behind the page's messages (in the engine's Web Worker, or in the
//! page where no worker starts), `protocol` is what they say to each other in
//! `engine::codec`'s binary form, and the other modules compute what the page draws from
//! the run: a heatmap's grid (`heatmap`), an event-sourced run's event store (`event_store`), data anomalies (`integrity`), the figures runs
//! are compared by (`figures`), the log filter (`logs`), the traces listed (`traces`), a
//! panel's expressions (`panels`), a tutorial step's setup (`setup`), the learner's saved
//! progress (`progress`), an embed's query and snippet (`embed`), what a cmi5 launch
//! reads and sends (`cmi5`) and how numbers read (`format`); `heap` counts the bytes the
//! run holds (its memory ceiling).
//!
//! This crate depends on the engine and the tutorials only: not Leptos, web-sys or
//! wasm-bindgen (`tests/it/deps.rs` checks), so what the page may compute itself is
//! decided by the compiler ("The page only draws", ARCHITECTURE.md).

pub mod certificate;
pub mod cmi5;
pub mod cost;
pub mod embed;
pub mod engine_host;
pub mod event_store;
pub mod figures;
pub mod format;
pub mod gameday;
pub mod grafana;
pub mod heap;
pub mod heatmap;
pub mod integrity;
pub mod logs;
pub mod panels;
pub mod progress;
pub mod protocol;
pub mod quiz;
pub mod search;
pub mod setup;
pub mod traces;
