//! Hedged reads at the load balancer (the `hedging` mitigation). A `GET /product` still
//! unanswered `hedge_after_ms` after it reached the load balancer gets a second copy on
//! another instance, while the hedging budget allows. The two copies are twins (each
//! `Req::twin` names the other) until one answers:
//!
//! - the first to answer successfully wins; so does a failure when the other copy is no
//!   longer running. The winner's answer goes to the client, timed from the first copy's
//!   arrival (one request as the load balancer and the client see it).
//! - the other copy is cancelled: it stops at its next step (`cancelled` is checked when
//!   it reaches its instance, leaves the accept queue, starts computing, finishes
//!   computing, gets its cache answer or a connection) and ends without an answer. A
//!   copy that fails while its twin still runs ends the same way.
//!
//! A copy that ends unanswered counts its worker time in `hedge_wasted_seconds_total`
//! and is neither an HTTP response nor a departure in the run's statistics. The winner's
//! trace carries a `hedge` span for the second copy (and one for the cancelled first
//! copy when the hedge won).
//!
//! This file holds the hedging metrics; the copies' way (the timer, the second copy, who
//! wins) is `hedging.rs`, the budget `WebModel::hedge_budget`, the pick of the other
//! instance the load balancer's (`fleet.rs`).

use crate::metrics::{CounterId, Registry};
use crate::mitigations::hedging::{HEDGED, HEDGE_BUDGET_EXHAUSTED, HEDGE_WASTED, HEDGE_WINS};
use crate::systems::Core;

/// Handles of the hedging metrics, registered when the mitigation is switched on.
#[derive(Debug, Clone, Copy)]
pub(super) struct HedgeIds {
    sent: CounterId,
    wins: CounterId,
    wasted: CounterId,
    refused: CounterId,
}

impl HedgeIds {
    pub(super) fn register(m: &mut Registry) -> HedgeIds {
        HedgeIds {
            sent: m.counter(&HEDGED, &[]),
            wins: m.counter(&HEDGE_WINS, &[]),
            wasted: m.counter(&HEDGE_WASTED, &[]),
            refused: m.counter(&HEDGE_BUDGET_EXHAUSTED, &[]),
        }
    }

    /// A second copy was sent.
    pub(super) fn sent(&self, core: &mut Core) {
        core.metrics.inc(self.sent);
    }

    /// The second copy answered first.
    pub(super) fn won(&self, core: &mut Core) {
        core.metrics.inc(self.wins);
    }

    /// A copy that ended unanswered held a worker for `seconds`.
    pub(super) fn wasted(&self, core: &mut Core, seconds: f64) {
        core.metrics.add(self.wasted, seconds);
    }

    /// A copy was due but the budget was spent.
    pub(super) fn refused(&self, core: &mut Core) {
        core.metrics.inc(self.refused);
    }
}
