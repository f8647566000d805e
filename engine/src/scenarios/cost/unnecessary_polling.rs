//! # Unnecessary polling
//!
//! The mobile app shows a product's stock and price, and keeps them fresh by asking
//! the service every `poll_interval_s` seconds on every open screen (`devices` of them),
//! whether anything changed or not. The data changes about once every
//! `change_interval_s`, so nearly every poll returns the same 20 KB again. With 2,000
//! open screens polling every 5 s that is 400 requests a second, twice what the real
//! users send, and 60 polls for each change: the load balancer, the instances, the
//! cache and the database do three times the work, and the egress line of the bill
//! triples.
//!
//! Polls come from one class of client, counted apart as `client="poller"`; each asks
//! for one product, spread over the catalogue (every screen watches its own), so most
//! miss the cache and reach the database.
//!
//! ```text
//!   2,000 screens ──every 5 s──▶ GET /product ──▶ 20 KB, unchanged 59 times out of 60
//!   push instead:  service ──on change (every 300 s)──▶ screen
//! ```
//!
//! ## What to look at
//! - `client_class_requests_total{client="poller"}`: the polls' rate beside the users'
//!   (`client="others"`).
//! - The cost panel: `cost_rate_dollars_per_hour{resource="internet_egress"}` and the
//!   load balancer's line.
//! - `http_requests_total` and `cache_miss_total` up with no more users.
//!
//! ## How to fix it
//! Push changes instead of being asked (`delivery=push`: server-sent events, WebSocket,
//! mobile push notifications or webhooks for servers): one message per change. Where
//! polling stays, poll less often, back off while nothing changes, and answer
//! conditional requests (`ETag` / `If-None-Match`) with a 304 and no body.

use crate::metrics::Registry;
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{
    no_check, Component, Effect, Hop, LoadBalancerEffect, Scenario, ScenarioMeta, StrikeCx,
    FLOOD_HOP,
};
use crate::systems::cost::{COST, COST_RATE, TRANSFER};
use crate::systems::web::metrics::{CLIENT_CLASS_DURATION, CLIENT_CLASS_REQUESTS};

pub static META: ScenarioMeta = ScenarioMeta {
    id: "unnecessary-polling",
    title: "Unnecessary polling",
    category: "cost",
    kind: crate::scenario::FaultKind::Overloaded,
    summary: "Every open screen polls for changes every few seconds: three times the traffic and the egress bill for data that rarely changes.",
    source: crate::doc_of!("scenarios/cost/unnecessary_polling.rs"),
    own_params: &[
        ParamSpec::int(
            "devices",
            "screens",
            2000,
            1,
            10_000_000,
            "Open screens that keep the data fresh.",
        ),
        ParamSpec::float(
            "poll_interval_s",
            "s",
            5.0,
            0.1,
            86_400.0,
            "How often each screen asks (delivery=poll).",
        ),
        ParamSpec::float(
            "change_interval_s",
            "s",
            300.0,
            0.1,
            86_400.0,
            "How often the data a screen watches changes (one push each, delivery=push).",
        ),
        ParamSpec::choice(
            "delivery",
            "poll",
            &["poll", "push"],
            "poll (ask on a timer: the fault) or push (be told on change).",
        ),
    ],
    metrics: &[
        CLIENT_CLASS_REQUESTS,
        CLIENT_CLASS_DURATION,
        COST,
        COST_RATE,
        TRANSFER,
    ],
    strikes: &[Component::LoadBalancer],
    mitigations: &[],
    build: || Box::new(Polling::default()),
    check: no_check,
};

#[derive(Default)]
struct Polling {
    rate: f64,
}

impl Scenario for Polling {
    fn configure(&mut self, params: &ParamSet, _metrics: &mut Registry) {
        let devices = params.i64("devices") as f64;
        self.rate = if params.choice("delivery") == "push" {
            devices / params.f64("change_interval_s")
        } else {
            devices / params.f64("poll_interval_s")
        };
    }

    fn strike(&mut self, _cx: &mut StrikeCx<'_>, hop: &Hop) -> Effect {
        if hop.endpoint != FLOOD_HOP {
            return Effect::NONE;
        }
        Effect::on_load_balancer(LoadBalancerEffect {
            flood_rps: self.rate,
            flood_client: Some("poller"),
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;

    fn polls(lab: &crate::sim::Lab) -> f64 {
        total_where(lab, "client_class_requests_total", "poller")
    }

    fn egress(lab: &crate::sim::Lab) -> f64 {
        total_where(lab, "cost_dollars_total", "internet_egress")
    }

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("web", 991, &[], &[]), 30);
        assert!(!registered(&off, "client_class_requests_total"));
        let on = run(&config("web", 991, &["unnecessary-polling"], &[]), 30);
        // 2,000 screens every 5 s: about 400 polls a second.
        let rate = polls(&on) / 29.0;
        assert!((360.0..440.0).contains(&rate), "{rate}/s");
        assert!(total_where(&on, "client_class_requests_total", "others") > 0.0);
    }

    #[test]
    fn symptom_appears() {
        // Three times the traffic and about three times the egress, for the same users.
        let off = run(&config("web", 992, &[], &[]), 60);
        let on = run(&config("web", 992, &["unnecessary-polling"], &[]), 60);
        let ratio = egress(&on) / egress(&off);
        assert!((2.5..3.8).contains(&ratio), "egress ×{ratio}");
        let requests = |lab| total(lab, "http_requests_total");
        assert!(requests(&on) > 2.5 * requests(&off));
        assert!(total(&on, "cost_dollars_total") > 1.5 * total(&off, "cost_dollars_total"));
    }

    #[test]
    fn diagnosis_signal_identifies_it() {
        // Push: one message per change, 60 times fewer calls; the bill is back near the
        // users' own.
        let off = run(&config("web", 993, &[], &[]), 60);
        let push = run(
            &config(
                "web",
                993,
                &["unnecessary-polling"],
                &[("unnecessary-polling.delivery", "push")],
            ),
            60,
        );
        let rate = polls(&push) / 59.0;
        assert!((4.0..10.0).contains(&rate), "{rate}/s");
        let ratio = egress(&push) / egress(&off);
        assert!(ratio < 1.1, "egress ×{ratio}");
    }
}
