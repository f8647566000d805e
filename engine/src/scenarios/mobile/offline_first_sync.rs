//! # Offline-first sync
//!
//! A share of the users work offline for long stretches (a commute, a flight, a site
//! with no signal) and keep editing: the app is offline-first, so the edits go to a
//! local queue and sync when the device reconnects. Meanwhile other users edited the
//! same records online. At sync the server sees writes based on versions that are no
//! longer current: **conflicts**. With last-write-wins (`resolution = lww`) the queued
//! write simply replaces the record and the other user's update is silently lost.
//!
//! ```text
//!   A offline: edit r7 (based on v3) ──queued────────────────▶ reconnect: PUT r7 base v3
//!   B online:            PUT r7 (v3 → v4)                       server at v4: conflict
//!                                                  lww: A overwrites, B's update lost
//!                                                  merge: both kept
//! ```
//!
//! With the defaults (the last half of the 200 devices going offline for 30 s about
//! every 45 s, 100 shared records edited about twice a second) a 120 s run queues about
//! 50 edits and has about 30 conflicts, every one a lost update under `lww`.
//!
//! ## What to look at
//! - `sync_conflicts_total{resolution}` and `data_anomalies_total{kind="lost_update"}`.
//! - `offline_queue_depth` rising while devices are away, falling at each reconnect;
//!   `devices_online`.
//! - `client_requests_total{outcome="queued"}` and `{outcome="offline"}` (reads with
//!   no network).
//!
//! ## How to fix it
//! Detect the conflict and resolve it without losing either side: merge field by field
//! (or let the user choose), track causality with version vectors, or use data types
//! that merge by construction (CRDTs). The mobile system's `resolution = merge` keeps
//! both updates; the conflicts are still counted.

use crate::metrics::Registry;
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{
    no_check, Component, DeviceEffect, Effect, FaultKind, Hop, Scenario, ScenarioMeta, StrikeCx,
};
use crate::systems::common::DATA_ANOMALIES;
use crate::systems::mobile::{in_share, CLIENT_REQUESTS, ONLINE, QUEUE, SYNC_CONFLICTS};
use crate::time::secs_to_ns;

pub static META: ScenarioMeta = ScenarioMeta {
    id: "offline-first-sync",
    title: "Offline-first sync",
    category: "mobile",
    kind: FaultKind::Inconsistent,
    summary: "Users edit offline; at reconnect their queued writes conflict with others', and last-write-wins silently loses updates.",
    source: crate::doc_of!("scenarios/mobile/offline_first_sync.rs"),
    own_params: &[
        ParamSpec::float("share", "share", 0.5, 0.0, 1.0, "Share of the fleet that goes offline (the last devices)."),
        ParamSpec::float("offline_s", "s", 30.0, 1.0, 86_400.0, "How long a device stays offline."),
        ParamSpec::float("every_s", "s", 45.0, 1.0, 86_400.0, "Mean time between a device's offline stretches."),
    ],
    metrics: &[SYNC_CONFLICTS, DATA_ANOMALIES, QUEUE, ONLINE, CLIENT_REQUESTS],
    strikes: &[Component::Device],
    mitigations: &[],
    build: || Box::new(Offline::default()),
    check: no_check,
};

#[derive(Default)]
struct Offline {
    share: f64,
    offline_ns: u64,
    chance: f64,
}

impl Scenario for Offline {
    fn configure(&mut self, params: &ParamSet, _metrics: &mut Registry) {
        self.share = params.f64("share");
        self.offline_ns = secs_to_ns(params.f64("offline_s"));
        self.chance = 1.0 / params.f64("every_s");
    }

    fn strike(&mut self, cx: &mut StrikeCx<'_>, hop: &Hop) -> Effect {
        if !in_share(hop, self.share, true) || cx.rng.next_f64() >= self.chance {
            return Effect::NONE;
        }
        Effect::on_device(DeviceEffect {
            offline_ns: self.offline_ns,
            ..DeviceEffect::NONE
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("mobile", 1121, &[], &[]), 90);
        let on = run(&config("mobile", 1121, &["offline-first-sync"], &[]), 90);
        let queued = |lab| total_where(lab, "client_requests_total", "queued");
        assert!(
            queued(&on) > 5.0 * queued(&off).max(1.0),
            "{} vs {}",
            queued(&on),
            queued(&off)
        );
        assert!(total(&on, "sync_conflicts_total") > total(&off, "sync_conflicts_total"));
    }

    #[test]
    fn symptom_appears() {
        let off = run(&config("mobile", 1122, &[], &[]), 120);
        let on = run(&config("mobile", 1122, &["offline-first-sync"], &[]), 120);
        let lost = |lab| total_where(lab, "data_anomalies_total", "lost_update");
        assert!(
            lost(&on) > 15.0 && lost(&on) > 2.0 * lost(&off),
            "{} vs {}",
            lost(&on),
            lost(&off)
        );
    }

    #[test]
    fn mitigation_reduces_symptom() {
        let fixed = run(
            &config(
                "mobile",
                1123,
                &["offline-first-sync"],
                &[("resolution", "merge")],
            ),
            120,
        );
        assert_eq!(
            total_where(&fixed, "data_anomalies_total", "lost_update"),
            0.0
        );
        assert!(total_where(&fixed, "sync_conflicts_total", "merge") > 10.0);
    }
}
