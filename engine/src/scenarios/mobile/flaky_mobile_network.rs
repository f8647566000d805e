//! # Flaky mobile network
//!
//! The cellular half of the fleet is on a bad stretch of network: `loss` of the calls
//! get no answer (a packet lost that stalls the connection, a request or a response
//! that never arrives) and every `drop_every_s` or so a device drops out for
//! `drop_s`. A call with no answer waits for the app's timeout (10 s) and is retried at
//! once. Half the lost calls had reached the server: for a write, the server applied
//! it, and the retry applies it **again** unless the app sends an idempotency key. Edits
//! made during a drop-out wait in the offline queue.
//!
//! ```text
//!   PUT /records/7 ──▶ server applies (v8) ──▶ answer lost ✗
//!        … 10 s timeout … retry PUT /records/7 ──▶ applied again (v9): a duplicate
//!   with an Idempotency-Key: the server answers the stored result, applies nothing
//! ```
//!
//! With the defaults (200 devices, the cellular 100 struck, 10% loss, a drop-out every
//! minute or so for 10 s) a 120 s run has about 50 timeouts (3 without the scenario),
//! a p95 on the cellular networks near 7 s (0.7 s without), and a handful of duplicate
//! writes (7 in one such run) where the run without the scenario has none.
//!
//! ## What to look at
//! - `client_requests_total{outcome="timeout"}` and
//!   `device_request_duration_seconds{network}`: the p99 of the cellular networks at
//!   the timeout.
//! - `duplicate_writes_total` and `data_anomalies_total{kind="duplicate_applied"}`.
//! - `offline_queue_depth` and `devices_online` during drop-outs.
//!
//! ## How to fix it
//! Make writes idempotent: the client generates a key per edit and sends it with every
//! attempt; the server stores the key with the result and answers a repeat from it (the
//! mobile system's `idempotency_keys`). Stripe's API works this way (its
//! `Idempotency-Key` header). The timeouts remain: that is the network.

use crate::metrics::Registry;
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{
    no_check, Component, DeviceEffect, Effect, FaultKind, Hop, Scenario, ScenarioMeta, StrikeCx,
};
use crate::systems::common::DATA_ANOMALIES;
use crate::systems::mobile::{in_share, CLIENT_REQUESTS, DUPLICATES, ONLINE, QUEUE};
use crate::time::secs_to_ns;

pub static META: ScenarioMeta = ScenarioMeta {
    id: "flaky-mobile-network",
    title: "Flaky mobile network",
    category: "mobile",
    kind: FaultKind::Failing,
    summary: "Cellular devices lose calls and drop out: timeouts, retries, and writes applied twice without idempotency keys.",
    source: crate::doc_of!("scenarios/mobile/flaky_mobile_network.rs"),
    own_params: &[
        ParamSpec::float("share", "share", 0.5, 0.0, 1.0, "Share of the fleet struck (the last devices: the cellular ones with the default mix)."),
        ParamSpec::float("loss", "share", 0.1, 0.0, 1.0, "Share of calls that get no answer."),
        ParamSpec::float("drop_every_s", "s", 60.0, 1.0, 86_400.0, "Mean time between a device's drop-outs."),
        ParamSpec::float("drop_s", "s", 10.0, 0.0, 86_400.0, "How long a drop-out lasts."),
    ],
    metrics: &[CLIENT_REQUESTS, DUPLICATES, DATA_ANOMALIES, QUEUE, ONLINE],
    strikes: &[Component::Device],
    mitigations: &[],
    build: || Box::new(Flaky::default()),
    check: no_check,
};

#[derive(Default)]
struct Flaky {
    share: f64,
    loss: f64,
    drop_chance: f64,
    drop_ns: u64,
}

impl Scenario for Flaky {
    fn configure(&mut self, params: &ParamSet, _metrics: &mut Registry) {
        self.share = params.f64("share");
        self.loss = params.f64("loss");
        self.drop_chance = 1.0 / params.f64("drop_every_s");
        self.drop_ns = secs_to_ns(params.f64("drop_s"));
    }

    fn strike(&mut self, cx: &mut StrikeCx<'_>, hop: &Hop) -> Effect {
        if !in_share(hop, self.share, true) {
            return Effect::NONE;
        }
        let drop = cx.rng.next_f64() < self.drop_chance;
        Effect::on_device(DeviceEffect {
            loss: self.loss,
            offline_ns: if drop { self.drop_ns } else { 0 },
            ..DeviceEffect::NONE
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("mobile", 1101, &[], &[]), 90);
        let on = run(&config("mobile", 1101, &["flaky-mobile-network"], &[]), 90);
        assert_eq!(total(&off, "duplicate_writes_total"), 0.0);
        assert!(total(&on, "duplicate_writes_total") > 0.0);
        let timeouts = |lab| total_where(lab, "client_requests_total", "timeout");
        assert!(
            timeouts(&on) > 3.0 * timeouts(&off).max(1.0),
            "{} vs {}",
            timeouts(&on),
            timeouts(&off)
        );
    }

    #[test]
    fn symptom_appears() {
        let off = run(&config("mobile", 1102, &[], &[]), 120);
        let on = run(&config("mobile", 1102, &["flaky-mobile-network"], &[]), 120);
        let p99 = |lab| quantile_where(lab, "device_request_duration_seconds", "slow4g", 0.99);
        assert!(
            p99(&on) > 5.0 && p99(&off) < 2.0,
            "{} vs {}",
            p99(&on),
            p99(&off)
        );
        assert!(total_where(&on, "data_anomalies_total", "duplicate_applied") > 3.0);
    }

    #[test]
    fn mitigation_reduces_symptom() {
        let on = run(&config("mobile", 1103, &["flaky-mobile-network"], &[]), 120);
        let fixed = run(
            &config(
                "mobile",
                1103,
                &["flaky-mobile-network"],
                &[("idempotency_keys", "true")],
            ),
            120,
        );
        assert!(total(&on, "duplicate_writes_total") > 3.0);
        assert_eq!(total(&fixed, "duplicate_writes_total"), 0.0);
        assert_eq!(
            total_where(&fixed, "data_anomalies_total", "duplicate_applied"),
            0.0
        );
    }
}
