//! # Cellular vs Wi-Fi
//!
//! The users who were on Wi-Fi leave home: the same app, the same actions, now on
//! Slow 4G. Each call waits for a 150 ms round trip instead of 28 ms and for bytes at
//! 1.6 Mbps instead of 5, and, more costly, it wakes an LTE radio: a 260 ms promotion
//! from idle and a tail of about 11.6 s at about 1 W after every call (Huang et al.,
//! MobiSys 2012), where Wi-Fi's radio drops back within a fraction of a second. The
//! background polls cost the most: they wake the radio on their own, for nothing the
//! user asked.
//!
//! ```text
//!   Wi-Fi:  28 ms RTT, tail 0.25 s at 0.12 W   ▇▁
//!   LTE:   150 ms RTT, promotion 260 ms, tail 11.6 s at 1.06 W   ▇▁▁▁▁▁▁▁▁▁▁▁
//! ```
//!
//! With the defaults (`share` 0.5: the 100 Wi-Fi devices move) the fleet's radio energy
//! over 120 s is about twice that of the run without the scenario, and the moved
//! devices' median call goes from about 0.12 s to 0.43 s. Deferring the background
//! polls to Wi-Fi cuts the energy by about a quarter.
//!
//! ## What to look at
//! - `battery_mwh_total{network}`: Wi-Fi's share falls to nothing, Slow 4G's climbs.
//! - `client_rtt_seconds{network}` and `device_request_duration_seconds{network}`.
//!
//! ## How to fix it
//! This is a trade-off the app cannot remove, only manage: on cellular, defer
//! background work (sync, prefetch, uploads) until Wi-Fi or charging, batch what must
//! go now so the radio wakes once, keep user-facing calls small. The mobile system's
//! `wifi_only_sync` defers the background polls while on cellular: the radio energy
//! falls, at the price of changes arriving later.

use crate::metrics::Registry;
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{
    no_check, Component, DeviceEffect, Effect, FaultKind, Hop, Scenario, ScenarioMeta, StrikeCx,
};
use crate::systems::mobile::{in_share, BATTERY, CLIENT_DURATION, CLIENT_RTT};

pub static META: ScenarioMeta = ScenarioMeta {
    id: "cellular-vs-wifi",
    title: "Cellular vs Wi-Fi",
    category: "mobile",
    kind: FaultKind::Slow,
    summary: "Wi-Fi users move to Slow 4G: longer round trips, and an LTE radio whose tail after every call costs energy.",
    source: crate::doc_of!("scenarios/mobile/cellular_vs_wifi.rs"),
    own_params: &[ParamSpec::float(
        "share",
        "share",
        0.5,
        0.0,
        1.0,
        "Share of the fleet moved to Slow 4G (the first devices: the Wi-Fi ones with the default mix).",
    )],
    metrics: &[BATTERY, CLIENT_RTT, CLIENT_DURATION],
    strikes: &[Component::Device],
    mitigations: &[],
    build: || Box::new(Move::default()),
    check: no_check,
};

#[derive(Default)]
struct Move {
    share: f64,
}

impl Scenario for Move {
    fn configure(&mut self, params: &ParamSet, _metrics: &mut Registry) {
        self.share = params.f64("share");
    }

    fn strike(&mut self, _cx: &mut StrikeCx<'_>, hop: &Hop) -> Effect {
        if !in_share(hop, self.share, false) {
            return Effect::NONE;
        }
        Effect::on_device(DeviceEffect {
            network: Some("slow4g"),
            ..DeviceEffect::NONE
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("mobile", 1151, &[], &[]), 60);
        let on = run(&config("mobile", 1151, &["cellular-vs-wifi"], &[]), 60);
        let wifi = |lab| total_where(lab, "battery_mwh_total", "wifi");
        assert!(wifi(&off) > 0.0);
        assert!(
            wifi(&on) < 0.2 * wifi(&off),
            "{} vs {}",
            wifi(&on),
            wifi(&off)
        );
        assert!(total(&on, "battery_mwh_total") > total(&off, "battery_mwh_total"));
    }

    #[test]
    fn symptom_appears() {
        let off = run(&config("mobile", 1152, &[], &[]), 120);
        let on = run(&config("mobile", 1152, &["cellular-vs-wifi"], &[]), 120);
        let mwh = |lab| total(lab, "battery_mwh_total");
        assert!(mwh(&on) > 1.3 * mwh(&off), "{} vs {}", mwh(&on), mwh(&off));
        let p50 = |lab| quantile_all(lab, "device_request_duration_seconds", 0.5);
        assert!(p50(&on) > 1.5 * p50(&off), "{} vs {}", p50(&on), p50(&off));
    }

    #[test]
    fn mitigation_reduces_symptom() {
        let on = run(&config("mobile", 1153, &["cellular-vs-wifi"], &[]), 120);
        let fixed = run(
            &config(
                "mobile",
                1153,
                &["cellular-vs-wifi"],
                &[("wifi_only_sync", "true")],
            ),
            120,
        );
        let mwh = |lab| total(lab, "battery_mwh_total");
        assert!(
            mwh(&fixed) < 0.85 * mwh(&on),
            "{} vs {}",
            mwh(&fixed),
            mwh(&on)
        );
    }
}
