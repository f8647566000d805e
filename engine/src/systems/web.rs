//! # Web service
//!
//! A small production system: open-loop clients send requests through a load balancer
//! to `instances` service instances; each instance has a pool of `workers` and a bounded
//! accept queue, spends CPU time on the request, then runs one database query through
//! its own connection pool (`db_pool_size` connections) before answering.
//!
//! ```text
//!                         ┌──────────── api-0 ─────────────┐
//!   clients ──▶ load  ──▶ │ accept queue ▶ workers ▶ pool  │──▶ database
//!              balancer   └────────────────────────────────┘    (reads, writes)
//!                  └────▶ api-1 … api-N ─────────────────────────────▲
//! ```
//!
//! Endpoints: `GET /product` (a read query) and `POST /order` (a write, slower), mixed by
//! `write_fraction`. A full accept queue answers 503 at once.
//!
//! ## What to look at
//! - Golden signals: `http_requests_total` (traffic, errors by status),
//!   `http_request_duration_seconds` (latency), `service_utilization_ratio` and
//!   `service_queue_depth` (saturation).
//! - `db_pool_in_use` and `db_pool_wait_seconds`: a pool smaller than the workers turns
//!   database time into queueing inside the instance.

use super::{common, Core, Model, SystemMeta};
use crate::dist::Dist;
use crate::event::EventQueue;
use crate::metrics::{CounterId, GaugeId, HistogramId, MetricSpec, LATENCY_BUCKETS};
use crate::observe::{Level, LogRecord, Span, SpanStatus, Trace};
use crate::params::{ParamSet, ParamSpec};
use crate::rng::Xoshiro256PlusPlus as Rng;
use crate::scenario::{Component, Hop};
use crate::time::{ns_to_secs, secs_to_ns, Nanos};
use std::collections::VecDeque;

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

pub static META: SystemMeta = SystemMeta {
    id: "web",
    title: "Web service with database",
    category: "web",
    summary: "Clients, a load balancer, N service instances with worker pools, and a database behind connection pools.",
    source: include_str!("web.rs"),
    params: &[
        ParamSpec::float("arrival_rate_rps", "req/s", 200.0, 0.001, 1_000_000.0, "Mean rate of client requests (Poisson)."),
        ParamSpec::int("instances", "instances", 4, 1, 256, "Service instances behind the load balancer."),
        ParamSpec::choice("lb_policy", "round_robin", &["round_robin", "random", "least_outstanding"], "How the load balancer picks an instance."),
        ParamSpec::int("workers", "workers", 16, 1, 4096, "Workers per instance (requests served at once)."),
        ParamSpec::int("queue_capacity", "requests", 64, 0, 1_000_000, "Accept queue per instance; when full, 503. 0 = unbounded."),
        ParamSpec::float("cpu_time_ms", "ms", 4.0, 0.0, 60_000.0, "Mean CPU time of a request in the handler (exponential)."),
        ParamSpec::float("write_fraction", "", 0.2, 0.0, 1.0, "Share of requests that are POST /order (writes)."),
        ParamSpec::int("db_pool_size", "connections", 8, 1, 1024, "Database connections per instance."),
        ParamSpec::float("db_read_ms", "ms", 6.0, 0.01, 60_000.0, "Mean time of the read query (GET /product)."),
        ParamSpec::float("db_write_ms", "ms", 12.0, 0.01, 60_000.0, "Mean time of the write query (POST /order)."),
        ParamSpec::float("db_time_cv", "", 0.5, 0.0, 10.0, "Coefficient of variation of query times (log-normal)."),
    ],
    metrics: &[
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
    ],
    components: &[
        Component::Client,
        Component::LoadBalancer,
        Component::Service,
        Component::Database,
    ],
    build: |p, core| Box::new(WebModel::new(p, core)),
};

const SERVICE: &str = "api";
const DATABASE: &str = "postgres";
const ENDPOINTS: [&str; 2] = ["GET /product", "POST /order"];
const QUERY_TYPES: [&str; 2] = ["read", "write"];

#[derive(Debug, Clone, Copy)]
enum Ev {
    Arrival,
    CpuDone(u32),
    DbDone(u32),
}

#[derive(Debug, Clone, Copy, Default)]
struct Request {
    seq: u64,
    arrival: Nanos,
    start: Nanos,
    cpu_done: Nanos,
    db_start: Nanos,
    instance: u32,
    endpoint: u8,
    fail_status: Option<u16>,
    failed_at: Option<Component>,
}

struct Instance {
    busy: u64,
    waiting: VecDeque<u32>,
    pool_in_use: u64,
    pool_waiting: VecDeque<u32>,
    pool_gauge: GaugeId,
}

struct EndpointIds {
    ok: CounterId,
    rejected: CounterId,
    failed: CounterId,
    duration: HistogramId,
}

pub struct WebModel {
    events: EventQueue<Ev>,
    arrival_gap: Dist,
    cpu: Dist,
    queries: [Dist; 2],
    write_fraction: f64,
    workers: u64,
    capacity: usize,
    pool_size: u64,
    lb_policy: LbPolicy,
    rr_next: usize,
    arrival_rng: Rng,
    work_rng: Rng,
    lb_rng: Rng,
    instances: Vec<Instance>,
    requests: Vec<Request>,
    free: Vec<u32>,
    endpoints: [EndpointIds; 2],
    in_flight: GaugeId,
    depth: GaugeId,
    busy_gauge: GaugeId,
    utilization: GaugeId,
    wait: HistogramId,
    pool_wait: HistogramId,
    query_duration: [HistogramId; 2],
    last_busy_integral: u128,
    last_sample: Nanos,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LbPolicy {
    RoundRobin,
    Random,
    LeastOutstanding,
}

impl WebModel {
    pub fn new(p: &ParamSet, core: &mut Core) -> Self {
        let cv = p.f64("db_time_cv");
        let (arrival_rng, work_rng, lb_rng) = (core.rng(1), core.rng(2), core.rng(3));
        let m = &mut core.metrics;
        let endpoint_ids = |m: &mut crate::metrics::Registry, e: &str| EndpointIds {
            ok: m.counter(&common::HTTP_REQUESTS, &[SERVICE, e, "200"]),
            rejected: m.counter(&common::HTTP_REQUESTS, &[SERVICE, e, "503"]),
            failed: m.counter(&common::HTTP_REQUESTS, &[SERVICE, e, "500"]),
            duration: m.histogram(&common::HTTP_DURATION, &[SERVICE, e]),
        };
        let endpoints = [endpoint_ids(m, ENDPOINTS[0]), endpoint_ids(m, ENDPOINTS[1])];
        let n = p.i64("instances").max(1) as usize;
        let instances = (0..n)
            .map(|i| Instance {
                busy: 0,
                waiting: VecDeque::new(),
                pool_in_use: 0,
                pool_waiting: VecDeque::new(),
                pool_gauge: m.gauge(&DB_POOL_IN_USE, &[&format!("api-{i}")]),
            })
            .collect();
        let mut model = WebModel {
            events: EventQueue::default(),
            arrival_gap: Dist::Exponential {
                mean: 1.0 / p.f64("arrival_rate_rps"),
            },
            cpu: Dist::Exponential {
                mean: p.f64("cpu_time_ms") / 1000.0,
            },
            queries: [
                Dist::lognormal_mean_cv(p.f64("db_read_ms") / 1000.0, cv),
                Dist::lognormal_mean_cv(p.f64("db_write_ms") / 1000.0, cv),
            ],
            write_fraction: p.f64("write_fraction"),
            workers: p.i64("workers").max(1) as u64,
            capacity: p.i64("queue_capacity").max(0) as usize,
            pool_size: p.i64("db_pool_size").max(1) as u64,
            lb_policy: match p.choice("lb_policy") {
                "random" => LbPolicy::Random,
                "least_outstanding" => LbPolicy::LeastOutstanding,
                _ => LbPolicy::RoundRobin,
            },
            rr_next: 0,
            arrival_rng,
            work_rng,
            lb_rng,
            instances,
            requests: Vec::new(),
            free: Vec::new(),
            endpoints,
            in_flight: m.gauge(&common::IN_FLIGHT, &[SERVICE]),
            depth: m.gauge(&common::QUEUE_DEPTH, &[SERVICE]),
            busy_gauge: m.gauge(&common::WORKERS_BUSY, &[SERVICE]),
            utilization: m.gauge(&common::UTILIZATION, &[SERVICE]),
            wait: m.histogram(&common::WAIT, &[SERVICE]),
            pool_wait: m.histogram(&DB_POOL_WAIT, &[]),
            query_duration: [
                m.histogram(&DB_QUERY_DURATION, &[QUERY_TYPES[0]]),
                m.histogram(&DB_QUERY_DURATION, &[QUERY_TYPES[1]]),
            ],
            last_busy_integral: 0,
            last_sample: 0,
        };
        let first = secs_to_ns(model.arrival_gap.sample(&mut model.arrival_rng));
        model.events.schedule(first, Ev::Arrival);
        model
    }

    fn alloc(&mut self, r: Request) -> u32 {
        if let Some(i) = self.free.pop() {
            self.requests[i as usize] = r;
            i
        } else {
            self.requests.push(r);
            self.requests.len() as u32 - 1
        }
    }

    fn pick_instance(&mut self) -> usize {
        let n = self.instances.len();
        match self.lb_policy {
            LbPolicy::RoundRobin => {
                let i = self.rr_next % n;
                self.rr_next = (i + 1) % n;
                i
            }
            LbPolicy::Random => self.lb_rng.below(n as u64) as usize,
            LbPolicy::LeastOutstanding => (0..n)
                .min_by_key(|&i| {
                    let inst = &self.instances[i];
                    (inst.busy + inst.waiting.len() as u64, i)
                })
                .unwrap_or(0),
        }
    }

    fn arrival(&mut self, core: &mut Core) {
        let gap = secs_to_ns(self.arrival_gap.sample(&mut self.arrival_rng)).max(1);
        self.events.schedule(core.now + gap, Ev::Arrival);
        let seq = core.arrive();
        let endpoint = u8::from(self.work_rng.chance(self.write_fraction));
        let instance = self.pick_instance();
        let id = self.alloc(Request {
            seq,
            arrival: core.now,
            start: core.now,
            instance: instance as u32,
            endpoint,
            ..Request::default()
        });
        let inst = &mut self.instances[instance];
        if inst.busy < self.workers {
            self.start_handler(core, id);
        } else if self.capacity == 0 || inst.waiting.len() < self.capacity {
            inst.waiting.push_back(id);
        } else {
            self.respond(core, id, Some(503), false);
        }
    }

    fn start_handler(&mut self, core: &mut Core, id: u32) {
        let r = &mut self.requests[id as usize];
        self.instances[r.instance as usize].busy += 1;
        core.worker_busy(1);
        r.start = core.now;
        let hop = Hop {
            component: Component::Service,
            instance: r.instance,
            endpoint: ENDPOINTS[r.endpoint as usize],
        };
        let effect = core.scenarios.strike(
            core.now,
            &hop,
            &mut core.metrics,
            &mut core.logs,
            Some(r.seq),
        );
        if effect.fail_status.is_some() {
            r.fail_status = effect.fail_status;
            r.failed_at = Some(Component::Service);
        }
        let cpu = secs_to_ns(self.cpu.sample(&mut self.work_rng));
        self.events
            .schedule(core.now + cpu + effect.delay_ns, Ev::CpuDone(id));
    }

    fn cpu_done(&mut self, core: &mut Core, id: u32) {
        let r = &mut self.requests[id as usize];
        r.cpu_done = core.now;
        if r.fail_status.is_some() {
            let status = r.fail_status;
            self.respond(core, id, status, true);
            return;
        }
        let inst = &mut self.instances[r.instance as usize];
        if inst.pool_in_use < self.pool_size {
            inst.pool_in_use += 1;
            self.start_query(core, id);
        } else {
            inst.pool_waiting.push_back(id);
        }
    }

    fn start_query(&mut self, core: &mut Core, id: u32) {
        let r = &mut self.requests[id as usize];
        r.db_start = core.now;
        core.metrics
            .observe(self.pool_wait, ns_to_secs(core.now - r.cpu_done));
        let hop = Hop {
            component: Component::Database,
            instance: r.instance,
            endpoint: ENDPOINTS[r.endpoint as usize],
        };
        let effect = core.scenarios.strike(
            core.now,
            &hop,
            &mut core.metrics,
            &mut core.logs,
            Some(r.seq),
        );
        if effect.fail_status.is_some() {
            r.fail_status = effect.fail_status;
            r.failed_at = Some(Component::Database);
        }
        let q = secs_to_ns(self.queries[r.endpoint as usize].sample(&mut self.work_rng));
        self.events
            .schedule(core.now + q + effect.delay_ns, Ev::DbDone(id));
    }

    fn db_done(&mut self, core: &mut Core, id: u32) {
        let r = self.requests[id as usize];
        core.metrics.observe(
            self.query_duration[r.endpoint as usize],
            ns_to_secs(core.now - r.db_start),
        );
        let inst = &mut self.instances[r.instance as usize];
        if let Some(next) = inst.pool_waiting.pop_front() {
            self.start_query(core, next);
        } else {
            inst.pool_in_use -= 1;
        }
        self.respond(core, id, r.fail_status, true);
    }

    /// Answers request `id` (status 200 unless `fail`), frees its worker if it had one,
    /// and hands the worker to the next queued request. `held_worker` is false for a
    /// request rejected at the door.
    fn respond(&mut self, core: &mut Core, id: u32, fail: Option<u16>, held_worker: bool) {
        let r = self.requests[id as usize];
        self.free.push(id);
        let ep = &self.endpoints[r.endpoint as usize];
        let counter = match fail {
            None => ep.ok,
            Some(503) => ep.rejected,
            Some(_) => ep.failed,
        };
        core.metrics.inc(counter);
        let latency = core.now - r.arrival;
        let rejected = !held_worker;
        let wait = r.start - r.arrival;
        if !rejected {
            core.metrics.observe(self.wait, ns_to_secs(wait));
        }
        let b = core.depart(r.arrival, wait, fail.is_none());
        core.metrics
            .observe_latency(ep.duration, b, ns_to_secs(latency));
        if let Some(status) = fail {
            self.log_failure(core, &r, status, rejected);
        } else if latency >= super::SLOW_REQUEST_NS && core.logs.admits(core.now) {
            core.logs.push(LogRecord {
                t_ns: core.now,
                level: Level::Warn,
                service: SERVICE,
                message: "slow request",
                fields: vec![
                    ("endpoint", ENDPOINTS[r.endpoint as usize].into()),
                    ("duration_ms", (latency / 1_000_000).to_string()),
                    ("instance", format!("api-{}", r.instance)),
                ],
                trace_id: Some(r.seq),
            });
        }
        if core.traces.wants(core.now, r.seq, fail.is_some()) {
            self.record_trace(core, &r, fail, rejected);
        }
        if !rejected {
            core.worker_busy(-1);
            let inst = &mut self.instances[r.instance as usize];
            inst.busy -= 1;
            if let Some(next) = inst.waiting.pop_front() {
                self.start_handler(core, next);
            }
        }
    }

    fn log_failure(&self, core: &mut Core, r: &Request, status: u16, rejected: bool) {
        if !core.logs.admits(core.now) {
            return;
        }
        let message = if rejected {
            "accept queue full, request rejected"
        } else {
            match r.failed_at {
                Some(Component::Database) => "database query failed",
                _ => "request failed",
            }
        };
        core.logs.push(LogRecord {
            t_ns: core.now,
            level: Level::Error,
            service: SERVICE,
            message,
            fields: vec![
                ("status", status.to_string()),
                ("endpoint", ENDPOINTS[r.endpoint as usize].into()),
                ("instance", format!("api-{}", r.instance)),
            ],
            trace_id: Some(r.seq),
        });
    }

    fn record_trace(&self, core: &mut Core, r: &Request, fail: Option<u16>, rejected: bool) {
        let err = |c: Component| {
            if r.failed_at == Some(c) {
                SpanStatus::Error
            } else {
                SpanStatus::Ok
            }
        };
        let root = r.seq << 8;
        let instance = format!("api-{}", r.instance);
        let mut spans = vec![Span {
            trace_id: r.seq,
            span_id: root,
            parent: None,
            service: SERVICE,
            operation: ENDPOINTS[r.endpoint as usize],
            start_ns: r.arrival,
            duration_ns: core.now - r.arrival,
            status: if fail.is_some() {
                SpanStatus::Error
            } else {
                SpanStatus::Ok
            },
            attributes: vec![
                ("http.status", fail.unwrap_or(200).to_string()),
                ("instance", instance.clone()),
            ],
        }];
        let mut child = |service, operation, start: Nanos, end: Nanos, status| {
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
                attributes: vec![],
            });
        };
        if rejected {
            core.traces.push(Trace {
                trace_id: r.seq,
                spans,
            });
            return;
        }
        if r.start > r.arrival {
            child(SERVICE, "accept queue", r.arrival, r.start, SpanStatus::Ok);
        }
        child(
            SERVICE,
            "handler",
            r.start,
            r.cpu_done,
            err(Component::Service),
        );
        if r.db_start > 0 {
            if r.db_start > r.cpu_done {
                child(
                    SERVICE,
                    "db pool wait",
                    r.cpu_done,
                    r.db_start,
                    SpanStatus::Ok,
                );
            }
            let op = if r.endpoint == 0 {
                "SELECT product"
            } else {
                "INSERT order"
            };
            child(DATABASE, op, r.db_start, core.now, err(Component::Database));
        }
        let count = spans.len().to_string();
        spans[0].attributes.push(("spans", count));
        core.traces.push(Trace {
            trace_id: r.seq,
            spans,
        });
    }
}

impl Model for WebModel {
    fn peek_time(&self) -> Option<Nanos> {
        self.events.peek_time()
    }

    fn step(&mut self, core: &mut Core) {
        let Some((t, ev)) = self.events.pop() else {
            return;
        };
        core.now = t;
        match ev {
            Ev::Arrival => self.arrival(core),
            Ev::CpuDone(id) => self.cpu_done(core, id),
            Ev::DbDone(id) => self.db_done(core, id),
        }
    }

    fn on_sample(&mut self, core: &mut Core) {
        core.settle();
        let m = &mut core.metrics;
        m.set(self.in_flight, core.stats.in_system.level() as f64);
        m.set(self.depth, self.queue_depth() as f64);
        m.set(self.busy_gauge, core.stats.busy.level() as f64);
        for inst in &self.instances {
            m.set(inst.pool_gauge, inst.pool_in_use as f64);
        }
        let integral = core.stats.busy.all;
        let dt = core.now.saturating_sub(self.last_sample);
        if dt > 0 {
            let util = (integral - self.last_busy_integral) as f64
                / (dt as f64 * self.workers_total() as f64);
            m.set(self.utilization, util);
        }
        self.last_busy_integral = integral;
        self.last_sample = core.now;
    }

    fn workers_total(&self) -> u64 {
        self.workers * self.instances.len() as u64
    }

    fn queue_depth(&self) -> u64 {
        self.instances.iter().map(|i| i.waiting.len() as u64).sum()
    }

    fn has(&self, component: Component) -> bool {
        META.components.contains(&component)
    }
}
