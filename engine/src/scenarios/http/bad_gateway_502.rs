//! # 502 Bad Gateway
//!
//! The payment provider sits behind its own gateway (a reverse proxy) that spreads calls
//! over `upstreams` hosts. `down_upstreams` of them have crashed; the gateway still sends
//! them their share of calls, the connection is refused, and after `gateway_delay_ms` it
//! answers **502 Bad Gateway**. The service passes the failure on: that share of
//! `POST /order` fails with 502, quickly, while product pages are untouched. The service
//! keeps hammering the broken upstream with every order.
//!
//! ```text
//!                                          ┌──▶ upstream-0 ✗ refused
//!   service ──POST /order──▶ payment gateway ──▶ upstream-1 ✗ refused    → 502
//!                                          ├──▶ upstream-2 ✗ refused
//!                                          └──▶ upstream-3 ✓
//! ```
//!
//! ## What to look at
//! - `http_requests_total{endpoint="POST /order",status="502"}`: about
//!   `down_upstreams / upstreams` of the orders; `GET /product` stays at 200.
//! - `upstream_bad_gateway_total{dependency}` and `upstream_healthy_hosts`: which side of
//!   the gateway is broken.
//! - `dependency_requests_total{outcome="error"}`: every failing order was still sent.
//! - Error logs "payment call failed" with `status=502`, from every instance.
//!
//! ## How to fix it
//! Stop sending work into a dependency that mostly fails: the `breaker` opens once the
//! failure share passes its threshold, fails orders at once with 503 (a clear "try later"
//! instead of a 502) and only lets probes through until the upstreams recover — the
//! provider gets room to restart. The provider's real fix is health checks in its gateway
//! so dead upstreams get no traffic. Mitigations: `breaker`, `retry-backoff` (a retry
//! usually lands on a healthy upstream when only a few are down).

use crate::metrics::{CounterId, GaugeId, MetricSpec, Registry};
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{Component, Effect, Hop, Scenario, ScenarioMeta, StrikeCx};
use crate::time::{ms_to_ns, Nanos};

const BAD_GATEWAY: MetricSpec = MetricSpec::counter(
    "upstream_bad_gateway_total",
    "Calls the dependency's gateway answered with 502 because their upstream was down.",
    &["dependency"],
);
const HEALTHY: MetricSpec = MetricSpec::gauge(
    "upstream_healthy_hosts",
    "Upstream hosts behind the payment gateway that still answer.",
    &["dependency"],
);

pub static META: ScenarioMeta = ScenarioMeta {
    id: "502-bad-gateway",
    title: "502 Bad Gateway",
    category: "http",
    kind: crate::scenario::FaultKind::Failing,
    summary: "Most upstreams behind the payment gateway are down: orders fail with 502.",
    source: crate::doc_of!("scenarios/http/bad_gateway_502.rs"),
    own_params: &[
        ParamSpec::int(
            "upstreams",
            "hosts",
            4,
            1,
            1000,
            "Upstream hosts behind the payment gateway.",
        ),
        ParamSpec::int(
            "down_upstreams",
            "hosts",
            3,
            0,
            1000,
            "How many of them are down.",
        ),
        ParamSpec::float(
            "gateway_delay_ms",
            "ms",
            30.0,
            0.0,
            60_000.0,
            "Time the gateway spends before answering 502.",
        ),
    ],
    metrics: &[BAD_GATEWAY, HEALTHY],
    strikes: &[Component::Dependency],
    mitigations: &["breaker", "retry-backoff"],
    build: || Box::new(BadGateway::default()),
    check: |params, _| {
        if params.i64("down_upstreams") > params.i64("upstreams") {
            Err("down_upstreams cannot exceed upstreams".into())
        } else {
            Ok(())
        }
    },
};

#[derive(Default)]
struct BadGateway {
    upstreams: u64,
    down: u64,
    delay_ns: Nanos,
    bad_gateway: Option<CounterId>,
    healthy: Option<GaugeId>,
}

impl Scenario for BadGateway {
    fn configure(&mut self, params: &ParamSet, metrics: &mut Registry) {
        self.upstreams = params.i64("upstreams").max(1) as u64;
        self.down = (params.i64("down_upstreams").max(0) as u64).min(self.upstreams);
        self.delay_ns = ms_to_ns(params.f64("gateway_delay_ms"));
        self.bad_gateway = Some(metrics.counter(&BAD_GATEWAY, &["payment"]));
        self.healthy = Some(metrics.gauge(&HEALTHY, &["payment"]));
    }

    fn strike(&mut self, cx: &mut StrikeCx<'_>, _hop: &Hop) -> Effect {
        // The gateway picks an upstream at random; the first `down` are the dead ones.
        if cx.rng.below(self.upstreams) >= self.down {
            return Effect::NONE;
        }
        if let Some(c) = self.bad_gateway {
            cx.metrics.inc(c);
        }
        Effect {
            delay_ns: self.delay_ns,
            // The refused connection costs the gateway's time, not the provider's work.
            work_factor: 0.0,
            fail_status: Some(502),
            ..Effect::NONE
        }
    }

    fn on_sample(&mut self, metrics: &mut Registry, active: bool) {
        if let Some(g) = self.healthy {
            let down = if active { self.down } else { 0 };
            metrics.set(g, (self.upstreams - down) as f64);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;

    fn payment_calls(lab: &crate::sim::Lab) -> f64 {
        total(lab, "dependency_requests_total")
    }

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("web", 331, &[], &[]), 30);
        assert!(!registered(&off, "upstream_bad_gateway_total"));
        assert!(!registered(&off, "upstream_healthy_hosts"));
        let on = run(&config("web", 331, &["502-bad-gateway"], &[]), 30);
        let bad = total(&on, "upstream_bad_gateway_total");
        let calls = payment_calls(&on);
        assert!(
            (0.68..0.82).contains(&(bad / calls)),
            "{bad} of {calls} calls"
        );
        assert_eq!(total(&on, "upstream_healthy_hosts"), 1.0);
    }

    #[test]
    fn symptom_appears() {
        // Three of four upstreams down: ~75% of orders fail with 502; reads are fine.
        let lab = run(&config("web", 332, &["502-bad-gateway"], &[]), 60);
        let bad = responses(&lab, "POST /order", "502");
        let ok = responses(&lab, "POST /order", "200");
        let share = bad / (bad + ok);
        assert!((0.68..0.82).contains(&share), "502 share of orders {share}");
        let read_errors = failed_responses(&lab, "GET /product");
        assert_eq!(read_errors, 0.0);
        assert!(lab.logs().any(|l| l.message == "payment call failed"
            && l.fields.iter().any(|(k, v)| *k == "status" && v == "502")));
    }

    #[test]
    fn mitigation_reduces_symptom() {
        // The breaker stops sending orders into the broken gateway: a few probes instead
        // of every order, and failing orders answer at once.
        let open = run(&config("web", 333, &["502-bad-gateway"], &[]), 90);
        let guarded = run(
            &config("web", 333, &["502-bad-gateway", "breaker"], &[]),
            90,
        );
        assert!(
            payment_calls(&guarded) < payment_calls(&open) * 0.3,
            "payment calls {} → {}",
            payment_calls(&open),
            payment_calls(&guarded)
        );
        assert!(total(&guarded, "circuit_breaker_trips_total") >= 1.0);
        assert!(
            responses(&guarded, "POST /order", "502")
                < responses(&open, "POST /order", "502") * 0.3,
            "502s become fast 503s: {} → {}",
            responses(&open, "POST /order", "502"),
            responses(&guarded, "POST /order", "502")
        );
    }
}
