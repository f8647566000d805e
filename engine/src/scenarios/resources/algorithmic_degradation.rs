//! # Algorithmic degradation
//!
//! The handler does work that grows with its input: each request carries `n` items on
//! average (uniformly 1 to 2n) and the code loops over them once (`complexity =
//! linear`, O(n)) or compares every item with every other (`quadratic`, O(n²)), each
//! operation costing `op_cost_ns` of CPU. At small n both are invisible; as n grows the
//! quadratic one takes over the whole CPU budget — the classic "fine in the test
//! environment, slow in production" bug (a nested loop, a list used as a set, a regex that
//! backtracks). Because inputs vary, the biggest ones cost four times the average: the
//! tail suffers first.
//!
//! ```text
//!   clients ──▶ load balancer ──▶ [ service: n items → n or n² ops × op_cost_ns ] ──▶ …
//!                                   n=1 000: linear 50 µs, quadratic 50 ms
//! ```
//!
//! ## What to look at
//! - `algorithm_operations_total{algorithm}`: operations per second (`linear` or
//!   `quadratic` here). Divided by the
//!   request rate it gives operations per request: about n when linear, (4/3)·n² when
//!   quadratic.
//! - Latency: doubling n adds twice the handler time when linear, four times when
//!   quadratic; p99 moves before p50.
//! - Saturation: the handler holds its worker for the whole loop, so utilisation and the
//!   queue grow, and once the average work passes what the workers can do, 503s.
//!
//! ## How to fix it
//! The fix is the algorithm: a hash set instead of a nested loop, sort once, paginate
//! the input (cap n). Until it ships, `load-shedding` keeps the service answering: it
//! refuses what the workers cannot start within `max_queue_delay_ms`, so admitted requests
//! wait briefly instead of behind an ever-longer queue. `timeouts` helps less here: the
//! server timeout only drops requests that already waited `server_timeout_ms` in the
//! queue, and no timeout can stop a loop that is already burning a worker's CPU.
//! Mitigations: `load-shedding`, `timeouts`.

use crate::metrics::{CounterId, MetricSpec, Registry};
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{no_check, Component, Effect, Hop, Scenario, ScenarioMeta, StrikeCx};

/// Shared with the performance scenarios, which count their algorithms' operations too.
pub const OPERATIONS: MetricSpec = MetricSpec::counter(
    "algorithm_operations_total",
    "Operations done by the handler's algorithm (loop iterations, comparisons, probes), by algorithm.",
    &["algorithm"],
);

pub static META: ScenarioMeta = ScenarioMeta {
    id: "algorithmic-degradation",
    title: "Algorithmic degradation",
    category: "resources",
    kind: crate::scenario::FaultKind::Slow,
    summary: "Handler CPU grows with the input size: O(n) or O(n²) operations per request.",
    source: crate::doc_of!("scenarios/resources/algorithmic_degradation.rs"),
    own_params: &[
        ParamSpec::choice(
            "complexity",
            "quadratic",
            &["linear", "quadratic"],
            "How the handler's work grows with the input: O(n) or O(n²).",
        ),
        ParamSpec::int(
            "n",
            "items",
            1000,
            1,
            1_000_000,
            "Average input size per request (each request carries 1 to 2n items).",
        ),
        ParamSpec::float(
            "op_cost_ns",
            "ns",
            50.0,
            0.0,
            1_000_000.0,
            "CPU time of one operation of the loop.",
        ),
    ],
    metrics: &[OPERATIONS],
    strikes: &[Component::Service],
    mitigations: &["load-shedding", "timeouts"],
    build: || Box::new(AlgorithmicDegradation::default()),
    check: no_check,
};

#[derive(Default)]
struct AlgorithmicDegradation {
    quadratic: bool,
    n: u64,
    op_cost_ns: f64,
    operations: Option<CounterId>,
}

impl Scenario for AlgorithmicDegradation {
    fn configure(&mut self, params: &ParamSet, metrics: &mut Registry) {
        let complexity = params.choice("complexity");
        self.quadratic = complexity == "quadratic";
        self.n = params.i64("n").max(1) as u64;
        self.op_cost_ns = params.f64("op_cost_ns").max(0.0);
        self.operations = Some(metrics.counter(&OPERATIONS, &[complexity]));
    }

    fn strike(&mut self, cx: &mut StrikeCx<'_>, _hop: &Hop) -> Effect {
        let items = (1 + cx.rng.below(2 * self.n)) as f64;
        let ops = if self.quadratic { items * items } else { items };
        if let Some(c) = self.operations {
            cx.metrics.add(c, ops);
        }
        Effect::delay((ops * self.op_cost_ns) as u64)
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;

    fn ops_per_request(lab: &mut crate::sim::Lab) -> f64 {
        let requests = lab.summary().requests_total as f64;
        total(lab, "algorithm_operations_total") / requests
    }

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("web", 31, &[], &[]), 30);
        assert!(!registered(&off, "algorithm_operations_total"));
        let mut quadratic = run(&config("web", 31, &["algorithmic-degradation"], &[]), 30);
        let per = ops_per_request(&mut quadratic) / 1e6;
        assert!(
            (1.2..1.45).contains(&per),
            "(4/3)·n² per request: {per}·10⁶"
        );
        let mut linear = run(
            &config(
                "web",
                31,
                &["algorithmic-degradation"],
                &[("algorithmic-degradation.complexity", "linear")],
            ),
            30,
        );
        let per = ops_per_request(&mut linear);
        assert!((950.0..1050.0).contains(&per), "n per request: {per}");
    }

    #[test]
    fn symptom_appears() {
        // Mean latency is additive: the lift is op_cost × mean operations per request.
        // Doubling n doubles it when linear and quadruples it when quadratic.
        let base = summary(config("web", 32, &[], &[]), 10, 60).latency_mean_s;
        let lift = |complexity: &str, n: &str, op_cost_ns: &str| {
            let sets = [
                ("algorithmic-degradation.complexity", complexity),
                ("algorithmic-degradation.n", n),
                ("algorithmic-degradation.op_cost_ns", op_cost_ns),
            ];
            summary(
                config("web", 32, &["algorithmic-degradation"], &sets),
                10,
                60,
            )
            .latency_mean_s
                - base
        };
        // Quadratic, 10 ns per operation: (4/3)·n² × 10 ns = 13.3 ms at n = 1000.
        let (q1, q2) = (
            lift("quadratic", "1000", "10"),
            lift("quadratic", "2000", "10"),
        );
        assert!((0.011..0.016).contains(&q1), "n=1000: +{q1} s mean");
        assert!(
            (3.5..4.5).contains(&(q2 / q1)),
            "quadratic, n ×2 → ×{}",
            q2 / q1
        );
        // Linear, 10 µs per item: n × 10 µs = 10 ms at n = 1000.
        let (l1, l2) = (
            lift("linear", "1000", "10000"),
            lift("linear", "2000", "10000"),
        );
        assert!((0.008..0.012).contains(&l1), "n=1000: +{l1} s mean");
        assert!(
            (1.7..2.3).contains(&(l2 / l1)),
            "linear, n ×2 → ×{}",
            l2 / l1
        );
    }

    #[test]
    fn mitigation_reduces_symptom() {
        // n = 2500 at 50 ns: about 0.4 s of CPU per request on average, more than the
        // 64 workers can give 200 requests/s.
        let sets = [("algorithmic-degradation.n", "2500")];
        let overloaded = run(&config("web", 33, &["algorithmic-degradation"], &sets), 60);
        let shed = run(
            &config(
                "web",
                33,
                &["algorithmic-degradation", "load-shedding"],
                &sets,
            ),
            60,
        );
        let p99 = |lab: &crate::sim::Lab| mean_between(lab, "latency_p99_s", 30, 60);
        let p50 = |lab: &crate::sim::Lab| mean_between(lab, "latency_p50_s", 30, 60);
        assert!(
            p50(&overloaded) > 1.0,
            "queue builds: p50 {}",
            p50(&overloaded)
        );
        assert!(
            p50(&shed) < p50(&overloaded) * 0.3 && p99(&shed) < p99(&overloaded),
            "p50 {} → {}, p99 {} → {}",
            p50(&overloaded),
            p50(&shed),
            p99(&overloaded),
            p99(&shed)
        );
        assert!(total(&shed, "load_shed_total") > 100.0);
        // The real fix: a linear algorithm at the same n costs next to nothing.
        let mut fixed_sets = sets.to_vec();
        fixed_sets.push(("algorithmic-degradation.complexity", "linear"));
        let fixed = run(
            &config("web", 33, &["algorithmic-degradation"], &fixed_sets),
            60,
        );
        assert!(p99(&fixed) < 0.1, "linear: p99 {}", p99(&fixed));
    }
}
