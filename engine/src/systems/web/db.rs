//! The web system's database as a transaction engine: multi-statement transactions
//! checked against their isolation level (read committed, repeatable read, serializable)
//! with the row versions they read and write, correctness problems counted per kind in
//! `data_anomalies_total{kind}`, and two-row transactions whose row locks can deadlock
//! (a wait-for graph walked at each wait; the youngest transaction of a cycle is the
//! victim).
//!
//! This file is the transactions' state (what commits wrote, the re-runs' stream) and
//! the rules a commit is checked by; a transaction's way through the rows, their locks
//! and the wait-for graph is `transactions.rs`.

use super::metrics::{DATA_ANOMALIES, DB_DEADLOCKS, DB_SERIALIZATION_FAILURES, DB_TX_RETRIES};
use super::request::DATABASE;
use crate::dist::Dist;
use crate::metrics::{CounterId, Registry};
use crate::observe::{Level, LogRecord};
use crate::rng::Xoshiro256PlusPlus as Rng;
use crate::scenario::{Isolation, TxShape, TxSpec};
use crate::systems::Core;
use crate::time::{secs_to_ns, Nanos};
use std::collections::BTreeMap;

/// The kinds of `data_anomalies_total`, indexed by `Anomaly`.
pub const ANOMALY_KINDS: [&str; 8] = [
    "lost_update",
    "non_repeatable_read",
    "phantom",
    "write_skew",
    "stale_read",
    "lost_write",
    "out_of_order",
    "duplicate_delivery",
];

#[derive(Debug, Clone, Copy)]
pub(super) enum Anomaly {
    LostUpdate = 0,
    NonRepeatableRead = 1,
    Phantom = 2,
    WriteSkew = 3,
    StaleRead = 4,
    LostWrite = 5,
    OutOfOrder = 6,
    DuplicateDelivery = 7,
}

/// Products fall into this many categories; a range query reads one category.
const CATEGORIES: usize = 64;
/// Re-runs of a transaction aborted by a deadlock or a serialization failure.
pub(super) const MAX_TX_RETRIES: u32 = 3;

pub(super) struct TxState {
    anomalies: [Option<CounterId>; 8],
    deadlocks: Option<CounterId>,
    serialization_failures: Option<CounterId>,
    tx_retries: Option<CounterId>,
    /// Last commit that inserted an order into each category (range reads see it).
    category_written_at: [Nanos; CATEGORIES],
    /// Last commit of a write-skew transaction into each group it read.
    group_written_at: BTreeMap<u32, Nanos>,
    /// Query times of re-runs; a stream of its own, so transactions never shift others.
    rng: Rng,
}

impl TxState {
    pub(super) fn new(core: &Core) -> TxState {
        TxState {
            anomalies: [None; 8],
            deadlocks: None,
            serialization_failures: None,
            tx_retries: None,
            category_written_at: [0; CATEGORIES],
            group_written_at: BTreeMap::new(),
            rng: core.rng(40),
        }
    }

    /// A write committed on `key` (an order for that product).
    pub(super) fn note_commit(&mut self, key: u32, now: Nanos) {
        self.category_written_at[key as usize % CATEGORIES] = now;
    }

    /// An aborted transaction runs again.
    pub(super) fn retried(&mut self, m: &mut Registry) {
        let c = *self
            .tx_retries
            .get_or_insert_with(|| m.counter(&DB_TX_RETRIES, &[]));
        m.inc(c);
    }

    /// Counts `n` anomalies of `kind`.
    pub(super) fn anomaly(&mut self, core: &mut Core, kind: Anomaly, n: f64) {
        let i = kind as usize;
        let c = *self.anomalies[i]
            .get_or_insert_with(|| core.metrics.counter(&DATA_ANOMALIES, &[ANOMALY_KINDS[i]]));
        core.metrics.add(c, n);
    }

    /// Whether a transaction of `spec` runs on this query: read shapes on reads, write
    /// shapes on writes. A read-modify-write under `optimistic-locking` is the
    /// version-checked write the mitigation already runs.
    pub(super) fn applies(spec: &TxSpec, write: bool, optimistic_locking: bool) -> bool {
        spec.shape.writes() == write
            && !(spec.shape == TxShape::ReadModifyWrite && optimistic_locking)
    }

    /// The last statement and commit of a transaction of `spec` on `key` from its
    /// `snapshot`, whose row was changed since it read it or not, checked against its
    /// isolation level: counts what the level lets through. Returns true when the
    /// transaction must abort instead (a serialization failure).
    pub(super) fn check_commit(
        &mut self,
        core: &mut Core,
        spec: TxSpec,
        key: u32,
        snapshot: Nanos,
        row_changed: bool,
    ) -> bool {
        let range_changed = self.category_written_at[key as usize % CATEGORIES] > snapshot;
        let read_committed = spec.isolation == Isolation::ReadCommitted;
        match spec.shape {
            // Each statement of a read-committed transaction sees the latest commits; a
            // snapshot (repeatable read, serializable) sees what it saw first.
            TxShape::RereadRow if read_committed && row_changed => {
                self.anomaly(core, Anomaly::NonRepeatableRead, 1.0);
            }
            TxShape::RereadRange if read_committed && range_changed => {
                self.anomaly(core, Anomaly::Phantom, 1.0);
            }
            TxShape::RereadRow | TxShape::RereadRange => {}
            // Read committed writes its computed value over the other one; a snapshot
            // transaction finds the row updated since its snapshot and aborts.
            TxShape::ReadModifyWrite if row_changed => {
                if read_committed {
                    self.anomaly(core, Anomaly::LostUpdate, 1.0);
                } else {
                    return true;
                }
            }
            TxShape::ReadModifyWrite => {}
            // Both transactions read the group and each wrote its own row: no row
            // conflict, so only serializable notices the read it based its write on.
            TxShape::WriteSkew { group } => {
                let skewed = self
                    .group_written_at
                    .get(&group)
                    .is_some_and(|&t| t > snapshot);
                if skewed && spec.isolation == Isolation::Serializable {
                    return true;
                }
                if skewed {
                    self.anomaly(core, Anomaly::WriteSkew, 1.0);
                }
                self.group_written_at.insert(group, core.now);
            }
        }
        false
    }

    /// A transaction aborted on a serialization failure.
    pub(super) fn serialization_failure(&mut self, core: &mut Core) {
        let c = *self
            .serialization_failures
            .get_or_insert_with(|| core.metrics.counter(&DB_SERIALIZATION_FAILURES, &[]));
        core.metrics.inc(c);
    }

    /// The time of a re-run's query, drawn from `query` on the transactions' own stream.
    pub(super) fn rerun_query(&mut self, query: &Dist) -> Nanos {
        secs_to_ns(query.sample(&mut self.rng))
    }

    /// A deadlock of `transactions` transactions was found; the one with trace
    /// `victim` is aborted.
    pub(super) fn deadlock(&mut self, core: &mut Core, transactions: usize, victim: u64) {
        let c = *self
            .deadlocks
            .get_or_insert_with(|| core.metrics.counter(&DB_DEADLOCKS, &[]));
        core.metrics.inc(c);
        if core.logs.admits(core.now) {
            core.logs.push(LogRecord {
                t_ns: core.now,
                level: Level::Error,
                service: DATABASE,
                message: "deadlock detected",
                fields: vec![
                    ("transactions", transactions.to_string()),
                    ("victim", victim.to_string()),
                ],
                trace_id: Some(victim),
            });
        }
    }
}

impl TxShape {
    fn writes(self) -> bool {
        matches!(self, TxShape::ReadModifyWrite | TxShape::WriteSkew { .. })
    }
}
