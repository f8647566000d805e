//! # Duplicate delivery
//!
//! The projections' consumer restarts every `restart_every_s` (a crash, a deploy, a
//! consumer-group rebalance). It resumes from the offset it last committed to the
//! broker, which it commits every `offset_commit_interval_ms` (Kafka's default
//! `auto.commit.interval.ms` is 5 s), so the events it applied since that commit are
//! delivered again: at-least-once delivery, as every broker that does not lose events
//! gives. A consumer that applies whatever it is given counts them twice: the order
//! history shows events that never happened twice, analytics counts revenue and orders
//! twice. Nothing fails and nothing is late.
//!
//! ```text
//!   committed offset 1,200 ─── applied 1,200 … 1,289 ─── restart
//!   redelivered 1,200 … 1,289 ──▶ applied again (revenue counted twice)
//! ```
//!
//! ## What to look at
//! - `projection_events_redelivered_total{projection}`: what each restart delivered
//!   again.
//! - `data_anomalies_total{kind="duplicate_applied"}`: events applied a second time.
//! - No golden signal moves.
//!
//! With the defaults (seed 1, from 30 s, over 180 s: five restarts), each projection is
//! given 1,660 events again and applies all of them a second time (4,980 in all); with
//! `idempotent-consumer` all 4,980 are skipped (`sdl run --system orders --scenario
//! duplicate-delivery --set duplicate-delivery.start_s=30 --duration 180s --format
//! prom`).
//!
//! ## How to fix it
//! Make the consumer idempotent (`idempotent-consumer`): store the position applied up
//! to in the same transaction as the read model and skip events below it; or dedupe by
//! event id. Committing offsets more often narrows the window but never closes it:
//! the commit and the read-model write are two writes.
//! Mitigations: `idempotent-consumer`.

use crate::metrics::Registry;
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{Component, Effect, Hop, ProjectionEffect, Scenario, ScenarioMeta, StrikeCx};
use crate::systems::common::DATA_ANOMALIES;
use crate::systems::orders::metrics::REDELIVERED;
use crate::time::{secs_to_ns, Nanos};

pub static META: ScenarioMeta = ScenarioMeta {
    id: "duplicate-delivery",
    title: "Duplicate delivery",
    category: "event-sourcing",
    kind: crate::scenario::FaultKind::Inconsistent,
    summary: "The projections' consumer restarts from its last committed offset and applies what it is given again: counts and revenue double.",
    source: crate::doc_of!("scenarios/event_sourcing/duplicate_delivery.rs"),
    own_params: &[ParamSpec::float(
        "restart_every_s",
        "s",
        30.0,
        1.0,
        86_400.0,
        "Time between two restarts of the projections' consumer.",
    )],
    metrics: &[REDELIVERED, DATA_ANOMALIES],
    strikes: &[Component::Projection],
    mitigations: &["idempotent-consumer"],
    build: || Box::new(DuplicateDelivery::default()),
    check: crate::scenario::no_check,
};

#[derive(Default)]
struct DuplicateDelivery {
    every_ns: Nanos,
    /// The next restart of each projection's consumer (0: not yet scheduled).
    next: [Nanos; 3],
}

impl Scenario for DuplicateDelivery {
    fn configure(&mut self, params: &ParamSet, _metrics: &mut Registry) {
        self.every_ns = secs_to_ns(params.f64("restart_every_s")).max(1);
        self.next = [0; 3];
    }

    fn strike(&mut self, cx: &mut StrikeCx<'_>, hop: &Hop) -> Effect {
        let Some(next) = self.next.get_mut(hop.instance as usize) else {
            return Effect::NONE;
        };
        if hop.endpoint != "apply" {
            return Effect::NONE;
        }
        if *next == 0 || *next < cx.active_since {
            *next = cx.active_since + self.every_ns;
        }
        if cx.now < *next {
            return Effect::NONE;
        }
        *next = cx.now + self.every_ns;
        Effect::on_projection(ProjectionEffect {
            restart: true,
            ..ProjectionEffect::NONE
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;

    fn duplicates(lab: &crate::sim::Lab) -> f64 {
        lab.metrics()
            .family_total_where("data_anomalies_total", |_, v| v[0] == "duplicate_applied")
    }

    const SETS: &[(&str, &str)] = &[("duplicate-delivery.start_s", "10")];

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("orders", 731, &[], &[]), 90);
        assert_eq!(total(&off, "projection_events_redelivered_total"), 0.0);
        assert_eq!(duplicates(&off), 0.0);
        let on = run(&config("orders", 731, &["duplicate-delivery"], SETS), 90);
        assert!(total(&on, "projection_events_redelivered_total") > 50.0);
    }

    #[test]
    fn symptom_appears() {
        let lab = run(&config("orders", 732, &["duplicate-delivery"], SETS), 180);
        let d = duplicates(&lab);
        assert!(d > 100.0, "{d}");
        assert_eq!(d, total(&lab, "projection_events_redelivered_total"));
    }

    #[test]
    fn mitigation_reduces_symptom() {
        let without = run(&config("orders", 733, &["duplicate-delivery"], SETS), 180);
        let with = run(
            &config(
                "orders",
                733,
                &["duplicate-delivery", "idempotent-consumer"],
                SETS,
            ),
            180,
        );
        assert!(duplicates(&without) > 100.0);
        assert_eq!(duplicates(&with), 0.0);
        assert!(total(&with, "projection_duplicates_skipped_total") > 100.0);
    }
}
