//! # Feature drift
//!
//! The world moves away from the data the model was trained on (a new product line, a
//! change in how users behave, an upstream service that changed a unit): the live
//! inputs drift at `drift_per_min` (a drift score, like a population stability index,
//! per minute). The model keeps answering fast and with 200s; only its accuracy falls,
//! by up to 0.4 as the score grows (`0.4 × (1 − e^−score)` in the `inference` system:
//! an assumption). No golden signal moves.
//!
//! ```text
//!   training data ≠ live inputs ──▶ model (fast, 200 OK) ──▶ worse predictions
//!   model_drift_score: 0 → 0.5 → 1.0…   prediction_quality: 0.91 → 0.76 → 0.66…
//! ```
//!
//! ## What to look at
//! - `model_drift_score`: the inputs' distance from the training data.
//! - `prediction_quality`: falling; `http_request_duration_seconds` and errors flat.
//!
//! ## How to fix it
//! Monitor the inputs' distributions and the model's quality against delayed labels,
//! and retrain on recent data: `retrain_every_s` retrains and redeploys on a schedule,
//! which resets the drift each time (here at once; a real retrain takes hours). Retrain
//! as often as the drift demands, and alert on the drift score, not only on errors.

use crate::metrics::Registry;
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{
    no_check, Component, Effect, Hop, ModelEffect, Scenario, ScenarioMeta, StrikeCx,
};
use crate::systems::inference::{DRIFT, DRIFT_HOP, QUALITY};

pub static META: ScenarioMeta = ScenarioMeta {
    id: "feature-drift",
    title: "Feature drift",
    category: "ml",
    kind: crate::scenario::FaultKind::Inconsistent,
    summary: "The live inputs drift away from the training data: prediction quality falls while latency and errors look fine.",
    source: crate::doc_of!("scenarios/ml/feature_drift.rs"),
    own_params: &[ParamSpec::float(
        "drift_per_min",
        "score/min",
        0.5,
        0.0,
        100.0,
        "How fast the inputs drift (drift score per minute).",
    )],
    metrics: &[DRIFT, QUALITY],
    strikes: &[Component::Model],
    mitigations: &[],
    build: || Box::new(Drift::default()),
    check: no_check,
};

#[derive(Default)]
struct Drift {
    per_s: f64,
}

impl Scenario for Drift {
    fn configure(&mut self, params: &ParamSet, _metrics: &mut Registry) {
        self.per_s = params.f64("drift_per_min") / 60.0;
    }

    fn strike(&mut self, _cx: &mut StrikeCx<'_>, hop: &Hop) -> Effect {
        if hop.endpoint != DRIFT_HOP {
            return Effect::NONE;
        }
        Effect::on_model(ModelEffect {
            drift_per_s: self.per_s,
            ..ModelEffect::NONE
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;

    const ID: &str = "feature-drift";

    fn mean_tail(lab: &crate::sim::Lab, name: &str) -> f64 {
        let v = values_of(lab, name);
        let tail = &v[v.len() / 2..];
        tail.iter().sum::<f64>() / tail.len() as f64
    }

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("inference", 1801, &[], &[]), 90);
        let on = run(&config("inference", 1801, &[ID], &[]), 90);
        assert!(values_of(&off, "model_drift_score")
            .iter()
            .all(|&d| d == 0.0));
        let last = values_of(&on, "model_drift_score")
            .last()
            .copied()
            .unwrap_or(0.0);
        assert!((0.7..0.8).contains(&last), "{last}");
    }

    #[test]
    fn symptom_appears() {
        let off = run(&config("inference", 1802, &[], &[]), 90);
        let on = run(&config("inference", 1802, &[ID], &[]), 90);
        let q = |lab| mean_tail(lab, "prediction_quality");
        assert!(q(&on) < q(&off) - 0.1, "{} → {}", q(&off), q(&on));
        assert_eq!(failed_responses(&on, "POST /predict"), 0.0);
        let p99 = |lab| quantile_all(lab, "http_request_duration_seconds", 0.99);
        assert!(
            (p99(&on) - p99(&off)).abs() < 0.02,
            "{} vs {}",
            p99(&off),
            p99(&on)
        );
    }

    #[test]
    // retraining resets the drift
    fn mitigation_reduces_symptom() {
        let on = run(&config("inference", 1803, &[ID], &[]), 90);
        let re = run(
            &config("inference", 1803, &[ID], &[("retrain_every_s", "15")]),
            90,
        );
        let q = |lab| mean_tail(lab, "prediction_quality");
        assert!(q(&re) > q(&on) + 0.08, "{} → {}", q(&on), q(&re));
        let d = |lab| {
            values_of(lab, "model_drift_score")
                .into_iter()
                .fold(0.0, f64::max)
        };
        assert!(d(&re) <= 0.13, "max drift {}", d(&re));
    }
}
