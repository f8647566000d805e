//! The database server's disk as an I/O device: it moves `bytes_per_s` and serves
//! requests in order (one FIFO queue). A write of the write-ahead log must reach the disk
//! before the transaction commits, so it waits for every byte queued ahead of it — its own
//! and other I/O (backups, compaction, a noisy neighbour) — and then takes
//! `bytes / bytes_per_s`. Space (capacity, cleanup) is tracked by the web model.

use crate::time::{Nanos, NS_PER_SEC};

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
