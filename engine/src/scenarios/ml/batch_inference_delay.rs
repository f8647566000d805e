//! # Batch inference delay
//!
//! A configuration change tuned the dynamic batcher for throughput: the batch window
//! (Triton's `max_queue_delay_microseconds`) went from 5 ms to 5 + `extra_delay_ms`
//! ms. Each worker's batcher now holds the first request of a batch until the batch is
//! full or the window closes. At the `inference` system's 40 requests/s per worker, a
//! batch of 8 takes about 200 ms to fill, so nearly every request waits for the
//! window: batches are larger (a median of about 6 instead of 1) and the GPU does less
//! work per request, but the median latency goes from about 0.06 s to 0.18 s, and
//! nothing fails.
//!
//! ```text
//!   request ─▶ batcher: wait for 8 requests or the window (205 ms) ─▶ GPU 20 ms + 10 ms × n
//!              └──────────── most of the latency is here ─────────┘
//! ```
//!
//! ## What to look at
//! - `inference_queue_seconds`: time in the batcher, up to the window.
//! - `inference_batch_size`: batches larger than before.
//! - `http_request_duration_seconds`: p50 up; errors unchanged.
//!
//! ## How to fix it
//! Size the window for the latency budget, not a benchmark: Triton's recommended tuning
//! process starts from its default, no delay at all, and measures latency and
//! throughput before trying any delay (`extra_delay_ms` back to 0 here). Continuous
//! batching (`batching = continuous`, Orca and vLLM) has no window: a request starts
//! as soon as a slot is free and still shares the GPU with the others running.

use crate::metrics::Registry;
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{no_check, Component, Effect, Hop, Scenario, ScenarioMeta, StrikeCx};
use crate::systems::inference::{BATCHER_HOP, BATCH_SIZE, QUEUE_SECONDS};
use crate::time::{ms_to_ns, Nanos};

pub static META: ScenarioMeta = ScenarioMeta {
    id: "batch-inference-delay",
    title: "Batch inference delay",
    category: "ml",
    kind: crate::scenario::FaultKind::Misconfigured,
    summary: "The dynamic batcher's window is set for throughput: requests wait for batches to fill and latency rises while nothing fails.",
    source: crate::doc_of!("scenarios/ml/batch_inference_delay.rs"),
    own_params: &[ParamSpec::float(
        "extra_delay_ms",
        "ms",
        200.0,
        0.0,
        60_000.0,
        "How much longer the batcher holds each batch open.",
    )],
    metrics: &[QUEUE_SECONDS, BATCH_SIZE],
    strikes: &[Component::Model],
    mitigations: &[],
    build: || Box::new(BatchDelay::default()),
    check: no_check,
};

#[derive(Default)]
struct BatchDelay {
    extra_ns: Nanos,
}

impl Scenario for BatchDelay {
    fn configure(&mut self, params: &ParamSet, _metrics: &mut Registry) {
        self.extra_ns = ms_to_ns(params.f64("extra_delay_ms"));
    }

    fn strike(&mut self, _cx: &mut StrikeCx<'_>, hop: &Hop) -> Effect {
        if hop.endpoint != BATCHER_HOP {
            return Effect::NONE;
        }
        Effect::delay(self.extra_ns)
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;

    const ID: &str = "batch-inference-delay";

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("inference", 1201, &[], &[]), 30);
        let on = run(&config("inference", 1201, &[ID], &[]), 30);
        let wait = |lab| quantile_all(lab, "inference_queue_seconds", 0.5);
        assert!(wait(&off) < 0.03, "off {}", wait(&off));
        assert!(wait(&on) > 0.05, "on {}", wait(&on));
        let batch = |lab| quantile_all(lab, "inference_batch_size", 0.5);
        assert!(
            batch(&on) > batch(&off) + 1.0,
            "{} → {}",
            batch(&off),
            batch(&on)
        );
    }

    #[test]
    fn symptom_appears() {
        let off = run(&config("inference", 1202, &[], &[]), 30);
        let on = run(&config("inference", 1202, &[ID], &[]), 30);
        let p50 = |lab| quantile_all(lab, "http_request_duration_seconds", 0.5);
        assert!(p50(&on) > p50(&off) + 0.05, "{} → {}", p50(&off), p50(&on));
        assert_eq!(failed_responses(&on, "POST /predict"), 0.0);
    }

    #[test]
    // continuous batching has no window to wait for
    fn mitigation_reduces_symptom() {
        let on = run(&config("inference", 1203, &[ID], &[]), 30);
        let cont = run(
            &config("inference", 1203, &[ID], &[("batching", "continuous")]),
            30,
        );
        let p50 = |lab| quantile_all(lab, "http_request_duration_seconds", 0.5);
        assert!(p50(&cont) < 0.5 * p50(&on), "{} → {}", p50(&on), p50(&cont));
    }
}
