//! # Hedged requests
//!
//! For idempotent reads (`GET /product`) the load balancer sends a second copy of a
//! request to another instance when the first has not answered within `hedge_after_ms`
//! (by default about the p95 of a healthy read). Whichever copy answers first wins; the
//! other is cancelled: it stops at its next step (out of the accept queue, before its
//! CPU work, before its cache lookup or query), and the worker time it had already spent
//! is wasted. A copy that fails while the other still runs loses too: the answer comes
//! from the one still working. Only the winner's answer reaches the client, timed from
//! the first copy's arrival.
//!
//! A slow path that strikes one request in fifty rarely strikes both copies, so the
//! tail collapses to about `hedge_after_ms` plus a normal read, for a few percent more
//! load. The hedging budget `max_hedge_ratio` caps the copies at that share of reads
//! (a token bucket: each read earns `max_hedge_ratio` tokens, each hedge spends one),
//! so when everything is slow — an overload, where a second copy only adds load —
//! hedging stops instead of doubling the traffic. See Dean & Barroso, "The Tail at
//! Scale" (CACM 2013).
//!
//! ```text
//!   client ──▶ LB ──▶ api-1  ········ slow path ········ ✗ cancelled (work wasted)
//!              │ no answer after hedge_after_ms
//!              └────────▶ api-2 ──▶ answer ──▶ client (first answer wins)
//! ```
//!
//! ## What to look at
//! - Client p99 (`client_request_duration_seconds`) and `latency_p99_s` fall towards
//!   `hedge_after_ms` plus a normal read while p50 stays where it was.
//! - `hedged_requests_total` against reads: the extra load; `hedge_wins_total`: how often
//!   the second copy answered first; `hedge_wasted_seconds_total`: worker time the
//!   cancelled copies used; `hedge_budget_exhausted_total`: copies the budget refused.
//! - A hedged request's trace has a `hedge` span for the second copy on its instance
//!   (and, when the hedge won, a span for the cancelled first copy).
//!
//! Only reads are hedged: a second `POST /order` could charge twice. Hedging hides a
//! slow path; it does not fix it, and it cannot help when every instance is slow.

use crate::metrics::MetricSpec;
use crate::mitigation::{MitigationConfig, MitigationMeta};
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::Component;
use crate::time::{ms_to_ns, Nanos};

pub const HEDGED: MetricSpec = MetricSpec::counter(
    "hedged_requests_total",
    "Second copies of reads the load balancer sent because the first had not answered in time.",
    &[],
);
pub const HEDGE_WINS: MetricSpec = MetricSpec::counter(
    "hedge_wins_total",
    "Hedged reads where the second copy answered first.",
    &[],
);
pub const HEDGE_WASTED: MetricSpec = MetricSpec::counter(
    "hedge_wasted_seconds_total",
    "Worker time spent by copies of hedged reads that lost (cancelled or failed): wasted work.",
    &[],
);
pub const HEDGE_BUDGET_EXHAUSTED: MetricSpec = MetricSpec::counter(
    "hedge_budget_exhausted_total",
    "Hedges not sent because the hedging budget (max_hedge_ratio) was spent.",
    &[],
);

/// When the load balancer sends a read's second copy, and how many it may send.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Config {
    pub hedge_after_ns: Nanos,
    /// Hedges allowed per read (the hedging budget's ratio).
    pub max_hedge_ratio: f64,
}

impl MitigationConfig for Config {
    const ID: &'static str = "hedging";

    fn from_params(p: &ParamSet) -> Config {
        Config {
            hedge_after_ns: ms_to_ns(p.f64("hedge_after_ms")),
            max_hedge_ratio: p.f64("max_hedge_ratio"),
        }
    }
}

pub static META: MitigationMeta = MitigationMeta {
    id: "hedging",
    title: "Hedged requests",
    category: "latency",
    summary: "Send a second copy of a slow read to another instance; the first answer wins.",
    source: crate::doc_of!("mitigations/hedging.rs"),
    params: &[
        ParamSpec::float(
            "hedge_after_ms",
            "ms",
            20.0,
            0.0,
            600_000.0,
            "Send the second copy when a read has not answered after this long (about a healthy p95).",
        ),
        ParamSpec::float(
            "max_hedge_ratio",
            "",
            0.1,
            0.0,
            1.0,
            "Hedging budget: at most this share of reads get a second copy (1 = no cap).",
        ),
    ],
    metrics: &[HEDGED, HEDGE_WINS, HEDGE_WASTED, HEDGE_BUDGET_EXHAUSTED],
    acts_on: &[Component::LoadBalancer],
};
