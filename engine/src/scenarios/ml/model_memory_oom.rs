//! # Model memory OOM
//!
//! A release raised the longest output a request may ask for, and the server reserves
//! each request's KV cache for that longest output when the batch starts, as serving
//! systems before vLLM did (the vLLM paper, SOSP '23, describes this reservation and
//! the memory it wastes). Each request now reserves `memory_factor` times its usual GPU
//! memory, 2 GB × 6 = 12 GB with the defaults, though the outputs it actually produces,
//! and so the work, are unchanged. A GPU of the `inference` system holds 14 GB of
//! weights in 40 GB, so a static batch of three or more requests (14 + 3 × 12 = 50 GB)
//! no longer fits: the forward pass fails with a CUDA out-of-memory error and every
//! request in the batch gets a 500. At the system's default load most batches hold one
//! or two requests, so it is the bursts that fail: about 9% of the requests in a 30 s
//! run.
//!
//! ```text
//!   batch of n ─▶ weights 14 GB + n × 12 GB ≤ 40 GB ? ── yes ─▶ runs
//!                                                  └─ no (n ≥ 3) ─▶ CUDA OOM ─▶ n × 500
//! ```
//!
//! ## What to look at
//! - `gpu_oom_total` and `http_requests_total{status="500"}`.
//! - `gpu_memory_bytes{worker}` against 40 GB; `inference_batch_size`.
//!
//! ## How to fix it
//! Admit by memory, not by count: continuous batching with a memory-aware scheduler
//! (`batching = continuous`: a request starts only when its memory fits, so it waits
//! for a slot instead of failing the batch), or cap the batch so the worst case fits
//! (`max_batch_size` = 2), at a cost in throughput. Reserve less: allocate the KV cache
//! as it grows (vLLM's PagedAttention). A GPU with more memory (an 80 GB A100) moves
//! the limit.
//!
//! Figures: an NVIDIA A100 has 40 or 80 GB of HBM; 7 billion parameters in fp16 are
//! about 14 GB; 2 GB per request is an assumption.

use crate::metrics::Registry;
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{
    no_check, Component, Effect, Hop, ModelEffect, Scenario, ScenarioMeta, StrikeCx,
};
use crate::systems::inference::{BATCH_SIZE, GPU_MEMORY, GPU_OOM, PREDICT_HOP};

pub static META: ScenarioMeta = ScenarioMeta {
    id: "model-memory-oom",
    title: "Model memory OOM",
    category: "ml",
    kind: crate::scenario::FaultKind::Saturated,
    summary: "Each request reserves more GPU memory: full batches no longer fit beside the weights and fail with CUDA out of memory.",
    source: crate::doc_of!("scenarios/ml/model_memory_oom.rs"),
    own_params: &[ParamSpec::float(
        "memory_factor",
        "×",
        6.0,
        1.0,
        1000.0,
        "GPU memory each request reserves, as a multiple of the usual.",
    )],
    metrics: &[GPU_OOM, GPU_MEMORY, BATCH_SIZE],
    strikes: &[Component::Model],
    mitigations: &[],
    build: || Box::new(LongInputs::default()),
    check: no_check,
};

#[derive(Default)]
struct LongInputs {
    factor: f64,
}

impl Scenario for LongInputs {
    fn configure(&mut self, params: &ParamSet, _metrics: &mut Registry) {
        self.factor = params.f64("memory_factor");
    }

    fn strike(&mut self, _cx: &mut StrikeCx<'_>, hop: &Hop) -> Effect {
        if hop.endpoint != PREDICT_HOP {
            return Effect::NONE;
        }
        Effect::on_model(ModelEffect {
            item_memory_factor: self.factor,
            ..ModelEffect::NONE
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;

    const ID: &str = "model-memory-oom";

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("inference", 1401, &[], &[]), 30);
        let on = run(&config("inference", 1401, &[ID], &[]), 30);
        assert_eq!(total(&off, "gpu_oom_total"), 0.0);
        assert!(
            total(&on, "gpu_oom_total") > 10.0,
            "{}",
            total(&on, "gpu_oom_total")
        );
        let peak = |lab| {
            ["gpu-0", "gpu-1", "gpu-2", "gpu-3"]
                .iter()
                .flat_map(|w| series_values(lab, "gpu_memory_bytes", w))
                .fold(0.0, f64::max)
        };
        assert!(peak(&on) > peak(&off), "{} → {}", peak(&off), peak(&on));
    }

    #[test]
    fn symptom_appears() {
        let off = run(&config("inference", 1402, &[], &[]), 30);
        let on = run(&config("inference", 1402, &[ID], &[]), 30);
        assert_eq!(responses(&off, "POST /predict", "500"), 0.0);
        let failed = responses(&on, "POST /predict", "500");
        let all = total(&on, "http_requests_total");
        assert!(failed > 0.04 * all, "{failed} of {all}");
    }

    #[test]
    // admitting by memory stops the errors
    fn mitigation_reduces_symptom() {
        let on = run(&config("inference", 1403, &[ID], &[]), 30);
        let cont = run(
            &config("inference", 1403, &[ID], &[("batching", "continuous")]),
            30,
        );
        assert_eq!(total(&cont, "gpu_oom_total"), 0.0);
        let e = |lab| responses(lab, "POST /predict", "500");
        assert!(
            e(&cont) < 0.01 * e(&on).max(1.0),
            "{} → {}",
            e(&on),
            e(&cont)
        );
    }
}
