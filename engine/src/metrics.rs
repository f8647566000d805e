//! Metrics with Prometheus semantics: counters, gauges and histograms (explicit buckets)
//! with labels, sampled at a fixed virtual interval into bounded ring buffers, with
//! `increase`/`rate` and `histogram_quantile` computed the way Prometheus does, and the
//! text exposition format.
//!
//! Hot paths hold small typed handles (`CounterId`, …) resolved once at registration, so
//! recording a value is an array write, never a lookup by name.

use crate::time::{ns_to_secs, Nanos};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Prometheus metric types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MetricKind {
    Counter,
    Gauge,
    Histogram,
}

impl MetricKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MetricKind::Counter => "counter",
            MetricKind::Gauge => "gauge",
            MetricKind::Histogram => "histogram",
        }
    }
}

/// A declared metric: what a system, scenario or mitigation promises to emit.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MetricSpec {
    pub name: &'static str,
    #[serde(rename = "type")]
    pub kind: MetricKind,
    pub help: &'static str,
    pub labels: &'static [&'static str],
    /// Upper bounds of histogram buckets (ascending; `+Inf` is implicit). Empty otherwise.
    pub buckets: &'static [f64],
}

impl MetricSpec {
    pub const fn counter(
        name: &'static str,
        help: &'static str,
        labels: &'static [&'static str],
    ) -> Self {
        MetricSpec {
            name,
            kind: MetricKind::Counter,
            help,
            labels,
            buckets: &[],
        }
    }
    pub const fn gauge(
        name: &'static str,
        help: &'static str,
        labels: &'static [&'static str],
    ) -> Self {
        MetricSpec {
            name,
            kind: MetricKind::Gauge,
            help,
            labels,
            buckets: &[],
        }
    }
    pub const fn histogram(
        name: &'static str,
        help: &'static str,
        labels: &'static [&'static str],
        buckets: &'static [f64],
    ) -> Self {
        MetricSpec {
            name,
            kind: MetricKind::Histogram,
            help,
            labels,
            buckets,
        }
    }
}

/// Latency buckets in seconds, fine enough for p50/p95/p99 from 0.5 ms to 10 s.
pub const LATENCY_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15,
    0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0, 30.0,
];

/// Binary exponents whose octave `[2^e, 2^(e+1))` may hold a latency bound: below it
/// every value is under the first bound, above it over the last.
const BUCKET_MIN_EXP: i64 = -11;
const BUCKET_MAX_EXP: i64 = 4;

/// For each octave from `2^BUCKET_MIN_EXP`, how many bounds lie below its start.
const BUCKET_START: [u8; (BUCKET_MAX_EXP - BUCKET_MIN_EXP + 1) as usize] = {
    let mut table = [0u8; (BUCKET_MAX_EXP - BUCKET_MIN_EXP + 1) as usize];
    let mut k = 0;
    while k < table.len() {
        let start = f64::from_bits(((k as i64 + BUCKET_MIN_EXP + 1023) as u64) << 52);
        let mut n = 0;
        while n < LATENCY_BUCKETS.len() && LATENCY_BUCKETS[n] < start {
            n += 1;
        }
        table[k] = n as u8;
        k += 1;
    }
    table
};

/// `LATENCY_BUCKETS` followed by two infinities, so the two bounds after any octave's
/// start can be read without a length check.
const PADDED_BOUNDS: [f64; LATENCY_BUCKETS.len() + 2] = {
    let mut t = [f64::INFINITY; LATENCY_BUCKETS.len() + 2];
    let mut i = 0;
    while i < LATENCY_BUCKETS.len() {
        t[i] = LATENCY_BUCKETS[i];
        i += 1;
    }
    t
};

/// Index of `v` seconds in `LATENCY_BUCKETS` (`LATENCY_BUCKETS.len()` = the `+Inf` bucket):
/// the number of bounds below `v`, as `partition_point` would give, in O(1) — the
/// float's exponent picks its octave, and an octave holds at most two bounds, so two
/// comparisons added as integers finish it. No loop: its exit was a mispredicted branch
/// on every response (the largest single cost of an M/M/1 run).
#[inline(always)]
pub fn latency_bucket(v: f64) -> usize {
    // Not positive, or NaN: below every bound.
    if v.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater) {
        return 0;
    }
    let e = ((v.to_bits() >> 52) & 0x7ff) as i64 - 1023;
    if e < BUCKET_MIN_EXP {
        return 0;
    }
    if e > BUCKET_MAX_EXP {
        return LATENCY_BUCKETS.len();
    }
    let i = BUCKET_START[(e - BUCKET_MIN_EXP) as usize] as usize;
    i + (PADDED_BOUNDS[i] < v) as usize + (PADDED_BOUNDS[i + 1] < v) as usize
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CounterId(u32);
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GaugeId(u32);
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HistogramId(u32);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    Counter(u32),
    Gauge(u32),
    Histogram(u32),
}

struct Family {
    spec: MetricSpec,
    series: Vec<usize>,
}

struct SeriesInfo {
    family: usize,
    labels: Vec<String>,
    slot: Slot,
    history: History,
}

#[derive(Debug, Clone)]
struct HistData {
    bounds: &'static [f64],
    /// Uses `LATENCY_BUCKETS`: a bucket index computed once can be reused.
    latency_buckets: bool,
    /// Per-bucket (non-cumulative) counts; the last is the `+Inf` overflow bucket.
    counts: Vec<u64>,
    sum: f64,
    count: u64,
}

/// A fixed-capacity ring of samples, oldest overwritten first.
#[derive(Debug, Clone)]
pub struct Ring<T> {
    buf: Vec<T>,
    start: usize,
    cap: usize,
}

impl<T: Copy> Ring<T> {
    pub fn new(cap: usize) -> Self {
        Ring {
            buf: Vec::new(),
            start: 0,
            cap: cap.max(1),
        }
    }
    pub fn push(&mut self, v: T) {
        if self.buf.len() < self.cap {
            self.buf.push(v);
        } else {
            self.buf[self.start] = v;
            self.start = (self.start + 1) % self.cap;
        }
    }
    pub fn len(&self) -> usize {
        self.buf.len()
    }
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }
    /// The i-th oldest sample.
    pub fn get(&self, i: usize) -> Option<T> {
        (i < self.buf.len()).then(|| self.buf[(self.start + i) % self.buf.len().max(1)])
    }
    pub fn last(&self) -> Option<T> {
        self.len().checked_sub(1).and_then(|i| self.get(i))
    }
    /// Oldest first.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = T> + '_ {
        let (a, b) = self.buf.split_at(self.start.min(self.buf.len()));
        b.iter().chain(a.iter()).copied()
    }
}

/// A family's spec and, per series, its index and label values.
pub type FamilySeries<'a> = (&'a MetricSpec, Vec<(usize, &'a [String])>);

/// Sampled history of one series.
enum History {
    Scalar(Ring<(Nanos, f64)>),
    /// Cumulative bucket counts per sample, flattened: sample i holds
    /// `buckets[i*n..(i+1)*n]`; `n` = bounds + 1.
    Histogram {
        points: Ring<(Nanos, u64, f64)>,
        buckets: Ring<u64>,
        n: usize,
    },
}

impl History {
    fn len(&self) -> usize {
        match self {
            History::Scalar(r) => r.len(),
            History::Histogram { points, .. } => points.len(),
        }
    }

    /// Sample `i` (oldest = 0) as `(t, value)`; a histogram's `_count`.
    fn scalar(&self, i: usize) -> Option<(Nanos, f64)> {
        match self {
            History::Scalar(r) => r.get(i),
            History::Histogram { points, .. } => points.get(i).map(|(t, c, _)| (t, c as f64)),
        }
    }
}

/// One of the series PromQL reads from a registered series: a counter's or gauge's
/// value; a histogram's `_count`, `_sum` or cumulative `_bucket` (index into its bounds,
/// the last being `+Inf`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Value,
    Count,
    Sum,
    Bucket(usize),
}

/// All metrics of a run.
pub struct Registry {
    families: Vec<Family>,
    by_name: BTreeMap<&'static str, usize>,
    series: Vec<SeriesInfo>,
    counters: Vec<f64>,
    gauges: Vec<f64>,
    hists: Vec<HistData>,
    history_len: usize,
}

/// One series as seen from outside: name, labels, type.
#[derive(Debug, Clone, Copy)]
pub struct SeriesKey<'a> {
    pub index: usize,
    pub name: &'static str,
    pub kind: MetricKind,
    pub label_names: &'static [&'static str],
    pub label_values: &'a [String],
}

impl Registry {
    /// A registry keeping `history_len` samples per series.
    pub fn new(history_len: usize) -> Self {
        Registry {
            families: Vec::new(),
            by_name: BTreeMap::new(),
            series: Vec::new(),
            counters: Vec::new(),
            gauges: Vec::new(),
            hists: Vec::new(),
            history_len,
        }
    }

    fn family(&mut self, spec: &MetricSpec) -> usize {
        if let Some(&i) = self.by_name.get(spec.name) {
            return i;
        }
        self.families.push(Family {
            spec: *spec,
            series: Vec::new(),
        });
        let i = self.families.len() - 1;
        self.by_name.insert(spec.name, i);
        i
    }

    fn series_for(&mut self, spec: &MetricSpec, labels: &[&str]) -> Slot {
        let fam = self.family(spec);
        if let Some(&s) = self.families[fam].series.iter().find(|&&s| {
            let l = &self.series[s].labels;
            l.len() == labels.len() && l.iter().zip(labels).all(|(a, b)| a == b)
        }) {
            return self.series[s].slot;
        }
        let spec = self.families[fam].spec;
        let (slot, history) = match spec.kind {
            MetricKind::Counter => {
                self.counters.push(0.0);
                (
                    Slot::Counter(self.counters.len() as u32 - 1),
                    History::Scalar(Ring::new(self.history_len)),
                )
            }
            MetricKind::Gauge => {
                self.gauges.push(0.0);
                (
                    Slot::Gauge(self.gauges.len() as u32 - 1),
                    History::Scalar(Ring::new(self.history_len)),
                )
            }
            MetricKind::Histogram => {
                let n = spec.buckets.len() + 1;
                self.hists.push(HistData {
                    bounds: spec.buckets,
                    latency_buckets: spec.buckets == LATENCY_BUCKETS,
                    counts: vec![0; n],
                    sum: 0.0,
                    count: 0,
                });
                (
                    Slot::Histogram(self.hists.len() as u32 - 1),
                    History::Histogram {
                        points: Ring::new(self.history_len),
                        buckets: Ring::new(self.history_len * n),
                        n,
                    },
                )
            }
        };
        self.series.push(SeriesInfo {
            family: fam,
            labels: labels.iter().map(|s| s.to_string()).collect(),
            slot,
            history,
        });
        let idx = self.series.len() - 1;
        self.families[fam].series.push(idx);
        slot
    }

    /// Registers (or finds) the counter series `spec{labels}`.
    pub fn counter(&mut self, spec: &MetricSpec, labels: &[&str]) -> CounterId {
        match self.series_for(spec, labels) {
            Slot::Counter(i) => CounterId(i),
            _ => CounterId(self.mismatch(spec, MetricKind::Counter) as u32),
        }
    }

    pub fn gauge(&mut self, spec: &MetricSpec, labels: &[&str]) -> GaugeId {
        match self.series_for(spec, labels) {
            Slot::Gauge(i) => GaugeId(i),
            _ => GaugeId(self.mismatch(spec, MetricKind::Gauge) as u32),
        }
    }

    pub fn histogram(&mut self, spec: &MetricSpec, labels: &[&str]) -> HistogramId {
        match self.series_for(spec, labels) {
            Slot::Histogram(i) => HistogramId(i),
            _ => HistogramId(self.mismatch(spec, MetricKind::Histogram) as u32),
        }
    }

    /// Two declarations of one name with different types are a programming error that
    /// the catalogue test catches; at run time the value goes to a detached slot rather
    /// than panicking.
    fn mismatch(&mut self, spec: &MetricSpec, kind: MetricKind) -> usize {
        debug_assert!(false, "metric {} declared with two types", spec.name);
        match kind {
            MetricKind::Counter => {
                self.counters.push(0.0);
                self.counters.len() - 1
            }
            MetricKind::Gauge => {
                self.gauges.push(0.0);
                self.gauges.len() - 1
            }
            MetricKind::Histogram => {
                self.hists.push(HistData {
                    bounds: spec.buckets,
                    latency_buckets: false,
                    counts: vec![0; spec.buckets.len() + 1],
                    sum: 0.0,
                    count: 0,
                });
                self.hists.len() - 1
            }
        }
    }

    #[inline]
    pub fn inc(&mut self, id: CounterId) {
        self.counters[id.0 as usize] += 1.0;
    }
    #[inline]
    pub fn add(&mut self, id: CounterId, v: f64) {
        if v > 0.0 {
            self.counters[id.0 as usize] += v;
        }
    }
    #[inline]
    pub fn counter_value(&self, id: CounterId) -> f64 {
        self.counters[id.0 as usize]
    }
    #[inline]
    pub fn set(&mut self, id: GaugeId, v: f64) {
        self.gauges[id.0 as usize] = v;
    }
    #[inline]
    pub fn gauge_value(&self, id: GaugeId) -> f64 {
        self.gauges[id.0 as usize]
    }
    #[inline]
    pub fn observe(&mut self, id: HistogramId, v: f64) {
        let h = &mut self.hists[id.0 as usize];
        let b = if h.latency_buckets {
            latency_bucket(v)
        } else {
            h.bounds.partition_point(|&le| le < v)
        };
        h.counts[b] += 1;
        h.sum += v;
        h.count += 1;
    }
    /// Records `v` seconds whose `LATENCY_BUCKETS` index is already known
    /// (`latency_bucket(v)`), saving the search on the hot path.
    #[inline]
    pub fn observe_latency(&mut self, id: HistogramId, bucket: usize, v: f64) {
        let h = &mut self.hists[id.0 as usize];
        let b = if h.latency_buckets {
            bucket.min(h.counts.len() - 1)
        } else {
            h.bounds.partition_point(|&le| le < v)
        };
        h.counts[b] += 1;
        h.sum += v;
        h.count += 1;
    }
    pub fn histogram_count(&self, id: HistogramId) -> u64 {
        self.hists[id.0 as usize].count
    }

    /// Records one sample of every series at virtual time `t`.
    pub fn sample(&mut self, t: Nanos) {
        for s in &mut self.series {
            match (s.slot, &mut s.history) {
                (Slot::Counter(i), History::Scalar(r)) => r.push((t, self.counters[i as usize])),
                (Slot::Gauge(i), History::Scalar(r)) => r.push((t, self.gauges[i as usize])),
                (
                    Slot::Histogram(i),
                    History::Histogram {
                        points, buckets, ..
                    },
                ) => {
                    let h = &self.hists[i as usize];
                    points.push((t, h.count, h.sum));
                    let mut acc = 0;
                    for c in &h.counts {
                        acc += c;
                        buckets.push(acc);
                    }
                }
                _ => {}
            }
        }
    }

    /// Feeds the current value of every series, in a fixed order, to `f` (for digests).
    pub fn for_each_value(&self, mut f: impl FnMut(f64)) {
        for s in &self.series {
            match s.slot {
                Slot::Counter(i) => f(self.counters[i as usize]),
                Slot::Gauge(i) => f(self.gauges[i as usize]),
                Slot::Histogram(i) => {
                    let h = &self.hists[i as usize];
                    f(h.count as f64);
                    f(h.sum);
                    for &c in &h.counts {
                        f(c as f64);
                    }
                }
            }
        }
    }

    /// All series, in registration order.
    pub fn series_keys(&self) -> impl Iterator<Item = SeriesKey<'_>> {
        self.series.iter().enumerate().map(|(index, s)| {
            let spec = &self.families[s.family].spec;
            SeriesKey {
                index,
                name: spec.name,
                kind: spec.kind,
                label_names: spec.labels,
                label_values: &s.labels,
            }
        })
    }

    /// The declared spec of a registered family.
    pub fn spec(&self, name: &str) -> Option<&MetricSpec> {
        self.by_name.get(name).map(|&i| &self.families[i].spec)
    }

    /// Sampled points `(t, value)` of a counter or gauge series, oldest first. For a
    /// histogram series, its `_count`.
    pub fn points(&self, series: usize) -> Vec<(Nanos, f64)> {
        match self.series.get(series).map(|s| &s.history) {
            Some(History::Scalar(r)) => r.iter().collect(),
            Some(History::Histogram { points, .. }) => {
                points.iter().map(|(t, c, _)| (t, c as f64)).collect()
            }
            None => Vec::new(),
        }
    }

    /// The series of family `name`: its spec and, per series, its index and label values.
    pub fn family_series(&self, name: &str) -> Option<FamilySeries<'_>> {
        let fam = &self.families[*self.by_name.get(name)?];
        let series = fam
            .series
            .iter()
            .map(|&s| (s, self.series[s].labels.as_slice()))
            .collect();
        Some((&fam.spec, series))
    }

    /// The latest sample at or before `t` of a counter or gauge series (a histogram's
    /// `_count`).
    pub fn value_at(&self, series: usize, t: Nanos) -> Option<(Nanos, f64)> {
        let h = &self.series.get(series)?.history;
        last_at_or_before(h.len(), |i| h.scalar(i).map(|p| p.0), t).and_then(|i| h.scalar(i))
    }

    /// The samples of a counter or gauge series (a histogram's `_count`) with
    /// `start <= t <= end`, oldest first.
    pub fn values_between(&self, series: usize, start: Nanos, end: Nanos) -> Vec<(Nanos, f64)> {
        let Some(info) = self.series.get(series) else {
            return Vec::new();
        };
        let len = info.history.len();
        let at = |i| info.history.scalar(i);
        let Some(last) = last_at_or_before(len, |i| at(i).map(|p| p.0), end) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for i in (0..=last).rev() {
            match at(i) {
                Some(p) if p.0 >= start => out.push(p),
                _ => break,
            }
        }
        out.reverse();
        out
    }

    /// Cumulative bucket counts (incl. `+Inf`) of a histogram series at its latest sample
    /// at or before `t`, with that sample's time.
    pub fn buckets_at(&self, series: usize, t: Nanos) -> Option<(Nanos, Vec<u64>)> {
        match &self.series.get(series)?.history {
            History::Histogram { points, .. } => {
                let i = last_at_or_before(points.len(), |i| points.get(i).map(|p| p.0), t)?;
                self.histogram_sample(series, i)
            }
            History::Scalar(_) => None,
        }
    }

    /// Sum over every series of family `name` of the counter/gauge value.
    pub fn family_total(&self, name: &str) -> f64 {
        let Some(&f) = self.by_name.get(name) else {
            return 0.0;
        };
        self.families[f]
            .series
            .iter()
            .map(|&s| match self.series[s].slot {
                Slot::Counter(i) => self.counters[i as usize],
                Slot::Gauge(i) => self.gauges[i as usize],
                Slot::Histogram(i) => self.hists[i as usize].count as f64,
            })
            .sum()
    }

    /// Sum over the family's series of the counter value whose labels satisfy `keep`.
    pub fn family_total_where(&self, name: &str, keep: impl Fn(&[&str], &[String]) -> bool) -> f64 {
        let Some(&f) = self.by_name.get(name) else {
            return 0.0;
        };
        let fam = &self.families[f];
        fam.series
            .iter()
            .filter(|&&s| keep(fam.spec.labels, &self.series[s].labels))
            .map(|&s| match self.series[s].slot {
                Slot::Counter(i) => self.counters[i as usize],
                Slot::Gauge(i) => self.gauges[i as usize],
                Slot::Histogram(i) => self.hists[i as usize].count as f64,
            })
            .sum()
    }

    /// Current cumulative buckets of a histogram family summed over all its series
    /// (like `sum by (le) (...)`): `(bounds, cumulative counts incl. +Inf, sum)`.
    pub fn family_histogram(&self, name: &str) -> Option<(&'static [f64], Vec<u64>, f64)> {
        let f = *self.by_name.get(name)?;
        let fam = &self.families[f];
        let bounds = fam.spec.buckets;
        let mut cum = vec![0u64; bounds.len() + 1];
        let mut sum = 0.0;
        for &s in &fam.series {
            if let Slot::Histogram(i) = self.series[s].slot {
                let h = &self.hists[i as usize];
                let mut acc = 0;
                for (c, out) in h.counts.iter().zip(cum.iter_mut()) {
                    acc += c;
                    *out += acc;
                }
                sum += h.sum;
            }
        }
        Some((bounds, cum, sum))
    }

    /// How many observations of histogram family `name` fell in each bucket during
    /// `(from, to]` (per bucket, not cumulative; the last is `+Inf`), summed over the
    /// family's series and read from the samples at or before each end — the columns of
    /// a heatmap. `None` if `name` is not a registered histogram.
    pub fn family_buckets_between(
        &self,
        name: &str,
        from: Nanos,
        to: Nanos,
    ) -> Option<(&'static [f64], Vec<u64>)> {
        let fam = &self.families[*self.by_name.get(name)?];
        if fam.spec.kind != MetricKind::Histogram {
            return None;
        }
        let mut out = vec![0u64; fam.spec.buckets.len() + 1];
        for &s in &fam.series {
            let Some((_, end)) = self.buckets_at(s, to) else {
                continue;
            };
            let start = self.buckets_at(s, from).map(|p| p.1);
            let mut below = 0;
            for (k, slot) in out.iter_mut().enumerate() {
                let before = start.as_ref().and_then(|v| v.get(k)).copied().unwrap_or(0);
                let upto = end.get(k).copied().unwrap_or(0).saturating_sub(before);
                *slot += upto.saturating_sub(below);
                below = upto;
            }
        }
        Some((fam.spec.buckets, out))
    }

    /// Cumulative buckets of histogram series `series` at its sample `i` (oldest = 0).
    pub fn histogram_sample(&self, series: usize, i: usize) -> Option<(Nanos, Vec<u64>)> {
        match &self.series.get(series)?.history {
            History::Histogram { points, buckets, n } => {
                let (t, _, _) = points.get(i)?;
                Some((t, (0..*n).filter_map(|j| buckets.get(i * n + j)).collect()))
            }
            History::Scalar(_) => None,
        }
    }

    /// Sample `i` (oldest = 0) of one part of `series` as PromQL sees it: a counter's or
    /// gauge's value, or a histogram's `_count`, `_sum` or one cumulative `_bucket`.
    pub fn part_point(&self, series: usize, part: Part, i: usize) -> Option<(Nanos, f64)> {
        match (&self.series.get(series)?.history, part) {
            (History::Scalar(r), Part::Value) => r.get(i),
            (History::Histogram { points, .. }, Part::Count) => {
                points.get(i).map(|(t, c, _)| (t, c as f64))
            }
            (History::Histogram { points, .. }, Part::Sum) => points.get(i).map(|(t, _, s)| (t, s)),
            (History::Histogram { points, buckets, n }, Part::Bucket(j)) if j < *n => {
                let (t, _, _) = points.get(i)?;
                buckets.get(i * n + j).map(|c| (t, c as f64))
            }
            _ => None,
        }
    }

    /// The samples of one part of `series` with `start < time <= end`, oldest first
    /// (`start` is signed: a window may reach before time 0).
    pub fn part_between(
        &self,
        series: usize,
        part: Part,
        start: i128,
        end: Nanos,
    ) -> Vec<(Nanos, f64)> {
        let len = self.sample_count(series);
        let Some(last) =
            last_at_or_before(len, |i| self.part_point(series, part, i).map(|p| p.0), end)
        else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for i in (0..=last).rev() {
            match self.part_point(series, part, i) {
                Some(p) if p.0 as i128 > start => out.push(p),
                _ => break,
            }
        }
        out.reverse();
        out
    }

    /// Number of samples held for `series`.
    pub fn sample_count(&self, series: usize) -> usize {
        match self.series.get(series).map(|s| &s.history) {
            Some(History::Scalar(r)) => r.len(),
            Some(History::Histogram { points, .. }) => points.len(),
            None => 0,
        }
    }

    /// The Prometheus text exposition of every metric's current value, families sorted by
    /// name, series in registration order.
    pub fn prometheus_text(&self) -> String {
        let mut out = String::new();
        for (&name, &f) in &self.by_name {
            let fam = &self.families[f];
            let _ = writeln!(out, "# HELP {name} {}", escape_help(fam.spec.help));
            let _ = writeln!(out, "# TYPE {name} {}", fam.spec.kind.as_str());
            for &s in &fam.series {
                let info = &self.series[s];
                let labels = label_pairs(fam.spec.labels, &info.labels);
                match info.slot {
                    Slot::Counter(i) => {
                        let _ = writeln!(
                            out,
                            "{name}{} {}",
                            braces(&labels),
                            prom_num(self.counters[i as usize])
                        );
                    }
                    Slot::Gauge(i) => {
                        let _ = writeln!(
                            out,
                            "{name}{} {}",
                            braces(&labels),
                            prom_num(self.gauges[i as usize])
                        );
                    }
                    Slot::Histogram(i) => {
                        let h = &self.hists[i as usize];
                        let mut acc = 0u64;
                        for (j, c) in h.counts.iter().enumerate() {
                            acc += c;
                            let le = h.bounds.get(j).map_or("+Inf".to_string(), |b| prom_num(*b));
                            let mut l = labels.clone();
                            l.push(format!("le=\"{le}\""));
                            let _ = writeln!(out, "{name}_bucket{} {acc}", braces(&l));
                        }
                        let _ = writeln!(out, "{name}_sum{} {}", braces(&labels), prom_num(h.sum));
                        let _ = writeln!(out, "{name}_count{} {}", braces(&labels), h.count);
                    }
                }
            }
        }
        out
    }
}

fn escape_help(s: &str) -> String {
    s.replace('\\', "\\\\").replace('\n', "\\n")
}

fn label_pairs(names: &[&str], values: &[String]) -> Vec<String> {
    names
        .iter()
        .zip(values)
        .map(|(n, v)| {
            let v = v
                .replace('\\', "\\\\")
                .replace('"', "\\\"")
                .replace('\n', "\\n");
            format!("{n}=\"{v}\"")
        })
        .collect()
}

fn braces(pairs: &[String]) -> String {
    if pairs.is_empty() {
        String::new()
    } else {
        format!("{{{}}}", pairs.join(","))
    }
}

/// A float as Prometheus writes it.
pub fn prom_num(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v == f64::INFINITY {
        "+Inf".into()
    } else if v == f64::NEG_INFINITY {
        "-Inf".into()
    } else {
        format!("{v}")
    }
}

/// Index of the latest sample whose time is `<= t`, by binary search over samples
/// `0..len` in time order (`time(i)` gives sample i's time).
pub fn last_at_or_before(
    len: usize,
    time: impl Fn(usize) -> Option<Nanos>,
    t: Nanos,
) -> Option<usize> {
    let (mut lo, mut hi) = (0, len);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if time(mid)? <= t {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo.checked_sub(1)
}

/// `increase()` of a counter over the samples in `(end - window, end]`, as Prometheus
/// (3.x) computes it: counter resets add the value before the drop, and the increase
/// between the first and last sample is extrapolated towards the window's edges (by at
/// most half a sample interval where the data stops short, never below zero for a
/// counter). NaN with fewer than two samples in the window.
pub fn increase(points: &[(Nanos, f64)], end: Nanos, window: Nanos) -> f64 {
    extrapolated_delta(points, end, window, true, false)
}

/// `rate()`: `increase()` per second of the window.
pub fn rate(points: &[(Nanos, f64)], end: Nanos, window: Nanos) -> f64 {
    extrapolated_delta(points, end, window, true, true)
}

/// Prometheus's `extrapolatedRate` (promql/functions.go) for `rate`, `increase` and
/// (`counter = false`) `delta`, over the points in `(end - window, end]`.
pub fn extrapolated_delta(
    points: &[(Nanos, f64)],
    end: Nanos,
    window: Nanos,
    counter: bool,
    per_second: bool,
) -> f64 {
    // The window may reach before time 0: it starts at a signed time.
    let start = end as i128 - window as i128;
    let mut inside = points
        .iter()
        .filter(|(t, _)| *t as i128 > start && *t <= end);
    let Some(&(t0, first)) = inside.next() else {
        return f64::NAN;
    };
    let (mut t1, mut last, mut n) = (t0, first, 1usize);
    let mut result = 0.0;
    for &(t, v) in inside {
        if counter && v < last {
            result += last;
        }
        (t1, last, n) = (t, v, n + 1);
    }
    if n < 2 {
        return f64::NAN;
    }
    result += last - first;
    let secs = |ns: Nanos| ns_to_secs(ns);
    let sampled = secs(t1 - t0);
    let mut to_start = (t0 as i128 - start) as f64 / crate::time::NS_PER_SEC as f64;
    let mut to_end = secs(end - t1);
    let average = sampled / (n - 1) as f64;
    // Data that stops more than 10 % past the usual spacing short of an edge started
    // (or ended) inside the window: extrapolate only half a spacing there.
    let threshold = average * 1.1;
    let mut interval = sampled;
    if to_start >= threshold {
        to_start = average / 2.0;
    }
    if counter && result > 0.0 && first >= 0.0 {
        // A counter does not go below zero: extrapolate no further back than to zero.
        let to_zero = sampled * (first / result);
        if to_zero < to_start {
            to_start = to_zero;
        }
    }
    interval += to_start;
    if to_end >= threshold {
        to_end = average / 2.0;
    }
    interval += to_end;
    let mut factor = interval / sampled;
    if per_second {
        factor /= secs(window);
    }
    result * factor
}

/// Prometheus's `bucketQuantile` (promql/quantile.go): buckets sorted by upper bound,
/// counts made monotonic, linear interpolation inside the bucket holding the rank; the
/// lowest bucket starts at 0 (unless its bound is not positive); a rank in the `+Inf`
/// bucket gives the highest finite bound.
pub fn bucket_quantile(q: f64, mut buckets: Vec<(f64, f64)>) -> f64 {
    if q.is_nan() {
        return f64::NAN;
    }
    if q < 0.0 {
        return f64::NEG_INFINITY;
    }
    if q > 1.0 {
        return f64::INFINITY;
    }
    crate::order::sort_by(&mut buckets, |a, b| a.0 < b.0);
    if buckets.last().is_none_or(|b| b.0 != f64::INFINITY) {
        return f64::NAN;
    }
    // Buckets with the same bound add up; counts never go down.
    let mut merged: Vec<(f64, f64)> = Vec::with_capacity(buckets.len());
    for (le, c) in buckets {
        match merged.last_mut() {
            Some(last) if last.0 == le => last.1 += c,
            _ => merged.push((le, c)),
        }
    }
    let mut max = f64::NEG_INFINITY;
    for b in &mut merged {
        if b.1 < max {
            b.1 = max;
        } else {
            max = b.1;
        }
    }
    let n = merged.len();
    if n < 2 {
        return f64::NAN;
    }
    let observations = merged[n - 1].1;
    if observations == 0.0 || observations.is_nan() {
        return f64::NAN;
    }
    let mut rank = q * observations;
    let b = merged.partition_point(|x| x.1 < rank);
    if b == n - 1 {
        return merged[n - 2].0;
    }
    if b == 0 && merged[0].0 <= 0.0 {
        return merged[0].0;
    }
    let (mut start, end, mut count) = (0.0, merged[b].0, merged[b].1);
    if b > 0 {
        start = merged[b - 1].0;
        count -= merged[b - 1].1;
        rank -= merged[b - 1].1;
    }
    start + (end - start) * (rank / count)
}

/// `histogram_quantile(q, …)` as Prometheus computes it from cumulative bucket counts
/// (`cumulative.len() == bounds.len() + 1`, the last being `+Inf`): linear interpolation
/// inside the bucket holding the rank; the lowest bucket starts at 0; a rank in the
/// `+Inf` bucket returns the highest finite bound. NaN when there are no observations.
pub fn histogram_quantile(q: f64, bounds: &[f64], cumulative: &[u64]) -> f64 {
    let Some(&total) = cumulative.last() else {
        return f64::NAN;
    };
    if total == 0 || q.is_nan() {
        return f64::NAN;
    }
    if q < 0.0 {
        return f64::NEG_INFINITY;
    }
    if q > 1.0 {
        return f64::INFINITY;
    }
    let rank = q * total as f64;
    let b = cumulative
        .iter()
        .position(|&c| c as f64 >= rank)
        .unwrap_or(cumulative.len() - 1);
    if b >= bounds.len() {
        return bounds.last().copied().unwrap_or(f64::NAN);
    }
    let (lower, below) = if b == 0 {
        (0.0_f64.min(bounds[0]), 0.0)
    } else {
        (bounds[b - 1], cumulative[b - 1] as f64)
    };
    let upper = bounds[b];
    let in_bucket = cumulative[b] as f64 - below;
    if in_bucket <= 0.0 {
        return upper;
    }
    lower + (upper - lower) * ((rank - below) / in_bucket)
}

#[cfg(test)]
mod tests {
    use super::*;
    const NS_PER_SEC_TEST: Nanos = crate::time::NS_PER_SEC;

    #[test]
    fn latency_bucket_agrees_with_a_binary_search_everywhere() {
        let reference = |v: f64| LATENCY_BUCKETS.partition_point(|&le| le < v);
        let mut values = vec![
            0.0,
            -0.0,
            -1.0,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::MIN_POSITIVE,
            5e-324,
            f64::MAX,
        ];
        for &b in LATENCY_BUCKETS {
            for x in [b, b * 0.5, b * 2.0] {
                values.extend([
                    x,
                    f64::from_bits(x.to_bits() - 1),
                    f64::from_bits(x.to_bits() + 1),
                ]);
            }
        }
        let mut x = 1e-7;
        while x < 1e3 {
            values.push(x);
            x *= 1.0007;
        }
        for v in values {
            assert_eq!(latency_bucket(v), reference(v), "v = {v:e}");
        }
        assert!(BUCKET_START.windows(2).all(|w| w[1] - w[0] <= 2));
        assert!(LATENCY_BUCKETS[0] >= f64::powi(2.0, BUCKET_MIN_EXP as i32));
        assert!(*LATENCY_BUCKETS.last().unwrap() < f64::powi(2.0, BUCKET_MAX_EXP as i32 + 1));
    }

    const REQS: MetricSpec = MetricSpec::counter("reqs_total", "Requests.", &["code"]);
    const LAT: MetricSpec = MetricSpec::histogram("lat_seconds", "Latency.", &[], &[0.1, 0.2, 0.4]);

    #[test]
    fn quantile_matches_prometheus_interpolation() {
        // 10 obs ≤ 0.1, 10 in (0.1, 0.2], 0 above: p50 is the top of the first bucket,
        // p75 halfway through the second.
        let cum = [10, 20, 20, 20];
        assert!((histogram_quantile(0.5, &[0.1, 0.2, 0.4], &cum) - 0.1).abs() < 1e-12);
        assert!((histogram_quantile(0.75, &[0.1, 0.2, 0.4], &cum) - 0.15).abs() < 1e-12);
        // Everything in +Inf: highest finite bound.
        assert_eq!(
            histogram_quantile(0.99, &[0.1, 0.2, 0.4], &[0, 0, 0, 5]),
            0.4
        );
        assert!(histogram_quantile(0.5, &[0.1], &[0, 0]).is_nan());
    }

    #[test]
    fn increase_handles_resets_and_extrapolates() {
        // (0, 3 s]: 8 → 2 is a reset (adds 8), 2 → 4; first-to-last 2 s, extended to 3 s.
        let s = NS_PER_SEC_TEST;
        let pts = [(0, 5.0), (s, 8.0), (2 * s, 2.0), (3 * s, 4.0)];
        assert_eq!(increase(&pts, 3 * s, 3 * s), (4.0 - 8.0 + 8.0) * 1.5);
        assert_eq!(rate(&pts, 3 * s, 3 * s), 2.0);
        // One sample in the window: no answer.
        assert!(increase(&pts, 3 * s, s).is_nan());
    }

    #[test]
    fn exposition_format() {
        let mut r = Registry::new(8);
        let ok = r.counter(&REQS, &["200"]);
        r.inc(ok);
        r.inc(ok);
        let h = r.histogram(&LAT, &[]);
        r.observe(h, 0.15);
        r.observe(h, 0.5);
        let text = r.prometheus_text();
        assert!(
            text.contains("# TYPE reqs_total counter\nreqs_total{code=\"200\"} 2\n"),
            "{text}"
        );
        assert!(
            text.contains("lat_seconds_bucket{le=\"0.2\"} 1\n"),
            "{text}"
        );
        assert!(
            text.contains("lat_seconds_bucket{le=\"+Inf\"} 2\n"),
            "{text}"
        );
        assert!(text.contains("lat_seconds_count 2\n"), "{text}");
    }

    #[test]
    fn bucket_columns_count_each_window_once() {
        const BY_PATH: MetricSpec =
            MetricSpec::histogram("lat_seconds", "Latency.", &["path"], &[0.1, 0.2, 0.4]);
        let mut r = Registry::new(8);
        let a = r.histogram(&BY_PATH, &["/a"]);
        let b = r.histogram(&BY_PATH, &["/b"]);
        r.counter(&REQS, &["200"]);
        r.sample(0);
        r.observe(a, 0.05);
        r.observe(b, 0.15);
        r.sample(10);
        r.observe(a, 0.3);
        r.observe(a, 9.0);
        r.observe(b, 0.05);
        r.sample(20);
        let col = |from, to| r.family_buckets_between("lat_seconds", from, to).unwrap().1;
        assert_eq!(col(0, 10), vec![1, 1, 0, 0]);
        assert_eq!(
            col(10, 20),
            vec![1, 0, 1, 1],
            "per bucket, +Inf last, both series"
        );
        assert_eq!(col(0, 20), vec![2, 1, 1, 1]);
        // An end between samples reads the sample before it.
        assert_eq!(col(5, 15), col(0, 10));
        assert!(r.family_buckets_between("reqs_total", 0, 20).is_none());
        assert!(r.family_buckets_between("nope", 0, 20).is_none());
    }

    #[test]
    fn ring_keeps_the_newest() {
        let mut r = Ring::new(3);
        for i in 0..5 {
            r.push(i);
        }
        assert_eq!(r.iter().collect::<Vec<_>>(), vec![2, 3, 4]);
        assert_eq!(r.last(), Some(4));
    }
}
