//! # Tail latency
//!
//! A small share of requests (`slow_share`, 2% by default) take a slow path in the
//! handler: the one customer with a ten-thousand-line cart, a lock in the logging library
//! that a few requests wait on, a page of results that misses every in-process cache.
//! Each holds its worker `slow_ms` longer (with ±`jitter` spread). The other 98% are as
//! fast as ever, so the median and the mean barely move while p99 jumps to the slow
//! path's time. A dashboard showing averages looks healthy; users hitting the slow path
//! (and any page that fans out to many calls, which meets the tail far more often) do not.
//!
//! ```text
//!   requests ──▶ [ handler ]  98% ──▶ ~10 ms
//!                    │ 2% slow path ──▶ + slow_ms
//!   latency  p50 ▁▁▁▁▁▁▁▁▁▁▁▁▁▁   p99 ▇▇▇▇▇▇▇▇▇▇▇▇▇▇   (tail ≫ median)
//! ```
//!
//! ## What to look at
//! - `latency_p99_s` far above `latency_p50_s`, which stays at its usual value.
//! - `tail_slow_requests_total{endpoint}`: how many requests took the slow path, and
//!   `tail_slow_path_seconds`: how long it held them.
//! - Traces of the slowest requests: the time sits in the `handler` span itself, not in
//!   the database or payment calls. That is all they show here: slow requests are
//!   picked at random, so their attributes (endpoint, instance, attempt, cache key) are
//!   those of any request — as with a real cause nobody recorded. Traces tell where the
//!   time goes and rule suspects out; to learn why, put the suspected cause on the span
//!   (cart size, customer) or profile the handler.
//!
//! ## How to fix it
//! There is no switch that removes a slow code path: find it with a profile or with
//! span attributes that record the suspected cause, and fix it (paginate the big cart,
//! drop the lock). Meanwhile measure percentiles, not averages, and set SLOs on p99.
//! For idempotent reads, `hedging` hides the tail: the load balancer sends a second
//! copy of a read still unanswered after about the p95 to another instance and takes
//! the first answer. The slow path rarely strikes both copies, so the reads' tail falls
//! to the hedge delay plus a normal read, p50 stays, and the price is a few percent
//! more requests (`hedged_requests_total`) and the worker time of the cancelled copies
//! (`hedge_wasted_seconds_total`). Orders are not hedged (a second charge is not
//! harmless): their slow path stays until the code is fixed. Mitigations: `hedging`.

use crate::metrics::{CounterId, HistogramId, MetricSpec, Registry, LATENCY_BUCKETS};
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{no_check, Component, Effect, Hop, Scenario, ScenarioMeta, StrikeCx};
use crate::time::{ms_to_ns, ns_to_secs, Nanos};

const SLOW: MetricSpec = MetricSpec::counter(
    "tail_slow_requests_total",
    "Requests that took the slow path in the handler, by endpoint.",
    &["endpoint"],
);
const SLOW_TIME: MetricSpec = MetricSpec::histogram(
    "tail_slow_path_seconds",
    "Extra time the slow path held a request's worker.",
    &[],
    LATENCY_BUCKETS,
);

const ENDPOINTS: [&str; 2] = ["GET /product", "POST /order"];

pub static META: ScenarioMeta = ScenarioMeta {
    id: "tail-latency",
    title: "Tail latency",
    category: "latency",
    kind: crate::scenario::FaultKind::Slow,
    summary: "A small share of requests take a slow path: p99 is high while p50 stays normal.",
    source: crate::doc_of!("scenarios/latency/tail_latency.rs"),
    own_params: &[
        ParamSpec::float(
            "slow_share",
            "",
            0.02,
            0.0,
            1.0,
            "Share of requests that take the slow path.",
        ),
        ParamSpec::float(
            "slow_ms",
            "ms",
            800.0,
            0.0,
            600_000.0,
            "Mean extra time of the slow path.",
        ),
        ParamSpec::float(
            "jitter",
            "",
            0.25,
            0.0,
            1.0,
            "Spread of the slow path's time: uniform within ± this share of slow_ms.",
        ),
    ],
    metrics: &[SLOW, SLOW_TIME],
    strikes: &[Component::Service],
    mitigations: &["hedging"],
    build: || Box::new(TailLatency::default()),
    check: no_check,
};

#[derive(Default)]
struct TailLatency {
    share: f64,
    slow_ns: Nanos,
    jitter: f64,
    /// Counters indexed like `ENDPOINTS`.
    slow: [Option<CounterId>; 2],
    slow_time: Option<HistogramId>,
}

impl Scenario for TailLatency {
    fn configure(&mut self, params: &ParamSet, metrics: &mut Registry) {
        self.share = params.f64("slow_share");
        self.slow_ns = ms_to_ns(params.f64("slow_ms"));
        self.jitter = params.f64("jitter");
        for (i, e) in ENDPOINTS.iter().enumerate() {
            self.slow[i] = Some(metrics.counter(&SLOW, &[e]));
        }
        self.slow_time = Some(metrics.histogram(&SLOW_TIME, &[]));
    }

    fn strike(&mut self, cx: &mut StrikeCx<'_>, hop: &Hop) -> Effect {
        if !cx.rng.chance(self.share) {
            return Effect::NONE;
        }
        let spread = 1.0 + self.jitter * (2.0 * cx.rng.next_f64() - 1.0);
        let delay = (self.slow_ns as f64 * spread) as Nanos;
        if let Some(c) = ENDPOINTS
            .iter()
            .position(|e| *e == hop.endpoint)
            .and_then(|i| self.slow[i])
        {
            cx.metrics.inc(c);
        }
        if let Some(h) = self.slow_time {
            cx.metrics.observe(h, ns_to_secs(delay));
        }
        Effect::delay(delay)
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("web", 521, &[], &[]), 30);
        assert!(!registered(&off, "tail_slow_requests_total"));
        let on = run(&config("web", 521, &["tail-latency"], &[]), 30);
        let slow = total(&on, "tail_slow_requests_total");
        // 2% of ~6000 requests.
        assert!((80.0..170.0).contains(&slow), "{slow}");
        assert!(registered(&on, "tail_slow_path_seconds"));
    }

    #[test]
    fn symptom_appears() {
        // The tail jumps to the slow path while the median stays at its baseline and
        // nothing fails: what tells a slow path from overload.
        let base = summary(config("web", 522, &[], &[]), 10, 120);
        let tail = summary(config("web", 522, &["tail-latency"], &[]), 10, 120);
        assert!(
            tail.latency_p99_s > 0.5,
            "p99 {} → {}",
            base.latency_p99_s,
            tail.latency_p99_s
        );
        assert!(tail.latency_p99_s > base.latency_p99_s * 5.0);
        assert!(
            (tail.latency_p50_s - base.latency_p50_s).abs() < base.latency_p50_s * 0.15,
            "p50 {} → {}",
            base.latency_p50_s,
            tail.latency_p50_s
        );
        assert!(
            tail.latency_p99_s > tail.latency_p50_s * 20.0,
            "p99 {} vs p50 {}",
            tail.latency_p99_s,
            tail.latency_p50_s
        );
        assert_eq!(tail.errors_total, 0);
    }

    #[test]
    fn mitigation_reduces_symptom() {
        // Hedged reads: a second copy after ~p95 on another instance, the first answer
        // wins. p99 falls to the hedge delay plus a normal read; p50 stays.
        let sets = [("hedging.hedge_after_ms", "20")];
        let mut tail_cfg = config("web", 523, &["tail-latency"], &[]);
        tail_cfg.warmup_ns = 10 * crate::time::NS_PER_SEC;
        let mut hedged_cfg = config("web", 523, &["tail-latency", "hedging"], &sets);
        hedged_cfg.warmup_ns = 10 * crate::time::NS_PER_SEC;
        let (mut tail, mut hedged) = (run(&tail_cfg, 120), run(&hedged_cfg, 120));
        let (before, after) = (tail.summary(), hedged.summary());
        assert!(
            after.latency_p99_s < before.latency_p99_s / 5.0 && after.latency_p99_s < 0.15,
            "p99 {} → {}",
            before.latency_p99_s,
            after.latency_p99_s
        );
        assert!(
            (after.latency_p50_s - before.latency_p50_s).abs() < before.latency_p50_s * 0.1,
            "p50 {} → {}",
            before.latency_p50_s,
            after.latency_p50_s
        );
        assert_eq!(after.errors_total, 0);
        // What the clients see falls with it.
        let client_p99 =
            |l: &crate::sim::Lab| quantile_all(l, "client_request_duration_seconds", 0.99);
        assert!(client_p99(&hedged) < client_p99(&tail) / 5.0);
        // The price: a few percent more reads, and the worker time of the losers.
        let reads = responses(&hedged, "GET /product", "200");
        let copies = total(&hedged, "hedged_requests_total");
        assert!(
            (0.02..0.1).contains(&(copies / reads)),
            "{copies} hedges for {reads} reads"
        );
        let slow_reads = hedged
            .metrics()
            .family_total_where("tail_slow_requests_total", |_, v| v[0] == "GET /product");
        let wins = total(&hedged, "hedge_wins_total");
        assert!(
            wins > 0.8 * slow_reads,
            "{wins} wins, {slow_reads} slow reads"
        );
        assert!(total(&hedged, "hedge_wasted_seconds_total") > 0.5 * slow_reads * 0.8);
        assert!(!registered(&tail, "hedged_requests_total"));
        // The trace shows the second copy.
        assert!(hedged.traces().any(|t| t
            .spans
            .iter()
            .any(|s| s.operation == "hedge" && s.service == "lb")));
    }
}
