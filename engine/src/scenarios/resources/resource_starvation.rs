//! # Resource starvation
//!
//! The payment dependency slows to `slow_ms` per call. Orders wait on it while holding a
//! worker, and workers are shared: soon every worker of every instance is stuck on a
//! payment call, and product pages — which never touch payment — queue behind them.
//! One slow dependency starves the whole service of its shared resource.
//!
//! ```text
//!   workers: [POST⏳][POST⏳][POST⏳][POST⏳] … all waiting on payment
//!   queue:   GET GET GET GET GET …          waiting for a worker they would hold 5 ms
//! ```
//!
//! ## What to look at
//! - `resource_queue_depth{resource="workers"}` and `resource_wait_seconds`: requests
//!   waiting for a worker.
//! - `GET /product` latency rising although nothing on its path is slow; utilisation at
//!   100% with little CPU work.
//! - The trace waterfall: GETs spend their time in `accept queue`; POSTs in `POST /charge`.
//!
//! ## How to fix it
//! `bulkhead`: cap concurrent payment calls per instance so orders fail fast once the
//! cap is reached and the other workers stay free for everything else. Timeouts on the
//! payment call bound the damage too.

use crate::metrics::Registry;
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{no_check, Component, Effect, Hop, Scenario, ScenarioMeta, StrikeCx};
use crate::systems::web::metrics::{RESOURCE_QUEUE_DEPTH, RESOURCE_WAIT};
use crate::time::{ms_to_ns, Nanos};

pub static META: ScenarioMeta = ScenarioMeta {
    id: "resource-starvation",
    title: "Resource starvation",
    category: "resources",
    kind: crate::scenario::FaultKind::Saturated,
    summary: "A slow dependency holds every shared worker; unrelated requests starve.",
    source: crate::doc_of!("scenarios/resources/resource_starvation.rs"),
    own_params: &[ParamSpec::float(
        "slow_ms",
        "ms",
        2000.0,
        0.0,
        600_000.0,
        "Extra time each payment call takes.",
    )],
    metrics: &[RESOURCE_QUEUE_DEPTH, RESOURCE_WAIT],
    strikes: &[Component::Dependency],
    mitigations: &["bulkhead"],
    build: || Box::new(ResourceStarvation::default()),
    check: no_check,
};

#[derive(Default)]
struct ResourceStarvation {
    slow: Nanos,
}

impl Scenario for ResourceStarvation {
    fn configure(&mut self, params: &ParamSet, metrics: &mut Registry) {
        self.slow = ms_to_ns(params.f64("slow_ms"));
        // Asks the system to expose its worker queue under the roadmap's names.
        metrics.gauge(&RESOURCE_QUEUE_DEPTH, &["workers"]);
        metrics.histogram(&RESOURCE_WAIT, &["workers"]);
    }

    fn strike(&mut self, _cx: &mut StrikeCx<'_>, _hop: &Hop) -> Effect {
        Effect::delay(self.slow)
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("web", 81, &[], &[]), 30);
        assert!(!registered(&off, "resource_queue_depth"));
        let on = run(&config("web", 81, &["resource-starvation"], &[]), 30);
        assert!(total(&on, "resource_queue_depth") > 50.0);
        assert!(total(&on, "resource_wait_seconds") > 1000.0);
    }

    #[test]
    fn symptom_appears() {
        let base = run(&config("web", 82, &[], &[]), 60);
        let starved = run(&config("web", 82, &["resource-starvation"], &[]), 60);
        let (before, after) = (
            quantile_where(&base, "http_request_duration_seconds", "GET /product", 0.99),
            quantile_where(
                &starved,
                "http_request_duration_seconds",
                "GET /product",
                0.99,
            ),
        );
        assert!(
            after > 10.0 * before,
            "GET p99 {before} → {after}: pages starve though nothing on their path is slow"
        );
        assert!(starved.golden().utilization > 0.95);
    }

    #[test]
    fn mitigation_reduces_symptom() {
        let starved = run(&config("web", 83, &["resource-starvation"], &[]), 60);
        let isolated = run(
            &config("web", 83, &["resource-starvation", "bulkhead"], &[]),
            60,
        );
        let (before, after) = (
            quantile_where(
                &starved,
                "http_request_duration_seconds",
                "GET /product",
                0.99,
            ),
            quantile_where(
                &isolated,
                "http_request_duration_seconds",
                "GET /product",
                0.99,
            ),
        );
        assert!(
            after < 0.1 && after < before / 10.0,
            "GET p99 {before} → {after} with a bulkhead"
        );
        assert!(total(&isolated, "bulkhead_rejections_total") > 0.0);
    }
}
