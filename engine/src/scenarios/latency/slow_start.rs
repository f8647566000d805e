//! # Slow start
//!
//! Right after a deploy everything is cold. The new processes run unoptimised code until
//! the JIT has compiled the hot paths (each request's CPU time × `cold_cpu_factor`), the
//! database's buffer pool has been flushed so queries read from disk (× `cold_db_factor`),
//! and the shared cache is empty, so every product read goes to that cold database. Each
//! cost decays towards normal with time constant `warmup_s` as code gets compiled and
//! pages and keys get loaded. Latency is worst in the first seconds, then falls: the
//! dashboard's "after deploy" curve. The lab treats the moment the scenario starts as the
//! deploy; the shared cache is empty only at the start of a run, so start it with the run
//! (`start_s` = 0) to see all three.
//!
//! ```text
//!   latency ▲▇
//!           │ ▇▆
//!           │   ▅▄▃
//!           │      ▂▂▁▁▁▁▁▁▁▁▁▁▁  normal
//!           └─┬────────────────────▶ time
//!           deploy   ← warmup_s →
//! ```
//!
//! ## What to look at
//! - `latency_p50_s` and `latency_p99_s` high at the start, decaying over a few
//!   `warmup_s`.
//! - `slow_start_cost_factor{tier}`: the current CPU and query cost multipliers.
//! - `cache_hit_rate` climbing from 0 and `db_query_duration_seconds` high at first:
//!   cold reads pay both the miss and the cold database.
//!
//! ## How to fix it
//! Warm up before taking traffic: `cache-warming` preloads the most popular products, so
//! reads hit the cache from the first second and the cold database is spared most of
//! them. Run a warm-up workload against new instances before the load balancer sends
//! them traffic (readiness gates), ramp traffic to them slowly (slow-start mode in the
//! load balancer), and prewarm the database's buffer pool. Mitigations: `cache-warming`.

use crate::metrics::{GaugeId, MetricSpec, Registry};
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{no_check, Component, Effect, Hop, Scenario, ScenarioMeta, StrikeCx};
use crate::time::{ns_to_secs, Nanos};

const FACTOR: MetricSpec = MetricSpec::gauge(
    "slow_start_cost_factor",
    "Current cost multiplier of cold code (service CPU) and a cold buffer pool (database queries).",
    &["tier"],
);

pub static META: ScenarioMeta = ScenarioMeta {
    id: "slow-start",
    title: "Slow start",
    category: "latency",
    kind: crate::scenario::FaultKind::Slow,
    summary: "After a deploy, cold code, a cold database and an empty cache: latency starts high and decays.",
    source: crate::doc_of!("scenarios/latency/slow_start.rs"),
    own_params: &[
        ParamSpec::float(
            "cold_cpu_factor",
            "×",
            3.0,
            1.0,
            1000.0,
            "CPU time of a request right after the deploy, as a multiple of normal.",
        ),
        ParamSpec::float(
            "cold_db_factor",
            "×",
            20.0,
            1.0,
            1000.0,
            "Query time right after the deploy (cold buffer pool), as a multiple of normal.",
        ),
        ParamSpec::float(
            "warmup_s",
            "s",
            20.0,
            0.1,
            86_400.0,
            "Time constant of the warm-up: the extra cost falls to about a third each warmup_s.",
        ),
    ],
    metrics: &[FACTOR],
    strikes: &[Component::Service, Component::Database],
    mitigations: &["cache-warming"],
    build: || Box::new(SlowStart::default()),
    check: no_check,
};

#[derive(Default)]
struct SlowStart {
    cold: [f64; 2],
    warmup_s: f64,
    since: Nanos,
    now: Nanos,
    gauges: [Option<GaugeId>; 2],
}

impl SlowStart {
    /// The cost multiplier of tier `t` (0 service, 1 database) at `now`.
    fn factor(&self, t: usize, now: Nanos) -> f64 {
        let age = ns_to_secs(now.saturating_sub(self.since));
        1.0 + (self.cold[t] - 1.0) * libm::exp(-age / self.warmup_s)
    }
}

impl Scenario for SlowStart {
    fn configure(&mut self, params: &ParamSet, metrics: &mut Registry) {
        self.cold = [params.f64("cold_cpu_factor"), params.f64("cold_db_factor")];
        self.warmup_s = params.f64("warmup_s").max(1e-3);
        self.gauges = [
            Some(metrics.gauge(&FACTOR, &["service"])),
            Some(metrics.gauge(&FACTOR, &["database"])),
        ];
    }

    fn strike(&mut self, cx: &mut StrikeCx<'_>, hop: &Hop) -> Effect {
        self.since = cx.active_since;
        self.now = cx.now;
        let t = usize::from(hop.component == Component::Database);
        Effect {
            work_factor: self.factor(t, cx.now),
            ..Effect::NONE
        }
    }

    fn on_sample(&mut self, metrics: &mut Registry, active: bool) {
        for (t, g) in self.gauges.iter().enumerate() {
            if let Some(g) = *g {
                let f = if active {
                    self.factor(t, self.now)
                } else {
                    1.0
                };
                metrics.set(g, f);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("web", 401, &[], &[]), 30);
        assert!(!registered(&off, "slow_start_cost_factor"));
        let mut on = run(&config("web", 401, &["slow-start"], &[]), 1);
        let early = total(&on, "slow_start_cost_factor");
        assert!(early > 18.0, "cold: {early}");
        on.run_until(120 * crate::time::NS_PER_SEC);
        let late = total(&on, "slow_start_cost_factor");
        assert!(late < 2.2, "warm after 6 time constants: {late}");
    }

    #[test]
    fn symptom_appears() {
        // The first seconds are slow, the same service a minute later is normal.
        let lab = run(&config("web", 402, &["slow-start"], &[]), 120);
        let cold = mean_between(&lab, "latency_p50_s", 1, 6);
        let warm = mean_between(&lab, "latency_p50_s", 90, 120);
        let base = run(&config("web", 402, &[], &[]), 120);
        let normal = mean_between(&base, "latency_p50_s", 90, 120);
        assert!(
            cold > 5.0 * warm,
            "p50 {cold} after the deploy, {warm} later"
        );
        assert!(
            (warm - normal).abs() < 0.002,
            "warm again: {warm} vs {normal}"
        );
        let p99_cold = mean_between(&lab, "latency_p99_s", 1, 6);
        assert!(p99_cold > 0.1, "p99 right after the deploy {p99_cold}");
    }

    #[test]
    fn mitigation_reduces_symptom() {
        // Warm caches spare the cold database most reads: the median of the first
        // seconds halves (writes and the cold code still pay).
        let cold = run(&config("web", 403, &["slow-start"], &[]), 30);
        let warmed = run(
            &config("web", 403, &["slow-start", "cache-warming"], &[]),
            30,
        );
        let early = |lab: &crate::sim::Lab| mean_between(lab, "latency_p50_s", 1, 10);
        assert!(
            early(&warmed) < early(&cold) * 0.5,
            "p50 in the first 10 s {} → {}",
            early(&cold),
            early(&warmed)
        );
    }
}
