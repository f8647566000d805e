//! # Network partition
//!
//! The network between some service instances and one of their neighbours is cut: a
//! switch fails, a security-group change, a zone loses its uplink. The scenario cuts one
//! of the system's shared network links (`link`, e.g. `api_database`: instance ↔
//! primary database) for `share_cut` of the instances: every exchange across it is lost
//! (`loss` 1; below 1 the link only drops that share). A call across the cut hangs until
//! the caller's timeout (the system's `network_connect_timeout_ms`, or the `timeouts`
//! mitigation's when it is tighter) and then fails with 504. Only the instances on the
//! wrong side are affected; the load balancer's health checks still pass, because the
//! instances themselves are up — unless the cut link is the load balancer's own
//! (`lb_api`): then its checks fail too and it ejects the cut instances.
//!
//! ```text
//!   api-0 ─╳─╳─╳─ database          (cut: calls hang, then fail)
//!   api-1 ───────  database          (fine)
//!   api-2 ─╳─╳─╳─ database
//!   api-3 ───────  database
//! ```
//!
//! ## What to look at
//! - `network_partition_active`, `network_link_up{from,to}` (0 on the cut links) and
//!   `network_packets_dropped_total{from,to}`.
//! - 504s and latency at the connect timeout, from some instances only: the trace
//!   attributes `instance` and `network.lost_on`, and the logs' `instance` field and the
//!   "message lost on network link" lines show which.
//!
//! ## How to fix it
//! Bound the wait with `timeouts` (a call across the cut fails at the timeout instead of
//! the connect timeout), and route around it: `retry-backoff` (with a budget that
//! allows the retries: `budget_ratio` 1) sends the retry through the load balancer to
//! (probably) another instance; outlier detection that ejects instances failing their
//! calls would do it for good (the lab has none). Then repair the network.

use crate::metrics::{GaugeId, MetricSpec, Registry};
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{
    no_check, Component, Edge, Effect, Hop, LinkFault, NetworkEffect, Scenario, ScenarioMeta,
    StrikeCx,
};
use crate::systems::web::metrics::{LINK_DROPPED, LINK_UP};

const ACTIVE: MetricSpec = MetricSpec::gauge(
    "network_partition_active",
    "1 while the partition is in place.",
    &[],
);

pub static META: ScenarioMeta = ScenarioMeta {
    id: "network-partition",
    title: "Network partition",
    category: "network",
    kind: crate::scenario::FaultKind::Unreachable,
    summary: "Some instances lose their link to the database (or any other neighbour).",
    source: crate::doc_of!("scenarios/network/network_partition.rs"),
    own_params: &[
        ParamSpec::choice(
            "link",
            "api_database",
            Edge::NAMES,
            "Which network link is cut: client_lb (clients ↔ load balancer), lb_api (load balancer ↔ instance), or from an instance to api_cache, api_database, api_replica, api_payment, api_dns.",
        ),
        ParamSpec::float(
            "share_cut",
            "",
            0.5,
            0.0,
            1.0,
            "Share of instances on the wrong side of the cut (links at an instance).",
        ),
        ParamSpec::float(
            "loss",
            "",
            1.0,
            0.0,
            1.0,
            "Share of exchanges lost across the cut (1 = total partition).",
        ),
    ],
    metrics: &[ACTIVE, LINK_DROPPED, LINK_UP],
    // The link, and for the diagram the parts behind it.
    strikes: &[
        Component::Network,
        Component::Database,
        Component::Cache,
        Component::Dependency,
    ],
    mitigations: &["retry-backoff", "timeouts"],
    build: || Box::new(NetworkPartition::default()),
    check: no_check,
};

#[derive(Default)]
struct NetworkPartition {
    link: Option<Edge>,
    share: f64,
    loss: f64,
    active: Option<GaugeId>,
}

/// Whether `instance` of `fleet` is among the first `share` of the instances (api-0 first).
pub(crate) fn on_cut_side(instance: u32, fleet: u32, share: f64) -> bool {
    (f64::from(instance) + 0.5) / f64::from(fleet.max(1)) < share
}

impl Scenario for NetworkPartition {
    fn configure(&mut self, params: &ParamSet, metrics: &mut Registry) {
        self.link = Edge::parse(params.choice("link"));
        self.share = params.f64("share_cut");
        self.loss = params.f64("loss");
        self.active = Some(metrics.gauge(&ACTIVE, &[]));
    }

    fn strike(&mut self, _cx: &mut StrikeCx<'_>, hop: &Hop) -> Effect {
        let Some(edge) = hop.edge.filter(|&e| Some(e) == self.link) else {
            return Effect::NONE;
        };
        if edge.per_instance() && !on_cut_side(hop.instance, hop.fleet, self.share) {
            return Effect::NONE;
        }
        Effect::on_network(NetworkEffect {
            link: LinkFault {
                loss: self.loss,
                ..LinkFault::NONE
            },
            ..NetworkEffect::NONE
        })
    }

    fn on_sample(&mut self, metrics: &mut Registry, active: bool) {
        if let Some(g) = self.active {
            metrics.set(g, f64::from(u8::from(active)));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("web", 61, &[], &[]), 30);
        assert!(!registered(&off, "network_packets_dropped_total"));
        assert!(!registered(&off, "network_link_up"));
        let on = run(&config("web", 61, &["network-partition"], &[]), 30);
        assert!(total(&on, "network_packets_dropped_total") > 100.0);
        assert_eq!(total(&on, "network_partition_active"), 1.0);
        // api-0 and api-1 are cut from the primary; the other two links are up.
        assert_eq!(
            series_values(&on, "network_link_up", "api-0").last(),
            Some(&0.0)
        );
        assert_eq!(series_values(&on, "network_link_up", "api-3").last(), None);
        assert_eq!(total(&on, "network_link_up"), 0.0);
    }

    #[test]
    fn symptom_appears() {
        // Half the instances cannot reach the database: the calls that miss the cache
        // there hang for a second and fail.
        let mut lab = run(&config("web", 62, &["network-partition"], &[]), 60);
        let g = lab.golden();
        assert!(g.error_rate > 0.05, "{g:?}");
        assert!(g.latency_p99_s >= 0.9, "{g:?}");
        let bad: Vec<_> = lab
            .logs()
            .filter(|l| l.message == "database call timed out")
            .collect();
        assert!(!bad.is_empty());
        assert!(bad.iter().all(|l| l
            .fields
            .iter()
            .any(|(k, v)| *k == "instance" && (v == "api-0" || v == "api-1"))));
        assert!(lab.summary().errors_total > 0);
    }

    #[test]
    fn mitigation_reduces_symptom() {
        let failed = |switches: &[&str], sets: &[(&str, &str)]| {
            client_outcomes(&run(&config("web", 63, switches, sets), 90), "error")
        };
        let without = failed(&["network-partition"], &[]);
        let with = failed(
            &["network-partition", "retry-backoff"],
            &[("retry-backoff.budget_ratio", "1")],
        );
        assert!(without > 200.0, "{without}");
        assert!(
            with < without * 0.35,
            "failed calls {without} → {with}: retries land on healthy instances"
        );
    }
}
