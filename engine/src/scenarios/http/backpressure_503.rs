//! # 503 backpressure
//!
//! The fleet loses capacity while traffic stays the same: a bad deploy makes every
//! request cost `cpu_cost_factor` times more CPU (a serializer switched to a slow mode, a
//! debug flag left on, a noisy neighbour stealing cycles). Each instance can now serve
//! fewer requests per second than it receives. Its workers fill, then its bounded accept
//! queue (`queue_capacity`), and then it does the one honest thing left: it answers
//! **503 Service Unavailable** at once to whatever does not fit. That is backpressure —
//! the excess is refused instead of piling up without end — but users see errors.
//!
//! ```text
//!   200 req/s ──▶ [ queue ▇▇▇▇▇▇▇▇ full ] ──▶ workers (each request ×25 CPU) ──▶ 160 req/s
//!                   └─ no room ─▶ 503 at once (≈ 20%)
//! ```
//!
//! ## What to look at
//! - `http_requests_total{status="503"}` (the error rate settles at the share of traffic
//!   above capacity) and `service_queue_depth` pinned at the queue capacity.
//! - `service_utilization_ratio` and `process_cpu_utilization_ratio` at 1.
//! - Latency of the admitted requests: workers time-share the cores and each waits
//!   behind a full queue.
//! - `service_cpu_cost_factor`: this scenario's multiplier, and
//!   `service_degraded_requests_total`.
//!
//! ## How to fix it
//! Add capacity: `autoscaling` sees utilisation above its target and, after its boot
//! delay, adds instances until the fleet can serve the traffic; the 503s stop. Until then
//! `load-shedding` keeps the admitted requests fast (a short queue, refused early) instead
//! of serving everyone late. And roll back the deploy that made requests expensive.
//! Mitigations: `autoscaling`, `load-shedding`.

use crate::metrics::{CounterId, GaugeId, MetricSpec, Registry};
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{no_check, Component, Effect, Hop, Scenario, ScenarioMeta, StrikeCx};

const FACTOR: MetricSpec = MetricSpec::gauge(
    "service_cpu_cost_factor",
    "How many times its normal CPU time a request costs (1 = healthy).",
    &[],
);
const DEGRADED: MetricSpec = MetricSpec::counter(
    "service_degraded_requests_total",
    "Requests handled at the degraded CPU cost.",
    &[],
);

pub static META: ScenarioMeta = ScenarioMeta {
    id: "503-backpressure",
    title: "503 backpressure",
    category: "http",
    kind: crate::scenario::FaultKind::Saturated,
    summary: "Capacity drops below traffic: queues fill and the service answers 503 to the excess.",
    source: crate::doc_of!("scenarios/http/backpressure_503.rs"),
    own_params: &[ParamSpec::float(
        "cpu_cost_factor",
        "×",
        25.0,
        1.0,
        10_000.0,
        "CPU time of each request as a multiple of its normal cost.",
    )],
    metrics: &[FACTOR, DEGRADED],
    strikes: &[Component::Service],
    mitigations: &["autoscaling", "load-shedding"],
    build: || Box::new(Backpressure::default()),
    check: no_check,
};

#[derive(Default)]
struct Backpressure {
    factor: f64,
    gauge: Option<GaugeId>,
    degraded: Option<CounterId>,
}

impl Scenario for Backpressure {
    fn configure(&mut self, params: &ParamSet, metrics: &mut Registry) {
        self.factor = params.f64("cpu_cost_factor");
        self.gauge = Some(metrics.gauge(&FACTOR, &[]));
        self.degraded = Some(metrics.counter(&DEGRADED, &[]));
    }

    fn strike(&mut self, cx: &mut StrikeCx<'_>, _hop: &Hop) -> Effect {
        if let Some(c) = self.degraded {
            cx.metrics.inc(c);
        }
        Effect {
            work_factor: self.factor,
            ..Effect::NONE
        }
    }

    fn on_sample(&mut self, metrics: &mut Registry, active: bool) {
        if let Some(g) = self.gauge {
            metrics.set(g, if active { self.factor } else { 1.0 });
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;

    fn rejected(lab: &crate::sim::Lab) -> f64 {
        lab.metrics()
            .family_total_where("http_requests_total", |_, v| v[2] == "503")
    }

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("web", 341, &[], &[]), 30);
        assert!(!registered(&off, "service_degraded_requests_total"));
        assert!(!registered(&off, "service_cpu_cost_factor"));
        let on = run(&config("web", 341, &["503-backpressure"], &[]), 30);
        assert!(total(&on, "service_degraded_requests_total") > 3000.0);
        assert_eq!(total(&on, "service_cpu_cost_factor"), 25.0);
    }

    #[test]
    fn symptom_appears() {
        // 16 cores serve 160 of the 200 req/s at 100 ms CPU each: queues fill, ~20% 503.
        let lab = run(&config("web", 342, &["503-backpressure"], &[]), 90);
        let err = mean_between(&lab, "error_rate", 30, 90);
        assert!((0.12..0.3).contains(&err), "503 share {err}");
        let all = lab.metrics().family_total("http_requests_total");
        let others = lab
            .metrics()
            .family_total_where("http_requests_total", |_, v| v[2] != "503" && v[2] != "200");
        assert!(
            rejected(&lab) > 0.1 * all && others == 0.0,
            "the errors are 503s"
        );
        let depth = mean_between(&lab, "queue_depth", 30, 90);
        assert!(depth > 200.0, "queues full: {depth} of 4 × 64");
        let calm = run(&config("web", 342, &[], &[]), 90);
        assert_eq!(rejected(&calm), 0.0);
    }

    #[test]
    fn mitigation_reduces_symptom() {
        // The autoscaler orders instances when utilisation passes 60%; 30 s later they
        // take traffic and the 503s stop.
        let late = |lab: &crate::sim::Lab| mean_between(lab, "error_rate", 70, 120);
        let fixed = run(&config("web", 343, &["503-backpressure"], &[]), 120);
        let scaled = run(
            &config("web", 343, &["503-backpressure", "autoscaling"], &[]),
            120,
        );
        assert!(late(&fixed) > 0.1, "{}", late(&fixed));
        assert!(
            late(&scaled) < 0.01,
            "503 share {} → {} once new instances serve",
            late(&fixed),
            late(&scaled)
        );
        assert!(total(&scaled, "autoscaler_scale_ups_total") >= 1.0);
    }
}
