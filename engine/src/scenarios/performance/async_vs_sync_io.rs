//! # Async vs sync I/O
//!
//! To build a product page the handler calls `calls` backend services (inventory,
//! pricing, reviews, recommendations), each answering in an exponentially distributed
//! time of mean `call_ms`. With blocking calls (`io = sync`) it makes them one after
//! another and waits for their sum: `calls` × `call_ms` on average, growing linearly
//! with the number of calls. With non-blocking I/O (`async`) it starts them all at once
//! and waits for the slowest: `call_ms` × (1 + 1/2 + … + 1/calls) on average for
//! exponential times, growing like the logarithm of the calls. At the defaults (4 calls
//! of 10 ms) that is 40 ms against 20.8 ms, on every product read, cache hit or not.
//!
//! The waiting holds the request's worker either way (the lab's workers are request
//! slots; an event loop would also free the thread, which the lab does not model), so
//! sync I/O also holds each worker on the calls about twice as long. The price of async — code
//! that is harder to write and debug — is not something the lab can show.
//!
//! ```text
//!   sync:  ├─inventory─┤├─pricing─┤├─reviews─┤├─recs─┤      sum of the calls
//!   async: ├─inventory─┤
//!          ├─pricing──────┤                                 the slowest call
//!          ├─reviews─┤
//!          ├─recs───────┤
//! ```
//!
//! ## What to look at
//! - `io_wait_seconds{io}`: time each request waited on its calls, both sides
//!   registered; its median halves when switching to `async`.
//! - `io_calls_total{io}`: calls made (the same on both sides: only the waiting
//!   changes).
//! - `http_request_duration_seconds{endpoint="GET /product"}` and
//!   `service_workers_busy`.
//!
//! ## How to fix it
//! Issue independent calls concurrently (async/await, futures, a thread pool with
//! `invokeAll`), and put a timeout on the slowest. Where the defaults come from: 10 ms
//! is an assumed median of an internal service call (a same-datacenter round trip is
//! 0.5 ms, "Latency numbers every programmer should know"; the rest is the callee's
//! work) — set it to your own; the expected maximum of exponentials is the harmonic
//! number (order statistics of the exponential distribution).

use crate::metrics::{CounterId, HistogramId, MetricSpec, Registry, LATENCY_BUCKETS};
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{no_check, Component, Effect, Hop, Scenario, ScenarioMeta, StrikeCx};

const SIDES: [&str; 2] = ["sync", "async"];
const PRODUCT: &str = "GET /product";

const WAIT: MetricSpec = MetricSpec::histogram(
    "io_wait_seconds",
    "Time a request waited on its backend calls, by I/O style.",
    &["io"],
    LATENCY_BUCKETS,
);
const CALLS: MetricSpec = MetricSpec::counter(
    "io_calls_total",
    "Backend calls the handlers made, by I/O style.",
    &["io"],
);

pub static META: ScenarioMeta = ScenarioMeta {
    id: "async-vs-sync-io",
    title: "Async vs sync I/O",
    category: "performance",
    kind: crate::scenario::FaultKind::Slow,
    summary: "The product handler calls several backends: one after another (sum of their times) or all at once (the slowest).",
    source: crate::doc_of!("scenarios/performance/async_vs_sync_io.rs"),
    own_params: &[
        ParamSpec::choice(
            "io",
            "sync",
            &SIDES,
            "Blocking calls one after another, or non-blocking calls in parallel.",
        ),
        ParamSpec::int("calls", "calls", 4, 1, 1000, "Backend calls per product read."),
        ParamSpec::float(
            "call_ms",
            "ms",
            10.0,
            0.0,
            60_000.0,
            "Mean time of one call (exponential).",
        ),
    ],
    metrics: &[WAIT, CALLS],
    strikes: &[Component::Service],
    mitigations: &[],
    build: || Box::new(Io::default()),
    check: no_check,
};

#[derive(Default)]
struct Io {
    parallel: bool,
    calls: u32,
    call_s: f64,
    wait: [Option<HistogramId>; 2],
    count: [Option<CounterId>; 2],
}

impl Scenario for Io {
    fn configure(&mut self, params: &ParamSet, metrics: &mut Registry) {
        self.parallel = params.choice("io") == "async";
        self.calls = u32::try_from(params.i64("calls")).unwrap_or(1).max(1);
        self.call_s = params.f64("call_ms") / 1e3;
        for (i, side) in SIDES.into_iter().enumerate() {
            self.wait[i] = Some(metrics.histogram(&WAIT, &[side]));
            self.count[i] = Some(metrics.counter(&CALLS, &[side]));
        }
    }

    fn strike(&mut self, cx: &mut StrikeCx<'_>, hop: &Hop) -> Effect {
        if hop.endpoint != PRODUCT {
            return Effect::NONE;
        }
        let (mut sum, mut max) = (0.0f64, 0.0f64);
        for _ in 0..self.calls {
            let t = -self.call_s * libm::log(cx.rng.next_open01());
            sum += t;
            max = max.max(t);
        }
        let wait = if self.parallel { max } else { sum };
        let side = usize::from(self.parallel);
        if let (Some(h), Some(c)) = (self.wait[side], self.count[side]) {
            cx.metrics.observe(h, wait);
            cx.metrics.add(c, f64::from(self.calls));
        }
        Effect::delay(crate::time::secs_to_ns(wait))
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;

    const ID: &str = "async-vs-sync-io";

    fn median_wait(lab: &crate::sim::Lab, io: &str) -> f64 {
        quantile_where(lab, "io_wait_seconds", io, 0.5)
    }

    fn with(seed: u64, io: &str, calls: &str) -> crate::sim::Lab {
        let sets = [
            ("async-vs-sync-io.io", io),
            ("async-vs-sync-io.calls", calls),
        ];
        run(&config("web", seed, &[ID], &sets), 60)
    }

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("web", 2151, &[], &[]), 30);
        assert!(!registered(&off, "io_wait_seconds"));
        assert!(!registered(&off, "io_calls_total"));
        let on = run(&config("web", 2151, &[ID], &[]), 30);
        let calls = on
            .metrics()
            .family_total_where("io_calls_total", |_, v| v[0] == "sync");
        // ~160 product reads/s × 4 calls for 30 s.
        assert!((17_000.0..21_500.0).contains(&calls), "{calls}");
        let text = on.prometheus_text();
        assert!(
            text.contains("io_calls_total{io=\"async\"} 0"),
            "both sides show"
        );
    }

    #[test]
    fn symptom_appears() {
        // Sync waits for the sum: linear in the calls; async for the slowest: ~log.
        let wait = |io, calls| median_wait(&with(2152, io, calls), io);
        let (s4, s8) = (wait("sync", "4"), wait("sync", "8"));
        let (a4, a8) = (wait("async", "4"), wait("async", "8"));
        assert!((1.7..2.3).contains(&(s8 / s4)), "sync median ×{}", s8 / s4);
        assert!(
            (1.15..1.5).contains(&(a8 / a4)),
            "async median ×{}",
            a8 / a4
        );
        let p50 = |lab: &crate::sim::Lab| {
            quantile_where(lab, "http_request_duration_seconds", "GET /product", 0.5)
        };
        let off = run(&config("web", 2152, &[], &[]), 60);
        let sync = with(2152, "sync", "4");
        assert!(
            p50(&sync) > p50(&off) + 0.025,
            "p50 {} → {}",
            p50(&off),
            p50(&sync)
        );
    }

    #[test]
    fn mitigation_reduces_symptom() {
        let mean = |io| {
            let sets = [("async-vs-sync-io.io", io)];
            summary(config("web", 2153, &[ID], &sets), 10, 60).latency_mean_s
        };
        let base = summary(config("web", 2153, &[], &[]), 10, 60).latency_mean_s;
        let (sync, parallel) = (mean("sync") - base, mean("async") - base);
        // 0.8 × 40 ms against 0.8 × 20.8 ms on the mean over both endpoints.
        assert!((0.028..0.036).contains(&sync), "sync +{sync}");
        assert!((0.014..0.020).contains(&parallel), "async +{parallel}");
    }
}
