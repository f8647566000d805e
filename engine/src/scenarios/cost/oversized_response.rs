//! # Oversized response (overfetching)
//!
//! A release made the product endpoint return everything it knows: every review, every
//! variant, image metadata, the related products, inline. The page uses the same 20 KB
//! it always did; the response is now `response_kb` (250 KB by default). Nothing fails.
//! The service builds and serializes twelve times the JSON (at about 300 MB/s, a common
//! figure for a JSON serializer on one core: 0.8 ms per response), the load balancer
//! processes it, and every byte leaves for the internet at $0.09/GB: the egress line
//! of the bill grows about tenfold and becomes most of the bill. On a mobile client the
//! same bytes are seconds of download.
//!
//! ```text
//!   GET /product ──▶ handler ──▶ 250 KB JSON ──▶ internet ──▶ client uses 20 KB
//!                                  └─ 230 KB overfetched per response, billed ─┘
//! ```
//!
//! ## What to look at
//! - The cost panel: `cost_rate_dollars_per_hour{resource="internet_egress"}` and
//!   `cost_rate_dollars_per_hour{resource="load_balancer"}` (its capacity units count
//!   processed bytes).
//! - `response_overfetch_bytes_total{endpoint}`: bytes sent that the client did not use.
//! - `network_transfer_bytes_total{path="internet"}` per request: bytes per response.
//!
//! ## How to fix it
//! Return what the client asks for (`fields=requested`): sparse fieldsets
//! (`?fields=`), a GraphQL selection, separate endpoints for reviews and related
//! products, pagination of the long lists. Track response size per endpoint in CI and
//! in production; it grows one field at a time.

use crate::metrics::{CounterId, MetricSpec, Registry};
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{no_check, Component, Effect, Hop, Scenario, ScenarioMeta, StrikeCx};
use crate::scenarios::performance::encoding::{Encoding, Part, PRODUCT};
use crate::systems::cost::{COST, COST_RATE, TRANSFER};

/// Bytes a JSON serializer writes per second on one core.
const SERIALIZE_BYTES_PER_S: f64 = 300e6;

const OVERFETCH: MetricSpec = MetricSpec::counter(
    "response_overfetch_bytes_total",
    "Bytes of responses sent that the client did not use, by endpoint.",
    &["endpoint"],
);

pub static META: ScenarioMeta = ScenarioMeta {
    id: "oversized-response",
    title: "Oversized response (overfetching)",
    category: "cost",
    kind: crate::scenario::FaultKind::Misconfigured,
    summary: "The product endpoint returns twelve times what the page uses: egress dominates the bill and the CPU serializes what nobody reads.",
    source: crate::doc_of!("scenarios/cost/oversized_response.rs"),
    own_params: &[
        ParamSpec::float(
            "response_kb",
            "KB",
            250.0,
            0.1,
            1_048_576.0,
            "Size of a product response with every field included.",
        ),
        ParamSpec::float(
            "used_kb",
            "KB",
            20.0,
            0.1,
            1_048_576.0,
            "What the client uses of it (the system's usual product response).",
        ),
        ParamSpec::choice(
            "fields",
            "all",
            &["all", "requested"],
            "all (the fault) or requested: only the fields the client asks for.",
        ),
    ],
    metrics: &[COST, COST_RATE, TRANSFER, OVERFETCH],
    strikes: &[Component::Service, Component::Network],
    mitigations: &[],
    build: || Box::new(Oversized::default()),
    check: no_check,
};

#[derive(Default)]
struct Oversized {
    encoding: Encoding,
    overfetch: f64,
    counter: Option<CounterId>,
}

impl Scenario for Oversized {
    fn configure(&mut self, params: &ParamSet, metrics: &mut Registry) {
        let used = params.f64("used_kb") * 1024.0;
        let sent = if params.choice("fields") == "all" {
            params.f64("response_kb") * 1024.0
        } else {
            used
        };
        self.encoding = Encoding {
            bytes: sent.round().max(1.0) as u64,
            cpu_ns: ((sent - used).max(0.0) / SERIALIZE_BYTES_PER_S * 1e9) as u64,
            link_bytes_per_s: 0.0,
        };
        self.overfetch = (sent - used).max(0.0);
        self.counter = Some(metrics.counter(&OVERFETCH, &[PRODUCT]));
    }

    fn strike(&mut self, cx: &mut StrikeCx<'_>, hop: &Hop) -> Effect {
        let (effect, part) = self.encoding.strike(hop);
        if part == Some(Part::Uplink) {
            if let Some(c) = self.counter {
                cx.metrics.add(c, self.overfetch);
            }
        }
        effect
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
        let off = run(&config("web", 971, &[], &[]), 30);
        assert!(!registered(&off, "response_overfetch_bytes_total"));
        let on = run(&config("web", 971, &["oversized-response"], &[]), 30);
        // 230 KB per product response.
        let over = total(&on, "response_overfetch_bytes_total");
        let products = responses(&on, "GET /product", "200");
        assert!(
            (over / products - 230.0 * 1024.0).abs() < 1.0,
            "{over} / {products}"
        );
    }

    #[test]
    fn symptom_appears() {
        let off = run(&config("web", 972, &[], &[]), 60);
        let on = run(&config("web", 972, &["oversized-response"], &[]), 60);
        let ratio = egress(&on) / egress(&off);
        assert!((9.0..13.0).contains(&ratio), "egress ×{ratio}");
        // Egress becomes most of the bill.
        let bill: f64 = engine_total(&on);
        assert!(egress(&on) > 0.5 * bill, "{} of {bill}", egress(&on));
        assert_eq!(failed_responses(&on, "GET /product"), 0.0);
    }

    fn engine_total(lab: &crate::sim::Lab) -> f64 {
        total(lab, "cost_dollars_total")
    }

    #[test]
    fn diagnosis_signal_identifies_it() {
        let base = run(&config("web", 973, &[], &[]), 60);
        let fixed = run(
            &config(
                "web",
                973,
                &["oversized-response"],
                &[("oversized-response.fields", "requested")],
            ),
            60,
        );
        let (a, b) = (egress(&base), egress(&fixed));
        assert!((b / a - 1.0).abs() < 0.05, "${a} vs ${b}");
        assert_eq!(total(&fixed, "response_overfetch_bytes_total"), 0.0);
    }
}
