//! # Mobile timeout
//!
//! After a handover between cells (or a NAT mapping dropped by the carrier while the
//! app was idle) a kept-alive connection is dead, and nothing says so: a call sent on
//! it gets no answer. The app waits for its timeout, and a release set that timeout to
//! `timeout_s` = 60 s, the default of iOS's `URLSession` (`timeoutIntervalForRequest`).
//! A `dead_share` of the cellular devices' calls hang a full minute before the retry
//! that would have worked in a second.
//!
//! ```text
//!   call ──▶ dead connection ··· no answer ··· 60 s ──▶ timeout ──▶ retry ──▶ ok (0.5 s)
//!   adaptive: 4 × expected (≈ 0.5 s) = 2 s ──▶ timeout ──▶ retry ──▶ ok
//! ```
//!
//! With the defaults (the cellular 100 of 200 devices, 5% of their calls dead) a 120 s
//! run's p99 on Slow 4G is in the histogram's last bucket, past 30 s (those calls wait
//! the whole 60 s); without the scenario it is under a second, and with adaptive
//! timeouts about 2 s (more calls time out, each after about 2 s).
//!
//! ## What to look at
//! - `device_request_duration_seconds{network}`: a p99 at the timeout, a p50
//!   unchanged.
//! - `client_requests_total{outcome="timeout"}`.
//!
//! ## How to fix it
//! Time out from what the call should take on this network: a multiple of the
//! expected time (the measured round trip and throughput), with a floor, rather than
//! one fixed number for Wi-Fi and 3G alike (the mobile system's `adaptive_timeout`:
//! 4× the expected time, at least 1 s). Retry once on a fresh connection; detect dead
//! connections early (HTTP/2 pings, TCP keep-alive).

use crate::metrics::Registry;
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{
    no_check, Component, DeviceEffect, Effect, FaultKind, Hop, Scenario, ScenarioMeta, StrikeCx,
};
use crate::systems::mobile::{in_share, CLIENT_DURATION, CLIENT_REQUESTS};
use crate::time::secs_to_ns;

pub static META: ScenarioMeta = ScenarioMeta {
    id: "mobile-timeout",
    title: "Mobile timeout",
    category: "mobile",
    kind: FaultKind::Slow,
    summary: "Calls on dead cellular connections hang for a 60 s timeout before a retry that would have worked at once.",
    source: crate::doc_of!("scenarios/mobile/mobile_timeout.rs"),
    own_params: &[
        ParamSpec::float("share", "share", 0.5, 0.0, 1.0, "Share of the fleet struck (the last devices: the cellular ones with the default mix)."),
        ParamSpec::float("dead_share", "share", 0.05, 0.0, 1.0, "Share of their calls sent on a dead connection (no answer)."),
        ParamSpec::float("timeout_s", "s", 60.0, 0.05, 600.0, "The app's request timeout after the release."),
    ],
    metrics: &[CLIENT_DURATION, CLIENT_REQUESTS],
    strikes: &[Component::Device],
    mitigations: &[],
    build: || Box::new(Timeout::default()),
    check: no_check,
};

#[derive(Default)]
struct Timeout {
    share: f64,
    dead: f64,
    timeout_ns: u64,
}

impl Scenario for Timeout {
    fn configure(&mut self, params: &ParamSet, _metrics: &mut Registry) {
        self.share = params.f64("share");
        self.dead = params.f64("dead_share");
        self.timeout_ns = secs_to_ns(params.f64("timeout_s")).max(1);
    }

    fn strike(&mut self, _cx: &mut StrikeCx<'_>, hop: &Hop) -> Effect {
        if !in_share(hop, self.share, true) {
            return Effect::NONE;
        }
        Effect::on_device(DeviceEffect {
            loss: self.dead,
            timeout_ns: self.timeout_ns,
            ..DeviceEffect::NONE
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("mobile", 1141, &[], &[]), 120);
        let on = run(&config("mobile", 1141, &["mobile-timeout"], &[]), 120);
        let timeouts = |lab| total_where(lab, "client_requests_total", "timeout");
        assert!(
            timeouts(&on) > 5.0 && timeouts(&on) > 3.0 * timeouts(&off).max(1.0),
            "{} vs {}",
            timeouts(&on),
            timeouts(&off)
        );
    }

    #[test]
    fn symptom_appears() {
        let off = run(&config("mobile", 1142, &[], &[]), 120);
        let on = run(&config("mobile", 1142, &["mobile-timeout"], &[]), 120);
        let q = |lab, q| quantile_where(lab, "device_request_duration_seconds", "slow4g", q);
        assert!(
            q(&on, 0.99) > 20.0 && q(&off, 0.99) < 2.0,
            "{} vs {}",
            q(&on, 0.99),
            q(&off, 0.99)
        );
        assert!((q(&on, 0.5) - q(&off, 0.5)).abs() < 0.2);
    }

    #[test]
    fn mitigation_reduces_symptom() {
        let on = run(&config("mobile", 1143, &["mobile-timeout"], &[]), 120);
        let fixed = run(
            &config(
                "mobile",
                1143,
                &["mobile-timeout"],
                &[("adaptive_timeout", "true")],
            ),
            120,
        );
        let p99 = |lab| quantile_where(lab, "device_request_duration_seconds", "slow4g", 0.99);
        assert!(
            p99(&fixed) < 5.0 && p99(&on) > 20.0,
            "{} vs {}",
            p99(&fixed),
            p99(&on)
        );
    }
}
