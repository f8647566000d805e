//! The order system's diagram: clients, the command API, the event store, the
//! projections, the query API and the saga's payment provider.

use crate::diagram::{
    all, pct, read_service, secs, share, Diagram, EdgeSpec, NodeSpec, Options, Readings, Verdict,
    ERRORS_DEGRADED, ERRORS_FAILING, SLOW_P99_S, VERY_SLOW_P99_S,
};
use crate::scenario::Component;

pub static DIAGRAM: Diagram = Diagram {
    layout,
    read_node,
    read_edge,
};

const CLIENTS: NodeSpec = NodeSpec {
    id: "clients",
    label: "Clients",
    components: &[Component::Client],
    services: &["command-api", "query-api"],
    col: 0,
    row: 0,
    signals: "http_requests_total: commands and queries sent",
    metrics: &["http_requests_total"],
};
const COMMAND_API: NodeSpec = NodeSpec {
    id: "command-api",
    label: "Command API",
    components: &[Component::Service],
    services: &["command-api"],
    col: 1,
    row: 0,
    signals: "http_requests_total{status=\"409\"}: refused; aggregate_load_duration_seconds: loads",
    metrics: &[
        "http_request_duration_seconds",
        "aggregate_load_duration_seconds",
        "service_utilization_ratio",
    ],
};
const EVENT_STORE: NodeSpec = NodeSpec {
    id: "event-store",
    label: "Event store",
    components: &[Component::Database],
    services: &["command-api"],
    col: 2,
    row: 0,
    signals: "event_append_duration_seconds: p99; event_append_conflicts_total: version conflicts",
    metrics: &[
        "events_appended_total",
        "event_append_duration_seconds",
        "event_append_conflicts_total",
        "event_store_size_events",
        "snapshots_created_total",
        "snapshot_load_failures_total",
    ],
};
const PROJECTIONS: NodeSpec = NodeSpec {
    id: "projections",
    label: "Projections",
    components: &[Component::Projection],
    services: &["query-api"],
    col: 3,
    row: 0,
    signals: "projection_lag_seconds: how far behind the read side is",
    metrics: &[
        "projection_lag_events",
        "projection_lag_seconds",
        "projection_events_out_of_order_total",
        "projection_events_redelivered_total",
    ],
};
const QUERY_API: NodeSpec = NodeSpec {
    id: "query-api",
    label: "Query API",
    components: &[Component::Service],
    services: &["query-api"],
    col: 3,
    row: 1,
    signals: "stale_reads_total: answers older than the order; 404: not projected yet",
    metrics: &["stale_reads_total", "http_requests_total"],
};
const PAYMENT: NodeSpec = NodeSpec {
    id: "payment",
    label: "Saga: stock, payment",
    components: &[Component::Dependency, Component::Queue],
    services: &["saga"],
    col: 1,
    row: 1,
    signals: "sagas_total{outcome=\"stuck\"}: orders left half-done",
    metrics: &[
        "sagas_total",
        "compensations_total",
        "saga_duration_seconds",
        "orders_awaiting_payment",
        "integration_events_total",
    ],
};

fn layout(_: &Options<'_>) -> (Vec<NodeSpec>, Vec<EdgeSpec>) {
    let e = |from, to, rate_of| EdgeSpec { from, to, rate_of };
    (
        vec![
            CLIENTS,
            COMMAND_API,
            EVENT_STORE,
            PROJECTIONS,
            QUERY_API,
            PAYMENT,
        ],
        vec![
            e("clients", "command-api", "http_requests_total"),
            e("command-api", "event-store", "events_appended_total"),
            e("event-store", "projections", "events_appended_total"),
            e("projections", "query-api", "stale_reads_total"),
            e("clients", "query-api", "http_requests_total"),
            e("command-api", "payment", "saga_duration_seconds_count"),
        ],
    )
}

fn service(name: &'static str) -> impl Fn(&[String]) -> bool {
    move |l: &[String]| l.first().is_some_and(|s| s == name)
}

fn read_node(q: &Readings<'_>, spec: &NodeSpec, details: &mut Vec<String>) -> Verdict {
    match spec.id {
        "clients" => {
            let total = q.rate("http_requests_total", &all);
            details.push(format!("{total:.1} req/s"));
            Verdict::new(total > 0.0)
        }
        "command-api" => read_service(q, details),
        "event-store" => {
            let appended = q.rate("events_appended_total", &all);
            let conflicts = q.rate("event_append_conflicts_total", &all);
            let p99 = q.quantile(0.99, "event_append_duration_seconds", &all);
            details.push(format!("{appended:.1} events/s"));
            if p99.is_finite() {
                details.push(format!("append p99 {}", secs(p99)));
            }
            let mut v = Verdict::new(appended > 0.0);
            v.above("append p99", p99, SLOW_P99_S, VERY_SLOW_P99_S, secs);
            let s = share(conflicts, appended);
            details.push(format!("{} conflicts", pct(s)));
            v.above("conflicts", s, 0.05, 0.25, pct);
            v
        }
        "projections" => {
            let lag = q
                .gauges("projection_lag_seconds", &all)
                .into_iter()
                .fold(0.0, f64::max);
            details.push(format!("lag {}", secs(lag)));
            let mut v = Verdict::new(q.rate("events_appended_total", &all) > 0.0);
            v.above("lag", lag, 1.0, 10.0, secs);
            v
        }
        "query-api" => {
            let total = q.rate("http_requests_total", &service("query-api"));
            let stale = q.rate("stale_reads_total", &all);
            let s = share(stale, total);
            details.push(format!("{} stale", pct(s)));
            let mut v = Verdict::new(total > 0.0);
            v.above("stale reads", s, ERRORS_DEGRADED, ERRORS_FAILING, pct);
            v
        }
        "payment" => {
            let ended = q.rate("sagas_total", &all);
            let stuck = q.rate("sagas_total", &|l: &[String]| {
                l.first().is_some_and(|o| o == "stuck")
            });
            let s = share(stuck, ended);
            details.push(format!("{} stuck", pct(s)));
            let mut v = Verdict::new(ended > 0.0);
            v.above("stuck sagas", s, ERRORS_DEGRADED, ERRORS_FAILING, pct);
            v
        }
        _ => Verdict::new(false),
    }
}

fn read_edge(q: &Readings<'_>, spec: &EdgeSpec) -> f64 {
    match (spec.from, spec.to) {
        ("clients", "command-api") => q.rate("http_requests_total", &service("command-api")),
        ("clients", "query-api") => q.rate("http_requests_total", &service("query-api")),
        ("command-api", "payment") => q.rate("saga_duration_seconds", &all),
        ("projections", "query-api") => q.rate("stale_reads_total", &all),
        _ => q.rate("events_appended_total", &all),
    }
}
