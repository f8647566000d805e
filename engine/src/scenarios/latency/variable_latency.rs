//! # Variable latency
//!
//! A backend is usually fast but now and then very slow: a garbage-collection pause on
//! the database, a noisy neighbour on the payment provider's host, a packet lost and
//! resent. Each database query or payment call (`tier`) hits a spike with probability
//! `spike_probability`; the spike's extra delay is drawn from a heavy-tailed Pareto
//! (at least `spike_ms`, shape `pareto_shape`: a few spikes are enormous) or an
//! exponential (mean `spike_ms`). Most requests never meet one, so the median stays put
//! while p99 and the maximum jump: averages hide it, percentiles show it.
//!
//! ```text
//!   service ──▶ database / payment   usually ~10 ms
//!                  │  spike_probability of calls: + Pareto(spike_ms, shape)
//!   latency ▲   ·    ·       │        ·    │            ·
//!           │▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁  p50 flat, p99 spiky
//!           └──────────────────────────────────────────────▶ time
//! ```
//!
//! ## What to look at
//! - `latency_p99_s` against `latency_p50_s`: the tail moves, the median does not.
//! - `latency_spikes_total{tier}` and `latency_injected_spike_seconds{tier}`: how often a
//!   spike strikes and how large it is (the histogram's long tail is the Pareto).
//! - `db_query_duration_seconds` or `dependency_request_duration_seconds`: the spikes sit
//!   in the backend's own latency, so the slow span in a trace is the database or payment
//!   call, not the handler.
//!
//! ## How to fix it
//! Bound what one slow call may cost: `timeouts` (`db_timeout_ms`,
//! `dependency_timeout_ms` a little above the backend's normal p99) cut every spike short,
//! so the tail is capped near the timeout; the price is a few 504s, which
//! `retry-backoff` turns into successes because a retry almost never meets a spike again.
//! Hedged requests (send a second copy after the p95) are the classic cure for read tails.
//! Mitigations: `timeouts`, `retry-backoff`.

use crate::dist::Dist;
use crate::metrics::{CounterId, HistogramId, MetricSpec, Registry, LATENCY_BUCKETS};
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{no_check, Component, Effect, Hop, Scenario, ScenarioMeta, StrikeCx};
use crate::time::{ms_to_ns, ns_to_secs, secs_to_ns, Nanos};

const SPIKES: MetricSpec = MetricSpec::counter(
    "latency_spikes_total",
    "Backend calls slowed by a latency spike, by tier (database, payment).",
    &["tier"],
);
const SPIKE_SIZE: MetricSpec = MetricSpec::histogram(
    "latency_injected_spike_seconds",
    "Extra delay of each latency spike, by tier (database, payment).",
    &["tier"],
    LATENCY_BUCKETS,
);

const TIERS: [&str; 2] = ["database", "payment"];

pub static META: ScenarioMeta = ScenarioMeta {
    id: "variable-latency",
    title: "Variable latency",
    category: "latency",
    kind: crate::scenario::FaultKind::Slow,
    summary: "Random, heavy-tailed latency spikes on database queries and payment calls: p99 jumps, p50 stays.",
    source: crate::doc_of!("scenarios/latency/variable_latency.rs"),
    own_params: &[
        ParamSpec::float(
            "spike_probability",
            "",
            0.05,
            0.0,
            1.0,
            "Share of backend calls that hit a spike.",
        ),
        ParamSpec::float(
            "spike_ms",
            "ms",
            500.0,
            0.0,
            600_000.0,
            "Smallest spike (Pareto) or mean spike (exponential).",
        ),
        ParamSpec::choice(
            "distribution",
            "pareto",
            &["pareto", "exponential"],
            "Shape of the spikes: Pareto (heavy tail) or exponential.",
        ),
        ParamSpec::float(
            "pareto_shape",
            "",
            1.5,
            1.05,
            10.0,
            "Tail index of the Pareto spikes: smaller = heavier tail.",
        ),
        ParamSpec::float(
            "max_spike_ms",
            "ms",
            30_000.0,
            1.0,
            3_600_000.0,
            "Cap on one spike (a connection is dropped eventually).",
        ),
        ParamSpec::choice(
            "tier",
            "both",
            &["both", "database", "payment"],
            "Which backend calls spike.",
        ),
    ],
    metrics: &[SPIKES, SPIKE_SIZE],
    strikes: &[Component::Database, Component::Dependency],
    mitigations: &["timeouts", "retry-backoff"],
    build: || Box::new(VariableLatency::default()),
    check: no_check,
};

#[derive(Default)]
struct VariableLatency {
    probability: f64,
    dist: Option<Dist>,
    max_ns: Nanos,
    /// Struck tiers, indexed like `TIERS`.
    struck: [bool; 2],
    spikes: [Option<CounterId>; 2],
    sizes: [Option<HistogramId>; 2],
}

impl Scenario for VariableLatency {
    fn configure(&mut self, params: &ParamSet, metrics: &mut Registry) {
        self.probability = params.f64("spike_probability");
        let spike_s = params.f64("spike_ms") / 1000.0;
        self.dist = Some(match params.choice("distribution") {
            "exponential" => Dist::Exponential { mean: spike_s },
            _ => Dist::Pareto {
                scale: spike_s,
                shape: params.f64("pareto_shape"),
            },
        });
        self.max_ns = ms_to_ns(params.f64("max_spike_ms"));
        self.struck = match params.choice("tier") {
            "database" => [true, false],
            "payment" => [false, true],
            _ => [true, true],
        };
        for (i, tier) in TIERS.iter().enumerate() {
            if self.struck[i] {
                self.spikes[i] = Some(metrics.counter(&SPIKES, &[tier]));
                self.sizes[i] = Some(metrics.histogram(&SPIKE_SIZE, &[tier]));
            }
        }
    }

    fn strike(&mut self, cx: &mut StrikeCx<'_>, hop: &Hop) -> Effect {
        let tier = usize::from(hop.component == Component::Dependency);
        if !self.struck[tier] || !cx.rng.chance(self.probability) {
            return Effect::NONE;
        }
        let Some(dist) = self.dist else {
            return Effect::NONE;
        };
        let spike = secs_to_ns(dist.sample(cx.rng)).min(self.max_ns);
        if let Some(c) = self.spikes[tier] {
            cx.metrics.inc(c);
        }
        if let Some(h) = self.sizes[tier] {
            cx.metrics.observe(h, ns_to_secs(spike));
        }
        Effect::delay(spike)
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("web", 301, &[], &[]), 30);
        assert!(!registered(&off, "latency_spikes_total"));
        assert!(!registered(&off, "latency_injected_spike_seconds"));
        let on = run(&config("web", 301, &["variable-latency"], &[]), 30);
        let spikes = total(&on, "latency_spikes_total");
        let calls = total(&on, "db_query_duration_seconds")
            + total(&on, "dependency_request_duration_seconds");
        let share = spikes / calls;
        assert!((0.035..0.065).contains(&share), "{spikes} of {calls} calls");
        let payment_only = run(
            &config(
                "web",
                301,
                &["variable-latency"],
                &[("variable-latency.tier", "payment")],
            ),
            30,
        );
        let db = payment_only
            .metrics()
            .family_total_where("latency_spikes_total", |_, v| v[0] == "database");
        assert_eq!(db, 0.0, "tier=payment leaves the database alone");
    }

    #[test]
    fn symptom_appears() {
        // ~2% of requests meet a spike of at least 500 ms: p99 jumps by half a second or
        // more, the median does not move.
        let base = summary(config("web", 302, &[], &[]), 10, 90);
        let hit = summary(config("web", 302, &["variable-latency"], &[]), 10, 90);
        assert!(
            hit.latency_p99_s > base.latency_p99_s + 0.4,
            "p99 {} → {}",
            base.latency_p99_s,
            hit.latency_p99_s
        );
        assert!(
            hit.latency_max_s > 2.0,
            "heavy tail: max {}",
            hit.latency_max_s
        );
        assert!(
            (hit.latency_p50_s - base.latency_p50_s).abs() < 0.005,
            "median stays: {} → {}",
            base.latency_p50_s,
            hit.latency_p50_s
        );
    }

    #[test]
    fn mitigation_reduces_symptom() {
        // Timeouts cap each spike near 250-300 ms; retries turn the 504s into successes.
        let spiky = run(&config("web", 303, &["variable-latency"], &[]), 90);
        let bounded = run(
            &config(
                "web",
                303,
                &["variable-latency", "timeouts", "retry-backoff"],
                &[],
            ),
            90,
        );
        let tail = |lab: &crate::sim::Lab| mean_between(lab, "latency_p99_s", 10, 90);
        assert!(
            tail(&bounded) < tail(&spiky) * 0.35,
            "p99 {} → {} with timeouts",
            tail(&spiky),
            tail(&bounded)
        );
        assert!(total(&bounded, "timeouts_total") > 50.0);
        let failed = client_outcomes(&bounded, "error");
        let calls = total(&bounded, "client_requests_total");
        assert!(
            failed < calls * 0.005,
            "retries absorb the 504s: {failed} of {calls} failed"
        );
    }
}
