//! # Cache warming failure
//!
//! After a deploy or a cache-cluster restart, the job that should load the popular
//! products into the cache before traffic arrives fails (a wrong key prefix, a timeout
//! against the database, a cache node not yet joined). For the first `failure_s`
//! seconds the cache cannot serve the service — every lookup errors and falls through —
//! so the whole read traffic lands on a database that is normally shielded from most
//! of it. Then the cache comes back and the hit rate recovers; the incident is the
//! cold-start window, and it repeats at every deploy until the warm-up is fixed.
//!
//! ```text
//!   deploy ─▶ warm-up ✗ ─▶ cache unusable for failure_s ─▶ cache serves again
//!   db reads ▇▇▇▇▇▇▇▇▇▇▇▇▇▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁
//!   hit rate ▁▁▁▁▁▁▁▁▁▁▁▁▁▆▆▆▆▆▆▆▆▆▆▆▆▆▆▆
//!            └─ failure_s ─┘
//! ```
//!
//! ## What to look at
//! - `cache_warmup_failed_lookups_total`: lookups that failed during the window, and
//!   `cache_warmup_failing`: 1 while it lasts.
//! - `cache_backend_queries_total` and `db_query_duration_seconds{query_type="read"}`
//!   high during the window and back to normal after it; `cache_hit_rate` the mirror
//!   image.
//! - Errors stay at zero: the failure shows as load and latency right after a deploy.
//!
//! ## How to fix it
//! Make the warm-up part of readiness: an instance (or cache node) takes traffic only
//! when its warm-up succeeded, and a failed warm-up fails the deploy instead of sending
//! cold traffic to the database. Size the database for a cold cache, or ramp traffic up
//! slowly after a deploy. `cache-warming` in the lab is the working warm-up this
//! scenario breaks.

use crate::metrics::{CounterId, GaugeId, MetricSpec, Registry};
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{no_check, Component, Effect, Hop, Scenario, ScenarioMeta, StrikeCx};
use crate::time::{secs_to_ns, Nanos};

const FAILED: MetricSpec = MetricSpec::counter(
    "cache_warmup_failed_lookups_total",
    "Cache lookups that failed because the warm-up after start did not complete.",
    &[],
);
const FAILING: MetricSpec = MetricSpec::gauge(
    "cache_warmup_failing",
    "1 while the cache is unusable after a failed warm-up, else 0.",
    &[],
);

pub static META: ScenarioMeta = ScenarioMeta {
    id: "cache-warming-failure",
    title: "Cache warming failure",
    category: "caching",
    kind: crate::scenario::FaultKind::Failing,
    summary: "The cache warm-up after start fails: for the first seconds every read goes to the database.",
    source: crate::doc_of!("scenarios/caching/cache_warming_failure.rs"),
    own_params: &[ParamSpec::float(
        "failure_s",
        "s",
        30.0,
        0.0,
        86_400.0,
        "Seconds after start during which the cache cannot serve.",
    )],
    metrics: &[FAILED, FAILING],
    strikes: &[Component::Cache],
    mitigations: &[],
    build: || Box::new(CacheWarmingFailure::default()),
    check: no_check,
};

#[derive(Default)]
struct CacheWarmingFailure {
    failure_ns: Nanos,
    failing: bool,
    failed: Option<CounterId>,
    gauge: Option<GaugeId>,
}

impl Scenario for CacheWarmingFailure {
    fn configure(&mut self, params: &ParamSet, metrics: &mut Registry) {
        self.failure_ns = secs_to_ns(params.f64("failure_s"));
        self.failed = Some(metrics.counter(&FAILED, &[]));
        self.gauge = Some(metrics.gauge(&FAILING, &[]));
    }

    fn strike(&mut self, cx: &mut StrikeCx<'_>, _hop: &Hop) -> Effect {
        self.failing = cx.now < cx.active_since.saturating_add(self.failure_ns);
        if !self.failing {
            return Effect::NONE;
        }
        if let Some(c) = self.failed {
            cx.metrics.inc(c);
        }
        Effect::fail(503)
    }

    fn on_sample(&mut self, metrics: &mut Registry, active: bool) {
        if let Some(g) = self.gauge {
            metrics.set(g, f64::from(u8::from(active && self.failing)));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;

    fn db_reads(seed: u64, switches: &[&str], secs: u64) -> f64 {
        total(
            &run(&config("web", seed, switches, &[]), secs),
            "cache_backend_queries_total",
        )
    }

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("web", 561, &[], &[]), 60);
        assert!(!registered(&off, "cache_warmup_failed_lookups_total"));
        let on = run(&config("web", 561, &["cache-warming-failure"], &[]), 60);
        let failed = total(&on, "cache_warmup_failed_lookups_total");
        // ~160 reads/s for the first 30 s, none after.
        assert!((4_000.0..5_600.0).contains(&failed), "{failed}");
        assert!(registered(&on, "cache_warmup_failing"));
    }

    #[test]
    fn symptom_appears() {
        // Database reads during the window far above a healthy start's.
        let healthy = db_reads(562, &[], 30);
        let broken = db_reads(562, &["cache-warming-failure"], 30);
        assert!(
            broken > healthy * 1.5,
            "database reads in the first 30 s: {healthy} → {broken}"
        );
    }

    #[test]
    fn diagnosis_signal_identifies_it() {
        // The extra load sits in the window after start and ends with it; no errors.
        let sw = &["cache-warming-failure"];
        let window = db_reads(563, sw, 30) / 30.0;
        let after = (db_reads(563, sw, 90) - db_reads(563, sw, 60)) / 30.0;
        assert!(after < window * 0.6, "db reads/s {window} → {after}");
        let mut lab = run(&config("web", 563, sw, &[]), 90);
        assert_eq!(lab.summary().errors_total, 0);
    }
}
