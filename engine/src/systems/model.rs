//! What every system is made of and shares: its catalogue entry (`SystemMeta`), the
//! `Model` trait the run drives, and `Core` (clock, RNG streams, metrics, logs and
//! traces, scenarios, mitigations, run statistics, the latency histogram). A leaf of
//! `systems`: the systems import it, it imports none of them.

use crate::error::LabError;
use crate::metrics::{MetricSpec, Registry, LATENCY_BUCKETS};
use crate::observe::{LogBuffer, TraceBuffer};
use crate::params::{ParamSet, ParamSpec};
use crate::rng::Xoshiro256PlusPlus as Rng;
use crate::scenario::{module_doc, Component, Scenarios};
use crate::time::Nanos;

/// The catalogue entry of a system.
pub struct SystemMeta {
    pub id: &'static str,
    pub title: &'static str,
    pub category: &'static str,
    pub summary: &'static str,
    pub source: crate::scenario::DocSource,
    pub params: &'static [ParamSpec],
    pub metrics: &'static [MetricSpec],
    /// The parts scenarios can strike.
    pub components: &'static [Component],
    pub build: fn(&ParamSet, &mut Core) -> Box<dyn Model>,
    /// Its diagram: components, request paths, how their readings are taken.
    pub diagram: &'static crate::diagram::Diagram,
    /// The only scenarios and mitigations it runs, where its parts do not take the
    /// catalogue's generic strikes (`None`: any whose parts it has).
    pub only_switches: Option<&'static [&'static str]>,
    /// Its golden series, one per `Signal` in `Signal::ALL` order: what each measures
    /// here (the same names in every system; a test checks the order).
    pub golden: &'static [crate::golden::GoldenSeries; crate::golden::Signal::COUNT],
}

impl SystemMeta {
    pub fn doc(&self) -> String {
        module_doc(self.source.text)
    }
}

/// A simulated topology. The run calls `step` for each event in (time, seq) order.
pub trait Model {
    /// Time of the next pending event.
    fn peek_time(&self) -> Option<Nanos>;
    /// Handles the next event if it is due at or before `last` (`core.now` is advanced
    /// to its time); false when none is.
    fn step_through(&mut self, core: &mut Core, last: Nanos) -> bool;
    /// Handles up to `budget` events due at or before `last`, in order; returns how
    /// many. The run calls this, not `step_through`: one dynamic call per stretch
    /// between samples, and each model's own loop (this body, compiled per model,
    /// inlines its `step_through`).
    #[inline]
    fn step_many(&mut self, core: &mut Core, last: Nanos, budget: u64) -> u64 {
        let mut n = 0;
        while n < budget && self.step_through(core, last) {
            n += 1;
        }
        n
    }
    /// Keeps gauges current just before a metrics sample.
    fn on_sample(&mut self, core: &mut Core);
    /// Total workers (capacity for utilisation).
    fn workers_total(&self) -> u64;
    /// Requests currently waiting for a worker.
    fn queue_depth(&self) -> u64;
    /// Whether the system has the component (a scenario striking elsewhere is refused).
    fn has(&self, component: Component) -> bool;
    /// Re-reads `core.mitigations` after one was switched or changed during the run.
    fn reconfigure(&mut self, _core: &mut Core) {}
    /// The model itself, for a system's own tests that check its internal state, and
    /// for the views a system draws of its own state (read through its own accessors).
    fn as_any(&self) -> Option<&dyn std::any::Any> {
        None
    }
    /// Carries out an operator's command now (`core.now`); a system that takes none
    /// refuses, saying so.
    fn operate(&mut self, _core: &mut Core, op: &Operation) -> Result<(), LabError> {
        Err(op.refused("this system takes no operator commands".to_string()))
    }
}

/// An operator's command on a running system, not a client's request: applied at the
/// run's current virtual time, like a switch toggled, so a run given the same
/// operations at the same times gives the same numbers.
#[derive(Debug, Clone, PartialEq)]
pub enum Operation {
    /// Rebuild a projection's read model from position 0 of the event log, by name
    /// (`None`: every projection).
    RebuildProjections { projection: Option<String> },
}

impl Operation {
    /// Its name, as messages and the CLI write it.
    pub fn name(&self) -> &'static str {
        match self {
            Operation::RebuildProjections { .. } => "rebuild-projections",
        }
    }

    /// The operation refused, and why (`detail` names what is allowed).
    pub fn refused(&self, detail: String) -> LabError {
        LabError::NotApplicable {
            key: self.name().to_string(),
            detail,
        }
    }
}

// On the wire between the page and the engine's worker (`codec`).
crate::codec_enum!(Operation {
    RebuildProjections { projection }
});

/// Busy fraction of the workers between two readings (call `Core::settle` first).
#[derive(Debug, Clone, Copy, Default)]
pub struct UtilizationMeter {
    last_integral: u128,
    last_t: Nanos,
}

impl UtilizationMeter {
    /// Utilisation of `workers` since the previous reading; `None` when no time passed.
    pub fn read(&mut self, core: &Core, workers: u64) -> Option<f64> {
        let integral = core.stats.busy.all;
        let dt = core.now.saturating_sub(self.last_t);
        let util = (dt > 0)
            .then(|| (integral - self.last_integral) as f64 / (dt as f64 * workers.max(1) as f64));
        self.last_integral = integral;
        self.last_t = core.now;
        util
    }
}

/// How many request latencies are kept exactly (32 MB); past it, percentiles come from
/// `LatencyHistogram`, which holds every latency of the run within 0.1%.
pub const LATENCY_SAMPLE_CAP: usize = 4_000_000;

/// Every latency of a run in a log-linear histogram (HdrHistogram's layout): values below
/// 1024 ns exactly, above that 512 buckets per power of two, so a bucket is at most 0.2%
/// wide and its midpoint within 0.1% of any value in it. Deterministic, O(1) per value and
/// small (about 140 KB for latencies up to an hour), unlike a sample of the values.
#[derive(Debug, Clone, Default)]
pub struct LatencyHistogram {
    counts: Vec<u64>,
    total: u64,
    max: u64,
}

const SUB_BITS: u32 = 9;

impl LatencyHistogram {
    #[inline(always)]
    fn index(v: u64) -> usize {
        if v < (1 << (SUB_BITS + 1)) {
            v as usize
        } else {
            let shift = (63 - v.leading_zeros()) - SUB_BITS;
            ((shift as usize) << SUB_BITS) + (v >> shift) as usize
        }
    }

    /// The smallest value in bucket `i` and the bucket's width.
    fn bucket(i: usize) -> (u64, u64) {
        if i < (1 << (SUB_BITS + 1)) {
            (i as u64, 1)
        } else {
            let shift = (i >> SUB_BITS) as u32 - 1;
            let mantissa = (i & ((1 << SUB_BITS) - 1)) as u64 + (1 << SUB_BITS);
            (mantissa << shift, 1 << shift)
        }
    }

    #[inline(always)]
    pub fn record(&mut self, v: u64) {
        let i = Self::index(v);
        if i >= self.counts.len() {
            self.counts.resize(i + 1, 0);
        }
        self.counts[i] += 1;
        self.total += 1;
        self.max = self.max.max(v);
    }

    pub fn total(&self) -> u64 {
        self.total
    }

    pub fn max(&self) -> u64 {
        self.max
    }

    /// Nearest-rank quantile (the smallest value with at least `q` of all values at or
    /// below it), as its bucket's midpoint; 0 when empty.
    pub fn quantile(&self, q: f64) -> u64 {
        if self.total == 0 {
            return 0;
        }
        let rank = ((q * self.total as f64).ceil() as u64).clamp(1, self.total);
        let mut seen = 0;
        for (i, &c) in self.counts.iter().enumerate() {
            seen += c;
            if seen >= rank {
                let (lo, width) = Self::bucket(i);
                return (lo + (width - 1) / 2).min(self.max);
            }
        }
        self.max
    }
}

/// A time-weighted integral of an integer level (requests in system, busy workers).
#[derive(Debug, Clone, Default)]
pub struct Integrator {
    level: u64,
    last_t: Nanos,
    /// ∫ level dt over the whole run, in level·ns.
    pub all: u128,
    /// `all` at the end of the warm-up, once the run is past it.
    at_warmup: Option<u128>,
}

impl Integrator {
    /// Adds `level · (t − last_t)`. On every event's path, so one multiply: the part
    /// after the warm-up is `all` less its value at the warm-up's end, kept when the run
    /// crosses it (exact, integers).
    #[inline(always)]
    fn advance(&mut self, t: Nanos, warmup: Nanos) {
        if t > self.last_t {
            if self.last_t <= warmup && t > warmup {
                self.all += self.level as u128 * (warmup - self.last_t) as u128;
                self.at_warmup = Some(self.all);
                self.last_t = warmup;
            }
            self.all += self.level as u128 * (t - self.last_t) as u128;
            self.last_t = t;
        }
    }
    pub fn level(&self) -> u64 {
        self.level
    }
    /// ∫ level dt after the warm-up, up to the last `advance`.
    pub fn measured(&self) -> u128 {
        self.at_warmup.map_or(0, |at| self.all - at)
    }
}

/// Statistics of a run that are exact rather than sampled (the CLI summary).
pub struct RunStats {
    pub warmup_ns: Nanos,
    pub arrivals: u64,
    pub completed: u64,
    pub errors: u64,
    pub latency_sum_ns: u128,
    pub wait_sum_ns: u128,
    /// The first `LATENCY_SAMPLE_CAP` measured latencies, exactly.
    pub latencies: Vec<u64>,
    /// Every measured latency.
    pub latency_histogram: LatencyHistogram,
    pub in_system: Integrator,
    pub busy: Integrator,
    // Whole-run accumulators behind the golden signals.
    pub all_ok: u64,
    pub all_errors: u64,
    /// Non-cumulative counts over `LATENCY_BUCKETS` (+Inf last) of every response.
    pub all_latency_buckets: Vec<u64>,
}

impl RunStats {
    fn new(warmup_ns: Nanos) -> Self {
        RunStats {
            warmup_ns,
            arrivals: 0,
            completed: 0,
            errors: 0,
            latency_sum_ns: 0,
            wait_sum_ns: 0,
            latencies: Vec::new(),
            latency_histogram: LatencyHistogram::default(),
            in_system: Integrator::default(),
            busy: Integrator::default(),
            all_ok: 0,
            all_errors: 0,
            all_latency_buckets: vec![0; LATENCY_BUCKETS.len() + 1],
        }
    }
}

/// What every model shares: the clock, observability, scenarios and run statistics.
pub struct Core {
    pub now: Nanos,
    pub seed: u64,
    pub metrics: Registry,
    pub logs: LogBuffer,
    pub traces: TraceBuffer,
    pub scenarios: Scenarios,
    pub mitigations: crate::mitigation::Mitigations,
    pub stats: RunStats,
    next_request: u64,
}

/// Latency above which a response is logged as slow.
pub const SLOW_REQUEST_NS: Nanos = 1_000_000_000;

impl Core {
    pub fn new(seed: u64, warmup_ns: Nanos, history_len: usize) -> Self {
        Core {
            now: 0,
            seed,
            metrics: Registry::new(history_len),
            logs: LogBuffer::new(2_000, 50),
            traces: TraceBuffer::new(300, 200, 20),
            scenarios: Scenarios::default(),
            mitigations: Default::default(),
            stats: RunStats::new(warmup_ns),
            next_request: 0,
        }
    }

    /// A random stream for one purpose of the model (`stream` < 1000; scenarios use 1000+).
    pub fn rng(&self, stream: u64) -> Rng {
        Rng::stream(self.seed, stream)
    }

    /// A request arrives: returns its sequence number (also its trace id).
    #[inline(always)]
    pub fn arrive(&mut self) -> u64 {
        let w = self.stats.warmup_ns;
        self.stats.in_system.advance(self.now, w);
        self.stats.in_system.level += 1;
        if self.now >= w {
            self.stats.arrivals += 1;
        }
        self.next_request += 1;
        self.next_request
    }

    /// A worker becomes busy (+1) or free (-1).
    #[inline(always)]
    pub fn worker_busy(&mut self, delta: i64) {
        let w = self.stats.warmup_ns;
        self.stats.busy.advance(self.now, w);
        self.stats.busy.level = self.stats.busy.level.saturating_add_signed(delta);
    }

    /// A request that arrived at `arrival` leaves now, after waiting `wait` for a worker;
    /// `ok` = answered successfully. Returns the latency's index in `LATENCY_BUCKETS`
    /// for `Registry::observe_latency`.
    #[inline(always)]
    pub fn depart(&mut self, arrival: Nanos, wait: Nanos, ok: bool) -> usize {
        let w = self.stats.warmup_ns;
        let st = &mut self.stats;
        st.in_system.advance(self.now, w);
        st.in_system.level = st.in_system.level.saturating_sub(1);
        let latency = self.now - arrival;
        let secs = latency as f64 * 1e-9;
        let b = crate::metrics::latency_bucket(secs);
        st.all_latency_buckets[b] += 1;
        if ok {
            st.all_ok += 1;
        } else {
            st.all_errors += 1;
        }
        if arrival < w {
            return b;
        }
        if !ok {
            st.errors += 1;
            return b;
        }
        st.completed += 1;
        st.latency_sum_ns += latency as u128;
        st.wait_sum_ns += wait as u128;
        st.latency_histogram.record(latency);
        if st.latencies.len() < LATENCY_SAMPLE_CAP {
            st.latencies.push(latency);
        }
        b
    }

    /// Brings the integrals up to `now` (before reading them).
    pub fn settle(&mut self) {
        let w = self.stats.warmup_ns;
        self.stats.in_system.advance(self.now, w);
        self.stats.busy.advance(self.now, w);
    }
}

#[cfg(test)]
mod tests {
    use super::LatencyHistogram;

    #[test]
    fn latency_histogram_buckets_tile_the_values_and_stay_within_a_tenth_of_a_percent() {
        let mut prev_end = 0;
        for i in 0..20_000 {
            let (lo, width) = LatencyHistogram::bucket(i);
            assert_eq!(
                lo,
                prev_end,
                "bucket {i} starts where {} ends",
                i.max(1) - 1
            );
            assert_eq!(LatencyHistogram::index(lo), i);
            assert_eq!(LatencyHistogram::index(lo + width - 1), i);
            let mid = lo + (width - 1) / 2;
            assert!((width - 1) as f64 / 2.0 <= 0.001 * mid.max(1) as f64 + 0.5);
            prev_end = lo + width;
        }
        for v in [0u64, 1, 1023, 1024, 1025, 2047, 2048, 1 << 40, u64::MAX] {
            let (lo, width) = LatencyHistogram::bucket(LatencyHistogram::index(v));
            assert!(lo <= v && v - lo < width, "{v}");
        }
    }

    #[test]
    fn latency_histogram_quantiles_match_nearest_rank_within_the_bucket_width() {
        let mut h = LatencyHistogram::default();
        let mut exact: Vec<u64> = (0..100_000u64).map(|i| 5_000 + i * i % 9_999_991).collect();
        for &v in &exact {
            h.record(v);
        }
        exact.sort_unstable();
        for q in [0.0, 0.01, 0.5, 0.9, 0.99, 0.999, 1.0] {
            let rank = ((q * exact.len() as f64).ceil() as usize).clamp(1, exact.len());
            let want = exact[rank - 1] as f64;
            let got = h.quantile(q) as f64;
            assert!((got - want).abs() <= want * 0.002, "q {q}: {got} vs {want}");
        }
        assert_eq!(h.max(), *exact.last().unwrap());
        assert_eq!(h.total(), 100_000);
        assert_eq!(LatencyHistogram::default().quantile(0.5), 0);
    }
}
