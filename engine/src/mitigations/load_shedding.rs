//! # Load shedding
//!
//! Refuse work the service cannot finish in time, early and cheaply: a request arriving
//! when the instance's queue already holds `max_queue_length` requests, or that has
//! waited longer than `max_queue_delay_ms` when a worker would pick it up, is answered
//! 503 at once. Under overload the service keeps serving the requests it admits at
//! normal latency instead of serving everyone late.
//!
//! ```text
//!   arrivals ──▶ [ queue ≤ max_queue_length ] ──▶ workers
//!                   └─ longer, or waited > max_queue_delay_ms → 503 (shed)
//! ```
//!
//! ## What to look at
//! - `load_shed_total{reason}`: requests refused, by reason (queue_length, queue_delay).
//! - Latency of admitted requests stays near normal while errors rise: the trade made on
//!   purpose.

use crate::metrics::MetricSpec;
use crate::mitigation::{MitigationConfig, MitigationMeta};
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::Component;
use crate::time::{ms_to_ns, Nanos};

pub const LOAD_SHED: MetricSpec = MetricSpec::counter(
    "load_shed_total",
    "Requests refused by load shedding, by reason.",
    &["reason"],
);

/// When the service sheds a request instead of queueing or serving it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Config {
    /// Queue length at which new arrivals are refused.
    pub max_queue_length: usize,
    /// Queueing time after which a request is dropped unserved.
    pub max_queue_delay_ns: Nanos,
}

impl MitigationConfig for Config {
    const ID: &'static str = "load-shedding";

    fn from_params(p: &ParamSet) -> Config {
        Config {
            max_queue_length: p.i64("max_queue_length").max(0) as usize,
            max_queue_delay_ns: ms_to_ns(p.f64("max_queue_delay_ms")),
        }
    }
}

pub static META: MitigationMeta = MitigationMeta {
    id: "load-shedding",
    title: "Load shedding",
    category: "resilience",
    summary: "Answer 503 at once when the queue is too long or a request has waited too long.",
    source: crate::doc_of!("mitigations/load_shedding.rs"),
    params: &[
        ParamSpec::int(
            "max_queue_length",
            "requests",
            16,
            0,
            1_000_000,
            "Queue length per instance above which arrivals are refused.",
        ),
        ParamSpec::float(
            "max_queue_delay_ms",
            "ms",
            200.0,
            0.0,
            600_000.0,
            "Queue wait after which a request is refused instead of served.",
        ),
    ],
    metrics: &[LOAD_SHED],
    acts_on: &[Component::Service],
};
