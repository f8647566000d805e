//! # Circuit breaker (payment outage)
//!
//! The payment dependency goes bad: each call takes `delay_ms` longer and fails with
//! probability `error_rate` (the provider is overloaded, a network path black-holes,
//! its database fails over). Every `POST /order` holds a worker while it waits for
//! payment, so a slow failing dependency does not just fail orders: by Little's law the
//! workers it holds grow to order rate × call time, and once that passes the worker pool,
//! `GET /product` — which never calls payment — queues and fails too. This scenario is the
//! outage; the `breaker` mitigation is the lesson.
//!
//! ```text
//!   clients ──▶ load balancer ──▶ service ──▶ database
//!                                   └─ POST /order ──▶ [ payment ✗ +delay ]
//!                                         breaker: closed ─▶ open ─▶ half-open ─▶ closed
//! ```
//!
//! ## What to look at
//! - `http_requests_total{endpoint="POST /order",status="502"}` and the latency of
//!   `POST /order`: errors, each after `delay_ms`.
//! - Saturation: `service_utilization_ratio` and `service_queue_depth` climb; then
//!   `GET /product` slows and gets 503s although nothing is wrong with it.
//! - `dependency_requests_total{outcome}`, `dependency_request_duration_seconds`, and this
//!   scenario's `dependency_injected_failures_total` and `dependency_outage_active`.
//! - With `breaker` on: `circuit_breaker_state` (0 closed, 1 open, 2 half-open) and
//!   `circuit_breaker_trips_total` move (without it they are shown at 0: no breaker, so
//!   nothing opens), and `circuit_breaker_rejections_total` counts the calls it refused.
//!
//! ## How to fix it
//! Stop waiting on a dependency that is down: the `breaker` opens once the failure share
//! over its window passes `failure_rate_threshold`, fails `POST /order` at once (503, no
//! worker held, no load on the struggling provider), and every `open_s` lets a few probe
//! calls through; when they succeed it closes. Orders still fail during the outage — the
//! breaker trades slow failures for fast ones — but the rest of the service stays up.
//! `timeouts` (`dependency_timeout_ms`) bounds each call and is the breaker's partner:
//! the breaker stops calling, the timeout limits what each call that is made can cost.
//! A `bulkhead` caps the payment calls in flight per instance, so even before the breaker
//! opens the outage cannot take more than those workers.
//! Degrade gracefully where the product allows it (accept the order, charge later).
//! Mitigations: `breaker`, `timeouts`, `bulkhead`.

use crate::metrics::{CounterId, GaugeId, MetricSpec, Registry};
use crate::mitigations::breaker::{BREAKER_STATE, BREAKER_TRIPS};
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{no_check, Component, Effect, Hop, Scenario, ScenarioMeta, StrikeCx};
use crate::systems::web::metrics::PAYMENT;
use crate::time::{ms_to_ns, Nanos};

const INJECTED: MetricSpec = MetricSpec::counter(
    "dependency_injected_failures_total",
    "Dependency calls failed by the circuit-breaker scenario's outage.",
    &[],
);
const OUTAGE: MetricSpec = MetricSpec::gauge(
    "dependency_outage_active",
    "1 while the circuit-breaker scenario's dependency outage is under way, else 0.",
    &[],
);

pub static META: ScenarioMeta = ScenarioMeta {
    id: "circuit-breaker",
    title: "Circuit breaker (payment outage)",
    category: "resilience",
    kind: crate::scenario::FaultKind::Failing,
    summary: "The payment dependency turns slow and failing; POST /order holds workers until the whole service saturates.",
    source: crate::doc_of!("scenarios/resilience/circuit_breaker.rs"),
    own_params: &[
        ParamSpec::float(
            "error_rate",
            "",
            1.0,
            0.0,
            1.0,
            "Share of payment calls that fail during the outage.",
        ),
        ParamSpec::float(
            "delay_ms",
            "ms",
            2000.0,
            0.0,
            60_000.0,
            "Time added to every payment call during the outage (failing ones included).",
        ),
        ParamSpec::choice(
            "status",
            "502",
            &["500", "502", "503"],
            "HTTP status POST /order answers with when payment fails.",
        ),
    ],
    metrics: &[BREAKER_STATE, BREAKER_TRIPS, INJECTED, OUTAGE],
    strikes: &[Component::Dependency],
    mitigations: &["breaker", "timeouts", "bulkhead"],
    build: || Box::new(PaymentOutage::default()),
    check: no_check,
};

#[derive(Default)]
struct PaymentOutage {
    error_rate: f64,
    delay_ns: Nanos,
    status: u16,
    injected: Option<CounterId>,
    outage: Option<GaugeId>,
}

impl Scenario for PaymentOutage {
    fn configure(&mut self, params: &ParamSet, metrics: &mut Registry) {
        self.error_rate = params.f64("error_rate");
        self.delay_ns = ms_to_ns(params.f64("delay_ms"));
        self.status = params.choice("status").parse().unwrap_or(502);
        self.injected = Some(metrics.counter(&INJECTED, &[]));
        self.outage = Some(metrics.gauge(&OUTAGE, &[]));
        // The breaker's own series, closed (0) and never tripped until the `breaker`
        // mitigation guards the dependency: what the learner compares against.
        metrics.gauge(&BREAKER_STATE, &[PAYMENT]);
        metrics.counter(&BREAKER_TRIPS, &[PAYMENT]);
    }

    fn strike(&mut self, cx: &mut StrikeCx<'_>, _hop: &Hop) -> Effect {
        let fail = cx.rng.chance(self.error_rate);
        if fail {
            if let Some(c) = self.injected {
                cx.metrics.inc(c);
            }
        }
        Effect {
            delay_ns: self.delay_ns,
            fail_status: fail.then_some(self.status),
            ..Effect::NONE
        }
    }

    fn on_sample(&mut self, metrics: &mut Registry, active: bool) {
        if let Some(g) = self.outage {
            metrics.set(g, f64::from(u8::from(active)));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::metrics::{histogram_quantile, LATENCY_BUCKETS};
    use crate::sim::Lab;
    use crate::testkit::*;
    use crate::time::NS_PER_SEC;

    /// Quantile `q` of `POST /order` latency over virtual seconds `[from, to)`.
    fn post_quantile(lab: &Lab, q: f64, from: u64, to: u64) -> f64 {
        let m = lab.metrics();
        let Some(series) = m
            .series_keys()
            .find(|k| {
                k.name == "http_request_duration_seconds"
                    && k.label_values.get(1).is_some_and(|e| e == "POST /order")
            })
            .map(|k| k.index)
        else {
            return f64::NAN;
        };
        let at = |t: u64| {
            (0..m.sample_count(series))
                .filter_map(|i| m.histogram_sample(series, i))
                .find(|(ts, _)| *ts == t * NS_PER_SEC)
                .map(|(_, b)| b)
                .unwrap_or_default()
        };
        let (a, b) = (at(from), at(to));
        let window: Vec<u64> = b.iter().zip(&a).map(|(b, a)| b - a).collect();
        histogram_quantile(q, LATENCY_BUCKETS, &window)
    }

    fn post_failures(lab: &Lab) -> f64 {
        lab.metrics()
            .family_total_where("http_requests_total", |_, v| {
                v[1] == "POST /order" && v[2] != "200"
            })
    }

    /// Failed `GET /product` responses over virtual seconds `[from, to)`.
    fn get_failures_between(lab: &Lab, from: u64, to: u64) -> f64 {
        let m = lab.metrics();
        m.series_keys()
            .filter(|k| {
                k.name == "http_requests_total"
                    && k.label_values[1] == "GET /product"
                    && k.label_values[2] != "200"
            })
            .map(|k| {
                let points = m.points(k.index);
                let at = |t: u64| {
                    points
                        .iter()
                        .find(|p| p.0 == t * NS_PER_SEC)
                        .map_or(0.0, |p| p.1)
                };
                at(to) - at(from)
            })
            .sum()
    }

    /// The outage starts at t = 5 s.
    fn outage(switches: &[&str]) -> Lab {
        let on = switches.contains(&"circuit-breaker");
        let sets: &[(&str, &str)] = if on {
            &[("circuit-breaker.start_s", "5")]
        } else {
            &[]
        };
        run(&config("web", 41, switches, sets), 60)
    }

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = outage(&["breaker"]);
        assert!(!registered(&off, "dependency_injected_failures_total"));
        assert_eq!(total(&off, "circuit_breaker_trips_total"), 0.0);
        let on = outage(&["breaker", "circuit-breaker"]);
        assert!(total(&on, "circuit_breaker_trips_total") > 0.0);
        assert!(total(&on, "dependency_injected_failures_total") > 20.0);
        assert_eq!(total(&on, "dependency_outage_active"), 1.0);
    }

    #[test]
    fn symptom_appears() {
        let healthy = outage(&[]);
        let lab = outage(&["circuit-breaker"]);
        assert_eq!(post_failures(&healthy), 0.0);
        assert!(post_failures(&lab) > 500.0, "orders fail");
        let p50 = post_quantile(&lab, 0.5, 20, 60);
        assert!(
            p50 > 2.0,
            "each failure after the 2 s delay and more: p50 {p50}"
        );
        // 40 orders/s × 2 s = 80 workers held > 64: the whole service saturates, and
        // product reads, which never call payment, fail too.
        assert!(mean_between(&lab, "utilization", 20, 60) > 0.95);
        let get_failures = failed_responses(&lab, "GET /product");
        assert!(
            get_failures > 100.0,
            "collateral: {get_failures} GET failures"
        );
    }

    #[test]
    fn mitigation_reduces_symptom() {
        let without = outage(&["circuit-breaker"]);
        let with = outage(&["circuit-breaker", "breaker"]);
        let (slow, fast) = (
            post_quantile(&without, 0.5, 20, 60),
            post_quantile(&with, 0.5, 20, 60),
        );
        assert!(
            slow > 2.0 && fast < 0.05,
            "orders fail fast: p50 {slow} → {fast}"
        );
        let util = |lab: &Lab| mean_between(lab, "utilization", 20, 60);
        assert!(
            util(&with) < 0.3,
            "workers freed: {} → {}",
            util(&without),
            util(&with)
        );
        // Once the breaker has opened (about 8 s into the outage), reads are unharmed.
        assert!(get_failures_between(&without, 20, 60) > 100.0);
        assert_eq!(get_failures_between(&with, 20, 60), 0.0);
        // A bulkhead protects reads from the first second: at most 4 payment calls per
        // instance wait, the rest of the orders fail fast.
        let bulkhead = outage(&["circuit-breaker", "bulkhead"]);
        assert_eq!(get_failures_between(&bulkhead, 5, 60), 0.0);
        assert!(util(&bulkhead) < 0.5, "{}", util(&bulkhead));
    }

    #[test]
    fn breaker_goes_closed_open_half_open_closed_on_time() {
        // Outage from 10 s to 30 s; failing calls take 200 ms longer, so a failed probe
        // keeps the breaker half-open long enough to be seen at 10 ms sampling.
        let mut cfg = config(
            "web",
            42,
            &["circuit-breaker", "breaker"],
            &[
                ("circuit-breaker.start_s", "10"),
                ("circuit-breaker.duration_s", "20"),
                ("circuit-breaker.delay_ms", "200"),
                ("breaker.window_s", "2"),
                ("breaker.open_s", "5"),
            ],
        );
        cfg.sample_interval_ns = NS_PER_SEC / 100;
        cfg.history_len = 10_000;
        let lab = run(&cfg, 60);
        let m = lab.metrics();
        let series = m
            .series_keys()
            .find(|k| k.name == "circuit_breaker_state")
            .map(|k| k.index)
            .unwrap();
        let states: Vec<(f64, u8)> = m
            .points(series)
            .iter()
            .map(|&(t, v)| (t as f64 / NS_PER_SEC as f64, v as u8))
            .collect();
        // Runs of equal state: (state, from, to).
        let mut runs: Vec<(u8, f64, f64)> = Vec::new();
        for &(t, s) in &states {
            match runs.last_mut() {
                Some(r) if r.0 == s => r.2 = t,
                _ => runs.push((s, t, t)),
            }
        }
        let order: Vec<u8> = runs.iter().map(|r| r.0).collect();
        assert_eq!(order.first(), Some(&0), "closed at first");
        assert_eq!(order.last(), Some(&0), "closed again at the end");
        let trip = runs[1].1;
        assert_eq!(runs[1].0, 1, "closed → open: {order:?}");
        assert!(
            (10.2..12.5).contains(&trip),
            "trips soon after 10 s: {trip}"
        );
        // Every open period lasts open_s, then the next call makes it half-open.
        for w in runs.windows(2) {
            if w[0].0 == 1 {
                assert_eq!(w[1].0, 2, "open → half-open: {order:?}");
                let open_for = w[1].1 - w[0].1;
                assert!((5.0..5.15).contains(&open_for), "open for {open_for} s");
            }
        }
        // Half-open: during the outage the probe fails (→ open); after it, the probes
        // succeed (→ closed), within one open period of the outage's end.
        let half_opens: Vec<&(u8, f64, f64)> = runs.iter().filter(|r| r.0 == 2).collect();
        assert!(half_opens.len() >= 3, "{order:?}");
        let last = runs.len() - 1;
        assert_eq!(runs[last - 1].0, 2, "half-open → closed");
        let closed_at = runs[last].1;
        assert!(
            (30.0..35.6).contains(&closed_at),
            "closes after the outage ends at 30 s: {closed_at}"
        );
        for r in &half_opens[..half_opens.len() - 1] {
            assert!(r.1 < 30.2, "reopened by a failed probe during the outage");
        }
    }
}
