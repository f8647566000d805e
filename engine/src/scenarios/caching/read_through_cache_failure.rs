//! # Read-through cache failure
//!
//! The shared cache is up but its lookups fail (`failure_rate` of them, all by default):
//! a cache node lost its shard, the client library's connection pool is broken, a
//! serialisation change makes every entry unreadable. The service treats a failed
//! lookup as a miss and reads through to the database, so nothing errors: product reads
//! that used to be answered from memory now all become queries. Database load multiplies
//! by the inverse of the old miss rate, reads get a query's latency instead of a
//! lookup's, and the database carries traffic it was never sized for.
//!
//! ```text
//!   GET /product ──▶ [ cache ✗ lookup error ] ──fall through──▶ database
//!                        hit rate ~55% → 0%                     read load ×2
//!   errors ▁▁▁▁▁▁▁▁▁▁   latency ▁▁▁▁▁▃▃▃▃▃   db queries ▁▁▁▁▁▇▇▇▇▇
//! ```
//!
//! ## What to look at
//! - `cache_lookup_errors_total`: lookups that failed and fell through.
//! - `cache_hit_rate` drops to (almost) zero while `cache_backend_queries_total` and
//!   `db_query_duration_seconds{query_type="read"}` counts jump.
//! - The error rate stays flat: a read-through cache hides its own failure, so the
//!   signal is latency and database load, not errors.
//!
//! ## How to fix it
//! Restore the cache (fail over to a replica node, roll back the client change). Until
//! then, protect the database: `coalescing` lets one query per key fill for every
//! request waiting on it, and `pool-sizing` keeps the read burst from queueing behind
//! too few connections. Alert on cache errors, not only on hit rate.
//! Mitigations: `coalescing`, `pool-sizing`.

use crate::metrics::{CounterId, MetricSpec, Registry};
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{no_check, Component, Effect, Hop, Scenario, ScenarioMeta, StrikeCx};

const LOOKUP_ERRORS: MetricSpec = MetricSpec::counter(
    "cache_lookup_errors_total",
    "Cache lookups that failed and fell through to the database.",
    &[],
);

pub static META: ScenarioMeta = ScenarioMeta {
    id: "read-through-cache-failure",
    title: "Read-through cache failure",
    category: "caching",
    kind: crate::scenario::FaultKind::Failing,
    summary: "Cache lookups fail and every product read falls through to the database: no errors, but database load and latency jump.",
    source: crate::doc_of!("scenarios/caching/read_through_cache_failure.rs"),
    own_params: &[ParamSpec::float(
        "failure_rate",
        "",
        1.0,
        0.0,
        1.0,
        "Share of cache lookups that fail.",
    )],
    metrics: &[LOOKUP_ERRORS],
    strikes: &[Component::Cache],
    mitigations: &["coalescing", "pool-sizing"],
    build: || Box::new(ReadThroughCacheFailure::default()),
    check: no_check,
};

#[derive(Default)]
struct ReadThroughCacheFailure {
    rate: f64,
    errors: Option<CounterId>,
}

impl Scenario for ReadThroughCacheFailure {
    fn configure(&mut self, params: &ParamSet, metrics: &mut Registry) {
        self.rate = params.f64("failure_rate");
        self.errors = Some(metrics.counter(&LOOKUP_ERRORS, &[]));
    }

    fn strike(&mut self, cx: &mut StrikeCx<'_>, _hop: &Hop) -> Effect {
        if !cx.rng.chance(self.rate) {
            return Effect::NONE;
        }
        if let Some(c) = self.errors {
            cx.metrics.inc(c);
        }
        Effect::fail(503)
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;

    fn db_reads(lab: &crate::sim::Lab) -> f64 {
        total(lab, "cache_backend_queries_total")
    }

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("web", 511, &[], &[]), 30);
        assert!(!registered(&off, "cache_lookup_errors_total"));
        let on = run(
            &config("web", 511, &["read-through-cache-failure"], &[]),
            30,
        );
        let errors = total(&on, "cache_lookup_errors_total");
        // ~200 req/s × 80% reads × 30 s, all failing.
        assert!((4_000.0..5_600.0).contains(&errors), "{errors}");
        assert_eq!(total(&on, "cache_hits_total"), 0.0);
    }

    #[test]
    fn symptom_appears() {
        let base = run(&config("web", 512, &[], &[]), 60);
        let broken = run(
            &config("web", 512, &["read-through-cache-failure"], &[]),
            60,
        );
        let (before, after) = (db_reads(&base), db_reads(&broken));
        assert!(after > before * 2.0, "database reads {before} → {after}");
        let p50 = |lab: &crate::sim::Lab| mean_between(lab, "latency_p50_s", 10, 60);
        assert!(
            p50(&broken) > p50(&base) + 0.003,
            "p50 {} → {}",
            p50(&base),
            p50(&broken)
        );
    }

    #[test]
    fn diagnosis_signal_identifies_it() {
        // Errors stay flat while the cache reports lookup errors and hits vanish.
        let mut lab = run(
            &config("web", 513, &["read-through-cache-failure"], &[]),
            60,
        );
        let s = lab.summary();
        assert_eq!(s.errors_total, 0, "a read-through cache hides its failure");
        assert!(total(&lab, "cache_lookup_errors_total") > 8_000.0);
        assert_eq!(total(&lab, "cache_hits_total"), 0.0, "no lookup hits");
        assert!(total(&lab, "cache_miss_total") > 8_000.0);
    }
}
