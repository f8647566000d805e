//! # Lock contention
//!
//! Many orders update the same row at once — a flash sale on one product, a counter row,
//! an account balance. Each write transaction takes the row's lock and holds it for its
//! whole duration (here `hold_ms` longer than usual: the transaction does slow work while
//! holding the lock). Every other writer of that row queues behind it, holding its worker
//! and its database connection while it waits; past `db_lock_timeout_ms` it gives up.
//!
//! ```text
//!   POST /order ─┐
//!   POST /order ─┼─▶ [ row 0: locked by tx A ] ◀── tx B, C, D … wait (holding connections)
//!   POST /order ─┘         hold_ms
//! ```
//!
//! ## What to look at
//! - `db_lock_conflicts_total` against `db_lock_attempts_total`: the share of writes that
//!   found the row locked.
//! - `db_lock_wait_seconds`: the queue in front of the hot row; `db_lock_timeouts_total`
//!   and 500s when it exceeds the lock timeout.
//! - The trace waterfall: the `INSERT order` span is long while CPU and the service
//!   queue are quiet — the time is spent waiting, not working.
//!
//! ## How to fix it
//! Hold locks for less time (do slow work before or after the transaction), spread the
//! hot row (sharded counters), or `optimistic-locking`: no lock waits, re-run on conflict
//! — which turns waiting into (bounded) retries and 409s when contention is extreme.

use crate::metrics::Registry;
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{
    no_check, Component, DatabaseEffect, Effect, Hop, Scenario, ScenarioMeta, StrikeCx,
};
use crate::systems::web::metrics::{DB_LOCK_ATTEMPTS, DB_LOCK_CONFLICTS, DB_LOCK_WAIT};
use crate::time::{ms_to_ns, Nanos};

pub static META: ScenarioMeta = ScenarioMeta {
    id: "lock-contention",
    title: "Lock contention",
    category: "concurrency",
    kind: crate::scenario::FaultKind::Contended,
    summary: "Many writes queue for the lock on one hot row.",
    source: crate::doc_of!("scenarios/consistency/lock_contention.rs"),
    own_params: &[
        ParamSpec::float(
            "hot_share",
            "",
            0.5,
            0.0,
            1.0,
            "Share of orders that update the hot row.",
        ),
        ParamSpec::float(
            "hold_ms",
            "ms",
            30.0,
            0.0,
            60_000.0,
            "Extra time a write transaction holds its row lock.",
        ),
    ],
    metrics: &[DB_LOCK_ATTEMPTS, DB_LOCK_CONFLICTS, DB_LOCK_WAIT],
    strikes: &[Component::Database],
    mitigations: &["optimistic-locking"],
    build: || Box::new(LockContention::default()),
    check: no_check,
};

#[derive(Default)]
struct LockContention {
    hot_share: f64,
    hold_ns: Nanos,
}

impl Scenario for LockContention {
    fn configure(&mut self, params: &ParamSet, _metrics: &mut Registry) {
        self.hot_share = params.f64("hot_share");
        self.hold_ns = ms_to_ns(params.f64("hold_ms"));
    }

    fn strike(&mut self, cx: &mut StrikeCx<'_>, hop: &Hop) -> Effect {
        if hop.endpoint != "POST /order" {
            return Effect::NONE;
        }
        let hot = cx.rng.chance(self.hot_share);
        Effect {
            delay_ns: self.hold_ns,
            ..Effect::on_database(DatabaseEffect {
                key: hot.then_some(0),
                ..DatabaseEffect::NONE
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::metrics::{histogram_quantile, LATENCY_BUCKETS};
    use crate::testkit::*;

    fn lock_wait_p99(lab: &crate::sim::Lab) -> f64 {
        let (_, cum, _) = lab
            .metrics()
            .family_histogram("db_lock_wait_seconds")
            .unwrap_or((LATENCY_BUCKETS, vec![0; LATENCY_BUCKETS.len() + 1], 0.0));
        histogram_quantile(0.99, LATENCY_BUCKETS, &cum)
    }

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("web", 31, &[], &[]), 60);
        let on = run(&config("web", 31, &["lock-contention"], &[]), 60);
        let (c_off, c_on) = (
            total(&off, "db_lock_conflicts_total"),
            total(&on, "db_lock_conflicts_total"),
        );
        assert!(
            c_on > 20.0 * c_off.max(1.0),
            "conflicts off {c_off}, on {c_on}"
        );
        assert!(total(&on, "db_lock_attempts_total") > 1500.0);
    }

    #[test]
    fn symptom_appears() {
        let on = run(&config("web", 32, &["lock-contention"], &[]), 120);
        let wait = lock_wait_p99(&on);
        assert!(wait > 0.1, "lock wait p99 {wait}");
        assert!(on.golden().latency_p99_s > 0.1, "{:?}", on.golden());
        // CPU is not the problem: utilisation stays low.
        assert!(on.golden().utilization < 0.3, "{:?}", on.golden());
    }

    #[test]
    fn mitigation_reduces_symptom() {
        let mut locked = run(&config("web", 33, &["lock-contention"], &[]), 120);
        let mut optimistic = run(
            &config("web", 33, &["lock-contention", "optimistic-locking"], &[]),
            120,
        );
        assert_eq!(
            total(&optimistic, "db_lock_wait_seconds"),
            0.0,
            "nobody waits on a lock"
        );
        assert!(total(&optimistic, "db_transaction_retries_total") > 0.0);
        let (before, after) = (
            locked.summary().latency_p99_s,
            optimistic.summary().latency_p99_s,
        );
        assert!(after < before * 0.7, "p99 {before} → {after}");
    }
}
