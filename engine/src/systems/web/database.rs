//! The request path through the database: a connection from the instance's pool, the
//! query (on the primary or the replica, over its network link, cut by the database
//! timeout), the row lock a write takes, and for an order the write-ahead log on the disk
//! (`disk.rs`) and the commit. The rows, the replica and the locks are a part
//! (`rows.rs`); transactions and isolation anomalies are in `db.rs`.

use super::request::{Ev, ENDPOINTS};
use super::{WebModel, DB};
use crate::scenario::{Component, Edge, Hop};
use crate::systems::Core;
use crate::time::{ns_to_secs, secs_to_ns};

impl WebModel {
    pub(super) fn acquire_connection(&mut self, core: &mut Core, id: u32) {
        let inst = &mut self.fleet.instances[self.reqs[id as usize].instance as usize];
        if inst.pool_in_use < self.pool_size {
            inst.pool_in_use += 1;
            self.start_query(core, id);
            return;
        }
        inst.pool_waiting.push_back(id);
        let r = &mut self.reqs[id as usize];
        r.waiting_pool = true;
        if let Some(limit) = self.policies.db_timeout_ns {
            // The pool's acquire timeout: the database budget covers the wait too.
            let deadline = (r.cpu_done + limit).max(core.now);
            let seq = r.seq;
            self.events
                .schedule(deadline, Ev::PoolTimeout { req: id, seq });
        }
    }

    /// A request still waiting for a connection at its database deadline gives up (504).
    pub(super) fn pool_timeout(&mut self, core: &mut Core, id: u32, seq: u64) {
        let r = self.reqs[id as usize];
        if r.seq != seq || !r.waiting_pool || self.died(id) {
            return;
        }
        self.fleet.instances[r.instance as usize]
            .pool_waiting
            .retain(|&w| w != id);
        let c = self.timeout_counter(core, DB);
        core.metrics.inc(c);
        let rr = &mut self.reqs[id as usize];
        rr.waiting_pool = false;
        rr.fail_status = Some(504);
        rr.failed_at = Some(Component::Database);
        if r.endpoint == 0 {
            self.finish_fill(core, id);
        } else {
            self.respond(core, id, Some(504), true);
        }
    }

    pub(super) fn start_query(&mut self, core: &mut Core, id: u32) {
        self.reqs[id as usize].waiting_pool = false;
        let r = self.reqs[id as usize];
        if r.cancelled && !r.filling {
            // A cancelled copy of a hedged read got a connection: hand it on unused.
            self.release_connection(core, r.instance as usize);
            self.respond(core, id, None, true);
            return;
        }
        let pool_wait = core.now - r.cpu_done;
        core.metrics
            .observe(self.ids.pool_wait, ns_to_secs(pool_wait));
        let hop = Hop {
            key: Some(r.key),
            ..Hop::new(
                Component::Database,
                r.instance,
                ENDPOINTS[r.endpoint as usize],
            )
        };
        let effect = self.strike(core, hop, r.seq);
        let db = effect.database();
        if db.drop_write_buffer {
            self.lose_write_buffer(core);
        }
        let write = r.endpoint == 1;
        if write {
            if let Some(k) = db.key {
                self.reqs[id as usize].key = k;
            }
        } else {
            let sticky = self.policies.read_your_writes_ns;
            let version = self
                .rows
                .read_version(core, r.key, db.replica_lag_ns, sticky);
            let version = self.write_behind_version(core, r.key, version);
            self.reqs[id as usize].version_read = version;
        }
        let indexed = self.policies.indexed;
        let query = self.rows.query_time(
            core,
            r.endpoint as usize,
            &effect,
            indexed,
            &mut self.work_rng,
        );
        let r = &mut self.reqs[id as usize];
        r.db_start = core.now;
        r.query_ns = query;
        r.query_extra_ns = effect.delay_ns;
        r.hold_connection_ns = db.hold_connection_ns;
        if effect.fail_status.is_some() {
            r.fail_status = effect.fail_status;
            r.failed_at = Some(Component::Database);
        }
        let ok = r.fail_status.is_none();
        let tx = db.tx.filter(|t| self.tx_applies(t, write));
        if ok && (tx.is_some() || (write && db.write_behind_ns > 0)) {
            if let Some(t) = tx {
                self.begin_tx(core, id, t);
            } else if !self.policies.write_through {
                self.buffer_write(core, id, db.write_behind_ns);
                return;
            }
        }
        let r = &mut self.reqs[id as usize];
        if write && r.fail_status.is_none() && r.tx.is_none() {
            self.plan_two_rows(id, db.second_key);
            let r = &mut self.reqs[id as usize];
            let key = r.key;
            if self.policies.optimistic_retries.is_some() {
                r.version_seen = self.rows.versions.get(key as usize).copied().unwrap_or(0);
            } else if self.lock_or_wait(core, id, key) {
                self.reqs[id as usize].holds_lock = true;
            } else {
                return;
            }
        }
        self.run_query(core, id);
    }

    /// Runs the sampled query of `id`, cut short by the database timeout if one is set.
    pub(super) fn run_query(&mut self, core: &mut Core, id: u32) {
        if self.first_of_two_statements(core, id) {
            return;
        }
        let r = self.reqs[id as usize];
        let edge = if r.endpoint == 0 && self.rows.read_replica {
            Edge::ApiReplica
        } else {
            Edge::ApiDatabase
        };
        let endpoint = ENDPOINTS[r.endpoint as usize];
        let link = self.cross(core, edge, r.instance, endpoint, r.seq);
        let r = &mut self.reqs[id as usize];
        let mut end = core.now + link.rtt() + r.query_ns;
        if link.lost {
            // The query or its answer never arrives: the caller waits for its timeout.
            end = core.now + self.links.connect_timeout_ns;
            r.fail_status = Some(504);
            r.failed_at = Some(Component::Database);
            r.lost_on = Some(edge);
        }
        if let Some(limit) = self.policies.db_timeout_ns {
            let deadline = r.cpu_done + limit;
            if end > deadline {
                end = deadline.max(core.now);
                r.db_timed_out = true;
            }
        }
        self.events.schedule(end, Ev::DbDone(id));
    }

    /// Releases the row lock `id` holds and hands it to the next waiting transaction.
    /// (A two-row transaction's second row is released first: `db.rs`.)
    pub(super) fn release_lock(&mut self, core: &mut Core, id: u32) {
        self.release_second_lock(core, id);
        let r = &mut self.reqs[id as usize];
        if !r.holds_lock {
            return;
        }
        r.holds_lock = false;
        let key = r.key;
        self.hand_over(core, key);
    }

    /// A transaction waited too long for its row lock: it fails and frees its connection.
    pub(super) fn lock_timeout(&mut self, core: &mut Core, id: u32, seq: u64) {
        let r = self.reqs[id as usize];
        if r.seq != seq
            || !r.waiting_lock
            || core.now < r.lock_wait_start + self.rows.lock_timeout_ns
        {
            return; // answered, or waiting again since (a restarted transaction)
        }
        let waited_on = self.waiting_key(id);
        if let Some((_, waiters)) = self.rows.locks.get_mut(&waited_on) {
            waiters.retain(|&w| w != id);
        }
        let rr = &mut self.reqs[id as usize];
        rr.waiting_lock = false;
        self.release_lock(core, id);
        let rr = &mut self.reqs[id as usize];
        rr.fail_status = Some(500);
        rr.failed_at = Some(Component::Database);
        core.metrics.inc(self.rows.ids.lock_timeouts);
        core.metrics.observe(
            self.rows.ids.lock_wait,
            ns_to_secs(core.now - r.lock_wait_start),
        );
        if self.died(id) {
            self.respond(core, id, Some(502), false);
            return;
        }
        self.release_connection(core, r.instance as usize);
        self.respond(core, id, Some(500), true);
    }

    pub(super) fn release_connection(&mut self, core: &mut Core, instance: usize) {
        let inst = &mut self.fleet.instances[instance];
        if let Some(next) = inst.pool_waiting.pop_front() {
            self.start_query(core, next);
        } else {
            inst.pool_in_use = inst.pool_in_use.saturating_sub(1);
        }
    }

    /// The write's log record goes to disk; a full disk refuses it.
    pub(super) fn write_to_disk(&mut self, core: &mut Core, id: u32) -> bool {
        let r = self.reqs[id as usize];
        let hop = Hop::new(Component::Disk, r.instance, ENDPOINTS[1]);
        let disk = *self.strike(core, hop, r.seq).disk();
        let Some(done) = self
            .disk
            .write(core, disk.written_bytes as f64, disk.io_bytes as f64)
        else {
            let rr = &mut self.reqs[id as usize];
            rr.fail_status = Some(500);
            rr.failed_at = Some(Component::Disk);
            return false;
        };
        let rr = &mut self.reqs[id as usize];
        rr.disk_start = core.now;
        rr.disk_done = done;
        true
    }

    /// An order committed: the product row has a new version.
    pub(super) fn commit_write(&mut self, core: &mut Core, key: u32) {
        if self.rows.commit(core.now, key) {
            self.db.note_commit(key, core.now);
            if self.policies.write_through {
                self.write_through(core, key);
            } else if self.rows.invalidate_on_write {
                self.cache.remove(key);
            }
        }
    }

    pub(super) fn db_done(&mut self, core: &mut Core, id: u32) {
        let r = self.reqs[id as usize];
        core.metrics.observe(
            self.ids.query_duration[r.endpoint as usize],
            ns_to_secs(core.now - r.db_start),
        );
        if r.tx.is_some() && self.end_tx(core, id) {
            return; // aborted and running again
        }
        let r = self.reqs[id as usize];
        if r.endpoint == 1 {
            self.release_lock(core, id);
            if let (Some(max), None, None) = (self.policies.optimistic_retries, r.fail_status, r.tx)
            {
                let current = self.rows.versions.get(r.key as usize).copied().unwrap_or(0);
                if current != r.version_seen && !r.db_timed_out {
                    // Someone committed this row since we read it: re-run the transaction.
                    core.metrics.inc(self.rows.ids.lock_conflicts);
                    if r.tx_retries < max {
                        core.metrics.inc(self.rows.ids.tx_retries);
                        let query = secs_to_ns(self.rows.queries[1].sample(&mut self.work_rng))
                            + r.query_extra_ns;
                        let rr = &mut self.reqs[id as usize];
                        rr.tx_retries += 1;
                        rr.version_seen = current;
                        rr.query_ns = query;
                        self.run_query(core, id);
                        return;
                    }
                    let rr = &mut self.reqs[id as usize];
                    rr.fail_status = Some(409);
                    rr.failed_at = Some(Component::Database);
                }
            }
        }
        if r.hold_connection_ns > 0 {
            // Leaked: the pool gets the connection back only when it reclaims it.
            self.leaked_connections += 1;
            let epoch = self.fleet.instances[r.instance as usize].epoch;
            self.events.schedule(
                core.now + r.hold_connection_ns,
                Ev::ConnectionReclaimed {
                    instance: r.instance,
                    epoch,
                },
            );
        } else {
            self.release_connection(core, r.instance as usize);
        }
        if r.db_timed_out {
            let c = self.timeout_counter(core, DB);
            core.metrics.inc(c);
            let rr = &mut self.reqs[id as usize];
            rr.fail_status = Some(504);
            rr.failed_at = Some(Component::Database);
        }
        if r.endpoint == 0 {
            self.finish_fill(core, id);
            return;
        }
        if self.reqs[id as usize].fail_status.is_some() {
            let status = self.reqs[id as usize].fail_status;
            self.respond(core, id, status, true);
            return;
        }
        if !self.write_to_disk(core, id) {
            self.respond(core, id, Some(500), true);
            return;
        }
        let done = self.reqs[id as usize].disk_done;
        self.events.schedule(
            done,
            Ev::DiskDone {
                req: id,
                seq: r.seq,
            },
        );
    }

    /// The write's log record is on disk: the order commits and payment is called.
    pub(super) fn disk_done(&mut self, core: &mut Core, id: u32) {
        let r = self.reqs[id as usize];
        self.commit_write(core, r.key);
        self.publish_order_event(core, id, 1);
        self.call_payment(core, id);
    }
}
