//! # Model serving cold start
//!
//! GPU workers are replaced (a node-pool upgrade, spot capacity reclaimed, a crash
//! loop): every `every_s`, `replaced` of the `inference` system's workers fail their
//! health check and their successors start cold. Before serving, a successor loads the
//! model's weights: `weights_gb / load_gb_per_s`, 14 GB at 0.5 GB/s = 28 s with the
//! defaults. Meanwhile the router sends everything to the workers left; at 160
//! requests/s on two of four workers, each gets what one worker's largest batches
//! can barely serve, so the batchers' queues grow and latency climbs until the
//! successors are ready: in a 40 s run p99 goes from about 0.1 s to about 0.66 s.
//!
//! ```text
//!   t=0 health check fails ─▶ gpu-0, gpu-1: load 14 GB @ 0.5 GB/s ─ 28 s ─▶ serving
//!                              gpu-2, gpu-3: all the traffic ─▶ full batches, queues grow
//! ```
//!
//! ## What to look at
//! - `inference_workers{state="loading"}` and `model_load_seconds`: who is loading and
//!   for how long.
//! - `http_request_duration_seconds` p99 and `inference_queue_seconds`: the survivors'
//!   queues; `inference_batch_size` at the maximum.
//!
//! ## How to fix it
//! Load before you serve and before you stop the old one: `preload = on` starts the
//! successor beside the old worker and switches only once its weights are loaded (make
//! before break: Kubernetes' `maxUnavailable: 0` with a readiness probe that waits for
//! the model). Make the load itself short: weights cached on local NVMe (a few GB/s:
//! `load_gb_per_s`), a smaller or quantised model. Keep headroom so that losing a
//! worker or two does not saturate the rest.
//!
//! The default numbers: 7 billion parameters × 2 bytes (fp16) ≈ 14 GB; 0.5 GB/s from
//! object storage is an assumption (a single S3 stream gives on the order of 100 MB/s,
//! parallel ranged reads more).

use crate::metrics::Registry;
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{
    no_check, Component, Effect, Hop, Scenario, ScenarioMeta, StrikeCx, HEALTH_HOP,
};
use crate::systems::inference::{MODEL_LOAD, QUEUE_SECONDS, WORKERS};
use crate::time::{secs_to_ns, Nanos};

pub static META: ScenarioMeta = ScenarioMeta {
    id: "model-serving-cold-start",
    title: "Model serving cold start",
    category: "ml",
    kind: crate::scenario::FaultKind::Slow,
    summary: "GPU workers are replaced and their successors load 14 GB of weights before serving: the rest are overloaded meanwhile.",
    source: crate::doc_of!("scenarios/ml/model_serving_cold_start.rs"),
    own_params: &[
        ParamSpec::int("replaced", "workers", 2, 1, 64, "Workers replaced at once (the lowest-numbered)."),
        ParamSpec::float("every_s", "s", 300.0, 1.0, 86_400.0, "How often they are replaced again."),
    ],
    metrics: &[WORKERS, MODEL_LOAD, QUEUE_SECONDS],
    strikes: &[Component::Model],
    mitigations: &[],
    build: || Box::new(ColdStart::default()),
    check: no_check,
};

#[derive(Default)]
struct ColdStart {
    replaced: u32,
    every_ns: Nanos,
    last: Vec<Option<Nanos>>,
}

impl Scenario for ColdStart {
    fn configure(&mut self, params: &ParamSet, _metrics: &mut Registry) {
        self.replaced = params.i64("replaced").clamp(1, 64) as u32;
        self.every_ns = secs_to_ns(params.f64("every_s")).max(1);
        self.last = vec![None; self.replaced as usize];
    }

    fn strike(&mut self, cx: &mut StrikeCx<'_>, hop: &Hop) -> Effect {
        if hop.endpoint != HEALTH_HOP || hop.instance >= self.replaced {
            return Effect::NONE;
        }
        let last = &mut self.last[hop.instance as usize];
        let due = last.is_none_or(|t| cx.now.saturating_sub(t) >= self.every_ns);
        if !due {
            return Effect::NONE;
        }
        *last = Some(cx.now);
        Effect::fail(503)
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;

    const ID: &str = "model-serving-cold-start";

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("inference", 1101, &[], &[]), 40);
        let on = run(&config("inference", 1101, &[ID], &[]), 40);
        assert_eq!(total(&off, "model_load_seconds"), 0.0);
        assert_eq!(total_where(&off, "inference_workers", "loading"), 0.0);
        let load = quantile_all(&on, "model_load_seconds", 0.5);
        assert!((20.0..35.0).contains(&load), "load {load}");
        let loading = series_values(&on, "inference_workers", "loading");
        assert!(loading.contains(&2.0), "{loading:?}");
    }

    #[test]
    fn symptom_appears() {
        let off = run(&config("inference", 1102, &[], &[]), 40);
        let on = run(&config("inference", 1102, &[ID], &[]), 40);
        let p99 = |lab| quantile_all(lab, "http_request_duration_seconds", 0.99);
        assert!(p99(&on) > 3.0 * p99(&off), "{} → {}", p99(&off), p99(&on));
        let batch = |lab| quantile_all(lab, "inference_batch_size", 0.9);
        assert!(batch(&on) > batch(&off), "{} → {}", batch(&off), batch(&on));
    }

    #[test]
    // preloading the successor removes it
    fn mitigation_reduces_symptom() {
        let on = run(&config("inference", 1103, &[ID], &[]), 40);
        let pre = run(
            &config("inference", 1103, &[ID], &[("preload", "true")]),
            40,
        );
        let p99 = |lab| quantile_all(lab, "http_request_duration_seconds", 0.99);
        assert!(p99(&pre) < 0.3 * p99(&on), "{} → {}", p99(&on), p99(&pre));
        assert!(total(&pre, "model_load_seconds") > 0.0);
        assert_eq!(total_where(&pre, "inference_workers", "loading"), 0.0);
    }
}
