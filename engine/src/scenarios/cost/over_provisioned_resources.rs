//! # Over-provisioned resources
//!
//! The service's instances were bought far larger than the work needs: sized once for
//! a launch that never came, copied from another service's template, or bumped "to be
//! safe" during an incident and never brought back. Nothing is wrong for users. The
//! bill is: an instance costs by its size every hour, busy or idle, so four 16-vCPU
//! instances (`provisioned_vcpus`, EC2 m6i.4xlarge, $0.768/h each at $0.048 per
//! vCPU-hour) cost four times what four 4-vCPU ones do, and the service keeps less than one
//! core busy on either.
//!
//! ```text
//!   api-i  [■□□□□□□□□□□□□□□□]  16 vCPU provisioned, under 1 busy
//!          └─ what the work needs ─┘
//!   compute line of the bill ×4, CPU utilisation ÷4, latency unchanged
//! ```
//!
//! ## What to look at
//! - The cost panel: `cost_rate_dollars_per_hour{resource="compute"}` four times its
//!   usual value, the largest line of the bill.
//! - `process_cpu_utilization_ratio{instance}`: about 1.3 %, where right-sized
//!   instances run their peak at 40–70 %. (The default system is generous already:
//!   200 requests a second of 4 ms CPU keep under one core busy across four 4-vCPU
//!   instances, about 5 %. The scenario makes a generous fleet a wasteful one.)
//! - `http_request_duration_seconds`: no better than before. More cores only help when
//!   requests wait for a core.
//!
//! ## How to fix it
//! Right-size: pick the instance size from measured peak utilisation with headroom
//! (`provisioned_vcpus` back to `cpu_cores`), then let autoscaling add instances for
//! peaks instead of carrying them all day. Review utilisation against the bill, per
//! service, regularly: idle capacity never raises an alert.

use crate::metrics::{GaugeId, MetricSpec, Registry};
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{
    no_check, Component, Effect, Hop, Scenario, ScenarioMeta, ServiceEffect, StrikeCx,
};
use crate::systems::cost::{COST, COST_RATE};
use crate::systems::web::metrics::CPU_UTILIZATION;

const PROVISIONED: MetricSpec = MetricSpec::gauge(
    "instance_provisioned_vcpus",
    "vCPUs each service instance is provisioned with while the scenario strikes (0 when it does not).",
    &[],
);

pub static META: ScenarioMeta = ScenarioMeta {
    id: "over-provisioned-resources",
    title: "Over-provisioned resources",
    category: "cost",
    kind: crate::scenario::FaultKind::Misconfigured,
    summary: "Instances far larger than the work needs: the compute bill quadruples while CPU utilisation sits at a few percent.",
    source: crate::doc_of!("scenarios/cost/over_provisioned_resources.rs"),
    own_params: &[ParamSpec::float(
        "provisioned_vcpus",
        "vCPU",
        16.0,
        0.1,
        256.0,
        "vCPUs each instance is bought with (billed and usable); at or below the system's cpu_cores it changes nothing.",
    )],
    metrics: &[COST, COST_RATE, CPU_UTILIZATION, PROVISIONED],
    strikes: &[Component::Service],
    mitigations: &[],
    build: || Box::new(OverProvisioned::default()),
    check: no_check,
};

#[derive(Default)]
struct OverProvisioned {
    vcpus: f64,
    gauge: Option<GaugeId>,
}

impl Scenario for OverProvisioned {
    fn configure(&mut self, params: &ParamSet, metrics: &mut Registry) {
        self.vcpus = params.f64("provisioned_vcpus");
        self.gauge = Some(metrics.gauge(&PROVISIONED, &[]));
    }

    fn strike(&mut self, _cx: &mut StrikeCx<'_>, _hop: &Hop) -> Effect {
        Effect::on_service(ServiceEffect {
            provisioned_vcpus: self.vcpus,
            ..ServiceEffect::NONE
        })
    }

    fn on_sample(&mut self, metrics: &mut Registry, active: bool) {
        if let Some(g) = self.gauge {
            metrics.set(g, if active { self.vcpus } else { 0.0 });
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;

    fn mean_cpu(lab: &crate::sim::Lab) -> f64 {
        settled_mean(lab, "process_cpu_utilization_ratio", "api-0")
    }

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("web", 941, &[], &[]), 30);
        assert!(!registered(&off, "instance_provisioned_vcpus"));
        let on = run(
            &config("web", 941, &["over-provisioned-resources"], &[]),
            30,
        );
        assert_eq!(total(&on, "instance_provisioned_vcpus"), 16.0);
        // 4 instances × 16 vCPU × $0.048.
        let rate = total_where(&on, "cost_rate_dollars_per_hour", "compute");
        assert!((rate - 3.072).abs() < 1e-9, "{rate}");
        let rate_off = total_where(&off, "cost_rate_dollars_per_hour", "compute");
        assert!((rate_off - 0.768).abs() < 1e-9, "{rate_off}");
    }

    #[test]
    fn symptom_appears() {
        // Four times the compute bill, a quarter of the utilisation, no faster.
        let off = run(&config("web", 942, &[], &[]), 60);
        let on = run(
            &config("web", 942, &["over-provisioned-resources"], &[]),
            60,
        );
        let (c_off, c_on) = (
            total_where(&off, "cost_dollars_total", "compute"),
            total_where(&on, "cost_dollars_total", "compute"),
        );
        assert!(c_on > 3.5 * c_off, "compute ${c_off} → ${c_on}");
        let (u_off, u_on) = (mean_cpu(&off), mean_cpu(&on));
        assert!(u_on < u_off / 3.0 && u_on < 0.05, "cpu {u_off} → {u_on}");
        let p50 = |lab| quantile_all(lab, "http_request_duration_seconds", 0.5);
        let (l_off, l_on) = (p50(&off), p50(&on));
        assert!(l_on > l_off * 0.9, "no faster: p50 {l_off} → {l_on}");
    }

    #[test]
    fn diagnosis_signal_identifies_it() {
        // Right-sizing (back to the 4 vCPUs the service is configured with) restores the
        // bill, and switching the scenario off mid-run shrinks the instances again.
        let right = run(
            &config(
                "web",
                943,
                &["over-provisioned-resources"],
                &[("over-provisioned-resources.provisioned_vcpus", "4")],
            ),
            30,
        );
        let rate = total_where(&right, "cost_rate_dollars_per_hour", "compute");
        assert!((rate - 0.768).abs() < 1e-9, "{rate}");
        let mut lab = run(
            &config(
                "web",
                943,
                &["over-provisioned-resources"],
                &[("over-provisioned-resources.duration_s", "20")],
            ),
            40,
        );
        lab.run_until(40 * crate::time::NS_PER_SEC);
        let rate = total_where(&lab, "cost_rate_dollars_per_hour", "compute");
        assert!((rate - 0.768).abs() < 1e-9, "after it ends: {rate}");
    }
}
