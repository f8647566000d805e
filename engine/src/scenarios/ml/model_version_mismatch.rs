//! # Model version mismatch
//!
//! A rollout stopped half-way: `workers` of the `inference` system's GPU workers serve
//! model version `version` while the rest, and the feature pipeline, are on the
//! deployed one. The new version expects features the pipeline does not build yet (a
//! renamed column, another encoding), so it gets inputs it was not trained on and
//! answers badly — quickly and with a 200. The router spreads requests over all
//! workers, so a quarter of the predictions (one worker of four) lose
//! `version_mismatch_loss` (0.3, an assumption) of accuracy and the mean quality drops
//! by about 0.075. Latency and errors do not move.
//!
//! ```text
//!   router ─▶ gpu-0  v2  ✗ features built for v1 ─▶ 200, wrong more often
//!          ─▶ gpu-1…3 v1 ✓                        ─▶ 200
//!   model_version{worker}: 2 1 1 1
//! ```
//!
//! ## What to look at
//! - `model_version{worker}`: the versions are not all the same.
//! - `prediction_quality`: lower since the rollout, with flat golden signals.
//!
//! ## How to fix it
//! Version the contract between features and model and check it at load; send requests
//! only to workers serving the version the features are built for (`version_routing =
//! on`, like naming the version in a Triton or KServe request), then finish or roll
//! back the rollout.

use crate::metrics::Registry;
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{
    no_check, Component, Effect, Hop, ModelEffect, Scenario, ScenarioMeta, StrikeCx,
};
use crate::systems::inference::{MODEL_VERSION, QUALITY, VERSION_HOP};

pub static META: ScenarioMeta = ScenarioMeta {
    id: "model-version-mismatch",
    title: "Model version mismatch",
    category: "ml",
    kind: crate::scenario::FaultKind::Misconfigured,
    summary: "A half-finished rollout leaves one worker on a model version the features were not built for: quality falls, golden signals stay flat.",
    source: crate::doc_of!("scenarios/ml/model_version_mismatch.rs"),
    own_params: &[
        ParamSpec::int("workers", "workers", 1, 1, 64, "Workers on the other version (the lowest-numbered)."),
        ParamSpec::int("version", "version", 2, 1, 1000, "The version they serve."),
    ],
    metrics: &[MODEL_VERSION, QUALITY],
    strikes: &[Component::Model],
    mitigations: &[],
    build: || Box::new(Mismatch::default()),
    check: no_check,
};

#[derive(Default)]
struct Mismatch {
    workers: u32,
    version: u32,
}

impl Scenario for Mismatch {
    fn configure(&mut self, params: &ParamSet, _metrics: &mut Registry) {
        self.workers = params.i64("workers").clamp(1, 64) as u32;
        self.version = params.i64("version").clamp(1, 1000) as u32;
    }

    fn strike(&mut self, _cx: &mut StrikeCx<'_>, hop: &Hop) -> Effect {
        if hop.endpoint != VERSION_HOP || hop.instance >= self.workers {
            return Effect::NONE;
        }
        Effect::on_model(ModelEffect {
            version: Some(self.version),
            ..ModelEffect::NONE
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;

    const ID: &str = "model-version-mismatch";

    fn mean_quality(lab: &crate::sim::Lab) -> f64 {
        let v = values_of(lab, "prediction_quality");
        let tail = &v[v.len() / 2..];
        tail.iter().sum::<f64>() / tail.len() as f64
    }

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("inference", 1701, &[], &[]), 30);
        let on = run(&config("inference", 1701, &[ID], &[]), 30);
        let v0 = |lab| series_values(lab, "model_version", "gpu-0");
        assert!(v0(&off).iter().all(|&v| v == 1.0));
        assert_eq!(v0(&on).last().copied(), Some(2.0));
        assert_eq!(
            series_values(&on, "model_version", "gpu-1").last().copied(),
            Some(1.0)
        );
    }

    #[test]
    fn symptom_appears() {
        let off = run(&config("inference", 1702, &[], &[]), 30);
        let on = run(&config("inference", 1702, &[ID], &[]), 30);
        let (a, b) = (mean_quality(&off), mean_quality(&on));
        assert!((0.05..0.1).contains(&(a - b)), "{a} → {b}");
        assert_eq!(failed_responses(&on, "POST /predict"), 0.0);
        let p99 = |lab| quantile_all(lab, "http_request_duration_seconds", 0.99);
        assert!(p99(&on) < 1.2 * p99(&off), "{} vs {}", p99(&off), p99(&on));
    }

    #[test]
    // version routing restores quality
    fn mitigation_reduces_symptom() {
        let off = run(&config("inference", 1703, &[], &[]), 30);
        let on = run(&config("inference", 1703, &[ID], &[]), 30);
        let routed = run(
            &config("inference", 1703, &[ID], &[("version_routing", "true")]),
            30,
        );
        let (o, m, r) = (mean_quality(&off), mean_quality(&on), mean_quality(&routed));
        assert!(
            r > m + 0.04 && (r - o).abs() < 0.01,
            "off {o}, on {m}, routed {r}"
        );
    }
}
