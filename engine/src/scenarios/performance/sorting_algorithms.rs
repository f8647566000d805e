//! # Sorting algorithms
//!
//! Each request sorts `n` items in the handler (search results by score, a cart by
//! price). The comparisons each algorithm makes decide its CPU time, `compare_ns` each:
//!
//! | `algorithm` | random input | already sorted input |
//! | --- | --- | --- |
//! | `insertion` | n(n−1)/4 (O(n²)) | n − 1 (O(n)) |
//! | `quicksort` (first element as pivot) | 2n ln n ≈ 1.39 n log₂ n (O(n log n)) | n(n−1)/2 (O(n²)) |
//! | `mergesort` | n log₂ n (O(n log n)) | n log₂ n |
//!
//! At the defaults (n = 5 000 random items, 2 ns per comparison) insertion sort makes
//! 6.25 million comparisons, 12.5 ms of CPU per request; quicksort about 85 000
//! (0.17 ms) and mergesort about 61 000 (0.12 ms). Doubling n quadruples insertion sort
//! and slightly more than doubles the others. The trade-offs show with `input = sorted`:
//! insertion sort then makes only n − 1 comparisons, the best of the three, while the
//! textbook quicksort degenerates to n²/2 — 25 ms per request — which is why real
//! libraries pick pivots at random or by median-of-three, and use insertion sort for
//! short runs.
//!
//! ```text
//!   n items ──▶ [ sort: comparisons × compare_ns on the instance's cores ] ──▶ response
//!                insertion O(n²) · quicksort O(n log n), O(n²) if sorted · mergesort O(n log n)
//! ```
//!
//! ## What to look at
//! - `algorithm_operations_total{algorithm}`: comparisons per second by algorithm, all
//!   three registered; divide by the request rate for comparisons per request.
//! - `process_cpu_utilization_ratio`, `http_request_duration_seconds`.
//!
//! ## How to fix it
//! Use the standard library's sort (an O(n log n) hybrid: pattern-defeating quicksort,
//! Timsort), and sort in the database with an index where you can. Where the defaults
//! come from: the comparison counts are the textbook averages (Knuth, "The Art of
//! Computer Programming", vol. 3; Sedgewick, "Algorithms"); a comparison of two keys in
//! cache costs a few nanoseconds ("Latency numbers every programmer should know": L1
//! reference 0.5 ns, branch mispredict 5 ns).

use crate::metrics::{CounterId, Registry};
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{
    no_check, Component, Effect, Hop, Scenario, ScenarioMeta, ServiceEffect, StrikeCx,
};
use crate::scenarios::resources::algorithmic_degradation::OPERATIONS;
use crate::systems::web::metrics::CPU_UTILIZATION;

const SIDES: [&str; 3] = ["insertion", "quicksort", "mergesort"];

pub static META: ScenarioMeta = ScenarioMeta {
    id: "sorting-algorithms",
    title: "Sorting algorithms",
    category: "performance",
    kind: crate::scenario::FaultKind::Slow,
    summary: "Each request sorts n items: insertion sort's O(n²) against quicksort's and mergesort's O(n log n), on random or sorted input.",
    source: crate::doc_of!("scenarios/performance/sorting_algorithms.rs"),
    own_params: &[
        ParamSpec::choice("algorithm", "insertion", &SIDES, "The sort the handler runs."),
        ParamSpec::choice(
            "input",
            "random",
            &["random", "sorted"],
            "The order the items arrive in.",
        ),
        ParamSpec::int("n", "items", 5000, 1, 10_000_000, "Items each request sorts."),
        ParamSpec::float(
            "compare_ns",
            "ns",
            2.0,
            0.0,
            1_000_000.0,
            "CPU time of one comparison (and the moves that go with it).",
        ),
    ],
    metrics: &[OPERATIONS, CPU_UTILIZATION],
    strikes: &[Component::Service],
    mitigations: &[],
    build: || Box::new(Sorting::default()),
    check: no_check,
};

/// Comparisons to sort `n` items (`algorithm` an index into `SIDES`).
pub fn comparisons(algorithm: usize, sorted: bool, n: u64) -> f64 {
    let n = n as f64;
    let log2n = if n > 1.0 { libm::log2(n) } else { 0.0 };
    match (algorithm, sorted) {
        (0, false) => n * (n - 1.0) / 4.0,
        (0, true) => (n - 1.0).max(0.0),
        (1, false) => 2.0 * n * libm::log(n.max(1.0)),
        (1, true) => n * (n - 1.0) / 2.0,
        _ => n * log2n,
    }
}

#[derive(Default)]
struct Sorting {
    algorithm: usize,
    ops: f64,
    cpu_ns: u64,
    counters: [Option<CounterId>; 3],
}

impl Scenario for Sorting {
    fn configure(&mut self, params: &ParamSet, metrics: &mut Registry) {
        let a = params.choice("algorithm");
        self.algorithm = SIDES.iter().position(|&s| s == a).unwrap_or(0);
        let sorted = params.choice("input") == "sorted";
        let n = u64::try_from(params.i64("n")).unwrap_or(1);
        self.ops = comparisons(self.algorithm, sorted, n);
        self.cpu_ns = (self.ops * params.f64("compare_ns")).min(1e15) as u64;
        for (c, side) in self.counters.iter_mut().zip(SIDES) {
            *c = Some(metrics.counter(&OPERATIONS, &[side]));
        }
    }

    fn strike(&mut self, cx: &mut StrikeCx<'_>, _hop: &Hop) -> Effect {
        if let Some(c) = self.counters[self.algorithm] {
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
    use super::comparisons;
    use crate::testkit::*;

    const ID: &str = "sorting-algorithms";

    fn mean_latency(seed: u64, on: bool, sets: &[(&str, &str)]) -> f64 {
        let switches: &[&str] = if on { &[ID] } else { &[] };
        summary(config("web", seed, switches, sets), 10, 60).latency_mean_s
    }

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("web", 2121, &[], &[]), 30);
        assert!(!registered(&off, "algorithm_operations_total"));
        let mut on = run(&config("web", 2121, &[ID], &[]), 30);
        let requests = on.summary().requests_total as f64;
        let by = |lab: &crate::sim::Lab, s: &str| {
            lab.metrics()
                .family_total_where("algorithm_operations_total", |_, v| v[0] == s)
        };
        let per = by(&on, "insertion") / requests;
        assert!((6.0e6..6.25e6).contains(&per), "n(n-1)/4 = 6.25e6: {per}");
        assert_eq!(by(&on, "quicksort") + by(&on, "mergesort"), 0.0);
        let mut on = run(
            &config(
                "web",
                2121,
                &[ID],
                &[("sorting-algorithms.algorithm", "mergesort")],
            ),
            30,
        );
        let requests = on.summary().requests_total as f64;
        let per = by(&on, "mergesort") / requests;
        assert!(
            (58_000.0..61_500.0).contains(&per),
            "n log2 n = 61 439: {per}"
        );
    }

    #[test]
    fn symptom_appears() {
        // Asymptotics: doubling n quadruples insertion sort, a bit over doubles the others.
        for n in [1_000u64, 5_000, 100_000] {
            let r = |a, s| comparisons(a, s, 2 * n) / comparisons(a, s, n);
            assert!(
                (3.9..4.01).contains(&r(0, false)),
                "insertion ×{}",
                r(0, false)
            );
            for a in [1, 2] {
                assert!((2.0..2.25).contains(&r(a, false)), "{a}: ×{}", r(a, false));
            }
            assert!(
                (3.9..4.01).contains(&r(1, true)),
                "quicksort on sorted input"
            );
        }
        // 12.5 ms of CPU per request shows in latency and the CPUs.
        let base = mean_latency(2122, false, &[]);
        let insertion = mean_latency(2122, true, &[]);
        assert!(
            (0.01..0.02).contains(&(insertion - base)),
            "+{} s",
            insertion - base
        );
    }

    #[test]
    fn mitigation_reduces_symptom() {
        let algorithm = |a, input| {
            mean_latency(
                2123,
                true,
                &[
                    ("sorting-algorithms.algorithm", a),
                    ("sorting-algorithms.input", input),
                ],
            )
        };
        let base = mean_latency(2123, false, &[]);
        let insertion = algorithm("insertion", "random");
        let merge = algorithm("mergesort", "random");
        assert!(
            merge - base < (insertion - base) * 0.1,
            "lift: insertion {}, mergesort {}",
            insertion - base,
            merge - base
        );
        // The trade-off: on sorted input insertion sort is the cheapest and the naive
        // quicksort the worst.
        let quick_sorted = algorithm("quicksort", "sorted");
        let insertion_sorted = algorithm("insertion", "sorted");
        assert!(
            quick_sorted > base + 0.015,
            "quicksort on sorted: +{}",
            quick_sorted - base
        );
        assert!(
            insertion_sorted < merge + 0.0005,
            "{insertion_sorted} vs {merge}"
        );
        assert!(comparisons(0, true, 5000) < comparisons(2, true, 5000));
    }
}
