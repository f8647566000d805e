//! Structured logs and request traces, both kept in bounded buffers with sampling so a
//! run of any length uses bounded memory. Injected failures show up here as error log
//! lines and spans with an error status.

use crate::time::{Nanos, NS_PER_SEC};
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Debug,
    Info,
    Warn,
    Error,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Debug => "debug",
            Level::Info => "info",
            Level::Warn => "warn",
            Level::Error => "error",
        }
    }
}

/// One structured log line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LogRecord {
    pub t_ns: Nanos,
    pub level: Level,
    pub service: &'static str,
    pub message: &'static str,
    pub fields: Vec<(&'static str, String)>,
    /// The trace this line belongs to, when the request was traced.
    pub trace_id: Option<u64>,
}

/// The newest log lines, with a per-second budget so an incident at 10k req/s cannot
/// flood memory; lines over budget are counted, not kept.
pub struct LogBuffer {
    lines: VecDeque<LogRecord>,
    capacity: usize,
    per_second: u32,
    window_start: Nanos,
    in_window: u32,
    dropped: u64,
    total: u64,
}

impl LogBuffer {
    pub fn new(capacity: usize, per_second: u32) -> Self {
        LogBuffer {
            lines: VecDeque::with_capacity(capacity.min(1024)),
            capacity: capacity.max(1),
            per_second,
            window_start: 0,
            in_window: 0,
            dropped: 0,
            total: 0,
        }
    }

    /// Whether a line at `t` would be kept: lets callers skip formatting fields.
    #[inline]
    pub fn admits(&mut self, t: Nanos) -> bool {
        if t >= self.window_start + NS_PER_SEC {
            self.window_start = t - t % NS_PER_SEC;
            self.in_window = 0;
        }
        if self.in_window < self.per_second {
            true
        } else {
            self.dropped += 1;
            self.total += 1;
            false
        }
    }

    /// Keeps `record` (call after `admits` returned true).
    pub fn push(&mut self, record: LogRecord) {
        self.in_window += 1;
        self.total += 1;
        if self.lines.len() == self.capacity {
            self.lines.pop_front();
        }
        self.lines.push_back(record);
    }

    pub fn lines(&self) -> impl DoubleEndedIterator<Item = &LogRecord> {
        self.lines.iter()
    }
    pub fn dropped(&self) -> u64 {
        self.dropped
    }
    pub fn total(&self) -> u64 {
        self.total
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SpanStatus {
    Ok,
    Error,
}

/// One hop of a request.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Span {
    pub trace_id: u64,
    pub span_id: u64,
    pub parent: Option<u64>,
    pub service: &'static str,
    pub operation: &'static str,
    pub start_ns: Nanos,
    pub duration_ns: Nanos,
    pub status: SpanStatus,
    pub attributes: Vec<(&'static str, String)>,
    /// Spans of other traces this one follows from, as `(trace_id, span_id)`: work
    /// done later and elsewhere because of them (a projection applying an event a
    /// command appended, a saga started by an order placed), as OpenTelemetry's links.
    pub links: Vec<(u64, u64)>,
}

/// A finished request's spans; the root span is first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Trace {
    pub trace_id: u64,
    pub spans: Vec<Span>,
}

impl Span {
    /// When the span ended.
    pub fn end_ns(&self) -> Nanos {
        self.start_ns.saturating_add(self.duration_ns)
    }
}

impl Trace {
    pub fn root(&self) -> Option<&Span> {
        self.spans.first()
    }
    pub fn is_error(&self) -> bool {
        self.spans.iter().any(|s| s.status == SpanStatus::Error)
    }
    /// The root span's duration (0 for a trace without spans).
    pub fn duration_ns(&self) -> Nanos {
        self.root().map_or(0, |r| r.duration_ns)
    }

    /// The spans on the critical path: the chain of work that set the request's
    /// duration, so shortening anything off it would not make the request faster.
    ///
    /// From the root, walking back from each span's end: the child that finished last
    /// (before the point reached) is on the path; the walk descends into it, then goes
    /// on from that child's start. Overlapping children that finished earlier are off
    /// the path. Returns span ids in the trace's span order. A malformed trace (cycles,
    /// unknown parents, children outside their parent) never loops or panics: each span
    /// is visited once and the walk only moves backwards in time.
    pub fn critical_path(&self) -> Vec<u64> {
        let Some(root) = self.root() else {
            return Vec::new();
        };
        let mut on_path = std::collections::BTreeSet::new();
        let mut stack = vec![(0usize, root.end_ns())];
        while let Some((i, limit)) = stack.pop() {
            let span = &self.spans[i];
            if !on_path.insert(span.span_id) {
                continue;
            }
            let mut cursor = span.end_ns().min(limit);
            loop {
                let next = self
                    .spans
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| {
                        c.parent == Some(span.span_id)
                            && c.span_id != span.span_id
                            && !on_path.contains(&c.span_id)
                            && c.start_ns < cursor
                            && c.end_ns() > span.start_ns
                    })
                    // Latest (clamped) end wins; among equals the later start, then the
                    // first listed: a deterministic choice.
                    .max_by_key(|(j, c)| {
                        (c.end_ns().min(cursor), c.start_ns, std::cmp::Reverse(*j))
                    });
                match next {
                    Some((j, c)) => {
                        stack.push((j, c.end_ns().min(cursor)));
                        cursor = c.start_ns.max(span.start_ns);
                        if cursor <= span.start_ns {
                            break;
                        }
                    }
                    None => break,
                }
            }
        }
        self.spans
            .iter()
            .map(|s| s.span_id)
            .filter(|id| on_path.contains(id))
            .collect()
    }
}

/// Sampled traces: every `sample_every`-th request, plus errors, within a per-second
/// budget; the newest `capacity` are kept.
pub struct TraceBuffer {
    traces: VecDeque<Trace>,
    capacity: usize,
    sample_every: u64,
    per_second: u32,
    window_start: Nanos,
    in_window: u32,
    kept: u64,
}

impl TraceBuffer {
    /// `sample_every` is rounded up to a power of two (a mask, not a division, per request).
    pub fn new(capacity: usize, sample_every: u64, per_second: u32) -> Self {
        TraceBuffer {
            traces: VecDeque::new(),
            capacity: capacity.max(1),
            sample_every: sample_every.max(1).next_power_of_two(),
            per_second,
            window_start: 0,
            in_window: 0,
            kept: 0,
        }
    }

    /// Whether request number `request_seq` finishing at `t` (with `error` status)
    /// should be traced. Deterministic: depends only on the run.
    #[inline]
    pub fn wants(&mut self, t: Nanos, request_seq: u64, error: bool) -> bool {
        if !(error || request_seq & (self.sample_every - 1) == 0) {
            return false;
        }
        if t >= self.window_start + NS_PER_SEC {
            self.window_start = t - t % NS_PER_SEC;
            self.in_window = 0;
        }
        self.in_window < self.per_second
    }

    /// Whether one more trace fits the per-second budget at `t` (for a trace that follows
    /// a sampled one, which needs no sampling of its own).
    pub fn admits(&mut self, t: Nanos) -> bool {
        if t >= self.window_start + NS_PER_SEC {
            self.window_start = t - t % NS_PER_SEC;
            self.in_window = 0;
        }
        self.in_window < self.per_second
    }

    pub fn push(&mut self, trace: Trace) {
        self.in_window += 1;
        self.kept += 1;
        if self.traces.len() == self.capacity {
            self.traces.pop_front();
        }
        self.traces.push_back(trace);
    }

    pub fn traces(&self) -> impl DoubleEndedIterator<Item = &Trace> {
        self.traces.iter()
    }
    pub fn kept(&self) -> u64 {
        self.kept
    }
}

// On the wire between the page and the engine's worker (`codec`).
crate::codec_enum!(Level {
    Debug,
    Info,
    Warn,
    Error
});
crate::codec_enum!(SpanStatus { Ok, Error });
#[cfg(test)]
mod tests {
    use super::*;

    fn span(id: u64, parent: Option<u64>, start: Nanos, dur: Nanos) -> Span {
        Span {
            trace_id: 1,
            span_id: id,
            parent,
            service: "api",
            operation: "op",
            start_ns: start,
            duration_ns: dur,
            status: SpanStatus::Ok,
            attributes: vec![],
            links: Vec::new(),
        }
    }

    fn trace(spans: Vec<Span>) -> Trace {
        Trace { trace_id: 1, spans }
    }

    #[test]
    fn sequential_children_are_all_critical() {
        let t = trace(vec![
            span(1, None, 0, 100),
            span(2, Some(1), 0, 10),
            span(3, Some(1), 10, 50),
            span(4, Some(1), 60, 40),
        ]);
        assert_eq!(t.critical_path(), vec![1, 2, 3, 4]);
    }

    #[test]
    fn an_overlapping_child_that_ends_first_is_off_the_path() {
        // 2 and 3 run in parallel; 3 ends later, so 2 could be faster without effect.
        let t = trace(vec![
            span(1, None, 0, 100),
            span(2, Some(1), 10, 30),
            span(3, Some(1), 10, 80),
        ]);
        assert_eq!(t.critical_path(), vec![1, 3]);
    }

    #[test]
    fn the_walk_descends_into_grandchildren_and_before_the_last_child() {
        // 3 ends last; inside it, 5 ends last and 4 runs within 5; 2 ends before 3 starts
        // and 6 runs within 2.
        let t = trace(vec![
            span(1, None, 0, 100),
            span(2, Some(1), 0, 20),
            span(3, Some(1), 20, 80),
            span(4, Some(3), 32, 10),
            span(5, Some(3), 30, 60),
            span(6, Some(1), 5, 10),
        ]);
        assert_eq!(t.critical_path(), vec![1, 2, 3, 5]);
    }

    #[test]
    fn malformed_traces_end_without_panicking() {
        assert!(trace(vec![]).critical_path().is_empty());
        // A span that is its own parent, a cycle, a child past its parent's end.
        let t = trace(vec![
            span(1, Some(1), 0, 10),
            span(2, Some(3), 0, 5),
            span(3, Some(2), 0, 5),
            span(4, Some(1), 5, 1_000),
        ]);
        assert_eq!(t.critical_path(), vec![1, 4]);
    }

    #[test]
    fn web_traces_have_a_critical_path_from_the_root() {
        let mut cfg = crate::LabConfig::new("web");
        cfg.seed = 3;
        let mut lab = crate::Lab::new(&cfg).expect("web builds");
        lab.run_until(5 * NS_PER_SEC);
        let mut seen = 0;
        for t in lab.traces() {
            let path = t.critical_path();
            assert_eq!(path.first(), Some(&t.spans[0].span_id), "root first");
            // Critical spans that are the root's children do not overlap in time.
            let mut kids: Vec<&Span> = t
                .spans
                .iter()
                .filter(|s| path.contains(&s.span_id) && s.parent == Some(t.spans[0].span_id))
                .collect();
            kids.sort_by_key(|s| s.start_ns);
            for w in kids.windows(2) {
                assert!(
                    w[0].end_ns() <= w[1].start_ns,
                    "trace {}: {:?}",
                    t.trace_id,
                    t
                );
            }
            seen += 1;
        }
        assert!(seen > 0, "the run kept traces");
    }

    #[test]
    fn log_budget_drops_and_counts() {
        let mut logs = LogBuffer::new(100, 2);
        let mut kept = 0;
        for i in 0..5 {
            if logs.admits(i) {
                logs.push(LogRecord {
                    t_ns: i,
                    level: Level::Info,
                    service: "api",
                    message: "x",
                    fields: vec![],
                    trace_id: None,
                });
                kept += 1;
            }
        }
        assert_eq!((kept, logs.dropped(), logs.total()), (2, 3, 5));
        assert!(logs.admits(NS_PER_SEC), "a new second has a new budget");
    }
}
