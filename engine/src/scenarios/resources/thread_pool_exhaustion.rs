//! # Thread-pool exhaustion
//!
//! The order handler calls the payment provider synchronously: the worker thread blocks
//! until the answer comes. Payment slows down — every call now takes `block_ms` longer
//! (the provider is overloaded, not failing) — and each order holds its worker that much
//! longer. The workers are one pool shared by every endpoint, so once blocked orders fill
//! it (order rate × call time > workers: 40/s × 2 s = 80 > 64), product pages, which never
//! touch payment, wait in the accept queue behind them and time out or get 503s.
//!
//! ```text
//!   workers: [POST ⏳][POST ⏳][POST ⏳][POST ⏳][POST ⏳][POST ⏳] … all blocked on payment
//!   accept queue: GET GET GET GET GET GET …  (nothing free to serve them) → 503
//! ```
//!
//! ## What to look at
//! - `thread_pool_blocked_workers`: workers blocked on the synchronous call right now,
//!   against the pool (`workers` × instances); `thread_pool_blocking_calls_total`.
//! - `service_workers_busy` at the pool size, `service_utilization_ratio` at 1 while
//!   `process_cpu_utilization_ratio` stays low: busy workers, idle CPU — they are waiting.
//! - `service_queue_depth`, and latency and 503s on `GET /product`.
//!
//! ## How to fix it
//! Isolate the slow call: a `bulkhead` caps the payment calls in flight per instance, so
//! orders over the cap fail fast and the rest of the pool keeps serving product pages.
//! `timeouts` bound each call (but fail every order while payment is this slow); calling
//! payment asynchronously removes the coupling for good. Mitigations: `bulkhead`, `timeouts`.

use crate::metrics::{CounterId, GaugeId, MetricSpec, Registry};
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{no_check, Component, Effect, Hop, Scenario, ScenarioMeta, StrikeCx};
use crate::time::{ms_to_ns, Nanos};
use std::collections::VecDeque;

const BLOCKED: MetricSpec = MetricSpec::gauge(
    "thread_pool_blocked_workers",
    "Workers blocked in a synchronous payment call at the last sample, over all instances.",
    &[],
);
const BLOCKING_CALLS: MetricSpec = MetricSpec::counter(
    "thread_pool_blocking_calls_total",
    "Synchronous payment calls made while payment is slow.",
    &[],
);

pub static META: ScenarioMeta = ScenarioMeta {
    id: "thread-pool-exhaustion",
    title: "Thread-pool exhaustion",
    category: "resources",
    kind: crate::scenario::FaultKind::Saturated,
    summary:
        "Handlers block on a slowed synchronous payment call until no worker is left for anyone.",
    source: crate::doc_of!("scenarios/resources/thread_pool_exhaustion.rs"),
    own_params: &[ParamSpec::float(
        "block_ms",
        "ms",
        2000.0,
        0.0,
        600_000.0,
        "Time each payment call now takes longer, blocking its worker.",
    )],
    metrics: &[BLOCKED, BLOCKING_CALLS],
    strikes: &[Component::Dependency],
    mitigations: &["bulkhead", "timeouts"],
    build: || Box::new(ThreadPoolExhaustion::default()),
    check: no_check,
};

#[derive(Default)]
struct ThreadPoolExhaustion {
    block_ns: Nanos,
    /// When each blocked call ends; the delay is constant, so the queue stays in order.
    ends: VecDeque<Nanos>,
    now: Nanos,
    blocked: Option<GaugeId>,
    calls: Option<CounterId>,
}

impl Scenario for ThreadPoolExhaustion {
    fn configure(&mut self, params: &ParamSet, metrics: &mut Registry) {
        self.block_ns = ms_to_ns(params.f64("block_ms"));
        self.ends.clear();
        self.blocked = Some(metrics.gauge(&BLOCKED, &[]));
        self.calls = Some(metrics.counter(&BLOCKING_CALLS, &[]));
    }

    fn strike(&mut self, cx: &mut StrikeCx<'_>, _hop: &Hop) -> Effect {
        self.now = cx.now;
        self.ends.push_back(cx.now.saturating_add(self.block_ns));
        if let Some(c) = self.calls {
            cx.metrics.inc(c);
        }
        Effect::delay(self.block_ns)
    }

    fn on_sample(&mut self, metrics: &mut Registry, active: bool) {
        // Counted from the calls' scheduled ends (a timeout may free a worker sooner).
        while self.ends.front().is_some_and(|&end| end <= self.now) {
            self.ends.pop_front();
        }
        if !active {
            self.ends.clear();
        }
        if let Some(g) = self.blocked {
            metrics.set(g, self.ends.len() as f64);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;

    fn read_failures(lab: &crate::sim::Lab) -> f64 {
        failed_responses(lab, "GET /product")
    }

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("web", 351, &[], &[]), 30);
        assert!(!registered(&off, "thread_pool_blocked_workers"));
        assert!(!registered(&off, "thread_pool_blocking_calls_total"));
        let on = run(&config("web", 351, &["thread-pool-exhaustion"], &[]), 30);
        assert!(total(&on, "thread_pool_blocking_calls_total") > 300.0);
        let blocked = total(&on, "thread_pool_blocked_workers");
        assert!(blocked > 40.0, "{blocked} workers blocked");
    }

    #[test]
    fn symptom_appears() {
        // 40 orders/s × 2 s = 80 blocked workers wanted, 64 exist: the pool runs dry,
        // CPU idles, and product pages queue and fail.
        let lab = run(&config("web", 352, &["thread-pool-exhaustion"], &[]), 90);
        let util = mean_between(&lab, "utilization", 30, 90);
        assert!(util > 0.95, "pool exhausted: utilization {util}");
        assert!(read_failures(&lab) > 500.0, "{}", read_failures(&lab));
        let reads_p50 = quantile_where(&lab, "http_request_duration_seconds", "GET /product", 0.5);
        assert!(reads_p50 > 0.5, "reads wait for a worker: p50 {reads_p50}");
        let cpu = lab.metrics().family_total("process_cpu_utilization_ratio") / 4.0;
        assert!(cpu < 0.5, "busy workers, idle CPU: {cpu}");
    }

    #[test]
    fn mitigation_reduces_symptom() {
        // A bulkhead of 4 payment calls per instance leaves 12 workers each for reads.
        let exhausted = run(&config("web", 353, &["thread-pool-exhaustion"], &[]), 90);
        let isolated = run(
            &config("web", 353, &["thread-pool-exhaustion", "bulkhead"], &[]),
            90,
        );
        assert!(read_failures(&exhausted) > 500.0);
        assert_eq!(
            read_failures(&isolated),
            0.0,
            "product pages keep their workers"
        );
        let p99 = |lab: &crate::sim::Lab| {
            quantile_where(lab, "http_request_duration_seconds", "GET /product", 0.99)
        };
        assert!(
            p99(&isolated) < 0.1,
            "reads stay fast: p99 {}",
            p99(&isolated)
        );
        assert!(total(&isolated, "bulkhead_rejections_total") > 100.0);
    }
}
