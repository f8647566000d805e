//! # Serverless functions
//!
//! An HTTP API backed by a function, as AWS Lambda runs one: each execution environment
//! (an *instance*) serves one request at a time. A request that finds an idle warm
//! instance runs at once. Otherwise a new instance starts if the concurrency limit
//! allows (a **cold start**: the runtime starts, the package loads, the code outside
//! the handler runs) and serves it when ready; at the limit the request is throttled
//! (429). An instance idle for `keep_warm_s` is reclaimed: with no traffic the function
//! scales to zero and costs nothing. `provisioned_concurrency` instances are
//! initialised ahead and never reclaimed (billed whether used or not).
//!
//! ```text
//!   clients ──▶ function ──▶ idle warm instance? ── yes ──▶ handler (duration_ms)
//!                             │ no
//!                             ├─ below concurrency_limit ──▶ cold start (init) ──▶ handler
//!                             └─ at the limit ──▶ 429 throttled
//!   an instance idle keep_warm_s ──▶ reclaimed (scale to zero)
//! ```
//!
//! Latency is **bimodal**: warm requests take the handler's time, cold ones add the
//! init time on top. The init time is the runtime's start (`runtime`) plus loading the
//! package (`package_mb` × `init_ms_per_mb`). AWS's guidance gives cold starts "from
//! under 100 ms to over 1 second"; the defaults put the runtimes in their usual measured
//! order within that range (a compiled Go binary fastest, Java without SnapStart
//! slowest). How long an idle instance is kept is not published: 5 to 15 minutes is
//! what is usually observed (`keep_warm_s`).
//!
//! Cost (`systems::cost`): $0.20 per million requests and $0.0000166667 per GB-second of
//! billed duration (x86, us-east-1): duration × `memory_mb`, including the init phase,
//! which AWS bills for on-demand functions since August 2025; provisioned concurrency
//! adds $0.0000041667 per GB-second it is configured, used or not. The default account
//! concurrency limit in a region is 1,000.
//!
//! ## What to look at
//! - `http_request_duration_seconds`: two humps; p50 is the warm handler, p99 the cold
//!   starts.
//! - `function_cold_starts_total` and `function_init_duration_seconds`: how many and
//!   how long.
//! - `function_instances{state}`: idle, busy and initializing execution environments;
//!   `function_throttles_total` at the concurrency limit.
//! - The cost panel: `cost_rate_dollars_per_hour{resource="functions"}`.

use super::{common, Core, Model, SystemMeta, UtilizationMeter};
use crate::diagram::{
    all, pct, read_service, secs, Diagram, EdgeSpec, NodeSpec, Options, Readings, Verdict,
};
use crate::dist::Dist;
use crate::golden::{GoldenSeries, Signal};
use crate::metrics::{CounterId, GaugeId, HistogramId, MetricSpec, LATENCY_BUCKETS};
use crate::observe::{Level, LogRecord, Span, SpanStatus, Trace};
use crate::params::{ParamSet, ParamSpec};
use crate::rng::Xoshiro256PlusPlus as Rng;
use crate::scenario::{Component, Hop};
use crate::systems::cost::{CostMeter, Usage};
use crate::time::{ms_to_ns, ns_to_secs, secs_to_ns, Nanos};

static GOLDEN: [GoldenSeries; Signal::COUNT] = {
    const LATENCY: &str = "Time from a request's arrival to the function's answer over the \
        last 5 s, cold starts included; a throttled request counts as 0 s.";
    [
        GoldenSeries {
            signal: Signal::ThroughputRps,
            meaning: "Requests the function answered successfully per second over the last 5 s.",
        },
        GoldenSeries {
            signal: Signal::ErrorRate,
            meaning: "Share of requests over the last 5 s that were throttled (429) or failed.",
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
            meaning: "Requests waiting for an instance to finish its cold start, now.",
        },
        GoldenSeries {
            signal: Signal::Utilization,
            meaning: "Busy share of the instances that exist (initializing, busy or idle) over \
                the last sample interval.",
        },
        GoldenSeries {
            signal: Signal::InFlight,
            meaning: "Requests inside the function, initializing or running, now.",
        },
    ]
};

pub const COLD_STARTS: MetricSpec = MetricSpec::counter(
    "function_cold_starts_total",
    "Execution environments started for a request (cold starts).",
    &[],
);
pub const INIT_DURATION: MetricSpec = MetricSpec::histogram(
    "function_init_duration_seconds",
    "Time a cold start took before the handler could run.",
    &[],
    LATENCY_BUCKETS,
);
pub const INSTANCES: MetricSpec = MetricSpec::gauge(
    "function_instances",
    "Execution environments now, by state: initializing, busy, idle.",
    &["state"],
);
pub const THROTTLES: MetricSpec = MetricSpec::counter(
    "function_throttles_total",
    "Requests refused at the concurrency limit (429).",
    &[],
);
pub const RECLAIMED: MetricSpec = MetricSpec::counter(
    "function_instances_reclaimed_total",
    "Idle execution environments reclaimed after keep_warm_s.",
    &[],
);

const SERVICE: &str = "function";
const ENDPOINT: &str = "GET /";
/// The endpoint of the service hop struck when an instance starts (its init).
pub const INIT_HOP: &str = "init";
const STATES: [&str; 3] = ["initializing", "busy", "idle"];
/// Init before the package loads, by runtime, in ms.
const RUNTIMES: &[(&str, f64)] = &[
    ("go", 80.0),
    ("nodejs", 180.0),
    ("python", 220.0),
    ("java", 900.0),
];

pub static META: SystemMeta = SystemMeta {
    id: "functions",
    title: "Serverless function (scale to zero, cold starts)",
    category: "serverless",
    summary: "An API backed by a function: one request per execution environment, cold starts when none is warm, scale to zero, a concurrency limit, billed per request and GB-second.",
    source: crate::doc_of!("systems/functions.rs"),
    params: PARAMS,
    metrics: &[
        common::HTTP_REQUESTS,
        common::HTTP_DURATION,
        common::IN_FLIGHT,
        common::QUEUE_DEPTH,
        common::WORKERS_BUSY,
        common::UTILIZATION,
        COLD_STARTS,
        INIT_DURATION,
        INSTANCES,
        THROTTLES,
        RECLAIMED,
        crate::systems::cost::COST,
        crate::systems::cost::COST_RATE,
        crate::systems::cost::TRANSFER,
    ],
    components: &[Component::Service, Component::Function],
    build: |p, core| Box::new(FunctionsModel::new(p, core)),
    diagram: &DIAGRAM,
    only_switches: None,
    golden: &GOLDEN,
};

#[rustfmt::skip]
const PARAMS: &[ParamSpec] = &[
    ParamSpec::float("arrival_rate_rps", "req/s", 5.0, 0.001, 100_000.0, "Mean rate of requests (Poisson) outside bursts."),
    ParamSpec::choice("load_profile", "bursty", &["constant", "bursty"], "Constant, or bursts of burst_factor × the rate for burst_s every burst_period_s."),
    ParamSpec::float("burst_factor", "×", 10.0, 1.0, 1000.0, "Rate during a burst as a multiple of the base rate."),
    ParamSpec::float("burst_s", "s", 10.0, 0.1, 3600.0, "How long a burst lasts."),
    ParamSpec::float("burst_period_s", "s", 600.0, 1.0, 86_400.0, "Time from one burst's start to the next."),
    ParamSpec::float("duration_ms", "ms", 40.0, 0.1, 900_000.0, "Mean handler time of a warm request (log-normal, cv 0.5)."),
    ParamSpec::choice("runtime", "python", &["go", "nodejs", "python", "java"], "The runtime: its start before the package loads (go 80 ms, nodejs 180 ms, python 220 ms, java 900 ms)."),
    ParamSpec::float("package_mb", "MB", 10.0, 0.0, 10_240.0, "Size of the deployment package (code and dependencies) loaded at a cold start."),
    ParamSpec::float("init_ms_per_mb", "ms/MB", 8.0, 0.0, 10_000.0, "Init time per MB of package (loading and importing it)."),
    ParamSpec::float("memory_mb", "MB", 512.0, 128.0, 10_240.0, "Memory of an execution environment: GB-seconds are billed by it."),
    ParamSpec::int("concurrency_limit", "instances", 1000, 1, 100_000, "Most execution environments at once; past it, requests are throttled (429)."),
    ParamSpec::int("provisioned_concurrency", "instances", 0, 0, 100_000, "Instances initialised ahead and never reclaimed (billed while configured)."),
    ParamSpec::float("keep_warm_s", "s", 300.0, 1.0, 86_400.0, "An idle instance is reclaimed after this long."),
    ParamSpec::float("price_function_million_requests", "$/M", 0.20, 0.0, 1000.0, "Price per million requests."),
    ParamSpec::float("price_function_gb_second", "$/GB-s", 0.0000166667, 0.0, 1.0, "Price per GB-second of billed duration (init included)."),
    ParamSpec::float("price_provisioned_gb_second", "$/GB-s", 0.0000041667, 0.0, 1.0, "Price per GB-second of provisioned concurrency configured."),
];

#[derive(Debug, Clone, Copy)]
enum Ev {
    Arrival,
    /// An instance finished its init.
    Ready(u32),
    /// An instance's request is done.
    Done(u32),
    /// Check instance `.0` for reclaiming; stale unless it is still idle since `.1`.
    Reclaim(u32, Nanos),
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum State {
    Initializing,
    Busy,
    Idle,
    Gone,
}

#[derive(Debug, Clone, Copy)]
struct Instance {
    state: State,
    /// Provisioned: never reclaimed.
    pinned: bool,
    idle_since: Nanos,
    /// The request it serves (or will, once ready).
    req: Option<Req>,
}

#[derive(Debug, Clone, Copy)]
struct Req {
    seq: u64,
    arrival: Nanos,
    /// When the handler started (after the init, if cold).
    start: Nanos,
    /// The cold start it waited for, if any.
    init_ns: Nanos,
    fail: Option<u16>,
}

struct Ids {
    ok: CounterId,
    throttled: CounterId,
    failed: CounterId,
    duration: HistogramId,
    in_flight: GaugeId,
    depth: GaugeId,
    busy: GaugeId,
    utilization: GaugeId,
    cold: CounterId,
    init: HistogramId,
    states: [GaugeId; 3],
    reclaimed: CounterId,
    throttles: CounterId,
}

pub struct FunctionsModel {
    events: crate::event::EventQueue<Ev>,
    base_rate: f64,
    bursty: bool,
    burst_factor: f64,
    burst_ns: Nanos,
    period_ns: Nanos,
    duration: Dist,
    base_init_ns: Nanos,
    memory_gb: f64,
    limit: usize,
    keep_warm_ns: Nanos,
    provisioned: usize,
    arrival_rng: Rng,
    work_rng: Rng,
    instances: Vec<Instance>,
    /// Idle instances, most recently used last (reused first).
    idle: Vec<u32>,
    /// Slots of reclaimed instances, for the next cold start.
    gone: Vec<u32>,
    /// Instances that are not `Gone`.
    alive: usize,
    ids: Ids,
    meter: UtilizationMeter,
    cost: CostMeter,
    gb_seconds: f64,
    provisioned_price: f64,
    invocations: f64,
}

impl FunctionsModel {
    pub fn new(p: &ParamSet, core: &mut Core) -> Self {
        let m = &mut core.metrics;
        let ids = Ids {
            ok: m.counter(&common::HTTP_REQUESTS, &[SERVICE, ENDPOINT, "200"]),
            throttled: m.counter(&common::HTTP_REQUESTS, &[SERVICE, ENDPOINT, "429"]),
            failed: m.counter(&common::HTTP_REQUESTS, &[SERVICE, ENDPOINT, "500"]),
            duration: m.histogram(&common::HTTP_DURATION, &[SERVICE, ENDPOINT]),
            in_flight: m.gauge(&common::IN_FLIGHT, &[SERVICE]),
            depth: m.gauge(&common::QUEUE_DEPTH, &[SERVICE]),
            busy: m.gauge(&common::WORKERS_BUSY, &[SERVICE]),
            utilization: m.gauge(&common::UTILIZATION, &[SERVICE]),
            cold: m.counter(&COLD_STARTS, &[]),
            init: m.histogram(&INIT_DURATION, &[]),
            states: STATES.map(|s| m.gauge(&INSTANCES, &[s])),
            reclaimed: m.counter(&RECLAIMED, &[]),
            throttles: m.counter(&THROTTLES, &[]),
        };
        let runtime = p.choice("runtime");
        let start_ms = RUNTIMES
            .iter()
            .find(|(r, _)| *r == runtime)
            .map_or(220.0, |r| r.1);
        let init_ms = start_ms + p.f64("package_mb") * p.f64("init_ms_per_mb");
        let provisioned = p.i64("provisioned_concurrency").max(0) as usize;
        let limit = (p.i64("concurrency_limit").max(1) as usize).max(provisioned);
        let mut model = FunctionsModel {
            events: Default::default(),
            base_rate: p.f64("arrival_rate_rps"),
            bursty: p.choice("load_profile") == "bursty",
            burst_factor: p.f64("burst_factor"),
            burst_ns: secs_to_ns(p.f64("burst_s")),
            period_ns: secs_to_ns(p.f64("burst_period_s")).max(1),
            duration: Dist::lognormal_mean_cv(p.f64("duration_ms") / 1000.0, 0.5),
            base_init_ns: ms_to_ns(init_ms),
            memory_gb: p.f64("memory_mb") / 1024.0,
            limit,
            keep_warm_ns: secs_to_ns(p.f64("keep_warm_s")),
            provisioned,
            arrival_rng: core.rng(1),
            work_rng: core.rng(2),
            instances: Vec::new(),
            idle: Vec::new(),
            gone: Vec::new(),
            alive: 0,
            ids,
            meter: UtilizationMeter::default(),
            cost: CostMeter::new(p, &mut core.metrics),
            gb_seconds: 0.0,
            provisioned_price: p.f64("price_provisioned_gb_second"),
            invocations: 0.0,
        };
        // Provisioned concurrency: initialised before the first request.
        for _ in 0..provisioned {
            model.instances.push(Instance {
                state: State::Idle,
                pinned: true,
                idle_since: 0,
                req: None,
            });
            model.idle.push(model.instances.len() as u32 - 1);
            model.alive += 1;
        }
        let first = model.next_arrival(0);
        model.events.schedule(first, Ev::Arrival);
        model
    }

    /// The request rate at `t`.
    fn rate_at(&self, t: Nanos) -> f64 {
        if self.bursty && t % self.period_ns < self.burst_ns {
            self.base_rate * self.burst_factor
        } else {
            self.base_rate
        }
    }

    /// The next arrival after `now`: a Poisson process whose rate changes at burst edges
    /// (thinning against the peak rate, so the draws do not depend on where edges fall).
    fn next_arrival(&mut self, now: Nanos) -> Nanos {
        let peak = if self.bursty {
            self.base_rate * self.burst_factor
        } else {
            self.base_rate
        };
        let mut t = now;
        loop {
            let gap = crate::dist::standard_exponential(&mut self.arrival_rng) / peak;
            t += secs_to_ns(gap).max(1);
            if self.arrival_rng.next_f64() * peak < self.rate_at(t) {
                return t;
            }
        }
    }

    fn arrival(&mut self, core: &mut Core) {
        let next = self.next_arrival(core.now);
        self.events.schedule(next, Ev::Arrival);
        let seq = core.arrive();
        let mut req = Req {
            seq,
            arrival: core.now,
            start: core.now,
            init_ns: 0,
            fail: None,
        };
        if let Some(i) = self.idle.pop() {
            self.run(core, i, req);
        } else if self.alive < self.limit {
            // A cold start: a new execution environment initialises for this request.
            let hop = Hop::new(Component::Function, 0, INIT_HOP);
            let effect =
                core.scenarios
                    .strike(core.now, &hop, &mut core.metrics, &mut core.logs, Some(seq));
            let init = ((self.base_init_ns as f64 * effect.work_factor) as Nanos)
                .saturating_add(effect.delay_ns);
            req.init_ns = init;
            req.fail = effect.fail_status;
            let fresh = Instance {
                state: State::Initializing,
                pinned: false,
                idle_since: 0,
                req: Some(req),
            };
            let i = match self.gone.pop() {
                Some(i) => {
                    self.instances[i as usize] = fresh;
                    i
                }
                None => {
                    self.instances.push(fresh);
                    self.instances.len() as u32 - 1
                }
            };
            self.alive += 1;
            core.metrics.inc(self.ids.cold);
            core.metrics.observe(self.ids.init, ns_to_secs(init));
            self.gb_seconds += ns_to_secs(init) * self.memory_gb;
            self.events.schedule(core.now + init, Ev::Ready(i));
        } else {
            core.metrics.inc(self.ids.throttled);
            core.metrics.inc(self.ids.throttles);
            let b = core.depart(core.now, 0, false);
            core.metrics.observe_latency(self.ids.duration, b, 0.0);
            if core.logs.admits(core.now) {
                core.logs.push(LogRecord {
                    t_ns: core.now,
                    level: Level::Warn,
                    service: SERVICE,
                    message: "Rate exceeded: concurrency limit reached, request throttled",
                    fields: vec![
                        ("status", "429".into()),
                        ("concurrency_limit", self.limit.to_string()),
                    ],
                    trace_id: Some(seq),
                });
            }
        }
    }

    /// Instance `i` runs `req`'s handler now.
    fn run(&mut self, core: &mut Core, i: u32, mut req: Req) {
        req.start = core.now;
        core.worker_busy(1);
        let hop = Hop::new(Component::Service, i, ENDPOINT);
        let effect = core.scenarios.strike(
            core.now,
            &hop,
            &mut core.metrics,
            &mut core.logs,
            Some(req.seq),
        );
        req.fail = req.fail.or(effect.fail_status);
        let work = secs_to_ns(self.duration.sample(&mut self.work_rng) * effect.work_factor)
            .saturating_add(effect.delay_ns);
        let inst = &mut self.instances[i as usize];
        inst.state = State::Busy;
        inst.req = Some(req);
        self.events.schedule(core.now + work, Ev::Done(i));
    }

    fn ready(&mut self, core: &mut Core, i: u32) {
        let Some(req) = self.instances[i as usize].req else {
            return;
        };
        self.run(core, i, req);
    }

    fn done(&mut self, core: &mut Core, i: u32) {
        let Some(req) = self.instances[i as usize].req.take() else {
            return;
        };
        core.worker_busy(-1);
        self.invocations += 1.0;
        // Billed duration: rounded up to the millisecond.
        let billed_ms = ((core.now - req.start) as f64 / 1e6).ceil();
        self.gb_seconds += billed_ms / 1000.0 * self.memory_gb;
        let ok = req.fail.is_none();
        let counter = if ok { self.ids.ok } else { self.ids.failed };
        core.metrics.inc(counter);
        let latency = core.now - req.arrival;
        let b = core.depart(req.arrival, req.start - req.arrival, ok);
        core.metrics
            .observe_latency(self.ids.duration, b, ns_to_secs(latency));
        if core.traces.wants(core.now, req.seq, !ok) {
            record_trace(core, &req, i);
        }
        let inst = &mut self.instances[i as usize];
        inst.state = State::Idle;
        inst.idle_since = core.now;
        self.idle.push(i);
        if !inst.pinned {
            self.events
                .schedule(core.now + self.keep_warm_ns, Ev::Reclaim(i, core.now));
        }
    }

    fn reclaim(&mut self, core: &mut Core, i: u32, since: Nanos) {
        let inst = &mut self.instances[i as usize];
        if inst.state != State::Idle || inst.idle_since != since || inst.pinned {
            return;
        }
        inst.state = State::Gone;
        self.alive -= 1;
        if let Some(pos) = self.idle.iter().position(|&j| j == i) {
            self.idle.remove(pos);
        }
        self.gone.push(i);
        core.metrics.inc(self.ids.reclaimed);
    }

    fn count(&self, state: State) -> usize {
        self.instances.iter().filter(|i| i.state == state).count()
    }
}

fn record_trace(core: &mut Core, r: &Req, instance: u32) {
    let status = if r.fail.is_some() {
        SpanStatus::Error
    } else {
        SpanStatus::Ok
    };
    let root = r.seq << 8;
    let mut spans = vec![Span {
        trace_id: r.seq,
        span_id: root,
        parent: None,
        service: SERVICE,
        operation: ENDPOINT,
        start_ns: r.arrival,
        duration_ns: core.now - r.arrival,
        status,
        attributes: vec![
            ("http.status", r.fail.unwrap_or(200).to_string()),
            ("faas.coldstart", (r.init_ns > 0).to_string()),
            ("faas.instance", format!("env-{instance}")),
        ],
        links: Vec::new(),
    }];
    if r.init_ns > 0 {
        spans.push(Span {
            trace_id: r.seq,
            span_id: root + 1,
            parent: Some(root),
            service: SERVICE,
            operation: "init",
            start_ns: r.arrival,
            duration_ns: r.init_ns,
            status: SpanStatus::Ok,
            attributes: vec![],
            links: Vec::new(),
        });
    }
    spans.push(Span {
        trace_id: r.seq,
        span_id: root + 2,
        parent: Some(root),
        service: SERVICE,
        operation: "handler",
        start_ns: r.start,
        duration_ns: core.now - r.start,
        status,
        attributes: vec![],
        links: Vec::new(),
    });
    core.traces.push(Trace {
        trace_id: r.seq,
        spans,
    });
}

impl Model for FunctionsModel {
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
            Ev::Ready(i) => self.ready(core, i),
            Ev::Done(i) => self.done(core, i),
            Ev::Reclaim(i, since) => self.reclaim(core, i, since),
        }
        true
    }

    fn on_sample(&mut self, core: &mut Core) {
        core.settle();
        let counts = [State::Initializing, State::Busy, State::Idle].map(|s| self.count(s));
        let m = &mut core.metrics;
        for (g, n) in self.ids.states.iter().zip(counts) {
            m.set(*g, n as f64);
        }
        m.set(self.ids.in_flight, core.stats.in_system.level() as f64);
        m.set(self.ids.depth, counts[0] as f64);
        m.set(self.ids.busy, counts[1] as f64);
        if let Some(util) = self.meter.read(core, self.alive.max(1) as u64) {
            core.metrics.set(self.ids.utilization, util);
        }
        // Provisioned concurrency is billed for the interval whether used or not, as
        // GB-seconds at its own price: folded into the functions line.
        let dt = core.now.saturating_sub(self.last_sample());
        let provisioned_gbs = self.provisioned as f64 * self.memory_gb * ns_to_secs(dt);
        let price = self.cost.prices().function_gb_second;
        let equivalent = if price > 0.0 {
            provisioned_gbs * self.provisioned_price / price
        } else {
            0.0
        };
        let usage = Usage {
            invocations: std::mem::take(&mut self.invocations),
            gb_seconds: std::mem::take(&mut self.gb_seconds) + equivalent,
            ..Usage::default()
        };
        self.cost.sample(core.now, &mut core.metrics, &usage);
    }

    fn workers_total(&self) -> u64 {
        self.alive.max(1) as u64
    }

    fn queue_depth(&self) -> u64 {
        self.count(State::Initializing) as u64
    }

    fn has(&self, component: Component) -> bool {
        META.components.contains(&component)
    }
}

impl FunctionsModel {
    fn last_sample(&self) -> Nanos {
        self.cost.last_t()
    }
}

// ---- its diagram ---------------------------------------------------------------------

pub static DIAGRAM: Diagram = Diagram {
    layout: diagram_layout,
    read_node: diagram_node,
    read_edge: diagram_edge,
};

const CLIENTS: NodeSpec = NodeSpec {
    id: "clients",
    label: "Clients",
    components: &[Component::Client],
    services: &[SERVICE],
    col: 0,
    row: 0,
    signals: "http_requests_total: request rate",
    metrics: &["http_requests_total"],
};
const INSTANCES_NODE: NodeSpec = NodeSpec {
    id: "instances",
    label: "Execution environments",
    components: &[Component::Function],
    services: &[SERVICE],
    col: 1,
    row: 0,
    signals: "function_cold_starts_total: cold starts; function_throttles_total: throttled at the limit; function_init_duration_seconds: p99",
    metrics: &[
        "function_instances",
        "function_cold_starts_total",
        "function_init_duration_seconds",
        "function_throttles_total",
    ],
};
const HANDLER: NodeSpec = NodeSpec {
    id: "handler",
    label: "Handler",
    components: &[Component::Service],
    services: &[SERVICE],
    col: 2,
    row: 0,
    signals: "http_requests_total{status=\"500\"}: failures; http_request_duration_seconds: p99",
    metrics: &["http_request_duration_seconds", "service_utilization_ratio"],
};

fn diagram_layout(_: &Options<'_>) -> (Vec<NodeSpec>, Vec<EdgeSpec>) {
    let e = |from, to, rate_of| EdgeSpec { from, to, rate_of };
    (
        vec![CLIENTS, INSTANCES_NODE, HANDLER],
        vec![
            e("clients", "instances", "http_requests_total"),
            e("instances", "handler", "function_cold_starts_total"),
        ],
    )
}

fn diagram_node(q: &Readings<'_>, spec: &NodeSpec, details: &mut Vec<String>) -> Verdict {
    match spec.id {
        "clients" => {
            let total = q.rate("http_requests_total", &all);
            details.push(format!("{total:.1} req/s"));
            Verdict::new(total > 0.0)
        }
        "instances" => {
            let total = q.rate("http_requests_total", &all);
            let cold = q.rate("function_cold_starts_total", &all);
            let throttled = q.rate("function_throttles_total", &all);
            let init = q.quantile(0.99, "function_init_duration_seconds", &all);
            let mut v = Verdict::new(total > 0.0);
            let cold_share = crate::diagram::share(cold, total);
            let throttled_share = crate::diagram::share(throttled, total);
            details.push(format!("{} cold", pct(cold_share)));
            if init.is_finite() {
                details.push(format!("init p99 {}", secs(init)));
            }
            v.above(
                "throttled",
                throttled_share,
                crate::diagram::ERRORS_DEGRADED,
                crate::diagram::ERRORS_FAILING,
                pct,
            );
            v.above("cold starts", cold_share, 0.05, 0.5, pct);
            v
        }
        "handler" => read_service(q, details),
        _ => Verdict::new(false),
    }
}

fn diagram_edge(q: &Readings<'_>, spec: &EdgeSpec) -> f64 {
    q.rate(spec.rate_of, &all)
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;

    #[test]
    fn latency_is_bimodal_cold_starts_add_the_init() {
        let lab = run(&config("functions", 11, &[], &[]), 300);
        let cold = total(&lab, "function_cold_starts_total");
        let ok = responses(&lab, "GET /", "200");
        assert!(cold > 0.0 && cold < ok * 0.2, "{cold} cold of {ok}");
        // p50 is the warm handler (40 ms), p99 a cold start (220 + 80 ms of init).
        let p50 = quantile_all(&lab, "http_request_duration_seconds", 0.5);
        let p99 = quantile_all(&lab, "http_request_duration_seconds", 0.999);
        assert!(p50 < 0.1, "p50 {p50}");
        assert!(p99 > 0.3, "p99.9 {p99}");
        let init = quantile_all(&lab, "function_init_duration_seconds", 0.5);
        assert!((0.25..0.35).contains(&init), "init {init}");
    }

    #[test]
    fn idle_instances_are_reclaimed_and_the_function_scales_to_zero() {
        let lab = run(
            &config(
                "functions",
                12,
                &[],
                &[("keep_warm_s", "10"), ("load_profile", "bursty")],
            ),
            120,
        );
        assert!(total(&lab, "function_instances_reclaimed_total") > 0.0);
        // Between bursts the base rate keeps a few warm; each burst starts more cold.
        assert!(total(&lab, "function_cold_starts_total") > 20.0);
    }

    #[test]
    fn provisioned_concurrency_removes_cold_starts_and_bills_for_itself() {
        let base = run(&config("functions", 13, &[], &[]), 120);
        let warm = run(
            &config("functions", 13, &[], &[("provisioned_concurrency", "20")]),
            120,
        );
        assert!(
            total(&warm, "function_cold_starts_total")
                < 0.2 * total(&base, "function_cold_starts_total")
        );
        let cost = |lab| total_where(lab, "cost_dollars_total", "functions");
        assert!(
            cost(&warm) > cost(&base),
            "{} vs {}",
            cost(&warm),
            cost(&base)
        );
    }

    #[test]
    fn the_concurrency_limit_throttles_with_429() {
        let lab = run(
            &config("functions", 14, &[], &[("concurrency_limit", "2")]),
            60,
        );
        assert!(responses(&lab, "GET /", "429") > 0.0);
        assert!(total(&lab, "function_throttles_total") > 0.0);
    }
}
