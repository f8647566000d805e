//! Every metric the order system declares (the roadmap's names), besides the HTTP and
//! saturation metrics every system emits (`systems::common`).

use crate::metrics::{MetricSpec, LATENCY_BUCKETS};

pub const EVENTS_APPENDED: MetricSpec = MetricSpec::counter(
    "events_appended_total",
    "Events appended to the event store, by event type.",
    &["type"],
);
pub const APPEND_DURATION: MetricSpec = MetricSpec::histogram(
    "event_append_duration_seconds",
    "Time to commit an append to the event store (accepted or refused).",
    &[],
    LATENCY_BUCKETS,
);
pub const APPEND_CONFLICTS: MetricSpec = MetricSpec::counter(
    "event_append_conflicts_total",
    "Appends refused because the stream had moved past the expected version (the command is reloaded and retried).",
    &[],
);
pub const STORE_SIZE: MetricSpec = MetricSpec::gauge(
    "event_store_size_events",
    "Events in the store (the head's global position).",
    &[],
);
pub const PROJECTION_LAG_EVENTS: MetricSpec = MetricSpec::gauge(
    "projection_lag_events",
    "Events stored but not yet applied by a projection (head minus checkpoint).",
    &["projection"],
);
pub const PROJECTION_LAG_SECONDS: MetricSpec = MetricSpec::gauge(
    "projection_lag_seconds",
    "Age of the oldest event a projection has not applied yet (0 when caught up).",
    &["projection"],
);
pub const SNAPSHOTS: MetricSpec = MetricSpec::counter(
    "snapshots_created_total",
    "Aggregate snapshots written (every snapshot_every events of a stream), by aggregate: order, product.",
    &["aggregate"],
);
pub const LOAD_DURATION: MetricSpec = MetricSpec::histogram(
    "aggregate_load_duration_seconds",
    "Time to load an aggregate (an order before a command, a product before a stock reservation or release): from a snapshot and the events after it, or by replaying its whole stream.",
    &["aggregate", "source"],
    LATENCY_BUCKETS,
);
pub const SAGAS: MetricSpec = MetricSpec::counter(
    "sagas_total",
    "Payment sagas finished, by outcome: completed, compensated (undone in reverse), stuck (a compensation gave up).",
    &["outcome"],
);
/// A saga's duration: from a fraction of a second (stock and payment calls) to the
/// better part of an hour (compensations retried with backoff through an outage).
pub const SAGA_BUCKETS: &[f64] = &[
    0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0,
    1800.0, 3600.0,
];

pub const SAGA_DURATION: MetricSpec = MetricSpec::histogram(
    "saga_duration_seconds",
    "Time from an order placed to its saga's end.",
    &[],
    SAGA_BUCKETS,
);
pub const COMPENSATIONS: MetricSpec = MetricSpec::counter(
    "compensations_total",
    "Compensating actions run by the saga, by step (release_stock, refund) and outcome (ok, failed).",
    &["step", "outcome"],
);
pub const REPLAY_DURATION: MetricSpec = MetricSpec::histogram(
    "event_replay_duration_seconds",
    "Time a projection rebuild took to replay the log from position 0 to where the head was when it started.",
    &["projection"],
    LATENCY_BUCKETS,
);
pub const SNAPSHOT_LOAD_FAILURES: MetricSpec = MetricSpec::counter(
    "snapshot_load_failures_total",
    "Snapshots refused when loading an aggregate, by reason: unreadable (it did not parse), checksum (its contents did not match its checksum).",
    &["reason"],
);
pub const EVENTS_PARKED: MetricSpec = MetricSpec::counter(
    "projection_events_parked_total",
    "Events a projection set aside on its retry queue because writing them to the read model failed.",
    &["projection"],
);
pub const OUT_OF_ORDER: MetricSpec = MetricSpec::counter(
    "projection_events_out_of_order_total",
    "Events a projection applied after a later event of the same order.",
    &["projection"],
);
pub const REDELIVERED: MetricSpec = MetricSpec::counter(
    "projection_events_redelivered_total",
    "Events delivered to a projection again after its consumer restarted from the last committed offset.",
    &["projection"],
);
pub const DUPLICATES_SKIPPED: MetricSpec = MetricSpec::counter(
    "projection_duplicates_skipped_total",
    "Events delivered again that a projection recognised as already applied (its checkpoint is stored with its read model) and skipped.",
    &["projection"],
);
pub const INTEGRATION_EVENTS: MetricSpec = MetricSpec::counter(
    "integration_events_total",
    "OrderPlaced integration events sent to the broker for the payment saga, by outcome: published, lost (written to the log, never published), retried (the outbox relay will publish it again).",
    &["outcome"],
);
pub const AWAITING_PAYMENT: MetricSpec = MetricSpec::gauge(
    "orders_awaiting_payment",
    "Orders placed whose payment saga has not ended and that were not cancelled.",
    &[],
);
