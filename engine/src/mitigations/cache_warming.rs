//! # Cache warming
//!
//! Before an instance fleet takes traffic — at start and after every restart — preload
//! the `warm_keys` most popular products into the cache. The first seconds no longer
//! send every read to the database (a cold-start stampede), and the hit rate starts high.
//!
//! ```text
//!   start ─▶ load top warm_keys from the database ─▶ cache ready ─▶ traffic
//! ```
//!
//! ## What to look at
//! - `cache_hit_rate` is high from the first sample instead of climbing.
//! - `cache_warmed_keys_total` counts the preloaded keys; `cache_backend_queries_total`
//!   has no start-up spike.

use crate::metrics::MetricSpec;
use crate::mitigation::{MitigationConfig, MitigationMeta};
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::Component;

pub const WARMED: MetricSpec = MetricSpec::counter(
    "cache_warmed_keys_total",
    "Keys preloaded into the cache by cache warming.",
    &[],
);

/// How many of the most popular keys are preloaded.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Config {
    pub warm_keys: usize,
}

impl MitigationConfig for Config {
    const ID: &'static str = "cache-warming";

    fn from_params(p: &ParamSet) -> Config {
        Config {
            warm_keys: p.i64("warm_keys").max(0) as usize,
        }
    }
}

pub static META: MitigationMeta = MitigationMeta {
    id: "cache-warming",
    title: "Cache warming",
    category: "caching",
    summary: "Preload the most popular keys before taking traffic.",
    source: crate::doc_of!("mitigations/cache_warming.rs"),
    params: &[ParamSpec::int(
        "warm_keys",
        "keys",
        1000,
        1,
        10_000_000,
        "How many of the most popular products to preload.",
    )],
    metrics: &[WARMED],
    acts_on: &[Component::Cache],
};
