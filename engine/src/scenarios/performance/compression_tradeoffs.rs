//! # Compression trade-offs
//!
//! Every `GET /product` response is a `payload_kb` JSON body, sent over the uplink to
//! the clients, which this scenario sets to `link_mbps`. The handler can compress it
//! first (`codec`): fewer bytes on the wire, more CPU on the instance. The lab uses the
//! zstd README's benchmark table (zstd 1.5.6, lzbench on the Silesia corpus, one core of
//! a Core i7-9700K):
//!
//! | `codec` | ratio | compression speed | a 64 KB body: bytes, CPU |
//! | --- | --- | --- | --- |
//! | `none` | 1 | — | 64 KB, 0 |
//! | `gzip` (zlib 1.2.11 -1) | 2.743 | 95 MB/s | 23.9 KB, 0.69 ms |
//! | `zstd` (-1) | 2.887 | 510 MB/s | 22.7 KB, 0.13 ms |
//! | `lz4` (1.9.4) | 2.101 | 700 MB/s | 31.2 KB, 0.09 ms |
//!
//! Uncompressed, 160 product responses a second fill about 84 % of the 100 Mbit/s link:
//! responses queue behind each other on the wire. Any codec frees the link; gzip pays
//! five times zstd's CPU for a slightly worse ratio, and lz4 is the cheapest with the
//! most bytes. On a fast link (set `link_mbps` high) compression only adds CPU and
//! latency: the trade-off goes the other way. JSON usually compresses better than the
//! Silesia corpus, so these ratios are conservative; decompression on the client is not
//! modelled.
//!
//! ```text
//!   handler ──64 KB──▶ [ compress: bytes / speed of CPU ] ──64 KB / ratio──▶ [ uplink ] ──▶ clients
//! ```
//!
//! ## What to look at
//! - `compression_ratio{codec}` (the codec in use; the others at 0) and
//!   `compression_output_bytes_total{codec}`: bytes sent per codec.
//! - `compression_cpu_seconds_total{codec}`: the CPU price of those bytes.
//! - `network_link_utilization_ratio`, and
//!   `http_request_duration_seconds_bucket{endpoint="GET /product"}`: a saturated link
//!   uncompressed, a relaxed one compressed.
//!
//! ## How to fix it
//! On a link that is the bottleneck compress, with a fast codec (zstd, or lz4 when CPU is
//! the scarcer resource); on a fast internal link with busy CPUs, do not. Where the
//! defaults come from: the zstd README (facebook/zstd, "Benchmarks" table: ratio and
//! compression speed of zstd 1.5.6 -1, zlib 1.2.11 -1 and lz4 1.9.4 on Silesia).

use crate::metrics::{CounterId, GaugeId, MetricSpec, Registry};
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{no_check, Component, Effect, Hop, Scenario, ScenarioMeta, StrikeCx};
use crate::scenarios::performance::encoding::{Encoding, Part};
use crate::systems::web::metrics::{LINK_BYTES, LINK_UTILIZATION};

const SIDES: [&str; 4] = ["none", "gzip", "zstd", "lz4"];
/// (ratio, compression MB/s) by codec, from the zstd README's table.
const CODECS: [(f64, f64); 4] = [(1.0, 0.0), (2.743, 95.0), (2.887, 510.0), (2.101, 700.0)];

pub const RATIO: MetricSpec = MetricSpec::gauge(
    "compression_ratio",
    "Uncompressed over compressed size of product responses, for the codec in use (0 for the others).",
    &["codec"],
);
const OUTPUT: MetricSpec = MetricSpec::counter(
    "compression_output_bytes_total",
    "Bytes of product responses after compression, by codec.",
    &["codec"],
);
const CPU: MetricSpec = MetricSpec::counter(
    "compression_cpu_seconds_total",
    "CPU time the handlers spent compressing responses, by codec.",
    &["codec"],
);

pub static META: ScenarioMeta = ScenarioMeta {
    id: "compression-tradeoffs",
    title: "Compression trade-offs",
    category: "performance",
    kind: crate::scenario::FaultKind::Saturated,
    summary: "Product responses sent raw or compressed with gzip, zstd or lz4: bytes on the uplink against CPU on the instances.",
    source: crate::doc_of!("scenarios/performance/compression_tradeoffs.rs"),
    own_params: &[
        ParamSpec::choice("codec", "none", &SIDES, "How product responses are compressed."),
        ParamSpec::float("payload_kb", "KB", 64.0, 0.001, 1_048_576.0, "Uncompressed size of a product response."),
        ParamSpec::float(
            "link_mbps",
            "Mbit/s",
            100.0,
            0.0,
            10_000_000.0,
            "Rate of the uplink to the clients while the scenario runs; 0 = the system's own.",
        ),
    ],
    metrics: &[RATIO, OUTPUT, CPU, LINK_BYTES, LINK_UTILIZATION],
    strikes: &[Component::Service, Component::Network],
    mitigations: &[],
    build: || Box::new(Compression::default()),
    check: no_check,
};

/// (bytes sent, CPU ns) for a body of `bytes` with codec `c` (an index into `SIDES`).
pub fn compress(c: usize, bytes: f64) -> (f64, f64) {
    let (ratio, mb_s) = CODECS[c.min(3)];
    let cpu_ns = if mb_s > 0.0 {
        bytes / (mb_s * 1e6) * 1e9
    } else {
        0.0
    };
    (bytes / ratio, cpu_ns)
}

#[derive(Default)]
struct Compression {
    codec: usize,
    encoding: Encoding,
    ratio: [Option<GaugeId>; 4],
    output: [Option<CounterId>; 4],
    cpu: [Option<CounterId>; 4],
}

impl Scenario for Compression {
    fn configure(&mut self, params: &ParamSet, metrics: &mut Registry) {
        let codec = params.choice("codec");
        self.codec = SIDES.iter().position(|&s| s == codec).unwrap_or(0);
        let (bytes, cpu_ns) = compress(self.codec, params.f64("payload_kb") * 1024.0);
        self.encoding = Encoding {
            bytes: bytes.round().max(1.0) as u64,
            cpu_ns: cpu_ns.min(1e15) as u64,
            link_bytes_per_s: params.f64("link_mbps") * 1e6 / 8.0,
        };
        for (i, side) in SIDES.into_iter().enumerate() {
            self.ratio[i] = Some(metrics.gauge(&RATIO, &[side]));
            self.output[i] = Some(metrics.counter(&OUTPUT, &[side]));
            self.cpu[i] = Some(metrics.counter(&CPU, &[side]));
        }
        metrics.counter(&LINK_BYTES, &["uplink"]);
        metrics.gauge(&LINK_UTILIZATION, &["uplink"]);
    }

    fn strike(&mut self, cx: &mut StrikeCx<'_>, hop: &Hop) -> Effect {
        let (effect, part) = self.encoding.strike(hop);
        let counter = match part {
            Some(Part::Handler) => {
                self.cpu[self.codec].map(|c| (c, self.encoding.cpu_ns as f64 * 1e-9))
            }
            Some(Part::Uplink) => self.output[self.codec].map(|c| (c, self.encoding.bytes as f64)),
            None => None,
        };
        if let Some((c, v)) = counter {
            cx.metrics.add(c, v);
        }
        effect
    }

    fn on_sample(&mut self, metrics: &mut Registry, active: bool) {
        for (i, g) in self.ratio.iter().enumerate() {
            if let Some(g) = *g {
                let on = active && i == self.codec;
                metrics.set(g, if on { CODECS[i].0 } else { 0.0 });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::compress;
    use crate::testkit::*;

    const ID: &str = "compression-tradeoffs";

    fn link_util(lab: &crate::sim::Lab) -> f64 {
        settled_mean(lab, "network_link_utilization_ratio", "uplink")
    }

    fn by(lab: &crate::sim::Lab, name: &str, codec: &str) -> f64 {
        lab.metrics().family_total_where(name, |_, v| v[0] == codec)
    }

    fn with(seed: u64, codec: &str, link: &str, secs: u64) -> crate::sim::Lab {
        let sets = [
            ("compression-tradeoffs.codec", codec),
            ("compression-tradeoffs.link_mbps", link),
        ];
        run(&config("web", seed, &[ID], &sets), secs)
    }

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("web", 2141, &[], &[]), 30);
        assert!(!registered(&off, "compression_ratio"));
        assert!(!registered(&off, "compression_cpu_seconds_total"));
        let zstd = with(2141, "zstd", "100", 30);
        assert_eq!(by(&zstd, "compression_ratio", "zstd"), 2.887);
        assert_eq!(by(&zstd, "compression_ratio", "gzip"), 0.0);
        // ~160 product responses/s × 22.7 KB for 30 s, at 0.13 ms of CPU each.
        let out = by(&zstd, "compression_output_bytes_total", "zstd");
        assert!((0.95e8..1.2e8).contains(&out), "{out}");
        let cpu = by(&zstd, "compression_cpu_seconds_total", "zstd");
        assert!((0.5..0.7).contains(&cpu), "{cpu}");
        assert_eq!(by(&zstd, "compression_output_bytes_total", "none"), 0.0);
    }

    #[test]
    fn symptom_appears() {
        let p99 = |lab: &crate::sim::Lab| {
            quantile_where(lab, "http_request_duration_seconds", "GET /product", 0.99)
        };
        let off = run(&config("web", 2142, &[], &[]), 60);
        let raw = run(&config("web", 2142, &[ID], &[]), 60);
        assert!(
            (0.75..0.95).contains(&link_util(&raw)),
            "link {}",
            link_util(&raw)
        );
        assert!(
            p99(&raw) > p99(&off) + 0.01,
            "p99 {} → {}",
            p99(&off),
            p99(&raw)
        );
    }

    #[test]
    fn mitigation_reduces_symptom() {
        let p99 = |lab: &crate::sim::Lab| {
            quantile_where(lab, "http_request_duration_seconds", "GET /product", 0.99)
        };
        let raw = with(2143, "none", "100", 60);
        let zstd = with(2143, "zstd", "100", 60);
        let gzip = with(2143, "gzip", "100", 60);
        assert!(
            link_util(&zstd) < link_util(&raw) * 0.4,
            "link {} → {}",
            link_util(&raw),
            link_util(&zstd)
        );
        assert!(
            p99(&zstd) < p99(&raw) * 0.7,
            "p99 {} → {}",
            p99(&raw),
            p99(&zstd)
        );
        // Switched live, the link relaxes at once and the ratio shows the codec.
        let mut lab = with(2143, "none", "100", 30);
        lab.set_param("compression-tradeoffs.codec", "zstd")
            .unwrap();
        lab.run_until(60 * crate::time::NS_PER_SEC);
        let v = series_values(&lab, "network_link_utilization_ratio", "uplink");
        let mean = |s: &[f64]| s.iter().sum::<f64>() / s.len() as f64;
        let (before, after) = (mean(&v[10..29]), mean(&v[35..59]));
        assert!(after < before * 0.45, "link {before} → {after}");
        assert_eq!(by(&lab, "compression_ratio", "zstd"), 2.887);
        assert_eq!(by(&lab, "compression_ratio", "none"), 0.0);
        // The trade-off: fewer bytes cost CPU, gzip five times zstd's for a worse ratio.
        let cpu = |lab, c| by(lab, "compression_cpu_seconds_total", c);
        assert!(cpu(&gzip, "gzip") > 4.0 * cpu(&zstd, "zstd"));
        assert!(
            by(&gzip, "compression_output_bytes_total", "gzip")
                > by(&zstd, "compression_output_bytes_total", "zstd")
        );
        // On a fast link the bytes cost nothing and the CPU is all that is left.
        let mean = |codec| {
            let sets = [
                ("compression-tradeoffs.codec", codec),
                ("compression-tradeoffs.link_mbps", "100000"),
            ];
            summary(config("web", 2143, &[ID], &sets), 10, 60).latency_mean_s
        };
        let (fast_raw, fast_gzip) = (mean("none"), mean("gzip"));
        assert!(
            fast_gzip > fast_raw + 0.0003,
            "fast link: {fast_raw} → {fast_gzip}"
        );
        let (b, c) = compress(1, 65536.0);
        assert!(
            (b - 23_892.0).abs() < 1.0 && (c - 689_852.0).abs() < 1.0,
            "{b} {c}"
        );
    }
}
