//! # Partial response
//!
//! A proxy between the service and the clients (a load balancer with a buffer limit, an
//! idle timeout shorter than a slow write) drops the connection part-way through some
//! response bodies. The service wrote a 200 and counts a success; the client gets a
//! truncated body — a content-length mismatch, a JSON parse error — and counts a
//! failure. Server dashboards are green while users see errors: the error surfaces only
//! as data, in the proxy's log and the client's numbers.
//!
//! ```text
//!   api-i ──200 OK, 20 KB──▶ proxy ──✂ 11 KB──▶ client: "unexpected end of JSON input"
//!   http_requests_total{status="200"} ✓           client_requests_total{outcome="error"} ✗
//! ```
//!
//! ## What to look at
//! - `client_requests_total{outcome="error"}` rising while `http_requests_total` shows no
//!   5xx: the gap between what the server and the client saw.
//! - `http_partial_responses_total{endpoint}` and the proxy's error log "upstream
//!   prematurely closed connection while sending response" with upstream status 200.
//! - The trace's "send response" span has error status under a 200 root.
//!
//! ## How to fix it
//! Find the hop that cuts (proxy buffer and timeout settings, keep-alive mismatches);
//! meanwhile clients should validate bodies (length, checksum) and retry idempotent
//! reads: `retry-backoff` turns most truncations into a slower success.
//! Mitigations: `retry-backoff`.

use crate::metrics::{CounterId, MetricSpec, Registry};
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{
    no_check, Component, Effect, Hop, NetworkEffect, Scenario, ScenarioMeta, StrikeCx,
};
use crate::systems::web::metrics::PARTIAL_RESPONSES;

const CUT_BYTES: MetricSpec = MetricSpec::counter(
    "http_response_bytes_lost_total",
    "Response bytes that never reached the client because the connection dropped mid-body.",
    &[],
);

pub static META: ScenarioMeta = ScenarioMeta {
    id: "partial-response",
    title: "Partial response",
    category: "api",
    kind: crate::scenario::FaultKind::Failing,
    summary: "Some response bodies are cut off on the way: the server counts 200s while clients get truncated JSON.",
    source: crate::doc_of!("scenarios/api/partial_response.rs"),
    own_params: &[
        ParamSpec::float(
            "share",
            "",
            0.05,
            0.0,
            1.0,
            "Share of the struck endpoint's responses cut off mid-body.",
        ),
        ParamSpec::choice(
            "endpoint",
            "GET /product",
            &["GET /product", "POST /order", "both"],
            "Which responses are cut (large product pages by default).",
        ),
        ParamSpec::float(
            "response_kb",
            "KB",
            20.0,
            0.0,
            1_048_576.0,
            "Size of a cut response, for the bytes-lost counter.",
        ),
    ],
    metrics: &[PARTIAL_RESPONSES, CUT_BYTES],
    strikes: &[Component::Network],
    mitigations: &["retry-backoff"],
    build: || Box::new(PartialResponse::default()),
    check: no_check,
};

#[derive(Default)]
struct PartialResponse {
    share: f64,
    endpoint: String,
    bytes: f64,
    lost: Option<CounterId>,
}

impl Scenario for PartialResponse {
    fn configure(&mut self, params: &ParamSet, metrics: &mut Registry) {
        self.share = params.f64("share");
        self.endpoint = params.choice("endpoint").to_string();
        self.bytes = params.f64("response_kb") * 1024.0;
        self.lost = Some(metrics.counter(&CUT_BYTES, &[]));
    }

    fn strike(&mut self, cx: &mut StrikeCx<'_>, hop: &Hop) -> Effect {
        // Only the response to the client, not the links between parts.
        if hop.edge.is_some() || (self.endpoint != "both" && self.endpoint != hop.endpoint) {
            return Effect::NONE;
        }
        if !cx.rng.chance(self.share) {
            return Effect::NONE;
        }
        // Cut somewhere in the body: the rest is lost.
        let lost = self.bytes * cx.rng.next_f64();
        if let Some(c) = self.lost {
            cx.metrics.add(c, lost);
        }
        Effect::on_network(NetworkEffect {
            truncated: true,
            ..NetworkEffect::NONE
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("web", 631, &[], &[]), 30);
        assert!(!registered(&off, "http_partial_responses_total"));
        assert!(!registered(&off, "http_response_bytes_lost_total"));
        let on = run(&config("web", 631, &["partial-response"], &[]), 30);
        // 5 % of ~160 product reads/s for 30 s ≈ 240.
        let cut = total(&on, "http_partial_responses_total");
        assert!((170.0..320.0).contains(&cut), "{cut}");
        assert!(total(&on, "http_response_bytes_lost_total") > 170.0 * 2048.0);
    }

    #[test]
    fn symptom_appears() {
        // The server sees no errors; the clients see ~4 % of calls fail; the proxy logs it.
        let lab = run(&config("web", 632, &["partial-response"], &[]), 60);
        assert_eq!(failed_responses(&lab, "GET /product"), 0.0);
        let errors = client_outcomes(&lab, "error");
        let all = errors + client_outcomes(&lab, "success");
        let share = errors / all;
        assert!((0.03..0.05).contains(&share), "client error share {share}");
        assert_eq!(errors, total(&lab, "http_partial_responses_total"));
        let logged = lab
            .logs()
            .filter(|l| l.message.starts_with("upstream prematurely closed"))
            .count();
        assert!(logged > 0);
        let traced = lab
            .traces()
            .filter(|t| {
                t.spans.iter().any(|s| {
                    s.operation == "send response" && s.status == crate::observe::SpanStatus::Error
                })
            })
            .count();
        assert!(traced > 0, "a trace shows the cut under a 200");
    }

    #[test]
    fn mitigation_reduces_symptom() {
        let errors = |switches: &[&str]| {
            let lab = run(&config("web", 633, switches, &[]), 60);
            client_outcomes(&lab, "error")
        };
        let without = errors(&["partial-response"]);
        let with = errors(&["partial-response", "retry-backoff"]);
        assert!(without > 300.0, "{without}");
        assert!(
            with < without * 0.1,
            "client errors {without} → {with} with retries"
        );
    }
}
