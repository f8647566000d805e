//! # Dual write without an outbox
//!
//! The command handler appends an order's `OrderPlaced` to the event store and then,
//! as a second write, publishes an integration event to the broker, which starts the
//! payment saga. The two writes are not one transaction: while the broker is flaky
//! (`loss_share` of publishes time out after the append has committed, and the handler
//! has already answered 200), the order exists and no saga ever hears of it. Nothing
//! retries: the event is in the log, the message is nowhere. The order stays placed and
//! unpaid for good; the client was told it was accepted.
//!
//! ```text
//!   append OrderPlaced ✓ (committed) ──▶ publish ✗ (timed out) ──▶ 200 to the client
//!   the saga never starts: no stock reserved, no charge, order "placed" forever
//! ```
//!
//! ## What to look at
//! - `integration_events_total{outcome="lost"}`.
//! - `orders_awaiting_payment` growing without end (a reconciliation job's query).
//! - `sagas_total` below the orders placed (`events_appended_total{type="OrderPlaced"}`).
//! - No HTTP error: every command answered 200. Only the log says it:
//!   `publishing OrderPlaced failed after the append committed`.
//!
//! With the defaults (seed 1, from 30 s, over 180 s), 210 of 5,502 orders lose their
//! message and 164 orders are waiting for payment at the end, against 12 on a healthy
//! run; with `transactional-outbox` none is lost (219 publishes are retried by the
//! relay) and 17 wait, the relay's interval behind (`sdl run --system orders
//! --scenario dual-write --set dual-write.start_s=30 --duration 180s --format prom`).
//!
//! ## How to fix it
//! Write the message in the same transaction as the state (`transactional-outbox`): in
//! an event store the event is the outbox; a relay publishes from the log, at least
//! once, and the saga is keyed by its order so a duplicate starts nothing. Or subscribe
//! the saga to the log itself. Publishing first and appending second only moves the
//! problem: a saga for an order that does not exist.
//! Mitigations: `transactional-outbox`.

use crate::metrics::Registry;
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{Component, Effect, Hop, Scenario, ScenarioMeta, StrikeCx};
use crate::systems::orders::metrics::{AWAITING_PAYMENT, INTEGRATION_EVENTS};

pub static META: ScenarioMeta = ScenarioMeta {
    id: "dual-write",
    title: "Dual write without an outbox",
    category: "event-sourcing",
    kind: crate::scenario::FaultKind::Inconsistent,
    summary: "The order is appended, then its message to the saga is published separately: when the publish fails, the order is never paid.",
    source: crate::doc_of!("scenarios/event_sourcing/dual_write.rs"),
    own_params: &[ParamSpec::float(
        "loss_share",
        "",
        0.05,
        0.0,
        1.0,
        "Share of publishes to the broker that fail after the append committed.",
    )],
    metrics: &[INTEGRATION_EVENTS, AWAITING_PAYMENT],
    strikes: &[Component::Queue],
    mitigations: &["transactional-outbox"],
    build: || Box::new(DualWrite::default()),
    check: crate::scenario::no_check,
};

#[derive(Default)]
struct DualWrite {
    loss: f64,
}

impl Scenario for DualWrite {
    fn configure(&mut self, params: &ParamSet, _metrics: &mut Registry) {
        self.loss = params.f64("loss_share");
    }

    fn strike(&mut self, cx: &mut StrikeCx<'_>, hop: &Hop) -> Effect {
        if hop.endpoint == "publish" && self.loss > 0.0 && cx.rng.chance(self.loss) {
            Effect::fail(504)
        } else {
            Effect::NONE
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;

    fn outcome(lab: &crate::sim::Lab, o: &str) -> f64 {
        lab.metrics()
            .family_total_where("integration_events_total", |_, v| v[0] == o)
    }

    fn awaiting(lab: &crate::sim::Lab) -> f64 {
        values_of(lab, "orders_awaiting_payment")
            .last()
            .copied()
            .unwrap_or(0.0)
    }

    const SETS: &[(&str, &str)] = &[("dual-write.start_s", "10")];

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("orders", 741, &[], &[]), 90);
        assert_eq!(outcome(&off, "lost"), 0.0);
        assert!(outcome(&off, "published") > 1_000.0);
        let on = run(&config("orders", 741, &["dual-write"], SETS), 90);
        assert!(outcome(&on, "lost") > 20.0);
    }

    #[test]
    fn symptom_appears() {
        let healthy = run(&config("orders", 742, &[], &[]), 180);
        let lab = run(&config("orders", 742, &["dual-write"], SETS), 180);
        let lost = outcome(&lab, "lost");
        assert!(lost > 100.0, "{lost}");
        // Orders never paid pile up; a healthy run's stay at the sagas in flight.
        assert!(
            awaiting(&lab) > awaiting(&healthy) + 50.0,
            "{} vs {}",
            awaiting(&lab),
            awaiting(&healthy)
        );
    }

    #[test]
    fn mitigation_reduces_symptom() {
        let without = run(&config("orders", 743, &["dual-write"], SETS), 180);
        let with = run(
            &config("orders", 743, &["dual-write", "transactional-outbox"], SETS),
            180,
        );
        assert!(outcome(&without, "lost") > 100.0);
        assert_eq!(outcome(&with, "lost"), 0.0);
        assert!(outcome(&with, "retried") > 20.0);
        assert!(awaiting(&with) < awaiting(&without) / 3.0);
    }
}
