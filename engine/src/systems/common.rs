//! Metrics every system emits, with the same names, so dashboards and summaries work on
//! any of them.

use crate::metrics::{MetricSpec, LATENCY_BUCKETS};

pub const HTTP_REQUESTS: MetricSpec = MetricSpec::counter(
    "http_requests_total",
    "Requests answered, by service, endpoint and HTTP status.",
    &["service", "endpoint", "status"],
);
pub const HTTP_DURATION: MetricSpec = MetricSpec::histogram(
    "http_request_duration_seconds",
    "Time from a request's arrival to its response.",
    &["service", "endpoint"],
    LATENCY_BUCKETS,
);
pub const IN_FLIGHT: MetricSpec = MetricSpec::gauge(
    "http_requests_in_flight",
    "Requests arrived and not yet answered.",
    &["service"],
);
pub const QUEUE_DEPTH: MetricSpec = MetricSpec::gauge(
    "service_queue_depth",
    "Requests waiting for a worker.",
    &["service"],
);
pub const WORKERS_BUSY: MetricSpec = MetricSpec::gauge(
    "service_workers_busy",
    "Workers serving a request.",
    &["service"],
);
pub const UTILIZATION: MetricSpec = MetricSpec::gauge(
    "service_utilization_ratio",
    "Busy fraction of workers over the last sampling interval.",
    &["service"],
);
pub const WAIT: MetricSpec = MetricSpec::histogram(
    "service_queue_wait_seconds",
    "Time a request waited for a worker.",
    &["service"],
    LATENCY_BUCKETS,
);

/// Correctness problems, by kind, in any system that can have them (web: isolation
/// anomalies, lost writes, reordered and duplicated messages; orders: reads that saw a
/// saga half-done).
pub const DATA_ANOMALIES: MetricSpec = MetricSpec::counter(
    "data_anomalies_total",
    "Correctness problems observed, by kind: lost_update, non_repeatable_read, phantom, write_skew, stale_read, lost_write, out_of_order, duplicate_delivery, saga_intermediate_read, wrong_read_model, duplicate_applied, corrupt_snapshot_used.",
    &["kind"],
);

/// Reads older than the latest write, by where they came from (web: a replica, the
/// cache; orders: a projection).
pub const STALE_READS: MetricSpec = MetricSpec::counter(
    "stale_reads_total",
    "Reads that returned an older version than the latest write, by source (replica, cache, or a projection such as order_summary).",
    &["source"],
);
