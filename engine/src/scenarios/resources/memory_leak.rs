//! # Memory leak
//!
//! Each request leaves `leak_kb_per_request` kilobytes behind on the instance that served
//! it (a cache without eviction, listeners never removed, a growing map keyed by request
//! id). Memory climbs steadily with traffic. Past the collector's threshold the instance
//! stops the world for garbage collection every second, longer as the heap fills, so
//! latency creeps up; at the memory limit it dies (out of memory), every request on it is
//! lost (502), and it restarts cold — to leak again.
//!
//! ```text
//!   memory ▲            ╱│            ╱│
//!   limit ─┼──────────╱──┼─────────╱──┼──  crash → restart
//!   GC ────┼───────╱─────┼──────╱─────┼──  pauses grow from here
//!          │    ╱        │   ╱        │
//!          └─────────────────────────────▶ time
//! ```
//!
//! ## What to look at
//! - `process_memory_bytes{instance}`: a sawtooth, rising with traffic, dropping at each
//!   restart; `memory_leaked_bytes` and `memory_leak_rate_bytes_per_sec`.
//! - `gc_pause_seconds`: pauses lengthen as memory fills; p99 rises with them.
//! - `instance_restarts_total{reason="out_of_memory"}`, `instance_up`, and 502s.
//!
//! ## How to fix it
//! Find the leak: the growth rate follows request rate, so compare heap snapshots before
//! and after load. Meanwhile, restarts before the limit (or more memory) buy time; they
//! do not fix it. No switch here removes a leak — the diagnosis is the lesson.

use crate::metrics::{GaugeId, MetricSpec, Registry};
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{
    no_check, Component, Effect, Hop, Scenario, ScenarioMeta, ServiceEffect, StrikeCx,
};
use crate::systems::web::metrics::{
    GC_PAUSE, INSTANCE_RESTARTS, MEMORY_LEAKED, OUT_OF_MEMORY, PROCESS_MEMORY,
};
use crate::time::{ns_to_secs, Nanos};

const LEAK_RATE: MetricSpec = MetricSpec::gauge(
    "memory_leak_rate_bytes_per_sec",
    "Bytes leaked per second over the last sampling interval, over all instances.",
    &[],
);

pub static META: ScenarioMeta = ScenarioMeta {
    id: "memory-leak",
    title: "Memory leak",
    category: "resources",
    kind: crate::scenario::FaultKind::Leaking,
    summary: "Every request leaks memory: GC pauses grow, then the instance dies out of memory.",
    source: crate::doc_of!("scenarios/resources/memory_leak.rs"),
    own_params: &[ParamSpec::float(
        "leak_kb_per_request",
        "KB",
        20.0,
        0.0,
        1_048_576.0,
        "Memory each request leaves behind on its instance.",
    )],
    metrics: &[
        MEMORY_LEAKED,
        LEAK_RATE,
        PROCESS_MEMORY,
        GC_PAUSE,
        INSTANCE_RESTARTS,
    ],
    strikes: &[Component::Service],
    mitigations: &[],
    build: || Box::new(MemoryLeak::default()),
    check: no_check,
};

#[derive(Default)]
struct MemoryLeak {
    bytes: u64,
    leaked_since_sample: u64,
    last_sample: Option<Nanos>,
    now: Nanos,
    rate: Option<GaugeId>,
}

impl Scenario for MemoryLeak {
    fn configure(&mut self, params: &ParamSet, metrics: &mut Registry) {
        self.bytes = (params.f64("leak_kb_per_request") * 1024.0) as u64;
        self.rate = Some(metrics.gauge(&LEAK_RATE, &[]));
        metrics.gauge(&MEMORY_LEAKED, &[]);
        // 0 until an instance runs out of memory (the system counts restarts there).
        metrics.counter(&INSTANCE_RESTARTS, &[OUT_OF_MEMORY]);
    }

    fn strike(&mut self, cx: &mut StrikeCx<'_>, _hop: &Hop) -> Effect {
        self.now = cx.now;
        self.leaked_since_sample += self.bytes;
        Effect::on_service(ServiceEffect {
            leak_bytes: self.bytes,
            ..ServiceEffect::NONE
        })
    }

    fn on_sample(&mut self, metrics: &mut Registry, _active: bool) {
        let now = self.now;
        if let (Some(g), Some(last)) = (self.rate, self.last_sample) {
            let secs = ns_to_secs(now.saturating_sub(last)).max(1e-9);
            metrics.set(g, self.leaked_since_sample as f64 / secs);
        }
        self.last_sample = Some(now);
        self.leaked_since_sample = 0;
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;

    // 400 req/s over 4 instances, 40 KB each: ~4 MB/s per instance, out of memory in ~80 s.
    const FAST: [(&str, &str); 2] = [
        ("arrival_rate_rps", "400"),
        ("memory-leak.leak_kb_per_request", "40"),
    ];

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("web", 41, &[], &[]), 60);
        assert!(!registered(&off, "memory_leaked_bytes"));
        assert_eq!(total(&off, "gc_pause_seconds"), 0.0);
        let on = run(&config("web", 41, &["memory-leak"], &FAST), 60);
        assert!(
            total(&on, "memory_leaked_bytes") > 100e6,
            "{}",
            total(&on, "memory_leaked_bytes")
        );
        let rate = total(&on, "memory_leak_rate_bytes_per_sec");
        assert!((rate - 400.0 * 40.0 * 1024.0).abs() < 0.2 * rate, "{rate}");
    }

    #[test]
    fn symptom_appears() {
        let lab = run(&config("web", 42, &["memory-leak"], &FAST), 150);
        assert!(
            total(&lab, "gc_pause_seconds") > 10.0,
            "GC pauses under memory pressure"
        );
        assert!(
            total(&lab, "instance_restarts_total") >= 4.0,
            "every instance dies of OOM"
        );
        let p99_early = mean_between(&lab, "latency_p99_s", 10, 30);
        let p99_pressure = mean_between(&lab, "latency_p99_s", 60, 75);
        assert!(
            p99_pressure > 2.0 * p99_early,
            "p99 {p99_early} → {p99_pressure} as GC pauses grow"
        );
        let lost = lab
            .metrics()
            .family_total_where("http_requests_total", |_, v| v[2] == "502");
        assert!(lost > 0.0, "requests lost in the crash");
    }

    #[test]
    fn diagnosis_signal_identifies_it() {
        // Memory grows with traffic, falls at the restart, grows again: a sawtooth.
        let lab = run(&config("web", 43, &["memory-leak"], &FAST), 150);
        let mem = series_values(&lab, "process_memory_bytes", "api-0");
        let peak = mem.iter().cloned().fold(0.0, f64::max);
        let climbs = mem.windows(2).filter(|w| w[1] > w[0]).count();
        let drops = mem.windows(2).filter(|w| w[1] < w[0] * 0.8).count();
        assert!(peak > 450.0 * 1_048_576.0, "peak {peak}");
        assert!(climbs > 100 && drops >= 1, "climbs {climbs}, drops {drops}");
        // Without the leak, memory is flat.
        let calm = run(&config("web", 43, &[], &[("arrival_rate_rps", "400")]), 60);
        let flat = series_values(&calm, "process_memory_bytes", "api-0");
        assert!(flat.windows(2).all(|w| w[0] == w[1]));
    }
}
