//! # Request coalescing (single flight)
//!
//! When a cache key is missing, only the first request for it queries the database; the
//! others that miss the same key while that query runs wait for its result instead of
//! each sending their own. A hot key's expiry then costs one database query, not one per
//! waiting request.
//!
//! ```text
//!   req A ─miss─▶ query key 7 ──────────▶ fill cache ─▶ A, B, C answered
//!   req B ─miss─▶ (wait for A's query) ─────────────────┘
//!   req C ─miss─▶ (wait for A's query) ─────────────────┘
//! ```
//!
//! ## What to look at
//! - `cache_coalesced_total`: misses that joined an in-flight query.
//! - `cache_concurrent_requests` and `cache_backend_queries_total` stay at one query per
//!   key during a stampede.

use crate::metrics::MetricSpec;
use crate::mitigation::MitigationMeta;
use crate::scenario::Component;

pub const COALESCED: MetricSpec = MetricSpec::counter(
    "cache_coalesced_total",
    "Cache misses that waited for an in-flight query for the same key.",
    &[],
);

pub static META: MitigationMeta = MitigationMeta {
    id: "coalescing",
    title: "Request coalescing (single flight)",
    category: "caching",
    summary: "One database query per missing cache key; other misses for the key wait for it.",
    source: crate::doc_of!("mitigations/coalescing.rs"),
    params: &[],
    metrics: &[COALESCED],
    acts_on: &[Component::Cache],
};
