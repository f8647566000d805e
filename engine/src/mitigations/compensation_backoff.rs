//! # Compensation retries with backoff
//!
//! A saga's compensating action (a refund, a stock release) that fails is retried with a
//! wait that doubles each time (`base_backoff_ms`, 2×, 4×, …) for up to `max_retries`
//! retries, instead of a few quick retries at a fixed interval. Compensations are
//! idempotent (a refund keyed by the order is made once however often it is asked), so
//! retrying is safe. Most failures of a payment provider are outages of seconds to
//! minutes: a backoff that spans longer than the outage carries the saga through it. A
//! compensation still failing after the last retry is left for an operator (in a real
//! system, a dead-letter queue and an alert); here it is counted as a stuck saga.
//!
//! ```text
//!   refund ✗ ─0.5 s─ ✗ ─1 s─ ✗ ─2 s─ ✗ ─4 s─ … ─64 s─ ✓   (the outage is over)
//! ```
//!
//! ## What to look at
//! - `sagas_total{outcome="stuck"}` stays at 0 through an outage shorter than the
//!   backoff's span; `compensations_total{step,outcome="failed"}` shows the retries.
//! - `saga_duration_seconds`: compensated sagas take as long as the outage.

use crate::mitigation::{MitigationConfig, MitigationMeta};
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::Component;
use crate::systems::orders::metrics::{COMPENSATIONS, SAGAS, SAGA_DURATION};
use crate::time::{ms_to_ns, Nanos};

/// How a failed compensation is retried.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Config {
    pub max_retries: u32,
    pub base_backoff_ns: Nanos,
}

impl Config {
    /// The wait before retry `attempt` (1 for the first): the base, doubled each time.
    pub fn backoff_ns(&self, attempt: u32) -> Nanos {
        let doublings = attempt.saturating_sub(1).min(40);
        self.base_backoff_ns.saturating_mul(1 << doublings)
    }
}

impl MitigationConfig for Config {
    const ID: &'static str = "compensation-backoff";

    fn from_params(p: &ParamSet) -> Config {
        Config {
            max_retries: p.i64("max_retries").clamp(0, 40) as u32,
            base_backoff_ns: ms_to_ns(p.f64("base_backoff_ms")),
        }
    }
}

pub static META: MitigationMeta = MitigationMeta {
    id: "compensation-backoff",
    title: "Compensation retries with backoff",
    category: "event-sourcing",
    summary: "Retry a failed compensation with a doubling wait that outlasts an outage, instead of giving up after a few quick tries.",
    source: crate::doc_of!("mitigations/compensation_backoff.rs"),
    params: &[
        ParamSpec::int(
            "max_retries",
            "",
            10,
            0,
            40,
            "Retries of a failed compensation before the saga is left stuck.",
        ),
        ParamSpec::float(
            "base_backoff_ms",
            "ms",
            500.0,
            1.0,
            600_000.0,
            "Wait before the first retry; each later one doubles it.",
        ),
    ],
    metrics: &[SAGAS, COMPENSATIONS, SAGA_DURATION],
    acts_on: &[Component::Dependency],
};
