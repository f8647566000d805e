//! Write-behind caching in the web system: a write lands in the cache, is acknowledged,
//! and reaches the database in the next batch flush. Until then the database row is
//! older than the cache; a read that misses the cache (or skips it) reads the old row,
//! and losing the buffer loses the writes for good. `write-through` writes the database
//! first and sets the cache with the committed value instead.

use super::metrics::{WB_BACKLOG, WB_FLUSHED, WB_LAG};
use super::request::{Ev, PartEv};
use super::WebModel;
use crate::metrics::{CounterId, GaugeId};
use crate::observe::{Level, LogRecord};
use crate::systems::Core;
use crate::time::{ns_to_secs, Nanos};
use std::collections::BTreeMap;

use super::db::Anomaly;

#[derive(Default)]
pub(super) struct WriteBehind {
    /// Unflushed writes per product row: (how many, when the first of them landed).
    pending: BTreeMap<u32, (u32, Nanos)>,
    backlog: u64,
    flush_scheduled: bool,
    ids: Option<(GaugeId, GaugeId, CounterId)>,
}

impl WebModel {
    /// The write goes to the cache only; the database gets it at the next flush, due
    /// `interval` after the first write of the batch.
    pub(super) fn buffer_write(&mut self, core: &mut Core, id: u32, interval: Nanos) {
        if self.wb.ids.is_none() {
            self.wb.ids = Some((
                core.metrics.gauge(&WB_BACKLOG, &[]),
                core.metrics.gauge(&WB_LAG, &[]),
                core.metrics.counter(&WB_FLUSHED, &[]),
            ));
        }
        let r = self.reqs[id as usize];
        let k = r.key as usize;
        if k < self.rows.versions.len() {
            self.rows.versions[k] = self.rows.versions[k].wrapping_add(1);
            self.rows.written_at[k] = core.now;
            let entry = self.wb.pending.entry(r.key).or_insert((0, core.now));
            entry.0 += 1;
            self.wb.backlog += 1;
            self.cache.set(core.now, r.key, Some(self.rows.versions[k]));
        }
        if !self.wb.flush_scheduled {
            self.wb.flush_scheduled = true;
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

    /// The batch reaches the database: its rows are current again.
    pub(super) fn flush_writes(&mut self, core: &mut Core) {
        self.wb.flush_scheduled = false;
        let flushed = std::mem::take(&mut self.wb.backlog);
        self.wb.pending.clear();
        if let Some((_, _, c)) = self.wb.ids {
            core.metrics.add(c, flushed as f64);
        }
    }

    /// The version of `key` a database read returns: without the writes still waiting in
    /// the buffer. Reading an older row than the latest acknowledged write is a stale read.
    pub(super) fn write_behind_version(&mut self, core: &mut Core, key: u32, read: u32) -> u32 {
        let Some(&(n, _)) = self.wb.pending.get(&key) else {
            return read;
        };
        self.anomaly(core, Anomaly::StaleRead, 1.0);
        let latest = self.rows.versions.get(key as usize).copied().unwrap_or(0);
        read.min(latest.wrapping_sub(n))
    }

    /// The cache node crashed: every unflushed write is gone (the database keeps its old
    /// rows) and the cache restarts empty.
    pub(super) fn lose_write_buffer(&mut self, core: &mut Core) {
        let lost = std::mem::take(&mut self.wb.backlog);
        for (key, (n, _)) in std::mem::take(&mut self.wb.pending) {
            if let Some(v) = self.rows.versions.get_mut(key as usize) {
                *v = v.wrapping_sub(n);
            }
        }
        self.cache.clear();
        if lost > 0 {
            self.anomaly(core, Anomaly::LostWrite, lost as f64);
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

    pub(super) fn write_behind_sample(&mut self, core: &mut Core) {
        let Some((backlog, lag, _)) = self.wb.ids else {
            return;
        };
        let oldest = self.wb.pending.values().map(|&(_, t)| t).min();
        core.metrics.set(backlog, self.wb.backlog as f64);
        core.metrics.set(
            lag,
            oldest.map_or(0.0, |t| ns_to_secs(core.now.saturating_sub(t))),
        );
    }
}
