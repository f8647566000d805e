//! # Transactional outbox
//!
//! The integration event that starts the payment saga is not sent to the broker by the
//! command handler after its append (two writes, either of which can happen without
//! the other). It is written in the same append as the order's events (in an event
//! store, the `OrderPlaced` event is the outbox record) and a relay reads the log every
//! `relay_interval_ms` and publishes what is new; one it fails to publish is tried
//! again next round. Delivery is at least once, so the saga is keyed by its order and
//! starts once however often it is told.
//!
//! ```text
//!   append [OrderPlaced] ──▶ log ──relay, every 100 ms──▶ broker ──▶ saga
//!                              (a failed publish is retried next round)
//! ```
//!
//! ## What to look at
//! - `integration_events_total{outcome="lost"}` stays at 0;
//!   `integration_events_total{outcome="retried"}` counts publishes tried again.
//! - `orders_awaiting_payment` levels off instead of growing.
//! - The cost: a saga starts up to one relay interval later.

use crate::mitigation::{MitigationConfig, MitigationMeta};
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::Component;
use crate::systems::orders::metrics::{AWAITING_PAYMENT, INTEGRATION_EVENTS};
use crate::time::{ms_to_ns, Nanos};

/// How the outbox relay runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Config {
    pub relay_interval_ns: Nanos,
}

impl MitigationConfig for Config {
    const ID: &'static str = "transactional-outbox";

    fn from_params(p: &ParamSet) -> Config {
        Config {
            relay_interval_ns: ms_to_ns(p.f64("relay_interval_ms")).max(1),
        }
    }
}

pub static META: MitigationMeta = MitigationMeta {
    id: "transactional-outbox",
    title: "Transactional outbox",
    category: "event-sourcing",
    summary: "Write the integration event in the same append as the order and let a relay publish it from the log, at least once.",
    source: crate::doc_of!("mitigations/transactional_outbox.rs"),
    params: &[ParamSpec::float(
        "relay_interval_ms",
        "ms",
        100.0,
        1.0,
        60_000.0,
        "How often the relay reads the log for events to publish.",
    )],
    metrics: &[INTEGRATION_EVENTS, AWAITING_PAYMENT],
    acts_on: &[Component::Queue],
};
