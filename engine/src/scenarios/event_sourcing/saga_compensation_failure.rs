//! # Saga compensation failure
//!
//! The order service starts refusing to confirm paid orders (`confirm_failure_rate` of
//! them: a validation bug after a deploy), so their payment sagas must undo what they
//! did: refund the charge, release the stock. While the scenario lasts, the payment
//! provider's refund API is down too (`refund_failure_rate`, all refunds by default).
//! Each saga retries its refund a few times at a fixed interval
//! (`compensation_retries`, `compensation_backoff_ms`: 3 × 0.5 s), gives up long before
//! the outage ends, and leaves its order half-done: charged, not confirmed, never
//! refunded.
//!
//! ```text
//!   reserve ✓ → charge ✓ → confirm ✗ → refund ✗ ✗ ✗ ✗  → stuck (money taken, no order)
//!                                       └ 0.5 s apart, over in 2 s; the outage lasts 60 s
//! ```
//!
//! ## What to look at
//! - `sagas_total{outcome="stuck"}` rising; `compensations_total{step="refund",
//!   outcome="failed"}` at four times the stuck sagas.
//! - `sagas_total{outcome="compensated"}` flat while the refunds fail.
//! - The log: `compensation gave up: order left half-done`, with the order.
//!
//! With the defaults, seed 1, starting at 30 s for 60 s, over a 180 s run: 339 sagas
//! are stuck and 1,388 refund attempts fail; with `compensation-backoff`, none is stuck
//! and 546 are compensated (`sdl run --system orders --scenario
//! saga-compensation-failure --set saga-compensation-failure.start_s=30 --set
//! saga-compensation-failure.duration_s=60 --duration 180s`).
//!
//! ## How to fix it
//! Retry compensations for longer than an outage lasts, with a doubling wait
//! (`compensation-backoff`); they are idempotent, so a retry never refunds twice. What
//! still fails after the last retry goes to a dead-letter queue with an alert, for a
//! person to finish: a stuck saga must never be silent.
//! Mitigations: `compensation-backoff`.

use crate::metrics::Registry;
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{Component, Effect, Hop, Scenario, ScenarioMeta, StrikeCx};
use crate::systems::orders::metrics::{COMPENSATIONS, SAGAS, SAGA_DURATION};

pub static META: ScenarioMeta = ScenarioMeta {
    id: "saga-compensation-failure",
    title: "Saga compensation failure",
    category: "event-sourcing",
    kind: crate::scenario::FaultKind::Inconsistent,
    summary: "Confirmations are refused and the payment provider cannot refund for a while: sagas give up undoing and leave orders half-done.",
    source: crate::doc_of!("scenarios/event_sourcing/saga_compensation_failure.rs"),
    own_params: &[
        ParamSpec::float(
            "confirm_failure_rate",
            "",
            0.2,
            0.0,
            1.0,
            "Share of paid orders whose confirmation the order service refuses.",
        ),
        ParamSpec::float(
            "refund_failure_rate",
            "",
            1.0,
            0.0,
            1.0,
            "Share of refund attempts that fail while the scenario lasts.",
        ),
    ],
    metrics: &[SAGAS, COMPENSATIONS, SAGA_DURATION],
    strikes: &[Component::Dependency],
    mitigations: &["compensation-backoff"],
    build: || Box::new(SagaCompensationFailure::default()),
    check: crate::scenario::no_check,
};

#[derive(Default)]
struct SagaCompensationFailure {
    confirm: f64,
    refund: f64,
}

impl Scenario for SagaCompensationFailure {
    fn configure(&mut self, params: &ParamSet, _metrics: &mut Registry) {
        self.confirm = params.f64("confirm_failure_rate");
        self.refund = params.f64("refund_failure_rate");
    }

    fn strike(&mut self, cx: &mut StrikeCx<'_>, hop: &Hop) -> Effect {
        let p = match hop.endpoint {
            "confirm" => self.confirm,
            "refund" => self.refund,
            _ => 0.0,
        };
        if p > 0.0 && cx.rng.chance(p) {
            Effect::fail(502)
        } else {
            Effect::NONE
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;

    fn sagas(lab: &crate::sim::Lab, outcome: &str) -> f64 {
        lab.metrics()
            .family_total_where("sagas_total", |_, v| v[0] == outcome)
    }

    const SETS: &[(&str, &str)] = &[
        ("saga-compensation-failure.start_s", "30"),
        ("saga-compensation-failure.duration_s", "60"),
    ];

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("orders", 711, &[], &[]), 180);
        assert_eq!(sagas(&off, "stuck"), 0.0);
        let refunds_failed = |lab: &crate::sim::Lab| {
            lab.metrics()
                .family_total_where("compensations_total", |_, v| {
                    v[0] == "refund" && v[1] == "failed"
                })
        };
        assert_eq!(refunds_failed(&off), 0.0);
        let on = run(
            &config("orders", 711, &["saga-compensation-failure"], SETS),
            180,
        );
        assert!(refunds_failed(&on) > 100.0, "{}", refunds_failed(&on));
    }

    #[test]
    fn symptom_appears() {
        let lab = run(
            &config("orders", 712, &["saga-compensation-failure"], SETS),
            180,
        );
        let stuck = sagas(&lab, "stuck");
        assert!(stuck > 50.0, "{stuck}");
        // Each stuck saga tried its refund 1 + 3 times.
        let failed = lab
            .metrics()
            .family_total_where("compensations_total", |_, v| {
                v[0] == "refund" && v[1] == "failed"
            });
        assert!(failed >= 4.0 * stuck, "{failed} vs {stuck}");
    }

    #[test]
    fn mitigation_reduces_symptom() {
        let without = run(
            &config("orders", 713, &["saga-compensation-failure"], SETS),
            240,
        );
        let with = run(
            &config(
                "orders",
                713,
                &["saga-compensation-failure", "compensation-backoff"],
                SETS,
            ),
            240,
        );
        assert!(sagas(&without, "stuck") > 50.0);
        assert_eq!(
            sagas(&with, "stuck"),
            0.0,
            "the backoff outlasts the outage"
        );
        assert!(sagas(&with, "compensated") > sagas(&without, "compensated"));
    }
}
