//! # Rate limiting
//!
//! A token bucket per API client at the load balancer: each client may send
//! `rate_rps_per_client` requests per second on average, with bursts up to `burst`.
//! Requests over the limit are answered 429 Too Many Requests at once, before they take
//! a worker. One client's flood — or a load spike — cannot take the capacity everyone
//! else needs.
//!
//! ```text
//!   client 7 ──▶ [ bucket: burst tokens, +rate/s ] ──token?──▶ service
//!                          └── empty → 429
//! ```
//!
//! ## What to look at
//! - `rate_limited_total{client}` and 429s in `http_requests_total`: `client="flooder"`
//!   is the misbehaving client a scenario can add (`rate-limit`), `client="others"`
//!   everyone else — a limit that refuses many of the others is set too low.
//! - Latency and utilisation of admitted traffic stay normal during a spike or a flood;
//!   `client_class_requests_total{client="others"}` shows the other clients' goodput
//!   back while the flooder is refused.

use crate::metrics::MetricSpec;
use crate::mitigation::{MitigationConfig, MitigationMeta};
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::Component;

pub const RATE_LIMITED: MetricSpec = MetricSpec::counter(
    "rate_limited_total",
    "Requests refused with 429 by the per-client rate limiter, by client class (flooder, others).",
    &["client"],
);

/// Each client's token bucket.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Config {
    /// Tokens added per second.
    pub rate_rps: f64,
    /// Most tokens a bucket holds.
    pub burst: f64,
}

impl MitigationConfig for Config {
    const ID: &'static str = "rate-limiter";

    fn from_params(p: &ParamSet) -> Config {
        Config {
            rate_rps: p.f64("rate_rps_per_client"),
            burst: p.f64("burst"),
        }
    }
}

pub static META: MitigationMeta = MitigationMeta {
    id: "rate-limiter",
    title: "Rate limiting (token bucket per client)",
    category: "resilience",
    summary: "Cap each client's request rate; answer 429 beyond it.",
    source: crate::doc_of!("mitigations/rate_limiter.rs"),
    params: &[
        ParamSpec::float(
            "rate_rps_per_client",
            "req/s",
            10.0,
            0.001,
            1_000_000.0,
            "Average requests per second each client may send.",
        ),
        ParamSpec::float(
            "burst",
            "requests",
            20.0,
            1.0,
            1_000_000.0,
            "Bucket size: requests a client may send at once after a quiet spell.",
        ),
    ],
    metrics: &[RATE_LIMITED],
    acts_on: &[Component::LoadBalancer],
};
