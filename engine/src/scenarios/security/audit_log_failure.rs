//! # Audit log failure
//!
//! Every order writes an audit record (who did what, when) to an audit store. The store
//! degrades: each write takes `store_latency_ms` and `failure_share` of them are
//! refused. What the requests feel depends on how the service writes:
//!
//! - **Synchronously** (`audit = sync`, fail-closed): the order waits for its record,
//!   holding a worker, and fails (503) when the store refuses it: no action without a
//!   record. Orders get slower and a share of them fail.
//! - **Asynchronously** (`audit = async`): the record goes to a buffer and the order
//!   answers at once. A refused record stays in the buffer and is retried at the next
//!   flush (each second, at the store's recent success rate). The orders are fine; the
//!   audit trail lags, and a record is exposed to loss until it is stored.
//!
//! ```text
//!   POST /order ──▶ api-i ──sync: wait 200 ms, 30 % refused ─▶ 503──▶ audit store
//!                        └─async: buffer ──flush 1/s, retry refused──┘
//!                           audit_log_backlog_records, audit_log_lag_seconds
//! ```
//!
//! ## What to look at
//! - `audit_log_writes_total{outcome="failed"}` against `{outcome="ok"}`: the store's
//!   refusals (about 30 % with the defaults).
//! - Synchronous: `http_requests_total{endpoint="POST /order",status="503"}` and the
//!   orders' latency (`http_request_duration_seconds`), up by the store's 200 ms.
//! - Asynchronous: `audit_log_backlog_records` and `audit_log_lag_seconds`, the records
//!   not yet stored and how old the oldest is.
//!
//! ## How to fix it
//! Decouple the write (`audit = async`): a durable local buffer with retries keeps the
//! requests away from the store's trouble; alert on the backlog and the lag, because
//! an audit trail that lags is incomplete for whoever reads it. Where a record must
//! exist before the action (fail-closed by policy), the store needs the availability
//! of the service itself.
//!
//! ## Where the numbers come from
//! NIST SP 800-53 Rev. 5, control AU-5 (Response to Audit Logging Process Failures):
//! alert on a failure and take the actions the organization defines, such as shutting
//! down the system, overwriting the oldest records or stopping the generation of
//! records: the choice between failing closed and buffering. The store's 200 ms and
//! 30 % refusals are an illustrative degraded store, not a measurement.

use crate::metrics::Registry;
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{
    no_check, AuditWrite, Component, Effect, Hop, Scenario, ScenarioMeta, SecurityEffect,
    ServiceEffect, StrikeCx,
};
use crate::systems::web::metrics::{AUDIT_BACKLOG, AUDIT_LAG, AUDIT_WRITES};
use crate::time::{ms_to_ns, Nanos};

const MODES: [&str; 2] = ["sync", "async"];

pub static META: ScenarioMeta = ScenarioMeta {
    id: "audit-log-failure",
    title: "Audit log failure",
    category: "security",
    kind: crate::scenario::FaultKind::Failing,
    summary: "The audit store slows down and refuses writes: synchronous orders wait and fail, asynchronous ones let the trail lag.",
    source: crate::doc_of!("scenarios/security/audit_log_failure.rs"),
    own_params: &[
        ParamSpec::choice(
            "audit",
            "sync",
            &MODES,
            "How orders write their audit record: wait for it (sync, fail-closed) or buffer it (async).",
        ),
        ParamSpec::float(
            "store_latency_ms",
            "ms",
            200.0,
            0.0,
            60_000.0,
            "How long the degraded audit store takes to accept a record.",
        ),
        ParamSpec::float(
            "failure_share",
            "",
            0.3,
            0.0,
            1.0,
            "Share of audit writes the store refuses.",
        ),
    ],
    metrics: &[AUDIT_WRITES, AUDIT_BACKLOG, AUDIT_LAG],
    strikes: &[Component::Service],
    mitigations: &[],
    build: || Box::new(AuditLogFailure::default()),
    check: no_check,
};

#[derive(Default)]
struct AuditLogFailure {
    sync: bool,
    latency: Nanos,
    failure: f64,
}

impl Scenario for AuditLogFailure {
    fn configure(&mut self, params: &ParamSet, metrics: &mut Registry) {
        self.sync = params.choice("audit") == "sync";
        self.latency = ms_to_ns(params.f64("store_latency_ms"));
        self.failure = params.f64("failure_share");
        for o in ["ok", "failed"] {
            metrics.counter(&AUDIT_WRITES, &[o]);
        }
        metrics.gauge(&AUDIT_BACKLOG, &[]);
        metrics.gauge(&AUDIT_LAG, &[]);
    }

    fn strike(&mut self, cx: &mut StrikeCx<'_>, hop: &Hop) -> Effect {
        if hop.endpoint != "POST /order" {
            return Effect::NONE;
        }
        let failed = cx.rng.chance(self.failure);
        Effect::on_service(ServiceEffect {
            security: SecurityEffect {
                audit: Some(AuditWrite {
                    latency_ns: self.latency,
                    failed,
                    sync: self.sync,
                }),
                ..SecurityEffect::NONE
            },
            ..ServiceEffect::NONE
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("web", 2401, &[], &[]), 30);
        assert!(!registered(&off, "audit_log_writes_total"));
        assert!(!registered(&off, "audit_log_lag_seconds"));
        let on = run(&config("web", 2401, &["audit-log-failure"], &[]), 30);
        // ~40 orders/s for 30 s, 30 % refused.
        let failed = total_where(&on, "audit_log_writes_total", "failed");
        let ok = total_where(&on, "audit_log_writes_total", "ok");
        let share = failed / (failed + ok);
        assert!((0.25..0.35).contains(&share), "{failed} of {}", failed + ok);
        assert!((1000.0..1400.0).contains(&(failed + ok)), "{}", failed + ok);
    }

    #[test]
    fn symptom_appears() {
        // Fail-closed: orders wait for the store and fail when it refuses.
        let off = run(&config("web", 2402, &[], &[]), 60);
        let on = run(&config("web", 2402, &["audit-log-failure"], &[]), 60);
        let refused = responses(&on, "POST /order", "503");
        let failed = total_where(&on, "audit_log_writes_total", "failed");
        assert!(
            refused >= failed * 0.95 && failed > 500.0,
            "{refused} vs {failed}"
        );
        assert_eq!(responses(&off, "POST /order", "503"), 0.0);
        let p50_off = quantile_where(&off, "http_request_duration_seconds", "POST /order", 0.5);
        let p50_on = quantile_where(&on, "http_request_duration_seconds", "POST /order", 0.5);
        assert!(p50_on > p50_off + 0.15, "orders p50 {p50_off} → {p50_on}");
    }

    #[test]
    fn mitigation_reduces_symptom() {
        // Buffered writes: the orders are as without it; the trail lags instead.
        let off = run(&config("web", 2403, &[], &[]), 60);
        let lab = run(
            &config(
                "web",
                2403,
                &["audit-log-failure"],
                &[("audit-log-failure.audit", "async")],
            ),
            60,
        );
        assert_eq!(responses(&lab, "POST /order", "503"), 0.0);
        let p50_off = quantile_where(&off, "http_request_duration_seconds", "POST /order", 0.5);
        let p50 = quantile_where(&lab, "http_request_duration_seconds", "POST /order", 0.5);
        assert!((p50 - p50_off).abs() < 0.01, "{p50_off} vs {p50}");
        let backlog = values_of(&lab, "audit_log_backlog_records");
        let peak = backlog.iter().copied().fold(0.0, f64::max);
        assert!(peak >= 1.0, "records wait in the buffer: {peak}");
        let lag = values_of(&lab, "audit_log_lag_seconds");
        let peak_lag = lag.iter().copied().fold(0.0, f64::max);
        assert!((0.5..10.0).contains(&peak_lag), "lag {peak_lag}");
    }
}
