//! # Deadlock
//!
//! Some orders move stock between two warehouse rows in one transaction (a transfer):
//! lock the source row, update it, then lock the destination row and update it. The
//! code locks "source, then destination", so a transfer 3 → 7 locks 3 then 7 while a
//! concurrent transfer 7 → 3 locks 7 then 3. Each holds the row the other needs: neither
//! can go on. The database finds the cycle in its wait-for graph, aborts the youngest
//! transaction (the victim) and lets the other finish; the victim re-runs after a short
//! backoff, or after three aborts fails with 500. A share `transfer_share` of orders are
//! transfers between `hot_rows` rows.
//!
//! ```text
//!   tx A: lock 3 ✓ ── UPDATE 3 ── lock 7 … waits for B ┐
//!   tx B: lock 7 ✓ ── UPDATE 7 ── lock 3 … waits for A ┘ cycle → abort B (youngest), B re-runs
//! ```
//!
//! ## What to look at
//! - `db_deadlock_total`: cycles found; `db_transaction_retries_total`: victims re-run.
//! - `db_lock_wait_seconds`: transfers wait on each other's rows (a deadlock waits until
//!   the detector breaks it).
//! - The `deadlock detected` error logs, and 500s on `POST /order` when a transaction is
//!   a victim three times.
//!
//! ## How to fix it
//! Lock rows in one global order (`lock-ordering`: lowest id first): transactions may
//! still wait for each other, but never in a circle. Other cures: lock both rows in one
//! statement (`SELECT … WHERE id IN (3, 7) ORDER BY id FOR UPDATE`), keep transactions
//! short, and always retry deadlock victims.
//! Mitigations: `lock-ordering`.

use crate::metrics::{CounterId, MetricSpec, Registry};
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{
    no_check, Component, DatabaseEffect, Effect, Hop, Scenario, ScenarioMeta, StrikeCx,
};
use crate::systems::web::metrics::{DB_DEADLOCKS, DB_LOCK_WAIT, DB_TX_RETRIES};

const TRANSFERS: MetricSpec = MetricSpec::counter(
    "db_transfer_transactions_total",
    "Orders run as a transfer that locks two rows, source first.",
    &[],
);

pub static META: ScenarioMeta = ScenarioMeta {
    id: "deadlock",
    title: "Deadlock",
    category: "database",
    kind: crate::scenario::FaultKind::Contended,
    summary:
        "Transactions lock the same rows in opposite orders: lock cycles, aborted victims, re-runs.",
    source: crate::doc_of!("scenarios/database/deadlock.rs"),
    own_params: &[
        ParamSpec::float(
            "transfer_share",
            "",
            0.5,
            0.0,
            1.0,
            "Share of orders that are transfers between two rows.",
        ),
        ParamSpec::int(
            "hot_rows",
            "rows",
            2,
            2,
            5_000_000,
            "Rows the transfers move stock between.",
        ),
    ],
    metrics: &[TRANSFERS, DB_DEADLOCKS, DB_LOCK_WAIT, DB_TX_RETRIES],
    strikes: &[Component::Database],
    mitigations: &["lock-ordering"],
    build: || Box::new(Deadlock::default()),
    check: no_check,
};

#[derive(Default)]
struct Deadlock {
    share: f64,
    rows: u64,
    transfers: Option<CounterId>,
}

impl Scenario for Deadlock {
    fn configure(&mut self, params: &ParamSet, metrics: &mut Registry) {
        self.share = params.f64("transfer_share");
        self.rows = u64::try_from(params.i64("hot_rows")).unwrap_or(2).max(2);
        self.transfers = Some(metrics.counter(&TRANSFERS, &[]));
        // Declared, so their panels show from the start.
        metrics.counter(&DB_DEADLOCKS, &[]);
    }

    fn strike(&mut self, cx: &mut StrikeCx<'_>, hop: &Hop) -> Effect {
        if hop.endpoint != "POST /order" || !cx.rng.chance(self.share) {
            return Effect::NONE;
        }
        if let Some(c) = self.transfers {
            cx.metrics.inc(c);
        }
        let from = cx.rng.below(self.rows);
        // A different row, uniformly.
        let to = (from + 1 + cx.rng.below(self.rows - 1)) % self.rows;
        Effect::on_database(DatabaseEffect {
            key: u32::try_from(from).ok(),
            second_key: u32::try_from(to).ok(),
            ..DatabaseEffect::NONE
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("web", 591, &[], &[]), 30);
        assert!(!registered(&off, "db_transfer_transactions_total"));
        assert!(!registered(&off, "db_deadlock_total"));
        let on = run(&config("web", 591, &["deadlock"], &[]), 30);
        let transfers = total(&on, "db_transfer_transactions_total");
        // Half of ~40 orders/s × 30 s.
        assert!((450.0..750.0).contains(&transfers), "{transfers}");
        assert!(total(&on, "db_deadlock_total") > 0.0);
        assert!(total(&on, "db_lock_conflicts_total") > total(&off, "db_lock_conflicts_total"));
    }

    #[test]
    fn symptom_appears() {
        let lab = run(&config("web", 592, &["deadlock"], &[]), 60);
        let deadlocks = total(&lab, "db_deadlock_total");
        let retries = total(&lab, "db_transaction_retries_total");
        assert!(deadlocks > 20.0, "{deadlocks}");
        assert!(
            retries >= deadlocks * 0.9,
            "{retries} re-runs for {deadlocks} victims"
        );
        assert!(
            lab.logs().any(|l| l.message == "deadlock detected"),
            "the database logs each deadlock"
        );
    }

    #[test]
    fn mitigation_reduces_symptom() {
        let run_with = |switches: &[&str]| run(&config("web", 593, switches, &[]), 60);
        let without = run_with(&["deadlock"]);
        let with = run_with(&["deadlock", "lock-ordering"]);
        let before = total(&without, "db_deadlock_total");
        assert!(before > 20.0, "{before}");
        assert_eq!(
            total(&with, "db_deadlock_total"),
            0.0,
            "no cycle is possible"
        );
        // The contention stays: ordered transfers still wait for each other.
        assert!(total(&with, "db_lock_conflicts_total") > 50.0);
    }
}
