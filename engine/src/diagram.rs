//! What a system's diagram is made of, and how its readings are taken: nodes (the
//! components, where they sit, which metrics decide their health and which describe
//! them), edges (request paths and the metric whose rate is drawn on them), health
//! verdicts with their reasons, and `Readings`, PromQL-style queries over the sampled
//! history in the last `WINDOW_NS` (`rate` of a counter, `histogram_quantile` over the
//! increase of a histogram, a gauge's last value). Each system describes its own diagram
//! (`Diagram`, in its folder); `topology` puts a run's together. A leaf: it imports no
//! system.

use crate::golden::GOLDEN_WINDOW_NS;
use crate::metrics::{bucket_quantile, extrapolated_delta, rate, MetricKind, Part, Registry};
use crate::observe::{LogRecord, Trace};
use crate::params::ParamSet;
use crate::scenario::Component;
use crate::time::Nanos;
use serde::{Deserialize, Serialize};

/// The window every reading looks back over.
pub const WINDOW_NS: Nanos = GOLDEN_WINDOW_NS;

/// Error share at or above which a component is degraded / failing.
pub const ERRORS_DEGRADED: f64 = 0.01;
pub const ERRORS_FAILING: f64 = 0.10;
/// Utilisation at or above which a component is degraded / failing (saturated).
pub const BUSY_DEGRADED: f64 = 0.85;
pub const BUSY_FAILING: f64 = 0.98;

/// Latency p99 above which a hop is degraded / failing, in seconds.
pub const SLOW_P99_S: f64 = 1.0;
pub const VERY_SLOW_P99_S: f64 = 5.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Health {
    /// No traffic in the window: nothing to judge.
    Idle,
    Ok,
    Degraded,
    Failing,
}

impl Health {
    pub fn as_str(self) -> &'static str {
        match self {
            Health::Idle => "idle",
            Health::Ok => "ok",
            Health::Degraded => "degraded",
            Health::Failing => "failing",
        }
    }
}

/// A component in the diagram.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct NodeSpec {
    pub id: &'static str,
    pub label: &'static str,
    /// The scenario-facing parts it stands for (a scenario striking one marks it).
    pub components: &'static [Component],
    /// Service names its log lines and spans carry (for filtering logs and traces).
    pub services: &'static [&'static str],
    /// Grid position: column left to right along the request path, row top to bottom.
    pub col: u8,
    pub row: u8,
    /// Which metrics decide its health, for the legend and screen readers.
    pub signals: &'static str,
    /// The metric families that describe it: what the dashboard shows when a learner
    /// narrows it to this component (those the run has registered).
    pub metrics: &'static [&'static str],
}

/// A request path between two nodes.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct EdgeSpec {
    pub from: &'static str,
    pub to: &'static str,
    /// Which metric's rate is drawn on it.
    pub rate_of: &'static str,
}

impl NodeSpec {
    /// Whether a log line concerns this component: written by one of its services or
    /// naming one in a field (e.g. `upstream=postgres`, `dependency=payment`).
    pub fn matches_log(&self, record: &LogRecord) -> bool {
        self.services.contains(&record.service)
            || record
                .fields
                .iter()
                .any(|(_, v)| self.services.contains(&v.as_str()))
    }

    /// Whether a trace passed through this component (has a span of one of its services).
    pub fn matches_trace(&self, trace: &Trace) -> bool {
        trace
            .spans
            .iter()
            .any(|s| self.services.contains(&s.service))
    }
}

/// What decides which optional parts a system's diagram shows.
#[derive(Clone, Copy)]
pub struct Options<'a> {
    /// The system's parameters; `None` draws every part the parameters could switch on.
    pub params: Option<&'a ParamSet>,
    /// Whether the run has registered a metric family (a part a scenario started).
    pub registered: &'a dyn Fn(&str) -> bool,
}

impl Options<'_> {
    /// Every optional part, whatever the parameters and the run.
    pub const ALL: Options<'static> = Options {
        params: None,
        registered: &|_| true,
    };

    /// A boolean parameter, true when the parameters are unknown.
    pub fn flag(&self, name: &str) -> bool {
        self.params.is_none_or(|p| p.bool(name))
    }
}

/// A system's diagram: its nodes and edges for the parts it has, and how each node's
/// health and each edge's rate are read.
pub struct Diagram {
    pub layout: fn(&Options<'_>) -> (Vec<NodeSpec>, Vec<EdgeSpec>),
    /// A node's verdict; its short reading goes into `details`.
    pub read_node: fn(&Readings<'_>, &NodeSpec, &mut Vec<String>) -> Verdict,
    /// The request rate drawn on an edge.
    pub read_edge: fn(&Readings<'_>, &EdgeSpec) -> f64,
}

/// A diagram with no nodes (a system that draws none).
pub static EMPTY: Diagram = Diagram {
    layout: |_| (Vec::new(), Vec::new()),
    read_node: |_, _, _| Verdict::new(false),
    read_edge: |_, _| 0.0,
};

/// Queries over the registry at the latest sample: what a system's diagram reads.
pub struct Readings<'a> {
    pub reg: &'a Registry,
    /// The sample read.
    pub end: Nanos,
    /// The system's parameters (`None` when they do not validate).
    pub params: Option<&'a ParamSet>,
}

impl Readings<'_> {
    fn matching<'s>(
        &'s self,
        name: &'s str,
        keep: &'s dyn Fn(&[String]) -> bool,
    ) -> impl Iterator<Item = usize> + 's {
        self.reg
            .series_keys()
            .filter(move |k| k.name == name && keep(k.label_values))
            .map(|k| k.index)
    }

    /// `sum(rate(name{keep}[window]))`; for a histogram, the rate of its `_count`.
    pub fn rate(&self, name: &str, keep: &dyn Fn(&[String]) -> bool) -> f64 {
        self.matching(name, keep)
            .map(|i| {
                let start = self.end.saturating_sub(WINDOW_NS);
                rate(
                    &self.reg.values_between(i, start, self.end),
                    self.end,
                    WINDOW_NS,
                )
            })
            // A series with fewer than two samples in the window has no rate yet.
            .filter(|r| !r.is_nan())
            .sum()
    }

    /// `histogram_quantile(q, sum by (le) (rate(name_bucket{keep}[window])))`, as PromQL
    /// computes it; NaN when nothing was observed in the window.
    pub fn quantile(&self, q: f64, name: &str, keep: &dyn Fn(&[String]) -> bool) -> f64 {
        let Some(spec) = self.reg.spec(name) else {
            return f64::NAN;
        };
        if spec.kind != MetricKind::Histogram {
            return f64::NAN;
        }
        let start = self.end as i128 - WINDOW_NS as i128;
        let mut rates = vec![0.0; spec.buckets.len() + 1];
        for i in self.matching(name, keep) {
            for (j, out) in rates.iter_mut().enumerate() {
                let pts = self.reg.part_between(i, Part::Bucket(j), start, self.end);
                let r = extrapolated_delta(&pts, self.end, WINDOW_NS, true, true);
                if !r.is_nan() {
                    *out += r;
                }
            }
        }
        let bounds = spec.buckets.iter().copied().chain([f64::INFINITY]);
        bucket_quantile(q, bounds.zip(rates).collect())
    }

    /// The latest sampled values of the gauges `name{keep}`.
    pub fn gauges(&self, name: &str, keep: &dyn Fn(&[String]) -> bool) -> Vec<f64> {
        self.matching(name, keep)
            .filter_map(|i| self.reg.value_at(i, self.end).map(|p| p.1))
            .collect()
    }
}

/// Every series of a family.
pub fn all(_: &[String]) -> bool {
    true
}

/// Collects a node's verdicts: the worst wins; each non-ok one leaves a reason.
pub struct Verdict {
    pub health: Health,
    pub reasons: Vec<String>,
}

impl Verdict {
    pub fn new(traffic: bool) -> Verdict {
        Verdict {
            health: if traffic { Health::Ok } else { Health::Idle },
            reasons: Vec::new(),
        }
    }
    /// `value` against degraded/failing thresholds (higher is worse).
    pub fn above(
        &mut self,
        what: &str,
        value: f64,
        degraded: f64,
        failing: f64,
        show: fn(f64) -> String,
    ) {
        self.judge(what, value, [degraded, failing], false, show);
    }
    /// `value` against thresholds where lower is worse.
    pub fn below(
        &mut self,
        what: &str,
        value: f64,
        degraded: f64,
        failing: f64,
        show: fn(f64) -> String,
    ) {
        self.judge(what, value, [degraded, failing], true, show);
    }
    /// One verdict: the worse of the two thresholds `value` crosses, with the reason.
    fn judge(
        &mut self,
        what: &str,
        value: f64,
        limits: [f64; 2],
        lower_is_worse: bool,
        show: fn(f64) -> String,
    ) {
        if !value.is_finite() {
            return;
        }
        let crosses = |limit: f64| {
            if lower_is_worse {
                value < limit
            } else {
                value >= limit
            }
        };
        let (h, limit) = if crosses(limits[1]) {
            (Health::Failing, limits[1])
        } else if crosses(limits[0]) {
            (Health::Degraded, limits[0])
        } else {
            return;
        };
        let sign = if lower_is_worse { "<" } else { "≥" };
        self.reasons
            .push(format!("{what} {} {sign} {}", show(value), show(limit)));
        self.health = self.health.max(h);
    }
}

/// A share as a percentage.
pub fn pct(v: f64) -> String {
    format!("{:.1}%", v * 100.0)
}
/// Seconds, in ms below one.
pub fn secs(v: f64) -> String {
    if v < 0.001 {
        format!("{:.2} ms", v * 1000.0)
    } else if v < 1.0 {
        format!("{:.0} ms", v * 1000.0)
    } else {
        format!("{v:.2} s")
    }
}
/// `part / whole`, 0 without a whole.
pub fn share(part: f64, whole: f64) -> f64 {
    if whole > 0.0 {
        part / whole
    } else {
        0.0
    }
}

/// `http_requests_total{status=~codes}`: a label filter on the status.
pub fn status(codes: &'static [&'static str]) -> impl Fn(&[String]) -> bool {
    move |l: &[String]| l.get(2).is_some_and(|s| codes.contains(&s.as_str()))
}

/// A service's verdict, as every system's workers read: error share, p99, saturation.
pub fn read_service(q: &Readings<'_>, details: &mut Vec<String>) -> Verdict {
    let total = q.rate("http_requests_total", &all);
    let failed = q.rate("http_requests_total", &status(&["500", "502", "504"]));
    let p99 = q.quantile(0.99, "http_request_duration_seconds", &all);
    let busy = q
        .gauges("service_utilization_ratio", &all)
        .into_iter()
        .fold(f64::NAN, f64::max);
    let mut v = Verdict::new(total > 0.0);
    let s = share(failed, total);
    details.push(format!("{} errors", pct(s)));
    if p99.is_finite() {
        details.push(format!("p99 {}", secs(p99)));
    }
    if busy.is_finite() {
        details.push(format!("busy {}", pct(busy)));
    }
    v.above("errors", s, ERRORS_DEGRADED, ERRORS_FAILING, pct);
    v.above("p99", p99, SLOW_P99_S, VERY_SLOW_P99_S, secs);
    v.above("busy", busy, BUSY_DEGRADED, BUSY_FAILING, pct);
    v
}

// On the wire between the page and the engine's worker (`codec`).
crate::codec_enum!(Health {
    Idle,
    Ok,
    Degraded,
    Failing
});
