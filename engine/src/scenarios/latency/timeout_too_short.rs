//! # Timeout too short
//!
//! The service's HTTP client for payment was given a tight timeout, `call_timeout_ms`
//! (25 ms), picked from the provider's *average* (20 ms) instead of its p99 (~55 ms). The
//! provider is perfectly healthy, but every call slower than the timeout — a quarter of
//! them — is abandoned and the order fails with 504. Clients retry a failed order at once
//! (`retries`), so the provider gets more calls than there are orders, and each abandoned
//! call was still processed on its side: a charge the service never heard back about.
//!
//! To know which calls the timeout cuts, the scenario draws each payment call's latency
//! itself, log-normal with mean `payment_latency_ms` and a coefficient of variation of
//! 0.5 — the web system's own payment model; keep the two means equal.
//!
//! ```text
//!   payment latency  ▁▃▇█▇▅▃▂▁▁  (healthy: p50 18 ms, p99 ~55 ms)
//!                       │ call_timeout_ms = 25 ms
//!                       └──▶ everything right of it: 504, then an instant retry
//! ```
//!
//! ## What to look at
//! - `dependency_request_duration_seconds`: a wall of calls at exactly the timeout — the
//!   signature of a timeout, not of a slow dependency.
//! - `dependency_premature_timeouts_total` against `dependency_requests_total`, and
//!   `dependency_call_timeout_seconds` next to `payment_latency_seconds` (the provider's
//!   real latency): its p99 is above the timeout.
//! - `retry_attempts_total`, 504s on `POST /order` and error logs "payment call failed".
//!
//! ## How to fix it
//! Set each timeout from the callee's measured p99 (or p99.9) plus headroom, never from
//! its mean, and revisit it when the callee changes; retry timeouts only with backoff and
//! an idempotency key. Here that means raising `call_timeout_ms` above ~60 ms. No switch
//! fixes a wrong number: the diagnosis — a wall at the timeout while the dependency's own
//! latency is normal — is the lesson.

use crate::dist::Dist;
use crate::metrics::{CounterId, GaugeId, HistogramId, MetricSpec, Registry, LATENCY_BUCKETS};
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{
    no_check, ClientEffect, Component, Effect, Hop, Scenario, ScenarioMeta, StrikeCx,
};
use crate::time::{ms_to_ns, ns_to_secs, secs_to_ns, Nanos};

const PREMATURE: MetricSpec = MetricSpec::counter(
    "dependency_premature_timeouts_total",
    "Payment calls abandoned by the client timeout although the provider answered.",
    &[],
);
const CONFIGURED: MetricSpec = MetricSpec::gauge(
    "dependency_call_timeout_seconds",
    "The timeout of the service's HTTP client for payment calls.",
    &[],
);
const PROVIDER_LATENCY: MetricSpec = MetricSpec::histogram(
    "payment_latency_seconds",
    "How long the payment provider took to answer, whether or not the caller waited.",
    &[],
    LATENCY_BUCKETS,
);

pub static META: ScenarioMeta = ScenarioMeta {
    id: "timeout-too-short",
    title: "Timeout too short",
    category: "latency",
    kind: crate::scenario::FaultKind::Misconfigured,
    summary: "A payment timeout below the provider's p99 fails healthy calls; instant retries multiply them.",
    source: crate::doc_of!("scenarios/latency/timeout_too_short.rs"),
    own_params: &[
        ParamSpec::float(
            "call_timeout_ms",
            "ms",
            25.0,
            0.1,
            600_000.0,
            "Timeout of the service's HTTP client for payment calls.",
        ),
        ParamSpec::float(
            "payment_latency_ms",
            "ms",
            20.0,
            0.01,
            60_000.0,
            "Mean latency of the (healthy) payment provider.",
        ),
        ParamSpec::int(
            "retries",
            "retries",
            2,
            0,
            10,
            "Immediate retries clients make after a failed call.",
        ),
    ],
    metrics: &[PREMATURE, CONFIGURED, PROVIDER_LATENCY],
    strikes: &[Component::Client, Component::Dependency],
    mitigations: &[],
    build: || Box::new(TimeoutTooShort::default()),
    check: no_check,
};

#[derive(Default)]
struct TimeoutTooShort {
    timeout_ns: Nanos,
    latency: Option<Dist>,
    retries: u32,
    premature: Option<CounterId>,
    configured: Option<GaugeId>,
    provider: Option<HistogramId>,
}

impl Scenario for TimeoutTooShort {
    fn configure(&mut self, params: &ParamSet, metrics: &mut Registry) {
        self.timeout_ns = ms_to_ns(params.f64("call_timeout_ms"));
        self.latency = Some(Dist::lognormal_mean_cv(
            params.f64("payment_latency_ms") / 1000.0,
            0.5,
        ));
        self.retries = params.i64("retries").max(0) as u32;
        self.premature = Some(metrics.counter(&PREMATURE, &[]));
        let g = metrics.gauge(&CONFIGURED, &[]);
        metrics.set(g, params.f64("call_timeout_ms") / 1000.0);
        self.configured = Some(g);
        self.provider = Some(metrics.histogram(&PROVIDER_LATENCY, &[]));
    }

    fn strike(&mut self, cx: &mut StrikeCx<'_>, hop: &Hop) -> Effect {
        if hop.component == Component::Client {
            return Effect::on_client(ClientEffect {
                retries: Some(self.retries),
            });
        }
        let Some(dist) = self.latency else {
            return Effect::NONE;
        };
        let latency = secs_to_ns(dist.sample(cx.rng));
        if let Some(h) = self.provider {
            cx.metrics.observe(h, ns_to_secs(latency));
        }
        // The drawn latency replaces the system's own draw (work_factor 0).
        if latency <= self.timeout_ns {
            return Effect {
                delay_ns: latency,
                work_factor: 0.0,
                ..Effect::NONE
            };
        }
        if let Some(c) = self.premature {
            cx.metrics.inc(c);
        }
        Effect {
            delay_ns: self.timeout_ns,
            work_factor: 0.0,
            fail_status: Some(504),
            ..Effect::NONE
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;

    fn order_share(lab: &crate::sim::Lab, status: &str) -> f64 {
        let m = lab.metrics();
        let n = m.family_total_where("http_requests_total", |_, v| {
            v[1] == "POST /order" && v[2] == status
        });
        n / m.family_total_where("http_requests_total", |_, v| v[1] == "POST /order")
    }

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("web", 411, &[], &[]), 30);
        assert!(!registered(&off, "dependency_premature_timeouts_total"));
        assert!(!registered(&off, "payment_latency_seconds"));
        let on = run(&config("web", 411, &["timeout-too-short"], &[]), 30);
        let cut = total(&on, "dependency_premature_timeouts_total");
        let calls = total(&on, "payment_latency_seconds");
        assert!((0.18..0.30).contains(&(cut / calls)), "{cut} of {calls}");
        assert_eq!(total(&on, "dependency_call_timeout_seconds"), 0.025);
    }

    #[test]
    fn symptom_appears() {
        // A quarter of healthy payment calls fail with 504; instant retries send the
        // provider more calls than there are orders.
        let lab = run(&config("web", 412, &["timeout-too-short"], &[]), 60);
        let timed_out = order_share(&lab, "504");
        assert!((0.18..0.30).contains(&timed_out), "504 share {timed_out}");
        let calls = total(&lab, "dependency_requests_total");
        let orders = lab
            .metrics()
            .family_total_where("client_requests_total", |_, _| true)
            * 0.2;
        assert!(
            calls > orders * 1.2,
            "{calls} payment calls for ~{orders} orders"
        );
        assert!(total(&lab, "retry_attempts_total") > 400.0);
    }

    #[test]
    fn diagnosis_signal_identifies_it() {
        // The duration histogram has a wall at the timeout while the provider's own p99
        // is above it; raise the timeout over that p99 and the errors vanish.
        let lab = run(&config("web", 413, &["timeout-too-short"], &[]), 60);
        let m = lab.metrics();
        let Some((bounds, cum, _)) = m.family_histogram("payment_latency_seconds") else {
            panic!("no provider latency");
        };
        let p99 = crate::metrics::histogram_quantile(0.99, bounds, &cum);
        assert!(p99 > 0.025, "provider p99 {p99} above the 25 ms timeout");
        let Some((bounds, cum, _)) = m.family_histogram("dependency_request_duration_seconds")
        else {
            panic!("no call durations");
        };
        let p80 = crate::metrics::histogram_quantile(0.8, bounds, &cum);
        let p95 = crate::metrics::histogram_quantile(0.95, bounds, &cum);
        assert!(
            p80 > 0.02 && p95 < 0.04,
            "a wall at the timeout: p80 {p80}, p95 {p95}"
        );
        let fixed = run(
            &config(
                "web",
                413,
                &["timeout-too-short"],
                &[("timeout-too-short.call_timeout_ms", "150")],
            ),
            60,
        );
        assert_eq!(order_share(&fixed, "504"), 0.0);
    }
}
