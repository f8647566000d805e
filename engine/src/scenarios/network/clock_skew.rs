//! # Clock skew
//!
//! One instance's clock runs `skew_s` seconds ahead: its time daemon has stopped syncing.
//! Clients send tokens that live `token_ttl_s` seconds; to the skewed instance, a token
//! issued more than `token_ttl_s − skew_s` seconds ago already looks expired, so it
//! answers 401 to a share of perfectly valid requests — about `skew_s / token_ttl_s` of
//! those it receives. Every other instance is fine, so the error rate is small, steady and
//! hard to place.
//!
//! ```text
//!   api-0  clock +skew_s  ── "token expired" → 401 (some of its requests)
//!   api-1  clock ok       ── 200
//!   api-2  clock ok       ── 200
//! ```
//!
//! ## What to look at
//! - 401s in `http_requests_total` and "token rejected: expired" error logs — all with
//!   the same `instance` field.
//! - `clock_skew_seconds{instance}` and `time_sync_failures_total`.
//!
//! ## How to fix it
//! Fix time sync on the host (and alert on `clock_skew_seconds`); meanwhile take the
//! instance out of rotation. Validating tokens with a small clock-skew leeway hides
//! skews smaller than the leeway, not larger ones. Retrying (`retry-backoff`) usually
//! lands on a healthy instance, so clients stop seeing the 401s, but it is no fix: a 401
//! is not an error a client should retry, and the retries hide the broken host.

use crate::metrics::{CounterId, GaugeId, MetricSpec, Registry};
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{no_check, Component, Effect, Hop, Scenario, ScenarioMeta, StrikeCx};

const SKEW: MetricSpec = MetricSpec::gauge(
    "clock_skew_seconds",
    "How far the instance's clock is from true time.",
    &["instance"],
);
const SYNC_FAILURES: MetricSpec = MetricSpec::counter(
    "time_sync_failures_total",
    "Time-sync polls (every 16 s) that failed.",
    &["instance"],
);

pub static META: ScenarioMeta = ScenarioMeta {
    id: "clock-skew",
    title: "Clock skew",
    category: "network",
    kind: crate::scenario::FaultKind::Misconfigured,
    summary: "One instance's clock runs ahead, so it rejects valid tokens as expired.",
    source: crate::doc_of!("scenarios/network/clock_skew.rs"),
    own_params: &[
        ParamSpec::float(
            "skew_s",
            "s",
            120.0,
            0.0,
            86_400.0,
            "How far ahead the instance's clock runs.",
        ),
        ParamSpec::int(
            "instance",
            "",
            0,
            0,
            255,
            "Which instance (api-N) is skewed.",
        ),
        ParamSpec::float(
            "token_ttl_s",
            "s",
            600.0,
            1.0,
            86_400.0,
            "Lifetime of the clients' auth tokens.",
        ),
    ],
    metrics: &[SKEW, SYNC_FAILURES],
    strikes: &[Component::Service],
    mitigations: &["retry-backoff"],
    build: || Box::new(ClockSkew::default()),
    check: no_check,
};

#[derive(Default)]
struct ClockSkew {
    skew: f64,
    instance: u32,
    reject_share: f64,
    gauge: Option<GaugeId>,
    failures: Option<CounterId>,
    samples: u64,
}

impl Scenario for ClockSkew {
    fn configure(&mut self, params: &ParamSet, metrics: &mut Registry) {
        self.skew = params.f64("skew_s");
        self.instance = params.i64("instance").max(0) as u32;
        // Token ages are uniform over their lifetime; those older than ttl − skew look
        // expired to the skewed clock.
        self.reject_share = (self.skew / params.f64("token_ttl_s").max(1e-9)).min(1.0);
        let label = format!("api-{}", self.instance);
        self.gauge = Some(metrics.gauge(&SKEW, &[&label]));
        self.failures = Some(metrics.counter(&SYNC_FAILURES, &[&label]));
    }

    fn strike(&mut self, cx: &mut StrikeCx<'_>, hop: &Hop) -> Effect {
        if hop.instance != self.instance || !cx.rng.chance(self.reject_share) {
            return Effect::NONE;
        }
        Effect::fail(401)
    }

    fn on_sample(&mut self, metrics: &mut Registry, active: bool) {
        if let Some(g) = self.gauge {
            metrics.set(g, if active { self.skew } else { 0.0 });
        }
        if active {
            self.samples += 1;
            if self.samples % 16 == 0 {
                if let Some(c) = self.failures {
                    metrics.inc(c);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;

    fn unauthorized(lab: &crate::sim::Lab) -> f64 {
        lab.metrics()
            .family_total_where("http_requests_total", |_, v| v[2] == "401")
    }

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("web", 71, &[], &[]), 60);
        assert!(!registered(&off, "clock_skew_seconds"));
        assert_eq!(unauthorized(&off), 0.0);
        let on = run(&config("web", 71, &["clock-skew"], &[]), 60);
        assert_eq!(total(&on, "clock_skew_seconds"), 120.0);
        assert!(total(&on, "time_sync_failures_total") >= 3.0);
    }

    #[test]
    fn symptom_appears() {
        // One of four instances rejects 20% of its requests: ~5% of all requests.
        let lab = run(&config("web", 72, &["clock-skew"], &[]), 120);
        let share = unauthorized(&lab) / total(&lab, "http_requests_total");
        assert!((0.035..0.065).contains(&share), "401 share {share}");
    }

    #[test]
    fn diagnosis_signal_identifies_it() {
        let lab = run(
            &config("web", 73, &["clock-skew"], &[("clock-skew.instance", "2")]),
            60,
        );
        let rejected: Vec<_> = lab
            .logs()
            .filter(|l| l.message == "token rejected: expired")
            .collect();
        assert!(rejected.len() > 50);
        assert!(rejected.iter().all(|l| l
            .fields
            .iter()
            .any(|(k, v)| *k == "instance" && v == "api-2")));
        let skewed = lab
            .metrics()
            .family_total_where("clock_skew_seconds", |_, v| v[0] == "api-2");
        assert_eq!(skewed, 120.0);
    }
}
