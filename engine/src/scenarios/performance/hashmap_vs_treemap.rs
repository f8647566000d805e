//! # Hash map vs tree map
//!
//! Each request looks up `lookups` keys in an in-memory map of `n` entries (a session
//! store, a feature-flag table). A hash map (`structure = hashmap`) hashes the key and
//! reads one bucket: one probe per lookup whatever `n` is, O(1). A balanced tree map
//! (`treemap`: a red-black tree, `BTreeMap`, `std::map`) walks from the root: ⌊log₂ n⌋ + 1
//! node visits, O(log n). Doubling `n` changes nothing for the hash map and adds one
//! visit to the tree. Every probe or node visit in a map larger than the CPU caches is a
//! pointer chase to main memory, `probe_ns` = 100 ns; so at the defaults (n = 1 000 000,
//! 1 000 lookups) the tree map costs 1 000 × 20 × 100 ns = 2 ms of CPU per request, the
//! hash map 100 µs.
//!
//! The trade-off is order. A share `range_share` of requests instead ask for a range of
//! `range_len` consecutive keys (a page of sessions by time): the tree seeks once and
//! walks `range_len` nodes (log₂ n + range_len visits), while the hash map has no order
//! and must read all `n` entries (`scan_ns` = 2 ns each, sequentially). With every
//! request a range query the hash map takes 2 ms and the tree 12 µs.
//!
//! ```text
//!   hashmap: hash(k) ──▶ bucket ──▶ entry          1 probe        O(1)
//!   treemap: root ─▶ node ─▶ node ─▶ … ─▶ entry    log₂ n visits  O(log n)
//!   range:   hashmap reads all n;  treemap seeks then walks k
//! ```
//!
//! ## What to look at
//! - `algorithm_operations_total{algorithm}`: `hashmap` and `treemap` are both
//!   registered; operations per request are 1 000 for the hash map, 20 000 for the tree.
//! - `process_cpu_utilization_ratio` and `http_request_duration_seconds` move with the
//!   switch.
//!
//! ## How to fix it
//! Point lookups: a hash map. Range or ordered queries: a tree (or a hash map plus a
//! sorted index). Where the defaults come from: "Latency numbers every programmer should
//! know" (main memory reference 100 ns; 1 MB read sequentially from memory 250 µs, so
//! 2 ns per 8-byte entry).

use crate::metrics::{CounterId, Registry};
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{
    no_check, Component, Effect, Hop, Scenario, ScenarioMeta, ServiceEffect, StrikeCx,
};
use crate::scenarios::resources::algorithmic_degradation::OPERATIONS;
use crate::systems::web::metrics::CPU_UTILIZATION;

const SIDES: [&str; 2] = ["hashmap", "treemap"];

pub static META: ScenarioMeta = ScenarioMeta {
    id: "hashmap-vs-treemap",
    title: "Hash map vs tree map",
    category: "performance",
    kind: crate::scenario::FaultKind::Slow,
    summary: "Each request looks keys up in an in-memory map: O(1) probes in a hash map, O(log n) node visits in a tree.",
    source: crate::doc_of!("scenarios/performance/hashmap_vs_treemap.rs"),
    own_params: &[
        ParamSpec::choice(
            "structure",
            "treemap",
            &SIDES,
            "The map: a hash map (O(1) lookups, no order) or a balanced tree (O(log n), ordered).",
        ),
        ParamSpec::int("n", "entries", 1_000_000, 1, 1_000_000_000, "Entries in the map."),
        ParamSpec::int("lookups", "lookups", 1000, 1, 1_000_000, "Keys a point-lookup request reads."),
        ParamSpec::float(
            "range_share",
            "",
            0.0,
            0.0,
            1.0,
            "Share of requests that read a range of consecutive keys instead.",
        ),
        ParamSpec::int("range_len", "entries", 100, 1, 1_000_000, "Keys in a range query."),
        ParamSpec::float(
            "probe_ns",
            "ns",
            100.0,
            0.0,
            1_000_000.0,
            "CPU time of a hash probe or a tree node visit (a main-memory reference).",
        ),
        ParamSpec::float(
            "scan_ns",
            "ns",
            2.0,
            0.0,
            1_000_000.0,
            "CPU time of reading one entry in a sequential scan.",
        ),
    ],
    metrics: &[OPERATIONS, CPU_UTILIZATION],
    strikes: &[Component::Service],
    mitigations: &[],
    build: || Box::new(Maps::default()),
    check: no_check,
};

/// (operations, CPU ns) of one point lookup, or of one range query of `k` keys.
pub fn cost(tree: bool, n: u64, range: Option<u64>, probe_ns: f64, scan_ns: f64) -> (f64, f64) {
    let depth = f64::from(n.max(1).ilog2() + 1);
    match (tree, range) {
        (false, None) => (1.0, probe_ns),
        (true, None) => (depth, depth * probe_ns),
        (false, Some(_)) => (n as f64, n as f64 * scan_ns),
        (true, Some(k)) => (depth + k as f64, (depth + k as f64) * probe_ns),
    }
}

#[derive(Default)]
struct Maps {
    tree: bool,
    range_share: f64,
    /// (operations, CPU ns) of a point-lookup request and of a range request.
    point: (f64, f64),
    range: (f64, f64),
    counters: [Option<CounterId>; 2],
}

impl Scenario for Maps {
    fn configure(&mut self, params: &ParamSet, metrics: &mut Registry) {
        self.tree = params.choice("structure") == "treemap";
        let n = u64::try_from(params.i64("n")).unwrap_or(1);
        let lookups = params.i64("lookups").max(1) as f64;
        let k = u64::try_from(params.i64("range_len")).unwrap_or(1);
        let (probe, scan) = (params.f64("probe_ns"), params.f64("scan_ns"));
        let (ops, ns) = cost(self.tree, n, None, probe, scan);
        self.point = (ops * lookups, ns * lookups);
        self.range = cost(self.tree, n, Some(k), probe, scan);
        self.range_share = params.f64("range_share");
        for (c, side) in self.counters.iter_mut().zip(SIDES) {
            *c = Some(metrics.counter(&OPERATIONS, &[side]));
        }
    }

    fn strike(&mut self, cx: &mut StrikeCx<'_>, _hop: &Hop) -> Effect {
        let range = self.range_share > 0.0 && cx.rng.chance(self.range_share);
        let (ops, ns) = if range { self.range } else { self.point };
        if let Some(c) = self.counters[usize::from(self.tree)] {
            cx.metrics.add(c, ops);
        }
        Effect::on_service(ServiceEffect {
            cpu_ns: ns.min(1e15) as u64,
            ..ServiceEffect::NONE
        })
    }
}

#[cfg(test)]
mod tests {
    use super::cost;
    use crate::testkit::*;

    const ID: &str = "hashmap-vs-treemap";

    fn side(lab: &crate::sim::Lab, s: &str) -> f64 {
        lab.metrics()
            .family_total_where("algorithm_operations_total", |_, v| v[0] == s)
    }

    fn mean_latency(seed: u64, on: bool, sets: &[(&str, &str)]) -> f64 {
        let switches: &[&str] = if on { &[ID] } else { &[] };
        summary(config("web", seed, switches, sets), 10, 60).latency_mean_s
    }

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("web", 2111, &[], &[]), 30);
        assert!(!registered(&off, "algorithm_operations_total"));
        let mut on = run(&config("web", 2111, &[ID], &[]), 30);
        let requests = on.summary().requests_total as f64;
        let per = side(&on, "treemap") / requests;
        assert!(
            (19_000.0..=20_000.0).contains(&per),
            "1000 × 20 visits: {per}"
        );
        assert_eq!(side(&on, "hashmap"), 0.0, "the other side shows, at 0");
        let mut on = run(
            &config(
                "web",
                2111,
                &[ID],
                &[("hashmap-vs-treemap.structure", "hashmap")],
            ),
            30,
        );
        let requests = on.summary().requests_total as f64;
        let per = side(&on, "hashmap") / requests;
        assert!((950.0..=1000.0).contains(&per), "1000 probes: {per}");
    }

    #[test]
    fn symptom_appears() {
        // Asymptotics: doubling n adds one visit per tree lookup, none per hash lookup,
        // and doubles the hash map's range scan.
        for n in [1_000u64, 1_000_000, 300_000_000] {
            assert_eq!(
                cost(true, 2 * n, None, 1.0, 1.0).0,
                cost(true, n, None, 1.0, 1.0).0 + 1.0
            );
            assert_eq!(cost(false, 2 * n, None, 1.0, 1.0).0, 1.0);
            assert_eq!(cost(false, 2 * n, Some(10), 1.0, 1.0).0, 2.0 * n as f64);
        }
        // The tree's 2 ms of CPU per request shows in latency.
        let base = mean_latency(2112, false, &[]);
        let tree = mean_latency(2112, true, &[]);
        assert!(
            (0.0015..0.003).contains(&(tree - base)),
            "+{} s",
            tree - base
        );
    }

    #[test]
    fn mitigation_reduces_symptom() {
        let base = mean_latency(2113, false, &[]);
        let tree = mean_latency(2113, true, &[]);
        let hash = mean_latency(2113, true, &[("hashmap-vs-treemap.structure", "hashmap")]);
        assert!(
            hash - base < (tree - base) * 0.2,
            "lift: tree {}, hash {}",
            tree - base,
            hash - base
        );
        // The trade-off: range queries need order; the hash map reads everything.
        let ranges = |s| {
            mean_latency(
                2113,
                true,
                &[
                    ("hashmap-vs-treemap.structure", s),
                    ("hashmap-vs-treemap.range_share", "1"),
                ],
            )
        };
        let (hash, tree) = (ranges("hashmap"), ranges("treemap"));
        assert!(hash > tree + 0.0015, "ranges: hash {hash}, tree {tree}");
    }
}
