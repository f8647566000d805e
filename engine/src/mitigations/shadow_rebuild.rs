//! # Shadow rebuild (blue/green projections)
//!
//! A projection is rebuilt beside the live one: the new read model replays the event log
//! from position 0 in the background while queries keep reading the old model, which
//! keeps applying new events as before. When the new model has reached the head of the
//! log it takes the old one's place, in one step. The replay takes as long as it would
//! in place; what changes is that nobody reads a half-built model.
//!
//! ```text
//!   live:   [0 ............................ head] ◀── queries
//!   shadow: [0 ........▶ replaying]                   (swapped in at the head)
//! ```
//!
//! ## What to look at
//! - The query API's 404s and `stale_reads_total` stay where they were before the
//!   rebuild; `event_replay_duration_seconds` still says how long the replay took.
//! - The cost: two read models for a while (twice the storage and the writes).

use crate::mitigation::MitigationMeta;
use crate::scenario::Component;
use crate::systems::common::STALE_READS;
use crate::systems::orders::metrics::REPLAY_DURATION;

pub static META: MitigationMeta = MitigationMeta {
    id: "shadow-rebuild",
    title: "Shadow rebuild (blue/green projection)",
    category: "event-sourcing",
    summary: "Rebuild a projection beside the live one and switch when it has caught up, so readers never see a half-built model.",
    source: crate::doc_of!("mitigations/shadow_rebuild.rs"),
    params: &[],
    metrics: &[REPLAY_DURATION, STALE_READS],
    acts_on: &[Component::Projection],
};
