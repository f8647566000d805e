//! # Timeouts
//!
//! Bound how long each layer waits. A request that has already waited longer than
//! `server_timeout_ms` when a worker picks it up is answered 504 at once instead of
//! being served for a client that has given up; a database call (pool wait + query)
//! longer than `db_timeout_ms`, or a payment call longer than `dependency_timeout_ms`,
//! fails at that moment and frees its worker.
//!
//! ```text
//!   client ──▶ [ queue ─▶ worker ]──▶ pool ─▶ database      ──▶ payment
//!               server_timeout_ms      db_timeout_ms           dependency_timeout_ms
//! ```
//!
//! ## What to look at
//! - `timeouts_total{layer}` counts requests cut short, per layer.
//! - Latency's tail is capped near the timeout; errors (504) replace slowness.
//! - Workers come back sooner, so utilisation and queue depth fall during an incident.
//!
//! ## How to choose
//! Each layer's timeout should be shorter than its caller's (an inner timeout longer than
//! the outer one only wastes work), and longer than that layer's normal p99.

use crate::metrics::MetricSpec;
use crate::mitigation::{MitigationConfig, MitigationMeta};
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::Component;
use crate::time::{ms_to_ns, Nanos};

pub const TIMEOUTS_TOTAL: MetricSpec = MetricSpec::counter(
    "timeouts_total",
    "Requests cut short by a timeout, per layer (server, database, dependency).",
    &["layer"],
);

/// The timeouts per layer, as the service applies them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Config {
    /// Longest a request may wait for a worker.
    pub server_ns: Nanos,
    /// Longest pool wait plus query.
    pub db_ns: Nanos,
    /// Longest payment call.
    pub dependency_ns: Nanos,
}

impl MitigationConfig for Config {
    const ID: &'static str = "timeouts";

    fn from_params(p: &ParamSet) -> Config {
        Config {
            server_ns: ms_to_ns(p.f64("server_timeout_ms")),
            db_ns: ms_to_ns(p.f64("db_timeout_ms")),
            dependency_ns: ms_to_ns(p.f64("dependency_timeout_ms")),
        }
    }
}

pub static META: MitigationMeta = MitigationMeta {
    id: "timeouts",
    title: "Timeouts",
    category: "resilience",
    summary: "Bound the time spent waiting in the server queue, on the database and on the payment dependency.",
    source: crate::doc_of!("mitigations/timeouts.rs"),
    params: &[
        ParamSpec::float("server_timeout_ms", "ms", 1000.0, 1.0, 600_000.0, "Longest a request may wait before a worker starts it; older ones get 504."),
        ParamSpec::float("db_timeout_ms", "ms", 250.0, 1.0, 600_000.0, "Longest pool wait plus query before the database call fails."),
        ParamSpec::float("dependency_timeout_ms", "ms", 300.0, 1.0, 600_000.0, "Longest payment call before it fails."),
    ],
    metrics: &[TIMEOUTS_TOTAL],
    acts_on: &[Component::Service],
};
