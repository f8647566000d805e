//! # 429 Too Many Requests
//!
//! The payment provider enforces a quota on the service's API key: `quota_rps` calls a
//! second, with bursts up to `burst` (a token bucket). Orders arrive faster than that —
//! or in bursts the bucket cannot absorb — and the provider answers the excess at once
//! with **429 Too Many Requests**; the service passes the 429 on. Nothing is broken or
//! slow: the order path is simply over its budget. Retrying at once makes it worse,
//! since a retry spends quota the next order needed; retrying after a jittered backoff
//! lands in the quiet moments between bursts.
//!
//! The lab cannot add a flood of clients from a scenario, so the limit sits where it
//! usually hurts first: at a third-party API the service depends on.
//!
//! ```text
//!   orders ▇▇▇▇▁▁▁▁▇▇▇▇▁▁▁▁ ──▶ payment API [ bucket: quota_rps, burst ] ──▶ ✓
//!                                          └─ empty ─▶ 429 at once
//! ```
//!
//! ## What to look at
//! - `http_requests_total{endpoint="POST /order",status="429"}`: the share of orders
//!   over quota; `GET /product` unaffected.
//! - `rate_limit_rejections_total{dependency}` and `rate_limit_tokens_available`: the
//!   provider's bucket runs empty in bursts.
//! - Latency of the 429s is short: this is refusal, not overload.
//!
//! ## How to fix it
//! Honour the limit: `retry-backoff` with jitter spreads retries into the gaps between
//! bursts (and its budget keeps them from burning the quota); immediate retries only
//! multiply the 429s. For good: ask for a higher quota, queue orders and charge them at
//! the quota's pace, and rate-limit your own clients (`rate-limiter`) before they drive
//! you over it. Mitigations: `retry-backoff`, `rate-limiter`.

use crate::metrics::{CounterId, GaugeId, MetricSpec, Registry};
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{no_check, Component, Effect, Hop, Scenario, ScenarioMeta, StrikeCx};
use crate::time::{ms_to_ns, ns_to_secs, Nanos};

const REJECTED: MetricSpec = MetricSpec::counter(
    "rate_limit_rejections_total",
    "Calls a dependency refused with 429 because its quota was spent.",
    &["dependency"],
);
const TOKENS: MetricSpec = MetricSpec::gauge(
    "rate_limit_tokens_available",
    "Calls left in the dependency's quota bucket at the last call.",
    &["dependency"],
);

/// The provider's quota on the service's API key (shared with `rate-limit`, which
/// strikes the same bucket).
pub(crate) const QUOTA_RPS: ParamSpec = ParamSpec::float(
    "quota_rps",
    "req/s",
    30.0,
    0.0,
    1_000_000.0,
    "Calls per second the provider allows the service's API key.",
);
pub(crate) const BURST: ParamSpec = ParamSpec::float(
    "burst",
    "calls",
    30.0,
    1.0,
    1_000_000.0,
    "Calls the quota bucket holds when full.",
);

pub static META: ScenarioMeta = ScenarioMeta {
    id: "429-rate-limit",
    title: "429 Too Many Requests",
    category: "http",
    kind: crate::scenario::FaultKind::Overloaded,
    summary: "The payment API's quota is below the order rate: the excess is refused with 429.",
    source: crate::doc_of!("scenarios/http/rate_limit_429.rs"),
    own_params: &[
        QUOTA_RPS,
        BURST,
        ParamSpec::float(
            "reject_ms",
            "ms",
            5.0,
            0.0,
            60_000.0,
            "Time the provider takes to answer 429.",
        ),
    ],
    metrics: &[REJECTED, TOKENS],
    strikes: &[Component::Dependency],
    mitigations: &["retry-backoff", "rate-limiter"],
    build: || Box::new(RateLimit429::default()),
    check: no_check,
};

#[derive(Default)]
struct RateLimit429 {
    rate: f64,
    burst: f64,
    reject_ns: Nanos,
    /// (tokens, last refill); `None` until the first call (the bucket starts full).
    bucket: Option<(f64, Nanos)>,
    rejected: Option<CounterId>,
    tokens: Option<GaugeId>,
}

impl Scenario for RateLimit429 {
    fn configure(&mut self, params: &ParamSet, metrics: &mut Registry) {
        self.rate = params.f64("quota_rps");
        self.burst = params.f64("burst");
        self.reject_ns = ms_to_ns(params.f64("reject_ms"));
        self.rejected = Some(metrics.counter(&REJECTED, &["payment"]));
        self.tokens = Some(metrics.gauge(&TOKENS, &["payment"]));
    }

    fn strike(&mut self, cx: &mut StrikeCx<'_>, _hop: &Hop) -> Effect {
        let (tokens, last) = self.bucket.unwrap_or((self.burst, cx.now));
        let tokens = (tokens + self.rate * ns_to_secs(cx.now.saturating_sub(last))).min(self.burst);
        let admitted = tokens >= 1.0;
        let left = if admitted { tokens - 1.0 } else { tokens };
        self.bucket = Some((left, cx.now));
        if let Some(g) = self.tokens {
            cx.metrics.set(g, left.floor());
        }
        if admitted {
            return Effect::NONE;
        }
        if let Some(c) = self.rejected {
            cx.metrics.inc(c);
        }
        Effect {
            delay_ns: self.reject_ns,
            work_factor: 0.0,
            fail_status: Some(429),
            ..Effect::NONE
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("web", 391, &[], &[]), 30);
        assert!(!registered(&off, "rate_limit_rejections_total"));
        assert!(!registered(&off, "rate_limit_tokens_available"));
        let on = run(&config("web", 391, &["429-rate-limit"], &[]), 30);
        let rejected = total(&on, "rate_limit_rejections_total");
        assert!(
            (200.0..400.0).contains(&rejected),
            "~10/s over quota: {rejected}"
        );
        assert!(
            total(&on, "rate_limit_tokens_available") < 5.0,
            "bucket empty"
        );
    }

    #[test]
    fn symptom_appears() {
        // 40 orders/s against a 30/s quota: a quarter of the orders get 429, fast.
        let lab = run(&config("web", 392, &["429-rate-limit"], &[]), 90);
        let limited = responses(&lab, "POST /order", "429");
        let ok = responses(&lab, "POST /order", "200");
        let share = limited / (limited + ok);
        assert!((0.18..0.32).contains(&share), "429 share of orders {share}");
        let reads = failed_responses(&lab, "GET /product");
        assert_eq!(reads, 0.0);
        let p99 = quantile_where(&lab, "http_request_duration_seconds", "POST /order", 0.99);
        assert!(p99 < 0.2, "refused, not slow: p99 {p99}");
    }

    #[test]
    fn mitigation_reduces_symptom() {
        // Bursty orders (80/s for 1 s, then 20/s) against a 60/s quota: on average under
        // it. Jittered backoff moves the refused orders into the quiet second.
        let load = [
            ("load_profile", "bursty"),
            ("profile_period_s", "2"),
            ("429-rate-limit.quota_rps", "60"),
            ("429-rate-limit.burst", "10"),
        ];
        let without = client_outcomes(
            &run(&config("web", 393, &["429-rate-limit"], &load), 90),
            "error",
        );
        let mut polite = load.to_vec();
        polite.extend([
            ("retry-backoff.base_backoff_ms", "250"),
            ("retry-backoff.max_attempts", "4"),
            ("retry-backoff.budget_ratio", "1"),
        ]);
        let with = client_outcomes(
            &run(
                &config("web", 393, &["429-rate-limit", "retry-backoff"], &polite),
                90,
            ),
            "error",
        );
        assert!(without > 300.0, "{without}");
        assert!(
            with < without * 0.3,
            "refused orders {without} → {with} with jittered backoff"
        );
    }
}
