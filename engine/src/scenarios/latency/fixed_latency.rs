//! # Fixed latency
//!
//! A constant delay added to requests at one point of the system: the request handler on
//! every service instance (`target = service`, like a slow middleware or a synchronous
//! call to a slow host) or every database query (`target = database`). With
//! `probability` below 1 only that share of requests is delayed, which shows up in the
//! tail percentiles long before the median moves.
//!
//! ```text
//!   clients ──▶ load balancer ──▶ [ service  +delay ] ──▶ [ database +delay ]
//!                                   target=service          target=database
//! ```
//!
//! ## What to look at
//! - `http_request_duration_seconds`: p50/p95/p99 rise by about `delay_ms` (p99 first
//!   when `probability` is small).
//! - `http_injected_latency_seconds`: the delay actually injected, per target.
//! - Utilisation and queue depth: a delay that holds a worker eats capacity
//!   (Little's law: busy workers = arrival rate × time held), so a large delay at high
//!   load turns into queueing and then 503 rejections.
//!
//! ## How to fix it
//! Find the hop with the trace waterfall (the delayed span stands out), then remove the
//! slow dependency from the hot path: a timeout bounds how long a worker waits, more
//! workers or instances buy capacity back, caching avoids the call.
//! Mitigations: `timeouts`.

use crate::metrics::{HistogramId, MetricSpec, Registry, LATENCY_BUCKETS};
use crate::observe::{Level, LogRecord};
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{Component, Effect, Hop, Scenario, ScenarioMeta, StrikeCx};
use crate::time::{ms_to_ns, ns_to_secs, Nanos};

const INJECTED: MetricSpec = MetricSpec::histogram(
    "http_injected_latency_seconds",
    "Latency injected by the fixed-latency scenario, per target.",
    &["target"],
    LATENCY_BUCKETS,
);

pub static META: ScenarioMeta = ScenarioMeta {
    id: "fixed-latency",
    title: "Fixed latency",
    category: "latency",
    kind: crate::scenario::FaultKind::Slow,
    summary: "A constant delay on every request handler or database query.",
    source: crate::doc_of!("scenarios/latency/fixed_latency.rs"),
    own_params: &[
        ParamSpec::float(
            "delay_ms",
            "ms",
            100.0,
            0.0,
            60_000.0,
            "Delay added to each affected request.",
        ),
        ParamSpec::float(
            "probability",
            "",
            1.0,
            0.0,
            1.0,
            "Share of requests delayed (1 = all).",
        ),
        ParamSpec::choice(
            "target",
            "service",
            &["service", "database"],
            "Where the delay strikes: the request handler or each database query.",
        ),
    ],
    metrics: &[INJECTED],
    strikes: &[Component::Service, Component::Database],
    mitigations: &["timeouts"],
    build: || Box::new(FixedLatency::default()),
    check: |params, components| {
        let target = target_of(params);
        if components.contains(&target) {
            Ok(())
        } else {
            Err(format!(
                "this system has no {} (allowed targets here: {})",
                target.as_str(),
                ["service", "database"]
                    .iter()
                    .filter(|t| components.iter().any(|c| c.as_str() == **t))
                    .copied()
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        }
    },
};

fn target_of(params: &ParamSet) -> Component {
    match params.choice("target") {
        "database" => Component::Database,
        _ => Component::Service,
    }
}

#[derive(Default)]
struct FixedLatency {
    delay_ns: Nanos,
    probability: f64,
    target: Option<Component>,
    injected: Option<HistogramId>,
}

impl Scenario for FixedLatency {
    fn configure(&mut self, params: &ParamSet, metrics: &mut Registry) {
        self.delay_ns = ms_to_ns(params.f64("delay_ms"));
        self.probability = params.f64("probability");
        let target = target_of(params);
        self.target = Some(target);
        self.injected = Some(metrics.histogram(&INJECTED, &[target.as_str()]));
    }

    fn strike(&mut self, cx: &mut StrikeCx<'_>, hop: &Hop) -> Effect {
        if Some(hop.component) != self.target || !cx.rng.chance(self.probability) {
            return Effect::NONE;
        }
        if let Some(h) = self.injected {
            cx.metrics.observe(h, ns_to_secs(self.delay_ns));
        }
        if cx.logs.admits(cx.now) {
            cx.logs.push(LogRecord {
                t_ns: cx.now,
                level: Level::Debug,
                service: "api",
                message: "injected latency",
                fields: vec![
                    ("delay_ms", format!("{}", self.delay_ns / 1_000_000)),
                    ("target", hop.component.as_str().to_string()),
                    ("endpoint", hop.endpoint.to_string()),
                ],
                trace_id: cx.trace_id,
            });
        }
        Effect::delay(self.delay_ns)
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("web", 3, &[], &[]), 30);
        assert!(
            !registered(&off, "http_injected_latency_seconds"),
            "no panel for an off scenario"
        );
        let mut on = run(&config("web", 3, &["fixed-latency"], &[]), 30);
        let completed = on.summary().requests_completed as f64;
        assert!(
            total(&on, "http_injected_latency_seconds") >= completed,
            "every request is delayed at probability 1"
        );
    }

    #[test]
    fn symptom_appears() {
        let base = summary(config("web", 4, &[], &[]), 10, 120);
        let hit = summary(
            config(
                "web",
                4,
                &["fixed-latency"],
                &[("fixed-latency.delay_ms", "200")],
            ),
            10,
            120,
        );
        let lift = hit.latency_p99_s - base.latency_p99_s;
        assert!(
            (0.17..0.3).contains(&lift),
            "p99 {} → {}",
            base.latency_p99_s,
            hit.latency_p99_s
        );
        let lift50 = hit.latency_p50_s - base.latency_p50_s;
        assert!((0.19..0.21).contains(&lift50), "p50 lift {lift50}");
    }

    #[test]
    fn mitigation_reduces_symptom() {
        // A 600 ms database delay; a 250 ms database timeout bounds what it costs.
        let sets = [
            ("fixed-latency.target", "database"),
            ("fixed-latency.delay_ms", "600"),
        ];
        let slow = run(&config("web", 5, &["fixed-latency"], &sets), 60);
        let bounded = run(&config("web", 5, &["fixed-latency", "timeouts"], &sets), 60);
        let (p99_slow, p99_bounded) = (slow.golden().latency_p99_s, bounded.golden().latency_p99_s);
        assert!(p99_slow > 0.6, "{p99_slow}");
        assert!(p99_bounded < 0.3, "{p99_slow} → {p99_bounded}");
        assert!(
            total(&bounded, "timeouts_total") > 0.0,
            "the price: 504s instead of slowness"
        );
    }
}
