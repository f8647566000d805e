//! # Event ordering violation
//!
//! Each order publishes two events to the message queue: `created` when its write
//! commits and `paid` when the payment succeeds. The consumers (one per partition)
//! update a read model — fulfilment, an order-status page — and expect `created` before
//! `paid`. The queue keeps order only within a partition; here the producer spreads
//! events over the partitions at random (a producer without a message key, or one
//! keyed by something other than the order), so an order's two events usually land in
//! different partitions. Whenever the `created` partition is further behind than the
//! `paid` one — one consumer is slower (`slow_consumer_ms` more per message on
//! partition 0: a GC pause, a rebalance, a slow downstream) — `paid` is applied first.
//!
//! ```text
//!   order 42: created ─▶ partition 0 [■■■■■■ slow consumer] ─────────▶ applied 2nd ✗
//!   order 42: paid ────▶ partition 2 [■] ──▶ applied 1st
//! ```
//!
//! ## What to look at
//! - `data_anomalies_total{kind="out_of_order"}` (the data-integrity panel): an order's
//!   older event applied after a newer one.
//! - `mq_consumer_lag_messages{partition}`: the slow partition's backlog, and
//!   `mq_message_age_seconds`: how late events are applied.
//!
//! ## How to fix it
//! Partition by key (`partition-by-key`): every event of an order goes to the partition
//! its id hashes to, and one consumer applies them in order. The slow partition still
//! lags, but only late, never out of order. Consumers can also check a per-key sequence
//! number and park or drop events that arrive early.
//! Mitigations: `partition-by-key`.

use crate::metrics::{CounterId, MetricSpec, Registry};
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{
    no_check, Component, Effect, Hop, QueueEffect, Scenario, ScenarioMeta, StrikeCx,
};
use crate::systems::web::metrics::{DATA_ANOMALIES, MQ_AGE, MQ_LAG, MQ_PUBLISHED};
use crate::time::{ms_to_ns, Nanos};

const SCATTERED: MetricSpec = MetricSpec::counter(
    "mq_unkeyed_events_total",
    "Events the producer sent to a random partition instead of their key's.",
    &[],
);

pub static META: ScenarioMeta = ScenarioMeta {
    id: "event-ordering-violation",
    title: "Event ordering violation",
    category: "concurrency",
    kind: crate::scenario::FaultKind::Inconsistent,
    summary: "Related events go to different partitions of the message queue; consumers apply them out of order.",
    source: crate::doc_of!("scenarios/concurrency/event_ordering_violation.rs"),
    own_params: &[ParamSpec::float(
        "slow_consumer_ms",
        "ms",
        30.0,
        0.0,
        60_000.0,
        "Extra time per message of the consumer of partition 0.",
    )],
    metrics: &[SCATTERED, DATA_ANOMALIES, MQ_LAG, MQ_AGE, MQ_PUBLISHED],
    strikes: &[Component::Queue],
    mitigations: &["partition-by-key"],
    build: || Box::new(EventOrderingViolation::default()),
    check: no_check,
};

#[derive(Default)]
struct EventOrderingViolation {
    slow_ns: Nanos,
    scattered: Option<CounterId>,
}

impl Scenario for EventOrderingViolation {
    fn configure(&mut self, params: &ParamSet, metrics: &mut Registry) {
        self.slow_ns = ms_to_ns(params.f64("slow_consumer_ms"));
        self.scattered = Some(metrics.counter(&SCATTERED, &[]));
    }

    fn strike(&mut self, cx: &mut StrikeCx<'_>, hop: &Hop) -> Effect {
        if hop.endpoint == "consume" {
            return if hop.instance == 0 {
                Effect::delay(self.slow_ns)
            } else {
                Effect::NONE
            };
        }
        if let Some(c) = self.scattered {
            cx.metrics.inc(c);
        }
        Effect::on_queue(QueueEffect {
            partition: u32::try_from(cx.rng.below(1 << 16)).ok(),
            ..QueueEffect::NONE
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;

    fn out_of_order(lab: &crate::sim::Lab) -> f64 {
        lab.metrics()
            .family_total_where("data_anomalies_total", |_, v| v[0] == "out_of_order")
    }

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("web", 621, &[], &[]), 30);
        for name in ["mq_unkeyed_events_total", "mq_messages_published_total"] {
            assert!(!registered(&off, name), "{name}");
        }
        let on = run(&config("web", 621, &["event-ordering-violation"], &[]), 30);
        let events = total(&on, "mq_unkeyed_events_total");
        // Two events for each of ~40 orders/s over 30 s.
        assert!((1_900.0..2_900.0).contains(&events), "{events}");
        assert_eq!(total(&on, "mq_messages_published_total"), events);
        assert!(out_of_order(&on) > 0.0);
    }

    #[test]
    fn symptom_appears() {
        let lab = run(&config("web", 622, &["event-ordering-violation"], &[]), 60);
        let reordered = out_of_order(&lab);
        assert!(reordered > 100.0, "{reordered}");
        let slow = series_values(&lab, "mq_consumer_lag_messages", "0");
        let fast = series_values(&lab, "mq_consumer_lag_messages", "1");
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
        assert!(mean(&slow) > mean(&fast) * 2.0, "{slow:?} vs {fast:?}");
    }

    #[test]
    fn mitigation_reduces_symptom() {
        let run_with = |switches: &[&str]| run(&config("web", 623, switches, &[]), 60);
        let without = out_of_order(&run_with(&["event-ordering-violation"]));
        let with = run_with(&["event-ordering-violation", "partition-by-key"]);
        assert!(without > 100.0, "{without}");
        assert_eq!(
            out_of_order(&with),
            0.0,
            "one partition per order keeps its order"
        );
        assert!(total(&with, "mq_messages_published_total") > 2_000.0);
    }
}
