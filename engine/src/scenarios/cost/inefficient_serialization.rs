//! # Inefficient serialization (internal payloads)
//!
//! The product documents the service keeps in the shared cache and the database's
//! document column were protobuf, 20 KB each. A release switched them to JSON "to make
//! them readable in the cache console": the same data, about twice the bytes. Between
//! services nobody sees the size, but every read from an instance in another zone than
//! the cache or the database moves the payload between zones, billed $0.01/GB out and
//! $0.01/GB in, and every response costs a little more CPU to encode.
//!
//! Sizes and CPU are the jvm-serializers benchmark's "media content" record (eishay/
//! jvm-serializers wiki): 485 bytes and about 1.7 µs to serialize as JSON (Jackson)
//! against 239 bytes and 1.2 µs as protobuf. So a 20 KB protobuf document (86 records)
//! becomes about 41 KB of JSON, and its encoding about 146 µs of CPU instead of 103 µs.
//!
//! ```text
//!   api-i (zone b) ──read──▶ cache (zone a): 20 KB protobuf │ 41 KB JSON ── × 2 directions × $0.01/GB
//! ```
//!
//! ## What to look at
//! - The cost panel: `cost_rate_dollars_per_hour{resource="inter_az"}` doubles;
//!   `network_transfer_bytes_total{path="inter_az"}` per request.
//! - `payload_bytes{format}`: the size of each internal payload, both formats
//!   registered, so the switch shows on one chart.
//!
//! ## How to fix it
//! Use a compact schema-based encoding between services (`format=protobuf`, or Avro,
//! MessagePack, CBOR), compress large documents, and keep callers in the zone of what
//! they read (zone-aware routing) where the platform allows. Keep JSON at the edge,
//! where humans and browsers read it.

use crate::metrics::{HistogramId, Registry};
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{
    no_check, Component, Edge, Effect, Hop, LinkFault, NetworkEffect, Scenario, ScenarioMeta,
    ServiceEffect, StrikeCx,
};
use crate::scenarios::performance::json_vs_protobuf::PAYLOAD;
use crate::systems::cost::{COST, COST_RATE, TRANSFER};

const FORMATS: [&str; 2] = ["json", "protobuf"];
/// (bytes, serialize ns) per record, jvm-serializers' media-content object.
const PER_RECORD: [(f64, f64); 2] = [(485.0, 1700.0), (239.0, 1200.0)];

pub static META: ScenarioMeta = ScenarioMeta {
    id: "inefficient-serialization",
    title: "Inefficient serialization (internal payloads)",
    category: "cost",
    kind: crate::scenario::FaultKind::Misconfigured,
    summary: "Internal documents switched from protobuf to JSON: twice the bytes between zones on every cache and database read, billed both ways.",
    source: crate::doc_of!("scenarios/cost/inefficient_serialization.rs"),
    own_params: &[
        ParamSpec::float(
            "document_kb",
            "KB",
            20.0,
            0.1,
            1_048_576.0,
            "Size of a product document as protobuf (the system's usual payload).",
        ),
        ParamSpec::choice(
            "format",
            "json",
            &FORMATS,
            "How internal documents are encoded: json (the fault) or protobuf.",
        ),
    ],
    metrics: &[COST, COST_RATE, TRANSFER, PAYLOAD],
    strikes: &[Component::Service, Component::Network],
    mitigations: &[],
    build: || Box::new(Serialization::default()),
    check: no_check,
};

#[derive(Default)]
struct Serialization {
    format: usize,
    factor: f64,
    bytes: f64,
    cpu_ns: u64,
    payload: [Option<HistogramId>; 2],
}

impl Scenario for Serialization {
    fn configure(&mut self, params: &ParamSet, metrics: &mut Registry) {
        let format = params.choice("format");
        self.format = FORMATS.iter().position(|f| *f == format).unwrap_or(0);
        let records = params.f64("document_kb") * 1024.0 / PER_RECORD[1].0;
        let (bytes, ns) = PER_RECORD[self.format];
        self.factor = bytes / PER_RECORD[1].0;
        self.bytes = records * bytes;
        // The system's CPU time already includes encoding protobuf: only the extra.
        self.cpu_ns = (records * (ns - PER_RECORD[1].1)).clamp(0.0, 1e15) as u64;
        for (i, f) in FORMATS.into_iter().enumerate() {
            self.payload[i] = Some(metrics.histogram(&PAYLOAD, &[f]));
        }
    }

    fn strike(&mut self, cx: &mut StrikeCx<'_>, hop: &Hop) -> Effect {
        match (hop.component, hop.edge) {
            (Component::Network, Some(Edge::ApiCache | Edge::ApiDatabase | Edge::ApiReplica)) => {
                Effect::on_network(NetworkEffect {
                    link: LinkFault {
                        payload_factor: self.factor as f32,
                        ..LinkFault::NONE
                    },
                    ..NetworkEffect::NONE
                })
            }
            (Component::Service, _) if hop.endpoint == "GET /product" => {
                if let Some(h) = self.payload[self.format] {
                    cx.metrics.observe(h, self.bytes);
                }
                Effect::on_service(ServiceEffect {
                    cpu_ns: self.cpu_ns,
                    ..ServiceEffect::NONE
                })
            }
            _ => Effect::NONE,
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;

    fn inter_az(lab: &crate::sim::Lab) -> f64 {
        total_where(lab, "network_transfer_bytes_total", "inter_az")
    }

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("web", 981, &[], &[]), 30);
        assert!(!registered(&off, "payload_bytes"));
        let on = run(&config("web", 981, &["inefficient-serialization"], &[]), 30);
        let json = quantile_where(&on, "payload_bytes", "json", 0.5);
        assert!((2e4..5e4).contains(&json), "json payload {json}");
        assert!(registered(&on, "payload_bytes"));
    }

    #[test]
    fn symptom_appears() {
        // Inter-zone bytes (and their dollars) double; what users get does not change.
        let off = run(&config("web", 982, &[], &[]), 60);
        let on = run(&config("web", 982, &["inefficient-serialization"], &[]), 60);
        let ratio = inter_az(&on) / inter_az(&off);
        assert!((1.8..2.3).contains(&ratio), "inter-az ×{ratio}");
        let cost = |lab| total_where(lab, "cost_dollars_total", "inter_az");
        assert!(cost(&on) > 1.8 * cost(&off));
        let internet = |lab| total_where(lab, "network_transfer_bytes_total", "internet");
        assert!((internet(&on) / internet(&off) - 1.0).abs() < 0.05);
    }

    #[test]
    fn diagnosis_signal_identifies_it() {
        let off = run(&config("web", 983, &[], &[]), 60);
        let proto = run(
            &config(
                "web",
                983,
                &["inefficient-serialization"],
                &[("inefficient-serialization.format", "protobuf")],
            ),
            60,
        );
        let ratio = inter_az(&proto) / inter_az(&off);
        assert!(
            (ratio - 1.0).abs() < 0.05,
            "back to the usual bytes: ×{ratio}"
        );
    }
}
