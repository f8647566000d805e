//! # Error burst
//!
//! The service answers a share of requests with a 5xx error, in bursts: for `burst_s`
//! seconds out of every `every_s`, each request fails with probability `error_rate`
//! (a bad deploy on some hosts, a flapping dependency, a full disk on one node). Between
//! bursts everything is healthy, which is what makes it hard to catch by eye.
//!
//! ```text
//!   clients ──▶ load balancer ──▶ [ service ✗ 5xx (bursts) ] ──▶ database
//!                                   ▲ every_s: burst_s on, rest off
//! ```
//!
//! ## What to look at
//! - Error rate on the golden signals: a saw-tooth rising to about `error_rate` during
//!   each burst.
//! - `http_injected_errors_total{status}` and `http_error_burst_active` (1 during a burst).
//! - `client_requests_total{outcome="error"}`: what users actually get.
//! - Error log lines and traces with an error status on the `handler` span.
//!
//! ## How to fix it
//! Transient errors are what retries are for: `retry-backoff` (a few attempts, with
//! backoff and jitter, within a retry budget) turns most failed calls into successes
//! without amplifying load. Find and remove the cause (roll back the deploy, drain the bad
//! host) for good.

use crate::metrics::{CounterId, GaugeId, MetricSpec, Registry};
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{no_check, Component, Effect, Hop, Scenario, ScenarioMeta, StrikeCx};
use crate::time::{secs_to_ns, Nanos};

const INJECTED: MetricSpec = MetricSpec::counter(
    "http_injected_errors_total",
    "Errors injected by the error-burst scenario, by HTTP status.",
    &["status"],
);
const ACTIVE: MetricSpec = MetricSpec::gauge(
    "http_error_burst_active",
    "1 while an error burst is under way, else 0.",
    &[],
);

pub static META: ScenarioMeta = ScenarioMeta {
    id: "error-burst",
    title: "Error burst",
    category: "errors",
    kind: crate::scenario::FaultKind::Failing,
    summary: "Bursts of 5xx errors from the service, healthy in between.",
    source: crate::doc_of!("scenarios/errors/error_burst.rs"),
    own_params: &[
        ParamSpec::float(
            "error_rate",
            "",
            0.3,
            0.0,
            1.0,
            "Share of requests failed during a burst.",
        ),
        ParamSpec::float("burst_s", "s", 5.0, 0.1, 3600.0, "Length of each burst."),
        ParamSpec::float(
            "every_s",
            "s",
            20.0,
            0.1,
            86_400.0,
            "A burst starts every this many seconds (burst_s ≥ every_s = always on).",
        ),
        ParamSpec::choice(
            "status",
            "500",
            &["500", "502", "503"],
            "HTTP status of the injected errors.",
        ),
    ],
    metrics: &[INJECTED, ACTIVE],
    strikes: &[Component::Service],
    mitigations: &["retry-backoff"],
    build: || Box::new(ErrorBurst::default()),
    check: no_check,
};

#[derive(Default)]
struct ErrorBurst {
    rate: f64,
    burst_ns: Nanos,
    every_ns: Nanos,
    status: u16,
    injected: Option<CounterId>,
    active: Option<GaugeId>,
    origin: Option<Nanos>,
    last_now: Nanos,
}

impl ErrorBurst {
    fn in_burst(&self, now: Nanos) -> bool {
        let origin = self.origin.unwrap_or(now);
        self.burst_ns >= self.every_ns || (now - origin) % self.every_ns.max(1) < self.burst_ns
    }
}

impl Scenario for ErrorBurst {
    fn configure(&mut self, params: &ParamSet, metrics: &mut Registry) {
        self.rate = params.f64("error_rate");
        self.burst_ns = secs_to_ns(params.f64("burst_s"));
        self.every_ns = secs_to_ns(params.f64("every_s")).max(1);
        self.status = params.choice("status").parse().unwrap_or(500);
        self.injected = Some(metrics.counter(&INJECTED, &[params.choice("status")]));
        self.active = Some(metrics.gauge(&ACTIVE, &[]));
    }

    fn strike(&mut self, cx: &mut StrikeCx<'_>, _hop: &Hop) -> Effect {
        // Bursts are timed from the first request the scenario sees.
        self.origin.get_or_insert(cx.now);
        self.last_now = cx.now;
        if !self.in_burst(cx.now) || !cx.rng.chance(self.rate) {
            return Effect::NONE;
        }
        if let Some(c) = self.injected {
            cx.metrics.inc(c);
        }
        Effect::fail(self.status)
    }

    fn on_sample(&mut self, metrics: &mut Registry, active: bool) {
        if let Some(g) = self.active {
            let on = active && self.origin.is_some() && self.in_burst(self.last_now);
            metrics.set(g, f64::from(u8::from(on)));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("web", 1, &[], &[]), 60);
        assert!(!registered(&off, "http_injected_errors_total"));
        assert_eq!(off.golden().error_rate, 0.0);
        let on = run(&config("web", 1, &["error-burst"], &[]), 60);
        assert!(total(&on, "http_injected_errors_total") > 100.0);
    }

    #[test]
    fn symptom_appears() {
        // Always on at 30%: the error rate sits near 30%, in saw-teeth when bursty.
        let cfg = config(
            "web",
            2,
            &["error-burst"],
            &[("error-burst.burst_s", "20"), ("error-burst.every_s", "20")],
        );
        let lab = run(&cfg, 60);
        let err = mean_between(&lab, "error_rate", 10, 60);
        assert!((0.25..0.35).contains(&err), "error rate {err}");
        let bursty = run(&config("web", 2, &["error-burst"], &[]), 60);
        let series: Vec<f64> = bursty
            .series("error_rate")
            .unwrap()
            .iter()
            .map(|p| p.1)
            .collect();
        let high = series.iter().filter(|&&e| e > 0.15).count();
        let low = series.iter().filter(|&&e| e < 0.01).count();
        assert!(
            high >= 5 && low >= 20,
            "bursts then calm: {high} high, {low} low"
        );
    }

    #[test]
    fn mitigation_reduces_symptom() {
        let failed = |switches: &[&str], sets: &[(&str, &str)]| {
            let lab = run(&config("web", 3, switches, sets), 120);
            client_outcomes(&lab, "error")
        };
        let without = failed(&["error-burst"], &[]);
        let with = failed(
            &["error-burst", "retry-backoff"],
            &[("retry-backoff.budget_ratio", "0.5")],
        );
        assert!(without > 500.0, "{without}");
        assert!(
            with < without * 0.2,
            "failed calls {without} → {with} with retries"
        );
    }
}
