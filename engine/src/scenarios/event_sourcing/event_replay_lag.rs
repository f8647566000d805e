//! # Event replay lag
//!
//! A projection is rebuilt: its read model is thrown away and the event log replayed
//! from position 0 (a new projection, a bug fixed in an old one, a schema change), while
//! new events keep arriving. The projection applies events more slowly than usual
//! (`slow_projection_ms` more per event: each one written to the read model's database,
//! with a throttle so the replay does not flood it), so it takes a while to catch up,
//! and until it does its read model is missing recent orders and behind on the rest.
//! Queries read it: an order the client just placed answers 404, others answer stale.
//! With `rebuild` off, the projection is only slow: if it applies events more slowly
//! than they are appended, its lag grows without end.
//!
//! ```text
//!   log:        [0 ........................................ head] ◀── new events
//!   rebuilding: [0 ......▶ checkpoint]        lag = head − checkpoint
//!   query API reads it: 404 for orders not replayed yet, stale for the rest
//! ```
//!
//! ## What to look at
//! - `projection_lag_events{projection}` and `projection_lag_seconds{projection}`: the
//!   jump when the rebuild starts, and how long the catch-up takes.
//! - `stale_reads_total{source="order_summary"}` and the query API's 404s in
//!   `http_requests_total`; the error rate on the dashboard.
//! - `event_replay_duration_seconds{projection}`: how long a rebuild took to replay
//!   what the log held when it started.
//!
//! With the defaults (seed 1, `start_s` 60: about 5,000 events in the log), the
//! rebuild takes 28 s to replay them, and over the three minutes 2,980 of 8,936 queries
//! answer 404 and 3,002 are stale; with `shadow-rebuild`, 5 and 16 (`sdl run --system
//! orders --scenario event-replay-lag --set event-replay-lag.start_s=60 --duration 180s`).
//!
//! ## How to fix it
//! Rebuild beside the live read model (`shadow-rebuild`, blue/green): the new model
//! replays in the background while queries keep reading the old one, which keeps
//! applying new events; when the new one has caught up it takes over. The replay takes
//! as long, but nobody reads a half-built model. Make projections faster (batch the
//! writes of many events in one transaction) so catch-up is short, and say in the API
//! that reads are eventually consistent (return the version read, let a client wait for
//! its own write).
//! Mitigations: `shadow-rebuild`.

use crate::metrics::Registry;
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{
    no_check, Component, Effect, Hop, ProjectionEffect, Scenario, ScenarioMeta, StrikeCx,
};
use crate::systems::common::STALE_READS;
use crate::systems::orders::metrics::{
    PROJECTION_LAG_EVENTS, PROJECTION_LAG_SECONDS, REPLAY_DURATION,
};
use crate::time::{ms_to_ns, Nanos};

/// The projections, by the hop's instance (the order system's `ProjectionKind`).
const PROJECTIONS: [&str; 3] = ["order_summary", "order_history", "analytics"];

pub static META: ScenarioMeta = ScenarioMeta {
    id: "event-replay-lag",
    title: "Event replay lag",
    category: "event-sourcing",
    kind: crate::scenario::FaultKind::Inconsistent,
    summary: "A projection is rebuilt from the start of the log while events keep coming; until it catches up, reads are missing or stale.",
    source: crate::doc_of!("scenarios/event_sourcing/event_replay_lag.rs"),
    own_params: &[
        ParamSpec::choice(
            "projection",
            "order_summary",
            &PROJECTIONS,
            "The projection rebuilt (order_summary is the one queries read).",
        ),
        ParamSpec::boolean(
            "rebuild",
            true,
            "Rebuild it from position 0 when the scenario starts (off: only slow).",
        ),
        ParamSpec::float(
            "slow_projection_ms",
            "ms",
            5.0,
            0.0,
            60_000.0,
            "Extra time to apply each event (the replay's throttle, a slow read-model write).",
        ),
    ],
    metrics: &[
        PROJECTION_LAG_EVENTS,
        PROJECTION_LAG_SECONDS,
        REPLAY_DURATION,
        STALE_READS,
    ],
    strikes: &[Component::Projection],
    mitigations: &["shadow-rebuild"],
    build: || Box::new(EventReplayLag::default()),
    check: no_check,
};

#[derive(Default)]
struct EventReplayLag {
    projection: u32,
    rebuild: bool,
    slow_ns: Nanos,
    /// Whether the rebuild was asked for since the scenario was (re)configured.
    asked: bool,
}

impl Scenario for EventReplayLag {
    fn configure(&mut self, params: &ParamSet, _metrics: &mut Registry) {
        let name = params.choice("projection");
        self.projection = PROJECTIONS.iter().position(|p| *p == name).unwrap_or(0) as u32;
        self.rebuild = params.bool("rebuild");
        self.slow_ns = ms_to_ns(params.f64("slow_projection_ms"));
        self.asked = false;
    }

    fn strike(&mut self, _cx: &mut StrikeCx<'_>, hop: &Hop) -> Effect {
        // It acts where the projection takes its next event (`project`), not where it
        // writes it (`apply`).
        if hop.instance != self.projection || hop.endpoint != "project" {
            return Effect::NONE;
        }
        let rebuild = self.rebuild && !self.asked;
        self.asked = true;
        Effect {
            delay_ns: self.slow_ns,
            ..Effect::on_projection(ProjectionEffect {
                rebuild,
                ..ProjectionEffect::NONE
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;

    /// The highest sampled lag, in seconds, of the order_summary projection.
    fn max_lag(lab: &crate::sim::Lab) -> f64 {
        series_values(lab, "projection_lag_seconds", "order_summary")
            .into_iter()
            .fold(0.0, f64::max)
    }

    fn missing(lab: &crate::sim::Lab) -> f64 {
        lab.metrics()
            .family_total_where("http_requests_total", |_, v| v[2] == "404")
    }

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("orders", 701, &[], &[]), 60);
        assert_eq!(total(&off, "event_replay_duration_seconds"), 0.0);
        assert!(max_lag(&off) < 0.1);
        let on = run(
            &config(
                "orders",
                701,
                &["event-replay-lag"],
                &[("event-replay-lag.start_s", "30")],
            ),
            120,
        );
        assert_eq!(
            total(&on, "event_replay_duration_seconds"),
            1.0,
            "one rebuild"
        );
        assert!(max_lag(&on) > 5.0);
    }

    #[test]
    fn symptom_appears() {
        let cfg = |switches: &[&str]| {
            config(
                "orders",
                702,
                switches,
                &[("event-replay-lag.start_s", "60")],
            )
        };
        let healthy = run(&config("orders", 702, &[], &[]), 180);
        let lab = run(&cfg(&["event-replay-lag"]), 180);
        assert!(
            missing(&lab) > 100.0 + missing(&healthy),
            "{}",
            missing(&lab)
        );
        let stale = total(&lab, "stale_reads_total");
        assert!(
            stale > 10.0 * (1.0 + total(&healthy, "stale_reads_total")),
            "{stale}"
        );
    }

    #[test]
    fn mitigation_reduces_symptom() {
        let sets = &[("event-replay-lag.start_s", "60")];
        let without = run(&config("orders", 703, &["event-replay-lag"], sets), 180);
        let with = run(
            &config("orders", 703, &["event-replay-lag", "shadow-rebuild"], sets),
            180,
        );
        assert!(missing(&without) > 100.0, "{}", missing(&without));
        assert!(
            missing(&with) < missing(&without) / 20.0,
            "{} vs {}",
            missing(&with),
            missing(&without)
        );
        // The replay itself takes as long; it is only out of the readers' way.
        assert_eq!(total(&with, "event_replay_duration_seconds"), 1.0);
    }
}
