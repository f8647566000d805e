//! # Read your writes
//!
//! After an order changes a product, reads of that product go to the primary database
//! (not the lagging replica) for `window_s` seconds. A user who just ordered sees the
//! stock they changed; everyone else's reads still scale out on the replica.
//!
//! ```text
//!   POST /order ─write─▶ primary ──replication lag──▶ replica
//!   GET /product (key written < window_s ago) ─────▶ primary   (fresh)
//!   GET /product (other keys) ─────────────────────▶ replica   (may trail)
//! ```
//!
//! ## What to look at
//! - `stale_reads_total{source="replica"}` drops to zero for recently written keys.
//! - Primary read load rises by the share of reads that follow a write.
//!
//! A `window_s` shorter than the replication lag leaves a gap where stale reads remain.

use crate::mitigation::{MitigationConfig, MitigationMeta};
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::Component;
use crate::systems::web::metrics::STALE_READS;
use crate::time::{secs_to_ns, Nanos};

/// How long a writer's reads go to the primary after its write.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Config {
    pub window_ns: Nanos,
}

impl MitigationConfig for Config {
    const ID: &'static str = "read-your-writes";

    fn from_params(p: &ParamSet) -> Config {
        Config {
            window_ns: secs_to_ns(p.f64("window_s")),
        }
    }
}

pub static META: MitigationMeta = MitigationMeta {
    id: "read-your-writes",
    title: "Read your writes",
    category: "consistency",
    summary: "Read a recently written row from the primary, not the lagging replica.",
    source: crate::doc_of!("mitigations/read_your_writes.rs"),
    params: &[ParamSpec::float(
        "window_s",
        "s",
        5.0,
        0.0,
        86_400.0,
        "How long after a write its reads go to the primary.",
    )],
    metrics: &[STALE_READS],
    acts_on: &[Component::Database],
};
