//! # Write-through cache
//!
//! A write goes to the database first and, once committed, sets the cache to the new
//! value (instead of deleting the entry, or parking the write in the cache to be flushed
//! later). The cache never holds a write the database lacks, and a write never leaves
//! an empty entry for a racing read to refill with an old value.
//!
//! ```text
//!   POST ─▶ database commit v8 ─▶ cache.set(k, v8) ─▶ 200
//!   GET  ─▶ cache v8 ✓      (miss ─▶ database v8 ✓)
//! ```
//!
//! ## What to look at
//! - `write_behind_backlog` and `write_behind_lag_seconds` stay at 0; stale reads
//!   (`data_anomalies_total{kind="stale_read"}`) and lost writes disappear.
//! - Writes are slower: each one waits for the database again
//!   (`http_request_duration_seconds{endpoint="POST /order"}`).

use crate::mitigation::MitigationMeta;
use crate::scenario::Component;
use crate::systems::web::metrics::{WB_BACKLOG, WB_LAG};

pub static META: MitigationMeta = MitigationMeta {
    id: "write-through",
    title: "Write-through cache",
    category: "caching",
    summary: "Write the database first, then set the cache to the committed value.",
    source: crate::doc_of!("mitigations/write_through.rs"),
    params: &[],
    metrics: &[WB_BACKLOG, WB_LAG],
    acts_on: &[Component::Cache, Component::Database],
};
