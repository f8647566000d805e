//! # Pool sizing
//!
//! Resize each instance's database connection pool while it runs. A pool smaller than
//! the demand (arrival rate × time a connection is held, per instance — Little's law)
//! turns database time into queueing inside the service; a larger one removes the queue,
//! up to what the database itself can serve (more connections than it has cores only
//! adds contention).
//!
//! ```text
//!   workers ──▶ [ pool: db_pool_size connections ] ──▶ database
//!                 needed ≈ rate per instance × seconds held
//! ```
//!
//! ## What to look at
//! - `db_pool_in_use` pinned at the pool size means the pool is the bottleneck.
//! - `db_pool_wait_seconds` falls to near zero once the pool fits the demand.

use crate::mitigation::{MitigationConfig, MitigationMeta};
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::Component;
use crate::systems::web::metrics::{DB_POOL_IN_USE, DB_POOL_WAIT};

/// The database pool size per instance that replaces the system's own.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Config {
    pub db_pool_size: u64,
}

impl MitigationConfig for Config {
    const ID: &'static str = "pool-sizing";

    fn from_params(p: &ParamSet) -> Config {
        Config {
            db_pool_size: p.i64("db_pool_size").max(1) as u64,
        }
    }
}

pub static META: MitigationMeta = MitigationMeta {
    id: "pool-sizing",
    title: "Pool sizing",
    category: "database",
    summary: "Resize the database connection pool to fit the demand.",
    source: crate::doc_of!("mitigations/pool_sizing.rs"),
    params: &[ParamSpec::int(
        "db_pool_size",
        "connections",
        32,
        1,
        1024,
        "Connections per instance while this is on.",
    )],
    metrics: &[DB_POOL_IN_USE, DB_POOL_WAIT],
    acts_on: &[Component::Database],
};
