//! # Poor cellular signal
//!
//! The cellular devices are at the edge of their cells (deep indoors, a basement, a
//! rural mast far away). The signal is weak: retransmissions add `extra_rtt_ms` to the
//! round trip, the usable rate falls to `bandwidth_factor` of the profile's, `loss` of
//! the calls stall until the timeout, and the radio transmits at higher power to reach
//! the mast (`power_factor`). Every call takes longer, so the radio stays active longer
//! at a higher power, and the tail follows each one.
//!
//! ```text
//!   good signal:  ▇▁▁▁▁▁▁▁▁▁▁▁         (150 ms RTT, 1.6 Mbps, 1.3 W active)
//!   cell edge:    ▇▇▇▇▁▁▁▁▁▁▁▁▁▁▁      (+400 ms, ×0.3 rate, ×1.5 power)
//! ```
//!
//! With the defaults a 120 s run's p95 on Slow 4G goes from about 0.7 s to about 1.9 s,
//! its p99 to about 7 s (the stalled calls), and the fleet's radio energy rises by about
//! 15%. Deferring the background polls to Wi-Fi cuts the Slow 4G devices' energy by
//! about a quarter; the user's own calls stay slow.
//!
//! ## What to look at
//! - `device_request_duration_seconds{network}` and `client_rtt_seconds{network}`.
//! - `battery_mwh_total{network}`.
//! - `client_requests_total{outcome="timeout"}`.
//!
//! ## How to fix it
//! The signal is not the app's to fix; what it sends over it is. Defer background work
//! until a better network (the mobile system's `wifi_only_sync` stops the background
//! polls on cellular: fewer wake-ups at high power), keep calls small, and back off
//! rather than retry at once when calls fail.

use crate::metrics::Registry;
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{
    no_check, Component, DeviceEffect, Effect, FaultKind, Hop, Scenario, ScenarioMeta, StrikeCx,
};
use crate::systems::mobile::{in_share, BATTERY, CLIENT_DURATION, CLIENT_REQUESTS, CLIENT_RTT};
use crate::time::ms_to_ns;

pub static META: ScenarioMeta = ScenarioMeta {
    id: "poor-cellular-signal",
    title: "Poor cellular signal",
    category: "mobile",
    kind: FaultKind::Slow,
    summary: "Cellular devices at the cell edge: longer round trips, lower rates, stalled calls, and a radio working harder for each.",
    source: crate::doc_of!("scenarios/mobile/poor_cellular_signal.rs"),
    own_params: &[
        ParamSpec::float("share", "share", 0.5, 0.0, 1.0, "Share of the fleet struck (the last devices: the cellular ones with the default mix)."),
        ParamSpec::float("extra_rtt_ms", "ms", 400.0, 0.0, 60_000.0, "Round-trip time the weak signal adds."),
        ParamSpec::float("bandwidth_factor", "×", 0.3, 0.01, 1.0, "Share of the profile's rates left."),
        ParamSpec::float("loss", "share", 0.02, 0.0, 1.0, "Share of calls that stall until the timeout."),
        ParamSpec::float("power_factor", "×", 1.5, 1.0, 10.0, "The radio's power while active, as a multiple of its usual."),
    ],
    metrics: &[CLIENT_DURATION, CLIENT_RTT, BATTERY, CLIENT_REQUESTS],
    strikes: &[Component::Device],
    mitigations: &[],
    build: || Box::new(Poor::default()),
    check: no_check,
};

#[derive(Default)]
struct Poor {
    share: f64,
    effect: crate::scenario::DeviceEffect,
}

impl Scenario for Poor {
    fn configure(&mut self, params: &ParamSet, _metrics: &mut Registry) {
        self.share = params.f64("share");
        self.effect = DeviceEffect {
            rtt_ns: ms_to_ns(params.f64("extra_rtt_ms")),
            bandwidth_factor: params.f64("bandwidth_factor"),
            loss: params.f64("loss"),
            power_factor: params.f64("power_factor"),
            ..DeviceEffect::NONE
        };
    }

    fn strike(&mut self, _cx: &mut StrikeCx<'_>, hop: &Hop) -> Effect {
        if !in_share(hop, self.share, true) {
            return Effect::NONE;
        }
        Effect::on_device(self.effect)
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("mobile", 1171, &[], &[]), 60);
        let on = run(&config("mobile", 1171, &["poor-cellular-signal"], &[]), 60);
        let rtt = |lab| quantile_where(lab, "client_rtt_seconds", "slow4g", 0.5);
        assert!(rtt(&on) > rtt(&off) + 0.3, "{} vs {}", rtt(&on), rtt(&off));
        assert!(total(&on, "battery_mwh_total") > total(&off, "battery_mwh_total"));
    }

    #[test]
    fn symptom_appears() {
        let off = run(&config("mobile", 1172, &[], &[]), 120);
        let on = run(&config("mobile", 1172, &["poor-cellular-signal"], &[]), 120);
        let p95 = |lab| quantile_where(lab, "device_request_duration_seconds", "slow4g", 0.95);
        assert!(p95(&on) > 2.0 * p95(&off), "{} vs {}", p95(&on), p95(&off));
        let mwh = |lab| total_where(lab, "battery_mwh_total", "slow4g");
        assert!(mwh(&on) > 1.1 * mwh(&off), "{} vs {}", mwh(&on), mwh(&off));
    }

    #[test]
    fn mitigation_reduces_symptom() {
        let on = run(&config("mobile", 1173, &["poor-cellular-signal"], &[]), 120);
        let fixed = run(
            &config(
                "mobile",
                1173,
                &["poor-cellular-signal"],
                &[("wifi_only_sync", "true")],
            ),
            120,
        );
        let mwh = |lab| total_where(lab, "battery_mwh_total", "slow4g");
        assert!(
            mwh(&fixed) < 0.8 * mwh(&on),
            "{} vs {}",
            mwh(&fixed),
            mwh(&on)
        );
        let polls = |lab| responses(lab, "GET /changes", "200");
        assert!(polls(&fixed) < polls(&on));
    }
}
