//! The web system's diagram: its components and request paths, where each sits, and how
//! each one's health and each path's rate are read from the run's metrics.

use crate::diagram::{
    all, pct, read_service, secs, share, status, Diagram, EdgeSpec, NodeSpec, Options, Readings,
    Verdict, BUSY_DEGRADED, BUSY_FAILING, ERRORS_DEGRADED, ERRORS_FAILING, SLOW_P99_S,
    VERY_SLOW_P99_S,
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
    services: &["api"],
    col: 0,
    row: 1,
    signals: "client_requests_total{outcome}: share of calls ending in error or timeout",
    metrics: &["client_requests_total", "client_request_duration_seconds"],
};
const LB: NodeSpec = NodeSpec {
    id: "load_balancer",
    label: "Load balancer",
    components: &[Component::LoadBalancer, Component::Network],
    services: &["api"],
    col: 1,
    row: 1,
    signals: "instance_up: instances in rotation; http_requests_total{status=\"503\"|\"429\"}: requests turned away (a flooding client the rate limiter refuses, rate_limited_total{client=\"flooder\"}, apart)",
    metrics: &["instance_up", "instance_restarts_total", "rate_limited_total", "network_link_utilization_ratio", "network_link_queue_depth"],
};
const API: NodeSpec = NodeSpec {
    id: "api",
    label: "api instances",
    components: &[Component::Service],
    services: &["api"],
    col: 2,
    row: 1,
    signals: "http_requests_total{status=~\"5..\"}: error share; http_request_duration_seconds: p99; service_utilization_ratio: saturation",
    metrics: &["http_requests_total", "http_request_duration_seconds", "service_utilization_ratio", "service_queue_depth", "process_cpu_utilization_ratio", "process_memory_bytes", "gc_pause_seconds"],
};
const CACHE: NodeSpec = NodeSpec {
    id: "cache",
    label: "Cache (redis)",
    components: &[Component::Cache],
    services: &["redis"],
    col: 3,
    row: 0,
    signals:
        "cache_hits_total / cache_miss_total: hit ratio; cache_concurrent_requests: fills in flight",
    metrics: &[
        "cache_hit_rate",
        "cache_hits_total",
        "cache_miss_total",
        "cache_concurrent_requests",
        "cache_backend_queries_total",
        "cache_evictions_total",
    ],
};
const DATABASE: NodeSpec = NodeSpec {
    id: "database",
    label: "Database (postgres)",
    components: &[Component::Database],
    services: &["postgres"],
    col: 3,
    row: 1,
    signals: "db_query_duration_seconds: p99; db_pool_wait_seconds: p99; disk_write_failures_total, db_lock_timeouts_total: rate",
    metrics: &["db_query_duration_seconds", "db_pool_in_use", "db_pool_wait_seconds", "db_lock_wait_seconds", "db_lock_timeouts_total", "disk_write_failures_total"],
};
const DISK: NodeSpec = NodeSpec {
    id: "disk",
    label: "Disk (database server)",
    components: &[Component::Disk],
    services: &["postgres"],
    col: 4,
    row: 1,
    signals: "disk_write_failures_total: rate; disk_available_bytes: free share of the disk; disk_io_wait_seconds: p99 of write-ahead-log writes; disk_io_utilization_ratio: saturation",
    metrics: &["disk_available_bytes", "disk_write_failures_total", "disk_io_wait_seconds", "disk_io_queue_seconds", "disk_io_utilization_ratio"],
};
const REPLICA: NodeSpec = NodeSpec {
    id: "replica",
    label: "Read replica",
    components: &[Component::Database],
    services: &["postgres"],
    col: 3,
    row: 2,
    signals: "replication_lag_seconds: how far it trails the primary",
    metrics: &["replication_lag_seconds", "stale_reads_total"],
};
const PAYMENT: NodeSpec = NodeSpec {
    id: "payment",
    label: "Payment service",
    components: &[Component::Dependency],
    services: &["payment"],
    col: 3,
    row: 3,
    signals:
        "dependency_requests_total{outcome}: error share; dependency_request_duration_seconds: p99",
    metrics: &[
        "dependency_requests_total",
        "dependency_request_duration_seconds",
    ],
};
const DNS: NodeSpec = NodeSpec {
    id: "dns",
    label: "DNS resolver",
    components: &[Component::Network],
    services: &["dns"],
    col: 3,
    row: 4,
    signals: "dns_lookups_total{outcome}: failed share; dns_lookup_duration_seconds: p99",
    metrics: &["dns_lookups_total", "dns_lookup_duration_seconds"],
};
const LEDGER: NodeSpec = NodeSpec {
    id: "ledger",
    label: "Ledger (behind payment)",
    components: &[Component::Dependency],
    services: &["ledger", "payment"],
    col: 4,
    row: 3,
    signals: "chain_calls_total{outcome}: timed-out share of payment's calls; chain_calls_after_deadline_total: rate",
    metrics: &[
        "chain_calls_total",
        "chain_attempts_per_call",
        "chain_calls_after_deadline_total",
        "chain_wasted_work_seconds_total",
    ],
};
const MESSAGE_QUEUE: NodeSpec = NodeSpec {
    id: "mq",
    label: "Message queue",
    components: &[Component::Queue],
    services: &["mq"],
    col: 3,
    row: 5,
    signals: "mq_message_age_seconds: p99 from publish to consumed; mq_messages_rejected_total: rate; mq_consumer_lag_messages: backlog",
    metrics: &[
        "mq_messages_published_total",
        "mq_consumer_lag_messages",
        "mq_message_age_seconds",
        "mq_messages_rejected_total",
        "webhook_callbacks_total",
        "webhook_callback_backlog",
    ],
};

/// Database query p99 above which the database is degraded / failing.
pub const DB_SLOW_P99_S: f64 = 0.1;
pub const DB_VERY_SLOW_P99_S: f64 = 1.0;
/// Replica lag above which reads are noticeably / badly stale.
pub const LAG_DEGRADED_S: f64 = 1.0;
pub const LAG_FAILING_S: f64 = 10.0;
/// A cache hit ratio below this (with lookups) means the cache is not shielding the
/// database: degraded; below the second, failing.
pub const HIT_DEGRADED: f64 = 0.5;
pub const HIT_FAILING: f64 = 0.1;
/// Free share of the disk below which it is degraded / failing (about to fill up).
pub const FREE_DEGRADED: f64 = 0.1;
pub const FREE_FAILING: f64 = 0.02;
/// Message age (publish → consumed) p99 above which the queue is degraded / failing.
pub const AGE_DEGRADED_S: f64 = 1.0;
pub const AGE_FAILING_S: f64 = 10.0;

/// The optional parts the diagram shows.
struct Parts {
    cache: bool,
    replica: bool,
    /// The message queue: switched on (`message_queue`) or started by a scenario.
    message_queue: bool,
    /// The ledger behind payment, once payment calls it (a service chain).
    ledger: bool,
}

/// The nodes and edges of the web system with the optional parts it has.
///
/// The grid, left to right along the request path (a part sits right of what calls
/// it, so every edge points right):
///
/// ```text
///   col 0     col 1   col 2   col 3            col 4
///                             cache
///   clients ─ lb ──── api ─┬─ database ─────── disk
///                          ├─ replica
///                          ├─ payment ──────── ledger
///                          ├─ dns
///                          └─ message queue
/// ```
fn layout(options: &Options<'_>) -> (Vec<NodeSpec>, Vec<EdgeSpec>) {
    let parts = Parts {
        cache: options.flag("cache_enabled"),
        replica: options.flag("read_replica"),
        message_queue: options.params.is_some_and(|p| p.bool("message_queue"))
            || (options.registered)("mq_messages_published_total"),
        ledger: (options.registered)("chain_calls_total"),
    };
    let e = |from, to, rate_of| EdgeSpec { from, to, rate_of };
    let mut nodes = vec![CLIENTS, LB, API];
    let mut edges = vec![
        e("clients", "load_balancer", "http_requests_total"),
        e("load_balancer", "api", "http_requests_total"),
    ];
    if parts.cache {
        nodes.push(CACHE);
        edges.push(e("api", "cache", "cache_hits_total + cache_miss_total"));
    }
    nodes.push(DATABASE);
    if parts.replica {
        nodes.push(REPLICA);
        edges.push(e(
            "api",
            "database",
            "db_query_duration_seconds_count{query_type=\"write\"}",
        ));
        edges.push(e(
            "api",
            "replica",
            "db_query_duration_seconds_count{query_type=\"read\"}",
        ));
    } else {
        edges.push(e("api", "database", "db_query_duration_seconds_count"));
    }
    nodes.push(PAYMENT);
    edges.push(e("api", "payment", "dependency_requests_total"));
    nodes.push(DNS);
    edges.push(e("api", "dns", "dns_lookups_total"));
    nodes.push(DISK);
    edges.push(e(
        "database",
        "disk",
        "disk_io_wait_seconds_count + disk_write_failures_total",
    ));
    if parts.ledger {
        nodes.push(LEDGER);
        edges.push(e("payment", "ledger", "chain_calls_total"));
    }
    if parts.message_queue {
        nodes.push(MESSAGE_QUEUE);
        edges.push(e("api", "mq", "mq_messages_published_total"));
    }
    (nodes, edges)
}

/// What one node reads.
fn read_node(q: &Readings<'_>, spec: &NodeSpec, details: &mut Vec<String>) -> Verdict {
    let outcome_at =
        |i: usize, want: &'static str| move |l: &[String]| l.get(i).is_some_and(|o| o == want);
    let outcome = |want: &'static str| outcome_at(0, want);
    // The disk's size in bytes (for its free share); NaN where unknown.
    let disk_bytes = q
        .params
        .map_or(f64::NAN, |p| p.f64("disk_capacity_gb") * 1e9);
    match spec.id {
        "clients" => {
            let total = q.rate("client_requests_total", &all);
            let bad = q.rate("client_requests_total", &|l| {
                l.first().is_some_and(|o| o != "success")
            });
            let mut v = Verdict::new(total > 0.0);
            let s = share(bad, total);
            details.push(format!("{} failed", pct(s)));
            v.above("failed calls", s, ERRORS_DEGRADED, ERRORS_FAILING, pct);
            v
        }
        "load_balancer" => {
            // A flooding client refused by the rate limiter is the limiter working, not
            // the load balancer failing: those 429s are read apart.
            let flooder = q.rate("rate_limited_total", &|l| {
                l.first().is_some_and(|c| c == "flooder")
            });
            let total = q.rate("http_requests_total", &all) - flooder;
            let turned = q.rate("http_requests_total", &status(&["503", "429"])) - flooder;
            let up = q.gauges("instance_up", &all);
            let running = up.iter().filter(|u| **u >= 0.5).count();
            let mut v = Verdict::new(total > 0.0);
            if !up.is_empty() {
                details.push(format!("{running}/{} up", up.len()));
                let down = 1.0 - share(running as f64, up.len() as f64);
                v.above("instances down", down, 1e-9, 1.0, pct);
            }
            let s = share(turned.max(0.0), total);
            details.push(format!("{} turned away", pct(s)));
            if flooder > 0.0 {
                details.push(format!("flooder refused {flooder:.0}/s"));
            }
            v.above("turned away", s, ERRORS_DEGRADED, ERRORS_FAILING, pct);
            v
        }
        "cache" => {
            let hits = q.rate("cache_hits_total", &all);
            let misses = q.rate("cache_miss_total", &all);
            let mut v = Verdict::new(hits + misses > 0.0);
            if hits + misses > 0.0 {
                let ratio = share(hits, hits + misses);
                details.push(format!("hit ratio {}", pct(ratio)));
                v.below("hit ratio", ratio, HIT_DEGRADED, HIT_FAILING, pct);
            }
            v
        }
        "database" => {
            let primary_only = q.rate("db_query_duration_seconds", &all) > 0.0;
            let p99 = q.quantile(0.99, "db_query_duration_seconds", &all);
            let pool = q.quantile(0.99, "db_pool_wait_seconds", &all);
            let disk = q.rate("disk_write_failures_total", &all);
            let locks = q.rate("db_lock_timeouts_total", &all);
            let mut v = Verdict::new(primary_only);
            if p99.is_finite() {
                details.push(format!("query p99 {}", secs(p99)));
            }
            v.above("query p99", p99, DB_SLOW_P99_S, DB_VERY_SLOW_P99_S, secs);
            v.above(
                "pool wait p99",
                pool,
                DB_SLOW_P99_S,
                DB_VERY_SLOW_P99_S,
                secs,
            );
            v.above("disk write failures/s", disk, f64::MIN_POSITIVE, 1.0, |x| {
                format!("{x:.1}")
            });
            v.above("lock timeouts/s", locks, f64::MIN_POSITIVE, 1.0, |x| {
                format!("{x:.1}")
            });
            v
        }
        "replica" => {
            let reads = q.rate("db_query_duration_seconds", &|l| {
                l.first().is_some_and(|t| t == "read")
            });
            let lag = q
                .gauges("replication_lag_seconds", &all)
                .into_iter()
                .fold(f64::NAN, f64::max);
            let mut v = Verdict::new(reads > 0.0);
            if lag.is_finite() {
                details.push(format!("lag {}", secs(lag)));
            }
            v.above("lag", lag, LAG_DEGRADED_S, LAG_FAILING_S, secs);
            v
        }
        "payment" => {
            let total = q.rate("dependency_requests_total", &all);
            let bad = q.rate("dependency_requests_total", &|l| {
                l.get(1).is_some_and(|o| o != "success")
            });
            let p99 = q.quantile(0.99, "dependency_request_duration_seconds", &all);
            let mut v = Verdict::new(total > 0.0);
            let s = share(bad, total);
            details.push(format!("{} errors", pct(s)));
            if p99.is_finite() {
                details.push(format!("p99 {}", secs(p99)));
            }
            v.above("errors", s, ERRORS_DEGRADED, ERRORS_FAILING, pct);
            v.above("p99", p99, SLOW_P99_S, VERY_SLOW_P99_S, secs);
            v
        }
        "disk" => {
            let writes = q.rate("disk_io_wait_seconds", &all);
            let failures = q.rate("disk_write_failures_total", &all);
            let p99 = q.quantile(0.99, "disk_io_wait_seconds", &all);
            let busy = q
                .gauges("disk_io_utilization_ratio", &all)
                .into_iter()
                .fold(f64::NAN, f64::max);
            let free = q
                .gauges("disk_available_bytes", &all)
                .into_iter()
                .fold(f64::NAN, f64::min)
                / disk_bytes;
            let mut v = Verdict::new(writes + failures > 0.0);
            if busy.is_finite() {
                details.push(format!("busy {}", pct(busy)));
            }
            if p99.is_finite() {
                details.push(format!("WAL p99 {}", secs(p99)));
            }
            if free.is_finite() {
                details.push(format!("{} free", pct(free)));
            }
            v.above("write failures/s", failures, f64::MIN_POSITIVE, 1.0, |x| {
                format!("{x:.1}")
            });
            v.below("free", free, FREE_DEGRADED, FREE_FAILING, pct);
            v.above("WAL p99", p99, DB_SLOW_P99_S, DB_VERY_SLOW_P99_S, secs);
            v.above("busy", busy, BUSY_DEGRADED, BUSY_FAILING, pct);
            v
        }
        "dns" => {
            let ok = q.rate("dns_lookups_total", &outcome("success"));
            let failed = q.rate("dns_lookups_total", &outcome("failure"));
            let p99 = q.quantile(0.99, "dns_lookup_duration_seconds", &all);
            // Every payment call asks for the name; most answers come from the cache.
            let asking = q.rate("dependency_requests_total", &all);
            let mut v = Verdict::new(ok + failed + asking > 0.0);
            details.push(format!("{:.1} lookups/s", ok + failed));
            if ok + failed > 0.0 {
                let s = share(failed, ok + failed);
                details.push(format!("{} failed", pct(s)));
                v.above("failed lookups", s, ERRORS_DEGRADED, ERRORS_FAILING, pct);
            }
            if p99.is_finite() {
                details.push(format!("p99 {}", secs(p99)));
            }
            v.above("p99", p99, SLOW_P99_S, VERY_SLOW_P99_S, secs);
            v
        }
        "ledger" => {
            let done = q.rate("chain_calls_total", &outcome_at(1, "success"));
            let timed_out = q.rate("chain_calls_total", &outcome_at(1, "timeout"));
            let late = q.rate("chain_calls_after_deadline_total", &all);
            let mut v = Verdict::new(done + timed_out > 0.0);
            let s = share(timed_out, done + timed_out);
            details.push(format!("{} timed out", pct(s)));
            if late > 0.0 {
                details.push(format!("{late:.1}/s after the deadline"));
            }
            v.above("timed-out calls", s, ERRORS_DEGRADED, ERRORS_FAILING, pct);
            v.above(
                "calls after the deadline/s",
                late,
                f64::MIN_POSITIVE,
                1.0,
                |x| format!("{x:.1}"),
            );
            v
        }
        "mq" => {
            let published = q.rate("mq_messages_published_total", &all);
            let rejected = q.rate("mq_messages_rejected_total", &all);
            let age = q.quantile(0.99, "mq_message_age_seconds", &all);
            let lag: f64 = q.gauges("mq_consumer_lag_messages", &all).iter().sum();
            let mut v = Verdict::new(published + rejected > 0.0);
            details.push(format!("{published:.1} msg/s"));
            details.push(format!("lag {lag:.0}"));
            if age.is_finite() {
                details.push(format!("age p99 {}", secs(age)));
            }
            v.above("age p99", age, AGE_DEGRADED_S, AGE_FAILING_S, secs);
            v.above("rejected/s", rejected, f64::MIN_POSITIVE, 1.0, |x| {
                format!("{x:.1}")
            });
            v
        }
        "api" => read_service(q, details),
        _ => Verdict::new(false),
    }
}

fn read_edge(q: &Readings<'_>, spec: &EdgeSpec) -> f64 {
    let query_type = |want: &'static str| move |l: &[String]| l.first().is_some_and(|t| t == want);
    match (spec.from, spec.to) {
        (_, "cache") => q.rate("cache_hits_total", &all) + q.rate("cache_miss_total", &all),
        ("api", "database") if spec.rate_of.contains("write") => {
            q.rate("db_query_duration_seconds", &query_type("write"))
        }
        ("api", "database") => q.rate("db_query_duration_seconds", &all),
        ("api", "replica") => q.rate("db_query_duration_seconds", &query_type("read")),
        (_, "payment") => q.rate("dependency_requests_total", &all),
        (_, "dns") => q.rate("dns_lookups_total", &all),
        (_, "disk") => {
            q.rate("disk_io_wait_seconds", &all) + q.rate("disk_write_failures_total", &all)
        }
        (_, "ledger") => q.rate("chain_calls_total", &all),
        (_, "mq") => q.rate("mq_messages_published_total", &all),
        _ => q.rate("http_requests_total", &all),
    }
}
