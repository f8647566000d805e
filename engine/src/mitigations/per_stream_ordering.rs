//! # Per-stream ordering
//!
//! A projection's consumer keeps each order's events in their order even when one of
//! them must be retried: while an event of an order waits on the retry queue, the
//! order's later events are set aside behind it, and when its retry comes they are
//! applied after it, in their order. Other orders' events go on as before. A Kafka
//! consumer keeps a key's order only while it retries in place (blocking its
//! partition); moving a failed record to a retry topic gives that order up.
//!
//! ```text
//!   order 7:  OrderPlaced ✗ (retry in 1 s) ── PaymentConfirmed waits behind it
//!   order 8:  ... applied as they come
//!   retry:    OrderPlaced ✓ → PaymentConfirmed ✓   (in their order)
//! ```
//!
//! ## What to look at
//! - `projection_events_out_of_order_total` stays at 0;
//!   `data_anomalies_total{kind="wrong_read_model"}` too.
//! - The cost: an order whose event failed is stale in the read model until the retry
//!   (`stale_reads_total` rises a little); the projection as a whole does not stop.

use crate::mitigation::MitigationMeta;
use crate::scenario::Component;
use crate::systems::common::DATA_ANOMALIES;
use crate::systems::orders::metrics::OUT_OF_ORDER;

pub static META: MitigationMeta = MitigationMeta {
    id: "per-stream-ordering",
    title: "Per-stream ordering",
    category: "event-sourcing",
    summary: "Keep an order's events in their order through retries: later events of an order wait behind one that is being retried.",
    source: crate::doc_of!("mitigations/per_stream_ordering.rs"),
    params: &[],
    metrics: &[OUT_OF_ORDER, DATA_ANOMALIES],
    acts_on: &[Component::Projection],
};
