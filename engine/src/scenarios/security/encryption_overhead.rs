//! # Encryption overhead
//!
//! TLS terminates on the service instances, and the clients open a new connection for
//! `new_connection_share` of their requests (no keep-alive: all of them by default).
//! Each new connection costs a TLS 1.3 handshake before the request: one round trip to
//! the client (`rtt_ms`) and the instance's CPU for the key exchange and, in a full
//! handshake, the certificate signature (`full_handshake_cpu_ms`). A resumed session
//! (a pre-shared key from an earlier connection) skips the certificate and its
//! signature (`resumed_handshake_cpu_ms`) but not the round trip. Then every request's
//! bytes are encrypted: with AES-GCM on hardware with AES instructions that is a few
//! microseconds per 20 KB, next to nothing.
//!
//! The lab holds the request at the instance for the round trip (a worker waits) and
//! adds the crypto to the handler's CPU time on the instance's shared cores.
//!
//! ```text
//!   client ──ClientHello──▶ api-i   1 RTT + ECDHE + RSA-2048 sign (full)
//!          ◀─ServerHello…──         1 RTT + ECDHE               (resumed)
//!          ──request (AES-GCM)──▶   µs per 20 KB                (bulk)
//! ```
//!
//! ## What to look at
//! - `tls_handshakes_total{type}`: full against resumed handshakes (about 200 a
//!   second, one per request, with the defaults).
//! - `tls_crypto_cpu_seconds_total{phase}`: the handshakes' CPU against the bulk
//!   encryption's; the handshake dominates.
//! - `process_cpu_utilization_ratio` up (1 ms of crypto on top of the handler's 4 ms),
//!   and `http_request_duration_seconds` up by the round trip.
//!
//! ## How to fix it
//! Reuse connections (keep-alive, HTTP/2): `new_connection_share` near 0 removes both
//! the round trip and the handshake CPU. Session resumption (`tls = resumption`) removes
//! most of the handshake's CPU, not its round trip. Turning encryption off is not a fix:
//! the bulk cost it would save is the small part.
//!
//! ## Where the numbers come from
//! RFC 8446 (TLS 1.3): a full handshake takes one round trip before the client sends
//! application data; resumption with a pre-shared key authenticates without a
//! certificate. `openssl speed rsa2048` on one core of current x86 servers signs on the
//! order of 1,000 to 2,000 times a second (0.5 to 1 ms a signature), X25519 key exchange
//! tens of thousands of times, and `openssl speed -evp aes-128-gcm` encrypts at several
//! GB/s with AES-NI; the defaults (1 ms full, 0.1 ms resumed, 4 GB/s) are of that
//! order. The 20 ms round trip is an illustrative client in the same region.

use crate::metrics::{CounterId, MetricSpec, Registry};
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{
    no_check, Component, Effect, Hop, Scenario, ScenarioMeta, ServiceEffect, StrikeCx,
};
use crate::systems::web::metrics::CPU_UTILIZATION;
use crate::time::{ms_to_ns, Nanos};

const HANDSHAKES: MetricSpec = MetricSpec::counter(
    "tls_handshakes_total",
    "TLS handshakes the instances completed, by type (full, resumed).",
    &["type"],
);

const CRYPTO_CPU: MetricSpec = MetricSpec::counter(
    "tls_crypto_cpu_seconds_total",
    "CPU time the instances spent on TLS, by phase (handshake, bulk encryption).",
    &["phase"],
);

const MODES: [&str; 2] = ["full", "resumption"];

pub static META: ScenarioMeta = ScenarioMeta {
    id: "encryption-overhead",
    title: "Encryption overhead",
    category: "security",
    kind: crate::scenario::FaultKind::Slow,
    summary: "A TLS handshake per request costs a round trip and a signature's CPU; the bulk encryption is cheap.",
    source: crate::doc_of!("scenarios/security/encryption_overhead.rs"),
    own_params: &[
        ParamSpec::choice(
            "tls",
            "full",
            &MODES,
            "Handshake of a new connection: full (certificate signature) or resumption (pre-shared key).",
        ),
        ParamSpec::float(
            "new_connection_share",
            "",
            1.0,
            0.0,
            1.0,
            "Share of requests that open a new connection (1 = no keep-alive).",
        ),
        ParamSpec::float(
            "rtt_ms",
            "ms",
            20.0,
            0.0,
            10_000.0,
            "Round trip between a client and the instances.",
        ),
        ParamSpec::float(
            "full_handshake_cpu_ms",
            "ms",
            1.0,
            0.0,
            1_000.0,
            "Instance CPU for a full handshake (key exchange and certificate signature).",
        ),
        ParamSpec::float(
            "resumed_handshake_cpu_ms",
            "ms",
            0.1,
            0.0,
            1_000.0,
            "Instance CPU for a resumed handshake (key exchange only).",
        ),
        ParamSpec::float(
            "bulk_gb_per_s",
            "GB/s",
            4.0,
            0.001,
            1_000.0,
            "Bulk encryption rate of one core (AES-GCM with AES-NI).",
        ),
        ParamSpec::float(
            "request_kb",
            "KB",
            20.0,
            0.0,
            100_000.0,
            "Bytes encrypted per request and its response.",
        ),
    ],
    metrics: &[HANDSHAKES, CRYPTO_CPU, CPU_UTILIZATION],
    strikes: &[Component::Service],
    mitigations: &[],
    build: || Box::new(EncryptionOverhead::default()),
    check: no_check,
};

#[derive(Default)]
struct EncryptionOverhead {
    resumed: bool,
    share: f64,
    rtt: Nanos,
    handshake_cpu: Nanos,
    bulk_cpu: Nanos,
    handshakes: Option<[CounterId; 2]>,
    cpu: Option<[CounterId; 2]>,
}

impl Scenario for EncryptionOverhead {
    fn configure(&mut self, params: &ParamSet, metrics: &mut Registry) {
        self.resumed = params.choice("tls") == "resumption";
        self.share = params.f64("new_connection_share");
        self.rtt = ms_to_ns(params.f64("rtt_ms"));
        self.handshake_cpu = ms_to_ns(if self.resumed {
            params.f64("resumed_handshake_cpu_ms")
        } else {
            params.f64("full_handshake_cpu_ms")
        });
        let bytes = params.f64("request_kb") * 1e3;
        let rate = params.f64("bulk_gb_per_s").max(1e-3) * 1e9;
        self.bulk_cpu = (bytes / rate * 1e9).round() as Nanos;
        self.handshakes = Some(["full", "resumed"].map(|t| metrics.counter(&HANDSHAKES, &[t])));
        self.cpu = Some(["handshake", "bulk"].map(|p| metrics.counter(&CRYPTO_CPU, &[p])));
    }

    fn strike(&mut self, cx: &mut StrikeCx<'_>, _hop: &Hop) -> Effect {
        let mut cpu_ns = self.bulk_cpu;
        let mut delay_ns = 0;
        if cx.rng.chance(self.share) {
            cpu_ns += self.handshake_cpu;
            delay_ns = self.rtt;
            if let Some(c) = self.handshakes {
                cx.metrics.inc(c[usize::from(self.resumed)]);
            }
            if let Some(c) = self.cpu {
                cx.metrics.add(c[0], self.handshake_cpu as f64 / 1e9);
            }
        }
        if let Some(c) = self.cpu {
            cx.metrics.add(c[1], self.bulk_cpu as f64 / 1e9);
        }
        Effect {
            delay_ns,
            ..Effect::on_service(ServiceEffect {
                cpu_ns,
                ..ServiceEffect::NONE
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;

    fn cpu(lab: &crate::sim::Lab) -> f64 {
        settled_mean(lab, "process_cpu_utilization_ratio", "api-0")
    }

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("web", 2501, &[], &[]), 30);
        assert!(!registered(&off, "tls_handshakes_total"));
        assert!(!registered(&off, "tls_crypto_cpu_seconds_total"));
        let on = run(&config("web", 2501, &["encryption-overhead"], &[]), 30);
        let full = total_where(&on, "tls_handshakes_total", "full");
        assert!((5000.0..7000.0).contains(&full), "{full}");
        assert_eq!(total_where(&on, "tls_handshakes_total", "resumed"), 0.0);
        let hs = total_where(&on, "tls_crypto_cpu_seconds_total", "handshake");
        let bulk = total_where(&on, "tls_crypto_cpu_seconds_total", "bulk");
        assert!(
            hs > 50.0 * bulk && bulk > 0.0,
            "handshake {hs} s, bulk {bulk} s"
        );
    }

    #[test]
    fn symptom_appears() {
        let off = run(&config("web", 2502, &[], &[]), 60);
        let on = run(&config("web", 2502, &["encryption-overhead"], &[]), 60);
        let p50 = |lab| quantile_where(lab, "http_request_duration_seconds", "GET /product", 0.5);
        assert!(p50(&on) > p50(&off) + 0.018, "{} → {}", p50(&off), p50(&on));
        let (c0, c1) = (cpu(&off), cpu(&on));
        assert!(c1 > c0 * 1.15, "cpu {c0} → {c1}");
    }

    #[test]
    fn mitigation_reduces_symptom() {
        // Resumption removes most of the handshake CPU; keep-alive removes the handshakes.
        let full = run(&config("web", 2503, &["encryption-overhead"], &[]), 60);
        let resumed = run(
            &config(
                "web",
                2503,
                &["encryption-overhead"],
                &[("encryption-overhead.tls", "resumption")],
            ),
            60,
        );
        let hs = |lab| total_where(lab, "tls_crypto_cpu_seconds_total", "handshake");
        assert!(
            hs(&resumed) < hs(&full) * 0.15,
            "{} vs {}",
            hs(&resumed),
            hs(&full)
        );
        assert!(cpu(&resumed) < cpu(&full) * 0.9);
        let kept = run(
            &config(
                "web",
                2503,
                &["encryption-overhead"],
                &[("encryption-overhead.new_connection_share", "0.02")],
            ),
            60,
        );
        let p50 = |lab| quantile_where(lab, "http_request_duration_seconds", "GET /product", 0.5);
        assert!(
            p50(&kept) < p50(&full) - 0.015,
            "{} vs {}",
            p50(&kept),
            p50(&full)
        );
    }
}
