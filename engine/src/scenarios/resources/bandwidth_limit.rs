//! # Bandwidth limit
//!
//! Every response crosses one uplink to the clients. Someone caps it (a NIC that
//! negotiated a lower speed, a cloud egress limit, a mis-set traffic shaper) at
//! `link_mbps`, just above what the traffic needs. Responses are sent one after another:
//! each waits for the bytes queued ahead of it, then takes its size over the rate. A
//! 20 KB product page takes twenty times longer on the wire than a 1 KB order
//! confirmation, and when bursts push the link to 100 % a queue forms at the link. The
//! workers stay busy writing, so the instances look busy while their CPUs idle.
//!
//! ```text
//!   api-i ──response 20 KB──▶ [ uplink ▓▓▓▓▓▓▓▓▓ 30 Mbit/s ] ──▶ clients
//!                              queue: bytes ahead of you / rate
//! ```
//!
//! ## What to look at
//! - `network_link_utilization_ratio` near 1 and `network_link_queue_depth` above 0.
//! - `network_link_transmit_seconds` by endpoint: large responses (`GET /product`) take
//!   longer than small ones on the same link.
//! - `http_request_duration_seconds` up for every endpoint while
//!   `process_cpu_utilization_ratio` stays low: the time is spent on the wire.
//!
//! ## How to fix it
//! Remove the cap or add bandwidth; send fewer bytes (compression, smaller images,
//! pagination); serve large static content from elsewhere (a CDN). Alert on link
//! utilisation, not only on CPU. No switch here raises a link's rate: the lesson is the
//! diagnosis.

use crate::metrics::{GaugeId, MetricSpec, Registry};
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{
    no_check, Component, Effect, Hop, NetworkEffect, Scenario, ScenarioMeta, StrikeCx,
};
use crate::systems::web::metrics::{LINK_BYTES, LINK_QUEUE_DEPTH, LINK_TRANSMIT, LINK_UTILIZATION};

const CAP: MetricSpec = MetricSpec::gauge(
    "network_link_capacity_bytes_per_second",
    "The rate the uplink is capped at while the bandwidth limit strikes (0 when it does not).",
    &["link"],
);

pub static META: ScenarioMeta = ScenarioMeta {
    id: "bandwidth-limit",
    title: "Bandwidth limit",
    category: "resources",
    kind: crate::scenario::FaultKind::Saturated,
    summary: "The uplink to the clients is capped near the traffic's rate: responses queue on the wire, large ones longest.",
    source: crate::doc_of!("scenarios/resources/bandwidth_limit.rs"),
    own_params: &[ParamSpec::float(
        "link_mbps",
        "Mbit/s",
        30.0,
        0.001,
        10_000_000.0,
        "The rate the uplink is capped at.",
    )],
    metrics: &[CAP, LINK_UTILIZATION, LINK_QUEUE_DEPTH, LINK_TRANSMIT, LINK_BYTES],
    strikes: &[Component::Network],
    mitigations: &[],
    build: || Box::new(BandwidthLimit::default()),
    check: no_check,
};

#[derive(Default)]
struct BandwidthLimit {
    bytes_per_s: f64,
    cap: Option<GaugeId>,
}

impl Scenario for BandwidthLimit {
    fn configure(&mut self, params: &ParamSet, metrics: &mut Registry) {
        self.bytes_per_s = params.f64("link_mbps") * 1e6 / 8.0;
        self.cap = Some(metrics.gauge(&CAP, &["uplink"]));
    }

    fn strike(&mut self, _cx: &mut StrikeCx<'_>, hop: &Hop) -> Effect {
        // Only the uplink to the clients, not the links between parts.
        if hop.edge.is_some() {
            return Effect::NONE;
        }
        Effect::on_network(NetworkEffect {
            link_bytes_per_s: self.bytes_per_s,
            ..NetworkEffect::NONE
        })
    }

    fn on_sample(&mut self, metrics: &mut Registry, active: bool) {
        if let Some(g) = self.cap {
            metrics.set(g, if active { self.bytes_per_s } else { 0.0 });
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("web", 611, &[], &[]), 30);
        assert!(!registered(&off, "network_link_bytes_total"));
        assert!(!registered(&off, "network_link_capacity_bytes_per_second"));
        let on = run(&config("web", 611, &["bandwidth-limit"], &[]), 30);
        // ~200 req/s × (0.8 × 20 KB + 0.2 × 1 KB) ≈ 3.3 MB/s for 30 s.
        let bytes = total(&on, "network_link_bytes_total");
        assert!((80e6..120e6).contains(&bytes), "{bytes}");
        let util = series_values(&on, "network_link_utilization_ratio", "uplink");
        let mean = util[5..].iter().sum::<f64>() / (util.len() - 5) as f64;
        assert!((0.75..1.0).contains(&mean), "link busy {mean}");
        assert_eq!(total(&on, "network_link_capacity_bytes_per_second"), 3.75e6);
    }

    #[test]
    fn symptom_appears() {
        // Latency grows for everyone, and with size: products take longer on the wire.
        let p50 = |switches: &[&str], ep| {
            let lab = run(&config("web", 612, switches, &[]), 60);
            quantile_where(&lab, "http_request_duration_seconds", ep, 0.5)
        };
        let base = p50(&[], "GET /product");
        let limited = p50(&["bandwidth-limit"], "GET /product");
        assert!(limited > base + 0.01, "GET /product p50 {base} → {limited}");
        let lab = run(&config("web", 612, &["bandwidth-limit"], &[]), 60);
        let product = quantile_where(&lab, "network_link_transmit_seconds", "GET /product", 0.5);
        let order = quantile_where(&lab, "network_link_transmit_seconds", "POST /order", 0.5);
        assert!(
            product > order,
            "wire time grows with size: {product} vs {order}"
        );
        let depth = series_values(&lab, "network_link_queue_depth", "uplink");
        let max = depth.iter().copied().fold(0.0, f64::max);
        assert!(max >= 3.0, "responses queue at the link: peak {max}");
    }

    #[test]
    fn diagnosis_signal_identifies_it() {
        // The link is nearly always busy while the CPUs idle: the time goes to the wire.
        let lab = run(&config("web", 613, &["bandwidth-limit"], &[]), 60);
        let link = series_values(&lab, "network_link_utilization_ratio", "uplink");
        let link = link[5..].iter().sum::<f64>() / (link.len() - 5) as f64;
        let cpu = series_values(&lab, "process_cpu_utilization_ratio", "api-0");
        let cpu = cpu[5..].iter().sum::<f64>() / (cpu.len() - 5) as f64;
        assert!(link > 0.8 && cpu < 0.3, "link {link}, cpu {cpu}");
        // Halving the response size (compression) relieves it.
        let p99 = |sets: &[(&str, &str)]| {
            let lab = run(&config("web", 613, &["bandwidth-limit"], sets), 60);
            quantile_where(&lab, "http_request_duration_seconds", "GET /product", 0.99)
        };
        let full = p99(&[]);
        let compressed = p99(&[("product_response_kb", "10")]);
        assert!(
            compressed < full * 0.5,
            "p99 {full} → {compressed} with half the bytes"
        );
    }
}
