//! The golden signals of a run (throughput, errors, latency percentiles, saturation):
//! their names, one sample of them (`Golden`) and their sampled history (`Series`).
//! `sim` samples them; queries, alerts and checks read them through `query::RunView`.

use crate::metrics::Ring;
use crate::time::{Nanos, NS_PER_SEC};
use serde::Serialize;

/// Names of the golden-signal series, in display order.
pub const GOLDEN_SERIES: [&str; 8] = [
    "throughput_rps",
    "error_rate",
    "latency_p50_s",
    "latency_p95_s",
    "latency_p99_s",
    "queue_depth",
    "utilization",
    "in_flight",
];

/// The golden signals at one sample: rates and percentiles over the last
/// `GOLDEN_WINDOW_NS` (like `rate(...[5s])` on a dashboard), saturation right now.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Golden {
    pub t_ns: Nanos,
    /// Successful responses per second.
    pub throughput_rps: f64,
    /// Failed share of responses (0..1).
    pub error_rate: f64,
    pub latency_p50_s: f64,
    pub latency_p95_s: f64,
    pub latency_p99_s: f64,
    /// Requests waiting for a worker.
    pub queue_depth: f64,
    /// Busy fraction of workers over the last sampling interval (0..1).
    pub utilization: f64,
    /// Requests in the system (waiting or in service).
    pub in_flight: f64,
}

impl Golden {
    pub fn get(&self, name: &str) -> Option<f64> {
        Some(match name {
            "throughput_rps" => self.throughput_rps,
            "error_rate" => self.error_rate,
            "latency_p50_s" => self.latency_p50_s,
            "latency_p95_s" => self.latency_p95_s,
            "latency_p99_s" => self.latency_p99_s,
            "queue_depth" => self.queue_depth,
            "utilization" => self.utilization,
            "in_flight" => self.in_flight,
            _ => return None,
        })
    }
}

/// Window of the golden rates and percentiles.
pub const GOLDEN_WINDOW_NS: Nanos = 5 * NS_PER_SEC;

/// A sampled series: `(t_ns, value)` pairs, oldest first, bounded.
pub struct Series {
    ring: Ring<(Nanos, f64)>,
}

impl Series {
    /// An empty series keeping the last `capacity` samples.
    pub(crate) fn new(capacity: usize) -> Series {
        Series {
            ring: Ring::new(capacity),
        }
    }
    pub(crate) fn push(&mut self, sample: (Nanos, f64)) {
        self.ring.push(sample);
    }
    /// The `i`-th sample kept, oldest first.
    pub(crate) fn get(&self, i: usize) -> Option<(Nanos, f64)> {
        self.ring.get(i)
    }
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (Nanos, f64)> + '_ {
        self.ring.iter()
    }
    pub fn len(&self) -> usize {
        self.ring.len()
    }
    pub fn is_empty(&self) -> bool {
        self.ring.is_empty()
    }
    pub fn last(&self) -> Option<(Nanos, f64)> {
        self.ring.last()
    }
    /// The latest sample at or before `t`.
    pub fn at(&self, t: Nanos) -> Option<(Nanos, f64)> {
        crate::metrics::last_at_or_before(self.ring.len(), |i| self.ring.get(i).map(|p| p.0), t)
            .and_then(|i| self.ring.get(i))
    }
}

// On the wire between the page and the engine's worker (`codec`).
crate::codec_struct!(Golden {
    t_ns,
    throughput_rps,
    error_rate,
    latency_p50_s,
    latency_p95_s,
    latency_p99_s,
    queue_depth,
    utilization,
    in_flight
});
