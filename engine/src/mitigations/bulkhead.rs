//! # Bulkhead
//!
//! Cap the calls each instance makes to the payment dependency at once
//! (`max_concurrent`); a call over the cap fails at once (503) instead of taking another
//! worker hostage. When the dependency slows down, only the order path degrades:
//! product pages keep their workers. Named after a ship's watertight compartments.
//!
//! ```text
//!   workers: [GET][GET][POST→payment][POST→payment][GET][GET] …
//!                      └── at most max_concurrent per instance; the rest fail fast
//! ```
//!
//! ## What to look at
//! - `bulkhead_in_use{dependency}` pinned at the cap during a slowdown, and
//!   `bulkhead_rejections_total` counting what was refused.
//! - `GET /product` latency and the worker queue stay normal while `POST /order` fails.

use crate::mitigation::{MitigationConfig, MitigationMeta};
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::Component;
use crate::systems::web::metrics::{BULKHEAD_IN_USE, BULKHEAD_REJECTIONS};

/// Concurrent calls each instance may have open to the dependency.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Config {
    pub max_concurrent: u32,
}

impl MitigationConfig for Config {
    const ID: &'static str = "bulkhead";

    fn from_params(p: &ParamSet) -> Config {
        Config {
            max_concurrent: p.i64("max_concurrent").max(1) as u32,
        }
    }
}

pub static META: MitigationMeta = MitigationMeta {
    id: "bulkhead",
    title: "Bulkhead",
    category: "resilience",
    summary: "Limit concurrent calls to a dependency so a slow one cannot take every worker.",
    source: crate::doc_of!("mitigations/bulkhead.rs"),
    params: &[ParamSpec::int(
        "max_concurrent",
        "calls",
        4,
        1,
        100_000,
        "Payment calls in flight per instance before new ones fail fast.",
    )],
    metrics: &[BULKHEAD_IN_USE, BULKHEAD_REJECTIONS],
    acts_on: &[Component::Dependency],
};
