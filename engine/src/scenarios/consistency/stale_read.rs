//! # Stale read
//!
//! The read replica falls behind the primary by an extra `lag_s` seconds (a long-running
//! query on the replica, a saturated replication link, a replica catching up after a
//! restart). Product reads go to the replica, so a read that follows an order within the
//! lag returns the old row; when that read fills the cache, the stale value is then served
//! from the cache until it expires or the next write invalidates it.
//!
//! ```text
//!   POST /order ──write v2──▶ primary ══ replication (lag_s behind) ══▶ replica (v1)
//!   GET /product ──miss──▶ replica → v1 ──fill──▶ cache (v1, stale for its TTL)
//! ```
//!
//! ## What to look at
//! - `replication_lag_seconds` rises to about `lag_s`.
//! - `stale_reads_total{source="replica"}` and `{source="cache"}`: how often users see the
//!   old data. Latency and errors look healthy: a correctness problem, not a speed one.
//!
//! ## How to fix it
//! `read-your-writes`: read a recently written row from the primary. Also: alert on
//! replication lag, route reads to the primary when the replica trails by too much, and
//! keep TTLs short for data that changes.

use crate::metrics::{GaugeId, Registry};
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{
    no_check, Component, DatabaseEffect, Effect, Hop, Scenario, ScenarioMeta, StrikeCx,
};
use crate::systems::web::metrics::{REPLICATION_LAG, STALE_READS};
use crate::time::{secs_to_ns, Nanos};

pub static META: ScenarioMeta = ScenarioMeta {
    id: "stale-read",
    title: "Stale read",
    category: "consistency",
    kind: crate::scenario::FaultKind::Inconsistent,
    summary: "A lagging read replica serves old rows, and the cache keeps them.",
    source: crate::doc_of!("scenarios/consistency/stale_read.rs"),
    own_params: &[ParamSpec::float(
        "lag_s",
        "s",
        5.0,
        0.0,
        3600.0,
        "Extra replication lag of the read replica.",
    )],
    metrics: &[STALE_READS, REPLICATION_LAG],
    strikes: &[Component::Database],
    mitigations: &["read-your-writes"],
    build: || Box::new(StaleRead::default()),
    check: no_check,
};

#[derive(Default)]
struct StaleRead {
    lag_ns: Nanos,
    gauge: Option<GaugeId>,
}

impl Scenario for StaleRead {
    fn configure(&mut self, params: &ParamSet, metrics: &mut Registry) {
        self.lag_ns = secs_to_ns(params.f64("lag_s"));
        self.gauge = Some(metrics.gauge(&REPLICATION_LAG, &[]));
        metrics.counter(&STALE_READS, &["replica"]);
    }

    fn strike(&mut self, _cx: &mut StrikeCx<'_>, hop: &Hop) -> Effect {
        if hop.endpoint != "GET /product" {
            return Effect::NONE; // writes go to the primary
        }
        Effect::on_database(DatabaseEffect {
            replica_lag_ns: self.lag_ns,
            ..DatabaseEffect::NONE
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;

    fn stale(lab: &crate::sim::Lab, source: &str) -> f64 {
        lab.metrics()
            .family_total_where("stale_reads_total", |_, v| {
                v.first().is_some_and(|s| s == source)
            })
    }

    // Hot products and frequent orders make stale reads likely when the replica trails.
    const BUSY: [(&str, &str); 2] = [("key_space", "200"), ("write_fraction", "0.3")];

    #[test]
    fn declared_metrics_move_only_when_on() {
        // With the replica in sync, nothing is stale; the scenario's lag makes reads stale.
        let in_sync = [BUSY[0], BUSY[1], ("replica_lag_ms", "0")];
        let off = run(&config("web", 21, &[], &in_sync), 60);
        let on = run(&config("web", 21, &["stale-read"], &in_sync), 60);
        assert_eq!(stale(&off, "replica"), 0.0);
        assert!(stale(&on, "replica") > 500.0, "{}", stale(&on, "replica"));
        assert!(off.metrics().family_total("replication_lag_seconds") == 0.0);
        assert!((on.metrics().family_total("replication_lag_seconds") - 5.0).abs() < 0.01);
    }

    #[test]
    fn symptom_appears() {
        let mut on = run(&config("web", 22, &["stale-read"], &BUSY), 120);
        let reads = total(&on, "cache_miss_total");
        assert!(
            stale(&on, "replica") > 0.2 * reads,
            "{} of {reads} replica reads stale",
            stale(&on, "replica")
        );
        assert!(
            stale(&on, "cache") > 100.0,
            "stale values are served from the cache too"
        );
        let g = on.golden();
        assert!(
            g.error_rate == 0.0 && g.latency_p99_s < 0.1,
            "healthy on the golden signals: {g:?}"
        );
        assert!(on.summary().errors_total == 0);
    }

    #[test]
    fn mitigation_reduces_symptom() {
        let on = run(&config("web", 23, &["stale-read"], &BUSY), 120);
        let fixed = run(
            &config("web", 23, &["stale-read", "read-your-writes"], &BUSY),
            120,
        );
        let (before, after) = (stale(&on, "replica"), stale(&fixed, "replica"));
        assert!(
            after < before * 0.1,
            "replica stale reads {before} → {after}"
        );
        assert!(stale(&fixed, "cache") < stale(&on, "cache") * 0.2);
    }
}
