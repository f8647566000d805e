//! # Network degradation
//!
//! One network link of the system gets slow, jittery or lossy: a congested switch, a
//! flapping route, a noisy neighbour on the host's NIC, a cross-zone hop after a
//! failover. The scenario adds `latency_ms` (one way, so a round trip pays it twice),
//! uniform `jitter_ms` and `loss` to the link named by `edge`, for `share_affected` of the
//! instances (links at an instance) — between any two parts that talk to each other:
//! clients ↔ load balancer, load balancer ↔ instance, instance ↔ cache, primary
//! database, replica, payment, DNS resolver. `partitioned` cuts the link (loss 1).
//!
//! A lost exchange is a timeout to the caller, not a retransmit delay: the caller waits
//! for its own timeout (or the system's `network_connect_timeout_ms`) and fails with 504
//! (a lost cache lookup becomes a miss, a lost health check ejects the instance).
//!
//! ```text
//!   clients ─client_lb─▶ lb ─lb_api─▶ api-i ─api_cache────▶ cache
//!                                          ├─api_database─▶ database  ◀─ +latency ±jitter, loss
//!                                          ├─api_replica──▶ replica
//!                                          ├─api_payment──▶ payment
//!                                          └─api_dns──────▶ resolver
//! ```
//!
//! ## What to look at
//! - `network_link_latency_seconds{from,to}`: the one-way time across the link.
//! - The span of the hop behind the link (e.g. the database span) grows by twice the
//!   latency; `http_request_duration_seconds` and `client_request_duration_seconds`
//!   follow.
//! - With loss: `network_packets_dropped_total{from,to}`, 504s at the connect timeout,
//!   "message lost on network link" log lines naming the link, and the trace attribute
//!   `network.lost_on`.
//!
//! ## How to fix it
//! Latency on a hot link is paid on every call: cache what crosses it, batch calls, keep
//! the parts in one zone. Against loss, `timeouts` shorter than the connect timeout
//! bound the wait and `retry-backoff` sends the retry (probably) over a healthy link.
//! Mitigations: `timeouts`, `retry-backoff`.

use crate::metrics::Registry;
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{
    no_check, Component, Edge, Effect, Hop, LinkFault, NetworkEffect, Scenario, ScenarioMeta,
    StrikeCx,
};
use crate::scenarios::network::network_partition::on_cut_side;
use crate::systems::web::metrics::{LINK_DROPPED, LINK_LATENCY, LINK_UP};
use crate::time::ms_to_ns;

pub static META: ScenarioMeta = ScenarioMeta {
    id: "network-degradation",
    title: "Network degradation",
    category: "network",
    kind: crate::scenario::FaultKind::Slow,
    summary: "Latency, jitter or loss on any one network link: between clients, load balancer, instances and their backends.",
    source: crate::doc_of!("scenarios/network/network_degradation.rs"),
    own_params: &[
        ParamSpec::choice(
            "edge",
            "api_database",
            Edge::NAMES,
            "Which link degrades: client_lb (clients ↔ load balancer), lb_api (load balancer ↔ instance), or from an instance to api_cache, api_database, api_replica, api_payment, api_dns.",
        ),
        ParamSpec::float(
            "latency_ms",
            "ms",
            50.0,
            0.0,
            60_000.0,
            "Extra one-way latency on the link (a round trip pays it twice).",
        ),
        ParamSpec::float(
            "jitter_ms",
            "ms",
            0.0,
            0.0,
            60_000.0,
            "Extra random one-way latency, uniform up to this.",
        ),
        ParamSpec::float(
            "loss",
            "",
            0.0,
            0.0,
            1.0,
            "Chance that an exchange across the link is lost (the caller times out).",
        ),
        ParamSpec::boolean(
            "partitioned",
            false,
            "Cut the link: every exchange is lost (loss 1).",
        ),
        ParamSpec::float(
            "share_affected",
            "",
            1.0,
            0.0,
            1.0,
            "Share of instances whose link degrades (links at an instance; api-0 first).",
        ),
    ],
    metrics: &[LINK_LATENCY, LINK_DROPPED, LINK_UP],
    strikes: &[Component::Network],
    mitigations: &["timeouts", "retry-backoff"],
    build: || Box::new(NetworkDegradation::default()),
    check: no_check,
};

#[derive(Default)]
struct NetworkDegradation {
    edge: Option<Edge>,
    fault: LinkFault,
    share: f64,
}

impl Scenario for NetworkDegradation {
    fn configure(&mut self, params: &ParamSet, _metrics: &mut Registry) {
        self.edge = Edge::parse(params.choice("edge"));
        self.fault = LinkFault {
            latency_ns: ms_to_ns(params.f64("latency_ms")),
            jitter_ns: ms_to_ns(params.f64("jitter_ms")),
            loss: if params.bool("partitioned") {
                1.0
            } else {
                params.f64("loss")
            },
            ..LinkFault::NONE
        };
        self.share = params.f64("share_affected");
    }

    fn strike(&mut self, _cx: &mut StrikeCx<'_>, hop: &Hop) -> Effect {
        let Some(edge) = hop.edge.filter(|&e| Some(e) == self.edge) else {
            return Effect::NONE;
        };
        if edge.per_instance() && !on_cut_side(hop.instance, hop.fleet, self.share) {
            return Effect::NONE;
        }
        Effect::on_network(NetworkEffect {
            link: self.fault,
            ..NetworkEffect::NONE
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("web", 641, &[], &[]), 20);
        assert!(!registered(&off, "network_link_latency_seconds"));
        assert!(!registered(&off, "network_packets_dropped_total"));
        let on = run(&config("web", 641, &["network-degradation"], &[]), 20);
        // Writes cross the primary's link (reads go to the replica): two observations each.
        let orders = on
            .metrics()
            .family_total_where("db_query_duration_seconds", |_, v| v[0] == "write");
        let crossings = on
            .metrics()
            .family_total_where("network_link_latency_seconds", |_, v| v[1] == "postgres");
        assert!(crossings > 500.0, "{crossings}");
        assert!(
            (crossings - 2.0 * orders).abs() <= 2.0 * 64.0,
            "{crossings} vs {orders}"
        );
        assert_eq!(total(&on, "network_packets_dropped_total"), 0.0);
        assert_eq!(
            total(&on, "network_link_up"),
            4.0,
            "four instance links, all up"
        );
        // 50 ms on top of the link's own 0.25 ms + jitter up to 0.1 ms.
        let (_, counts, sum) = on
            .metrics()
            .family_histogram("network_link_latency_seconds")
            .unwrap();
        let mean = sum / *counts.last().unwrap() as f64;
        assert!((0.05025..0.05035).contains(&mean), "{mean}");
    }

    #[test]
    fn symptom_appears() {
        // 50 ms each way on the primary's link: the database span and the order latency
        // grow by the round trip, 100 ms; reads (replica, cache) do not move.
        let base = run(&config("web", 642, &[], &[]), 30);
        let slow = run(&config("web", 642, &["network-degradation"], &[]), 30);
        let p50 = |lab: &crate::sim::Lab, e: &str| {
            quantile_where(lab, "http_request_duration_seconds", e, 0.5)
        };
        let grew = p50(&slow, "POST /order") - p50(&base, "POST /order");
        assert!((0.08..0.13).contains(&grew), "order p50 grew {grew}");
        let reads = p50(&slow, "GET /product") - p50(&base, "GET /product");
        assert!(reads.abs() < 0.01, "reads moved {reads}");
        let span = slow
            .traces()
            .flat_map(|t| t.spans.iter())
            .find(|s| s.operation == "INSERT order")
            .expect("an order trace");
        assert!(span.duration_ns >= 100_000_000, "{span:?}");
    }

    #[test]
    fn mitigation_reduces_symptom() {
        // 20 % of the exchanges with payment are lost: about 20 % of the payment calls
        // fail with 504 after the connect timeout, as data, never as an engine error.
        let sets = [
            ("network-degradation.edge", "api_payment"),
            ("network-degradation.latency_ms", "0"),
            ("network-degradation.loss", "0.2"),
        ];
        let lab = run(&config("web", 643, &["network-degradation"], &sets), 60);
        let calls = |o: &str| {
            lab.metrics()
                .family_total_where("dependency_requests_total", |_, v| v[1] == o)
        };
        let share = calls("error") / (calls("error") + calls("success"));
        assert!((0.16..0.24).contains(&share), "lost share {share}");
        let dropped = total(&lab, "network_packets_dropped_total");
        assert!((dropped - calls("error")).abs() <= 20.0, "{dropped}");
        assert!(responses(&lab, "POST /order", "504") > 0.8 * calls("error"));
        assert!(lab
            .logs()
            .any(|l| l.message == "message lost on network link"
                && l.fields.iter().any(|(k, v)| *k == "to" && v == "payment")));
        assert!(lab.traces().any(|t| t.spans.iter().any(
            |s| s.operation == "POST /charge" && s.status == crate::observe::SpanStatus::Error
        )));
        let failed = |switches: &[&str]| {
            client_outcomes(&run(&config("web", 643, switches, &sets), 60), "error")
        };
        let without = failed(&["network-degradation"]);
        let with = failed(&["network-degradation", "retry-backoff"]);
        assert!(without > 300.0, "{without}");
        assert!(with < without * 0.3, "failed calls {without} → {with}");
    }

    #[test]
    fn latency_between_clients_and_load_balancer_reaches_only_the_client() {
        let sets = [
            ("network-degradation.edge", "client_lb"),
            ("network-degradation.latency_ms", "30"),
        ];
        let base = run(&config("web", 644, &[], &[]), 20);
        let lab = run(&config("web", 644, &["network-degradation"], &sets), 20);
        let client = |l: &crate::sim::Lab| quantile_all(l, "client_request_duration_seconds", 0.5);
        let server = |l: &crate::sim::Lab| quantile_all(l, "http_request_duration_seconds", 0.5);
        let grew = client(&lab) - client(&base);
        assert!((0.05..0.075).contains(&grew), "client p50 grew {grew}");
        assert!((server(&lab) - server(&base)).abs() < 0.005);
    }

    #[test]
    fn a_cut_load_balancer_link_fails_health_checks_and_the_instance_is_ejected() {
        // At 5.1 s api-0's link from the load balancer is cut: requests sent to it are
        // lost until the next health check (every 2 s, at 6 s) fails and ejects it; then
        // only the checks are.
        let sets = [
            ("network-degradation.edge", "lb_api"),
            ("network-degradation.partitioned", "true"),
            ("network-degradation.share_affected", "0.25"),
            ("network-degradation.start_s", "5.1"),
        ];
        let lab = run(&config("web", 645, &["network-degradation"], &sets), 30);
        let dropped = total(&lab, "network_packets_dropped_total");
        // ~0.9 s of a quarter of 200 req/s, plus one failed check per interval.
        assert!((40.0..100.0).contains(&dropped), "{dropped}");
        assert_eq!(
            series_values(&lab, "network_link_up", "lb").last(),
            Some(&0.0)
        );
        let lost = responses(&lab, "GET /product", "504") + responses(&lab, "POST /order", "504");
        assert!((30.0..90.0).contains(&lost), "{lost}");
        assert!(lab
            .logs()
            .any(|l| l.message.starts_with("upstream connect timed out")));
        let ok = responses(&lab, "GET /product", "200");
        assert!(ok > 3000.0, "the other three instances serve: {ok}");
    }
}
