//! # Feature store lag
//!
//! The pipeline that refreshes the online feature store stalls (a failed
//! materialization job, a stuck stream consumer): the store keeps serving the last
//! values it got, and they age by a second every second. Requests still get their
//! features in 2 ms, the model answers as fast as ever, nothing fails: the golden
//! signals are flat. But the predictions are made on stale inputs, and their quality
//! falls as the data ages (the `inference` system's model loses up to 0.4 of accuracy,
//! with a time constant of 300 s: an assumption).
//!
//! ```text
//!   pipeline ──✗── online store (data as of t₀) ──▶ 2 ms read ──▶ model ──▶ 200 OK
//!   feature_staleness_seconds: 10 s → 60 s → 120 s…   prediction_quality: 0.91 → 0.85 → 0.79
//! ```
//!
//! ## What to look at
//! - `feature_staleness_seconds`: the age of the store's data, climbing.
//! - `prediction_quality`: falling while latency and errors look fine.
//!
//! ## How to fix it
//! Alert on freshness, not only on the pipeline's errors. Bound the age of what the
//! model sees (Feast's feature views carry a `ttl` for this): `feature_ttl_s` makes a read of
//! data older than it compute the features on demand from the source (`on_demand_ms`,
//! 50 ms), so quality holds at a cost in latency. Then restart the pipeline.
//!
//! Default numbers: a 10 s refresh and 2 ms reads are assumptions for a streaming
//! pipeline and an in-memory online store; so is the quality model.

use crate::metrics::Registry;
use crate::params::ParamSet;
use crate::scenario::{no_check, Component, Effect, Hop, Scenario, ScenarioMeta, StrikeCx};
use crate::systems::inference::{FALLBACKS, INGEST_HOP, QUALITY, STALENESS};

pub static META: ScenarioMeta = ScenarioMeta {
    id: "feature-store-lag",
    title: "Feature store lag",
    category: "ml",
    kind: crate::scenario::FaultKind::Inconsistent,
    summary: "The feature pipeline stalls: the online store serves older and older features and prediction quality falls while latency and errors look fine.",
    source: crate::doc_of!("scenarios/ml/feature_store_lag.rs"),
    own_params: &[],
    metrics: &[STALENESS, QUALITY, FALLBACKS],
    strikes: &[Component::Database],
    mitigations: &[],
    build: || Box::new(Stall),
    check: no_check,
};

struct Stall;

impl Scenario for Stall {
    fn configure(&mut self, _params: &ParamSet, _metrics: &mut Registry) {}

    fn strike(&mut self, _cx: &mut StrikeCx<'_>, hop: &Hop) -> Effect {
        if hop.endpoint != INGEST_HOP {
            return Effect::NONE;
        }
        Effect::fail(503)
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;

    const ID: &str = "feature-store-lag";

    fn last(lab: &crate::sim::Lab, name: &str) -> f64 {
        values_of(lab, name).last().copied().unwrap_or(f64::NAN)
    }

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("inference", 1601, &[], &[]), 90);
        let on = run(&config("inference", 1601, &[ID], &[]), 90);
        let max = |lab| {
            values_of(lab, "feature_staleness_seconds")
                .into_iter()
                .fold(0.0, f64::max)
        };
        assert!(max(&off) <= 10.5, "off {}", max(&off));
        assert!(last(&on, "feature_staleness_seconds") > 85.0);
        assert_eq!(total(&on, "feature_fallbacks_total"), 0.0);
    }

    #[test]
    fn symptom_appears() {
        let off = run(&config("inference", 1602, &[], &[]), 90);
        let on = run(&config("inference", 1602, &[ID], &[]), 90);
        let q = |lab| last(lab, "prediction_quality");
        assert!(q(&on) < q(&off) - 0.05, "{} → {}", q(&off), q(&on));
        // The golden signals see nothing.
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
    // a feature ttl keeps quality at a latency cost
    fn mitigation_reduces_symptom() {
        let on = run(&config("inference", 1603, &[ID], &[]), 90);
        let ttl = run(
            &config("inference", 1603, &[ID], &[("feature_ttl_s", "30")]),
            90,
        );
        let q = |lab| last(lab, "prediction_quality");
        assert!(q(&ttl) > q(&on) + 0.05, "{} → {}", q(&on), q(&ttl));
        assert!(total(&ttl, "feature_fallbacks_total") > 1000.0);
        let p50 = |lab| quantile_all(lab, "http_request_duration_seconds", 0.5);
        assert!(p50(&ttl) > p50(&on), "{} → {}", p50(&on), p50(&ttl));
    }
}
