//! # API version mismatch
//!
//! A deploy is rolling out v2 of the API, which renamed a field in the request body. The
//! first `rolled_out_share` of the instances (api-0 first) already run v2; a share
//! `old_client_share` of the calls still come from clients on v1. A v1 request that lands
//! on a v2 instance fails validation at once with 400 Bad Request — fast, cheap, and
//! easy to mistake for a client bug. The same client succeeds on its next call if the
//! load balancer picks an old instance, so errors look random.
//!
//! ```text
//!   client v1 ──▶ LB ──▶ api-0 (v2) ✗ 400 "unknown field"      client v2 ──▶ any ✓
//!                   └──▶ api-1..3 (v1) ✓
//! ```
//!
//! ## What to look at
//! - `http_requests_total{status="400"}` and `api_version_requests_total` by
//!   `server_version` and `client_version`: every error is a v1 client on a v2 server.
//! - Error logs "bad request: body does not match the API schema" from the v2
//!   instances only.
//!
//! ## How to fix it
//! Make changes backwards compatible (accept both field names, version the endpoint:
//! `/v2/orders`), roll out servers before clients, or route by version header. Roll
//! back if the deploy broke a contract. No switch here: the lesson is the diagnosis.

use crate::metrics::{CounterId, MetricSpec, Registry};
use crate::observe::{Level, LogRecord};
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{no_check, Component, Effect, Hop, Scenario, ScenarioMeta, StrikeCx};

const BY_VERSION: MetricSpec = MetricSpec::counter(
    "api_version_requests_total",
    "Requests by the API version of the instance and of the client, and whether the versions agreed (ok, rejected).",
    &["server_version", "client_version", "outcome"],
);

pub static META: ScenarioMeta = ScenarioMeta {
    id: "api-version-mismatch",
    title: "API version mismatch",
    category: "api",
    kind: crate::scenario::FaultKind::Misconfigured,
    summary: "Part of the fleet runs a new API version: calls from old clients that land there fail with 400.",
    source: crate::doc_of!("scenarios/api/api_version_mismatch.rs"),
    own_params: &[
        ParamSpec::float(
            "rolled_out_share",
            "",
            0.25,
            0.0,
            1.0,
            "Share of the instances already on the new version (api-0 first).",
        ),
        ParamSpec::float(
            "old_client_share",
            "",
            0.5,
            0.0,
            1.0,
            "Share of calls from clients still on the old version.",
        ),
    ],
    metrics: &[BY_VERSION],
    strikes: &[Component::Service],
    mitigations: &[],
    build: || Box::new(ApiVersionMismatch::default()),
    check: no_check,
};

#[derive(Default)]
struct ApiVersionMismatch {
    rolled_out: f64,
    old_clients: f64,
    /// [server v1, v2] × [client v1, v2] × [ok, rejected]
    ids: Vec<CounterId>,
}

impl Scenario for ApiVersionMismatch {
    fn configure(&mut self, params: &ParamSet, metrics: &mut Registry) {
        self.rolled_out = params.f64("rolled_out_share");
        self.old_clients = params.f64("old_client_share");
        self.ids.clear();
        for server in ["v1", "v2"] {
            for client in ["v1", "v2"] {
                for outcome in ["ok", "rejected"] {
                    self.ids
                        .push(metrics.counter(&BY_VERSION, &[server, client, outcome]));
                }
            }
        }
    }

    fn strike(&mut self, cx: &mut StrikeCx<'_>, hop: &Hop) -> Effect {
        let new_server =
            (hop.instance as f64 + 0.5) / f64::from(hop.fleet.max(1)) < self.rolled_out;
        let old_client = cx.rng.chance(self.old_clients);
        let rejected = new_server && old_client;
        let i = usize::from(new_server) * 4 + usize::from(!old_client) * 2 + usize::from(rejected);
        if let Some(&c) = self.ids.get(i) {
            cx.metrics.inc(c);
        }
        if !rejected {
            return Effect::NONE;
        }
        if cx.logs.admits(cx.now) {
            cx.logs.push(LogRecord {
                t_ns: cx.now,
                level: Level::Error,
                service: "api",
                message: "bad request: body does not match the API schema",
                fields: vec![
                    ("status", "400".into()),
                    ("endpoint", hop.endpoint.into()),
                    ("instance", format!("api-{}", hop.instance)),
                    ("server_version", "v2".into()),
                    ("client_version", "v1".into()),
                ],
                trace_id: cx.trace_id,
            });
        }
        // Validation fails before any real work.
        Effect {
            fail_status: Some(400),
            work_factor: 0.05,
            ..Effect::NONE
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;

    fn by(lab: &crate::sim::Lab, server: &str, client: &str, outcome: &str) -> f64 {
        lab.metrics()
            .family_total_where("api_version_requests_total", |_, v| {
                v[0] == server && v[1] == client && v[2] == outcome
            })
    }

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("web", 641, &[], &[]), 30);
        assert!(!registered(&off, "api_version_requests_total"));
        let on = run(&config("web", 641, &["api-version-mismatch"], &[]), 30);
        let all = total(&on, "api_version_requests_total");
        assert!((5000.0..7000.0).contains(&all), "{all}");
        // One instance in four on v2, half the calls from v1 clients: ~1/8 rejected.
        let rejected = by(&on, "v2", "v1", "rejected") / all;
        assert!((0.1..0.15).contains(&rejected), "{rejected}");
    }

    #[test]
    fn symptom_appears() {
        let lab = run(&config("web", 642, &["api-version-mismatch"], &[]), 60);
        let bad = responses(&lab, "GET /product", "400") + responses(&lab, "POST /order", "400");
        let all = lab.metrics().family_total("http_requests_total");
        assert!(
            (0.1..0.15).contains(&(bad / all)),
            "400 share {}",
            bad / all
        );
        assert_eq!(
            lab.metrics()
                .family_total_where("http_requests_total", |_, v| v[2].starts_with('5')),
            0.0
        );
        // Fast failures: they do not slow anything down.
        let p50 = quantile_where(&lab, "http_request_duration_seconds", "GET /product", 0.5);
        assert!(p50 < 0.02, "{p50}");
    }

    #[test]
    fn diagnosis_signal_identifies_it() {
        // Every rejection pairs a v2 server with a v1 client; the logs name api-0 only.
        let lab = run(&config("web", 643, &["api-version-mismatch"], &[]), 60);
        let bad = responses(&lab, "GET /product", "400") + responses(&lab, "POST /order", "400");
        assert_eq!(by(&lab, "v2", "v1", "rejected"), bad);
        for (s, c) in [("v1", "v1"), ("v1", "v2"), ("v2", "v2")] {
            assert_eq!(by(&lab, s, c, "rejected"), 0.0);
            assert!(by(&lab, s, c, "ok") > 1000.0);
        }
        let logged: Vec<String> = lab
            .logs()
            .filter(|l| l.message.starts_with("bad request"))
            .filter_map(|l| {
                l.fields
                    .iter()
                    .find(|f| f.0 == "instance")
                    .map(|f| f.1.clone())
            })
            .collect();
        assert!(!logged.is_empty() && logged.iter().all(|i| i == "api-0"));
    }
}
