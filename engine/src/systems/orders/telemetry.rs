//! The order system's traces. A command's own trace: queue wait, loading the
//! aggregate, the append. What follows a traced command asynchronously gets traces of
//! its own, linked to the command's append span (OpenTelemetry's links, not parents:
//! the work happens later, elsewhere, and may happen more than once): each projection
//! applying one of its events, and, for an order placed, its payment saga with a span
//! per step and compensation.

use super::domain::{decide, EventKind};
use super::store::ProjectionKind;
use super::{Cmd, Followed, OrdersModel, SagaTrace, COMMAND_SERVICE};
use crate::observe::{Span, SpanStatus, Trace};
use crate::systems::Core;
use crate::time::Nanos;

/// Traces of asynchronous work are numbered from here (commands and queries use their
/// request number).
const ASYNC_TRACES: u64 = 1 << 40;
/// Events of traced commands remembered for the projections to link to.
const FOLLOWED: usize = 256;

impl OrdersModel {
    pub(super) fn record_trace(&mut self, core: &mut Core, c: &Cmd, ok: bool) {
        let status = if ok {
            SpanStatus::Ok
        } else {
            SpanStatus::Error
        };
        let root = c.seq << 8;
        let span = |id: u64,
                    parent: Option<u64>,
                    operation: &'static str,
                    start: Nanos,
                    end: Nanos,
                    status| Span {
            trace_id: c.seq,
            span_id: id,
            parent,
            service: COMMAND_SERVICE,
            operation,
            start_ns: start,
            duration_ns: end.saturating_sub(start),
            status,
            attributes: vec![],
            links: Vec::new(),
        };
        let mut root_span = span(
            root,
            None,
            c.command.endpoint(),
            c.arrival,
            core.now,
            status,
        );
        root_span.attributes = vec![
            ("order", c.stream.to_string()),
            ("stream.version", c.expected.to_string()),
            ("append.conflicts", c.conflicts.to_string()),
        ];
        let loaded_at = c.start + c.loaded_ns;
        let load_op = if c.from_snapshot {
            "load aggregate (snapshot)"
        } else {
            "load aggregate (replay)"
        };
        let spans = vec![
            root_span,
            span(
                root + 1,
                Some(root),
                "queue wait",
                c.arrival,
                c.start,
                SpanStatus::Ok,
            ),
            span(
                root + 2,
                Some(root),
                load_op,
                c.start,
                loaded_at,
                SpanStatus::Ok,
            ),
            span(root + 3, Some(root), "append", loaded_at, core.now, status),
        ];
        core.traces.push(Trace {
            trace_id: c.seq,
            spans,
        });
        if ok {
            self.follow_append(c, root + 3);
        }
    }

    /// Remembers the events a traced command appended (they are the last in the log).
    fn follow_append(&mut self, c: &Cmd, append_span: u64) {
        let n = decide(c.state, c.command).map_or(0, |k| k.len());
        let head = self.store.head();
        for position in head.saturating_sub(n)..head {
            if self.followed.len() == FOLLOWED {
                self.followed.pop_front();
            }
            self.followed.push_back(Followed {
                position,
                trace: c.seq,
                span: append_span,
            });
        }
        // An order placed: its saga (already started, unless an outbox relays it) links
        // to the same append.
        if let Some(saga) = self.saga_of.get(c.stream as usize).copied().flatten() {
            self.link_saga(saga, (c.seq, append_span));
        }
    }

    /// Traces saga `i` as following `link` (the append of its order's `OrderPlaced`).
    pub(super) fn link_saga(&mut self, i: u32, link: (u64, u64)) {
        let traced = self.saga_traces.iter().any(|t| t.saga == i);
        if traced || self.sagas[i as usize].done {
            return;
        }
        if self.saga_traces.len() == FOLLOWED {
            // Bounded like the rest: the oldest still running is not traced to its end.
            self.saga_traces.remove(0);
        }
        let trace = self.next_async_trace();
        let step_started = self.sagas[i as usize].started;
        self.saga_traces.push(SagaTrace {
            saga: i,
            link,
            trace,
            spans: Vec::new(),
            step_started,
        });
    }

    /// The traced append that wrote the event at `position`, if any.
    pub(super) fn followed(&self, position: usize) -> Option<Followed> {
        let (first, last) = (self.followed.front()?, self.followed.back()?);
        if position < first.position || position > last.position {
            return None;
        }
        let (a, b) = self.followed.as_slices();
        [a, b].into_iter().find_map(|part| {
            part.binary_search_by_key(&position, |f| f.position)
                .ok()
                .map(|k| part[k])
        })
    }

    pub(super) fn next_async_trace(&mut self) -> u64 {
        self.async_traces += 1;
        ASYNC_TRACES + self.async_traces
    }

    /// Projection `p` applied the event at `position`, taking `took`: a trace if the
    /// command that wrote it was traced. Events every projection has applied are
    /// forgotten first, so with the projections caught up there is nothing to look in.
    #[inline]
    pub(super) fn trace_projection(
        &mut self,
        core: &mut Core,
        p: usize,
        position: usize,
        took: Nanos,
    ) {
        if !self.followed.is_empty() {
            self.trace_projection_slow(core, p, position, took);
        }
    }

    #[inline(never)]
    fn trace_projection_slow(&mut self, core: &mut Core, p: usize, position: usize, took: Nanos) {
        let applied = self
            .projections
            .iter()
            .map(|m| m.checkpoint)
            .min()
            .unwrap_or(0);
        while self
            .followed
            .front()
            .is_some_and(|f| f.position + 1 < applied)
        {
            self.followed.pop_front();
        }
        let Some(f) = self.followed(position) else {
            return;
        };
        if !core.traces.admits(core.now) {
            return;
        }
        let Some(e) = self.store.event(position).copied() else {
            return;
        };
        let trace_id = self.next_async_trace();
        let start = core.now.saturating_sub(took);
        core.traces.push(Trace {
            trace_id,
            spans: vec![Span {
                trace_id,
                span_id: trace_id << 8,
                parent: None,
                service: "projections",
                operation: apply_operation(e.kind),
                start_ns: start,
                duration_ns: took,
                status: SpanStatus::Ok,
                attributes: vec![
                    ("projection", ProjectionKind::ALL[p].as_str().into()),
                    ("log.position", position.to_string()),
                    ("order", e.stream.to_string()),
                    ("stream.version", e.version.to_string()),
                    (
                        "lag_ms",
                        format!("{:.1}", (start.saturating_sub(e.t_ns)) as f64 / 1e6),
                    ),
                ],
                links: vec![(f.trace, f.span)],
            }],
        });
    }

    /// A traced saga's step or compensation ended now: a span from where the last one
    /// ended.
    pub(super) fn saga_span(&mut self, i: u32, operation: &'static str, ok: bool, now: Nanos) {
        if self.saga_traces.is_empty() {
            return;
        }
        let stream = self.sagas[i as usize].stream;
        let Some(s) = self.saga_traces.iter_mut().find(|t| t.saga == i) else {
            return;
        };
        let trace_id = s.trace;
        let root = trace_id << 8;
        let span_id = root + 1 + s.spans.len() as u64;
        s.spans.push(Span {
            trace_id,
            span_id,
            parent: Some(root),
            service: "saga",
            operation,
            start_ns: s.step_started,
            duration_ns: now.saturating_sub(s.step_started),
            status: if ok {
                SpanStatus::Ok
            } else {
                SpanStatus::Error
            },
            attributes: vec![("order", stream.to_string())],
            links: Vec::new(),
        });
        s.step_started = now;
    }

    /// A traced saga ended with `outcome`: its trace, the root span linked to the
    /// command that placed the order.
    pub(super) fn trace_saga(&mut self, core: &mut Core, i: u32, outcome: &'static str) {
        let Some(k) = self.saga_traces.iter().position(|t| t.saga == i) else {
            return;
        };
        let mut s = self.saga_traces.swap_remove(k);
        if !core.traces.admits(core.now) {
            return;
        }
        let saga = &self.sagas[i as usize];
        let (trace_id, link) = (s.trace, s.link);
        let mut spans = Vec::with_capacity(s.spans.len() + 1);
        spans.push(Span {
            trace_id,
            span_id: trace_id << 8,
            parent: None,
            service: "saga",
            operation: "payment saga",
            start_ns: saga.started,
            duration_ns: core.now.saturating_sub(saga.started),
            status: if outcome == "completed" {
                SpanStatus::Ok
            } else {
                SpanStatus::Error
            },
            attributes: vec![
                ("order", saga.stream.to_string()),
                ("saga.outcome", outcome.into()),
            ],
            links: vec![link],
        });
        spans.append(&mut s.spans);
        core.traces.push(Trace { trace_id, spans });
    }
}

/// The operation of a projection applying an event of `kind`.
fn apply_operation(kind: EventKind) -> &'static str {
    match kind {
        EventKind::OrderPlaced => "apply OrderPlaced",
        EventKind::PaymentConfirmed => "apply PaymentConfirmed",
        EventKind::OrderShipped => "apply OrderShipped",
        EventKind::OrderCancelled => "apply OrderCancelled",
        EventKind::RefundIssued => "apply RefundIssued",
    }
}
