//! # Memory pressure
//!
//! Each instance keeps an in-process cache that was sized for a bigger container: it
//! fills with `fill_kb_per_request` per request until it holds `working_set_mb`, then
//! stays there. Nothing leaks and nothing crashes — memory is flat — but the heap now
//! lives above the garbage collector's threshold (`gc_threshold` of `memory_limit_mb`),
//! so the collector stops the world every second, for longer the fuller the heap. Every
//! request that arrives during a pause waits for it: the median barely moves, p99 rises
//! by about the pause length and stays there.
//!
//! ```text
//!   memory ▲
//!   limit ─┼─────────────────────────────  (never reached: no crash)
//!          │   ┌─────────────────────────  working set, flat
//!   GC ────┼───┼─────────────────────────  threshold: pauses every second from here
//!          │  ╱
//!          └─────────────────────────────▶ time
//! ```
//!
//! ## What to look at
//! - `process_memory_bytes{instance}`: a plateau high above the GC threshold, no
//!   sawtooth (unlike a leak) and no `instance_restarts_total`.
//! - `gc_pause_seconds`: about one pause per instance per second, each ~100 ms or more.
//! - p99 latency up by about a pause while p50 stays; `memory_working_set_bytes` is this
//!   scenario's cache, over all instances.
//!
//! ## How to fix it
//! Give the heap headroom: bound the cache to what fits under the GC threshold (or
//! evict more), or raise the memory limit — either drops the heap back below the
//! threshold and the pauses stop. A collector tuned for short pauses helps p99 too. No
//! switch here resizes the cache; the diagnosis — flat memory, no crash, regular GC
//! pauses matching the p99 — is the lesson.

use crate::metrics::{GaugeId, MetricSpec, Registry};
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{
    no_check, Component, Effect, Hop, Scenario, ScenarioMeta, ServiceEffect, StrikeCx,
};
use crate::systems::web::metrics::{GC_PAUSE, PROCESS_MEMORY};

const WORKING_SET: MetricSpec = MetricSpec::gauge(
    "memory_working_set_bytes",
    "Memory held by the oversized in-process cache, over all instances.",
    &[],
);

pub static META: ScenarioMeta = ScenarioMeta {
    id: "memory-pressure",
    title: "Memory pressure",
    category: "resources",
    kind: crate::scenario::FaultKind::Saturated,
    summary: "An oversized in-process cache keeps the heap above the GC threshold: pauses every second, p99 up, no crash.",
    source: crate::doc_of!("scenarios/resources/memory_pressure.rs"),
    own_params: &[
        ParamSpec::float(
            "working_set_mb",
            "MB",
            260.0,
            0.0,
            1_048_576.0,
            "Memory the cache grows to on each instance, on top of its normal use.",
        ),
        ParamSpec::float(
            "fill_kb_per_request",
            "KB",
            1024.0,
            0.0,
            1_048_576.0,
            "Memory each request adds to the cache until it is full.",
        ),
    ],
    metrics: &[WORKING_SET, PROCESS_MEMORY, GC_PAUSE],
    strikes: &[Component::Service],
    mitigations: &[],
    build: || Box::new(MemoryPressure::default()),
    check: no_check,
};

#[derive(Default)]
struct MemoryPressure {
    target: u64,
    step: u64,
    /// Cache bytes held per instance.
    held: Vec<u64>,
    gauge: Option<GaugeId>,
}

impl Scenario for MemoryPressure {
    fn configure(&mut self, params: &ParamSet, metrics: &mut Registry) {
        self.target = (params.f64("working_set_mb") * 1_048_576.0) as u64;
        self.step = (params.f64("fill_kb_per_request") * 1024.0) as u64;
        self.gauge = Some(metrics.gauge(&WORKING_SET, &[]));
    }

    fn strike(&mut self, _cx: &mut StrikeCx<'_>, hop: &Hop) -> Effect {
        let i = hop.instance as usize;
        if self.held.len() <= i {
            self.held.resize(i + 1, 0);
        }
        let add = self.step.min(self.target.saturating_sub(self.held[i]));
        self.held[i] += add;
        Effect::on_service(ServiceEffect {
            leak_bytes: add,
            ..ServiceEffect::NONE
        })
    }

    fn on_sample(&mut self, metrics: &mut Registry, _active: bool) {
        if let Some(g) = self.gauge {
            metrics.set(g, self.held.iter().sum::<u64>() as f64);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("web", 361, &[], &[]), 30);
        assert!(!registered(&off, "memory_working_set_bytes"));
        assert_eq!(total(&off, "gc_pause_seconds"), 0.0);
        let on = run(&config("web", 361, &["memory-pressure"], &[]), 30);
        let held = total(&on, "memory_working_set_bytes");
        assert_eq!(held, 4.0 * 260.0 * 1_048_576.0);
        assert!(total(&on, "gc_pause_seconds") > 50.0, "pauses every second");
    }

    #[test]
    fn symptom_appears() {
        // 460 of 512 MB: ~90% full, far above the 70% threshold, so each instance pauses
        // ~140 ms every second; requests caught by a pause wait for it.
        let base = summary(config("web", 362, &[], &[]), 20, 90);
        let hit = summary(config("web", 362, &["memory-pressure"], &[]), 20, 90);
        assert!(
            hit.latency_p99_s > base.latency_p99_s + 0.05,
            "p99 {} → {}",
            base.latency_p99_s,
            hit.latency_p99_s
        );
        assert!(
            hit.latency_p50_s < base.latency_p50_s + 0.01,
            "median {} → {}",
            base.latency_p50_s,
            hit.latency_p50_s
        );
        assert_eq!(hit.errors_total, 0, "slow, not broken");
    }

    #[test]
    fn diagnosis_signal_identifies_it() {
        // A plateau above the GC threshold, regular pauses, and no crash: pressure, not a
        // leak. With twice the memory the same cache sits below the threshold: no pauses.
        let lab = run(&config("web", 363, &["memory-pressure"], &[]), 90);
        let mem = series_values(&lab, "process_memory_bytes", "api-0");
        let plateau = &mem[20..];
        assert!(plateau.iter().all(|&m| m == plateau[0]), "flat memory");
        assert!(plateau[0] > 0.85 * 512.0 * 1_048_576.0, "{}", plateau[0]);
        assert_eq!(total(&lab, "instance_restarts_total"), 0.0);
        let pauses = lab.metrics().family_total("gc_pause_seconds");
        assert!(
            (300.0..400.0).contains(&pauses),
            "{pauses} pauses in 90 s × 4"
        );
        let roomy = run(
            &config(
                "web",
                363,
                &["memory-pressure"],
                &[("memory_limit_mb", "1024")],
            ),
            90,
        );
        assert_eq!(total(&roomy, "gc_pause_seconds"), 0.0);
    }
}
