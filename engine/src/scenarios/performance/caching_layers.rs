//! # Caching layers
//!
//! Product reads go through the shared cache, which here sits in another availability
//! zone: each lookup pays the network round trip to it plus `shared_extra_ms` for the
//! zone crossing, cache hit or not. With `layers = l1` each instance also keeps an
//! in-process cache (L1) in front of it: a table of `l1_entries` slots (a key goes in
//! slot key mod `l1_entries`, evicting whatever was there), each entry kept `l1_ttl_s`.
//! A read found fresh in the L1 is answered from the instance's memory: no hop to the
//! shared cache, no query. A miss goes on to the shared cache as before and the L1 keeps
//! the key.
//!
//! The trade-off is freshness and memory. An order deletes the product from the shared
//! cache, but no one tells the instances: an L1 serves what it has for up to
//! `l1_ttl_s`, and each instance holds its own copy of the hot keys. At the defaults
//! (1 000 slots, 5 s) about a third of the reads never leave the instance: each of
//! those saves the shared cache's round trip, about 2 ms, and the median product read
//! gets about 1 ms faster. L1 hits are up to 5 s old.
//!
//! ```text
//!   api-i ──▶ [ L1: in-process, 1 000 slots, 5 s ] ──miss──▶ [ shared cache, other AZ ] ──miss──▶ db
//!              hit: ~0 ms                                     hit: round trip + 1 ms
//! ```
//!
//! ## What to look at
//! - `cache_l1_requests_total{result}`: L1 hits and misses (0 while `layers = shared`).
//! - `cache_hits_total` + `cache_misses_total`: the shared cache's traffic falls by the
//!   L1 hits.
//! - `cache_l1_age_seconds`: how old the L1 entries served were — the staleness bought.
//! - `http_request_duration_seconds{endpoint="GET /product"}`.
//!
//! ## How to fix it
//! Put a small in-process cache in front of a remote one for hot, rarely changing keys,
//! with a short TTL (or invalidation messages to every instance) so staleness stays
//! bounded. Where the defaults come from: a round trip between availability zones is
//! about 1 ms ("single-digit milliseconds" in AWS's Regions and Zones documentation,
//! usually under 1–2 ms); an in-process lookup is a memory reference, 100 ns ("Latency
//! numbers every programmer should know"), next to nothing here.

use crate::metrics::{CounterId, GaugeId, HistogramId, MetricSpec, Registry};
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{
    no_check, CacheEffect, Component, Effect, Hop, Scenario, ScenarioMeta, StrikeCx,
};
use crate::time::{ms_to_ns, ns_to_secs, secs_to_ns, Nanos};

const SIDES: [&str; 2] = ["shared", "l1"];
const EMPTY: u32 = u32::MAX;

const REQUESTS: MetricSpec = MetricSpec::counter(
    "cache_l1_requests_total",
    "Reads looked up in the instances' in-process caches, by result.",
    &["result"],
);
const ENTRIES: MetricSpec = MetricSpec::gauge(
    "cache_l1_entries",
    "Entries held in the in-process caches, all instances together.",
    &[],
);
const AGE: MetricSpec = MetricSpec::histogram(
    "cache_l1_age_seconds",
    "Age of the in-process cache entries served (how stale an L1 hit may be).",
    &[],
    &[
        0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 300.0,
    ],
);

pub static META: ScenarioMeta = ScenarioMeta {
    id: "caching-layers",
    title: "Caching layers",
    category: "performance",
    kind: crate::scenario::FaultKind::Slow,
    summary: "Reads cross to a remote shared cache, or hit an in-process L1 first: latency and cache traffic against staleness.",
    source: crate::doc_of!("scenarios/performance/caching_layers.rs"),
    own_params: &[
        ParamSpec::choice(
            "layers",
            "shared",
            &SIDES,
            "Only the shared cache, or an in-process L1 in front of it.",
        ),
        ParamSpec::float(
            "shared_extra_ms",
            "ms",
            1.0,
            0.0,
            60_000.0,
            "Extra time of each shared-cache lookup (it is in another zone).",
        ),
        ParamSpec::int("l1_entries", "entries", 1000, 1, 10_000, "Slots of each instance's L1."),
        ParamSpec::float("l1_ttl_s", "s", 5.0, 0.001, 3600.0, "How long an L1 entry is served."),
    ],
    metrics: &[REQUESTS, ENTRIES, AGE],
    strikes: &[Component::Cache],
    mitigations: &[],
    build: || Box::new(Layers::default()),
    check: no_check,
};

#[derive(Default)]
struct Layers {
    l1: bool,
    extra_ns: Nanos,
    slots: usize,
    ttl_ns: Nanos,
    /// Per instance: (key, filled at) by slot; `EMPTY` keys are free.
    tables: Vec<Vec<(u32, Nanos)>>,
    filled: usize,
    hit: Option<CounterId>,
    miss: Option<CounterId>,
    entries: Option<GaugeId>,
    age: Option<HistogramId>,
}

impl Layers {
    /// Looks `key` up in `instance`'s L1 at `now`; keeps it on a miss. The age of the
    /// entry on a hit.
    fn lookup(&mut self, instance: usize, key: u32, now: Nanos) -> Option<Nanos> {
        if self.tables.len() <= instance {
            self.tables.resize(instance + 1, Vec::new());
        }
        let table = &mut self.tables[instance];
        if table.is_empty() {
            table.resize(self.slots, (EMPTY, 0));
        }
        let slot = &mut table[key as usize % self.slots];
        if slot.0 == key && now.saturating_sub(slot.1) < self.ttl_ns {
            return Some(now.saturating_sub(slot.1));
        }
        if slot.0 == EMPTY {
            self.filled += 1;
        }
        *slot = (key, now);
        None
    }
}

impl Scenario for Layers {
    fn configure(&mut self, params: &ParamSet, metrics: &mut Registry) {
        self.l1 = params.choice("layers") == "l1";
        self.extra_ns = ms_to_ns(params.f64("shared_extra_ms"));
        let slots = usize::try_from(params.i64("l1_entries"))
            .unwrap_or(1)
            .max(1);
        if slots != self.slots || !self.l1 {
            self.tables.clear();
            self.filled = 0;
        }
        self.slots = slots;
        self.ttl_ns = secs_to_ns(params.f64("l1_ttl_s"));
        self.hit = Some(metrics.counter(&REQUESTS, &["hit"]));
        self.miss = Some(metrics.counter(&REQUESTS, &["miss"]));
        self.entries = Some(metrics.gauge(&ENTRIES, &[]));
        self.age = Some(metrics.histogram(&AGE, &[]));
    }

    fn strike(&mut self, cx: &mut StrikeCx<'_>, hop: &Hop) -> Effect {
        let shared = Effect::delay(self.extra_ns);
        let Some(key) = hop.key.filter(|_| self.l1) else {
            return shared;
        };
        match self.lookup(hop.instance as usize, key, cx.now) {
            Some(age) => {
                if let (Some(c), Some(h)) = (self.hit, self.age) {
                    cx.metrics.inc(c);
                    cx.metrics.observe(h, ns_to_secs(age));
                }
                Effect::on_cache(CacheEffect {
                    local_hit: true,
                    ..CacheEffect::NONE
                })
            }
            None => {
                if let Some(c) = self.miss {
                    cx.metrics.inc(c);
                }
                shared
            }
        }
    }

    fn on_sample(&mut self, metrics: &mut Registry, active: bool) {
        if let Some(g) = self.entries {
            metrics.set(g, if active { self.filled as f64 } else { 0.0 });
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;

    const ID: &str = "caching-layers";

    fn p50(lab: &crate::sim::Lab) -> f64 {
        quantile_where(lab, "http_request_duration_seconds", "GET /product", 0.5)
    }

    fn shared_lookups(lab: &crate::sim::Lab) -> f64 {
        total(lab, "cache_hits_total") + total(lab, "cache_misses_total")
    }

    fn by(lab: &crate::sim::Lab, result: &str) -> f64 {
        lab.metrics()
            .family_total_where("cache_l1_requests_total", |_, v| v[0] == result)
    }

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("web", 2191, &[], &[]), 30);
        assert!(!registered(&off, "cache_l1_requests_total"));
        let shared = run(&config("web", 2191, &[ID], &[]), 30);
        assert!(registered(&shared, "cache_l1_age_seconds"));
        assert_eq!(by(&shared, "hit") + by(&shared, "miss"), 0.0, "no L1 yet");
        let l1 = run(
            &config("web", 2191, &[ID], &[("caching-layers.layers", "l1")]),
            30,
        );
        let (hit, miss) = (by(&l1, "hit"), by(&l1, "miss"));
        assert!(hit / (hit + miss) > 0.3, "{hit} hits, {miss} misses");
        let entries = values_of(&l1, "cache_l1_entries");
        assert!(
            entries.last().copied().unwrap_or(0.0) > 1000.0,
            "{entries:?}"
        );
    }

    #[test]
    fn symptom_appears() {
        // Every read crosses to the remote shared cache.
        let off = run(&config("web", 2192, &[], &[]), 60);
        let shared = run(&config("web", 2192, &[ID], &[]), 60);
        assert!(
            p50(&shared) > p50(&off) + 0.0008,
            "p50 {} → {}",
            p50(&off),
            p50(&shared)
        );
        let reads = shared_lookups(&shared);
        assert!((reads / shared_lookups(&off) - 1.0).abs() < 0.02);
    }

    #[test]
    fn mitigation_reduces_symptom() {
        let shared = run(&config("web", 2193, &[ID], &[]), 60);
        let l1 = run(
            &config("web", 2193, &[ID], &[("caching-layers.layers", "l1")]),
            60,
        );
        assert!(
            p50(&l1) < p50(&shared) - 0.001,
            "p50 {} → {}",
            p50(&shared),
            p50(&l1)
        );
        let hits = by(&l1, "hit");
        let drop = shared_lookups(&shared) - shared_lookups(&l1);
        assert!(
            (0.8..1.1).contains(&(drop / hits)),
            "{drop} fewer shared lookups, {hits} L1 hits"
        );
        // The price: L1 hits are served without the shared cache's invalidations, up
        // to the TTL old.
        let age = quantile_all(&l1, "cache_l1_age_seconds", 0.9);
        assert!((1.0..=5.0).contains(&age), "p90 age {age} s");
    }
}
