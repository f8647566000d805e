//! The order system's parameters (ranges and defaults; `mod.rs` says where the defaults
//! come from), the metrics it declares, its parts, and what each golden signal measures
//! in it: what its catalogue entry (`META`, in `mod.rs`) is made of.

use super::metrics::*;
use crate::golden::{GoldenSeries, Signal};
use crate::metrics::MetricSpec;
use crate::params::ParamSpec;
use crate::scenario::Component;
use crate::systems::common;

pub(super) const PARAMS: &[ParamSpec] = &[
    ParamSpec::float(
        "arrival_rate_rps",
        "req/s",
        100.0,
        0.01,
        100_000.0,
        "Client commands and queries per second (Poisson).",
    ),
    ParamSpec::float(
        "query_share",
        "",
        0.5,
        0.0,
        1.0,
        "Share of client requests that are queries (GetOrder on a recent order).",
    ),
    ParamSpec::float(
        "ship_share",
        "",
        0.15,
        0.0,
        1.0,
        "Share that are ShipOrder on a recent order (the rest of the commands place orders).",
    ),
    ParamSpec::float(
        "cancel_share",
        "",
        0.05,
        0.0,
        1.0,
        "Share that are CancelOrder on a recent order.",
    ),
    ParamSpec::int(
        "command_workers",
        "",
        8,
        1,
        4096,
        "Command handlers working at once (a command holds one from load to commit).",
    ),
    ParamSpec::float(
        "append_latency_ms",
        "ms",
        2.0,
        0.01,
        10_000.0,
        "Mean time to commit an append (log-normal, cv 0.5).",
    ),
    ParamSpec::float(
        "event_load_us",
        "µs",
        20.0,
        0.0,
        100_000.0,
        "Time to read and apply one event when loading an aggregate.",
    ),
    ParamSpec::int(
        "snapshot_every",
        "events",
        20,
        0,
        100_000,
        "A snapshot of an aggregate (an order, a product) every this many of its events (0: never).",
    ),
    ParamSpec::int(
        "max_append_retries",
        "",
        3,
        0,
        100,
        "Reloads after a version conflict before a command gives up (409).",
    ),
    ParamSpec::float(
        "projection_rate_eps",
        "events/s",
        2000.0,
        0.01,
        10_000_000.0,
        "Events each projection applies per second.",
    ),
    ParamSpec::float(
        "query_ms",
        "ms",
        1.0,
        0.0,
        10_000.0,
        "Time to answer a query from the order_summary read model.",
    ),
    ParamSpec::float(
        "stock_latency_ms",
        "ms",
        20.0,
        0.0,
        60_000.0,
        "Mean time of a stock reservation or release (exponential).",
    ),
    ParamSpec::float(
        "stock_failure_rate",
        "",
        0.01,
        0.0,
        1.0,
        "Share of stock reservations refused (out of stock).",
    ),
    ParamSpec::float(
        "payment_latency_ms",
        "ms",
        300.0,
        0.0,
        60_000.0,
        "Mean time of a charge or a refund at the payment provider (exponential).",
    ),
    ParamSpec::float(
        "payment_failure_rate",
        "",
        0.02,
        0.0,
        1.0,
        "Share of charges declined.",
    ),
    ParamSpec::float(
        "compensation_failure_rate",
        "",
        0.0,
        0.0,
        1.0,
        "Share of compensation attempts (refund, release) that fail.",
    ),
    ParamSpec::int(
        "compensation_retries",
        "",
        3,
        0,
        100,
        "Retries of a failed compensation before the saga is stuck.",
    ),
    ParamSpec::float(
        "compensation_backoff_ms",
        "ms",
        500.0,
        0.0,
        600_000.0,
        "Wait before retrying a failed compensation.",
    ),
    ParamSpec::float(
        "offset_commit_interval_ms",
        "ms",
        5000.0,
        1.0,
        3_600_000.0,
        "How often each projection's consumer commits the offset it has reached to the broker.",
    ),
    ParamSpec::int(
        "products",
        "",
        200,
        1,
        1_000_000,
        "Products in the inventory (each saga reserves stock of one, chosen uniformly).",
    ),
    ParamSpec::int(
        "product_history_events",
        "events",
        20_000,
        0,
        10_000_000,
        "Events each product's stream holds when the run starts (its past reservations and releases).",
    ),
];

pub(super) const METRICS: &[MetricSpec] = &[
    common::HTTP_REQUESTS,
    common::HTTP_DURATION,
    common::IN_FLIGHT,
    common::QUEUE_DEPTH,
    common::WORKERS_BUSY,
    common::UTILIZATION,
    common::WAIT,
    common::DATA_ANOMALIES,
    EVENTS_APPENDED,
    APPEND_DURATION,
    APPEND_CONFLICTS,
    STORE_SIZE,
    PROJECTION_LAG_EVENTS,
    PROJECTION_LAG_SECONDS,
    SNAPSHOTS,
    LOAD_DURATION,
    SAGAS,
    SAGA_DURATION,
    COMPENSATIONS,
    REPLAY_DURATION,
    common::STALE_READS,
    SNAPSHOT_LOAD_FAILURES,
    EVENTS_PARKED,
    OUT_OF_ORDER,
    REDELIVERED,
    DUPLICATES_SKIPPED,
    INTEGRATION_EVENTS,
    AWAITING_PAYMENT,
];

/// The golden signals as the order system counts them: client commands and queries.
pub(super) static GOLDEN: [GoldenSeries; Signal::COUNT] = {
    const LATENCY: &str = "Time from a client's command or query arriving to its answer \
        (errors too), over the last 5 s; the saga's own commands are not counted.";
    [
        GoldenSeries {
            signal: Signal::ThroughputRps,
            meaning: "Client commands and queries answered successfully per second over \
                the last 5 s.",
        },
        GoldenSeries {
            signal: Signal::ErrorRate,
            meaning: "Share of client commands and queries over the last 5 s answered \
                with an error (409: the order's state forbids it or its stream kept \
                moving; 404: the projection has not seen the order yet).",
        },
        GoldenSeries {
            signal: Signal::LatencyP50S,
            meaning: LATENCY,
        },
        GoldenSeries {
            signal: Signal::LatencyP95S,
            meaning: LATENCY,
        },
        GoldenSeries {
            signal: Signal::LatencyP99S,
            meaning: LATENCY,
        },
        GoldenSeries {
            signal: Signal::QueueDepth,
            meaning: "Commands (the clients' and the saga's) waiting for a command \
                handler, now.",
        },
        GoldenSeries {
            signal: Signal::Utilization,
            meaning: "Busy share of the command handlers over the last sample interval.",
        },
        GoldenSeries {
            signal: Signal::InFlight,
            meaning: "Client commands and queries arrived and not yet answered, now.",
        },
    ]
};

pub(super) const COMPONENTS: &[Component] = &[
    Component::Client,
    Component::Service,
    Component::Database,
    Component::Projection,
    Component::Dependency,
    Component::Queue,
];
