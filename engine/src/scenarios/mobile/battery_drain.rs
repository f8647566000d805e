//! # Battery drain
//!
//! A release makes the app poll for changes every `poll_s` seconds in the background
//! instead of every minute. Each poll is a few kilobytes, but on a cellular network
//! each wakes the radio: from idle, a promotion (about 260 ms on LTE), then the call,
//! then a **tail** of about 11.6 s in the high-power state before the radio drops to
//! idle (Huang et al., MobiSys 2012). Polling more often than the tail is long keeps the
//! radio from ever going idle: the energy is in the tails, not in the bytes. Wi-Fi has
//! almost no tail, so the Wi-Fi devices barely notice.
//!
//! ```text
//!   poll every 60 s:  ▇▁▁▁▁▁▁▁▁▁▁▁ (tail 11.6 s)  ……… idle ………  ▇▁▁▁▁▁▁▁▁▁▁▁
//!   poll every 5 s:   ▇▁▁▁▁▇▁▁▁▁▇▁▁▁▁▇▁▁▁▁▇▁▁▁▁▇  never idle
//! ```
//!
//! With the defaults (200 devices, 5 s polls) the fleet's radios use about 2.2 times
//! the energy of the same two minutes without the scenario; on Slow 4G a device's radio
//! runs at about 1 W nearly all the time, some 7% of a 15 Wh battery (4,000 mAh at
//! 3.85 V) per hour for the radio alone, against about 3% with a poll a minute. (The
//! calls even get faster: a radio that never idles never waits for a promotion.)
//!
//! ## What to look at
//! - `battery_mwh_total{network}`: by network; the cellular ones climb.
//! - `http_requests_total{endpoint="GET /changes"}`: the polls.
//! - `client_requests_total{outcome="success"}`: many more calls, no more useful work.
//!
//! ## How to fix it
//! Poll rarely (or not at all: a push notification tells the app when to fetch), batch
//! background work so the radio wakes once for all of it, and defer what can wait to
//! Wi-Fi (the mobile system's `wifi_only_sync`). Android's WorkManager and iOS's
//! background tasks exist to do this batching for the app.

use crate::metrics::Registry;
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{
    no_check, Component, DeviceEffect, Effect, FaultKind, Hop, Scenario, ScenarioMeta, StrikeCx,
};
use crate::systems::common::HTTP_REQUESTS;
use crate::systems::mobile::{BATTERY, CLIENT_REQUESTS};
use crate::time::secs_to_ns;

pub static META: ScenarioMeta = ScenarioMeta {
    id: "battery-drain",
    title: "Battery drain",
    category: "mobile",
    kind: FaultKind::Overloaded,
    summary: "The app polls every few seconds: each poll keeps the cellular radio in its high-power tail, and the battery drains.",
    source: crate::doc_of!("scenarios/mobile/battery_drain.rs"),
    own_params: &[ParamSpec::float(
        "poll_s",
        "s",
        5.0,
        1.0,
        86_400.0,
        "How often the app polls in the background.",
    )],
    metrics: &[BATTERY, HTTP_REQUESTS, CLIENT_REQUESTS],
    strikes: &[Component::Device],
    mitigations: &[],
    build: || Box::new(Drain::default()),
    check: no_check,
};

#[derive(Default)]
struct Drain {
    poll_ns: u64,
}

impl Scenario for Drain {
    fn configure(&mut self, params: &ParamSet, _metrics: &mut Registry) {
        self.poll_ns = secs_to_ns(params.f64("poll_s")).max(1);
    }

    fn strike(&mut self, _cx: &mut StrikeCx<'_>, _hop: &Hop) -> Effect {
        Effect::on_device(DeviceEffect {
            poll_ns: self.poll_ns,
            ..DeviceEffect::NONE
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("mobile", 1111, &[], &[]), 60);
        let on = run(&config("mobile", 1111, &["battery-drain"], &[]), 60);
        let polls = |lab| responses(lab, "GET /changes", "200");
        assert!(
            polls(&on) > 5.0 * polls(&off),
            "{} vs {}",
            polls(&on),
            polls(&off)
        );
        assert!(total(&on, "battery_mwh_total") > total(&off, "battery_mwh_total"));
    }

    #[test]
    fn symptom_appears() {
        let off = run(&config("mobile", 1112, &[], &[]), 120);
        let on = run(&config("mobile", 1112, &["battery-drain"], &[]), 120);
        let mwh = |lab| total_where(lab, "battery_mwh_total", "slow4g");
        assert!(mwh(&on) > 1.5 * mwh(&off), "{} vs {}", mwh(&on), mwh(&off));
        // Wi-Fi has no long tail: its energy stays small next to the cellular.
        assert!(total_where(&on, "battery_mwh_total", "wifi") < 0.2 * mwh(&on));
    }

    #[test]
    fn mitigation_reduces_symptom() {
        let on = run(&config("mobile", 1113, &["battery-drain"], &[]), 120);
        let rare = run(
            &config(
                "mobile",
                1113,
                &["battery-drain"],
                &[("battery-drain.poll_s", "300")],
            ),
            120,
        );
        let deferred = run(
            &config(
                "mobile",
                1113,
                &["battery-drain"],
                &[("wifi_only_sync", "true")],
            ),
            120,
        );
        let mwh = |lab| total(lab, "battery_mwh_total");
        assert!(
            mwh(&rare) < 0.6 * mwh(&on),
            "{} vs {}",
            mwh(&rare),
            mwh(&on)
        );
        assert!(
            mwh(&deferred) < 0.6 * mwh(&on),
            "{} vs {}",
            mwh(&deferred),
            mwh(&on)
        );
    }
}
