//! # Gray failure
//!
//! One instance goes bad in a way its health check cannot see: a corrupted local cache,
//! a bad disk sector under one code path, a stuck thread holding one lock. Its process is
//! up and answers the load balancer's health check (a shallow `GET /healthz` that touches
//! nothing), so the load balancer keeps sending it its full share of traffic, and
//! `error_rate` of the requests that land on it fail with a 500. From outside the error
//! rate is a low, steady line (with 4 instances, a quarter of `error_rate`); `up` says
//! every instance is fine. Only per-instance numbers give it away: every error comes
//! from one instance.
//!
//! ```text
//!                          ┌──▶ api-0  ✗ 25 % of its requests → 500   health: OK ✓
//!   clients ──▶ LB (rr) ───┼──▶ api-1  ✓
//!               checks: ✓  ├──▶ api-2  ✓
//!                          └──▶ api-3  ✓
//! ```
//!
//! ## What to look at
//! - `instance_requests_total{instance,outcome}`: `outcome="error"` on `api-0` only
//!   (`sum by (instance) (rate(instance_requests_total{outcome="error"}[1m]))`).
//! - `instance_up` stays 1 for every instance: the health check passes.
//! - The golden error rate: about 6 % (25 % on one of four instances), flat, never zero.
//! - Error traces and logs all carry `instance=api-0`.
//!
//! ## How to fix it
//! Judge instances by what they do, not by whether they answer a ping. With
//! `health_check` = `outlier_detection` the load balancer counts each instance's
//! answers, as Envoy's outlier detection does, and ejects one whose error share since
//! the last check exceeds `eject_error_ratio`, for `ejection_s`; it then gets traffic
//! again and is ejected again while it is still bad (`lb_outlier_ejections_total`).
//! Replace the instance (drain and kill it) once found. Client retries (`retry-backoff`)
//! hide most of it from users, since a retry probably lands on a healthy instance, at
//! the cost of extra load. Mitigations: `retry-backoff`.
//!
//! Where the numbers come from: "Gray Failure: The Achilles' Heel of Cloud-Scale
//! Systems" (Huang et al., HotOS 2017) names the pattern; the ejection time of 30 s is
//! Envoy's `base_ejection_time` default (Envoy documentation, outlier detection); the
//! health-check interval is the web system's 2 s.

use crate::metrics::{CounterId, MetricSpec, Registry};
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{Component, Effect, Hop, Scenario, ScenarioMeta, StrikeCx, HEALTH_HOP};
use crate::systems::web::metrics::INSTANCE_UP;
use crate::time::{secs_to_ns, Nanos};

pub(crate) const INSTANCE_REQUESTS: MetricSpec = MetricSpec::counter(
    "instance_requests_total",
    "Requests each instance's handler took, by whether it failed them at once (error) or went on (ok).",
    &["instance", "outcome"],
);
const EJECTIONS: MetricSpec = MetricSpec::counter(
    "lb_outlier_ejections_total",
    "Times the load balancer's outlier detection took an instance out of rotation.",
    &["instance"],
);

pub static META: ScenarioMeta = ScenarioMeta {
    id: "gray-failure",
    title: "Gray failure",
    category: "reliability",
    kind: crate::scenario::FaultKind::Failing,
    summary: "One instance fails a share of its requests but passes its health check: the load balancer keeps feeding it.",
    source: crate::doc_of!("scenarios/reliability/gray_failure.rs"),
    own_params: &[
        ParamSpec::float(
            "error_rate",
            "",
            0.25,
            0.0,
            1.0,
            "Share of the requests on the bad instance (api-0) that fail with 500.",
        ),
        ParamSpec::choice(
            "health_check",
            "shallow",
            &["shallow", "outlier_detection"],
            "shallow: the load balancer only checks that the process answers; outlier_detection: it also ejects an instance whose answers are too often errors.",
        ),
        ParamSpec::float(
            "eject_error_ratio",
            "",
            0.1,
            0.0,
            1.0,
            "(outlier_detection) Error share since the last check above which an instance is ejected.",
        ),
        ParamSpec::float(
            "ejection_s",
            "s",
            30.0,
            0.0,
            86_400.0,
            "(outlier_detection) How long an ejected instance stays out of rotation.",
        ),
    ],
    metrics: &[INSTANCE_REQUESTS, EJECTIONS, INSTANCE_UP],
    strikes: &[Component::Service, Component::LoadBalancer],
    mitigations: &["retry-backoff"],
    build: || Box::new(GrayFailure::default()),
    check: needs_load_balancer,
};

/// Refuses a system without a load balancer in front of several instances.
pub(crate) fn needs_load_balancer(_: &ParamSet, components: &[Component]) -> Result<(), String> {
    if components.contains(&Component::LoadBalancer) {
        Ok(())
    } else {
        Err("it needs a load balancer in front of several instances".into())
    }
}

/// One instance as the outlier detector sees it.
#[derive(Default, Clone, Copy)]
struct Seen {
    ids: Option<(CounterId, CounterId, CounterId)>,
    /// Requests and errors since the last check.
    requests: u64,
    errors: u64,
    ejected_until: Nanos,
}

#[derive(Default)]
struct GrayFailure {
    error_rate: f64,
    outlier_detection: bool,
    eject_ratio: f64,
    ejection_ns: Nanos,
    instances: Vec<Seen>,
}

impl GrayFailure {
    fn seen(&mut self, metrics: &mut Registry, i: usize) -> &mut Seen {
        while self.instances.len() <= i {
            let name = format!("api-{}", self.instances.len());
            self.instances.push(Seen {
                ids: Some((
                    metrics.counter(&INSTANCE_REQUESTS, &[&name, "ok"]),
                    metrics.counter(&INSTANCE_REQUESTS, &[&name, "error"]),
                    metrics.counter(&EJECTIONS, &[&name]),
                )),
                ..Seen::default()
            });
        }
        &mut self.instances[i]
    }
}

impl Scenario for GrayFailure {
    fn configure(&mut self, params: &ParamSet, metrics: &mut Registry) {
        self.error_rate = params.f64("error_rate");
        self.outlier_detection = params.choice("health_check") == "outlier_detection";
        self.eject_ratio = params.f64("eject_error_ratio");
        self.ejection_ns = secs_to_ns(params.f64("ejection_s"));
        self.seen(metrics, 0);
    }

    fn strike(&mut self, cx: &mut StrikeCx<'_>, hop: &Hop) -> Effect {
        let i = hop.instance as usize;
        match hop.component {
            Component::Service => {
                let failed = i == 0 && cx.rng.chance(self.error_rate);
                let seen = self.seen(cx.metrics, i);
                seen.requests += 1;
                seen.errors += u64::from(failed);
                if let Some((ok, error, _)) = seen.ids {
                    cx.metrics.inc(if failed { error } else { ok });
                }
                if failed {
                    Effect::fail(500)
                } else {
                    Effect::NONE
                }
            }
            Component::LoadBalancer if hop.endpoint == HEALTH_HOP => {
                let (detect, ratio, ejection) =
                    (self.outlier_detection, self.eject_ratio, self.ejection_ns);
                let seen = self.seen(cx.metrics, i);
                let (requests, errors) = (seen.requests, seen.errors);
                seen.requests = 0;
                seen.errors = 0;
                if !detect {
                    return Effect::NONE;
                }
                if cx.now < seen.ejected_until {
                    return Effect::fail(503);
                }
                if requests > 0 && errors as f64 > ratio * requests as f64 {
                    seen.ejected_until = cx.now.saturating_add(ejection);
                    if let Some((_, _, ejections)) = seen.ids {
                        cx.metrics.inc(ejections);
                    }
                    return Effect::fail(503);
                }
                Effect::NONE
            }
            _ => Effect::NONE,
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;

    fn by_instance(lab: &crate::sim::Lab, instance: &str, outcome: &str) -> f64 {
        lab.metrics()
            .family_total_where("instance_requests_total", |_, v| {
                v[0] == instance && v[1] == outcome
            })
    }

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("web", 2111, &[], &[]), 30);
        assert!(!registered(&off, "instance_requests_total"));
        assert!(!registered(&off, "lb_outlier_ejections_total"));
        let on = run(&config("web", 2111, &["gray-failure"], &[]), 30);
        // ~200 req/s over 4 instances for 30 s: ~1500 each, a quarter of api-0's failing.
        for i in 0..4 {
            let n = by_instance(&on, &format!("api-{i}"), "ok")
                + by_instance(&on, &format!("api-{i}"), "error");
            assert!((1200.0..1800.0).contains(&n), "api-{i}: {n}");
        }
        let errors = by_instance(&on, "api-0", "error");
        assert!((280.0..480.0).contains(&errors), "{errors}");
        assert_eq!(total(&on, "lb_outlier_ejections_total"), 0.0);
    }

    #[test]
    fn symptom_appears() {
        // A steady few percent of errors, all from api-0, which stays "up" and in rotation.
        let on = run(&config("web", 2112, &["gray-failure"], &[]), 60);
        let off = run(&config("web", 2112, &[], &[]), 60);
        let failed = failed_responses(&on, "GET /product") + failed_responses(&on, "POST /order");
        let base = failed_responses(&off, "GET /product") + failed_responses(&off, "POST /order");
        let share = (failed - base) / 12_000.0;
        assert!((0.045..0.08).contains(&share), "extra error share {share}");
        for i in 1..4 {
            assert_eq!(by_instance(&on, &format!("api-{i}"), "error"), 0.0);
        }
        let up = series_values(&on, "instance_up", "api-0");
        assert!(up.iter().all(|&u| u == 1.0), "the health check passes");
        let served = by_instance(&on, "api-0", "ok") + by_instance(&on, "api-0", "error");
        assert!(served > 2700.0, "api-0 keeps its share: {served}");
    }

    #[test]
    fn mitigation_reduces_symptom() {
        let errors = |sets: &[(&str, &str)]| {
            let lab = run(&config("web", 2113, &["gray-failure"], sets), 60);
            (
                client_outcomes(&lab, "error"),
                total(&lab, "lb_outlier_ejections_total"),
            )
        };
        let (shallow, none) = errors(&[]);
        let (ejected, ejections) = errors(&[("gray-failure.health_check", "outlier_detection")]);
        assert_eq!(none, 0.0);
        assert!(
            (1.0..=3.0).contains(&ejections),
            "ejected {ejections} times"
        );
        assert!(shallow > 500.0, "{shallow}");
        assert!(
            ejected < shallow * 0.2,
            "client errors {shallow} → {ejected} with outlier detection"
        );
        // Retries hide most of it: a retry probably lands on a healthy instance.
        let cfg = config("web", 2113, &["gray-failure", "retry-backoff"], &[]);
        let retried = client_outcomes(&run(&cfg, 60), "error");
        assert!(
            retried < shallow * 0.2,
            "client errors {shallow} → {retried} with retries"
        );
    }
}
