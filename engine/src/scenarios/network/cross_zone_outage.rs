//! # Cross-zone outage
//!
//! The fleet is spread over `zones` availability zones (api-i in zone i mod `zones`:
//! with 4 instances and 2 zones, api-0 and api-2 in zone a). Zone a goes dark — power,
//! cooling, its network fabric — so everything in it becomes unreachable at once. The
//! load balancer's health checks cannot reach zone a's instances either, so it ejects
//! them at its next check (every 2 s). That part was planned for: the other zone has
//! the capacity. What was not: the database's read replica also lives in zone a
//! (`replica_in_zone` on). The surviving instances, healthy and in rotation, send every
//! product read that misses the cache to a replica that is gone; each waits for the
//! connect timeout (1 s), holding its worker, and fails with 504. Sixteen such reads in
//! a second hold all 16 workers of an instance, its accept queue fills, and everything
//! else is refused with 503: the zone that did not fail collapses through its
//! dependency on the one that did, and nearly every request fails.
//!
//! ```text
//!   zone a ░░ DARK ░░          zone b
//!   api-0 ╳   api-2 ╳          api-1 ✗   api-3 ✗   (up, in rotation, workers stuck)
//!   read replica ╳ ◀──── reads ───┘────────┘  (miss → replica → 1 s → 504)
//!                              primary ✓
//! ```
//!
//! ## What to look at
//! - `zone_up{zone}`: zone a at 0; `network_link_up{from,to}` 0 on the links into it
//!   and `network_packets_dropped_total` growing on `api_replica`.
//! - The golden error rate near 100 % (98 % with the defaults) although half the fleet
//!   is healthy: `http_requests_total{status="503"}` (full accept queues, queue depth
//!   2 × 64) and `{status="504"}` (reads lost on the way to the replica, logged by
//!   api-1 and api-3); latency p99 of several seconds.
//!
//! ## How to fix it
//! Make each zone able to run alone (static stability): a replica in every zone, or
//! reads that fall back to the primary. With `read_replica` off (a system parameter)
//! reads go to the primary, which is in the healthy zone, and the error rate stays at
//! 0. Tight timeouts (`timeouts`) free the workers sooner but do not save the reads:
//! the error rate only falls to about 85 %. No mitigation switch moves the replica:
//! `read_replica` is the lab's fix.
//!
//! Where the numbers come from: AWS Well-Architected Framework, Reliability Pillar
//! (fault isolation with availability zones, static stability); the AWS us-east-1
//! power event of June 2012, when one zone lost power and services that depended on
//! resources in it failed with it. The 1 s connect timeout, 2 s health checks and 16
//! workers are the web system's defaults.

use crate::metrics::{GaugeId, MetricSpec, Registry};
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{
    no_check, Component, Edge, Effect, Hop, LinkFault, NetworkEffect, Scenario, ScenarioMeta,
    StrikeCx,
};
use crate::systems::web::metrics::{LINK_DROPPED, LINK_UP};

const ZONE_UP: MetricSpec = MetricSpec::gauge(
    "zone_up",
    "1 while the availability zone is reachable, 0 while it is dark.",
    &["zone"],
);

const ZONE_NAMES: [&str; 8] = ["a", "b", "c", "d", "e", "f", "g", "h"];

pub static META: ScenarioMeta = ScenarioMeta {
    id: "cross-zone-outage",
    title: "Cross-zone outage",
    category: "network",
    kind: crate::scenario::FaultKind::Unreachable,
    summary: "One availability zone goes dark: its instances are ejected, but the healthy zone still reads from a replica that lived there.",
    source: crate::doc_of!("scenarios/network/cross_zone_outage.rs"),
    own_params: &[
        ParamSpec::int(
            "zones",
            "zones",
            2,
            2,
            8,
            "Availability zones the instances are spread over (api-i in zone i mod zones); zone a fails.",
        ),
        ParamSpec::boolean(
            "replica_in_zone",
            true,
            "The database's read replica is in the failed zone.",
        ),
    ],
    metrics: &[ZONE_UP, LINK_DROPPED, LINK_UP],
    strikes: &[Component::Network, Component::LoadBalancer, Component::Database],
    mitigations: &[],
    build: || Box::new(CrossZoneOutage::default()),
    check: no_check,
};

#[derive(Default)]
struct CrossZoneOutage {
    zones: u32,
    replica_in_zone: bool,
    gauges: Vec<GaugeId>,
}

impl Scenario for CrossZoneOutage {
    fn configure(&mut self, params: &ParamSet, metrics: &mut Registry) {
        self.zones = params.i64("zones").clamp(2, 8) as u32;
        self.replica_in_zone = params.bool("replica_in_zone");
        self.gauges = ZONE_NAMES[..self.zones as usize]
            .iter()
            .map(|z| metrics.gauge(&ZONE_UP, &[z]))
            .collect();
    }

    fn strike(&mut self, _cx: &mut StrikeCx<'_>, hop: &Hop) -> Effect {
        let cut = match hop.edge {
            Some(Edge::LbApi) => hop.instance % self.zones == 0,
            Some(Edge::ApiReplica) => self.replica_in_zone || hop.instance % self.zones == 0,
            // Everything else from an instance in the dark zone is gone with it.
            Some(e) if e.per_instance() => hop.instance % self.zones == 0,
            _ => false,
        };
        if !cut {
            return Effect::NONE;
        }
        Effect::on_network(NetworkEffect {
            link: LinkFault {
                loss: 1.0,
                ..LinkFault::NONE
            },
            ..NetworkEffect::NONE
        })
    }

    fn on_sample(&mut self, metrics: &mut Registry, active: bool) {
        for (z, &g) in self.gauges.iter().enumerate() {
            let dark = active && z == 0;
            metrics.set(g, if dark { 0.0 } else { 1.0 });
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;

    fn failed_reads_from(lab: &crate::sim::Lab, instance: &str) -> usize {
        lab.logs()
            .filter(|l| {
                l.fields
                    .iter()
                    .any(|(k, v)| *k == "instance" && v == instance)
                    && l.fields.iter().any(|(k, v)| *k == "status" && v == "504")
            })
            .count()
    }

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("web", 2191, &[], &[]), 30);
        assert!(!registered(&off, "zone_up"));
        assert!(!registered(&off, "network_packets_dropped_total"));
        let on = run(&config("web", 2191, &["cross-zone-outage"], &[]), 30);
        assert_eq!(series_values(&on, "zone_up", "a").last(), Some(&0.0));
        assert_eq!(series_values(&on, "zone_up", "b").last(), Some(&1.0));
        assert!(total(&on, "network_packets_dropped_total") > 50.0);
    }

    #[test]
    fn symptom_appears() {
        // The healthy zone's instances fail their cache-missing reads all along.
        let on = run(&config("web", 2192, &["cross-zone-outage"], &[]), 60);
        let off = run(&config("web", 2192, &[], &[]), 60);
        let failed = responses(&on, "GET /product", "504");
        assert!(failed > 200.0, "{failed}");
        assert_eq!(responses(&off, "GET /product", "504"), 0.0);
        let late = mean_between(&on, "error_rate", 20, 60);
        assert!(late > 0.9, "the healthy zone collapses: {late}");
        assert!(on.golden().latency_p99_s > 0.9);
        assert!(failed_reads_from(&on, "api-1") + failed_reads_from(&on, "api-3") > 0);
    }

    #[test]
    fn mitigation_reduces_symptom() {
        let failed = |sets: &[(&str, &str)]| {
            let lab = run(&config("web", 2193, &["cross-zone-outage"], sets), 60);
            (
                responses(&lab, "GET /product", "504"),
                mean_between(&lab, "error_rate", 20, 60),
            )
        };
        let (replica, replica_late) = failed(&[]);
        let (primary, primary_late) = failed(&[("read_replica", "false")]);
        assert!(replica > 200.0, "{replica}");
        assert!(primary < replica * 0.3, "504s {replica} → {primary}");
        assert!(
            primary_late < 0.001 && replica_late > 0.03,
            "late error rate {replica_late} → {primary_late}"
        );
    }
}
