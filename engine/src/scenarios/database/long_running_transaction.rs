//! # Long-running transaction
//!
//! A few order transactions stay open for seconds (`share` of them, `duration_ms` each):
//! the code opens the transaction, updates the product row, then does something slow
//! before committing — renders a PDF, calls a partner, waits on a user. For all that time
//! the transaction holds its row lock and its pooled connection. Every other order for
//! the same product queues behind the lock; popular products are ordered often, so the
//! queue is long, and writers that wait longer than `db_lock_timeout_ms` give up with a
//! 500. Reads do not take row locks and are not blocked — until the held connections
//! drain the pool.
//!
//! ```text
//!   tx A  BEGIN ─ UPDATE product 7 ──────── (slow work, lock held) ──────── COMMIT
//!   tx B        UPDATE product 7 ⏳ waits for A's lock ……… lock wait timeout → 500
//!   tx C             UPDATE product 7 ⏳ ……………………………………………… timeout → 500
//! ```
//!
//! ## What to look at
//! - `db_lock_wait_seconds` (p99 at the lock timeout), `db_lock_conflicts_total` and
//!   `db_lock_timeouts_total`: writers blocked behind the long transactions.
//! - `db_long_transactions_total` and `db_long_transactions_open`: how many run long and
//!   how many are open right now.
//! - `db_query_duration_seconds{query_type="write"}`: a long tail; error logs "lock wait
//!   timeout exceeded" on `POST /order`; `db_pool_in_use` higher than usual.
//!
//! ## How to fix it
//! Keep transactions short: do slow work before `BEGIN` or after `COMMIT`, never between.
//! A transaction timeout bounds the damage: `timeouts` (`db_timeout_ms`) aborts a
//! transaction that runs past it, which rolls it back and releases its lock at once, so
//! the writers behind it proceed. In PostgreSQL a `statement_timeout` does not do this:
//! while the application works no statement runs (the session is idle in transaction).
//! `idle_in_transaction_session_timeout` ends such a session (closing its connection),
//! and from PostgreSQL 17 `transaction_timeout` bounds the whole transaction.
//! Mitigations: `timeouts`.

use crate::metrics::{CounterId, GaugeId, MetricSpec, Registry};
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{no_check, Component, Effect, Hop, Scenario, ScenarioMeta, StrikeCx};
use crate::systems::web::metrics::{DB_LOCK_TIMEOUTS, DB_LOCK_WAIT};
use crate::time::{ms_to_ns, Nanos};
use std::collections::VecDeque;

const LONG: MetricSpec = MetricSpec::counter(
    "db_long_transactions_total",
    "Write transactions that stayed open for the long duration.",
    &[],
);
const OPEN: MetricSpec = MetricSpec::gauge(
    "db_long_transactions_open",
    "Long transactions open at the last sample (by their planned end; a timeout ends one sooner).",
    &[],
);

pub static META: ScenarioMeta = ScenarioMeta {
    id: "long-running-transaction",
    title: "Long-running transaction",
    category: "database",
    kind: crate::scenario::FaultKind::Contended,
    summary: "Some order transactions stay open for seconds, holding row locks: writers to hot rows queue and time out.",
    source: crate::doc_of!("scenarios/database/long_running_transaction.rs"),
    own_params: &[
        ParamSpec::float(
            "share",
            "",
            0.05,
            0.0,
            1.0,
            "Share of order transactions that stay open long.",
        ),
        ParamSpec::float(
            "duration_ms",
            "ms",
            5000.0,
            0.0,
            3_600_000.0,
            "How much longer such a transaction stays open, holding its lock and connection.",
        ),
    ],
    metrics: &[LONG, OPEN, DB_LOCK_WAIT, DB_LOCK_TIMEOUTS],
    strikes: &[Component::Database],
    mitigations: &["timeouts"],
    build: || Box::new(LongRunningTransaction::default()),
    check: no_check,
};

#[derive(Default)]
struct LongRunningTransaction {
    share: f64,
    duration_ns: Nanos,
    /// Planned ends of the open long transactions (constant duration: in order).
    ends: VecDeque<Nanos>,
    now: Nanos,
    long: Option<CounterId>,
    open: Option<GaugeId>,
}

impl Scenario for LongRunningTransaction {
    fn configure(&mut self, params: &ParamSet, metrics: &mut Registry) {
        self.share = params.f64("share");
        self.duration_ns = ms_to_ns(params.f64("duration_ms"));
        self.ends.clear();
        self.long = Some(metrics.counter(&LONG, &[]));
        self.open = Some(metrics.gauge(&OPEN, &[]));
    }

    fn strike(&mut self, cx: &mut StrikeCx<'_>, hop: &Hop) -> Effect {
        self.now = cx.now;
        if hop.endpoint != "POST /order" || !cx.rng.chance(self.share) {
            return Effect::NONE;
        }
        if let Some(c) = self.long {
            cx.metrics.inc(c);
        }
        self.ends.push_back(cx.now.saturating_add(self.duration_ns));
        Effect::delay(self.duration_ns)
    }

    fn on_sample(&mut self, metrics: &mut Registry, active: bool) {
        while self.ends.front().is_some_and(|&end| end <= self.now) {
            self.ends.pop_front();
        }
        if !active {
            self.ends.clear();
        }
        if let Some(g) = self.open {
            metrics.set(g, self.ends.len() as f64);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;

    fn lock_wait_p99(lab: &crate::sim::Lab) -> f64 {
        let m = lab.metrics();
        let Some((bounds, cum, _)) = m.family_histogram("db_lock_wait_seconds") else {
            return 0.0;
        };
        crate::metrics::histogram_quantile(0.99, bounds, &cum)
    }

    fn order_errors(lab: &crate::sim::Lab) -> f64 {
        lab.metrics()
            .family_total_where("http_requests_total", |_, v| {
                v[1] == "POST /order" && v[2] != "200"
            })
    }

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("web", 371, &[], &[]), 30);
        assert!(!registered(&off, "db_long_transactions_total"));
        let on = run(&config("web", 371, &["long-running-transaction"], &[]), 30);
        let long = total(&on, "db_long_transactions_total");
        assert!((40.0..90.0).contains(&long), "{long} of ~1200 orders");
        let open = total(&on, "db_long_transactions_open");
        assert!((3.0..20.0).contains(&open), "~2/s × 5 s open: {open}");
    }

    #[test]
    fn symptom_appears() {
        // Writers to the products held by a long transaction wait up to the 2 s lock
        // timeout, and many give up.
        let calm = run(&config("web", 372, &[], &[]), 90);
        let lab = run(&config("web", 372, &["long-running-transaction"], &[]), 90);
        assert!(lock_wait_p99(&calm) < 0.1, "{}", lock_wait_p99(&calm));
        assert!(
            lock_wait_p99(&lab) > 1.0,
            "lock waits: p99 {}",
            lock_wait_p99(&lab)
        );
        assert!(total(&lab, "db_lock_timeouts_total") > 50.0);
        assert!(order_errors(&lab) > 50.0, "{}", order_errors(&lab));
        assert!(lab
            .logs()
            .any(|l| l.message == "lock wait timeout exceeded"));
    }

    #[test]
    fn mitigation_reduces_symptom() {
        // A 250 ms transaction timeout rolls the long ones back: their locks come free.
        let long = run(&config("web", 373, &["long-running-transaction"], &[]), 90);
        let bounded = run(
            &config("web", 373, &["long-running-transaction", "timeouts"], &[]),
            90,
        );
        assert!(
            lock_wait_p99(&bounded) < lock_wait_p99(&long) * 0.3,
            "lock wait p99 {} → {}",
            lock_wait_p99(&long),
            lock_wait_p99(&bounded)
        );
        assert_eq!(total(&bounded, "db_lock_timeouts_total"), 0.0);
    }
}
