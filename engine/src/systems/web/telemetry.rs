//! What a request leaves behind for the engineer: its error log line and its trace (a
//! root span and one child per step, hedged copies included). Written from the request's
//! slot alone, so any part can end a request without knowing how it is recorded.

use super::request::{api_name, decimal, ends, Req, DATABASE, ENDPOINTS, PAYMENT, SERVICE};
use crate::observe::{Level, LogRecord, Span, SpanStatus, Trace};
use crate::scenario::{Component, Edge};
use crate::systems::Core;
use crate::time::Nanos;

/// The error log line of a failed request: what failed, where, with its trace id.
pub(super) fn log_failure(core: &mut Core, r: &Req, status: u16, held_worker: bool) {
    if !core.logs.admits(core.now) {
        return;
    }
    let message = if !held_worker && r.lost_on == Some(Edge::LbApi) {
        "upstream connect timed out: network link to the instance lost"
    } else if !held_worker {
        match status {
            504 => "request expired in queue (server timeout)",
            _ => "request rejected (queue full or shed)",
        }
    } else {
        match (r.failed_at, status) {
            (Some(Component::Database), 504) => "database call timed out",
            (Some(Component::Database), 409) => "write conflict: row changed, retries exhausted",
            (Some(Component::Database), 500) if r.waiting_lock || r.lock_wait_start > 0 => {
                "lock wait timeout exceeded"
            }
            (Some(Component::Database), _) => "database query failed",
            (Some(Component::Dependency), 504) => "payment call timed out",
            (Some(Component::Disk), _) => "write failed: no space left on device",
            (_, 401) => "token rejected: expired",
            (_, 400) => "bad request",
            (Some(Component::Dependency), 503) if r.dns_failed => {
                "payment call failed: DNS lookup of the provider failed"
            }
            (Some(Component::Dependency), 503) => "payment call rejected by open circuit breaker",
            (Some(Component::Dependency), _) => "payment call failed",
            _ => "request failed",
        }
    };
    core.logs.push(LogRecord {
        t_ns: core.now,
        level: if status == 503 && !held_worker {
            Level::Warn
        } else {
            Level::Error
        },
        service: SERVICE,
        message,
        fields: {
            let mut fields = Vec::with_capacity(5);
            fields.push(("status", decimal(u64::from(status))));
            fields.push(("endpoint", ENDPOINTS[r.endpoint as usize].into()));
            fields.push(("instance", api_name(r.instance)));
            // Which downstream part failed, by its service name (as in its spans),
            // so the console can filter a component's log lines.
            let upstream = match r.failed_at {
                Some(Component::Database | Component::Disk) => Some(DATABASE),
                Some(Component::Dependency) => Some(PAYMENT),
                Some(Component::Cache) => Some("redis"),
                _ => None,
            };
            if let Some(u) = upstream {
                fields.push(("upstream", u.into()));
            }
            if r.dns_failed {
                fields.push(("resolver", "dns".into()));
            }
            fields
        },
        trace_id: Some(r.seq),
    });
}

/// The trace of a finished request: its root span and a child per step it took.
/// `cache_latency_ns` is the cache lookup's time when the system reads through a cache.
pub(super) fn record_trace(
    core: &mut Core,
    r: &Req,
    fail: Option<u16>,
    held_worker: bool,
    cache_latency_ns: Option<Nanos>,
) {
    let status_of = |c: Component| {
        if r.failed_at == Some(c) {
            SpanStatus::Error
        } else {
            SpanStatus::Ok
        }
    };
    let root = r.seq << 8;
    let mut attributes = Vec::with_capacity(4);
    attributes.push(("http.status", decimal(u64::from(fail.unwrap_or(200)))));
    attributes.push(("instance", api_name(r.instance)));
    attributes.push(("attempt", decimal(u64::from(r.attempt))));
    // Room for every child span a request can have, so pushing them never regrows.
    let mut spans = Vec::with_capacity(12);
    spans.push(Span {
        trace_id: r.seq,
        span_id: root,
        parent: None,
        service: SERVICE,
        operation: ENDPOINTS[r.endpoint as usize],
        start_ns: r.origin(),
        duration_ns: core.now - r.origin(),
        status: if fail.is_some() {
            SpanStatus::Error
        } else {
            SpanStatus::Ok
        },
        attributes,
        links: Vec::new(),
    });
    if let Some(edge) = r.lost_on {
        let (from, to) = ends(edge, r.instance);
        spans[0]
            .attributes
            .push(("network.lost_on", format!("{from} → {to}")));
    }
    let mut child = |service,
                     operation,
                     start: Nanos,
                     end: Nanos,
                     status,
                     attrs: Vec<(&'static str, String)>| {
        let id = root + spans.len() as u64;
        spans.push(Span {
            trace_id: r.seq,
            span_id: id,
            parent: Some(root),
            service,
            operation,
            start_ns: start,
            duration_ns: end.saturating_sub(start),
            status,
            attributes: attrs,
            links: Vec::new(),
        });
    };
    let end = core.now;
    if !held_worker {
        child(
            SERVICE,
            "accept queue",
            r.arrival,
            end,
            SpanStatus::Error,
            vec![],
        );
    } else {
        if r.start > r.arrival {
            child(
                SERVICE,
                "accept queue",
                r.arrival,
                r.start,
                SpanStatus::Ok,
                vec![],
            );
        }
        let cpu_end = if r.cpu_done > 0 { r.cpu_done } else { end };
        child(
            SERVICE,
            "handler",
            r.start,
            cpu_end,
            status_of(Component::Service),
            vec![],
        );
        if let (0, Some(cache_latency_ns), true) = (r.endpoint, cache_latency_ns, r.cpu_done > 0) {
            let hit = if r.cache_hit { "hit" } else { "miss" };
            let cache_end = if r.cache_hit {
                end
            } else {
                (r.cpu_done + cache_latency_ns).min(end)
            };
            child(
                "redis",
                "GET product",
                r.cpu_done,
                cache_end,
                status_of(Component::Cache),
                vec![("cache.result", hit.into()), ("key", r.key.to_string())],
            );
        }
        if r.db_start > 0 {
            let ready = if let (0, Some(cache_latency_ns)) = (r.endpoint, cache_latency_ns) {
                r.cpu_done + cache_latency_ns
            } else {
                r.cpu_done
            };
            if r.db_start > ready {
                child(
                    SERVICE,
                    "db pool wait",
                    ready,
                    r.db_start,
                    SpanStatus::Ok,
                    vec![],
                );
            }
            let (op, db_end) = if r.endpoint == 0 {
                ("SELECT product", end)
            } else {
                (
                    "INSERT order",
                    if r.disk_start > 0 {
                        r.disk_start
                    } else if r.dep_start > 0 {
                        r.dep_start
                    } else {
                        end
                    },
                )
            };
            child(
                DATABASE,
                op,
                r.db_start,
                db_end,
                status_of(Component::Database),
                vec![],
            );
        }
        if r.disk_start > 0 {
            child(
                DATABASE,
                "WAL write",
                r.disk_start,
                r.disk_done.min(end),
                status_of(Component::Disk),
                vec![],
            );
        }
        if r.send_start > 0 || r.truncated {
            let from = if r.send_start > 0 { r.send_start } else { end };
            child(
                "lb",
                "send response",
                from,
                end,
                if r.truncated {
                    SpanStatus::Error
                } else {
                    SpanStatus::Ok
                },
                vec![("http.response.truncated", r.truncated.to_string())],
            );
        }
        if r.dep_start > 0 {
            child(
                PAYMENT,
                "POST /charge",
                r.dep_start,
                end,
                status_of(Component::Dependency),
                vec![],
            );
            if r.dns_ns > 0 {
                // The lookup of the provider's name happens first, inside the call.
                child(
                    "dns",
                    "resolve payment",
                    r.dep_start,
                    (r.dep_start + r.dns_ns).min(end),
                    if r.dns_failed {
                        SpanStatus::Error
                    } else {
                        SpanStatus::Ok
                    },
                    vec![],
                );
            }
        }
    }
    if let Some((t, instance)) = r.twin_start {
        hedge_spans(&mut spans, r, t, instance, end);
    }
    core.traces.push(Trace {
        trace_id: r.seq,
        spans,
    });
}

/// The spans of a hedged read's other copy, added to the winner's trace: the `hedge`
/// span for the second copy, and when the hedge won, the first copy, which lost.
fn hedge_spans(spans: &mut Vec<Span>, r: &Req, twin_at: Nanos, twin_instance: u32, end: Nanos) {
    let root = r.seq << 8;
    let mut push = |operation, start: Nanos, instance: u32, outcome: &str| {
        let span_id = root + spans.len() as u64;
        spans.push(Span {
            trace_id: r.seq,
            span_id,
            parent: Some(root),
            service: "lb",
            operation,
            start_ns: start,
            duration_ns: end.saturating_sub(start),
            status: SpanStatus::Ok,
            attributes: vec![
                ("instance", api_name(instance)),
                ("hedge.outcome", outcome.into()),
            ],
            links: Vec::new(),
        });
    };
    if r.hedge {
        push("first copy", twin_at, twin_instance, "lost");
        push("hedge", r.arrival, r.instance, "won");
    } else {
        push("hedge", twin_at, twin_instance, "lost");
    }
}
