//! # CPU spike
//!
//! For `spike_s` seconds out of every `every_s`, each request needs `factor` times its
//! usual CPU time in the handler: a noisy neighbour stealing cycles, a JIT deoptimising,
//! a cron job on the same hosts, a regex that backtracks on some inputs. The worker is
//! held for the whole longer time, so by Little's law the busy workers grow by the same
//! factor; past 100% utilisation the accept queue fills and latency explodes.
//!
//! ```text
//!   clients ──▶ load balancer ──▶ [ service: CPU × factor ] ──▶ cache / database
//!                                   ▲ every_s: spike_s on, rest off
//! ```
//!
//! ## What to look at
//! - `cpu_usage_percent{injected="true"}`: the share of each request's CPU time that the
//!   spike adds, `100 × (1 − 1/factor)` during a spike, 0 between spikes.
//! - Saturation: `service_utilization_ratio` and `service_queue_depth` rise with each
//!   spike; latency p50 rises by about `(factor − 1) × cpu_time_ms`, p99 much more once
//!   the queue builds.
//! - The trace waterfall: the `handler` span is long; cache and database spans are not.
//!
//! ## How to fix it
//! Find what burns the CPU (a profile of the hot instance) and remove it. Meanwhile
//! `load-shedding` keeps the service useful: requests beyond what the workers can finish
//! in time are answered 503 at once, so the requests it admits wait at most
//! `max_queue_delay_ms` instead of behind a queue that only grows. More instances
//! (or autoscaling) buy the capacity back.
//! Mitigations: `load-shedding`.

use crate::metrics::{GaugeId, MetricSpec, Registry};
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{no_check, Component, Effect, Hop, Scenario, ScenarioMeta, StrikeCx};
use crate::time::{secs_to_ns, Nanos};

const CPU_USAGE: MetricSpec = MetricSpec::gauge(
    "cpu_usage_percent",
    "Share of the handler's CPU time per request added by the cpu-spike scenario (injected=\"true\").",
    &["injected"],
);

pub static META: ScenarioMeta = ScenarioMeta {
    id: "cpu-spike",
    title: "CPU spike",
    category: "resources",
    kind: crate::scenario::FaultKind::Saturated,
    summary: "In periodic spikes, every request needs several times its usual CPU time.",
    source: crate::doc_of!("scenarios/resources/cpu_spike.rs"),
    own_params: &[
        ParamSpec::float(
            "factor",
            "×",
            10.0,
            1.0,
            1000.0,
            "CPU time per request is multiplied by this during a spike.",
        ),
        ParamSpec::float("spike_s", "s", 10.0, 0.1, 3600.0, "Length of each spike."),
        ParamSpec::float(
            "every_s",
            "s",
            30.0,
            0.1,
            86_400.0,
            "A spike starts every this many seconds (spike_s ≥ every_s = always on).",
        ),
    ],
    metrics: &[CPU_USAGE],
    strikes: &[Component::Service],
    mitigations: &["load-shedding"],
    build: || Box::new(CpuSpike::default()),
    check: no_check,
};

#[derive(Default)]
struct CpuSpike {
    factor: f64,
    spike_ns: Nanos,
    every_ns: Nanos,
    usage: Option<GaugeId>,
    origin: Option<Nanos>,
    last_now: Nanos,
}

impl CpuSpike {
    fn in_spike(&self, now: Nanos) -> bool {
        let origin = self.origin.unwrap_or(now);
        self.spike_ns >= self.every_ns || (now - origin) % self.every_ns.max(1) < self.spike_ns
    }
}

impl Scenario for CpuSpike {
    fn configure(&mut self, params: &ParamSet, metrics: &mut Registry) {
        self.factor = params.f64("factor").max(1.0);
        self.spike_ns = secs_to_ns(params.f64("spike_s"));
        self.every_ns = secs_to_ns(params.f64("every_s")).max(1);
        self.usage = Some(metrics.gauge(&CPU_USAGE, &["true"]));
    }

    fn strike(&mut self, cx: &mut StrikeCx<'_>, _hop: &Hop) -> Effect {
        // Spikes are timed from the first request the scenario sees.
        self.origin.get_or_insert(cx.now);
        self.last_now = cx.now;
        if !self.in_spike(cx.now) {
            return Effect::NONE;
        }
        Effect {
            work_factor: self.factor,
            ..Effect::NONE
        }
    }

    fn on_sample(&mut self, metrics: &mut Registry, active: bool) {
        if let Some(g) = self.usage {
            let on = active && self.origin.is_some() && self.in_spike(self.last_now);
            let share = if on {
                100.0 * (1.0 - 1.0 / self.factor)
            } else {
                0.0
            };
            metrics.set(g, share);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;

    fn injected_share(lab: &crate::sim::Lab) -> Vec<f64> {
        let m = lab.metrics();
        let key = m
            .series_keys()
            .find(|k| k.name == "cpu_usage_percent")
            .map(|k| k.index);
        key.map(|i| m.points(i).iter().map(|p| p.1).collect())
            .unwrap_or_default()
    }

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("web", 21, &[], &[]), 60);
        assert!(!registered(&off, "cpu_usage_percent"));
        let on = run(&config("web", 21, &["cpu-spike"], &[]), 60);
        let share = injected_share(&on);
        // Spikes of 10 s every 30 s at ×10: 90% of the handler's CPU is injected.
        let spiking = share.iter().filter(|&&s| (s - 90.0).abs() < 1e-9).count();
        let calm = share.iter().filter(|&&s| s == 0.0).count();
        assert!(
            (18..=22).contains(&spiking) && calm >= 36,
            "{spiking} spiking, {calm} calm samples"
        );
    }

    #[test]
    fn symptom_appears() {
        // The first spike covers t 0–10 s, the next 30–40 s; calm 10–30 s.
        let lab = run(&config("web", 22, &["cpu-spike"], &[]), 60);
        let p50_spike = mean_between(&lab, "latency_p50_s", 35, 41);
        let p50_calm = mean_between(&lab, "latency_p50_s", 20, 30);
        let util_spike = mean_between(&lab, "utilization", 32, 40);
        let util_calm = mean_between(&lab, "utilization", 15, 30);
        assert!(
            p50_spike > p50_calm + 0.02,
            "p50 {p50_calm} → {p50_spike} (+(10−1) × 4 ms CPU on average)"
        );
        assert!(
            util_spike > 3.0 * util_calm,
            "utilisation {util_calm} → {util_spike}"
        );
    }

    #[test]
    fn mitigation_reduces_symptom() {
        // Fewer workers (4 per instance): a ×20 spike pushes demand past capacity.
        let sets = [
            ("workers", "4"),
            ("cpu-spike.factor", "20"),
            ("cpu-spike.spike_s", "30"),
            ("cpu-spike.every_s", "60"),
        ];
        let overloaded = run(&config("web", 23, &["cpu-spike"], &sets), 30);
        let shed = run(
            &config("web", 23, &["cpu-spike", "load-shedding"], &sets),
            30,
        );
        let p99 = |lab: &crate::sim::Lab| mean_between(lab, "latency_p99_s", 15, 30);
        let p50 = |lab: &crate::sim::Lab| mean_between(lab, "latency_p50_s", 15, 30);
        assert!(
            p50(&overloaded) > 1.0,
            "queue builds: p50 {}",
            p50(&overloaded)
        );
        // Admitted requests wait at most max_queue_delay_ms (200 ms) on top of the
        // spiked ~80 ms of CPU.
        assert!(
            p50(&shed) < 0.3,
            "p50 {} → {}",
            p50(&overloaded),
            p50(&shed)
        );
        assert!(
            p99(&shed) < p99(&overloaded) / 3.0,
            "p99 {} → {}",
            p99(&overloaded),
            p99(&shed)
        );
        assert!(total(&shed, "load_shed_total") > 100.0, "the price: 503s");
    }
}
