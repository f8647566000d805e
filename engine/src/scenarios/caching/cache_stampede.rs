//! # Cache stampede
//!
//! One product is suddenly hot (`hot_share` of all `GET /product` reads ask for key 0 —
//! a promotion, a link on a front page) and computing it is slow (its database query
//! takes `recompute_ms` longer — an aggregate over reviews, a rendered page). While it is
//! cached nobody notices. Every `cache_ttl_s` (a parameter of the system) the entry
//! expires, and every request for it that arrives before the first refill completes
//! misses and runs the slow query itself: the backend sees a burst of identical
//! queries — as many as requests arrived during the refill — which hold connections and
//! workers and slow the refill further. An order for the product deletes the entry too
//! when the system's `cache_invalidate_on_write` is on (its default): product 0 is also
//! the most ordered, so at the default load that happens several times a second and the
//! stampedes run into each other. Switch it off to see one stampede per TTL.
//!
//! ```text
//!   reads of key 0 ──▶ [ cache: key 0 expired ] ─miss×N─▶ [ database: slow query ] × N
//!                        every cache_ttl_s        N ≈ hot read rate × recompute time
//! ```
//!
//! ## What to look at
//! - `cache_concurrent_requests`: cache-fill queries in flight; it jumps to about the
//!   number of requests waiting on the hot key at every expiry.
//! - `cache_backend_queries_total` and `cache_miss_total` jump and `cache_hit_rate` dips
//!   at each expiry.
//! - This scenario's `cache_hot_key_requests_total` (reads sent to the hot key) and
//!   `cache_hot_key_recomputations_total` (slow queries run for it: one per expiry is the
//!   ideal, one per waiting request is the stampede).
//! - Latency p99 spikes and `db_pool_wait_seconds` at each expiry.
//!
//! ## How to fix it
//! `coalescing` (single flight): the first miss queries, the others wait for its result,
//! so an expiry costs one query whatever the load. Refreshing hot keys before they
//! expire (stale-while-revalidate, early probabilistic refresh) avoids the miss.
//! Spreading expiries (`ttl-jitter`) helps when many keys were filled together, not for
//! one hot key. Making the query cheaper helps most.
//! Mitigations: `coalescing`.

use crate::metrics::{CounterId, MetricSpec, Registry};
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{CacheEffect, Component, Effect, Hop, Scenario, ScenarioMeta, StrikeCx};
use crate::systems::web::metrics::{CACHE_BACKEND, CACHE_CONCURRENT, CACHE_HIT_RATE, CACHE_MISSES};
use crate::time::{ms_to_ns, Nanos};

/// The key the stampede piles onto.
const HOT_KEY: u32 = 0;

const HOT_REQUESTS: MetricSpec = MetricSpec::counter(
    "cache_hot_key_requests_total",
    "Reads the cache-stampede scenario sent to the hot key.",
    &[],
);
const HOT_RECOMPUTATIONS: MetricSpec = MetricSpec::counter(
    "cache_hot_key_recomputations_total",
    "Slow database queries run to recompute the hot key (one per miss without coalescing).",
    &[],
);

pub static META: ScenarioMeta = ScenarioMeta {
    id: "cache-stampede",
    title: "Cache stampede",
    category: "caching",
    kind: crate::scenario::FaultKind::Overloaded,
    summary:
        "A hot, slow-to-compute key expires and every waiting request queries the database for it.",
    source: crate::doc_of!("scenarios/caching/cache_stampede.rs"),
    own_params: &[
        ParamSpec::float(
            "hot_share",
            "",
            0.5,
            0.0,
            1.0,
            "Share of product reads that ask for the hot key.",
        ),
        ParamSpec::float(
            "recompute_ms",
            "ms",
            500.0,
            0.0,
            60_000.0,
            "Extra time of the hot key's database query (what a miss costs).",
        ),
    ],
    metrics: &[
        CACHE_HIT_RATE,
        CACHE_MISSES,
        CACHE_CONCURRENT,
        CACHE_BACKEND,
        HOT_REQUESTS,
        HOT_RECOMPUTATIONS,
    ],
    strikes: &[Component::Cache, Component::Database],
    mitigations: &["coalescing"],
    build: || Box::new(CacheStampede::default()),
    check: |_, components| {
        if components.contains(&Component::Cache) && components.contains(&Component::Database) {
            Ok(())
        } else {
            Err("a cache stampede needs a cache in front of a database".to_string())
        }
    },
};

#[derive(Default)]
struct CacheStampede {
    hot_share: f64,
    recompute_ns: Nanos,
    hot_requests: Option<CounterId>,
    recomputations: Option<CounterId>,
}

impl Scenario for CacheStampede {
    fn configure(&mut self, params: &ParamSet, metrics: &mut Registry) {
        self.hot_share = params.f64("hot_share");
        self.recompute_ns = ms_to_ns(params.f64("recompute_ms"));
        self.hot_requests = Some(metrics.counter(&HOT_REQUESTS, &[]));
        self.recomputations = Some(metrics.counter(&HOT_RECOMPUTATIONS, &[]));
    }

    fn strike(&mut self, cx: &mut StrikeCx<'_>, hop: &Hop) -> Effect {
        match hop.component {
            Component::Cache if cx.rng.chance(self.hot_share) => {
                if let Some(c) = self.hot_requests {
                    cx.metrics.inc(c);
                }
                Effect::on_cache(CacheEffect {
                    key: Some(HOT_KEY),
                    ..CacheEffect::NONE
                })
            }
            // Only reads recompute the value; writes to the row stay as they are.
            Component::Database if hop.key == Some(HOT_KEY) && hop.endpoint.starts_with("GET") => {
                if let Some(c) = self.recomputations {
                    cx.metrics.inc(c);
                }
                Effect::delay(self.recompute_ns)
            }
            _ => Effect::NONE,
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::sim::Lab;
    use crate::testkit::*;
    use crate::time::NS_PER_SEC;

    /// Points `(t in s, value)` of the one series of metric `name`.
    fn points(lab: &Lab, name: &str) -> Vec<(u64, f64)> {
        let m = lab.metrics();
        m.series_keys()
            .find(|k| k.name == name)
            .map(|k| {
                m.points(k.index)
                    .iter()
                    .map(|&(t, v)| (t / NS_PER_SEC, v))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The largest increase of counter `name` over any 2 s, after the cold start.
    fn largest_burst(lab: &Lab, name: &str) -> f64 {
        let p = points(lab, name);
        p.windows(3)
            .filter(|w| w[0].0 >= 5)
            .map(|w| w[2].1 - w[0].1)
            .fold(0.0, f64::max)
    }

    fn peak_concurrency(lab: &Lab) -> f64 {
        points(lab, "cache_concurrent_requests")
            .iter()
            .filter(|p| p.0 >= 5)
            .map(|p| p.1)
            .fold(0.0, f64::max)
    }

    /// A 10 s TTL, no invalidation by writes: the hot key expires on the TTL only.
    fn stampede(switches: &[&str], extra: &[(&str, &str)]) -> Lab {
        let mut sets = vec![
            ("cache_ttl_s", "10"),
            ("cache_invalidate_on_write", "false"),
        ];
        sets.extend_from_slice(extra);
        run(&config("web", 51, switches, &sets), 60)
    }

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = stampede(&[], &[]);
        assert!(!registered(&off, "cache_hot_key_recomputations_total"));
        assert!(peak_concurrency(&off) <= 6.0, "{}", peak_concurrency(&off));
        let on = stampede(&["cache-stampede"], &[]);
        assert!(total(&on, "cache_hot_key_requests_total") > 3000.0);
        assert!(total(&on, "cache_hot_key_recomputations_total") > 100.0);
        // Off, fills for the long tail of keys overlap a few at a time; on, the hot key's
        // expiry sends dozens at once.
        assert!(peak_concurrency(&on) >= 20.0, "{}", peak_concurrency(&on));
    }

    #[test]
    fn symptom_appears() {
        // 200 req/s, 80% reads, half of them plus Zipf's share of the rest on key 0:
        // about 88 reads/s for the hot key; a 200 ms recompute → ~18 waiting per expiry.
        let lab = stampede(
            &["cache-stampede"],
            &[("cache-stampede.recompute_ms", "200")],
        );
        let per_expiry = largest_burst(&lab, "cache_hot_key_recomputations_total");
        assert!(
            (12.0..40.0).contains(&per_expiry),
            "one slow query per waiting request: {per_expiry}"
        );
        let peak = peak_concurrency(&lab);
        assert!(
            peak >= 0.7 * per_expiry,
            "they run at once: {peak} concurrent of {per_expiry}"
        );
        // The rest of the time the hot key is served from the cache.
        let between = points(&lab, "cache_hot_key_recomputations_total");
        let calm = between
            .windows(2)
            .filter(|w| w[1].1 - w[0].1 == 0.0)
            .count();
        assert!(calm > 40, "{calm} seconds without a recompute");
        // p99 spikes by about the recompute time after each expiry, calm in between.
        let p99: Vec<f64> = lab
            .series("latency_p99_s")
            .map(|s| {
                s.iter()
                    .filter(|p| p.0 >= 5 * NS_PER_SEC)
                    .map(|p| p.1)
                    .collect()
            })
            .unwrap_or_default();
        let high = p99.iter().filter(|&&v| v > 0.2).count();
        let low = p99.iter().filter(|&&v| v < 0.1).count();
        assert!(high >= 10 && low >= 20, "{high} s spiking, {low} s calm");
    }

    #[test]
    fn mitigation_reduces_symptom() {
        // Every read on the hot key, 100 ms to recompute: 160 reads/s → ~16 per expiry.
        let sets = [
            ("cache-stampede.hot_share", "1"),
            ("cache-stampede.recompute_ms", "100"),
        ];
        let herd = stampede(&["cache-stampede"], &sets);
        let single = stampede(&["cache-stampede", "coalescing"], &sets);
        let burst = largest_burst(&herd, "cache_hot_key_recomputations_total");
        assert!((10.0..25.0).contains(&burst), "{burst} per expiry");
        assert!(peak_concurrency(&herd) >= 10.0);
        assert_eq!(peak_concurrency(&single), 1.0, "one query per expiry");
        assert_eq!(
            largest_burst(&single, "cache_hot_key_recomputations_total"),
            1.0
        );
        assert!(total(&single, "cache_coalesced_total") > 100.0);
    }
}
