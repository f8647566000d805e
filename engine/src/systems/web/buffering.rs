//! The write path under write-behind and write-through: a write-behind write lands in
//! the cache and the buffer (`write_behind.rs` holds it) instead of a query, and the
//! order goes on to the payment once the cache acknowledged it; a read from the database
//! sees the rows without the buffered writes; a cache crash loses the buffer. Under
//! `write-through` a committed write sets the cache.

use super::db::Anomaly;
use super::request::{Ev, PartEv};
use super::WebModel;
use crate::observe::{Level, LogRecord};
use crate::systems::Core;
use crate::time::Nanos;

impl WebModel {
    /// The write goes to the cache only; the database gets it at the next flush, due
    /// `interval` after the first write of the batch.
    pub(super) fn buffer_write(&mut self, core: &mut Core, id: u32, interval: Nanos) {
        self.wb.start(core);
        let r = self.reqs[id as usize];
        let k = r.key as usize;
        if k < self.rows.versions.len() {
            self.rows.versions[k] = self.rows.versions[k].wrapping_add(1);
            self.rows.written_at[k] = core.now;
            self.wb.add(r.key, core.now);
            self.cache.set(core.now, r.key, Some(self.rows.versions[k]));
        }
        if self.wb.batch_starts() {
            self.events
                .schedule(core.now + interval.max(1), Ev::Part(PartEv::Flush));
        }
        // No row lock, no query: the connection goes back at once and the cache answers.
        self.release_connection(core, r.instance as usize);
        self.events.schedule(
            core.now + self.cache.latency_ns,
            Ev::Part(PartEv::WriteBuffered(id)),
        );
    }

    /// The cache acknowledged the write: the order goes on to the payment.
    pub(super) fn write_buffered(&mut self, core: &mut Core, id: u32) {
        self.call_payment(core, id);
    }

    /// The version of `key` a database read returns: without the writes still waiting in
    /// the buffer. Reading an older row than the latest acknowledged write is a stale read.
    pub(super) fn write_behind_version(&mut self, core: &mut Core, key: u32, read: u32) -> u32 {
        let Some(n) = self.wb.pending(key) else {
            return read;
        };
        self.db.anomaly(core, Anomaly::StaleRead, 1.0);
        let latest = self.rows.versions.get(key as usize).copied().unwrap_or(0);
        read.min(latest.wrapping_sub(n))
    }

    /// The cache node crashed: every unflushed write is gone (the database keeps its old
    /// rows) and the cache restarts empty.
    pub(super) fn lose_write_buffer(&mut self, core: &mut Core) {
        let lost = self.wb.lose(&mut self.rows.versions);
        self.cache.clear();
        if lost > 0 {
            self.db.anomaly(core, Anomaly::LostWrite, lost as f64);
        }
        if core.logs.admits(core.now) {
            core.logs.push(LogRecord {
                t_ns: core.now,
                level: Level::Error,
                service: "redis",
                message: "cache node restarted: unflushed writes lost",
                fields: vec![("lost_writes", lost.to_string())],
                trace_id: None,
            });
        }
    }

    /// With `write-through`, a committed write sets the cache to the new version.
    pub(super) fn write_through(&mut self, core: &mut Core, key: u32) {
        let latest = self.rows.versions.get(key as usize).copied();
        self.cache.set(core.now, key, latest);
    }
}
