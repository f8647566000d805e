//! # Timeout too long
//!
//! Some payment calls hang: the provider accepted the connection, but the worker behind
//! it died, so no answer ever comes (`hang_share` of the calls). The service's HTTP client
//! waits its configured timeout, `configured_timeout_ms` — 30 s, a library default nobody
//! changed — before it fails the call with a 504. Every hung call holds a worker for those
//! 30 s. By Little's law the held workers grow to order rate × hang share × timeout
//! (40/s × 0.2 × 30 s = 240), far more than the fleet's 64, so the whole service stops:
//! product pages queue and get 503s although nothing is wrong with them, and clients,
//! whose own timeout is shorter, give up long before the server does (wasted work).
//!
//! ```text
//!   clients (timeout 5 s) ──▶ service ──POST──▶ payment ⋯⋯⋯⋯⋯⋯⋯⋯⋯⋯ (no answer)
//!                             worker held ├──────────── 30 s ────────────┤ 504
//!                             GET /product waits for a free worker → 503
//! ```
//!
//! ## What to look at
//! - `dependency_hung_calls_total` and `dependency_timeout_configured_seconds`: calls that
//!   waited the whole timeout, and how long that is.
//! - `dependency_request_duration_seconds` piles up at exactly the configured timeout.
//! - Saturation: `service_utilization_ratio` at 1, `service_queue_depth` at the queue
//!   capacity, and 503s on `GET /product`.
//! - `server_wasted_responses_total`: answers the server finished after the client left.
//!
//! ## How to fix it
//! Give every outbound call a timeout a little above the dependency's normal p99, never a
//! library default: `timeouts` (`dependency_timeout_ms` = 300 ms) fails a hung call after
//! 0.3 s, so it holds a worker for 1% of the time and the rest of the service stays up.
//! A `breaker` stops calling once most calls fail; a `bulkhead` caps the workers payment
//! may hold. Mitigations: `timeouts`, `breaker`, `bulkhead`.

use crate::metrics::{CounterId, GaugeId, MetricSpec, Registry};
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{no_check, Component, Effect, Hop, Scenario, ScenarioMeta, StrikeCx};
use crate::systems::web::metrics::CLIENT_ABANDONED;
use crate::time::{ms_to_ns, Nanos};

const HUNG: MetricSpec = MetricSpec::counter(
    "dependency_hung_calls_total",
    "Payment calls that got no answer and waited the whole configured timeout.",
    &[],
);
const CONFIGURED: MetricSpec = MetricSpec::gauge(
    "dependency_timeout_configured_seconds",
    "The timeout the service's HTTP client uses for payment calls.",
    &[],
);

pub static META: ScenarioMeta = ScenarioMeta {
    id: "timeout-too-long",
    title: "Timeout too long",
    category: "latency",
    kind: crate::scenario::FaultKind::Misconfigured,
    summary: "Hung payment calls each hold a worker for a 30 s default timeout; the whole service saturates.",
    source: crate::doc_of!("scenarios/latency/timeout_too_long.rs"),
    own_params: &[
        ParamSpec::float(
            "hang_share",
            "",
            0.2,
            0.0,
            1.0,
            "Share of payment calls that never get an answer.",
        ),
        ParamSpec::float(
            "configured_timeout_ms",
            "ms",
            30_000.0,
            1.0,
            3_600_000.0,
            "How long the service's HTTP client waits for a payment answer.",
        ),
    ],
    metrics: &[HUNG, CONFIGURED, CLIENT_ABANDONED],
    strikes: &[Component::Dependency],
    mitigations: &["timeouts", "breaker", "bulkhead"],
    build: || Box::new(TimeoutTooLong::default()),
    check: no_check,
};

#[derive(Default)]
struct TimeoutTooLong {
    share: f64,
    timeout_ns: Nanos,
    hung: Option<CounterId>,
    configured: Option<GaugeId>,
}

impl Scenario for TimeoutTooLong {
    fn configure(&mut self, params: &ParamSet, metrics: &mut Registry) {
        self.share = params.f64("hang_share");
        self.timeout_ns = ms_to_ns(params.f64("configured_timeout_ms"));
        self.hung = Some(metrics.counter(&HUNG, &[]));
        let g = metrics.gauge(&CONFIGURED, &[]);
        metrics.set(g, params.f64("configured_timeout_ms") / 1000.0);
        self.configured = Some(g);
    }

    fn strike(&mut self, cx: &mut StrikeCx<'_>, _hop: &Hop) -> Effect {
        if !cx.rng.chance(self.share) {
            return Effect::NONE;
        }
        if let Some(c) = self.hung {
            cx.metrics.inc(c);
        }
        Effect {
            delay_ns: self.timeout_ns,
            fail_status: Some(504),
            ..Effect::NONE
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;

    fn get_failures(lab: &crate::sim::Lab) -> f64 {
        failed_responses(lab, "GET /product")
    }

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("web", 311, &[], &[]), 30);
        assert!(!registered(&off, "dependency_hung_calls_total"));
        assert!(!registered(&off, "dependency_timeout_configured_seconds"));
        let on = run(&config("web", 311, &["timeout-too-long"], &[]), 30);
        let hung = total(&on, "dependency_hung_calls_total");
        assert!(hung > 30.0, "{hung} hung calls");
        assert_eq!(total(&on, "dependency_timeout_configured_seconds"), 30.0);
    }

    #[test]
    fn symptom_appears() {
        // Hung calls pile up 30 s each: within a minute every worker is held, product
        // pages fail and clients give up while the server still works for them.
        let lab = run(&config("web", 312, &["timeout-too-long"], &[]), 90);
        let util = mean_between(&lab, "utilization", 40, 90);
        assert!(util > 0.95, "workers all held: utilization {util}");
        assert!(get_failures(&lab) > 1000.0, "{}", get_failures(&lab));
        assert!(
            total(&lab, "server_wasted_responses_total") > 100.0,
            "answers after the client left"
        );
        let calm = run(&config("web", 312, &[], &[]), 90);
        assert_eq!(get_failures(&calm), 0.0);
    }

    #[test]
    fn mitigation_reduces_symptom() {
        let slow = run(&config("web", 313, &["timeout-too-long"], &[]), 90);
        let bounded = run(
            &config("web", 313, &["timeout-too-long", "timeouts"], &[]),
            90,
        );
        let util = |lab: &crate::sim::Lab| mean_between(lab, "utilization", 40, 90);
        assert!(
            util(&bounded) < 0.2,
            "a 300 ms timeout gives the workers back: {} → {}",
            util(&slow),
            util(&bounded)
        );
        assert_eq!(get_failures(&bounded), 0.0, "product pages unaffected");
        let timed_out = bounded
            .metrics()
            .family_total_where("timeouts_total", |_, v| v[0] == "dependency");
        assert!(
            timed_out > 300.0,
            "hung calls fail fast instead: {timed_out}"
        );
    }
}
