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
use crate::mitigation::MitigationMeta;
use crate::params::ParamSpec;
use crate::scenario::Component;

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
