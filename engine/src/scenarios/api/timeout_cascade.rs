//! # Timeout cascade
//!
//! Orders go down a chain: the API (A) calls payment (B), which calls the ledger (C).
//! A gives B `outer_timeout_ms`; B gives each attempt at C `inner_timeout_ms` and
//! retries `inner_retries` times. Someone set the inner timeout above the outer one.
//! When the ledger slows down (`ledger_latency_ms`), A gives up after 1 s and answers
//! 504 — but B keeps waiting up to 3 s, then retries, and C keeps working on requests
//! nobody is waiting for. Work is wasted at every layer, and B's retries multiply the
//! load on C exactly when C is struggling.
//!
//! ```text
//!   api ──1 s──▶ payment ──3 s × 3 attempts──▶ ledger (slow)
//!    ✗ 504 at 1 s    └── still waiting, retrying ───▶ wasted work
//! ```
//!
//! ## What to look at
//! - `POST /order` 504s at the outer timeout; the trace's payment span ends at 1 s.
//! - `chain_calls_total{service="ledger"}` above the order rate (retry amplification)
//!   and `chain_attempts_per_call`.
//! - `chain_calls_after_deadline_total` and `chain_wasted_work_seconds_total`: calls and
//!   work after the caller had already given up.
//!
//! ## How to fix it
//! Budget timeouts so each inner one is shorter than the outer one (with room for the
//! retries it allows), or propagate the deadline so inner calls never outlive their
//! caller: `deadline-propagation` stops every call after A's deadline. Retry at one
//! layer only.
//! Mitigations: `deadline-propagation`.

use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{
    no_check, ChainCall, Component, DependencyEffect, Effect, Hop, Scenario, ScenarioMeta, StrikeCx,
};
use crate::systems::web::metrics::{
    CHAIN_AFTER_DEADLINE, CHAIN_ATTEMPTS, CHAIN_CALLS, CHAIN_WASTED,
};
use crate::time::ms_to_ns;

pub static META: ScenarioMeta = ScenarioMeta {
    id: "timeout-cascade",
    title: "Timeout cascade",
    category: "api",
    kind: crate::scenario::FaultKind::Misconfigured,
    summary: "In a chain A → B → C the inner timeout exceeds the outer one: A gives up while B keeps retrying a slow C.",
    source: crate::doc_of!("scenarios/api/timeout_cascade.rs"),
    own_params: &[
        ParamSpec::float(
            "outer_timeout_ms",
            "ms",
            1000.0,
            1.0,
            3_600_000.0,
            "The API's timeout on its call to payment.",
        ),
        ParamSpec::float(
            "inner_timeout_ms",
            "ms",
            3000.0,
            1.0,
            3_600_000.0,
            "Payment's timeout on each attempt at the ledger.",
        ),
        ParamSpec::int(
            "inner_retries",
            "retries",
            2,
            0,
            10,
            "Payment's retries on the ledger after a timeout.",
        ),
        ParamSpec::float(
            "ledger_latency_ms",
            "ms",
            1500.0,
            0.001,
            3_600_000.0,
            "The slow ledger's mean response time (exponential).",
        ),
    ],
    metrics: &[CHAIN_CALLS, CHAIN_ATTEMPTS, CHAIN_AFTER_DEADLINE, CHAIN_WASTED],
    strikes: &[Component::Dependency],
    mitigations: &["deadline-propagation"],
    build: || Box::new(TimeoutCascade::default()),
    check: no_check,
};

#[derive(Default)]
struct TimeoutCascade {
    call: Option<ChainCall>,
}

impl Scenario for TimeoutCascade {
    fn configure(&mut self, params: &ParamSet, _metrics: &mut crate::metrics::Registry) {
        self.call = Some(ChainCall {
            outer_timeout_ns: ms_to_ns(params.f64("outer_timeout_ms")),
            inner_timeout_ns: ms_to_ns(params.f64("inner_timeout_ms")),
            inner_retries: params.i64("inner_retries").max(0) as u32,
            inner_latency_ns: ms_to_ns(params.f64("ledger_latency_ms")),
        });
    }

    fn strike(&mut self, _cx: &mut StrikeCx<'_>, _hop: &Hop) -> Effect {
        Effect::on_dependency(DependencyEffect {
            chain: self.call,
            ..DependencyEffect::NONE
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;

    fn ledger(lab: &crate::sim::Lab, outcome: &str) -> f64 {
        lab.metrics()
            .family_total_where("chain_calls_total", |_, v| {
                v[0] == "ledger" && v[1] == outcome
            })
    }

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("web", 661, &[], &[]), 30);
        assert!(!registered(&off, "chain_calls_total"));
        assert!(!registered(&off, "chain_wasted_work_seconds_total"));
        let on = run(&config("web", 661, &["timeout-cascade"], &[]), 30);
        let orders = total(&on, "dependency_requests_total");
        let calls = ledger(&on, "success") + ledger(&on, "timeout");
        // P(ledger > 3 s) = e^-2 ≈ 0.14 per attempt: ~1.15 attempts per order.
        assert!(
            calls > orders * 1.08 && calls < orders * 1.25,
            "{calls} for {orders} orders"
        );
        assert!(total(&on, "chain_calls_after_deadline_total") > 0.05 * orders);
        assert!(total(&on, "chain_wasted_work_seconds_total") > 0.3 * orders);
    }

    #[test]
    fn symptom_appears() {
        // Ledger > ~1 s for half the orders: they fail with 504 at the outer timeout.
        let lab = run(&config("web", 662, &["timeout-cascade"], &[]), 60);
        let timed_out = responses(&lab, "POST /order", "504");
        let ok = responses(&lab, "POST /order", "200");
        let share = timed_out / (timed_out + ok);
        assert!((0.4..0.6).contains(&share), "504 share {share}");
        let p99 = quantile_where(&lab, "dependency_request_duration_seconds", "payment", 0.99);
        // The payment span ends at the outer timeout: p99 in the (1 s, 2.5 s] bucket, not
        // out where the inner timeouts and retries end (3–9 s).
        assert!(
            (0.9..2.5).contains(&p99),
            "A waits at most its timeout: {p99}"
        );
        assert_eq!(failed_responses(&lab, "GET /product"), 0.0);
    }

    #[test]
    fn mitigation_reduces_symptom() {
        // With the deadline passed down, nobody works for a caller that left.
        let measure = |switches: &[&str]| {
            let lab = run(&config("web", 663, switches, &[]), 60);
            (
                total(&lab, "chain_calls_after_deadline_total"),
                total(&lab, "chain_wasted_work_seconds_total"),
                ledger(&lab, "success") + ledger(&lab, "timeout"),
            )
        };
        let (late, wasted, calls) = measure(&["timeout-cascade"]);
        let (late_m, wasted_m, calls_m) = measure(&["timeout-cascade", "deadline-propagation"]);
        assert!(late > 100.0 && late_m == 0.0, "{late} → {late_m}");
        assert!(wasted_m < wasted * 0.8, "wasted {wasted} → {wasted_m}");
        assert!(calls_m < calls, "ledger calls {calls} → {calls_m}");
    }
}
