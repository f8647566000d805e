//! # Idempotent consumer
//!
//! A projection stores the position it has applied up to (its checkpoint) in the same
//! transaction as its read model, and checks every event it is given against it: an
//! event at a position it has already applied is skipped. A consumer restarted from an
//! older committed offset then gets those events again and ignores them, so
//! at-least-once delivery gives exactly-once effects on the read model.
//!
//! ```text
//!   committed offset 1,200 ── applied up to 1,290 ── restart
//!   redelivered 1,200 … 1,289: position < checkpoint 1,290 → skipped
//! ```
//!
//! ## What to look at
//! - `projection_duplicates_skipped_total` counts what was delivered again;
//!   `data_anomalies_total{kind="duplicate_applied"}` stays at 0.
//! - The cost: the checkpoint is written with every read-model update (one more row in
//!   the same transaction).

use crate::mitigation::MitigationMeta;
use crate::scenario::Component;
use crate::systems::common::DATA_ANOMALIES;
use crate::systems::orders::metrics::DUPLICATES_SKIPPED;

pub static META: MitigationMeta = MitigationMeta {
    id: "idempotent-consumer",
    title: "Idempotent consumer",
    category: "event-sourcing",
    summary: "Store the projection's checkpoint with its read model and skip events at positions already applied.",
    source: crate::doc_of!("mitigations/idempotent_consumer.rs"),
    params: &[],
    metrics: &[DUPLICATES_SKIPPED, DATA_ANOMALIES],
    acts_on: &[Component::Projection],
};
