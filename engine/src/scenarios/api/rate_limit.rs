//! # Rate limits, both ways: a flooding client and a hammered quota
//!
//! **Inbound: one client floods the service.** One API client — a scraper walking the
//! catalogue, an integration stuck in a loop — sends `flood_rps` requests a second
//! (`GET /product`, most of them cache misses) on top of everyone else's traffic. It is
//! the web system's misbehaving-client part, switched on by this scenario. Nothing in
//! the service tells it apart: the flood takes the workers, the CPU and the connection
//! pools, the accept queues fill, and every client — not only the flooder — waits longer
//! and gets 503s.
//!
//! **Outbound: hammering a quota.** The payment API limits the service's API key to
//! `quota_rps` calls a second (a token bucket holding `burst`), like `429-rate-limit`.
//! Clients retry a failed call at once, `client_retries` times, so every 429 comes back
//! within milliseconds and is refused again. The provider counts refused calls; more than
//! `abuse_threshold` in one second and it blocks the key for `block_s` seconds — every
//! call refused, orders within the quota included (GitHub's secondary limits, a WAF's
//! "block for duration"). After the block the bucket is full, the retries hammer it
//! again, and the key is blocked again.
//!
//! ```text
//!   flooder ▇▇▇▇▇▇▇▇ ─┐
//!   clients ▁▁▁▁▁▁▁▁ ─┴─▶ load balancer ──▶ api (saturated: everyone slow, 503s)
//!   orders ──▶ payment API [ quota_rps ] ──429──▶ instant retry ──429──▶ retry ──429
//!                 refused > abuse_threshold in 1 s ──▶ key blocked for block_s: all 429
//! ```
//!
//! ## What to look at
//! - `client_class_requests_total{client,outcome}` and
//!   `client_class_request_duration_seconds{client}`: the flooder (`client="flooder"`)
//!   beside every other client (`client="others"`); `client_requests_total` and
//!   `client_request_duration_seconds` are the other clients alone. Their latency jumps
//!   while `service_utilization_ratio` sits at 1 and `http_requests_total{status="503"}`
//!   climbs.
//! - `api_rate_limited_total{dependency,reason}`: refusals over quota and refusals while
//!   blocked; `api_key_blocked` (1 while blocked) and `api_key_blocks_total`.
//! - `http_requests_total{endpoint="POST /order",status="429"}` far above the share of
//!   orders that exceed the quota; `retry_attempts_total` close to the number of 429s.
//!
//! ## How to fix it
//! Inbound, limit each client: `rate-limiter` gives every API key a token bucket at the
//! load balancer, so the flooder gets 429s at once, before it takes a worker
//! (`rate_limited_total{client="flooder"}`), and the other clients' latency and goodput
//! come back. Outbound, back off: `retry-backoff` replaces the instant retries with a
//! few jittered, budgeted ones, the refusals per second stay under the abuse threshold,
//! the key is never blocked, and only the orders over the quota fail (the limiter then
//! refuses none of the other clients' retries either). Honour `Retry-After`, queue work
//! at the quota's pace, and ask for a bigger quota. Mitigations: `rate-limiter`,
//! `retry-backoff`.

use crate::metrics::{CounterId, GaugeId, MetricSpec, Registry};
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{
    no_check, ClientEffect, Component, Effect, Hop, LoadBalancerEffect, Scenario, ScenarioMeta,
    StrikeCx,
};
use crate::scenarios::http::rate_limit_429::{BURST, QUOTA_RPS};
use crate::systems::web::metrics::{CLIENT_CLASS_DURATION, CLIENT_CLASS_REQUESTS};
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
    title: "Rate limits, both ways: a flooding client and a hammered quota",
    category: "api",
    kind: crate::scenario::FaultKind::Misconfigured,
    summary: "One client floods the service and slows everyone; instant retries against the payment API's quota get the key blocked.",
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
        ParamSpec::float(
            "flood_rps",
            "req/s",
            5000.0,
            0.0,
            1_000_000.0,
            "Requests per second one misbehaving client sends to the service (GET /product); 0 = no flood.",
        ),
    ],
    metrics: &[
        LIMITED,
        BLOCKED,
        BLOCKS,
        CLIENT_CLASS_REQUESTS,
        CLIENT_CLASS_DURATION,
    ],
    strikes: &[
        Component::Client,
        Component::LoadBalancer,
        Component::Dependency,
    ],
    mitigations: &["rate-limiter", "retry-backoff"],
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
    flood_rps: f64,
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
        self.flood_rps = params.f64("flood_rps");
        self.over_quota = Some(metrics.counter(&LIMITED, &["payment", "quota"]));
        self.while_blocked = Some(metrics.counter(&LIMITED, &["payment", "blocked"]));
        self.blocks = Some(metrics.counter(&BLOCKS, &["payment"]));
        self.blocked = Some(metrics.gauge(&BLOCKED, &["payment"]));
    }

    fn strike(&mut self, cx: &mut StrikeCx<'_>, hop: &Hop) -> Effect {
        match hop.component {
            Component::Client => {
                return Effect::on_client(ClientEffect {
                    retries: Some(self.retries),
                })
            }
            Component::LoadBalancer => {
                return Effect::on_load_balancer(LoadBalancerEffect {
                    flood_rps: self.flood_rps,
                    ..LoadBalancerEffect::NONE
                })
            }
            _ => {}
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

    /// Calls of client class `class` (flooder, others) that ended with `outcome`.
    fn class_calls(lab: &crate::sim::Lab, class: &str, outcome: &str) -> f64 {
        lab.metrics()
            .family_total_where("client_class_requests_total", |_, v| {
                v[0] == class && v[1] == outcome
            })
    }

    /// The inbound side alone: no instant retries, and a quota orders never reach.
    const INBOUND_ONLY: [(&str, &str); 2] = [
        ("rate-limit.client_retries", "0"),
        ("rate-limit.quota_rps", "1000"),
    ];

    fn inbound(seed: u64, switches: &[&str], flood_rps: &str) -> crate::sim::Lab {
        let mut sets = INBOUND_ONLY.to_vec();
        sets.push(("rate-limit.flood_rps", flood_rps));
        run(&config("web", seed, switches, &sets), 60)
    }

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("web", 421, &[], &[]), 30);
        assert!(!registered(&off, "api_rate_limited_total"));
        assert!(!registered(&off, "api_key_blocked"));
        assert!(!registered(&off, "client_class_requests_total"));
        let on = run(&config("web", 421, &["rate-limit"], &[]), 30);
        assert!(refused(&on, "quota") > 100.0);
        assert!(refused(&on, "blocked") > 100.0);
        assert!(total(&on, "api_key_blocks_total") >= 1.0);
        // The flood starts at the first sample: ~5000 calls a second from then on.
        let flood: f64 = ["success", "error", "timeout"]
            .iter()
            .map(|o| class_calls(&on, "flooder", o))
            .sum();
        assert!((130_000.0..150_000.0).contains(&flood), "{flood}");
        assert!(total(&on, "client_class_request_duration_seconds") > flood);
    }

    #[test]
    fn symptom_appears() {
        // Inbound: one client's flood saturates the service, and every other client's
        // calls slow down several times over and fail with 503s.
        let calm = inbound(422, &["rate-limit"], "0");
        let flooded = inbound(422, &["rate-limit"], "5000");
        let p50 = |l: &crate::sim::Lab| quantile_all(l, "client_request_duration_seconds", 0.5);
        assert!(
            p50(&flooded) > 5.0 * p50(&calm),
            "other clients' p50 {} → {}",
            p50(&calm),
            p50(&flooded)
        );
        let failed =
            |l: &crate::sim::Lab| client_outcomes(l, "error") / total(l, "client_requests_total");
        assert_eq!(failed(&calm), 0.0);
        assert!(failed(&flooded) > 0.1, "{}", failed(&flooded));
        assert!(flooded.golden().utilization > 0.95);
        assert!(responses(&flooded, "GET /product", "503") > 10_000.0);

        // Outbound (the defaults: both sides): a quarter of the orders exceed the quota,
        // but instant retries get the key blocked again and again: most orders fail, and
        // the provider sees a storm.
        let lab = run(&config("web", 422, &["rate-limit"], &[]), 90);
        let order_calls = total(&lab, "client_requests_total") * 0.2;
        let orders = lab
            .metrics()
            .family_total_where("http_requests_total", |_, v| v[1] == "POST /order");
        assert!(
            orders / order_calls > 2.0,
            "attempts per order {}",
            orders / order_calls
        );
        let failed = client_outcomes(&lab, "error");
        assert!(
            failed > 0.5 * order_calls,
            "{failed} of ~{order_calls} orders fail, though only a quarter exceed the quota"
        );
        assert!(total(&lab, "api_key_blocks_total") >= 3.0);
    }

    #[test]
    fn mitigation_reduces_symptom() {
        // Inbound: a token bucket per client at the load balancer refuses the flooder
        // with 429 before it takes a worker; the other clients get their service back.
        let calm = inbound(423, &["rate-limit"], "0");
        let flooded = inbound(423, &["rate-limit"], "5000");
        let limited = inbound(423, &["rate-limit", "rate-limiter"], "5000");
        let flooder_refused = limited
            .metrics()
            .family_total_where("rate_limited_total", |_, v| v[0] == "flooder");
        let flooder_calls =
            class_calls(&limited, "flooder", "error") + class_calls(&limited, "flooder", "success");
        assert!(
            flooder_refused > 0.99 * flooder_calls,
            "{flooder_refused} of {flooder_calls}"
        );
        assert!(responses(&limited, "GET /product", "429") >= flooder_refused);
        let goodput = |l: &crate::sim::Lab| client_outcomes(l, "success");
        assert!(
            goodput(&limited) > 0.99 * goodput(&calm) && goodput(&flooded) < 0.9 * goodput(&calm),
            "other clients' successes: calm {}, flooded {}, limited {}",
            goodput(&calm),
            goodput(&flooded),
            goodput(&limited)
        );
        let p50 = |l: &crate::sim::Lab| quantile_all(l, "client_request_duration_seconds", 0.5);
        assert!(
            p50(&limited) < 1.5 * p50(&calm),
            "{} vs {}",
            p50(&limited),
            p50(&calm)
        );
        assert!(limited.golden().utilization < 0.3);

        // Outbound: budgeted, jittered retries stay under the abuse threshold: no block,
        // only the orders over the quota fail, and the limiter refuses none of the other
        // clients' retries.
        let hammering = run(
            &config("web", 423, &["rate-limit", "rate-limiter"], &[]),
            90,
        );
        let polite = run(
            &config(
                "web",
                423,
                &["rate-limit", "rate-limiter", "retry-backoff"],
                &[],
            ),
            90,
        );
        assert!(total(&hammering, "api_key_blocks_total") >= 1.0);
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
        let others_refused = |l: &crate::sim::Lab| {
            l.metrics()
                .family_total_where("rate_limited_total", |_, v| v[0] == "others")
        };
        assert!(others_refused(&hammering) > 0.0);
        assert_eq!(others_refused(&polite), 0.0);
    }
}
