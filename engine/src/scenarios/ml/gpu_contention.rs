//! # GPU contention
//!
//! Another team's job is put on the same GPUs as the `inference` system's model. With
//! `partitioning = time_slicing` (the NVIDIA device plugin's time-slicing: several
//! pods take turns on one GPU; unlike MIG, the replicas are not isolated from each
//! other's memory or faults) the job runs in bursts of `burst_s` every `period_s`;
//! during a burst each of the model's batches gets half the GPU's time plus the cost
//! of switching contexts, `switch_overhead` (10%, an assumption): a batch takes 2.2
//! times as long. At 40 requests/s per worker the batches grow and queues build
//! through every burst: p99 about 1 s instead of 0.1 s in a 45 s run.
//!
//! With `partitioning = mig` each GPU is split into isolated instances (Multi-Instance
//! GPU: an A100 into up to seven, each with its own memory and compute); the model
//! keeps `mig_slices` of seven, whatever the other job does: its batches always take
//! 7 / `mig_slices` as long (1.75 with four), never more: p99 about 0.45 s. (A MIG
//! instance also gets only its share of the GPU's memory, 20 GB for a 4g instance of a
//! 40 GB A100; the lab models the compute share only.)
//!
//! ```text
//!   time-slicing: ░░model░░|▓job▓|░░model░░|▓job▓|…  during a burst: × 2.2, queues grow
//!   MIG (4g + 3g): model on 4/7 of the SMs, job on 3/7: × 1.75, always, isolated
//! ```
//!
//! ## What to look at
//! - `inference_queue_seconds` and `http_request_duration_seconds` p99, in waves with
//!   the bursts.
//! - `inference_batch_size`: larger during bursts; `service_utilization_ratio`.
//!
//! ## How to fix it
//! Isolate: `partitioning = mig` (or a dedicated GPU). MIG trades peak speed for
//! predictability: the model never gets the whole GPU, but never less than its slice.
//! Time-slicing suits development and batch jobs, not latency-bound serving.

use crate::metrics::Registry;
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{no_check, Component, Effect, Hop, Scenario, ScenarioMeta, StrikeCx};
use crate::systems::inference::{BATCH_HOP, BATCH_SIZE, QUEUE_SECONDS};
use crate::time::{secs_to_ns, Nanos};

pub static META: ScenarioMeta = ScenarioMeta {
    id: "gpu-contention",
    title: "GPU contention",
    category: "ml",
    kind: crate::scenario::FaultKind::Contended,
    summary: "Another job time-slices the model's GPUs: during its bursts every batch takes over twice as long and queues build.",
    source: crate::doc_of!("scenarios/ml/gpu_contention.rs"),
    own_params: &[
        ParamSpec::choice("partitioning", "time_slicing", &["time_slicing", "mig"], "How the GPUs are shared: turns in time, or isolated MIG instances."),
        ParamSpec::float("burst_s", "s", 5.0, 0.1, 86_400.0, "How long each burst of the other job lasts."),
        ParamSpec::float("period_s", "s", 15.0, 0.1, 86_400.0, "Time from one burst's start to the next."),
        ParamSpec::float("switch_overhead", "ratio", 0.1, 0.0, 10.0, "(Time-slicing) extra time lost to context switches during a burst."),
        ParamSpec::int("mig_slices", "of 7", 4, 1, 7, "(MIG) the model's share of the GPU's seven compute slices."),
    ],
    metrics: &[QUEUE_SECONDS, BATCH_SIZE],
    strikes: &[Component::Model],
    mitigations: &[],
    build: || Box::new(Contention::default()),
    check: no_check,
};

#[derive(Default)]
struct Contention {
    mig: bool,
    burst_ns: Nanos,
    period_ns: Nanos,
    shared_factor: f64,
    mig_factor: f64,
}

impl Scenario for Contention {
    fn configure(&mut self, params: &ParamSet, _metrics: &mut Registry) {
        self.mig = params.choice("partitioning") == "mig";
        self.burst_ns = secs_to_ns(params.f64("burst_s"));
        self.period_ns = secs_to_ns(params.f64("period_s")).max(1);
        self.shared_factor = 2.0 * (1.0 + params.f64("switch_overhead"));
        self.mig_factor = 7.0 / params.i64("mig_slices").clamp(1, 7) as f64;
    }

    fn strike(&mut self, cx: &mut StrikeCx<'_>, hop: &Hop) -> Effect {
        if hop.endpoint != BATCH_HOP {
            return Effect::NONE;
        }
        let factor = if self.mig {
            self.mig_factor
        } else if cx.now.saturating_sub(cx.active_since) % self.period_ns < self.burst_ns {
            self.shared_factor
        } else {
            1.0
        };
        Effect {
            work_factor: factor,
            ..Effect::NONE
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;

    const ID: &str = "gpu-contention";

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("inference", 1501, &[], &[]), 45);
        let on = run(&config("inference", 1501, &[ID], &[]), 45);
        let wait = |lab| quantile_all(lab, "inference_queue_seconds", 0.99);
        assert!(
            wait(&on) > 3.0 * wait(&off),
            "{} → {}",
            wait(&off),
            wait(&on)
        );
        let batch = |lab| quantile_all(lab, "inference_batch_size", 0.9);
        assert!(batch(&on) > batch(&off), "{} → {}", batch(&off), batch(&on));
    }

    #[test]
    fn symptom_appears() {
        let off = run(&config("inference", 1502, &[], &[]), 45);
        let on = run(&config("inference", 1502, &[ID], &[]), 45);
        let p99 = |lab| quantile_all(lab, "http_request_duration_seconds", 0.99);
        assert!(p99(&on) > 3.0 * p99(&off), "{} → {}", p99(&off), p99(&on));
    }

    #[test]
    // mig isolation bounds the tail
    fn mitigation_reduces_symptom() {
        let shared = run(&config("inference", 1503, &[ID], &[]), 45);
        let mig = run(
            &config(
                "inference",
                1503,
                &[ID],
                &[("gpu-contention.partitioning", "mig")],
            ),
            45,
        );
        let p99 = |lab| quantile_all(lab, "http_request_duration_seconds", 0.99);
        assert!(
            p99(&mig) < 0.6 * p99(&shared),
            "{} → {}",
            p99(&shared),
            p99(&mig)
        );
    }
}
