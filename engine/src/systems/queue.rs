//! # The textbook queue
//!
//! One service with `workers` identical servers sharing one FIFO queue: arrivals at
//! `arrival_rate_rps` (Poisson or evenly spaced), service times with mean
//! `service_time_ms` (exponential, deterministic or log-normal). Nothing else is on the
//! request path, so queueing theory applies exactly: with Poisson arrivals and
//! exponential service this is M/M/c, and its mean waiting time is given by Erlang C.
//!
//! ```text
//!   arrivals ──▶ [ FIFO queue (queue_capacity) ] ──▶ ( worker 1 … worker c ) ──▶ done
//!                      full? → 503
//! ```
//!
//! ## What to look at
//! - Utilisation ρ = λ · E[S] / c. As ρ approaches 1, queue depth and latency grow
//!   without bound; p99 explodes long before the average looks alarming.
//! - Little's law: mean requests in system = arrival rate × mean time in system.
//! - With `queue_capacity` > 0 a full queue answers 503 at once: errors instead of delay.

use super::{common, Core, Model, SystemMeta, UtilizationMeter};
use crate::diagram::{
    all, pct, read_service, secs, share, status, Diagram, EdgeSpec, NodeSpec, Options, Readings,
    Verdict, ERRORS_DEGRADED, ERRORS_FAILING, SLOW_P99_S, VERY_SLOW_P99_S,
};
use crate::dist::Dist;
use crate::golden::{GoldenSeries, Signal};
use crate::metrics::{latency_bucket, CounterId, GaugeId, HistogramId};
use crate::observe::{Level, LogRecord, Span, SpanStatus, Trace};
use crate::params::{ParamSet, ParamSpec};
use crate::rng::Xoshiro256PlusPlus as Rng;
use crate::scenario::{Component, Hop};
use crate::time::{ns_to_secs, secs_to_ns, Nanos};
use std::collections::VecDeque;

/// The golden signals as the textbook queue counts them.
static GOLDEN: [GoldenSeries; Signal::COUNT] = {
    const LATENCY: &str = "Time in the system (waiting plus service) of the requests that \
        left over the last 5 s; a refused request counts as 0 s.";
    [
        GoldenSeries {
            signal: Signal::ThroughputRps,
            meaning: "Requests served per second over the last 5 s.",
        },
        GoldenSeries {
            signal: Signal::ErrorRate,
            meaning: "Share of requests over the last 5 s that were refused (queue full) \
                or failed.",
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
            meaning:
                "Requests waiting in the queue for a free worker, now (its time average is Lq).",
        },
        GoldenSeries {
            signal: Signal::Utilization,
            meaning: "Busy share of the c workers over the last sample interval (on average ρ).",
        },
        GoldenSeries {
            signal: Signal::InFlight,
            meaning: "Requests in the system, waiting or in service, now (its time average is L).",
        },
    ]
};

pub static META: SystemMeta = SystemMeta {
    id: "queue",
    title: "Textbook queue (M/M/c and friends)",
    category: "queueing",
    summary: "One FIFO queue in front of c identical workers: the model queueing theory describes.",
    source: crate::doc_of!("systems/queue.rs"),
    params: &[
        ParamSpec::float(
            "arrival_rate_rps",
            "req/s",
            80.0,
            0.001,
            10_000_000.0,
            "Mean arrival rate λ.",
        ),
        ParamSpec::choice(
            "arrival_process",
            "poisson",
            &["poisson", "constant"],
            "Poisson (exponential gaps) or evenly spaced arrivals.",
        ),
        ParamSpec::int(
            "workers",
            "workers",
            1,
            1,
            4096,
            "Servers c sharing the queue.",
        ),
        ParamSpec::int(
            "queue_capacity",
            "requests",
            0,
            0,
            10_000_000,
            "Waiting room; a full queue answers 503. 0 = unbounded.",
        ),
        ParamSpec::float(
            "service_time_ms",
            "ms",
            10.0,
            0.001,
            600_000.0,
            "Mean service time E[S].",
        ),
        ParamSpec::choice(
            "service_time_distribution",
            "exponential",
            &["exponential", "deterministic", "lognormal"],
            "Shape of the service time.",
        ),
        ParamSpec::float(
            "service_time_cv",
            "",
            1.0,
            0.0,
            20.0,
            "Coefficient of variation (sd / mean) for the log-normal service time.",
        ),
    ],
    metrics: &[
        common::HTTP_REQUESTS,
        common::HTTP_DURATION,
        common::IN_FLIGHT,
        common::QUEUE_DEPTH,
        common::WORKERS_BUSY,
        common::UTILIZATION,
        common::WAIT,
    ],
    components: &[Component::Service],
    build: |p, core| Box::new(QueueModel::new(p, core)),
    diagram: &DIAGRAM,
    only_switches: None,
    golden: &GOLDEN,
};

const SERVICE: &str = "queue";
const ENDPOINT: &str = "/";
/// Arrivals come in time order (each is scheduled after the one before it), so they
/// wait in a FIFO lane of the event queue instead of its heap: the heap then holds only
/// departures, and the order of events is the same.
const ARRIVAL_LANE: usize = 0;

#[derive(Debug, Clone, Copy)]
enum Ev {
    Arrival,
    Departure(u32),
}

#[derive(Debug, Clone, Copy, Default)]
struct Request {
    seq: u64,
    arrival: Nanos,
    start: Nanos,
    fail_status: Option<u16>,
}

struct Ids {
    ok: CounterId,
    rejected: CounterId,
    failed: CounterId,
    duration: HistogramId,
    in_flight: GaugeId,
    depth: GaugeId,
    busy: GaugeId,
    utilization: GaugeId,
    wait: HistogramId,
}

pub struct QueueModel {
    events: crate::event::EventQueue<Ev>,
    arrival_gap: Dist,
    service: Dist,
    arrival_rng: Rng,
    service_rng: Rng,
    workers: u64,
    busy: u64,
    capacity: usize,
    waiting: VecDeque<u32>,
    requests: Vec<Request>,
    free: Vec<u32>,
    ids: Ids,
    utilization_meter: UtilizationMeter,
}

impl QueueModel {
    pub fn new(p: &ParamSet, core: &mut Core) -> Self {
        let rate = p.f64("arrival_rate_rps");
        let arrival_gap = match p.choice("arrival_process") {
            "constant" => Dist::Deterministic { value: 1.0 / rate },
            _ => Dist::Exponential { mean: 1.0 / rate },
        };
        let mean = p.f64("service_time_ms") / 1000.0;
        let service = match p.choice("service_time_distribution") {
            "deterministic" => Dist::Deterministic { value: mean },
            "lognormal" => Dist::lognormal_mean_cv(mean, p.f64("service_time_cv")),
            _ => Dist::Exponential { mean },
        };
        let m = &mut core.metrics;
        let ids = Ids {
            ok: m.counter(&common::HTTP_REQUESTS, &[SERVICE, ENDPOINT, "200"]),
            rejected: m.counter(&common::HTTP_REQUESTS, &[SERVICE, ENDPOINT, "503"]),
            failed: m.counter(&common::HTTP_REQUESTS, &[SERVICE, ENDPOINT, "500"]),
            duration: m.histogram(&common::HTTP_DURATION, &[SERVICE, ENDPOINT]),
            in_flight: m.gauge(&common::IN_FLIGHT, &[SERVICE]),
            depth: m.gauge(&common::QUEUE_DEPTH, &[SERVICE]),
            busy: m.gauge(&common::WORKERS_BUSY, &[SERVICE]),
            utilization: m.gauge(&common::UTILIZATION, &[SERVICE]),
            wait: m.histogram(&common::WAIT, &[SERVICE]),
        };
        let mut model = QueueModel {
            events: Default::default(),
            arrival_gap,
            service,
            arrival_rng: core.rng(1),
            service_rng: core.rng(2),
            workers: p.i64("workers").max(1) as u64,
            busy: 0,
            capacity: p.i64("queue_capacity").max(0) as usize,
            waiting: VecDeque::new(),
            requests: Vec::new(),
            free: Vec::new(),
            ids,
            utilization_meter: UtilizationMeter::default(),
        };
        let first = secs_to_ns(model.arrival_gap.sample(&mut model.arrival_rng));
        model
            .events
            .schedule_timer(ARRIVAL_LANE, first, Ev::Arrival);
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

    fn start_service(&mut self, core: &mut Core, id: u32) {
        self.busy += 1;
        core.worker_busy(1);
        let r = &mut self.requests[id as usize];
        r.start = core.now;
        let hop = Hop::new(Component::Service, 0, ENDPOINT);
        let effect = core.scenarios.strike(
            core.now,
            &hop,
            &mut core.metrics,
            &mut core.logs,
            Some(r.seq),
        );
        r.fail_status = effect.fail_status;
        let service = secs_to_ns(self.service.sample(&mut self.service_rng) * effect.work_factor);
        self.events
            .schedule(core.now + service + effect.delay_ns, Ev::Departure(id));
    }

    fn arrival(&mut self, core: &mut Core) {
        let gap = secs_to_ns(self.arrival_gap.sample(&mut self.arrival_rng)).max(1);
        self.events
            .schedule_timer(ARRIVAL_LANE, core.now + gap, Ev::Arrival);
        let seq = core.arrive();
        let id = self.alloc(Request {
            seq,
            arrival: core.now,
            start: core.now,
            fail_status: None,
        });
        if self.busy < self.workers {
            self.start_service(core, id);
        } else if self.capacity == 0 || self.waiting.len() < self.capacity {
            self.waiting.push_back(id);
        } else {
            core.metrics.inc(self.ids.rejected);
            let b = core.depart(core.now, 0, false);
            core.metrics.observe_latency(self.ids.duration, b, 0.0);
            self.free.push(id);
            if core.logs.admits(core.now) {
                core.logs.push(LogRecord {
                    t_ns: core.now,
                    level: Level::Warn,
                    service: SERVICE,
                    message: "queue full, request rejected",
                    fields: vec![
                        ("status", "503".into()),
                        ("queue_capacity", self.capacity.to_string()),
                    ],
                    trace_id: Some(seq),
                });
            }
        }
    }

    fn departure(&mut self, core: &mut Core, id: u32) {
        let r = self.requests[id as usize];
        self.free.push(id);
        self.busy -= 1;
        core.worker_busy(-1);
        let ok = r.fail_status.is_none();
        let latency = core.now - r.arrival;
        let wait = r.start - r.arrival;
        let counter = match r.fail_status {
            None => self.ids.ok,
            Some(503) => self.ids.rejected,
            Some(_) => self.ids.failed,
        };
        core.metrics.inc(counter);
        let b = core.depart(r.arrival, wait, ok);
        core.metrics
            .observe_latency(self.ids.duration, b, ns_to_secs(latency));
        let wait_b = if wait == 0 {
            0
        } else {
            latency_bucket(ns_to_secs(wait))
        };
        core.metrics
            .observe_latency(self.ids.wait, wait_b, ns_to_secs(wait));
        if core.traces.wants(core.now, r.seq, !ok) {
            self.record_trace(core, &r);
        }
        if let Some(next) = self.waiting.pop_front() {
            self.start_service(core, next);
        }
    }

    fn record_trace(&self, core: &mut Core, r: &Request) {
        let status = if r.fail_status.is_some() {
            SpanStatus::Error
        } else {
            SpanStatus::Ok
        };
        let root = r.seq << 8;
        let spans = vec![
            Span {
                trace_id: r.seq,
                span_id: root,
                parent: None,
                service: SERVICE,
                operation: "GET /",
                start_ns: r.arrival,
                duration_ns: core.now - r.arrival,
                status,
                attributes: vec![("http.status", r.fail_status.unwrap_or(200).to_string())],
                links: Vec::new(),
            },
            Span {
                trace_id: r.seq,
                span_id: root + 1,
                parent: Some(root),
                service: SERVICE,
                operation: "queue wait",
                start_ns: r.arrival,
                duration_ns: r.start - r.arrival,
                status: SpanStatus::Ok,
                attributes: vec![],
                links: Vec::new(),
            },
            Span {
                trace_id: r.seq,
                span_id: root + 2,
                parent: Some(root),
                service: SERVICE,
                operation: "handle",
                start_ns: r.start,
                duration_ns: core.now - r.start,
                status,
                attributes: vec![],
                links: Vec::new(),
            },
        ];
        core.traces.push(Trace {
            trace_id: r.seq,
            spans,
        });
    }
}

impl Model for QueueModel {
    fn peek_time(&self) -> Option<Nanos> {
        self.events.peek_time()
    }

    fn step_through(&mut self, core: &mut Core, last: Nanos) -> bool {
        let Some((t, ev)) = self.events.pop_through(last) else {
            return false;
        };
        core.now = t;
        match ev {
            Ev::Arrival => self.arrival(core),
            Ev::Departure(id) => self.departure(core, id),
        }
        true
    }

    fn on_sample(&mut self, core: &mut Core) {
        core.settle();
        let m = &mut core.metrics;
        m.set(self.ids.in_flight, core.stats.in_system.level() as f64);
        m.set(self.ids.depth, self.waiting.len() as f64);
        m.set(self.ids.busy, self.busy as f64);
        if let Some(util) = self.utilization_meter.read(core, self.workers) {
            core.metrics.set(self.ids.utilization, util);
        }
    }

    fn workers_total(&self) -> u64 {
        self.workers
    }

    fn queue_depth(&self) -> u64 {
        self.waiting.len() as u64
    }

    fn has(&self, component: Component) -> bool {
        component == Component::Service
    }
}

// ---- its diagram ---------------------------------------------------------------------

/// The queue's diagram: arrivals, the FIFO queue and the workers.
pub static DIAGRAM: Diagram = Diagram {
    layout: diagram_layout,
    read_node: diagram_node,
    read_edge: diagram_edge,
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

fn diagram_layout(_: &Options<'_>) -> (Vec<NodeSpec>, Vec<EdgeSpec>) {
    let e = |from, to, rate_of| EdgeSpec { from, to, rate_of };
    (
        vec![ARRIVALS, QUEUE, WORKERS],
        vec![
            e("arrivals", "queue", "http_requests_total"),
            e("queue", "workers", "service_queue_wait_seconds_count"),
        ],
    )
}

fn diagram_node(q: &Readings<'_>, spec: &NodeSpec, details: &mut Vec<String>) -> Verdict {
    match spec.id {
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
        "workers" => read_service(q, details),
        _ => Verdict::new(false),
    }
}

fn diagram_edge(q: &Readings<'_>, spec: &EdgeSpec) -> f64 {
    match (spec.from, spec.to) {
        ("queue", "workers") => q.rate("service_queue_wait_seconds", &all),
        _ => q.rate("http_requests_total", &all),
    }
}
