//! The `inference` system's log lines and request traces.

use super::metrics::SERVICE;
use crate::observe::{Level, LogRecord, Span, SpanStatus, Trace};
use crate::systems::Core;
use crate::time::Nanos;

/// A log line now, if the log's budget admits it.
pub(super) fn log(
    core: &mut Core,
    level: Level,
    message: &'static str,
    fields: Vec<(&'static str, String)>,
    trace_id: Option<u64>,
) {
    if core.logs.admits(core.now) {
        core.logs.push(LogRecord {
            t_ns: core.now,
            level,
            service: SERVICE,
            message,
            fields,
            trace_id,
        });
    }
}

/// What a trace of one request shows.
pub(super) struct Path {
    pub seq: u64,
    pub arrival: Nanos,
    /// When it joined a batcher (0: it never did).
    pub enqueued: Nanos,
    /// When its batch started on the GPU (0: it never did).
    pub start: Nanos,
    pub status: u16,
    pub worker: u32,
    pub version: u32,
    pub staleness_s: f64,
}

/// Records the request's trace: the feature read, the wait in the batcher, the GPU.
pub(super) fn trace(core: &mut Core, p: &Path) {
    let status = if p.status == 200 {
        SpanStatus::Ok
    } else {
        SpanStatus::Error
    };
    let root = p.seq << 8;
    let span = |id: u64, operation, start: Nanos, end: Nanos, attributes| Span {
        trace_id: p.seq,
        span_id: root + id,
        parent: (id > 0).then_some(root),
        service: SERVICE,
        operation,
        start_ns: start,
        duration_ns: end.saturating_sub(start),
        status: if id == 0 { status } else { SpanStatus::Ok },
        attributes,
        links: Vec::new(),
    };
    let mut spans = vec![span(
        0,
        super::ENDPOINT,
        p.arrival,
        core.now,
        vec![
            ("http.status", p.status.to_string()),
            ("gpu.worker", format!("gpu-{}", p.worker)),
            ("model.version", p.version.to_string()),
        ],
    )];
    if p.enqueued > 0 {
        spans.push(span(
            1,
            "feature_store.read",
            p.arrival,
            p.enqueued,
            vec![("feature.staleness_s", format!("{:.1}", p.staleness_s))],
        ));
    }
    if p.start > 0 {
        spans.push(span(2, "batcher.queue", p.enqueued, p.start, Vec::new()));
        spans.push(span(3, "gpu.batch", p.start, core.now, Vec::new()));
    }
    core.traces.push(Trace {
        trace_id: p.seq,
        spans,
    });
}
