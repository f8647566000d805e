//! The web system's database as a transaction engine: multi-statement transactions
//! checked against their isolation level (read committed, repeatable read, serializable)
//! with the row versions they read and write, correctness problems counted per kind in
//! `data_anomalies_total{kind}`, and two-row transactions whose row locks can deadlock
//! (a wait-for graph walked at each wait; the youngest transaction of a cycle is the
//! victim). Also the dispatch of the parts' own events (`PartEv`).

use super::metrics::{DATA_ANOMALIES, DB_DEADLOCKS, DB_SERIALIZATION_FAILURES, DB_TX_RETRIES};
use super::request::{Ev, PartEv};
use super::WebModel;
use crate::metrics::{CounterId, Registry};
use crate::observe::{Level, LogRecord};
use crate::rng::Xoshiro256PlusPlus as Rng;
use crate::scenario::{Component, Isolation, TxShape, TxSpec};
use crate::systems::Core;
use crate::time::{ms_to_ns, ns_to_secs, secs_to_ns, Nanos};
use std::collections::{BTreeMap, VecDeque};

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
const MAX_TX_RETRIES: u32 = 3;

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

    fn retried(&mut self, m: &mut Registry) {
        let c = *self
            .tx_retries
            .get_or_insert_with(|| m.counter(&DB_TX_RETRIES, &[]));
        m.inc(c);
    }
}

impl TxShape {
    fn writes(self) -> bool {
        matches!(self, TxShape::ReadModifyWrite | TxShape::WriteSkew { .. })
    }
}

impl WebModel {
    /// Counts `n` anomalies of `kind`.
    pub(super) fn anomaly(&mut self, core: &mut Core, kind: Anomaly, n: f64) {
        let i = kind as usize;
        let c = *self.db.anomalies[i]
            .get_or_insert_with(|| core.metrics.counter(&DATA_ANOMALIES, &[ANOMALY_KINDS[i]]));
        core.metrics.add(c, n);
    }

    /// Whether a transaction of `spec` runs on this query: read shapes on reads, write
    /// shapes on writes. A read-modify-write under `optimistic-locking` is the
    /// version-checked write the mitigation already runs.
    pub(super) fn tx_applies(&self, spec: &TxSpec, write: bool) -> bool {
        spec.shape.writes() == write
            && !(spec.shape == TxShape::ReadModifyWrite
                && self.policies.optimistic_retries.is_some())
    }

    /// The transaction's first statement: its snapshot, and the row version it read.
    pub(super) fn begin_tx(&mut self, core: &Core, id: u32, spec: TxSpec) {
        let version = self.rows.versions.get(self.reqs[id as usize].key as usize);
        let version = version.copied().unwrap_or(0);
        let r = &mut self.reqs[id as usize];
        r.tx = Some(spec);
        r.tx_snapshot = core.now;
        r.version_seen = version;
    }

    /// The transaction's last statement and commit, checked against its isolation level.
    /// Returns true when it was aborted and runs again.
    pub(super) fn end_tx(&mut self, core: &mut Core, id: u32) -> bool {
        let r = self.reqs[id as usize];
        let Some(spec) = r.tx else {
            return false;
        };
        if r.fail_status.is_some() || r.db_timed_out {
            return false;
        }
        let k = r.key as usize;
        let row_changed = self
            .rows
            .versions
            .get(k)
            .is_some_and(|&v| v != r.version_seen);
        let range_changed = self.db.category_written_at[k % CATEGORIES] > r.tx_snapshot;
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
                    return self.abort_tx(core, id);
                }
            }
            TxShape::ReadModifyWrite => {}
            // Both transactions read the group and each wrote its own row: no row
            // conflict, so only serializable notices the read it based its write on.
            TxShape::WriteSkew { group } => {
                let skewed = self
                    .db
                    .group_written_at
                    .get(&group)
                    .is_some_and(|&t| t > r.tx_snapshot);
                if skewed && spec.isolation == Isolation::Serializable {
                    return self.abort_tx(core, id);
                }
                if skewed {
                    self.anomaly(core, Anomaly::WriteSkew, 1.0);
                }
                self.db.group_written_at.insert(group, core.now);
            }
        }
        false
    }

    /// A serialization failure: the transaction re-runs from a new snapshot, or after
    /// `MAX_TX_RETRIES` the request fails with 409.
    fn abort_tx(&mut self, core: &mut Core, id: u32) -> bool {
        let c = *self
            .db
            .serialization_failures
            .get_or_insert_with(|| core.metrics.counter(&DB_SERIALIZATION_FAILURES, &[]));
        core.metrics.inc(c);
        let r = self.reqs[id as usize];
        if r.tx_retries >= MAX_TX_RETRIES {
            let rr = &mut self.reqs[id as usize];
            rr.fail_status = Some(409);
            rr.failed_at = Some(Component::Database);
            return false;
        }
        self.db.retried(&mut core.metrics);
        let query = secs_to_ns(self.rows.queries[r.endpoint as usize].sample(&mut self.db.rng))
            + r.query_extra_ns;
        let version = self.rows.versions.get(r.key as usize).copied().unwrap_or(0);
        let rr = &mut self.reqs[id as usize];
        rr.tx_retries += 1;
        rr.tx_snapshot = core.now;
        rr.version_seen = version;
        rr.query_ns = query;
        rr.db_start = core.now;
        self.run_query(core, id);
        true
    }

    // ---- two-row transactions and deadlocks ------------------------------------------

    /// A write that also locks `second`: under `lock-ordering` the lower row is locked
    /// first, so two transactions never wait on each other in a circle.
    pub(super) fn plan_two_rows(&mut self, id: u32, second: Option<u32>) {
        let r = &mut self.reqs[id as usize];
        r.key2 = second.filter(|&k| k != r.key);
        if let Some(k2) = r.key2 {
            if self.policies.lock_ordering && k2 < r.key {
                r.key2 = Some(r.key);
                r.key = k2;
            }
        }
    }

    /// The row a transaction waits on: its second once it holds the first.
    pub(super) fn waiting_key(&self, id: u32) -> u32 {
        let r = &self.reqs[id as usize];
        match (r.holds_lock, r.key2) {
            (true, Some(k2)) => k2,
            _ => r.key,
        }
    }

    /// Runs the first statement of a two-row transaction that holds its first row;
    /// returns false for any other query.
    pub(super) fn first_of_two_statements(&mut self, core: &mut Core, id: u32) -> bool {
        let r = &mut self.reqs[id as usize];
        if r.key2.is_none() || !r.holds_lock || r.holds_lock2 {
            return false;
        }
        let first = r.query_ns / 2;
        r.query_ns -= first;
        let seq = r.seq;
        self.events.schedule(
            core.now + first,
            Ev::Part(PartEv::SecondLock { req: id, seq }),
        );
        true
    }

    /// Locks `key` for `id` or queues it behind the holder (with the lock timeout).
    /// Returns true when it got the lock.
    fn lock_or_wait(&mut self, core: &mut Core, id: u32, key: u32) -> bool {
        core.metrics.inc(self.rows.ids.lock_attempts);
        if let Some((_, waiters)) = self.rows.locks.get_mut(&key) {
            core.metrics.inc(self.rows.ids.lock_conflicts);
            waiters.push_back(id);
            let r = &mut self.reqs[id as usize];
            r.waiting_lock = true;
            r.lock_wait_start = core.now;
            let seq = r.seq;
            self.events.schedule_timer(
                1,
                core.now + self.rows.lock_timeout_ns,
                Ev::LockTimeout { req: id, seq },
            );
            return false;
        }
        self.rows.locks.insert(key, (id, VecDeque::new()));
        true
    }

    fn second_lock(&mut self, core: &mut Core, id: u32, seq: u64) {
        let r = self.reqs[id as usize];
        if r.seq != seq || !r.holds_lock {
            return;
        }
        if self.died(id) {
            self.lost_in_crash(core, id, true);
            return;
        }
        let Some(k2) = r.key2 else {
            return;
        };
        if self.lock_or_wait(core, id, k2) {
            self.reqs[id as usize].holds_lock2 = true;
            self.events.schedule(core.now + r.query_ns, Ev::DbDone(id));
        } else {
            self.detect_deadlock(core, id);
        }
    }

    /// `id` just started waiting: follows the wait-for graph (each waiting transaction
    /// waits on one row, held by one transaction) and, if it leads back to `id`, aborts
    /// the youngest transaction of the cycle.
    fn detect_deadlock(&mut self, core: &mut Core, id: u32) {
        let mut cycle = vec![id];
        let mut cur = id;
        loop {
            if !self.reqs[cur as usize].waiting_lock {
                return;
            }
            let Some(&(holder, _)) = self.rows.locks.get(&self.waiting_key(cur)) else {
                return;
            };
            if holder == id {
                break;
            }
            if cycle.contains(&holder) {
                return; // a cycle that does not pass through `id` was handled when it closed
            }
            cycle.push(holder);
            cur = holder;
        }
        let victim = cycle
            .iter()
            .copied()
            .max_by_key(|&c| self.reqs[c as usize].seq)
            .unwrap_or(id);
        let c = *self
            .db
            .deadlocks
            .get_or_insert_with(|| core.metrics.counter(&DB_DEADLOCKS, &[]));
        core.metrics.inc(c);
        if core.logs.admits(core.now) {
            core.logs.push(LogRecord {
                t_ns: core.now,
                level: Level::Error,
                service: super::DATABASE,
                message: "deadlock detected",
                fields: vec![
                    ("transactions", cycle.len().to_string()),
                    ("victim", self.reqs[victim as usize].seq.to_string()),
                ],
                trace_id: Some(self.reqs[victim as usize].seq),
            });
        }
        self.abort_deadlock_victim(core, victim);
    }

    /// The victim stops waiting, lets go of its rows and re-runs after a short backoff,
    /// or fails with 500 once it has been a victim `MAX_TX_RETRIES` times.
    fn abort_deadlock_victim(&mut self, core: &mut Core, v: u32) {
        let waited_on = self.waiting_key(v);
        if let Some((_, waiters)) = self.rows.locks.get_mut(&waited_on) {
            waiters.retain(|&w| w != v);
        }
        let r = &mut self.reqs[v as usize];
        r.waiting_lock = false;
        let waited = core.now - r.lock_wait_start;
        core.metrics
            .observe(self.rows.ids.lock_wait, ns_to_secs(waited));
        self.release_lock(core, v);
        let r = self.reqs[v as usize];
        if r.tx_retries < MAX_TX_RETRIES {
            self.db.retried(&mut core.metrics);
            self.reqs[v as usize].tx_retries += 1;
            let backoff = ms_to_ns(1.0) << r.tx_retries;
            self.events.schedule(
                core.now + backoff,
                Ev::Part(PartEv::TxRestart { req: v, seq: r.seq }),
            );
            return;
        }
        let rr = &mut self.reqs[v as usize];
        rr.fail_status = Some(500);
        rr.failed_at = Some(Component::Database);
        self.release_connection(core, r.instance as usize);
        self.respond(core, v, Some(500), true);
    }

    fn tx_restart(&mut self, core: &mut Core, id: u32, seq: u64) {
        let r = self.reqs[id as usize];
        if r.seq != seq {
            return;
        }
        if self.died(id) {
            self.lost_in_crash(core, id, true);
            return;
        }
        let query = secs_to_ns(self.rows.queries[1].sample(&mut self.db.rng)) + r.query_extra_ns;
        let rr = &mut self.reqs[id as usize];
        rr.query_ns = query;
        rr.db_start = core.now;
        if self.lock_or_wait(core, id, r.key) {
            self.reqs[id as usize].holds_lock = true;
            self.run_query(core, id);
        }
    }

    /// Releases a two-row transaction's second row.
    pub(super) fn release_second_lock(&mut self, core: &mut Core, id: u32) {
        let r = &mut self.reqs[id as usize];
        if !r.holds_lock2 {
            return;
        }
        r.holds_lock2 = false;
        if let Some(k2) = r.key2 {
            self.hand_over(core, k2);
        }
    }

    /// Gives the lock on `key` to its next waiter, which goes on with its query.
    pub(super) fn hand_over(&mut self, core: &mut Core, key: u32) {
        let next = match self.rows.locks.get_mut(&key) {
            Some((_, waiters)) => waiters.pop_front(),
            None => None,
        };
        let Some(n) = next else {
            self.rows.locks.remove(&key);
            return;
        };
        if let Some(entry) = self.rows.locks.get_mut(&key) {
            entry.0 = n;
        }
        let w = &mut self.reqs[n as usize];
        w.waiting_lock = false;
        let waited = core.now - w.lock_wait_start;
        core.metrics
            .observe(self.rows.ids.lock_wait, ns_to_secs(waited));
        if w.holds_lock && w.key2.is_some() {
            // It waited on its second row: the rest of the transaction runs now.
            w.holds_lock2 = true;
            let end = core.now + w.query_ns;
            self.events.schedule(end, Ev::DbDone(n));
        } else {
            w.holds_lock = true;
            self.run_query(core, n);
        }
    }

    // ---- the parts' events and gauges --------------------------------------------------

    pub(super) fn part_event(&mut self, core: &mut Core, e: PartEv) {
        match e {
            PartEv::SecondLock { req, seq } => self.second_lock(core, req, seq),
            PartEv::TxRestart { req, seq } => self.tx_restart(core, req, seq),
            PartEv::Flush => self.wb.flush(core),
            PartEv::WriteBuffered(id) if self.died(id) => self.lost_in_crash(core, id, false),
            PartEv::WriteBuffered(id) => self.write_buffered(core, id),
            PartEv::ConsumerDone { partition } => self.consumer_done(core, partition as usize),
            PartEv::CallbackTimeout {
                slot,
                generation,
                attempt,
            } => self.callback_timeout(core, slot, generation, attempt),
            PartEv::CallbackSend { slot, generation } => {
                self.callback_resend(core, slot, generation)
            }
        }
    }

    pub(super) fn parts_sample(&mut self, core: &mut Core) {
        self.wb.sample(core);
        self.mq.sample(core);
    }
}
