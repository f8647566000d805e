//! # Uncompressed payload
//!
//! A configuration change dropped response compression: a new proxy in front of the
//! service, a framework upgrade that left `Content-Encoding: gzip` off, a CDN rule that
//! stopped compressing. A product page is `json_kb` of JSON (55 KB by default), which
//! gzip shrinks to the 20 KB the web system normally sends; now every response goes
//! out at full size. Nobody's request fails, and on a fast uplink nobody's request is
//! slower. The internet egress line of the bill grows by the ratio, 2.7 times (the
//! zstd README's benchmark table: zlib -1 at 2.743 on the Silesia corpus; JSON usually
//! compresses better, so this is conservative), and the instances spend a little less
//! CPU.
//!
//! ```text
//!   handler ──55 KB JSON──▶ [ gzip? ] ──20 KB (gzip) | 55 KB (off)──▶ uplink ──▶ internet ($0.09/GB)
//! ```
//!
//! ## What to look at
//! - The cost panel: `cost_rate_dollars_per_hour{resource="internet_egress"}` up 2.7×,
//!   the largest line of the bill.
//! - `network_transfer_bytes_total{path="internet"}`: bytes to the clients per second.
//! - `compression_ratio{codec}`: 1 for `none` while it strikes.
//!
//! ## How to fix it
//! Compress text responses (`compression=gzip`, or zstd or Brotli where clients accept
//! it), check `Content-Encoding` in a synthetic test after every proxy or CDN change,
//! and watch egress per request, not only the total. The CPU it costs (gzip at 95 MB/s:
//! about 0.6 ms per 55 KB response) is far cheaper than the bytes at $0.09/GB.

use crate::metrics::{GaugeId, Registry};
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{no_check, Component, Effect, Hop, Scenario, ScenarioMeta, StrikeCx};
use crate::scenarios::performance::compression_tradeoffs::{compress, RATIO};
use crate::scenarios::performance::encoding::Encoding;
use crate::systems::cost::{COST, COST_RATE, TRANSFER};

/// `compression` choices and their index in the compression table.
const CHOICES: [(&str, usize); 3] = [("off", 0), ("gzip", 1), ("zstd", 2)];
const CODEC_LABELS: [&str; 3] = ["none", "gzip", "zstd"];

pub static META: ScenarioMeta = ScenarioMeta {
    id: "uncompressed-payload",
    title: "Uncompressed payload",
    category: "cost",
    kind: crate::scenario::FaultKind::Misconfigured,
    summary: "Response compression was switched off: every product page leaves at full JSON size and the egress bill grows 2.7-fold.",
    source: crate::doc_of!("scenarios/cost/uncompressed_payload.rs"),
    own_params: &[
        ParamSpec::float(
            "json_kb",
            "KB",
            55.0,
            0.1,
            1_048_576.0,
            "Size of a product response's JSON before compression.",
        ),
        ParamSpec::choice(
            "compression",
            "off",
            &["off", "gzip", "zstd"],
            "Content-Encoding of the responses: off (the fault), gzip or zstd.",
        ),
    ],
    metrics: &[COST, COST_RATE, TRANSFER, RATIO],
    strikes: &[Component::Service, Component::Network],
    mitigations: &[],
    build: || Box::new(Uncompressed::default()),
    check: no_check,
};

#[derive(Default)]
struct Uncompressed {
    codec: usize,
    encoding: Encoding,
    ratio: [Option<GaugeId>; 3],
}

impl Scenario for Uncompressed {
    fn configure(&mut self, params: &ParamSet, metrics: &mut Registry) {
        let choice = params.choice("compression");
        let i = CHOICES.iter().position(|(c, _)| *c == choice).unwrap_or(0);
        self.codec = i;
        let (bytes, cpu_ns) = compress(CHOICES[i].1, params.f64("json_kb") * 1024.0);
        self.encoding = Encoding {
            bytes: bytes.round().max(1.0) as u64,
            cpu_ns: cpu_ns.min(1e15) as u64,
            link_bytes_per_s: 0.0,
        };
        for (k, label) in CODEC_LABELS.into_iter().enumerate() {
            self.ratio[k] = Some(metrics.gauge(&RATIO, &[label]));
        }
    }

    fn strike(&mut self, _cx: &mut StrikeCx<'_>, hop: &Hop) -> Effect {
        self.encoding.strike(hop).0
    }

    fn on_sample(&mut self, metrics: &mut Registry, active: bool) {
        for (k, g) in self.ratio.iter().enumerate() {
            if let Some(g) = *g {
                let ratio = compress(CHOICES[k].1, 1.0).0;
                let on = active && k == self.codec;
                metrics.set(g, if on { 1.0 / ratio } else { 0.0 });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;

    fn egress(lab: &crate::sim::Lab) -> f64 {
        total_where(lab, "cost_dollars_total", "internet_egress")
    }

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("web", 961, &[], &[]), 30);
        assert!(!registered(&off, "compression_ratio"));
        let on = run(&config("web", 961, &["uncompressed-payload"], &[]), 30);
        assert_eq!(total_where(&on, "compression_ratio", "none"), 1.0);
        assert_eq!(total_where(&on, "compression_ratio", "gzip"), 0.0);
        assert!(
            egress(&on) > 2.0 * egress(&off),
            "{} vs {}",
            egress(&on),
            egress(&off)
        );
    }

    #[test]
    fn symptom_appears() {
        // Product responses are 80 % of requests and almost all the bytes: egress ×~2.5.
        let off = run(&config("web", 962, &[], &[]), 60);
        let on = run(&config("web", 962, &["uncompressed-payload"], &[]), 60);
        let bytes = |lab| total_where(lab, "network_transfer_bytes_total", "internet");
        let ratio = bytes(&on) / bytes(&off);
        assert!((2.3..2.8).contains(&ratio), "bytes ×{ratio}");
        // Nothing fails, and on the unlimited uplink nothing is slower.
        assert_eq!(failed_responses(&on, "GET /product"), 0.0);
    }

    #[test]
    fn diagnosis_signal_identifies_it() {
        // Compressing again brings the bill back to what gzip'd 20 KB responses cost.
        let base = run(&config("web", 963, &[], &[]), 60);
        let gzip = run(
            &config(
                "web",
                963,
                &["uncompressed-payload"],
                &[("uncompressed-payload.compression", "gzip")],
            ),
            60,
        );
        let (a, b) = (egress(&base), egress(&gzip));
        assert!((b / a - 1.0).abs() < 0.05, "${a} vs ${b}");
        assert_eq!(total_where(&gzip, "compression_ratio", "gzip"), 2.743);
    }
}
