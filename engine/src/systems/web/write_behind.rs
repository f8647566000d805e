//! Write-behind caching in the web system: a write lands in the cache, is acknowledged,
//! and reaches the database in the next batch flush. Until then the database row is
//! older than the cache; a read that misses the cache (or skips it) reads the old row,
//! and losing the buffer loses the writes for good. `write-through` writes the database
//! first and sets the cache with the committed value instead.
//!
//! This file is the buffer; a write's way into it, and what reads and a cache crash
//! make of it, are `buffering.rs`.

use super::metrics::{WB_BACKLOG, WB_FLUSHED, WB_LAG};
use crate::metrics::{CounterId, GaugeId};
use crate::systems::Core;
use crate::time::{ns_to_secs, Nanos};
use std::collections::BTreeMap;

#[derive(Default)]
pub(super) struct WriteBehind {
    /// Unflushed writes per product row: (how many, when the first of them landed).
    pending: BTreeMap<u32, (u32, Nanos)>,
    backlog: u64,
    flush_scheduled: bool,
    ids: Option<(GaugeId, GaugeId, CounterId)>,
}

impl WriteBehind {
    /// The first buffered write registers the buffer's metrics.
    pub(super) fn start(&mut self, core: &mut Core) {
        if self.ids.is_none() {
            self.ids = Some((
                core.metrics.gauge(&WB_BACKLOG, &[]),
                core.metrics.gauge(&WB_LAG, &[]),
                core.metrics.counter(&WB_FLUSHED, &[]),
            ));
        }
    }

    /// A write of `key` waits in the buffer from `now`.
    pub(super) fn add(&mut self, key: u32, now: Nanos) {
        let entry = self.pending.entry(key).or_insert((0, now));
        entry.0 += 1;
        self.backlog += 1;
    }

    /// Whether a write starts a batch (its flush is then to be scheduled).
    pub(super) fn batch_starts(&mut self) -> bool {
        !std::mem::replace(&mut self.flush_scheduled, true)
    }

    /// The batch reaches the database: its rows are current again.
    pub(super) fn flush(&mut self, core: &mut Core) {
        self.flush_scheduled = false;
        let flushed = std::mem::take(&mut self.backlog);
        self.pending.clear();
        if let Some((_, _, c)) = self.ids {
            core.metrics.add(c, flushed as f64);
        }
    }

    /// How many writes of `key` wait in the buffer, if any.
    pub(super) fn pending(&self, key: u32) -> Option<u32> {
        self.pending.get(&key).map(|&(n, _)| n)
    }

    /// The buffer is lost: every unflushed write is gone, the rows' `versions` go back to
    /// what the database holds. Returns how many writes were lost.
    pub(super) fn lose(&mut self, versions: &mut [u32]) -> u64 {
        let lost = std::mem::take(&mut self.backlog);
        for (key, (n, _)) in std::mem::take(&mut self.pending) {
            if let Some(v) = versions.get_mut(key as usize) {
                *v = v.wrapping_sub(n);
            }
        }
        lost
    }

    pub(super) fn sample(&self, core: &mut Core) {
        let Some((backlog, lag, _)) = self.ids else {
            return;
        };
        let oldest = self.pending.values().map(|&(_, t)| t).min();
        core.metrics.set(backlog, self.backlog as f64);
        core.metrics.set(
            lag,
            oldest.map_or(0.0, |t| ns_to_secs(core.now.saturating_sub(t))),
        );
    }
}
