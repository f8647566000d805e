//! # TTL jitter
//!
//! Add a random spread to every cache entry's time to live: each key lives
//! `cache_ttl_s × (1 ± jitter_fraction)`. Keys cached together (after a deploy, a cache
//! flush, a cold start) then expire spread out instead of all in the same second, so the
//! database sees a trickle of refills rather than a wave.
//!
//! ```text
//!   no jitter:   fill ▇▇▇▇ ……… 30 s ……… expire ▇▇▇▇ (refill wave)
//!   jitter 20%:  fill ▇▇▇▇ ……… 24–36 s ……… expire ▁▂▃▂▁ (spread)
//! ```
//!
//! ## What to look at
//! - `cache_backend_queries_total` rate: its periodic spikes flatten.
//! - `cache_miss_total` no longer comes in synchronized bursts.

use crate::mitigation::{MitigationConfig, MitigationMeta};
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::Component;
use crate::systems::web::metrics::CACHE_BACKEND;

/// How far each cache entry's time to live is spread (a fraction of the TTL, ±).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Config {
    pub jitter_fraction: f64,
}

impl MitigationConfig for Config {
    const ID: &'static str = "ttl-jitter";

    fn from_params(p: &ParamSet) -> Config {
        Config {
            jitter_fraction: p.f64("jitter_fraction"),
        }
    }
}

pub static META: MitigationMeta = MitigationMeta {
    id: "ttl-jitter",
    title: "TTL jitter",
    category: "caching",
    summary: "Spread cache expirations so keys filled together do not expire together.",
    source: crate::doc_of!("mitigations/ttl_jitter.rs"),
    params: &[ParamSpec::float(
        "jitter_fraction",
        "",
        0.2,
        0.0,
        1.0,
        "Each TTL is scaled by a uniform factor in [1 − j, 1 + j].",
    )],
    metrics: &[CACHE_BACKEND],
    acts_on: &[Component::Cache],
};
