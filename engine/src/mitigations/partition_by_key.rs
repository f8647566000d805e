//! # Partition by key
//!
//! The producer sends every event to the partition its key hashes to (here: the order
//! id). All events of one order then sit in one partition, read by one consumer in the
//! order they were written; different orders still spread over all partitions.
//!
//! ```text
//!   order 42: created ─┐
//!   order 42: paid ────┴─▶ partition hash(42) % N ─▶ one consumer: created, paid ✓
//! ```
//!
//! ## What to look at
//! - `data_anomalies_total{kind="out_of_order"}` stays flat.
//! - `mq_consumer_lag_messages{partition}` can be uneven: a hot key or a slow consumer
//!   holds up its whole partition (ordering is paid for with less parallelism).

use crate::mitigation::MitigationMeta;
use crate::scenario::Component;
use crate::systems::web::metrics::{DATA_ANOMALIES, MQ_LAG};

pub static META: MitigationMeta = MitigationMeta {
    id: "partition-by-key",
    title: "Partition by key",
    category: "messaging",
    summary: "Send every event of a key to the partition the key hashes to, so one consumer sees them in order.",
    source: crate::doc_of!("mitigations/partition_by_key.rs"),
    params: &[],
    metrics: &[DATA_ANOMALIES, MQ_LAG],
    acts_on: &[Component::Queue],
};
