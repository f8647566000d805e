//! Systems: the simulated topologies requests flow through. Each is a `Model` driven by
//! the run (`crate::Lab`), sharing one `Core` (clock, metrics, logs, traces, scenarios,
//! run statistics). `ALL` lists them for the catalogue; what a system is made of and
//! shares with the others is in `model.rs`, which imports no system.

pub mod common;
pub mod cost;
pub mod functions;
pub mod inference;
pub mod mobile;
pub mod model;
pub mod orders;
pub mod queue;
pub mod web;

pub use model::{
    Core, Integrator, LatencyHistogram, Model, Operation, RunStats, SystemMeta, UtilizationMeter,
    LATENCY_SAMPLE_CAP, SLOW_REQUEST_NS,
};

/// Every system, in display order (`web` first: the default in the UI).
pub static ALL: &[&SystemMeta] = &[
    &web::META,
    &queue::META,
    &orders::META,
    &functions::META,
    &inference::META,
    &mobile::META,
];
