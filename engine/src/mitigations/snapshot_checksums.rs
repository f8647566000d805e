//! # Checksummed, versioned snapshots
//!
//! Every snapshot carries its aggregate's stream version and a checksum of its
//! contents. A loader refuses one whose checksum does not match (or that does not parse)
//! instead of trusting it, falls back to the previous snapshot (kept for that) and the
//! events after it, so a replay reads at most two snapshot intervals of events rather
//! than the whole stream, and writes the snapshot again at the version it has just
//! loaded, so only one load pays. A snapshot is a cache of the log: it may be thrown
//! away and rebuilt, never silently believed.
//!
//! ```text
//!   snapshot @20,020 ✗ checksum → previous @20,000 + 31 events → rewrite @20,031
//! ```
//!
//! ## What to look at
//! - `snapshot_load_failures_total{reason="checksum"}` counts damaged snapshots caught;
//!   `data_anomalies_total{kind="corrupt_snapshot_used"}` stays at 0.
//! - `aggregate_load_duration_seconds{aggregate="product",source="replay"}` stops
//!   growing: a refused snapshot no longer means a replay of the whole stream.

use crate::mitigation::MitigationMeta;
use crate::scenario::Component;
use crate::systems::common::DATA_ANOMALIES;
use crate::systems::orders::metrics::{LOAD_DURATION, SNAPSHOT_LOAD_FAILURES};

pub static META: MitigationMeta = MitigationMeta {
    id: "snapshot-checksums",
    title: "Checksummed, versioned snapshots",
    category: "event-sourcing",
    summary: "Refuse a damaged snapshot by its checksum, fall back to the previous one (a bounded replay) and write it again.",
    source: crate::doc_of!("mitigations/snapshot_checksums.rs"),
    params: &[],
    metrics: &[SNAPSHOT_LOAD_FAILURES, LOAD_DURATION, DATA_ANOMALIES],
    acts_on: &[Component::Database],
};
