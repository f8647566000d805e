//! # Noisy neighbour
//!
//! The instances are virtual machines on shared hosts. Another tenant on api-0's host
//! starts a CPU-heavy job, and the hypervisor gives it `steal` of the physical CPU time
//! api-0's virtual cores were counting on. Inside the guest nothing changed: the same
//! code, the same traffic; each request's CPU work simply takes 1 / (1 − `steal`) times
//! longer (5× at the default 0.8), so api-0's requests are slow and its own CPU
//! utilisation looks high for the work it does. The other instances are fine, so the
//! fleet's median barely moves while its tail grows (the `GET /product` p99 from about
//! 28 ms to 72 ms): a quarter of the requests go to the slow instance.
//!
//! ```text
//!   host A ┌────────────────────────────┐
//!          │ api-0 vCPUs ▓░░░░ (20 %)   │ ◀── the neighbour's batch job takes 80 %
//!          │ neighbour   ░▓▓▓▓          │
//!          └────────────────────────────┘
//!   host B   api-1, api-2, api-3: all their CPU
//! ```
//!
//! ## What to look at
//! - `node_cpu_steal_ratio{instance}`: CPU time the hypervisor gave to someone else
//!   (`rate(node_cpu_seconds_total{mode="steal"}[1m])` on a real host); 0.8 on api-0, 0
//!   elsewhere.
//! - `process_cpu_utilization_ratio{instance}` higher on api-0 than on the others for
//!   the same share of requests.
//! - `latency_p99_s` up while `latency_p50_s` barely moves; traces of slow requests all
//!   on `instance=api-0`, with the time in the handler's CPU work.
//!
//! ## How to fix it
//! Hide the slow instance from reads: with `hedging`, a `GET /product` not answered
//! within `hedge_after_ms` gets a second copy on another instance, which is almost
//! always a healthy one, so the read p99 falls by about a third (72 ms to 49 ms with
//! the defaults, the budget capping the copies). Routing alone barely helps at this
//! load: an instance rarely has more than one or two requests in flight, so
//! `lb_policy` = `least_outstanding` hardly lowers the p99 (72 ms to 68 ms). Then get off
//! the host: stop and start the VM (it lands on another host), use dedicated hosts for
//! latency-critical services, and alert on steal. Mitigations: `hedging`.
//!
//! Where the numbers come from: Brendan Gregg, "Systems Performance" (2nd ed., 2020),
//! ch. 6 and 11, on CPU steal time in virtualised guests. The 0.8 steal is a bad case,
//! chosen to be plain to see; the latencies are the lab's measured defaults.

use crate::metrics::{GaugeId, MetricSpec, Registry};
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{no_check, Component, Effect, Hop, Scenario, ScenarioMeta, StrikeCx};

const STEAL: MetricSpec = MetricSpec::gauge(
    "node_cpu_steal_ratio",
    "Share of the instance's CPU time the hypervisor gave to other tenants of its host.",
    &["instance"],
);

pub static META: ScenarioMeta = ScenarioMeta {
    id: "noisy-neighbour",
    title: "Noisy neighbour",
    category: "resources",
    kind: crate::scenario::FaultKind::Saturated,
    summary: "Another tenant on api-0's host steals most of its CPU: that instance is slow, the tail grows, the others are fine.",
    source: crate::doc_of!("scenarios/resources/noisy_neighbour.rs"),
    own_params: &[ParamSpec::float(
        "steal",
        "",
        0.8,
        0.0,
        0.99,
        "Share of api-0's CPU time taken by the neighbour.",
    )],
    metrics: &[STEAL],
    strikes: &[Component::Service],
    mitigations: &["hedging"],
    build: || Box::new(NoisyNeighbour::default()),
    check: no_check,
};

#[derive(Default)]
struct NoisyNeighbour {
    steal: f64,
    gauges: Vec<GaugeId>,
}

impl NoisyNeighbour {
    fn instance(&mut self, metrics: &mut Registry, i: usize) {
        while self.gauges.len() <= i {
            let name = format!("api-{}", self.gauges.len());
            self.gauges.push(metrics.gauge(&STEAL, &[&name]));
        }
    }
}

impl Scenario for NoisyNeighbour {
    fn configure(&mut self, params: &ParamSet, metrics: &mut Registry) {
        self.steal = params.f64("steal").clamp(0.0, 0.99);
        self.instance(metrics, 0);
    }

    fn strike(&mut self, cx: &mut StrikeCx<'_>, hop: &Hop) -> Effect {
        self.instance(cx.metrics, hop.instance as usize);
        if hop.instance != 0 {
            return Effect::NONE;
        }
        Effect {
            work_factor: 1.0 / (1.0 - self.steal),
            ..Effect::NONE
        }
    }

    fn on_sample(&mut self, metrics: &mut Registry, active: bool) {
        for (i, &g) in self.gauges.iter().enumerate() {
            let steal = if active && i == 0 { self.steal } else { 0.0 };
            metrics.set(g, steal);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("web", 2131, &[], &[]), 30);
        assert!(!registered(&off, "node_cpu_steal_ratio"));
        let on = run(&config("web", 2131, &["noisy-neighbour"], &[]), 30);
        let steal = series_values(&on, "node_cpu_steal_ratio", "api-0");
        assert_eq!(steal.last().copied(), Some(0.8));
        assert_eq!(
            series_values(&on, "node_cpu_steal_ratio", "api-1")
                .last()
                .copied(),
            Some(0.0)
        );
        let cpu =
            |lab: &crate::sim::Lab, i: &str| settled_mean(lab, "process_cpu_utilization_ratio", i);
        let (slow, fine) = (cpu(&on, "api-0"), cpu(&on, "api-1"));
        assert!(slow > fine * 3.0, "api-0 cpu {slow} vs api-1 {fine}");
    }

    #[test]
    fn symptom_appears() {
        // The tail grows, the median hardly: a quarter of the requests are slow.
        let q = |switches: &[&str], q| {
            let lab = run(&config("web", 2132, switches, &[]), 60);
            quantile_where(&lab, "http_request_duration_seconds", "GET /product", q)
        };
        let (p50_off, p99_off) = (q(&[], 0.5), q(&[], 0.99));
        let (p50_on, p99_on) = (q(&["noisy-neighbour"], 0.5), q(&["noisy-neighbour"], 0.99));
        assert!(p99_on > p99_off * 1.5, "p99 {p99_off} → {p99_on}");
        assert!(
            p50_on < p50_off * 1.5,
            "p50 {p50_off} → {p50_on} barely moves"
        );
    }

    #[test]
    fn mitigation_reduces_symptom() {
        let p99 = |switches: &[&str], sets: &[(&str, &str)]| {
            let lab = run(&config("web", 2133, switches, sets), 60);
            quantile_where(&lab, "http_request_duration_seconds", "GET /product", 0.99)
        };
        let slow = p99(&["noisy-neighbour"], &[]);
        let hedged = p99(&["noisy-neighbour", "hedging"], &[]);
        assert!(hedged < slow * 0.8, "p99 {slow} → {hedged} with hedging");
        // Counting outstanding requests barely helps at this load.
        let least = p99(&["noisy-neighbour"], &[("lb_policy", "least_outstanding")]);
        assert!(
            least > slow * 0.85,
            "p99 {slow} → {least} with least outstanding"
        );
    }
}
