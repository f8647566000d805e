//! # App background kill
//!
//! Users put the phone away while it is offline (underground, on a plane): their last
//! edits wait in the app's offline queue. In the background the OS reclaims memory by
//! killing apps (Android's low-memory killer, iOS's jetsam), without warning. If the
//! queue lived only in memory, those edits are gone: the user saw "saved" and the
//! server never hears of them.
//!
//! ```text
//!   edit ──▶ queue (memory) ── offline ── OS kills the app ──▶ queue gone: lost writes
//!   edit ──▶ queue (disk)   ── offline ── OS kills the app ──▶ restart, reconnect, sync
//! ```
//!
//! The scenario takes a `share` of the fleet offline for `offline_s` about every
//! `every_s`, and the OS kills the app at a random moment of `kill_share` of those
//! stretches. With the defaults (the last half of the fleet offline for 60 s about
//! every minute, half of those stretches ending in a kill) a 120 s run has about 70
//! kills and loses about 30 of the 70 edits queued offline.
//!
//! ## What to look at
//! - `data_anomalies_total{kind="lost_write"}` and `app_kills_total`.
//! - `offline_queue_depth`: it drops at a kill without any sync behind it.
//!
//! ## How to fix it
//! Persist the queue before telling the user an edit is saved (SQLite, Room, Core
//! Data; Android's WorkManager persists its work requests), and sync from storage on
//! the next start. The mobile system's `persist_queue`.

use crate::metrics::Registry;
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{
    no_check, Component, DeviceEffect, Effect, FaultKind, Hop, Scenario, ScenarioMeta, StrikeCx,
};
use crate::systems::common::DATA_ANOMALIES;
use crate::systems::mobile::{in_share, KILLS, QUEUE};
use crate::time::{secs_to_ns, Nanos};

pub static META: ScenarioMeta = ScenarioMeta {
    id: "app-background-kill",
    title: "App background kill",
    category: "mobile",
    kind: FaultKind::Inconsistent,
    summary: "The OS kills the app in the background while edits wait offline in a queue held only in memory: they are lost.",
    source: crate::doc_of!("scenarios/mobile/app_background_kill.rs"),
    own_params: &[
        ParamSpec::float("share", "share", 0.5, 0.0, 1.0, "Share of the fleet that goes offline in the background (the last devices)."),
        ParamSpec::float("offline_s", "s", 60.0, 1.0, 86_400.0, "How long a device stays offline."),
        ParamSpec::float("every_s", "s", 60.0, 1.0, 86_400.0, "Mean time between a device's offline stretches."),
        ParamSpec::float("kill_share", "share", 0.5, 0.0, 1.0, "Share of the offline stretches in which the OS kills the app."),
    ],
    metrics: &[DATA_ANOMALIES, KILLS, QUEUE],
    strikes: &[Component::Device],
    mitigations: &[],
    build: || Box::new(Kill::default()),
    check: no_check,
};

#[derive(Default)]
struct Kill {
    share: f64,
    offline_ns: Nanos,
    chance: f64,
    kill_share: f64,
    /// When each device's app is to be killed (0: none pending).
    kill_at: Vec<Nanos>,
}

impl Scenario for Kill {
    fn configure(&mut self, params: &ParamSet, _metrics: &mut Registry) {
        self.share = params.f64("share");
        self.offline_ns = secs_to_ns(params.f64("offline_s"));
        self.chance = 1.0 / params.f64("every_s");
        self.kill_share = params.f64("kill_share");
    }

    fn strike(&mut self, cx: &mut StrikeCx<'_>, hop: &Hop) -> Effect {
        if !in_share(hop, self.share, true) {
            return Effect::NONE;
        }
        let i = hop.instance as usize;
        if i >= self.kill_at.len() {
            self.kill_at.resize(i + 1, 0);
        }
        let at = self.kill_at[i];
        if at != 0 && cx.now >= at {
            self.kill_at[i] = 0;
            return Effect::on_device(DeviceEffect {
                kill: true,
                ..DeviceEffect::NONE
            });
        }
        if at != 0 || cx.rng.next_f64() >= self.chance {
            return Effect::NONE;
        }
        if cx.rng.next_f64() < self.kill_share {
            let within = (cx.rng.next_f64() * self.offline_ns as f64) as Nanos;
            self.kill_at[i] = cx.now + within.max(1);
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
        let off = run(&config("mobile", 1161, &[], &[]), 90);
        let on = run(&config("mobile", 1161, &["app-background-kill"], &[]), 90);
        assert_eq!(total(&off, "app_kills_total"), 0.0);
        assert!(total(&on, "app_kills_total") > 5.0);
    }

    #[test]
    fn symptom_appears() {
        let off = run(&config("mobile", 1162, &[], &[]), 120);
        let on = run(&config("mobile", 1162, &["app-background-kill"], &[]), 120);
        let lost = |lab| total_where(lab, "data_anomalies_total", "lost_write");
        assert_eq!(lost(&off), 0.0);
        assert!(lost(&on) > 3.0, "{}", lost(&on));
    }

    #[test]
    fn mitigation_reduces_symptom() {
        let fixed = run(
            &config(
                "mobile",
                1163,
                &["app-background-kill"],
                &[("persist_queue", "true")],
            ),
            120,
        );
        assert!(total(&fixed, "app_kills_total") > 5.0);
        assert_eq!(
            total_where(&fixed, "data_anomalies_total", "lost_write"),
            0.0
        );
    }
}
