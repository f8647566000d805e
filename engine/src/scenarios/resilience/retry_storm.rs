//! # Retry storm
//!
//! Clients retry a failed or timed-out call at once, up to `retries` times. A short
//! trigger — every request is slowed by `trigger_delay_ms` for `trigger_s` seconds — lets
//! the queue grow past what the clients' timeout allows. From then on the service spends
//! its capacity on requests whose clients have already given up, each of which comes back
//! as up to `retries + 1` attempts: offered load multiplies, the queue never drains and
//! goodput stays collapsed **after the trigger has ended**. The system is *metastable*
//! (Bronson et al., HotOS '21; Huang et al., OSDI '22): the same load was fine before.
//!
//! ```text
//!   clients ──try, try, try──▶ [ queue ▇▇▇▇▇▇▇▇▇▇ ] ──▶ workers busy with abandoned work
//!      ▲   timeout < queue wait                                     │
//!      └──────────────── retries multiply the load ◀────────────────┘
//! ```
//!
//! It needs deep queues (`queue_capacity` = 0 or large), a client timeout shorter than
//! the queue can grow (`client_timeout_ms`), and load past 1 / (retries + 1) of capacity.
//!
//! ## What to look at
//! - Goodput (`client_requests_total{outcome="success"}` rate) against server throughput:
//!   the server is busy, users get nothing.
//! - `server_wasted_responses_total`: responses finished after the client left.
//! - `retry_attempts_total` and `retry_depth`: the amplification.
//! - Queue depth and p99 stay pinned after the trigger is gone.
//!
//! ## How to fix it
//! Retries with exponential backoff, jitter and a retry budget (`retry-backoff`): the
//! budget caps retries to a fraction of traffic, so the overload cannot feed itself.
//! Bounded queues or `load-shedding`, and a server-side timeout (`timeouts`) that drops
//! requests nobody waits for, break the loop as well.

use crate::metrics::{MetricSpec, Registry};
use crate::mitigations::retry_backoff::{RETRY_ATTEMPTS, RETRY_DEPTH};
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{
    no_check, ClientEffect, Component, Effect, Hop, Scenario, ScenarioMeta, StrikeCx,
};
use crate::time::{ms_to_ns, secs_to_ns, Nanos};

const TRIGGER_ACTIVE: MetricSpec = MetricSpec::gauge(
    "retry_storm_trigger_active",
    "1 while the retry-storm trigger (the latency spike) is on.",
    &[],
);

pub static META: ScenarioMeta = ScenarioMeta {
    id: "retry-storm",
    title: "Retry storm",
    category: "resilience",
    kind: crate::scenario::FaultKind::Overloaded,
    summary: "Naive client retries turn a brief slowdown into a lasting collapse of goodput.",
    source: crate::doc_of!("scenarios/resilience/retry_storm.rs"),
    own_params: &[
        ParamSpec::int(
            "retries",
            "retries",
            3,
            0,
            10,
            "Immediate retries per call after an error or time-out.",
        ),
        ParamSpec::float(
            "trigger_at_s",
            "s",
            10.0,
            0.0,
            86_400.0,
            "Seconds after the scenario starts that the trigger begins.",
        ),
        ParamSpec::float(
            "trigger_s",
            "s",
            10.0,
            0.0,
            3600.0,
            "How long the trigger lasts.",
        ),
        ParamSpec::float(
            "trigger_delay_ms",
            "ms",
            300.0,
            0.0,
            60_000.0,
            "Extra time every request spends in the handler during the trigger.",
        ),
    ],
    metrics: &[RETRY_ATTEMPTS, RETRY_DEPTH, TRIGGER_ACTIVE],
    strikes: &[Component::Client, Component::Service],
    mitigations: &["retry-backoff", "load-shedding", "timeouts"],
    build: || Box::new(RetryStorm::default()),
    check: no_check,
};

#[derive(Default)]
struct RetryStorm {
    retries: u32,
    trigger_from: Nanos,
    trigger_len: Nanos,
    delay: Nanos,
    since: Nanos,
    last_now: Nanos,
    gauge: Option<crate::metrics::GaugeId>,
}

impl RetryStorm {
    fn triggering(&self, now: Nanos) -> bool {
        let start = self.since + self.trigger_from;
        now >= start && now < start + self.trigger_len
    }
}

impl Scenario for RetryStorm {
    fn configure(&mut self, params: &ParamSet, metrics: &mut Registry) {
        self.retries = params.i64("retries").max(0) as u32;
        self.trigger_from = secs_to_ns(params.f64("trigger_at_s"));
        self.trigger_len = secs_to_ns(params.f64("trigger_s"));
        self.delay = ms_to_ns(params.f64("trigger_delay_ms"));
        self.gauge = Some(metrics.gauge(&TRIGGER_ACTIVE, &[]));
        // The client registers these when a retry happens; declaring them here makes the
        // panels appear as soon as the scenario is on.
        metrics.counter(&RETRY_ATTEMPTS, &[]);
        metrics.histogram(&RETRY_DEPTH, &[]);
    }

    fn strike(&mut self, cx: &mut StrikeCx<'_>, hop: &Hop) -> Effect {
        self.since = cx.active_since;
        self.last_now = cx.now;
        match hop.component {
            Component::Client => Effect::on_client(ClientEffect {
                retries: Some(self.retries),
            }),
            Component::Service if self.triggering(cx.now) => Effect::delay(self.delay),
            _ => Effect::NONE,
        }
    }

    fn on_sample(&mut self, metrics: &mut Registry, active: bool) {
        if let Some(g) = self.gauge {
            let on = active && self.triggering(self.last_now);
            metrics.set(g, f64::from(u8::from(on)));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;

    /// A service at ~60% of its capacity with deep queues and a 1 s client timeout.
    const NEAR_CAPACITY: [(&str, &str); 6] = [
        ("arrival_rate_rps", "600"),
        ("instances", "2"),
        ("workers", "8"),
        ("queue_capacity", "0"),
        ("client_timeout_ms", "1000"),
        ("cache_enabled", "false"),
    ];

    fn storm(switches: &[&str], extra: &[(&str, &str)]) -> crate::sim::Lab {
        let mut sets: Vec<(&str, &str)> = NEAR_CAPACITY.to_vec();
        sets.extend_from_slice(extra);
        run(&config("web", 7, switches, &sets), 120)
    }

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = storm(&[], &[]);
        assert!(!registered(&off, "retry_attempts_total"));
        let on = storm(&["retry-storm"], &[]);
        assert!(total(&on, "retry_attempts_total") > 1000.0);
        assert!(total(&on, "retry_depth") > 0.0);
    }

    #[test]
    fn symptom_appears() {
        // Goodput before the trigger (t 0–10 s), and long after it ended (t 60–120 s).
        let lab = storm(&["retry-storm"], &[]);
        let before = goodput_between(&lab, 2, 10);
        let after = goodput_between(&lab, 60, 120);
        assert!(before > 550.0, "healthy before: {before}/s");
        assert!(
            after < before * 0.2,
            "metastable: goodput {before}/s → {after}/s after the trigger"
        );
        assert!(total(&lab, "server_wasted_responses_total") > 10_000.0);

        // The same trigger without retries: the system recovers.
        let calm = storm(&["retry-storm"], &[("retry-storm.retries", "0")]);
        let recovered = goodput_between(&calm, 60, 120);
        assert!(
            recovered > before * 0.9,
            "no retries: {before}/s → {recovered}/s"
        );
    }

    #[test]
    fn mitigation_reduces_symptom() {
        let lab = storm(&["retry-storm", "retry-backoff"], &[]);
        let before = goodput_between(&lab, 2, 10);
        let after = goodput_between(&lab, 60, 120);
        assert!(
            after > before * 0.9,
            "backoff + jitter + budget recovers: {before}/s → {after}/s"
        );
        assert!(
            total(&lab, "retry_budget_exhausted_total") > 0.0,
            "the budget did the work"
        );
    }
}
