//! # Rate limit (and what hammering it earns)
//!
//! The payment API limits the service's API key to `quota_rps` calls a second (a token
//! bucket holding `burst`), like `429-rate-limit`. What this scenario adds is how rate
//! limiters treat clients that ignore them: clients retry a refused order at once,
//! `client_retries` times, so every 429 comes back within milliseconds and is refused
//! again. The provider counts refused calls; more than `abuse_threshold` in one second and
//! it blocks the key for `block_s` seconds — every call refused, orders that were within
//! the quota included (GitHub's secondary limits, a WAF's "block for duration"). After
//! the block the bucket is full, the retries hammer it again, and the key is blocked again.
//!
//! The lab cannot add a flood of clients from a scenario, so the limit sits at a
//! third-party API the service depends on, where it usually hurts first.
//!
//! ```text
//!   orders ──▶ payment API [ quota_rps ] ──429──▶ instant retry ──429──▶ retry ──429
//!                 refused > abuse_threshold in 1 s ──▶ key blocked for block_s: all 429
//! ```
//!
//! ## What to look at
//! - `api_rate_limited_total{dependency,reason}`: refusals over quota and refusals while
//!   blocked; `api_key_blocked` (1 while blocked) and `api_key_blocks_total`.
//! - `http_requests_total{endpoint="POST /order",status="429"}` far above the share of
//!   orders that exceed the quota; `retry_attempts_total` close to the number of 429s.
//!
//! ## How to fix it
//! Back off: `retry-backoff` replaces the instant retries with a few jittered, budgeted
//! ones, the refusals per second stay under the abuse threshold, the key is never
//! blocked, and only the orders over the quota fail. Honour `Retry-After`, queue work at
//! the quota's pace, and ask for a bigger quota. Mitigations: `retry-backoff`.

use crate::metrics::{CounterId, GaugeId, MetricSpec, Registry};
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{no_check, Component, Effect, Hop, Scenario, ScenarioMeta, StrikeCx};
use crate::scenarios::http::rate_limit_429::{BURST, QUOTA_RPS};
use crate::time::{ms_to_ns, ns_to_secs, secs_to_ns, Nanos, NS_PER_SEC};

const LIMITED: MetricSpec = MetricSpec::counter(
    "api_rate_limited_total",
    "Calls the dependency refused with 429, by reason (quota, blocked).",
    &["dependency", "reason"],
);
const BLOCKED: MetricSpec = MetricSpec::gauge(
    "api_key_blocked",
    "1 while the dependency blocks the service's API key for abuse, else 0.",
    &["dependency"],
);
const BLOCKS: MetricSpec = MetricSpec::counter(
    "api_key_blocks_total",
    "Times the dependency blocked the service's API key for too many refused calls.",
    &["dependency"],
);

pub static META: ScenarioMeta = ScenarioMeta {
    id: "rate-limit",
    title: "Rate limit (and what hammering it earns)",
    category: "api",
    summary: "Instant retries against the payment API's rate limit get the API key blocked: all orders fail.",
    source: crate::doc_of!("scenarios/api/rate_limit.rs"),
    own_params: &[
        QUOTA_RPS,
        BURST,
        ParamSpec::int(
            "client_retries",
            "retries",
            8,
            0,
            10,
            "Immediate retries clients make after a refused order.",
        ),
        ParamSpec::int(
            "abuse_threshold",
            "calls",
            100,
            1,
            1_000_000,
            "Refused calls within one second that get the key blocked.",
        ),
        ParamSpec::float(
            "block_s",
            "s",
            10.0,
            0.0,
            86_400.0,
            "How long the key stays blocked.",
        ),
    ],
    metrics: &[LIMITED, BLOCKED, BLOCKS],
    strikes: &[Component::Client, Component::Dependency],
    mitigations: &["retry-backoff"],
    build: || Box::new(RateLimit::default()),
    check: no_check,
};

#[derive(Default)]
struct RateLimit {
    rate: f64,
    burst: f64,
    retries: u32,
    threshold: u64,
    block_ns: Nanos,
    /// (tokens, last refill); `None` until the first call (the bucket starts full).
    bucket: Option<(f64, Nanos)>,
    /// The current one-second window and the refusals counted in it.
    window: (Nanos, u64),
    blocked_until: Nanos,
    now: Nanos,
    over_quota: Option<CounterId>,
    while_blocked: Option<CounterId>,
    blocks: Option<CounterId>,
    blocked: Option<GaugeId>,
}

impl RateLimit {
    fn refuse(&mut self, cx: &mut StrikeCx<'_>, counter: Option<CounterId>) -> Effect {
        if let Some(c) = counter {
            cx.metrics.inc(c);
        }
        Effect {
            delay_ns: ms_to_ns(2.0),
            work_factor: 0.0,
            fail_status: Some(429),
            ..Effect::NONE
        }
    }
}

impl Scenario for RateLimit {
    fn configure(&mut self, params: &ParamSet, metrics: &mut Registry) {
        self.rate = params.f64("quota_rps");
        self.burst = params.f64("burst");
        self.retries = params.i64("client_retries").max(0) as u32;
        self.threshold = params.i64("abuse_threshold").max(1) as u64;
        self.block_ns = secs_to_ns(params.f64("block_s"));
        self.over_quota = Some(metrics.counter(&LIMITED, &["payment", "quota"]));
        self.while_blocked = Some(metrics.counter(&LIMITED, &["payment", "blocked"]));
        self.blocks = Some(metrics.counter(&BLOCKS, &["payment"]));
        self.blocked = Some(metrics.gauge(&BLOCKED, &["payment"]));
    }

    fn strike(&mut self, cx: &mut StrikeCx<'_>, hop: &Hop) -> Effect {
        if hop.component == Component::Client {
            return Effect {
                client_retries: Some(self.retries),
                ..Effect::NONE
            };
        }
        self.now = cx.now;
        if cx.now < self.blocked_until {
            return self.refuse(cx, self.while_blocked);
        }
        let (tokens, last) = self.bucket.unwrap_or((self.burst, cx.now));
        let tokens = (tokens + self.rate * ns_to_secs(cx.now.saturating_sub(last))).min(self.burst);
        if tokens >= 1.0 {
            self.bucket = Some((tokens - 1.0, cx.now));
            return Effect::NONE;
        }
        self.bucket = Some((tokens, cx.now));
        let second = cx.now / NS_PER_SEC;
        if self.window.0 != second {
            self.window = (second, 0);
        }
        self.window.1 += 1;
        if self.window.1 > self.threshold {
            self.blocked_until = cx.now.saturating_add(self.block_ns);
            self.window.1 = 0;
            // The block ends with a full bucket.
            self.bucket = Some((self.burst, self.blocked_until));
            if let Some(c) = self.blocks {
                cx.metrics.inc(c);
            }
        }
        self.refuse(cx, self.over_quota)
    }

    fn on_sample(&mut self, metrics: &mut Registry, active: bool) {
        if let Some(g) = self.blocked {
            let on = active && self.now < self.blocked_until;
            metrics.set(g, f64::from(u8::from(on)));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;

    fn refused(lab: &crate::sim::Lab, reason: &str) -> f64 {
        lab.metrics()
            .family_total_where("api_rate_limited_total", |_, v| v[1] == reason)
    }

    fn failed_orders(lab: &crate::sim::Lab) -> f64 {
        lab.metrics()
            .family_total_where("http_requests_total", |_, v| {
                v[1] == "POST /order" && v[2] != "200"
            })
    }

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("web", 421, &[], &[]), 30);
        assert!(!registered(&off, "api_rate_limited_total"));
        assert!(!registered(&off, "api_key_blocked"));
        let on = run(&config("web", 421, &["rate-limit"], &[]), 30);
        assert!(refused(&on, "quota") > 100.0);
        assert!(refused(&on, "blocked") > 100.0);
        assert!(total(&on, "api_key_blocks_total") >= 1.0);
    }

    #[test]
    fn symptom_appears() {
        // A quarter of the orders exceed the quota, but instant retries get the key
        // blocked again and again: most orders fail, and the provider sees a storm.
        let lab = run(&config("web", 422, &["rate-limit"], &[]), 90);
        let orders = lab
            .metrics()
            .family_total_where("http_requests_total", |_, v| v[1] == "POST /order");
        let calls_per_order = orders / (total(&lab, "client_requests_total") * 0.2);
        assert!(
            calls_per_order > 2.0,
            "attempts per order {calls_per_order}"
        );
        let failed = client_outcomes(&lab, "error");
        let order_calls = total(&lab, "client_requests_total") * 0.2;
        assert!(
            failed > 0.5 * order_calls,
            "{failed} of ~{order_calls} orders fail, though only a quarter exceed the quota"
        );
        assert!(total(&lab, "api_key_blocks_total") >= 3.0);
    }

    #[test]
    fn mitigation_reduces_symptom() {
        // Budgeted, jittered retries stay under the abuse threshold: no block, and only
        // the orders over the quota fail.
        let hammering = run(&config("web", 423, &["rate-limit"], &[]), 90);
        let polite = run(
            &config("web", 423, &["rate-limit", "retry-backoff"], &[]),
            90,
        );
        assert_eq!(total(&polite, "api_key_blocks_total"), 0.0);
        let (before, after) = (
            client_outcomes(&hammering, "error"),
            client_outcomes(&polite, "error"),
        );
        assert!(
            after < before * 0.4,
            "failed orders {before} → {after} with backoff"
        );
        assert!(failed_orders(&polite) < failed_orders(&hammering) * 0.2);
    }
}
