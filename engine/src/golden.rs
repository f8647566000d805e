//! The golden signals of a run (throughput, errors, latency percentiles, saturation) in
//! one form from the sample to the chart: which they are (`Signal`), one sample of them
//! (`Golden`, read by signal) and their sampled history (`GoldenHistory`: a bounded
//! column per signal, read through `times`, `column`, `last`, `window`). `sim` records
//! them; queries, alerts and checks read the columns through `query::RunView`; the host
//! sends samples to the page, whose mirror is a `GoldenHistory` too.

use crate::metrics::Ring;
use crate::time::{Nanos, NS_PER_SEC};
use serde::Serialize;

/// One golden signal. Its `name` is the series name queries read (recording-rule
/// style), in display order (`ALL`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Signal {
    /// Successful responses per second.
    ThroughputRps,
    /// Failed share of responses (0..1).
    ErrorRate,
    LatencyP50S,
    LatencyP95S,
    LatencyP99S,
    /// Requests waiting for a worker.
    QueueDepth,
    /// Busy fraction of workers over the last sampling interval (0..1).
    Utilization,
    /// Requests in the system (waiting or in service).
    InFlight,
}

impl Signal {
    /// How many there are.
    pub const COUNT: usize = 8;

    /// Every golden signal, in display order.
    pub const ALL: [Signal; Signal::COUNT] = [
        Signal::ThroughputRps,
        Signal::ErrorRate,
        Signal::LatencyP50S,
        Signal::LatencyP95S,
        Signal::LatencyP99S,
        Signal::QueueDepth,
        Signal::Utilization,
        Signal::InFlight,
    ];

    /// The latency percentiles, p50 to p99.
    pub const LATENCY: [Signal; 3] = [
        Signal::LatencyP50S,
        Signal::LatencyP95S,
        Signal::LatencyP99S,
    ];

    /// Its series name, as queries, alerts and exports write it.
    pub const fn name(self) -> &'static str {
        match self {
            Signal::ThroughputRps => "throughput_rps",
            Signal::ErrorRate => "error_rate",
            Signal::LatencyP50S => "latency_p50_s",
            Signal::LatencyP95S => "latency_p95_s",
            Signal::LatencyP99S => "latency_p99_s",
            Signal::QueueDepth => "queue_depth",
            Signal::Utilization => "utilization",
            Signal::InFlight => "in_flight",
        }
    }

    /// The signal a name from input (a query, a file) stands for, if any.
    pub fn from_name(name: &str) -> Option<Signal> {
        Signal::ALL.into_iter().find(|s| s.name() == name)
    }

    /// Its place in `ALL` (and in a `GoldenHistory`'s columns).
    pub const fn index(self) -> usize {
        self as usize
    }
}

/// What one golden signal measures in one system (`SystemMeta::golden`): where it is
/// counted and what it includes, in the words the dashboard and `sdl describe` show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct GoldenSeries {
    #[serde(rename = "series", serialize_with = "signal_name")]
    pub signal: Signal,
    pub meaning: &'static str,
}

fn signal_name<S: serde::Serializer>(s: &Signal, out: S) -> Result<S::Ok, S::Error> {
    out.serialize_str(s.name())
}

/// Names of the golden-signal series, in display order (`Signal::ALL`'s names).
pub const GOLDEN_SERIES: [&str; Signal::COUNT] = {
    let mut names = [""; Signal::COUNT];
    let mut i = 0;
    while i < Signal::COUNT {
        names[i] = Signal::ALL[i].name();
        i += 1;
    }
    names
};

/// The golden signals at one sample: rates and percentiles over the last
/// `GOLDEN_WINDOW_NS` (like `rate(...[5s])` on a dashboard), saturation right now.
/// Read a signal with `value` (or `g[signal]`).
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
    /// The sample at `t_ns` with these values, in `Signal::ALL` order.
    pub fn from_values(t_ns: Nanos, values: [f64; Signal::COUNT]) -> Golden {
        let mut g = Golden {
            t_ns,
            ..Golden::default()
        };
        for (s, v) in Signal::ALL.into_iter().zip(values) {
            g[s] = v;
        }
        g
    }

    /// One signal's value (the same as `self[signal]`).
    pub fn value(&self, signal: Signal) -> f64 {
        self[signal]
    }

    /// Every signal's value, in `Signal::ALL` order.
    pub fn values(&self) -> [f64; Signal::COUNT] {
        Signal::ALL.map(|s| self.value(s))
    }

    /// A signal's value by its series name, for a name that comes from input (a query,
    /// a file); `None` for a name that is no golden signal. Code that knows the signal
    /// reads `value`.
    pub fn get(&self, name: &str) -> Option<f64> {
        Signal::from_name(name).map(|s| self.value(s))
    }
}

impl std::ops::Index<Signal> for Golden {
    type Output = f64;
    fn index(&self, signal: Signal) -> &f64 {
        match signal {
            Signal::ThroughputRps => &self.throughput_rps,
            Signal::ErrorRate => &self.error_rate,
            Signal::LatencyP50S => &self.latency_p50_s,
            Signal::LatencyP95S => &self.latency_p95_s,
            Signal::LatencyP99S => &self.latency_p99_s,
            Signal::QueueDepth => &self.queue_depth,
            Signal::Utilization => &self.utilization,
            Signal::InFlight => &self.in_flight,
        }
    }
}

impl std::ops::IndexMut<Signal> for Golden {
    fn index_mut(&mut self, signal: Signal) -> &mut f64 {
        match signal {
            Signal::ThroughputRps => &mut self.throughput_rps,
            Signal::ErrorRate => &mut self.error_rate,
            Signal::LatencyP50S => &mut self.latency_p50_s,
            Signal::LatencyP95S => &mut self.latency_p95_s,
            Signal::LatencyP99S => &mut self.latency_p99_s,
            Signal::QueueDepth => &mut self.queue_depth,
            Signal::Utilization => &mut self.utilization,
            Signal::InFlight => &mut self.in_flight,
        }
    }
}

/// Window of the golden rates and percentiles.
pub const GOLDEN_WINDOW_NS: Nanos = 5 * NS_PER_SEC;

/// A sampled series: `(t_ns, value)` pairs, oldest first, bounded.
#[derive(Debug, Clone)]
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

/// The golden signals' sampled history: one bounded column per signal (`Signal::ALL`
/// order), each sample's time with its value, all columns the same length. Recorded by
/// `sim` a `Golden` at a time, read by signal: `times`, `column`, `last`, `window`.
#[derive(Debug, Clone)]
pub struct GoldenHistory {
    columns: [Series; Signal::COUNT],
    capacity: usize,
}

impl GoldenHistory {
    /// An empty history keeping the last `capacity` samples.
    pub fn new(capacity: usize) -> GoldenHistory {
        GoldenHistory {
            columns: std::array::from_fn(|_| Series::new(capacity)),
            capacity,
        }
    }

    /// Records a sample (the oldest goes when full).
    pub fn push(&mut self, g: &Golden) {
        for (column, s) in self.columns.iter_mut().zip(Signal::ALL) {
            column.push((g.t_ns, g[s]));
        }
    }

    /// Forgets every sample.
    pub fn clear(&mut self) {
        *self = GoldenHistory::new(self.capacity);
    }

    /// Samples held.
    pub fn len(&self) -> usize {
        self.columns[0].len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// One signal's column: `(t_ns, value)`, oldest first.
    pub fn column(&self, signal: Signal) -> &Series {
        &self.columns[signal.index()]
    }

    /// Every column, in `Signal::ALL` order (what `query::RunView` reads).
    pub fn columns(&self) -> &[Series] {
        &self.columns
    }

    /// The sample times, oldest first.
    pub fn times(&self) -> impl DoubleEndedIterator<Item = Nanos> + '_ {
        self.columns[0].iter().map(|p| p.0)
    }

    /// The `i`-th sample held, oldest first.
    pub fn row(&self, i: usize) -> Option<Golden> {
        let t_ns = self.columns[0].get(i)?.0;
        let mut g = Golden {
            t_ns,
            ..Golden::default()
        };
        for (column, s) in self.columns.iter().zip(Signal::ALL) {
            g[s] = column.get(i).map_or(0.0, |p| p.1);
        }
        Some(g)
    }

    /// The latest sample.
    pub fn last(&self) -> Option<Golden> {
        self.len().checked_sub(1).and_then(|i| self.row(i))
    }

    /// Index of the first sample at or after `t` (`len()` when none is).
    pub fn first_at_or_after(&self, t: Nanos) -> usize {
        let (mut lo, mut hi) = (0, self.len());
        while lo < hi {
            let mid = (lo + hi) / 2;
            if self.columns[0].get(mid).is_some_and(|p| p.0 < t) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    }

    /// The samples from `from_ns` to `to_ns` (both included), oldest first.
    pub fn window(&self, from_ns: Nanos, to_ns: Nanos) -> impl Iterator<Item = Golden> + '_ {
        (self.first_at_or_after(from_ns)..self.len())
            .map_while(move |i| self.row(i).filter(|g| g.t_ns <= to_ns))
    }

    /// The samples after `t` (all of them for `None`), oldest first.
    pub fn after(&self, t: Option<Nanos>) -> impl Iterator<Item = Golden> + '_ {
        let start = t.map_or(0, |t| self.first_at_or_after(t.saturating_add(1)));
        (start..self.len()).filter_map(|i| self.row(i))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signal_is_found_by_its_name_and_the_names_are_the_series() {
        for (s, name) in Signal::ALL.into_iter().zip(GOLDEN_SERIES) {
            assert_eq!(s.name(), name);
            assert_eq!(Signal::from_name(name), Some(s));
            assert_eq!(Signal::ALL[s.index()], s);
        }
        assert_eq!(Signal::from_name("throughput"), None);
    }

    #[test]
    fn a_sample_is_read_and_written_by_signal() {
        let values = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0];
        let mut g = Golden::from_values(9, values);
        assert_eq!((g.t_ns, g.values()), (9, values));
        assert_eq!(g[Signal::LatencyP99S], g.latency_p99_s);
        g[Signal::InFlight] = 0.5;
        assert_eq!(g.in_flight, 0.5);
        assert_eq!(g.get("in_flight"), Some(0.5));
        assert_eq!(g.get("nope"), None);
    }

    #[test]
    fn the_history_keeps_a_bounded_column_per_signal() {
        let mut h = GoldenHistory::new(3);
        assert!(h.is_empty() && h.last().is_none());
        let sample = |t: u64| Golden::from_values(t, [t as f64; Signal::COUNT]);
        for t in 1..=5 {
            h.push(&sample(t));
        }
        assert_eq!(h.len(), 3);
        assert_eq!(h.times().collect::<Vec<_>>(), [3, 4, 5]);
        assert_eq!(h.last(), Some(sample(5)));
        assert_eq!(
            h.column(Signal::ErrorRate).iter().collect::<Vec<_>>(),
            [(3, 3.0), (4, 4.0), (5, 5.0)]
        );
        assert_eq!(h.columns().len(), Signal::COUNT);
        let t = |it: &mut dyn Iterator<Item = Golden>| it.map(|g| g.t_ns).collect::<Vec<_>>();
        assert_eq!(t(&mut h.window(4, 4)), [4]);
        assert_eq!(t(&mut h.window(0, 9)), [3, 4, 5]);
        assert_eq!(t(&mut h.after(Some(3))), [4, 5]);
        assert_eq!(t(&mut h.after(Some(1))), [3, 4, 5]);
        assert_eq!(t(&mut h.after(None)), [3, 4, 5]);
        assert_eq!(h.first_at_or_after(6), 3);
        h.clear();
        assert!(h.is_empty());
        h.push(&sample(7));
        assert_eq!(h.len(), 1);
    }
}
