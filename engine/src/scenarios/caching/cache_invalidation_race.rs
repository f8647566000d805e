//! # Cache invalidation race
//!
//! Orders invalidate a product's cache entry so the next read refills it from the
//! database. But reads go to a replica that trails the primary (`extra_lag_ms` more than
//! usual here: a replica under load), and a few hot products (`hot_keys`, a share
//! `hot_share` of all traffic) are written and read constantly. The race: an order
//! commits and deletes the entry; a read misses, queries the replica before the write
//! has reached it, and puts the *old* value back in the cache — where every following
//! read finds it, fresh by its TTL, until the next write or the TTL expires. The
//! invalidation ran exactly as designed and the cache is still wrong.
//!
//! ```text
//!   POST /order ──▶ primary v42 ──▶ cache.delete(k)
//!   GET  /product ─▶ cache miss ─▶ replica (still v41, lagging) ─▶ cache.set(k, v41)
//!   GET  /product ─▶ cache hit v41  ✗ stale … until the next write or the TTL
//! ```
//!
//! ## What to look at
//! - `stale_reads_total{source="cache"}`: cache hits older than the latest write, and
//!   `stale_reads_total{source="replica"}`: the lagging refills that caused them.
//! - `cache_race_hot_requests_total{endpoint}`: the traffic on the contended keys.
//! - `replication_lag_seconds`: the race window is the lag.
//!
//! ## How to fix it
//! Never refill a cache from a source older than the write that invalidated it:
//! `read-your-writes` sends reads of recently written keys to the primary, so the refill
//! carries the new version. Other cures: write-through (the writer sets the new value
//! instead of deleting), versioned entries (refuse a set older than the delete), a
//! delayed second delete after the lag, or a short `cache_ttl_s` on hot keys.
//! Mitigations: `read-your-writes`.

use crate::metrics::{CounterId, MetricSpec, Registry};
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{
    no_check, CacheEffect, Component, DatabaseEffect, Effect, Hop, Scenario, ScenarioMeta, StrikeCx,
};
use crate::systems::web::metrics::STALE_READS;
use crate::time::{ms_to_ns, Nanos};

const HOT: MetricSpec = MetricSpec::counter(
    "cache_race_hot_requests_total",
    "Requests sent to the few hot products whose writes and reads race, by endpoint.",
    &["endpoint"],
);

const ENDPOINTS: [&str; 2] = ["GET /product", "POST /order"];

pub static META: ScenarioMeta = ScenarioMeta {
    id: "cache-invalidation-race",
    title: "Cache invalidation race",
    category: "caching",
    kind: crate::scenario::FaultKind::Inconsistent,
    summary: "A write invalidates the cache, a refill from the lagging replica puts the old value back: stale cache hits.",
    source: crate::doc_of!("scenarios/caching/cache_invalidation_race.rs"),
    own_params: &[
        ParamSpec::int(
            "hot_keys",
            "keys",
            10,
            1,
            5_000_000,
            "Products that are written and read all the time.",
        ),
        ParamSpec::float(
            "hot_share",
            "",
            0.3,
            0.0,
            1.0,
            "Share of reads and writes that go to the hot products.",
        ),
        ParamSpec::float(
            "extra_lag_ms",
            "ms",
            1000.0,
            0.0,
            3_600_000.0,
            "Replication lag added to reads, on top of replica_lag_ms.",
        ),
    ],
    metrics: &[HOT, STALE_READS],
    strikes: &[Component::Cache, Component::Database],
    mitigations: &["read-your-writes"],
    build: || Box::new(CacheInvalidationRace::default()),
    check: no_check,
};

#[derive(Default)]
struct CacheInvalidationRace {
    hot_keys: u64,
    share: f64,
    lag_ns: Nanos,
    /// Counters indexed like `ENDPOINTS`.
    hot: [Option<CounterId>; 2],
}

impl CacheInvalidationRace {
    fn hot_key(&mut self, cx: &mut StrikeCx<'_>, endpoint: usize) -> Option<u32> {
        if !cx.rng.chance(self.share) {
            return None;
        }
        if let Some(c) = self.hot[endpoint] {
            cx.metrics.inc(c);
        }
        u32::try_from(cx.rng.below(self.hot_keys.max(1))).ok()
    }
}

impl Scenario for CacheInvalidationRace {
    fn configure(&mut self, params: &ParamSet, metrics: &mut Registry) {
        self.hot_keys = u64::try_from(params.i64("hot_keys")).unwrap_or(1);
        self.share = params.f64("hot_share");
        self.lag_ns = ms_to_ns(params.f64("extra_lag_ms"));
        for (i, e) in ENDPOINTS.iter().enumerate() {
            self.hot[i] = Some(metrics.counter(&HOT, &[e]));
        }
    }

    fn strike(&mut self, cx: &mut StrikeCx<'_>, hop: &Hop) -> Effect {
        match (hop.component, hop.endpoint == ENDPOINTS[1]) {
            // A read's key is chosen at the cache; its refill then reads the replica.
            (Component::Cache, false) => Effect::on_cache(CacheEffect {
                key: self.hot_key(cx, 0),
                ..CacheEffect::NONE
            }),
            (Component::Database, false) => Effect::on_database(DatabaseEffect {
                replica_lag_ns: self.lag_ns,
                ..DatabaseEffect::NONE
            }),
            (Component::Database, true) => Effect::on_database(DatabaseEffect {
                key: self.hot_key(cx, 1),
                ..DatabaseEffect::NONE
            }),
            _ => Effect::NONE,
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;

    fn stale_cache(lab: &crate::sim::Lab) -> f64 {
        lab.metrics()
            .family_total_where("stale_reads_total", |_, v| v[0] == "cache")
    }

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("web", 571, &[], &[]), 30);
        assert!(!registered(&off, "cache_race_hot_requests_total"));
        let on = run(&config("web", 571, &["cache-invalidation-race"], &[]), 30);
        let hot = total(&on, "cache_race_hot_requests_total");
        // 30% of ~6000 calls.
        assert!((1_500.0..2_100.0).contains(&hot), "{hot}");
        assert!(stale_cache(&on) > stale_cache(&off));
    }

    #[test]
    fn symptom_appears() {
        let base = stale_cache(&run(&config("web", 572, &[], &[]), 60));
        let race = stale_cache(&run(
            &config("web", 572, &["cache-invalidation-race"], &[]),
            60,
        ));
        assert!(race > 200.0, "stale cache hits {base} → {race}");
        assert!(race > base * 5.0 + 20.0, "stale cache hits {base} → {race}");
    }

    #[test]
    fn mitigation_reduces_symptom() {
        let stale = |switches: &[&str]| stale_cache(&run(&config("web", 573, switches, &[]), 60));
        let without = stale(&["cache-invalidation-race"]);
        let with = stale(&["cache-invalidation-race", "read-your-writes"]);
        assert!(without > 200.0, "{without}");
        assert!(
            with < without * 0.2,
            "stale cache hits {without} → {with} with read-your-writes"
        );
    }
}
