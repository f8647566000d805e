//! Every metric the web system declares, by name, help and labels: a leaf module, so the
//! scenarios and mitigations that name these metrics depend on it alone, not on the
//! system that records them. Each part registers the handles it records through.

use crate::metrics::{MetricSpec, LATENCY_BUCKETS};
use crate::systems::{common, cost};

/// Label values the web system records that scenarios name too: the payment dependency
/// (`dependency`), and why an instance restarted (`reason`).
pub const PAYMENT: &str = "payment";
pub const OUT_OF_MEMORY: &str = "out_of_memory";

pub const LINK_QUEUE_DEPTH: MetricSpec = MetricSpec::gauge(
    "network_link_queue_depth",
    "Responses queued or being sent on the uplink to the clients.",
    &["link"],
);

pub const LINK_TRANSMIT: MetricSpec = MetricSpec::histogram(
    "network_link_transmit_seconds",
    "Time a response spent on the uplink: waiting for the bytes ahead of it, then sending its own.",
    &["link", "endpoint"],
    LATENCY_BUCKETS,
);

pub const LINK_BYTES: MetricSpec = MetricSpec::counter(
    "network_link_bytes_total",
    "Response bytes sent on the uplink.",
    &["link"],
);

pub const LINK_UTILIZATION: MetricSpec = MetricSpec::gauge(
    "network_link_utilization_ratio",
    "Busy share of the uplink over the last sampling interval.",
    &["link"],
);

pub const PARTIAL_RESPONSES: MetricSpec = MetricSpec::counter(
    "http_partial_responses_total",
    "Responses cut off before the full body reached the client (the server counted them as 200).",
    &["endpoint"],
);

pub const DISK_IO_WAIT: MetricSpec = MetricSpec::histogram(
    "disk_io_wait_seconds",
    "Time a write-ahead-log write took to reach the disk, queueing included.",
    &[],
    LATENCY_BUCKETS,
);

pub const DISK_IO_BACKLOG: MetricSpec = MetricSpec::gauge(
    "disk_io_queue_seconds",
    "Seconds of I/O queued at the database disk (how long a new write would wait).",
    &[],
);

pub const DISK_IO_UTILIZATION: MetricSpec = MetricSpec::gauge(
    "disk_io_utilization_ratio",
    "Busy share of the database disk over the last sampling interval.",
    &[],
);

pub const DB_POOL_IN_USE: MetricSpec = MetricSpec::gauge(
    "db_pool_in_use",
    "Database connections checked out, per instance.",
    &["instance"],
);

pub const DB_POOL_WAIT: MetricSpec = MetricSpec::histogram(
    "db_pool_wait_seconds",
    "Time a request waited for a database connection.",
    &[],
    LATENCY_BUCKETS,
);

pub const DB_QUERY_DURATION: MetricSpec = MetricSpec::histogram(
    "db_query_duration_seconds",
    "Database query time, by query type.",
    &["query_type"],
    LATENCY_BUCKETS,
);

pub const CACHE_HITS: MetricSpec = MetricSpec::counter(
    "cache_hits_total",
    "Cache lookups that found a fresh value.",
    &[],
);

pub const CACHE_MISSES: MetricSpec = MetricSpec::counter(
    "cache_miss_total",
    "Cache lookups that found nothing or an expired value.",
    &[],
);

pub const CACHE_HIT_RATE: MetricSpec = MetricSpec::gauge(
    "cache_hit_rate",
    "Share of cache lookups that hit, over the last sampling interval.",
    &[],
);

pub const CACHE_BACKEND: MetricSpec = MetricSpec::counter(
    "cache_backend_queries_total",
    "Database queries made to fill the cache after a miss.",
    &[],
);

pub const CACHE_CONCURRENT: MetricSpec = MetricSpec::gauge(
    "cache_concurrent_requests",
    "Peak number of cache-fill queries in flight at once during the last interval.",
    &[],
);

pub const CACHE_EVICTIONS: MetricSpec = MetricSpec::counter(
    "cache_evictions_total",
    "Keys evicted because the cache was full.",
    &[],
);

pub const DEPENDENCY_REQUESTS: MetricSpec = MetricSpec::counter(
    "dependency_requests_total",
    "Calls to downstream dependencies, by outcome.",
    &["dependency", "outcome"],
);

pub const DEPENDENCY_DURATION: MetricSpec = MetricSpec::histogram(
    "dependency_request_duration_seconds",
    "Duration of calls to downstream dependencies.",
    &["dependency"],
    LATENCY_BUCKETS,
);

/// Shared with the order system (`systems::common`).
pub use crate::systems::common::STALE_READS;

pub const REPLICATION_LAG: MetricSpec = MetricSpec::gauge(
    "replication_lag_seconds",
    "How far the read replica trails the primary.",
    &[],
);

pub const DB_LOCK_ATTEMPTS: MetricSpec = MetricSpec::counter(
    "db_lock_attempts_total",
    "Row locks requested by write transactions.",
    &[],
);

pub const DB_LOCK_CONFLICTS: MetricSpec = MetricSpec::counter(
    "db_lock_conflicts_total",
    "Row lock requests that found the row locked and had to wait.",
    &[],
);

pub const DB_LOCK_WAIT: MetricSpec = MetricSpec::histogram(
    "db_lock_wait_seconds",
    "Time a transaction waited for a row lock.",
    &[],
    LATENCY_BUCKETS,
);

pub const DB_LOCK_TIMEOUTS: MetricSpec = MetricSpec::counter(
    "db_lock_timeouts_total",
    "Transactions that gave up waiting for a row lock.",
    &[],
);

pub const DB_TX_RETRIES: MetricSpec = MetricSpec::counter(
    "db_transaction_retries_total",
    "Transactions re-run after a conflict (optimistic locking, deadlock).",
    &[],
);

pub const PROCESS_MEMORY: MetricSpec = MetricSpec::gauge(
    "process_memory_bytes",
    "Memory in use by each service instance.",
    &["instance"],
);

pub const MEMORY_LEAKED: MetricSpec = MetricSpec::gauge(
    "memory_leaked_bytes",
    "Memory leaked and not yet reclaimed by a restart, over all instances.",
    &[],
);

pub const GC_PAUSE: MetricSpec = MetricSpec::histogram(
    "gc_pause_seconds",
    "Stop-the-world garbage-collection pauses.",
    &[],
    LATENCY_BUCKETS,
);

pub const INSTANCE_RESTARTS: MetricSpec = MetricSpec::counter(
    "instance_restarts_total",
    "Instances that crashed and were restarted, by reason.",
    &["reason"],
);

pub const INSTANCE_UP: MetricSpec = MetricSpec::gauge(
    "instance_up",
    "1 when the instance is running, 0 while it restarts.",
    &["instance"],
);

pub const DISK_AVAILABLE: MetricSpec = MetricSpec::gauge(
    "disk_available_bytes",
    "Free space on the database server's disk.",
    &[],
);

pub const DISK_WRITE_FAILURES: MetricSpec = MetricSpec::counter(
    "disk_write_failures_total",
    "Writes refused because the disk was full.",
    &[],
);

pub const BULKHEAD_IN_USE: MetricSpec = MetricSpec::gauge(
    "bulkhead_in_use",
    "Concurrent calls to a dependency, over all instances.",
    &["dependency"],
);

pub const BULKHEAD_REJECTIONS: MetricSpec = MetricSpec::counter(
    "bulkhead_rejections_total",
    "Calls refused at once because the dependency's bulkhead was full.",
    &["dependency"],
);

pub const RESOURCE_QUEUE_DEPTH: MetricSpec = MetricSpec::gauge(
    "resource_queue_depth",
    "Requests waiting for a shared resource, by resource.",
    &["resource"],
);

pub const RESOURCE_WAIT: MetricSpec = MetricSpec::histogram(
    "resource_wait_seconds",
    "Time requests waited for a shared resource, by resource.",
    &["resource"],
    LATENCY_BUCKETS,
);

pub const DB_ROWS_SCANNED: MetricSpec = MetricSpec::counter(
    "db_rows_scanned_total",
    "Rows read by full table scans (queries without a usable index).",
    &["query_type"],
);

pub const CPU_UTILIZATION: MetricSpec = MetricSpec::gauge(
    "process_cpu_utilization_ratio",
    "Busy share of each instance's CPU cores over the last sampling interval.",
    &["instance"],
);

pub const DB_POOL_LEAKED: MetricSpec = MetricSpec::gauge(
    "db_pool_leaked_connections",
    "Connections checked out and never returned, until the pool reclaims them.",
    &[],
);

pub const CLIENT_REQUESTS: MetricSpec = MetricSpec::counter(
    "client_requests_total",
    "Calls as clients see them, by final outcome (success, error, timeout).",
    &["outcome"],
);

pub const CLIENT_DURATION: MetricSpec = MetricSpec::histogram(
    "client_request_duration_seconds",
    "Call duration as clients see it, retries included.",
    &[],
    LATENCY_BUCKETS,
);

pub const CLIENT_ABANDONED: MetricSpec = MetricSpec::counter(
    "server_wasted_responses_total",
    "Responses the server finished after the client had given up: wasted work.",
    &[],
);

pub const CHAIN_CALLS: MetricSpec = MetricSpec::counter(
    "chain_calls_total",
    "Calls from one service to the next in the payment chain, by callee and outcome (success, timeout).",
    &["service", "outcome"],
);

pub const CHAIN_AFTER_DEADLINE: MetricSpec = MetricSpec::counter(
    "chain_calls_after_deadline_total",
    "Inner calls started after the outer caller had already given up (pure waste).",
    &["service"],
);

pub const CHAIN_WASTED: MetricSpec = MetricSpec::counter(
    "chain_wasted_work_seconds_total",
    "Work by inner services whose result nobody used: abandoned attempts and work after the caller's deadline.",
    &["service"],
);

pub const CHAIN_ATTEMPTS: MetricSpec = MetricSpec::histogram(
    "chain_attempts_per_call",
    "Attempts the middle service made on the inner one per outer call (retry amplification).",
    &["service"],
    LATENCY_BUCKETS,
);

/// Shared with the order system (`systems::common`): one name, one type, one help.
pub use crate::systems::common::DATA_ANOMALIES;

pub const DB_DEADLOCKS: MetricSpec = MetricSpec::counter(
    "db_deadlock_total",
    "Lock cycles the database detected; each aborted its youngest transaction.",
    &[],
);

pub const DB_SERIALIZATION_FAILURES: MetricSpec = MetricSpec::counter(
    "db_serialization_failures_total",
    "Transactions aborted because committing them would break their isolation level.",
    &[],
);

pub const DNS_LOOKUPS: MetricSpec = MetricSpec::counter(
    "dns_lookups_total",
    "DNS lookups of the payment provider's name, by outcome (success, failure).",
    &["outcome"],
);

pub const DNS_DURATION: MetricSpec = MetricSpec::histogram(
    "dns_lookup_duration_seconds",
    "Time a DNS lookup of the payment provider's name took.",
    &[],
    LATENCY_BUCKETS,
);

pub const CLIENT_CLASS_REQUESTS: MetricSpec = MetricSpec::counter(
    "client_class_requests_total",
    "Calls by client class (flooder: the misbehaving client; others: every other client) and final outcome (success, error, timeout).",
    &["client", "outcome"],
);

pub const CLIENT_CLASS_DURATION: MetricSpec = MetricSpec::histogram(
    "client_class_request_duration_seconds",
    "Call duration as the client sees it, by client class (flooder, others).",
    &["client"],
    LATENCY_BUCKETS,
);

pub const LINK_LATENCY: MetricSpec = MetricSpec::histogram(
    "network_link_latency_seconds",
    "One-way time a message took across a network link (latency + jitter), on links a scenario has touched.",
    &["from", "to"],
    LATENCY_BUCKETS,
);

pub const LINK_DROPPED: MetricSpec = MetricSpec::counter(
    "network_packets_dropped_total",
    "Exchanges lost on a network link; the caller waited for its timeout.",
    &["from", "to"],
);

pub const LINK_UP: MetricSpec = MetricSpec::gauge(
    "network_link_up",
    "1 while the network link carries traffic, 0 while it is partitioned (loss 1).",
    &["from", "to"],
);

pub const MQ_PUBLISHED: MetricSpec = MetricSpec::counter(
    "mq_messages_published_total",
    "Messages published to the queue, by topic (order_events, callbacks).",
    &["topic"],
);

pub const MQ_LAG: MetricSpec = MetricSpec::gauge(
    "mq_consumer_lag_messages",
    "Messages published and not yet consumed, per partition.",
    &["partition"],
);

pub const MQ_AGE: MetricSpec = MetricSpec::histogram(
    "mq_message_age_seconds",
    "Time from publishing a message to its consumer finishing it.",
    &[],
    LATENCY_BUCKETS,
);

pub const CALLBACKS: MetricSpec = MetricSpec::counter(
    "webhook_callbacks_total",
    "Webhook callbacks the payment provider sent, by attempt (first, retry).",
    &["attempt"],
);

pub const CALLBACK_BACKLOG: MetricSpec = MetricSpec::gauge(
    "webhook_callback_backlog",
    "Callbacks sent and not yet acknowledged (the sender will re-send them).",
    &[],
);

pub const CALLBACKS_GIVEN_UP: MetricSpec = MetricSpec::counter(
    "webhook_callbacks_given_up_total",
    "Callbacks the sender stopped re-sending without an acknowledgement.",
    &[],
);

pub const MQ_REJECTED: MetricSpec = MetricSpec::counter(
    "mq_messages_rejected_total",
    "Messages refused because their partition held its maximum backlog.",
    &[],
);

pub const WB_BACKLOG: MetricSpec = MetricSpec::gauge(
    "write_behind_backlog",
    "Writes acknowledged by the cache and not yet flushed to the database.",
    &[],
);

pub const WB_LAG: MetricSpec = MetricSpec::gauge(
    "write_behind_lag_seconds",
    "Age of the oldest write not yet in the database.",
    &[],
);

pub const WB_FLUSHED: MetricSpec = MetricSpec::counter(
    "write_behind_flushed_total",
    "Writes flushed from the cache to the database in batches.",
    &[],
);

/// Every metric the system declares, in catalogue order.
/// The security layer's metrics (`security.rs`): registered by the scenarios that
/// involve it, recorded by the layer.
pub const AUTHZ_DECISIONS: MetricSpec = MetricSpec::counter(
    "authz_decisions_total",
    "Authorization decisions of the security layer: allow, deny, or unchecked (the endpoint checked no role).",
    &["decision"],
);

/// `authz_decisions_total`'s label values.
pub const AUTHZ_DECISION_LABELS: [&str; 3] = ["allow", "deny", "unchecked"];

pub const AUTHN_DECISIONS: MetricSpec = MetricSpec::counter(
    "authn_decisions_total",
    "Session tokens the security layer checked: valid, or expired (refused with 401).",
    &["decision"],
);

/// `authn_decisions_total`'s label values.
pub const AUTHN_DECISION_LABELS: [&str; 2] = ["valid", "expired"];

pub const TOKENS_ISSUED: MetricSpec = MetricSpec::counter(
    "auth_tokens_issued_total",
    "Session tokens issued when a client re-authenticated because its own had expired.",
    &[],
);

pub const ROWS_PER_PRINCIPAL: MetricSpec = MetricSpec::gauge(
    "rows_read_per_principal",
    "Rows read over the last sample interval by one principal: the most any principal read (max) and the median over the principals that read any.",
    &["stat"],
);

/// `rows_read_per_principal`'s label values.
pub const ROWS_STATS: [&str; 2] = ["max", "median"];

pub const AUDIT_WRITES: MetricSpec = MetricSpec::counter(
    "audit_log_writes_total",
    "Audit records written to the audit store, by outcome (ok, failed).",
    &["outcome"],
);

pub const AUDIT_BACKLOG: MetricSpec = MetricSpec::gauge(
    "audit_log_backlog_records",
    "Audit records buffered and not yet stored (asynchronous writes).",
    &[],
);

pub const AUDIT_LAG: MetricSpec = MetricSpec::gauge(
    "audit_log_lag_seconds",
    "Age of the oldest audit record not yet stored (asynchronous writes).",
    &[],
);

pub const PII_LOGGED: MetricSpec = MetricSpec::counter(
    "pii_fields_logged_total",
    "Personal-data fields the log pipeline's detector found stored in log lines, by field.",
    &["field"],
);

pub const PII_REDACTED: MetricSpec = MetricSpec::counter(
    "pii_fields_redacted_total",
    "Personal-data fields the log pipeline redacted before storing the line, by field.",
    &["field"],
);

pub const ALL: &[MetricSpec] = &[
    common::HTTP_REQUESTS,
    common::HTTP_DURATION,
    common::IN_FLIGHT,
    common::QUEUE_DEPTH,
    common::WORKERS_BUSY,
    common::UTILIZATION,
    common::WAIT,
    DB_POOL_IN_USE,
    DB_POOL_WAIT,
    DB_QUERY_DURATION,
    CACHE_HITS,
    CACHE_MISSES,
    CACHE_HIT_RATE,
    CACHE_BACKEND,
    CACHE_CONCURRENT,
    CACHE_EVICTIONS,
    DEPENDENCY_REQUESTS,
    DEPENDENCY_DURATION,
    CLIENT_REQUESTS,
    CLIENT_DURATION,
    CLIENT_ABANDONED,
    STALE_READS,
    DATA_ANOMALIES,
    REPLICATION_LAG,
    DB_LOCK_ATTEMPTS,
    DB_LOCK_CONFLICTS,
    DB_LOCK_WAIT,
    DB_LOCK_TIMEOUTS,
    DB_TX_RETRIES,
    PROCESS_MEMORY,
    GC_PAUSE,
    INSTANCE_RESTARTS,
    INSTANCE_UP,
    DISK_AVAILABLE,
    DISK_WRITE_FAILURES,
    DISK_IO_WAIT,
    DISK_IO_BACKLOG,
    DISK_IO_UTILIZATION,
    DB_ROWS_SCANNED,
    CPU_UTILIZATION,
    LINK_LATENCY,
    LINK_DROPPED,
    LINK_UP,
    DNS_LOOKUPS,
    DNS_DURATION,
    CLIENT_CLASS_REQUESTS,
    CLIENT_CLASS_DURATION,
    MQ_PUBLISHED,
    MQ_LAG,
    MQ_AGE,
    MQ_REJECTED,
    CALLBACKS,
    CALLBACK_BACKLOG,
    CALLBACKS_GIVEN_UP,
    CHAIN_CALLS,
    CHAIN_ATTEMPTS,
    CHAIN_AFTER_DEADLINE,
    CHAIN_WASTED,
    cost::COST,
    cost::COST_RATE,
    cost::TRANSFER,
];
