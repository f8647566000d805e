//! # Circuit breaker
//!
//! The service calls the payment dependency through a breaker. **Closed**: calls go
//! through and outcomes are counted over a sliding `window_s`; when at least
//! `min_requests` were made and the failure share reaches `failure_rate_threshold`, the
//! breaker **opens**: calls fail at once (no waiting on a dead dependency, no extra load
//! on it) for `open_s`. Then it goes **half-open** and lets `half_open_probes` calls
//! through: if they all succeed it closes, if one fails it opens again.
//!
//! ```text
//!   closed ──failure rate ≥ threshold──▶ open ──open_s──▶ half-open ──probes ok──▶ closed
//!                                          ▲                   │
//!                                          └────probe fails────┘
//! ```
//!
//! ## What to look at
//! - `circuit_breaker_state` (0 closed, 1 open, 2 half-open) and
//!   `circuit_breaker_trips_total`.
//! - `circuit_breaker_rejections_total`: calls failed fast while open.
//! - Latency of `POST /order` drops from the dependency's timeout to almost nothing when
//!   open: errors stay, but workers are no longer held.

use crate::metrics::MetricSpec;
use crate::mitigation::{MitigationConfig, MitigationMeta};
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::Component;
use crate::time::{secs_to_ns, Nanos};

pub const BREAKER_STATE: MetricSpec = MetricSpec::gauge(
    "circuit_breaker_state",
    "Circuit breaker state: 0 closed, 1 open, 2 half-open.",
    &["dependency"],
);
pub const BREAKER_TRIPS: MetricSpec = MetricSpec::counter(
    "circuit_breaker_trips_total",
    "Times the circuit breaker opened.",
    &["dependency"],
);
pub const BREAKER_REJECTIONS: MetricSpec = MetricSpec::counter(
    "circuit_breaker_rejections_total",
    "Calls failed fast by an open breaker.",
    &["dependency"],
);

/// The circuit breaker's thresholds and timings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Config {
    pub failure_rate_threshold: f64,
    pub window_ns: Nanos,
    pub min_requests: u64,
    pub open_ns: Nanos,
    pub half_open_probes: u32,
}

impl MitigationConfig for Config {
    const ID: &'static str = "breaker";

    fn from_params(p: &ParamSet) -> Config {
        Config {
            failure_rate_threshold: p.f64("failure_rate_threshold"),
            window_ns: secs_to_ns(p.f64("window_s")),
            min_requests: p.i64("min_requests").max(1) as u64,
            open_ns: secs_to_ns(p.f64("open_s")),
            half_open_probes: p.i64("half_open_probes").max(1) as u32,
        }
    }
}

pub static META: MitigationMeta = MitigationMeta {
    id: "breaker",
    title: "Circuit breaker",
    category: "resilience",
    summary:
        "Stop calling a failing dependency for a while, then probe it before trusting it again.",
    source: crate::doc_of!("mitigations/breaker.rs"),
    params: &[
        ParamSpec::float(
            "failure_rate_threshold",
            "",
            0.5,
            0.01,
            1.0,
            "Failure share over the window that opens the breaker.",
        ),
        ParamSpec::float(
            "window_s",
            "s",
            10.0,
            1.0,
            600.0,
            "Sliding window over which failures are counted.",
        ),
        ParamSpec::int(
            "min_requests",
            "calls",
            20,
            1,
            100_000,
            "Calls needed in the window before the breaker may open.",
        ),
        ParamSpec::float(
            "open_s",
            "s",
            5.0,
            0.1,
            3600.0,
            "How long the breaker stays open before probing.",
        ),
        ParamSpec::int(
            "half_open_probes",
            "calls",
            5,
            1,
            1000,
            "Successful probe calls needed to close again.",
        ),
    ],
    metrics: &[BREAKER_STATE, BREAKER_TRIPS, BREAKER_REJECTIONS],
    acts_on: &[Component::Dependency],
};
