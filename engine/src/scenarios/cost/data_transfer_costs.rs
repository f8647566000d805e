//! # Data transfer costs (between regions)
//!
//! The product reads were pointed at a backend in another region: a cross-region read
//! replica made for disaster recovery and then used "to spread the load", or a cache
//! cluster left in the old region after a migration. Nothing fails. Every read that
//! reaches it crosses regions twice (there and back) and pays for it twice: in time
//! (`one_way_ms` each way, about 32 ms between us-east-1 and us-west-2, whose round trip
//! is about 65 ms in AWS's inter-region latency figures) and in money, every byte
//! billed as inter-region transfer ($0.02/GB between US regions, `price_inter_region_gb`)
//! where a byte between zones of one region costs $0.02 only if it crosses zones and
//! nothing within a zone.
//!
//! ```text
//!   us-east-1                                   us-west-2
//!   api-i ──── GET /product ── 32 ms ──────────▶ replica (or cache)
//!         ◀─── 20 KB × every read ── $0.02/GB ──
//! ```
//!
//! With the defaults (200 requests/s, 80 % reads of 20 KB, the cache in front of the
//! replica, about 45 % of reads missing it in the first two minutes) the replica serves
//! the misses and the inter-region line is about $0.10 an hour; point `backend` at the
//! cache and every read crosses: about $0.21 an hour, a fifth of what internet egress
//! costs, for bytes no user ever sees. Both are per 200 requests a second: the line
//! grows with traffic, while the instances' line does not.
//!
//! ## What to look at
//! - The cost panel: `cost_rate_dollars_per_hour{resource="inter_region"}`, and
//!   `network_transfer_bytes_total{path="inter_region"}`.
//! - `network_link_latency_seconds{from="api-0",to="replica"}` (or `to="cache"`): the
//!   one-way time across regions.
//! - `http_request_duration_seconds{endpoint="GET /product"}`: the reads that cross are
//!   slower by the round trip.
//!
//! ## How to fix it
//! Keep the read path in the region that serves it (`placement=same_region`): an
//! in-region replica or cache for reads, the cross-region copy for recovery only. Cache
//! what must cross, compress it, and alert on the transfer line of the bill, not only
//! on latency: this one adds little latency under a warm cache and still costs money
//! on every miss.

use crate::metrics::Registry;
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{
    no_check, Component, Edge, Effect, Hop, LinkFault, NetworkEffect, Scenario, ScenarioMeta,
    StrikeCx,
};
use crate::systems::cost::{COST, COST_RATE, TRANSFER};
use crate::systems::web::metrics::LINK_LATENCY;
use crate::time::ms_to_ns;

pub static META: ScenarioMeta = ScenarioMeta {
    id: "data-transfer-costs",
    title: "Data transfer costs (between regions)",
    category: "cost",
    kind: crate::scenario::FaultKind::Misconfigured,
    summary: "Reads go to a replica or cache in another region: every byte is billed as inter-region transfer and every read pays the round trip.",
    source: crate::doc_of!("scenarios/cost/data_transfer_costs.rs"),
    own_params: &[
        ParamSpec::choice(
            "backend",
            "replica",
            &["replica", "cache"],
            "Which backend of the product reads is in the other region.",
        ),
        ParamSpec::float(
            "one_way_ms",
            "ms",
            32.0,
            0.0,
            1000.0,
            "One-way latency between the regions (us-east-1 ↔ us-west-2 is about 32 ms).",
        ),
        ParamSpec::choice(
            "placement",
            "other_region",
            &["other_region", "same_region"],
            "Where the backend is: other_region (the fault) or same_region (the fix: reads stay in region).",
        ),
    ],
    metrics: &[COST, COST_RATE, TRANSFER, LINK_LATENCY],
    strikes: &[Component::Network],
    mitigations: &[],
    build: || Box::new(DataTransferCosts::default()),
    check: no_check,
};

#[derive(Default)]
struct DataTransferCosts {
    edge: Option<Edge>,
    fault: LinkFault,
}

impl Scenario for DataTransferCosts {
    fn configure(&mut self, params: &ParamSet, _metrics: &mut Registry) {
        let far = params.choice("placement") == "other_region";
        self.edge = far.then(|| match params.choice("backend") {
            "cache" => Edge::ApiCache,
            _ => Edge::ApiReplica,
        });
        self.fault = LinkFault {
            latency_ns: ms_to_ns(params.f64("one_way_ms")),
            inter_region: true,
            ..LinkFault::NONE
        };
    }

    fn strike(&mut self, _cx: &mut StrikeCx<'_>, hop: &Hop) -> Effect {
        if hop.edge.is_none() || hop.edge != self.edge {
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

    const GB: f64 = 1024.0 * 1024.0 * 1024.0;

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("web", 931, &[], &[]), 30);
        assert_eq!(
            total_where(&off, "network_transfer_bytes_total", "inter_region"),
            0.0
        );
        assert_eq!(total_where(&off, "cost_dollars_total", "inter_region"), 0.0);
        let on = run(&config("web", 931, &["data-transfer-costs"], &[]), 30);
        let bytes = total_where(&on, "network_transfer_bytes_total", "inter_region");
        assert!(bytes > 1e6, "the replica's reads cross regions: {bytes} B");
        // Billed at $0.02/GB.
        let dollars = total_where(&on, "cost_dollars_total", "inter_region");
        assert!((dollars - bytes / GB * 0.02).abs() < 1e-9, "{dollars}");
        assert!(registered(&on, "network_link_latency_seconds"));
    }

    #[test]
    fn symptom_appears() {
        // Every read through the far cache crosses: the inter-region line rivals egress,
        // and reads are slower by the round trip.
        let sets = [("data-transfer-costs.backend", "cache")];
        let on = run(&config("web", 932, &["data-transfer-costs"], &sets), 60);
        let off = run(&config("web", 932, &[], &[]), 60);
        let region = total_where(&on, "cost_dollars_total", "inter_region");
        let egress = total_where(&on, "cost_dollars_total", "internet_egress");
        assert!(
            region > 0.1 * egress,
            "inter-region {region} vs egress {egress}"
        );
        // Inter-zone bytes to the cache are now inter-region: fewer of them.
        let az_on = total_where(&on, "network_transfer_bytes_total", "inter_az");
        let az_off = total_where(&off, "network_transfer_bytes_total", "inter_az");
        assert!(az_on < az_off, "{az_on} vs {az_off}");
        let p50 = |lab| quantile_where(lab, "http_request_duration_seconds", "GET /product", 0.5);
        let (slow, fast) = (p50(&on), p50(&off));
        assert!(
            slow > fast + 0.05,
            "p50 {fast} → {slow}: a 64 ms round trip"
        );
    }

    #[test]
    fn diagnosis_signal_identifies_it() {
        // Moving the read path back in region removes the line and the round trip.
        let far = run(&config("web", 933, &["data-transfer-costs"], &[]), 60);
        let near = run(
            &config(
                "web",
                933,
                &["data-transfer-costs"],
                &[("data-transfer-costs.placement", "same_region")],
            ),
            60,
        );
        assert!(total_where(&far, "cost_dollars_total", "inter_region") > 0.0);
        assert_eq!(
            total_where(&near, "cost_dollars_total", "inter_region"),
            0.0
        );
        let p99 = |lab| quantile_where(lab, "http_request_duration_seconds", "GET /product", 0.99);
        assert!(p99(&near) < p99(&far), "{} vs {}", p99(&near), p99(&far));
    }
}
