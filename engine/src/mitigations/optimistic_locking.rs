//! # Optimistic locking
//!
//! Writes take no row lock. Each transaction remembers the row version it read and, at
//! commit, checks it is still current; if another transaction committed first, it re-runs
//! (up to `max_retries` times) and then gives up with 409 Conflict. Nobody waits on a lock,
//! so one slow transaction no longer stalls every writer of a hot row; the price is
//! wasted work when conflicts are frequent.
//!
//! ```text
//!   tx A: read v7 ─────── write ── commit (v7 current → v8) ✓
//!   tx B: read v7 ── write ─────────── commit (v8 ≠ v7) ✗ → re-run: read v8 … commit v9 ✓
//! ```
//!
//! ## What to look at
//! - `db_lock_wait_seconds` disappears; `db_transaction_retries_total` and
//!   `db_lock_conflicts_total` count the conflicts instead.
//! - 409s in `http_requests_total` when retries run out: a sign contention is too high for
//!   optimism (shard the hot row, queue the writes).

use crate::mitigation::{MitigationConfig, MitigationMeta};
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::Component;
use crate::systems::web::metrics::{DB_LOCK_CONFLICTS, DB_TX_RETRIES};

/// Re-runs a transaction gets after a version conflict.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Config {
    pub max_retries: u32,
}

impl MitigationConfig for Config {
    const ID: &'static str = "optimistic-locking";

    fn from_params(p: &ParamSet) -> Config {
        Config {
            max_retries: p.i64("max_retries").max(0) as u32,
        }
    }
}

pub static META: MitigationMeta = MitigationMeta {
    id: "optimistic-locking",
    title: "Optimistic locking",
    category: "concurrency",
    summary: "Check the row version at commit instead of locking; re-run on conflict.",
    source: crate::doc_of!("mitigations/optimistic_locking.rs"),
    params: &[ParamSpec::int(
        "max_retries",
        "retries",
        3,
        0,
        100,
        "Re-runs of a transaction after a version conflict before answering 409.",
    )],
    metrics: &[DB_TX_RETRIES, DB_LOCK_CONFLICTS],
    acts_on: &[Component::Database],
};
