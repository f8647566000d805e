//! # Thundering herd after a restart
//!
//! `herd_size` long-lived clients (mobile apps, devices, other services holding
//! connections) were connected to the service when it restarted: a deploy, a failover,
//! a load balancer reset. They all notice the dropped connection at the same instant
//! and reconnect at once, each re-fetching its state (a `GET /product` of a product of
//! its own, mostly not in the cache). With no jitter (`jitter_s` 0) the whole herd
//! arrives within one second: 10,000 calls a second against a fleet that serves about
//! 4,000 a second of CPU, on top of the usual 200. The accept queues fill in
//! milliseconds and the service refuses most calls with 503, the ordinary users' calls
//! too, until the herd has passed. A restarted service that is knocked over again
//! by its own clients looks like a failed deploy.
//!
//! ```text
//!   calls/s ▲
//!    10,000 │  █                 no jitter: everyone within 1 s → 503s
//!           │  █
//!     1,000 │  ▆▆▆▆▆▆▆▆▆▆        jitter_s 10: the same clients over 10 s
//!       200 │▁▁██████████▁▁▁▁▁
//!           └──┴─────────────▶ time
//!           restart
//! ```
//!
//! ## What to look at
//! - `client_reconnects_per_second` and `client_reconnects_total`: the herd's arrival
//!   rate and how many have come back.
//! - `http_requests_total{status="503"}`: some 6,000 of the herd's 10,000 calls are
//!   refused; the golden error rate (over the last 5 s) jumps to about 60 % for five
//!   seconds, and the accept queues are full (`queue_depth` about 4 × 64).
//! - `client_requests_total{outcome="error"}`: the ordinary users refused with the herd.
//!   The herd's own calls are counted apart, as `client_class_requests_total{client=
//!   "reconnecting"}`.
//!
//! ## How to fix it
//! Spread the reconnects: each client waits a random time in [0, `jitter_s`) before
//! reconnecting (full jitter). With `jitter_s` 10 the same herd arrives at 1,000 calls a
//! second, which the fleet absorbs at under a third of its CPU, and almost no call
//! fails. Clients should also back off exponentially when a reconnect fails, and a
//! restarted service can admit connections gradually. Refusing early does not help the
//! users here (`load-shedding` refuses them just the same while the herd passes): the
//! herd has to be spread at its source. No mitigation switch adds client jitter:
//! `jitter_s` is the fix.
//!
//! Where the numbers come from: AWS Architecture Blog, "Exponential Backoff And Jitter"
//! (Marc Brooker, 2015) on full jitter; Facebook's 2010 outage ("More Details on
//! Today's Outage", Robert Johnson) on clients retrying in sync. The 4,000 calls a
//! second is the web system's defaults: 4 instances × 4 cores / 4 ms of CPU each.

use crate::metrics::{CounterId, GaugeId, MetricSpec, Registry};
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{
    Component, Effect, Hop, LoadBalancerEffect, Scenario, ScenarioMeta, StrikeCx, FLOOD_HOP,
};
use crate::time::{ns_to_secs, secs_to_ns, Nanos, NS_PER_SEC};

const RECONNECTS: MetricSpec = MetricSpec::counter(
    "client_reconnects_total",
    "Clients of the herd that reconnected and re-fetched their state.",
    &[],
);
const RECONNECT_RATE: MetricSpec = MetricSpec::gauge(
    "client_reconnects_per_second",
    "Rate at which the herd's clients reconnect now.",
    &[],
);

pub static META: ScenarioMeta = ScenarioMeta {
    id: "thundering-herd-restart",
    title: "Thundering herd after a restart",
    category: "reliability",
    kind: crate::scenario::FaultKind::Overloaded,
    summary: "After a restart every client reconnects in the same second: the fleet refuses nearly everything until the herd passes; jitter spreads it.",
    source: crate::doc_of!("scenarios/reliability/thundering_herd_restart.rs"),
    own_params: &[
        ParamSpec::int(
            "herd_size",
            "clients",
            10_000,
            0,
            1_000_000,
            "Clients that reconnect after the restart (the scenario's start).",
        ),
        ParamSpec::float(
            "jitter_s",
            "s",
            0.0,
            0.0,
            3600.0,
            "Each client reconnects after a random wait in [0, jitter_s); 0 = all in the first second.",
        ),
    ],
    metrics: &[RECONNECTS, RECONNECT_RATE],
    strikes: &[Component::LoadBalancer],
    mitigations: &[],
    build: || Box::new(ThunderingHerd::default()),
    check: super::gray_failure::needs_load_balancer,
};

#[derive(Default)]
struct ThunderingHerd {
    herd: f64,
    window_ns: Nanos,
    /// The rate last set, and when.
    rate: f64,
    last: Option<Nanos>,
    reconnects: Option<CounterId>,
    rate_gauge: Option<GaugeId>,
}

impl Scenario for ThunderingHerd {
    fn configure(&mut self, params: &ParamSet, metrics: &mut Registry) {
        self.herd = params.i64("herd_size").max(0) as f64;
        // The load balancer asks once a second: a herd arrives over one second at least.
        self.window_ns = secs_to_ns(params.f64("jitter_s")).max(NS_PER_SEC);
        self.reconnects = Some(metrics.counter(&RECONNECTS, &[]));
        self.rate_gauge = Some(metrics.gauge(&RECONNECT_RATE, &[]));
    }

    fn strike(&mut self, cx: &mut StrikeCx<'_>, hop: &Hop) -> Effect {
        if hop.endpoint != FLOOD_HOP {
            return Effect::NONE;
        }
        // The herd that arrived since the last ask, at the rate set then.
        if let (Some(last), Some(c)) = (self.last, self.reconnects) {
            let came = self.rate * ns_to_secs(cx.now.saturating_sub(last));
            cx.metrics.add(c, came);
        }
        let age = cx.now.saturating_sub(cx.active_since);
        self.rate = if age < self.window_ns {
            self.herd / ns_to_secs(self.window_ns)
        } else {
            0.0
        };
        self.last = Some(cx.now);
        Effect::on_load_balancer(LoadBalancerEffect {
            flood_rps: self.rate,
            flood_client: Some("reconnecting"),
        })
    }

    fn on_sample(&mut self, metrics: &mut Registry, active: bool) {
        if let Some(g) = self.rate_gauge {
            metrics.set(g, if active { self.rate } else { 0.0 });
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("web", 2161, &[], &[]), 30);
        assert!(!registered(&off, "client_reconnects_total"));
        assert!(!registered(&off, "client_reconnects_per_second"));
        let on = run(&config("web", 2161, &["thundering-herd-restart"], &[]), 30);
        assert_eq!(total(&on, "client_reconnects_total"), 10_000.0);
        let rate = values_of(&on, "client_reconnects_per_second");
        assert_eq!(rate.iter().copied().fold(0.0, f64::max), 10_000.0);
        assert_eq!(rate.last().copied(), Some(0.0));
    }

    #[test]
    fn symptom_appears() {
        // Nearly everything is refused while the herd passes, users too.
        let on = run(&config("web", 2162, &["thundering-herd-restart"], &[]), 30);
        let off = run(&config("web", 2162, &[], &[]), 30);
        let refused = responses(&on, "GET /product", "503");
        assert!((5000.0..7500.0).contains(&refused), "503s {refused}");
        let errors = mean_between(&on, "error_rate", 1, 4);
        assert!(errors > 0.5, "error rate {errors}");
        let users = client_outcomes(&on, "error");
        assert!(
            users > 50.0 && client_outcomes(&off, "error") == 0.0,
            "users refused {users}"
        );
        // And it passes: no errors after the herd.
        let late = mean_between(&on, "error_rate", 15, 30);
        assert!(late < 0.01, "{late}");
    }

    #[test]
    fn mitigation_reduces_symptom() {
        let users = |jitter: &str| {
            let lab = run(
                &config(
                    "web",
                    2163,
                    &["thundering-herd-restart"],
                    &[("thundering-herd-restart.jitter_s", jitter)],
                ),
                30,
            );
            (
                client_outcomes(&lab, "error"),
                responses(&lab, "GET /product", "503"),
                total(&lab, "client_reconnects_total"),
            )
        };
        let (sync, sync_503, _) = users("0");
        let (spread, spread_503, herd) = users("10");
        assert_eq!(herd, 10_000.0, "the same herd");
        assert!(sync > 50.0, "{sync}");
        assert!(
            spread <= sync * 0.05,
            "user errors {sync} → {spread} with jitter"
        );
        assert!(
            spread_503 < sync_503 * 0.05,
            "503s {sync_503} → {spread_503}"
        );
    }
}
