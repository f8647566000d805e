//! # Intermittent 5xx
//!
//! A small, steady share of requests (`error_rate`, 2% by default) fails with a 500, 502
//! or 503, at random, on any instance and endpoint: a flaky dependency inside the handler,
//! a connection reset by a proxy, a race that only sometimes loses. No burst, no pattern
//! in time: the error rate is a low, noisy line that never reaches zero, and each single
//! failure is hard to reproduce.
//!
//! ```text
//!   clients ──▶ load balancer ──▶ [ service  ✗ 2% at random: 500 | 502 | 503 ] ──▶ …
//!   errors ▲ ·  ·   · ·  ·    ·  · ·   ·  ·     (low, constant, never zero)
//! ```
//!
//! ## What to look at
//! - The golden error rate: flat at about `error_rate`, on every instance.
//! - `http_intermittent_errors_total{status}` and `http_requests_total{status}`: the mix
//!   of 500, 502 and 503.
//! - `client_requests_total{outcome="error"}`: what users see.
//! - Traces with an error status on the `handler` span, spread over instances and time.
//!
//! ## How to fix it
//! Transient, independent failures are exactly what retries are for: `retry-backoff`
//! retries a failed call after a short, jittered wait, and since a second failure in a
//! row is rare (2% × 2%), almost every call succeeds; the retry budget keeps the extra
//! load near the error rate. Retry only idempotent requests (an order needs an
//! idempotency key). Then find the cause from the traces.
//! Mitigations: `retry-backoff`.

use crate::metrics::{CounterId, MetricSpec, Registry};
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{no_check, Component, Effect, Hop, Scenario, ScenarioMeta, StrikeCx};

const INJECTED: MetricSpec = MetricSpec::counter(
    "http_intermittent_errors_total",
    "Errors injected by the intermittent-5xx scenario, by HTTP status.",
    &["status"],
);

const STATUSES: [u16; 3] = [500, 502, 503];

pub static META: ScenarioMeta = ScenarioMeta {
    id: "intermittent-5xx",
    title: "Intermittent 5xx",
    category: "http",
    kind: crate::scenario::FaultKind::Failing,
    summary: "A low, steady share of requests fails at random with 500, 502 or 503.",
    source: crate::doc_of!("scenarios/http/intermittent_5xx.rs"),
    own_params: &[
        ParamSpec::float(
            "error_rate",
            "",
            0.02,
            0.0,
            1.0,
            "Share of requests that fail.",
        ),
        ParamSpec::choice(
            "status",
            "mixed",
            &["mixed", "500", "502", "503"],
            "HTTP status of the failures (mixed = each of 500, 502, 503 equally often).",
        ),
    ],
    metrics: &[INJECTED],
    strikes: &[Component::Service],
    mitigations: &["retry-backoff"],
    build: || Box::new(Intermittent5xx::default()),
    check: no_check,
};

#[derive(Default)]
struct Intermittent5xx {
    rate: f64,
    /// A fixed status, or `None` for the mix.
    status: Option<u16>,
    /// Counters indexed like `STATUSES`.
    injected: [Option<CounterId>; 3],
}

impl Scenario for Intermittent5xx {
    fn configure(&mut self, params: &ParamSet, metrics: &mut Registry) {
        self.rate = params.f64("error_rate");
        self.status = params.choice("status").parse().ok();
        for (i, s) in STATUSES.iter().enumerate() {
            if self.status.is_none() || self.status == Some(*s) {
                self.injected[i] = Some(metrics.counter(&INJECTED, &[&s.to_string()]));
            }
        }
    }

    fn strike(&mut self, cx: &mut StrikeCx<'_>, _hop: &Hop) -> Effect {
        if !cx.rng.chance(self.rate) {
            return Effect::NONE;
        }
        let status = match self.status {
            Some(s) => s,
            None => STATUSES[cx.rng.below(STATUSES.len() as u64) as usize],
        };
        if let Some(i) = STATUSES.iter().position(|&s| s == status) {
            if let Some(c) = self.injected[i] {
                cx.metrics.inc(c);
            }
        }
        Effect::fail(status)
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;

    fn by_status(lab: &crate::sim::Lab, status: &str) -> f64 {
        lab.metrics()
            .family_total_where("http_requests_total", |_, v| v[2] == status)
    }

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("web", 321, &[], &[]), 30);
        assert!(!registered(&off, "http_intermittent_errors_total"));
        let on = run(&config("web", 321, &["intermittent-5xx"], &[]), 30);
        let injected = total(&on, "http_intermittent_errors_total");
        assert!((80.0..160.0).contains(&injected), "{injected} of ~6000");
        let only_503 = run(
            &config(
                "web",
                321,
                &["intermittent-5xx"],
                &[("intermittent-5xx.status", "503")],
            ),
            30,
        );
        assert_eq!(
            by_status(&only_503, "500") + by_status(&only_503, "502"),
            0.0
        );
    }

    #[test]
    fn symptom_appears() {
        // About 2% errors, all through the run, split over the three statuses.
        let mut lab = run(&config("web", 322, &["intermittent-5xx"], &[]), 120);
        let s = lab.summary();
        let err = s.errors_total as f64 / s.requests_completed as f64;
        assert!((0.015..0.025).contains(&err), "error share {err}");
        for s in ["500", "502", "503"] {
            let n = by_status(&lab, s);
            assert!((100.0..220.0).contains(&n), "{n} × {s}");
        }
        let series: Vec<f64> = lab
            .series("error_rate")
            .unwrap()
            .iter()
            .map(|p| p.1)
            .collect();
        let quiet = series.iter().filter(|&&e| e == 0.0).count();
        assert!(
            quiet < series.len() / 4,
            "errors in most seconds: {quiet} of {} seconds clean",
            series.len()
        );
    }

    #[test]
    fn mitigation_reduces_symptom() {
        let failed = |switches: &[&str]| {
            client_outcomes(&run(&config("web", 323, switches, &[]), 120), "error")
        };
        let without = failed(&["intermittent-5xx"]);
        let with = failed(&["intermittent-5xx", "retry-backoff"]);
        assert!(without > 300.0, "{without}");
        assert!(
            with < without * 0.05,
            "failed calls {without} → {with} with retries"
        );
    }
}
