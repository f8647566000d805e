//! # Retries with backoff, jitter and a budget
//!
//! Replace the client's naive retries (again at once, as often as allowed) with polite
//! ones: at most `max_attempts` tries, waiting `base_backoff_ms × 2^(attempt-1)` capped
//! at `max_backoff_ms` between them, spread by jitter (`full`: uniform in [0, backoff];
//! `equal`: half fixed, half random; `none`), and only while the retry budget lasts: each
//! first attempt earns `budget_ratio` tokens, each retry spends one. During an outage the
//! budget runs dry and retries stop adding load, which is what lets a system recover.
//!
//! ```text
//!   client ──try──▶ service   ✗
//!          ··wait 50ms±jitter··▶ try 2 ✗
//!          ·····wait 100ms±jitter·····▶ try 3 (if budget left)
//! ```
//!
//! ## What to look at
//! - `retry_attempts_total` against first attempts: the amplification factor.
//! - `retry_budget_exhausted_total`: retries refused because the budget was spent.
//! - `retry_depth`: which attempt finally succeeded (or gave up).
//!
//! See Brooker, "Timeouts, retries and backoff with jitter" (Amazon Builders' Library).

use crate::metrics::MetricSpec;
use crate::mitigation::{MitigationConfig, MitigationMeta};
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::Component;
use crate::time::{ms_to_ns, Nanos};

pub const RETRY_ATTEMPTS: MetricSpec = MetricSpec::counter(
    "retry_attempts_total",
    "Retries sent by clients (attempts after the first).",
    &[],
);
pub const RETRY_DEPTH: MetricSpec = MetricSpec::histogram(
    "retry_depth",
    "Attempts a client call took until it succeeded or gave up.",
    &[],
    &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0],
);
pub const RETRY_BUDGET_EXHAUSTED: MetricSpec = MetricSpec::counter(
    "retry_budget_exhausted_total",
    "Retries not sent because the retry budget was spent.",
    &[],
);

/// The client's retry policy: attempts, backoff and its jitter, the retry budget.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Config {
    /// Tries per call, the first included.
    pub max_attempts: u32,
    pub base_backoff_ns: Nanos,
    pub max_backoff_ns: Nanos,
    pub jitter: Jitter,
    /// Retry tokens earned per first attempt.
    pub budget_ratio: f64,
}

/// Jitter applied to a retry's backoff.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Jitter {
    None,
    Full,
    Equal,
}

impl MitigationConfig for Config {
    const ID: &'static str = "retry-backoff";

    fn from_params(p: &ParamSet) -> Config {
        Config {
            max_attempts: p.i64("max_attempts").max(1) as u32,
            base_backoff_ns: ms_to_ns(p.f64("base_backoff_ms")),
            max_backoff_ns: ms_to_ns(p.f64("max_backoff_ms")),
            jitter: match p.choice("jitter") {
                "none" => Jitter::None,
                "equal" => Jitter::Equal,
                _ => Jitter::Full,
            },
            budget_ratio: p.f64("budget_ratio"),
        }
    }
}

pub static META: MitigationMeta = MitigationMeta {
    id: "retry-backoff",
    title: "Retries with backoff, jitter and budget",
    category: "resilience",
    summary:
        "Retry a failed call a few times, with exponential backoff, jitter and a retry budget.",
    source: crate::doc_of!("mitigations/retry_backoff.rs"),
    params: &[
        ParamSpec::int(
            "max_attempts",
            "attempts",
            3,
            1,
            10,
            "Tries per call, the first included.",
        ),
        ParamSpec::float(
            "base_backoff_ms",
            "ms",
            50.0,
            0.0,
            60_000.0,
            "Wait before the first retry; doubles each retry.",
        ),
        ParamSpec::float(
            "max_backoff_ms",
            "ms",
            2000.0,
            0.0,
            600_000.0,
            "Cap on the wait between retries.",
        ),
        ParamSpec::choice(
            "jitter",
            "full",
            &["none", "full", "equal"],
            "How the wait is randomised.",
        ),
        ParamSpec::float(
            "budget_ratio",
            "",
            0.1,
            0.0,
            10.0,
            "Retry tokens earned per first attempt (0.1 = retries at most ~10% of traffic).",
        ),
    ],
    metrics: &[RETRY_ATTEMPTS, RETRY_DEPTH, RETRY_BUDGET_EXHAUSTED],
    acts_on: &[Component::Client],
};
