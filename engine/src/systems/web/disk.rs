//! The database server's disk as an I/O device: it moves `bytes_per_s` and serves
//! requests in order (one FIFO queue). A write of the write-ahead log must reach the disk
//! before the transaction commits, so it waits for every byte queued ahead of it — its own
//! and other I/O (backups, compaction, a noisy neighbour) — and then takes
//! `bytes / bytes_per_s`. `Disk` is the part: that device, the space on the disk
//! (capacity, what log rotation frees each second) and their metrics.

use super::metrics::{
    DISK_AVAILABLE, DISK_IO_BACKLOG, DISK_IO_UTILIZATION, DISK_IO_WAIT, DISK_WRITE_FAILURES,
};
use crate::metrics::{CounterId, GaugeId, HistogramId};
use crate::params::ParamSet;
use crate::systems::Core;
use crate::time::{ns_to_secs, Nanos, NS_PER_SEC};

/// The database server's disk: space and I/O.
pub(super) struct Disk {
    capacity: f64,
    /// Space in use at the start: cleanup frees down to this, never below.
    baseline: f64,
    used: f64,
    /// Bytes a committed order writes to the write-ahead log.
    write_bytes: f64,
    cleanup_per_s: f64,
    io: DiskIo,
    io_busy_at_sample: Nanos,
    available: GaugeId,
    failures: CounterId,
    io_wait: HistogramId,
    io_backlog: GaugeId,
    io_utilization: GaugeId,
}

impl Disk {
    pub fn new(p: &ParamSet, core: &mut Core) -> Disk {
        let m = &mut core.metrics;
        Disk {
            capacity: p.f64("disk_capacity_gb") * 1e9,
            baseline: p.f64("disk_used_gb") * 1e9,
            used: p.f64("disk_used_gb") * 1e9,
            write_bytes: p.f64("write_kb") * 1024.0,
            cleanup_per_s: p.f64("disk_cleanup_mb_per_s") * 1e6,
            available: m.gauge(&DISK_AVAILABLE, &[]),
            failures: m.counter(&DISK_WRITE_FAILURES, &[]),
            io: DiskIo::new(p.f64("disk_io_mb_per_s") * 1e6),
            io_busy_at_sample: 0,
            io_wait: m.histogram(&DISK_IO_WAIT, &[]),
            io_backlog: m.gauge(&DISK_IO_BACKLOG, &[]),
            io_utilization: m.gauge(&DISK_IO_UTILIZATION, &[]),
        }
    }

    /// Writes an order's log record, `extra` bytes more than usual, behind `other_io`
    /// bytes of someone else's I/O: when it is on disk, or `None` when the disk is full
    /// (the write fails and is counted).
    pub fn write(&mut self, core: &mut Core, extra: f64, other_io: f64) -> Option<Nanos> {
        let bytes = self.write_bytes + extra;
        if self.used + bytes > self.capacity {
            core.metrics.inc(self.failures);
            return None;
        }
        self.used += bytes;
        let done = self.io.write(core.now, other_io, self.write_bytes);
        core.metrics
            .observe(self.io_wait, ns_to_secs(done - core.now));
        Some(done)
    }

    /// Once a second: log rotation and compaction free space, down to the starting use.
    pub fn cleanup_tick(&mut self, core: &mut Core) {
        let cleanup = self.cleanup_per_s * ns_to_secs(NS_PER_SEC);
        self.used = (self.used - cleanup).max(self.baseline.min(self.used));
        core.metrics
            .set(self.available, (self.capacity - self.used).max(0.0));
    }

    /// The I/O gauges, once per sample.
    pub fn sample(&mut self, core: &mut Core) {
        let busy = self.io.busy_ns - self.io_busy_at_sample;
        self.io_busy_at_sample = self.io.busy_ns;
        core.metrics
            .set(self.io_backlog, self.io.backlog_s(core.now));
        core.metrics.set(
            self.io_utilization,
            (busy as f64 / NS_PER_SEC as f64).clamp(0.0, 1.0),
        );
    }
}

#[derive(Debug, Default)]
pub struct DiskIo {
    pub bytes_per_s: f64,
    /// When the device finishes what is queued now.
    free_at: Nanos,
    /// ∫ busy dt (ns), for utilisation.
    pub busy_ns: Nanos,
}

impl DiskIo {
    pub fn new(bytes_per_s: f64) -> DiskIo {
        DiskIo {
            bytes_per_s: bytes_per_s.max(1.0),
            ..DiskIo::default()
        }
    }

    fn took(&self, bytes: f64) -> Nanos {
        ((bytes.max(0.0) / self.bytes_per_s) * NS_PER_SEC as f64).min(1e15) as Nanos
    }

    /// Queues `other` bytes of someone else's I/O, then `bytes` of ours; returns when
    /// ours is on disk.
    pub fn write(&mut self, now: Nanos, other: f64, bytes: f64) -> Nanos {
        let start = self.free_at.max(now);
        let took = self.took(other) + self.took(bytes);
        self.free_at = start.saturating_add(took);
        self.busy_ns = self.busy_ns.saturating_add(took);
        self.free_at
    }

    /// Seconds of work queued at `now` (how long a new write would wait).
    pub fn backlog_s(&self, now: Nanos) -> f64 {
        self.free_at.saturating_sub(now) as f64 / NS_PER_SEC as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_wait_for_the_bytes_queued_ahead() {
        let mut d = DiskIo::new(1_000_000.0);
        assert_eq!(d.write(0, 0.0, 4000.0), 4_000_000);
        // Arrives while the first is in progress, behind 1 MB of backup I/O.
        assert_eq!(d.write(1_000_000, 1_000_000.0, 4000.0), 1_008_000_000);
        assert!((d.backlog_s(8_000_000) - 1.0).abs() < 1e-9);
        assert_eq!(d.backlog_s(2_000_000_000), 0.0);
        assert_eq!(d.write(2_000_000_000, 0.0, 1000.0), 2_001_000_000);
    }
}
