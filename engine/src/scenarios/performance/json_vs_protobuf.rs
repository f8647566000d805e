//! # JSON vs protobuf
//!
//! Every `GET /product` response carries `records` records (the product with its
//! variants, prices and stock), serialized by the handler and sent over the uplink to
//! the clients, which this scenario sets to `link_mbps`. The format decides both costs:
//! JSON spells out every field name and writes numbers as text, protobuf writes field
//! tags and varints. The defaults are the jvm-serializers benchmark's "media content"
//! record (eishay/jvm-serializers wiki): 485 bytes as JSON (Jackson databind) against 239
//! as protobuf, serialized in about 1.7 µs with Jackson against 1.2 µs with protobuf. So
//! at the defaults (100 records) a JSON response is 48.5 KB and 170 µs of CPU, a protobuf
//! one 23.9 KB and 120 µs.
//!
//! The CPU difference is small next to the handler's own 4 ms; the bytes are not. On the
//! 100 Mbit/s uplink, 160 product responses a second in JSON fill about 62 % of the
//! link and each takes about 4 ms to transmit, plus the wait for the responses ahead of
//! it; protobuf halves both. (Parsing on the client, which protobuf also speeds up, is
//! not modelled; nor is gzip, see `compression-tradeoffs`.)
//!
//! ```text
//!   handler ──serialize 100 records──▶ JSON 48.5 KB / protobuf 23.9 KB
//!                                      ──▶ [ uplink 100 Mbit/s ] ──▶ clients
//! ```
//!
//! ## What to look at
//! - `payload_bytes{format}`: the size of each response, both formats registered, so
//!   `histogram_quantile(0.5, sum by (le, format) (rate(payload_bytes_bucket[1m])))`
//!   shows the switch.
//! - `serialization_cpu_seconds_total{format}`: CPU spent serializing.
//! - `network_link_utilization_ratio` and `network_link_bytes_total`: the uplink's load
//!   halves with protobuf; `http_request_duration_seconds{endpoint="GET /product"}`
//!   follows.
//!
//! ## How to fix it
//! Switch `format` to `protobuf` (gRPC, or protobuf over HTTP) where both ends can share
//! a schema; or keep JSON and compress it. Where the defaults come from: the
//! jvm-serializers benchmark (eishay/jvm-serializers wiki, media-content object: size in
//! bytes and serialization time per format).

use crate::metrics::{CounterId, HistogramId, MetricSpec, Registry};
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{no_check, Component, Effect, Hop, Scenario, ScenarioMeta, StrikeCx};
use crate::scenarios::performance::encoding::{Encoding, Part};
use crate::systems::web::metrics::{LINK_BYTES, LINK_UTILIZATION};

const SIDES: [&str; 2] = ["json", "protobuf"];

pub const PAYLOAD: MetricSpec = MetricSpec::histogram(
    "payload_bytes",
    "Size of each response body, by format.",
    &["format"],
    &[
        1e3, 2e3, 5e3, 1e4, 2e4, 5e4, 1e5, 2e5, 5e5, 1e6, 2e6, 5e6, 1e7,
    ],
);
const SERIALIZATION_CPU: MetricSpec = MetricSpec::counter(
    "serialization_cpu_seconds_total",
    "CPU time the handlers spent serializing responses, by format.",
    &["format"],
);

pub static META: ScenarioMeta = ScenarioMeta {
    id: "json-vs-protobuf",
    title: "JSON vs protobuf",
    category: "performance",
    kind: crate::scenario::FaultKind::Saturated,
    summary: "Product responses serialized as JSON or protobuf: twice the bytes on the uplink, a little more CPU.",
    source: crate::doc_of!("scenarios/performance/json_vs_protobuf.rs"),
    own_params: &[
        ParamSpec::choice("format", "json", &SIDES, "The wire format of product responses."),
        ParamSpec::int("records", "records", 100, 1, 100_000, "Records in one product response."),
        ParamSpec::float("json_bytes", "B", 485.0, 1.0, 1e6, "Bytes of one record as JSON."),
        ParamSpec::float("protobuf_bytes", "B", 239.0, 1.0, 1e6, "Bytes of one record as protobuf."),
        ParamSpec::float("json_ser_us", "µs", 1.7, 0.0, 1e6, "CPU time to serialize one record as JSON."),
        ParamSpec::float(
            "protobuf_ser_us",
            "µs",
            1.2,
            0.0,
            1e6,
            "CPU time to serialize one record as protobuf.",
        ),
        ParamSpec::float(
            "link_mbps",
            "Mbit/s",
            100.0,
            0.0,
            10_000_000.0,
            "Rate of the uplink to the clients while the scenario runs; 0 = the system's own.",
        ),
    ],
    metrics: &[PAYLOAD, SERIALIZATION_CPU, LINK_BYTES, LINK_UTILIZATION],
    strikes: &[Component::Service, Component::Network],
    mitigations: &[],
    build: || Box::new(Formats::default()),
    check: no_check,
};

#[derive(Default)]
struct Formats {
    side: usize,
    encoding: Encoding,
    payload: [Option<HistogramId>; 2],
    cpu: [Option<CounterId>; 2],
}

impl Scenario for Formats {
    fn configure(&mut self, params: &ParamSet, metrics: &mut Registry) {
        self.side = usize::from(params.choice("format") == "protobuf");
        let records = params.i64("records").max(1) as f64;
        let (bytes, us) = if self.side == 1 {
            (params.f64("protobuf_bytes"), params.f64("protobuf_ser_us"))
        } else {
            (params.f64("json_bytes"), params.f64("json_ser_us"))
        };
        self.encoding = Encoding {
            bytes: (records * bytes).round() as u64,
            cpu_ns: (records * us * 1e3).min(1e15) as u64,
            link_bytes_per_s: params.f64("link_mbps") * 1e6 / 8.0,
        };
        for (i, side) in SIDES.into_iter().enumerate() {
            self.payload[i] = Some(metrics.histogram(&PAYLOAD, &[side]));
            self.cpu[i] = Some(metrics.counter(&SERIALIZATION_CPU, &[side]));
        }
        metrics.counter(&LINK_BYTES, &["uplink"]);
        metrics.gauge(&LINK_UTILIZATION, &["uplink"]);
    }

    fn strike(&mut self, cx: &mut StrikeCx<'_>, hop: &Hop) -> Effect {
        let (effect, part) = self.encoding.strike(hop);
        match part {
            Some(Part::Handler) => {
                if let Some(c) = self.cpu[self.side] {
                    cx.metrics.add(c, self.encoding.cpu_ns as f64 * 1e-9);
                }
            }
            Some(Part::Uplink) => {
                if let Some(h) = self.payload[self.side] {
                    cx.metrics.observe(h, self.encoding.bytes as f64);
                }
            }
            None => {}
        }
        effect
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;

    const ID: &str = "json-vs-protobuf";

    fn link_util(lab: &crate::sim::Lab) -> f64 {
        settled_mean(lab, "network_link_utilization_ratio", "uplink")
    }

    fn by(lab: &crate::sim::Lab, name: &str, format: &str) -> f64 {
        lab.metrics()
            .family_total_where(name, |_, v| v[0] == format)
    }

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("web", 2131, &[], &[]), 30);
        assert!(!registered(&off, "payload_bytes"));
        assert!(!registered(&off, "serialization_cpu_seconds_total"));
        let on = run(&config("web", 2131, &[ID], &[]), 30);
        let median = quantile_where(&on, "payload_bytes", "json", 0.5);
        assert!((2e4..=5e4).contains(&median), "48.5 KB: {median}");
        assert!(by(&on, "serialization_cpu_seconds_total", "json") > 0.5);
        assert_eq!(by(&on, "serialization_cpu_seconds_total", "protobuf"), 0.0);
        let text = on.prometheus_text();
        assert!(
            text.contains("payload_bytes_count{format=\"protobuf\"} 0"),
            "both sides show"
        );
        // ~160 product responses/s × 48.5 KB for 30 s.
        let bytes = total(&on, "network_link_bytes_total");
        assert!((2.0e8..2.6e8).contains(&bytes), "{bytes}");
    }

    #[test]
    fn symptom_appears() {
        let p50 = |lab: &crate::sim::Lab| {
            quantile_where(lab, "http_request_duration_seconds", "GET /product", 0.5)
        };
        let off = run(&config("web", 2132, &[], &[]), 60);
        let json = run(&config("web", 2132, &[ID], &[]), 60);
        assert!(
            (0.5..0.75).contains(&link_util(&json)),
            "link {}",
            link_util(&json)
        );
        assert!(
            p50(&json) > p50(&off) + 0.003,
            "p50 {} → {}",
            p50(&off),
            p50(&json)
        );
    }

    #[test]
    fn mitigation_reduces_symptom() {
        let p50 = |lab: &crate::sim::Lab| {
            quantile_where(lab, "http_request_duration_seconds", "GET /product", 0.5)
        };
        let json = run(&config("web", 2133, &[ID], &[]), 60);
        let proto = run(
            &config(
                "web",
                2133,
                &[ID],
                &[("json-vs-protobuf.format", "protobuf")],
            ),
            60,
        );
        let (uj, up) = (link_util(&json), link_util(&proto));
        assert!((up / uj - 0.49).abs() < 0.05, "link {uj} → {up}");
        assert!(
            p50(&proto) < p50(&json) - 0.002,
            "p50 {} → {}",
            p50(&json),
            p50(&proto)
        );
        // Less CPU per response too, though the bytes are the bigger win.
        let cj = by(&json, "serialization_cpu_seconds_total", "json");
        let cp = by(&proto, "serialization_cpu_seconds_total", "protobuf");
        assert!((cp / cj - 1.2 / 1.7).abs() < 0.05, "cpu {cj} → {cp}");
    }
}
