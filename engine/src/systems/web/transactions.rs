//! The request path of a database transaction: its snapshot when it starts, its commit
//! checked against its isolation level (a serialization failure re-runs it), two-row
//! transactions taking their row locks one after the other, the wait-for graph walked
//! at each wait and a deadlock's victim aborted, and a lock handed to its next waiter.
//! The transactions' state and commit rules are `db.rs`; the rows and their locks are
//! `rows.rs`.

use super::db::{TxState, MAX_TX_RETRIES};
use super::request::{Ev, PartEv};
use super::WebModel;
use crate::scenario::{Component, TxSpec};
use crate::systems::Core;
use crate::time::{ms_to_ns, ns_to_secs};
use std::collections::VecDeque;

impl WebModel {
    /// Whether a transaction of `spec` runs on this query (`TxState::applies`).
    pub(super) fn tx_applies(&self, spec: &TxSpec, write: bool) -> bool {
        TxState::applies(spec, write, self.policies.optimistic_retries.is_some())
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
        let row_changed = self
            .rows
            .versions
            .get(r.key as usize)
            .is_some_and(|&v| v != r.version_seen);
        if self
            .db
            .check_commit(core, spec, r.key, r.tx_snapshot, row_changed)
        {
            return self.abort_tx(core, id);
        }
        false
    }

    /// A serialization failure: the transaction re-runs from a new snapshot, or after
    /// `MAX_TX_RETRIES` the request fails with 409.
    fn abort_tx(&mut self, core: &mut Core, id: u32) -> bool {
        self.db.serialization_failure(core);
        let r = self.reqs[id as usize];
        if r.tx_retries >= MAX_TX_RETRIES {
            let rr = &mut self.reqs[id as usize];
            rr.fail_status = Some(409);
            rr.failed_at = Some(Component::Database);
            return false;
        }
        self.db.retried(&mut core.metrics);
        let query = self.db.rerun_query(&self.rows.queries[r.endpoint as usize]) + r.query_extra_ns;
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
    pub(super) fn lock_or_wait(&mut self, core: &mut Core, id: u32, key: u32) -> bool {
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

    pub(super) fn second_lock(&mut self, core: &mut Core, id: u32, seq: u64) {
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
        let victim_seq = self.reqs[victim as usize].seq;
        self.db.deadlock(core, cycle.len(), victim_seq);
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

    pub(super) fn tx_restart(&mut self, core: &mut Core, id: u32, seq: u64) {
        let r = self.reqs[id as usize];
        if r.seq != seq {
            return;
        }
        if self.died(id) {
            self.lost_in_crash(core, id, true);
            return;
        }
        let query = self.db.rerun_query(&self.rows.queries[1]) + r.query_extra_ns;
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
}
