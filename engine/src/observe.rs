//! Structured logs and request traces, both kept in bounded buffers with sampling so a
//! run of any length uses bounded memory. Injected failures show up here as error log
//! lines and spans with an error status.

use crate::time::{Nanos, NS_PER_SEC};
use serde::Serialize;
use std::collections::VecDeque;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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
}

/// A finished request's spans; the root span is first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Trace {
    pub trace_id: u64,
    pub spans: Vec<Span>,
}

impl Trace {
    pub fn root(&self) -> Option<&Span> {
        self.spans.first()
    }
    pub fn is_error(&self) -> bool {
        self.spans.iter().any(|s| s.status == SpanStatus::Error)
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

#[cfg(test)]
mod tests {
    use super::*;

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
