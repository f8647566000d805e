//! # Event ordering issue
//!
//! A projection's writes to its read model fail now and then (`failure_share` of them:
//! a lock timeout or a deadlock in the read model's database). Its consumer does not
//! stop on a failure: it parks the event on a retry queue for `retry_delay_ms` and goes
//! on with the next ones (non-blocking retries, as Spring for Apache Kafka's retry
//! topics do: its documentation illustrates them with a first back-off of 1 s and
//! warns that "by using this strategy you lose Kafka's ordering guarantees"). The log
//! is in order, but what the read model applies no longer is: when the retry comes, a later event of the same order
//! may have been applied already. An order's `PaymentConfirmed` applied before its
//! `OrderPlaced` means nothing to a read model that has not seen the order, and the
//! late `OrderPlaced` then leaves it `placed` for good: the summary says placed while
//! the order is paid, clients never ship it, and nothing is behind (the projection's
//! lag is 0: it is wrong, not late).
//!
//! ```text
//!   log:        #101 OrderPlaced(7) · #102 … · #140 PaymentConfirmed(7)
//!   projection: #101 ✗ → retry queue (1 s) · #140 applied (order 7 unknown: ignored)
//!               retry: #101 applied → order 7 "placed"   (the log says "paid")
//! ```
//!
//! ## What to look at
//! - `projection_events_parked_total` (failed writes) and
//!   `projection_events_out_of_order_total` (events applied after a later one of their
//!   order).
//! - `data_anomalies_total{kind="wrong_read_model"}`: queries answered with a state the
//!   order's events do not lead to, from a projection that is not behind.
//! - `projection_lag_events` stays near 0: lag does not show this.
//! - The log: `read-model write failed: event parked for a retry, moving on`.
//!
//! With the defaults (seed 1, from 30 s, over 180 s), 671 of the order summary's writes
//! fail and are retried, 248 events are applied after a later one of their order, and
//! 283 queries answer with a state the order's events do not lead to; with
//! `per-stream-ordering`, 0 and 0, for 129 stale reads instead of 113 (`sdl run
//! --system orders --scenario event-ordering-issue --set
//! event-ordering-issue.start_s=30 --duration 180s --format prom`).
//!
//! ## How to fix it
//! Keep each order's events in order through retries (`per-stream-ordering`): while an
//! event waits for its retry, its order's later events wait behind it; other orders go
//! on. Or retry in place (blocking: the whole projection waits), or make the handlers
//! insensitive to order (apply by version: a read model that stores each order's
//! events by version and folds them in order). Never let a consumer move past an event
//! of a stream and then apply the stream's later events.
//! Mitigations: `per-stream-ordering`.

use crate::metrics::Registry;
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{Component, Effect, Hop, ProjectionEffect, Scenario, ScenarioMeta, StrikeCx};
use crate::systems::common::DATA_ANOMALIES;
use crate::systems::orders::metrics::{EVENTS_PARKED, OUT_OF_ORDER};
use crate::time::{ms_to_ns, Nanos};

/// The projections, by the hop's instance (the order system's `ProjectionKind`).
const PROJECTIONS: [&str; 3] = ["order_summary", "order_history", "analytics"];

pub static META: ScenarioMeta = ScenarioMeta {
    id: "event-ordering-issue",
    title: "Event ordering issue",
    category: "event-sourcing",
    kind: crate::scenario::FaultKind::Inconsistent,
    summary: "A projection retries failed writes later while it goes on: an order's events are applied out of order and its read model is wrong.",
    source: crate::doc_of!("scenarios/event_sourcing/event_ordering_issue.rs"),
    own_params: &[
        ParamSpec::choice(
            "projection",
            "order_summary",
            &PROJECTIONS,
            "The projection whose writes fail (order_summary is the one queries read).",
        ),
        ParamSpec::float(
            "failure_share",
            "",
            0.05,
            0.0,
            1.0,
            "Share of the projection's read-model writes that fail and are retried later.",
        ),
        ParamSpec::float(
            "retry_delay_ms",
            "ms",
            1000.0,
            1.0,
            600_000.0,
            "How long a failed event waits on the retry queue.",
        ),
    ],
    metrics: &[EVENTS_PARKED, OUT_OF_ORDER, DATA_ANOMALIES],
    strikes: &[Component::Projection],
    mitigations: &["per-stream-ordering"],
    build: || Box::new(EventOrderingIssue::default()),
    check: crate::scenario::no_check,
};

#[derive(Default)]
struct EventOrderingIssue {
    projection: u32,
    share: f64,
    delay_ns: Nanos,
}

impl Scenario for EventOrderingIssue {
    fn configure(&mut self, params: &ParamSet, _metrics: &mut Registry) {
        let name = params.choice("projection");
        self.projection = PROJECTIONS.iter().position(|p| *p == name).unwrap_or(0) as u32;
        self.share = params.f64("failure_share");
        self.delay_ns = ms_to_ns(params.f64("retry_delay_ms")).max(1);
    }

    fn strike(&mut self, cx: &mut StrikeCx<'_>, hop: &Hop) -> Effect {
        if hop.instance != self.projection || hop.endpoint != "apply" {
            return Effect::NONE;
        }
        if self.share > 0.0 && cx.rng.chance(self.share) {
            Effect::on_projection(ProjectionEffect {
                retry_after_ns: self.delay_ns,
                ..ProjectionEffect::NONE
            })
        } else {
            Effect::NONE
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;

    fn anomalies(lab: &crate::sim::Lab, kind: &str) -> f64 {
        lab.metrics()
            .family_total_where("data_anomalies_total", |_, v| v[0] == kind)
    }

    const SETS: &[(&str, &str)] = &[("event-ordering-issue.start_s", "30")];

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("orders", 711, &[], &[]), 90);
        assert_eq!(total(&off, "projection_events_parked_total"), 0.0);
        assert_eq!(total(&off, "projection_events_out_of_order_total"), 0.0);
        assert_eq!(anomalies(&off, "wrong_read_model"), 0.0);
        let on = run(&config("orders", 711, &["event-ordering-issue"], SETS), 90);
        assert!(total(&on, "projection_events_parked_total") > 50.0);
        assert!(total(&on, "projection_events_out_of_order_total") > 10.0);
    }

    #[test]
    fn symptom_appears() {
        let lab = run(&config("orders", 712, &["event-ordering-issue"], SETS), 180);
        let wrong = anomalies(&lab, "wrong_read_model");
        assert!(wrong > 20.0, "{wrong}");
        // Not behind: the read model is wrong, not late.
        let lag = series_values(&lab, "projection_lag_events", "order_summary")
            .into_iter()
            .fold(0.0, f64::max);
        assert!(lag < 50.0, "{lag}");
    }

    #[test]
    fn mitigation_reduces_symptom() {
        let without = run(&config("orders", 713, &["event-ordering-issue"], SETS), 180);
        let with = run(
            &config(
                "orders",
                713,
                &["event-ordering-issue", "per-stream-ordering"],
                SETS,
            ),
            180,
        );
        assert!(total(&without, "projection_events_out_of_order_total") > 10.0);
        assert_eq!(total(&with, "projection_events_out_of_order_total"), 0.0);
        assert!(anomalies(&without, "wrong_read_model") > 20.0);
        assert_eq!(anomalies(&with, "wrong_read_model"), 0.0);
    }
}
