//! # Binary search vs linear scan
//!
//! Each request looks up `lookups` keys in an in-memory array of `n` sorted entries (a
//! price table, a routing table). With `algorithm = linear` the handler walks the array
//! from the start until it finds the key: (n + 1)/2 comparisons on average, O(n). With
//! `binary` it halves the range at each probe: ⌊log₂ n⌋ + 1 probes, O(log n). Doubling
//! `n` doubles the linear scan's work and adds one probe to the binary search.
//!
//! Each side's operations cost what they cost on real hardware. A linear scan reads
//! memory sequentially, which the CPU prefetches: `linear_ns` = 2 ns per 8-byte key
//! ("read 1 MB sequentially from memory: 250 µs" in "Latency numbers every programmer
//! should know", i.e. 0.25 ns per byte). A binary search jumps around: once the array
//! is larger than the CPU caches most probes are a main-memory reference, `binary_ns` =
//! 100 ns (same table). So for a small array the scan wins — at n = 64 it is 65 ns
//! against 700 ns — and the binary search only pays off past about a thousand entries.
//! The handler's work is `lookups` × operations × cost, computed on the instance's
//! cores: at the defaults (n = 1 000 000, 10 lookups) 10 ms of CPU per request for the
//! scan, 20 µs for the binary search.
//!
//! ```text
//!   linear: [1][2][3][4][5] … [n]     ──▶ (n+1)/2 compares × 2 ns    O(n)
//!   binary: [ … … … … [mid] … … … … ] ──▶ log₂ n probes × 100 ns     O(log n)
//! ```
//!
//! ## What to look at
//! - `algorithm_operations_total{algorithm}`: both sides are registered, so
//!   `rate(algorithm_operations_total[1m])` shows the switch live: about 1 000 000 000
//!   operations per second for `linear` at 200 requests/s, about 40 000 for `binary`.
//! - `process_cpu_utilization_ratio`: the scan's 10 ms per request shows as CPU, not
//!   as waiting; `http_request_duration_seconds` moves with it.
//!
//! ## How to fix it
//! Switch `algorithm` to `binary` (keep the array sorted), or use a hash index. Keep the
//! scan for small tables: below about a thousand entries it is the faster of the two.
//! Where the defaults come from: "Latency numbers every programmer should know" (Jeff
//! Dean, Peter Norvig): main memory reference 100 ns, 1 MB read sequentially from memory
//! 250 µs.

use crate::metrics::{CounterId, Registry};
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{
    no_check, Component, Effect, Hop, Scenario, ScenarioMeta, ServiceEffect, StrikeCx,
};
use crate::scenarios::resources::algorithmic_degradation::OPERATIONS;
use crate::systems::web::metrics::CPU_UTILIZATION;

const SIDES: [&str; 2] = ["linear", "binary"];

pub static META: ScenarioMeta = ScenarioMeta {
    id: "binary-search-vs-linear",
    title: "Binary search vs linear scan",
    category: "performance",
    kind: crate::scenario::FaultKind::Slow,
    summary: "Each request searches an in-memory array: O(n) compares when scanning, O(log n) probes with binary search.",
    source: crate::doc_of!("scenarios/performance/binary_search_vs_linear.rs"),
    own_params: &[
        ParamSpec::choice(
            "algorithm",
            "linear",
            &SIDES,
            "How the handler finds a key: scan from the start (O(n)) or binary search (O(log n)).",
        ),
        ParamSpec::int(
            "n",
            "entries",
            1_000_000,
            1,
            1_000_000_000,
            "Entries in the sorted array.",
        ),
        ParamSpec::int(
            "lookups",
            "lookups",
            10,
            1,
            100_000,
            "Keys each request looks up.",
        ),
        ParamSpec::float(
            "linear_ns",
            "ns",
            2.0,
            0.0,
            1_000_000.0,
            "CPU time of one comparison of the scan (sequential, prefetched memory).",
        ),
        ParamSpec::float(
            "binary_ns",
            "ns",
            100.0,
            0.0,
            1_000_000.0,
            "CPU time of one probe of the binary search (a main-memory reference).",
        ),
    ],
    metrics: &[OPERATIONS, CPU_UTILIZATION],
    strikes: &[Component::Service],
    mitigations: &[],
    build: || Box::new(Search::default()),
    check: no_check,
};

/// Operations of one lookup in an array of `n`: comparisons of the scan (the key is
/// equally likely anywhere) or probes of the binary search.
pub fn ops_per_lookup(binary: bool, n: u64) -> f64 {
    let n = n.max(1);
    if binary {
        f64::from(n.ilog2() + 1)
    } else {
        (n as f64 + 1.0) / 2.0
    }
}

#[derive(Default)]
struct Search {
    binary: bool,
    ops: f64,
    cpu_ns: u64,
    counters: [Option<CounterId>; 2],
}

impl Scenario for Search {
    fn configure(&mut self, params: &ParamSet, metrics: &mut Registry) {
        self.binary = params.choice("algorithm") == "binary";
        let n = u64::try_from(params.i64("n")).unwrap_or(1);
        let lookups = params.i64("lookups").max(1) as f64;
        self.ops = lookups * ops_per_lookup(self.binary, n);
        let cost = if self.binary {
            params.f64("binary_ns")
        } else {
            params.f64("linear_ns")
        };
        self.cpu_ns = (self.ops * cost).min(1e15) as u64;
        for (c, side) in self.counters.iter_mut().zip(SIDES) {
            *c = Some(metrics.counter(&OPERATIONS, &[side]));
        }
    }

    fn strike(&mut self, cx: &mut StrikeCx<'_>, _hop: &Hop) -> Effect {
        if let Some(c) = self.counters[usize::from(self.binary)] {
            cx.metrics.add(c, self.ops);
        }
        Effect::on_service(ServiceEffect {
            cpu_ns: self.cpu_ns,
            ..ServiceEffect::NONE
        })
    }
}

#[cfg(test)]
mod tests {
    use super::ops_per_lookup;
    use crate::testkit::*;

    fn side(lab: &crate::sim::Lab, algorithm: &str) -> f64 {
        lab.metrics()
            .family_total_where("algorithm_operations_total", |_, v| v[0] == algorithm)
    }

    fn cpu(lab: &crate::sim::Lab) -> f64 {
        settled_mean(lab, "process_cpu_utilization_ratio", "api-0")
    }

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("web", 2101, &[], &[]), 30);
        assert!(!registered(&off, "algorithm_operations_total"));
        let mut on = run(&config("web", 2101, &["binary-search-vs-linear"], &[]), 30);
        let requests = on.summary().requests_total as f64;
        let per = side(&on, "linear") / requests;
        // 10 lookups × (10⁶ + 1)/2 compares.
        assert!((4.8e6..5.05e6).contains(&per), "{per} compares per request");
        assert_eq!(side(&on, "binary"), 0.0, "the other side shows, at 0");
        let sets = [("binary-search-vs-linear.algorithm", "binary")];
        let mut on = run(
            &config("web", 2101, &["binary-search-vs-linear"], &sets),
            30,
        );
        let requests = on.summary().requests_total as f64;
        let per = side(&on, "binary") / requests;
        assert!((190.0..=200.0).contains(&per), "10 × 20 probes: {per}");
        assert_eq!(side(&on, "linear"), 0.0);
    }

    #[test]
    fn symptom_appears() {
        // The asymptotics: doubling n doubles the scan, adds one probe to the search.
        for n in [1_000u64, 1_000_000, 123_456_789] {
            let (l1, l2) = (ops_per_lookup(false, n), ops_per_lookup(false, 2 * n));
            assert!(((l2 - 0.5) / (l1 - 0.5) - 2.0).abs() < 1e-9, "linear n={n}");
            assert_eq!(ops_per_lookup(true, 2 * n), ops_per_lookup(true, n) + 1.0);
        }
        // The scan's CPU shows in latency and in the CPUs, and grows with n.
        let base = summary(config("web", 2102, &[], &[]), 10, 60).latency_mean_s;
        let lift = |n: &str| {
            let sets = [("binary-search-vs-linear.n", n)];
            let cfg = config("web", 2102, &["binary-search-vs-linear"], &sets);
            summary(cfg, 10, 60).latency_mean_s - base
        };
        let (one, two) = (lift("1000000"), lift("2000000"));
        assert!((0.008..0.014).contains(&one), "+{one} s at n = 10⁶");
        assert!((1.7..2.4).contains(&(two / one)), "n ×2 → ×{}", two / one);
        let off = run(&config("web", 2102, &[], &[]), 60);
        let on = run(&config("web", 2102, &["binary-search-vs-linear"], &[]), 60);
        assert!(
            cpu(&on) > cpu(&off) * 2.0,
            "cpu {} → {}",
            cpu(&off),
            cpu(&on)
        );
    }

    #[test]
    fn mitigation_reduces_symptom() {
        let sets = [("binary-search-vs-linear.algorithm", "binary")];
        let base = summary(config("web", 2103, &[], &[]), 10, 60).latency_mean_s;
        let scan = summary(
            config("web", 2103, &["binary-search-vs-linear"], &[]),
            10,
            60,
        );
        let search = summary(
            config("web", 2103, &["binary-search-vs-linear"], &sets),
            10,
            60,
        );
        assert!(
            search.latency_mean_s < base + 0.001 && scan.latency_mean_s > base + 0.008,
            "mean {base}: scan {}, binary {}",
            scan.latency_mean_s,
            search.latency_mean_s
        );
        // Switched live: the scan's operations stop, the search's start, the CPUs calm.
        let mut lab = run(&config("web", 2103, &["binary-search-vs-linear"], &[]), 30);
        let scanned = side(&lab, "linear");
        lab.set_param("binary-search-vs-linear.algorithm", "binary")
            .unwrap();
        lab.run_until(60 * crate::time::NS_PER_SEC);
        assert_eq!(side(&lab, "linear"), scanned);
        assert!(side(&lab, "binary") > 1e6, "{}", side(&lab, "binary"));
        let v = series_values(&lab, "process_cpu_utilization_ratio", "api-0");
        let mean = |s: &[f64]| s.iter().sum::<f64>() / s.len() as f64;
        let (before, after) = (mean(&v[10..29]), mean(&v[35..59]));
        assert!(after < before * 0.6, "cpu {before} → {after}");
        // The trade-off: on a small array the scan's cheap compares beat the probes.
        let cost = |binary: bool, n| ops_per_lookup(binary, n) * if binary { 100.0 } else { 2.0 };
        assert!(cost(false, 64) < cost(true, 64), "n = 64: scan wins");
        assert!(
            cost(false, 4096) > cost(true, 4096),
            "n = 4096: search wins"
        );
    }
}
