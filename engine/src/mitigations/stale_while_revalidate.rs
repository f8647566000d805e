//! # Stale while revalidate
//!
//! When a cache entry has just expired, keep serving it for up to `stale_s` seconds
//! while one background query fetches the fresh value. Readers never wait for the
//! database on a popular key, and an expiry never turns into a crowd of identical
//! queries — at the price of data up to `stale_s` older than the TTL promises.
//!
//! ```text
//!   expired key ─▶ serve stale value at once ─┐
//!                  one background refresh ─────┴─▶ fresh value cached
//! ```
//!
//! ## What to look at
//! - `cache_stale_served_total`: reads answered from an expired entry.
//! - `cache_backend_queries_total` and `cache_concurrent_requests` stay low when hot
//!   keys expire; read latency has no expiry spikes.

use crate::metrics::MetricSpec;
use crate::mitigation::{MitigationConfig, MitigationMeta};
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::Component;
use crate::time::{secs_to_ns, Nanos};

pub const STALE_SERVED: MetricSpec = MetricSpec::counter(
    "cache_stale_served_total",
    "Reads answered from an expired entry while it was being refreshed.",
    &[],
);

/// How long past its TTL a cache entry may still be served while it is refreshed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Config {
    pub stale_ns: Nanos,
}

impl MitigationConfig for Config {
    const ID: &'static str = "stale-while-revalidate";

    fn from_params(p: &ParamSet) -> Config {
        Config {
            stale_ns: secs_to_ns(p.f64("stale_s")),
        }
    }
}

pub static META: MitigationMeta = MitigationMeta {
    id: "stale-while-revalidate",
    title: "Stale while revalidate",
    category: "caching",
    summary: "Serve an expired entry briefly while one background query refreshes it.",
    source: crate::doc_of!("mitigations/stale_while_revalidate.rs"),
    params: &[ParamSpec::float(
        "stale_s",
        "s",
        10.0,
        0.001,
        86_400.0,
        "How long after expiry an entry may still be served.",
    )],
    metrics: &[STALE_SERVED],
    acts_on: &[Component::Cache],
};
