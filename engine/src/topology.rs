//! The running system as a diagram: its components (nodes), the request paths between
//! them (edges), and for each a live reading taken from the metrics registry — a node's
//! health (ok / degraded / failing, with the reasons), an edge's request rate — plus the
//! components an active scenario strikes. The UI only draws what `snapshot` returns.
//!
//! Every reading is a PromQL-style query over the sampled history (`rate` of a counter,
//! `histogram_quantile` over the increase of a histogram, a gauge's last value) in the
//! last `WINDOW_NS` of virtual time, so it is deterministic and needs no hooks in the
//! systems. Each node says which metrics decide its health (`NodeSpec::signals`).

use crate::golden::GOLDEN_WINDOW_NS;
use crate::metrics::{histogram_quantile, rate, MetricKind, Registry};
use crate::observe::{LogRecord, Trace};
use crate::params::ParamSet;
use crate::query::RunView;
use crate::scenario::{Component, ScenarioMeta};
use crate::time::Nanos;
use serde::{Deserialize, Serialize};

/// The window every reading looks back over.
pub const WINDOW_NS: Nanos = GOLDEN_WINDOW_NS;

/// Error share at or above which a component is degraded / failing.
pub const ERRORS_DEGRADED: f64 = 0.01;
pub const ERRORS_FAILING: f64 = 0.10;
/// Utilisation at or above which a component is degraded / failing (saturated).
pub const BUSY_DEGRADED: f64 = 0.85;
pub const BUSY_FAILING: f64 = 0.98;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Health {
    /// No traffic in the window: nothing to judge.
    Idle,
    Ok,
    Degraded,
    Failing,
}

impl Health {
    pub fn as_str(self) -> &'static str {
        match self {
            Health::Idle => "idle",
            Health::Ok => "ok",
            Health::Degraded => "degraded",
            Health::Failing => "failing",
        }
    }
}

/// A component in the diagram.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct NodeSpec {
    pub id: &'static str,
    pub label: &'static str,
    /// The scenario-facing parts it stands for (a scenario striking one marks it).
    pub components: &'static [Component],
    /// Service names its log lines and spans carry (for filtering logs and traces).
    pub services: &'static [&'static str],
    /// Grid position: column left to right along the request path, row top to bottom.
    pub col: u8,
    pub row: u8,
    /// Which metrics decide its health, for the legend and screen readers.
    pub signals: &'static str,
    /// The metric families that describe it: what the dashboard shows when a learner
    /// narrows it to this component (those the run has registered).
    pub metrics: &'static [&'static str],
}

/// A request path between two nodes.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct EdgeSpec {
    pub from: &'static str,
    pub to: &'static str,
    /// Which metric's rate is drawn on it.
    pub rate_of: &'static str,
}

/// A node with its reading.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NodeState {
    pub spec: NodeSpec,
    pub health: Health,
    /// Why it has that health, e.g. "errors 12.0% ≥ 10%"; empty when ok.
    pub reasons: Vec<String>,
    /// A short reading, e.g. "p99 120 ms, busy 45%".
    pub detail: String,
    /// Ids of the active scenarios striking it.
    pub struck_by: Vec<&'static str>,
}

/// An edge with its request rate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EdgeState {
    pub spec: EdgeSpec,
    pub rate_rps: f64,
}

/// The diagram at one instant of a run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TopologyView {
    /// The sample the readings are from.
    pub t_ns: Nanos,
    pub nodes: Vec<NodeState>,
    pub edges: Vec<EdgeState>,
}

impl NodeSpec {
    /// Whether a log line concerns this component: written by one of its services or
    /// naming one in a field (e.g. `upstream=postgres`, `dependency=payment`).
    pub fn matches_log(&self, record: &LogRecord) -> bool {
        self.services.contains(&record.service)
            || record
                .fields
                .iter()
                .any(|(_, v)| self.services.contains(&v.as_str()))
    }

    /// Whether a trace passed through this component (has a span of one of its services).
    pub fn matches_trace(&self, trace: &Trace) -> bool {
        trace
            .spans
            .iter()
            .any(|s| self.services.contains(&s.service))
    }
}

impl TopologyView {
    pub fn node(&self, id: &str) -> Option<&NodeState> {
        self.nodes.iter().find(|n| n.spec.id == id)
    }
}

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
const ARRIVALS: NodeSpec = NodeSpec {
    id: "arrivals",
    label: "Arrivals",
    components: &[Component::Client],
    services: &["server"],
    col: 0,
    row: 0,
    signals: "http_requests_total: arrival rate",
    metrics: &["http_requests_total"],
};
const QUEUE: NodeSpec = NodeSpec {
    id: "queue",
    label: "FIFO queue",
    components: &[Component::Service],
    services: &["server"],
    col: 1,
    row: 0,
    signals: "http_requests_total{status=\"503\"}: turned away when full; service_queue_wait_seconds: p99",
    metrics: &["service_queue_depth", "service_queue_wait_seconds", "http_requests_total"],
};
const WORKERS: NodeSpec = NodeSpec {
    id: "workers",
    label: "Workers",
    components: &[Component::Service],
    services: &["server"],
    col: 2,
    row: 0,
    signals: "service_utilization_ratio: saturation; http_requests_total{status=\"500\"}: failures",
    metrics: &[
        "service_utilization_ratio",
        "service_workers_busy",
        "http_request_duration_seconds",
    ],
};

/// Latency p99 above which a hop is degraded / failing, in seconds.
const SLOW_P99_S: f64 = 1.0;
const VERY_SLOW_P99_S: f64 = 5.0;
/// Database query p99 above which the database is degraded / failing.
const DB_SLOW_P99_S: f64 = 0.1;
const DB_VERY_SLOW_P99_S: f64 = 1.0;
/// Replica lag above which reads are noticeably / badly stale.
const LAG_DEGRADED_S: f64 = 1.0;
const LAG_FAILING_S: f64 = 10.0;
/// A cache hit ratio below this (with lookups) means the cache is not shielding the
/// database: degraded; below the second, failing.
const HIT_DEGRADED: f64 = 0.5;
const HIT_FAILING: f64 = 0.1;
/// Free share of the disk below which it is degraded / failing (about to fill up).
const FREE_DEGRADED: f64 = 0.1;
const FREE_FAILING: f64 = 0.02;
/// Message age (publish → consumed) p99 above which the queue is degraded / failing.
const AGE_DEGRADED_S: f64 = 1.0;
const AGE_FAILING_S: f64 = 10.0;

/// The optional parts of the web system a diagram shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Parts {
    pub cache: bool,
    pub replica: bool,
    /// The message queue: switched on (`message_queue`) or started by a scenario.
    pub message_queue: bool,
    /// The ledger behind payment, once payment calls it (a service chain).
    pub ledger: bool,
}

impl Parts {
    /// Every optional part.
    pub const ALL: Parts = Parts {
        cache: true,
        replica: true,
        message_queue: true,
        ledger: true,
    };
}

/// The nodes and edges of a system with the optional parts it has. Unknown systems have
/// an empty diagram.
///
/// The web grid, left to right along the request path (a part sits right of what calls
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
pub fn layout(system: &str, parts: Parts) -> (Vec<NodeSpec>, Vec<EdgeSpec>) {
    let e = |from, to, rate_of| EdgeSpec { from, to, rate_of };
    match system {
        "web" => {
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
        "queue" => (
            vec![ARRIVALS, QUEUE, WORKERS],
            vec![
                e("arrivals", "queue", "http_requests_total"),
                e("queue", "workers", "service_queue_wait_seconds_count"),
            ],
        ),
        _ => (Vec::new(), Vec::new()),
    }
}

/// Queries over the registry at the latest sample.
struct Q<'a> {
    reg: &'a Registry,
    end: Nanos,
    /// The disk's size in bytes (for its free share); NaN where unknown.
    disk_bytes: f64,
}

impl Q<'_> {
    fn matching<'s>(
        &'s self,
        name: &'s str,
        keep: &'s dyn Fn(&[String]) -> bool,
    ) -> impl Iterator<Item = usize> + 's {
        self.reg
            .series_keys()
            .filter(move |k| k.name == name && keep(k.label_values))
            .map(|k| k.index)
    }

    /// `sum(rate(name{keep}[window]))`; for a histogram, the rate of its `_count`.
    fn rate(&self, name: &str, keep: &dyn Fn(&[String]) -> bool) -> f64 {
        self.matching(name, keep)
            .map(|i| {
                let start = self.end.saturating_sub(WINDOW_NS);
                rate(
                    &self.reg.values_between(i, start, self.end),
                    self.end,
                    WINDOW_NS,
                )
            })
            .sum()
    }

    /// `histogram_quantile(q, sum by (le) (increase(name{keep}[window])))`, NaN when
    /// nothing was observed in the window.
    fn quantile(&self, q: f64, name: &str, keep: &dyn Fn(&[String]) -> bool) -> f64 {
        let Some(spec) = self.reg.spec(name) else {
            return f64::NAN;
        };
        if spec.kind != MetricKind::Histogram {
            return f64::NAN;
        }
        let start = self.end.saturating_sub(WINDOW_NS);
        let mut sum = vec![0u64; spec.buckets.len() + 1];
        for i in self.matching(name, keep) {
            // Only the window's first and last samples matter: two binary searches, not
            // a walk over the whole history (this runs every frame the console is open).
            let times = self.reg.values_between(i, start, self.end);
            let (Some(&(t0, _)), Some(&(t1, _))) = (times.first(), times.last()) else {
                continue;
            };
            let first = self.reg.buckets_at(i, t0);
            let last = self.reg.buckets_at(i, t1);
            if let (Some(first), Some(last)) = (first, last) {
                for (k, out) in sum.iter_mut().enumerate() {
                    let a = first.1.get(k).copied().unwrap_or(0);
                    let b = last.1.get(k).copied().unwrap_or(0);
                    *out += b.saturating_sub(a);
                }
            }
        }
        histogram_quantile(q, spec.buckets, &sum)
    }

    /// The latest sampled values of the gauges `name{keep}`.
    fn gauges(&self, name: &str, keep: &dyn Fn(&[String]) -> bool) -> Vec<f64> {
        self.matching(name, keep)
            .filter_map(|i| self.reg.value_at(i, self.end).map(|p| p.1))
            .collect()
    }
}

fn all(_: &[String]) -> bool {
    true
}

/// Collects a node's verdicts: the worst wins; each non-ok one leaves a reason.
struct Verdict {
    health: Health,
    reasons: Vec<String>,
}

impl Verdict {
    fn new(traffic: bool) -> Verdict {
        Verdict {
            health: if traffic { Health::Ok } else { Health::Idle },
            reasons: Vec::new(),
        }
    }
    /// `value` against degraded/failing thresholds (higher is worse).
    fn above(
        &mut self,
        what: &str,
        value: f64,
        degraded: f64,
        failing: f64,
        show: fn(f64) -> String,
    ) {
        if !value.is_finite() {
            return;
        }
        let h = if value >= failing {
            Health::Failing
        } else if value >= degraded {
            Health::Degraded
        } else {
            return;
        };
        let limit = if h == Health::Failing {
            failing
        } else {
            degraded
        };
        self.reasons
            .push(format!("{what} {} ≥ {}", show(value), show(limit)));
        self.health = self.health.max(h);
    }
    /// `value` against thresholds where lower is worse.
    fn below(
        &mut self,
        what: &str,
        value: f64,
        degraded: f64,
        failing: f64,
        show: fn(f64) -> String,
    ) {
        if !value.is_finite() {
            return;
        }
        let h = if value < failing {
            Health::Failing
        } else if value < degraded {
            Health::Degraded
        } else {
            return;
        };
        let limit = if h == Health::Failing {
            failing
        } else {
            degraded
        };
        self.reasons
            .push(format!("{what} {} < {}", show(value), show(limit)));
        self.health = self.health.max(h);
    }
}

fn pct(v: f64) -> String {
    format!("{:.1}%", v * 100.0)
}
fn secs(v: f64) -> String {
    if v < 0.001 {
        format!("{:.2} ms", v * 1000.0)
    } else if v < 1.0 {
        format!("{:.0} ms", v * 1000.0)
    } else {
        format!("{v:.2} s")
    }
}
fn share(part: f64, whole: f64) -> f64 {
    if whole > 0.0 {
        part / whole
    } else {
        0.0
    }
}

/// What one node reads.
fn read_node(q: &Q<'_>, spec: &NodeSpec) -> (Health, Vec<String>, String) {
    let status = |codes: &'static [&'static str]| {
        move |l: &[String]| l.get(2).is_some_and(|s| codes.contains(&s.as_str()))
    };
    let outcome_at =
        |i: usize, want: &'static str| move |l: &[String]| l.get(i).is_some_and(|o| o == want);
    let outcome = |want: &'static str| outcome_at(0, want);
    let mut details = Vec::new();
    let v = match spec.id {
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
        "api" | "workers" => {
            let total = q.rate("http_requests_total", &all);
            let failed = q.rate("http_requests_total", &status(&["500", "502", "504"]));
            let p99 = q.quantile(0.99, "http_request_duration_seconds", &all);
            let busy = q
                .gauges("service_utilization_ratio", &all)
                .into_iter()
                .fold(f64::NAN, f64::max);
            let mut v = Verdict::new(total > 0.0);
            let s = share(failed, total);
            details.push(format!("{} errors", pct(s)));
            if p99.is_finite() {
                details.push(format!("p99 {}", secs(p99)));
            }
            if busy.is_finite() {
                details.push(format!("busy {}", pct(busy)));
            }
            v.above("errors", s, ERRORS_DEGRADED, ERRORS_FAILING, pct);
            v.above("p99", p99, SLOW_P99_S, VERY_SLOW_P99_S, secs);
            v.above("busy", busy, BUSY_DEGRADED, BUSY_FAILING, pct);
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
                / q.disk_bytes;
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
        "arrivals" => {
            let total = q.rate("http_requests_total", &all);
            details.push(format!("{total:.1} req/s"));
            Verdict::new(total > 0.0)
        }
        "queue" => {
            let total = q.rate("http_requests_total", &all);
            let turned = q.rate("http_requests_total", &status(&["503"]));
            let wait = q.quantile(0.99, "service_queue_wait_seconds", &all);
            let mut v = Verdict::new(total > 0.0);
            let s = share(turned, total);
            if wait.is_finite() {
                details.push(format!("wait p99 {}", secs(wait)));
            }
            details.push(format!("{} turned away", pct(s)));
            v.above("turned away", s, ERRORS_DEGRADED, ERRORS_FAILING, pct);
            v.above("wait p99", wait, SLOW_P99_S, VERY_SLOW_P99_S, secs);
            v
        }
        _ => Verdict::new(false),
    };
    (v.health, v.reasons, details.join(", "))
}

fn read_edge(q: &Q<'_>, spec: &EdgeSpec) -> f64 {
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
        ("queue", "workers") => q.rate("service_queue_wait_seconds", &all),
        _ => q.rate("http_requests_total", &all),
    }
}

/// What the diagram reads of a run: its system and the system's parameters, its
/// metrics and golden series, the scenarios striking now.
#[derive(Clone)]
pub struct Reading<'a> {
    pub system: &'static str,
    /// `None` when they do not validate (every optional part is then drawn).
    pub params: Option<ParamSet>,
    pub run: RunView<'a>,
    /// The scenarios active at the run's current time.
    pub striking: Vec<&'static ScenarioMeta>,
}

/// Something the diagram can be read from: a `Lab` (`sim` implements this), or a
/// `Reading` of its parts.
pub trait Read {
    fn reading(&self) -> Reading<'_>;
}

impl Read for Reading<'_> {
    fn reading(&self) -> Reading<'_> {
        self.clone()
    }
}

/// The diagram of a run's system with readings at its latest sample and the
/// components its active scenarios strike now.
pub fn snapshot(run: &impl Read) -> TopologyView {
    let Reading {
        system,
        params,
        run,
        striking,
    } = run.reading();
    let flag = |name: &str| params.as_ref().is_none_or(|p| p.bool(name));
    let registered = |name: &str| run.metrics.spec(name).is_some();
    let parts = if system == "web" {
        Parts {
            cache: flag("cache_enabled"),
            replica: flag("read_replica"),
            message_queue: params.as_ref().is_some_and(|p| p.bool("message_queue"))
                || registered("mq_messages_published_total"),
            ledger: registered("chain_calls_total"),
        }
    } else {
        Parts::default()
    };
    let (nodes, edges) = layout(system, parts);
    let end = run.latest_sample().unwrap_or(0);
    let q = Q {
        reg: run.metrics,
        end,
        disk_bytes: params
            .as_ref()
            .filter(|_| system == "web")
            .map_or(f64::NAN, |p| p.f64("disk_capacity_gb") * 1e9),
    };
    TopologyView {
        t_ns: end,
        nodes: nodes
            .iter()
            .map(|spec| {
                let (health, reasons, detail) = read_node(&q, spec);
                let struck_by = striking
                    .iter()
                    .filter(|s| s.strikes.iter().any(|c| spec.components.contains(c)))
                    .map(|s| s.id)
                    .collect();
                NodeState {
                    spec: *spec,
                    health,
                    reasons,
                    detail,
                    struck_by,
                }
            })
            .collect(),
        edges: edges
            .iter()
            .map(|spec| EdgeState {
                spec: *spec,
                rate_rps: read_edge(&q, spec),
            })
            .collect(),
    }
}

// On the wire between the page and the engine's worker (`codec`).
crate::codec_enum!(Health {
    Idle,
    Ok,
    Degraded,
    Failing
});
#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::NS_PER_SEC;
    use crate::{Lab, LabConfig};

    fn run(system: &str, switches: &[(&str, &[(&str, &str)])], secs: u64) -> Lab {
        let mut cfg = LabConfig::new(system);
        cfg.seed = 7;
        for (id, params) in switches {
            cfg.enable(id).expect("switch exists");
            for (k, v) in *params {
                cfg.set(&format!("{id}.{k}"), v).expect("valid param");
            }
        }
        let mut lab = Lab::new(&cfg).expect("lab builds");
        lab.run_until(secs * NS_PER_SEC);
        lab
    }

    /// The dashboard draws a focused component's metrics from their declarations.
    #[test]
    fn every_node_metric_is_declared() {
        for system in ["web", "queue"] {
            for node in layout(system, Parts::ALL).0 {
                assert!(!node.metrics.is_empty(), "{}", node.id);
                for m in node.metrics {
                    assert!(
                        crate::catalog::find_metric(m).is_some(),
                        "{}: `{m}` is not a declared metric",
                        node.id
                    );
                }
            }
        }
    }

    #[test]
    fn every_edge_joins_two_nodes_of_its_system() {
        for (sys, parts) in [
            ("web", Parts::ALL),
            ("web", Parts::default()),
            ("queue", Parts::default()),
        ] {
            let (nodes, edges) = layout(sys, parts);
            assert!(!nodes.is_empty());
            for e in &edges {
                assert!(nodes.iter().any(|n| n.id == e.from), "{sys}: {}", e.from);
                assert!(nodes.iter().any(|n| n.id == e.to), "{sys}: {}", e.to);
            }
            let mut ids: Vec<_> = nodes.iter().map(|n| n.id).collect();
            ids.dedup();
            assert_eq!(ids.len(), nodes.len(), "{sys}: unique ids");
            let mut cells: Vec<_> = nodes.iter().map(|n| (n.col, n.row)).collect();
            cells.sort();
            cells.dedup();
            assert_eq!(cells.len(), nodes.len(), "{sys}: one node per grid cell");
            // Drawn left to right: an edge leaves its node's right side for a node in a
            // column further right, so no edge runs backwards across the diagram.
            let col = |id: &str| nodes.iter().find(|n| n.id == id).map(|n| n.col);
            for e in &edges {
                assert!(col(e.from) < col(e.to), "{sys}: {} → {}", e.from, e.to);
            }
            // Readable: at most five columns and six rows.
            assert!(nodes.iter().all(|n| n.col < 5 && n.row < 6), "{sys}");
        }
        let (nodes, _) = layout("web", Parts::default());
        let optional = ["cache", "replica", "mq", "ledger"];
        assert!(nodes.iter().all(|n| !optional.contains(&n.id)));
        assert!(layout("nope", Parts::ALL).0.is_empty());
    }

    #[test]
    fn a_healthy_web_run_is_all_ok_with_traffic_on_every_edge() {
        let lab = run("web", &[], 20);
        let view = snapshot(&lab);
        for n in &view.nodes {
            assert_eq!(
                n.health,
                Health::Ok,
                "{}: {:?} {}",
                n.spec.id,
                n.reasons,
                n.detail
            );
            assert!(n.struck_by.is_empty());
        }
        for e in &view.edges {
            // An instance asks the resolver only when its cached answer expires
            // (dns_ttl_s, a minute by default): that edge is mostly quiet.
            if e.spec.to == "dns" {
                continue;
            }
            assert!(e.rate_rps > 0.0, "{} → {}", e.spec.from, e.spec.to);
        }
        let into_lb = view.edges[0].rate_rps;
        let golden = lab.golden().throughput_rps;
        assert!(
            into_lb >= golden,
            "all answers ≥ ok answers: {into_lb} {golden}"
        );
    }

    /// Readings look at the window only (binary searches into the history), and must
    /// agree with the query language evaluating the same expressions over the whole
    /// history, long after the window.
    #[test]
    fn readings_agree_with_the_query_language_late_in_a_run() {
        let lab = run("web", &[("slow-db-query", &[])], 90);
        let view = snapshot(&lab);
        let at = |expr: &str| {
            crate::query::Query::parse(expr)
                .expect(expr)
                .eval_at(&lab, view.t_ns)
        };
        for e in &view.edges {
            // The query language takes a histogram's rate as the rate of its count.
            let selector = e.spec.rate_of.replacen("_seconds_count", "_seconds", 1);
            if selector.contains(" + ") {
                continue;
            }
            let want = at(&format!("sum(rate({selector}[5s]))"));
            assert!(
                (e.rate_rps - want).abs() <= 1e-9 * want.max(1.0),
                "{} → {}: {} vs {want}",
                e.spec.from,
                e.spec.to,
                e.rate_rps
            );
        }
        let db = view.node("database").expect("database node");
        let p99 = at("histogram_quantile(0.99, db_query_duration_seconds[5s])");
        assert!(p99 > DB_SLOW_P99_S, "slow-db-query makes db p99 {p99} s");
        assert_ne!(db.health, Health::Ok, "{:?}", db.reasons);
        assert!(
            db.detail.contains(&format!("query p99 {}", secs(p99))),
            "the database's reading is the query p99 {p99}: {}",
            db.detail
        );
    }

    #[test]
    fn a_failing_dependency_is_marked_struck_and_failing() {
        let id = "502-bad-gateway";
        let lab = run("web", &[(id, &[])], 30);
        let view = snapshot(&lab);
        let pay = view.node("payment").expect("payment node");
        assert_eq!(pay.struck_by, vec![id]);
        assert!(
            pay.health >= Health::Degraded,
            "{id}: {:?} {}",
            pay.reasons,
            pay.detail
        );
        assert!(!pay.reasons.is_empty());
        let db = view.node("database").expect("db node");
        assert!(
            db.struck_by.is_empty(),
            "a dependency fault does not strike the db"
        );
    }

    #[test]
    fn an_overloaded_queue_is_saturated() {
        let mut cfg = LabConfig::new("queue");
        cfg.set("arrival_rate_rps", "150").unwrap();
        cfg.set("service_time_ms", "10").unwrap();
        let mut lab = Lab::new(&cfg).unwrap();
        lab.run_until(20 * NS_PER_SEC);
        let view = snapshot(&lab);
        let workers = view.node("workers").unwrap();
        assert_eq!(workers.health, Health::Failing, "{:?}", workers.reasons);
        assert!(workers.reasons.iter().any(|r| r.starts_with("busy")));
        assert_eq!(view.node("arrivals").unwrap().health, Health::Ok);

        let mut light = LabConfig::new("queue");
        light.set("arrival_rate_rps", "20").unwrap();
        let mut lab = Lab::new(&light).unwrap();
        lab.run_until(20 * NS_PER_SEC);
        assert_eq!(snapshot(&lab).node("workers").unwrap().health, Health::Ok);
    }

    #[test]
    fn before_the_first_sample_everything_is_idle() {
        let lab = Lab::new(&LabConfig::new("web")).unwrap();
        let view = snapshot(&lab);
        assert!(view.nodes.iter().all(|n| n.health == Health::Idle));
        assert!(view.edges.iter().all(|e| e.rate_rps == 0.0));
    }

    #[test]
    fn a_database_fault_filters_to_database_logs_and_traces() {
        let lab = run("web", &[("network-partition", &[])], 20);
        let (nodes, _) = layout("web", Parts::ALL);
        let db = nodes.iter().find(|n| n.id == "database").unwrap();
        let pay = nodes.iter().find(|n| n.id == "payment").unwrap();
        let db_logs = lab.logs().filter(|l| db.matches_log(l)).count();
        assert!(
            db_logs > 0,
            "failed database calls name the database: {:?}",
            lab.logs().take(5).collect::<Vec<_>>()
        );
        assert!(lab.logs().filter(|l| db.matches_log(l)).all(|l| l
            .fields
            .iter()
            .any(|(_, v)| v == "postgres")
            || l.service == "postgres"));
        assert!(lab.traces().any(|t| db.matches_trace(t)));
        assert!(
            lab.traces().any(|t| !pay.matches_trace(t)),
            "reads skip payment"
        );
    }

    fn node(view: &TopologyView, id: &str) -> NodeState {
        view.node(id)
            .unwrap_or_else(|| panic!("no {id} node in {:?}", view.nodes))
            .clone()
    }

    #[test]
    fn a_full_disk_fails_the_disk_node_and_strikes_it_alone() {
        let view = snapshot(&run("web", &[("disk-full", &[])], 90));
        let disk = node(&view, "disk");
        assert_eq!(disk.struck_by, vec!["disk-full"]);
        assert_eq!(
            disk.health,
            Health::Failing,
            "{:?} {}",
            disk.reasons,
            disk.detail
        );
        assert!(
            disk.reasons
                .iter()
                .any(|r| r.starts_with("write failures/s")),
            "{:?}",
            disk.reasons
        );
        assert!(disk.detail.contains("free"), "{}", disk.detail);
        // The database's writes fail too, but the fault is not in the database.
        assert!(node(&view, "database").struck_by.is_empty());
    }

    #[test]
    fn a_saturated_disk_is_slow_and_busy() {
        let view = snapshot(&run("web", &[("disk-io-saturation", &[])], 30));
        let disk = node(&view, "disk");
        assert_eq!(disk.struck_by, vec!["disk-io-saturation"]);
        assert!(
            disk.health >= Health::Degraded,
            "{:?} {}",
            disk.reasons,
            disk.detail
        );
        assert!(
            disk.reasons
                .iter()
                .any(|r| r.starts_with("WAL p99") || r.starts_with("busy")),
            "{:?}",
            disk.reasons
        );
    }

    #[test]
    fn a_failing_resolver_fails_the_dns_node() {
        let healthy = snapshot(&run("web", &[], 90));
        assert_eq!(node(&healthy, "dns").health, Health::Ok);
        let id = "dns-resolution-failure";
        let lab = run("web", &[(id, &[])], 90);
        let view = snapshot(&lab);
        let dns = node(&view, "dns");
        assert!(dns.struck_by.contains(&id), "{:?}", dns.struck_by);
        assert_eq!(
            dns.health,
            Health::Failing,
            "{:?} {}",
            dns.reasons,
            dns.detail
        );
        assert!(dns.reasons.iter().any(|r| r.starts_with("failed lookups")));
        // Its logs and traces name the resolver.
        let spec = dns.spec;
        assert!(lab.logs().any(|l| spec.matches_log(l)));
        assert!(lab.traces().any(|t| spec.matches_trace(t)));
    }

    #[test]
    fn the_ledger_appears_with_the_chain_and_shows_its_timeouts() {
        let plain = snapshot(&run("web", &[], 10));
        assert!(plain.node("ledger").is_none());
        let id = "timeout-cascade";
        let view = snapshot(&run("web", &[(id, &[])], 30));
        let ledger = node(&view, "ledger");
        assert!(ledger.struck_by.contains(&id));
        assert!(
            ledger.health >= Health::Degraded,
            "{:?} {}",
            ledger.reasons,
            ledger.detail
        );
        assert!(ledger
            .reasons
            .iter()
            .any(|r| r.starts_with("timed-out calls")));
        let edge = view.edges.iter().find(|e| e.spec.to == "ledger").unwrap();
        assert_eq!(edge.spec.from, "payment");
        assert!(edge.rate_rps > 0.0);
    }

    #[test]
    fn the_message_queue_is_drawn_when_on_and_fails_when_consumers_fall_behind() {
        let on: &[(&str, &[(&str, &str)])] = &[];
        let mut cfg = LabConfig::new("web");
        cfg.set("message_queue", "true").unwrap();
        let mut lab = Lab::new(&cfg).unwrap();
        lab.run_until(20 * NS_PER_SEC);
        let view = snapshot(&lab);
        let mq = node(&view, "mq");
        assert_eq!(mq.health, Health::Ok, "{:?} {}", mq.reasons, mq.detail);
        let edge = view.edges.iter().find(|e| e.spec.to == "mq").unwrap();
        // Two events per order: created and paid, about 40 orders a second.
        assert!((60.0..100.0).contains(&edge.rate_rps), "{}", edge.rate_rps);
        assert!(snapshot(&run("web", on, 10)).node("mq").is_none());

        // Consumers at 100 ms a message on 4 partitions: 40 a second for ~80 published.
        cfg.set("mq_consumer_ms", "100").unwrap();
        cfg.enable("event-ordering-violation").unwrap();
        let mut lab = Lab::new(&cfg).unwrap();
        lab.run_until(60 * NS_PER_SEC);
        let mq = node(&snapshot(&lab), "mq");
        assert_eq!(mq.health, Health::Failing, "{:?} {}", mq.reasons, mq.detail);
        assert!(mq.reasons.iter().any(|r| r.starts_with("age p99")));
        assert_eq!(mq.struck_by, vec!["event-ordering-violation"]);
    }

    #[test]
    fn a_flood_saturates_the_api_and_a_refused_flooder_leaves_the_load_balancer_ok() {
        let inbound: &[(&str, &str)] = &[("client_retries", "0"), ("quota_rps", "1000")];
        let flooded = snapshot(&run("web", &[("rate-limit", inbound)], 20));
        let lb = node(&flooded, "load_balancer");
        assert!(lb.struck_by.contains(&"rate-limit"));
        let api = node(&flooded, "api");
        assert_eq!(api.health, Health::Failing, "{:?}", api.reasons);
        assert!(api.reasons.iter().any(|r| r.starts_with("busy")));

        let limited = snapshot(&run(
            "web",
            &[("rate-limit", inbound), ("rate-limiter", &[])],
            20,
        ));
        let lb = node(&limited, "load_balancer");
        assert_eq!(lb.health, Health::Ok, "{:?} {}", lb.reasons, lb.detail);
        assert!(lb.detail.contains("flooder refused"), "{}", lb.detail);
        assert_eq!(node(&limited, "api").health, Health::Ok);
        assert_eq!(node(&limited, "clients").health, Health::Ok);
    }

    #[test]
    fn snapshots_are_deterministic() {
        let a = snapshot(&run("web", &[], 10));
        let b = snapshot(&run("web", &[], 10));
        assert_eq!(a, b);
    }
}
