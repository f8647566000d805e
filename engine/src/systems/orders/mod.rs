//! # Event-sourced orders (CQRS)
//!
//! An order service built the event-sourcing way. Clients send **commands**
//! (`PlaceOrder`, `ShipOrder`, `CancelOrder`) and **queries** (`GetOrder`). A command
//! handler (one of `command_workers`) loads the **Order aggregate** from the **event
//! store** (its latest snapshot plus the events after it, or a replay of its whole
//! stream), decides (an invalid transition is a domain error, 409) and appends the new
//! events with **optimistic concurrency**: the append names the stream version it loaded
//! and is refused if another append got there first; the handler reloads and retries
//! (`max_append_retries`), then gives up with 409. Every `snapshot_every` events a stream
//! gets a snapshot. Three **projections** (`order_summary`, `order_history`,
//! `analytics`) apply the log in global-position order, each at `projection_rate_eps`,
//! with its checkpoint kept in its read model; queries read `order_summary`, so a lagging
//! projection answers stale (or 404 for an order it has not seen yet). Each placed order
//! starts a **payment saga**: reserve stock → charge payment → confirm (a command on the
//! order); on a failure the completed steps are compensated in reverse (refund, release
//! stock), each retried up to `compensation_retries` times; a saga whose compensation
//! gives up is stuck, its order half-done. Between the charge and the confirmation a
//! reader sees an unpaid order whose money is taken: no isolation between a saga's
//! steps, counted as `data_anomalies_total{kind="saga_intermediate_read"}`.
//!
//! The stock a saga reserves belongs to a **product**, an event-sourced aggregate of
//! its own with a long stream (every reservation and release is an event on it; the
//! order projections subscribe to the order streams only), loaded from its latest
//! snapshot (`inventory.rs`). The saga hears of a placed order through an integration
//! event the command handler publishes to a broker after its append (a dual write), or
//! with `transactional-outbox` through a relay reading the log (`saga.rs`). Each
//! projection's consumer commits its offset to the broker every
//! `offset_commit_interval_ms` and retries a failed read-model write from a retry
//! queue while it goes on (`delivery.rs`).
//!
//! ```text
//!   clients ──commands──▶ command API ──append──▶ event store ──▶ projections ──▶ query API ◀──queries── clients
//!                              │  (load: snapshot + events)            order_summary · order_history · analytics
//!                              └──saga──▶ stock · payment (compensate in reverse on failure)
//! ```
//!
//! ## Where the defaults come from
//! - `append_latency_ms` 2 ms: a durable commit (an fsync on a data-centre SSD takes
//!   0.1–2 ms; with group commit and a network round trip to the store, a few ms).
//! - `event_load_us` 20 µs per event read and applied when loading an aggregate
//!   (deserialising a small JSON event and a match on its type).
//! - `payment_latency_ms` 300 ms and `payment_failure_rate` 2 %: a card authorisation
//!   through a payment provider takes a few hundred ms; declines of a few percent are
//!   ordinary.
//! - `projection_rate_eps` 2,000 events/s: a projection writing each event to its read
//!   model's database in its own small transaction.
//! - `offset_commit_interval_ms` 5 s: Kafka's consumer default
//!   (`auto.commit.interval.ms` = 5000).
//! - `products` 200 and `product_history_events` 20,000: a small shop's catalogue, each
//!   product with about a year of stock movements (55 a day).
//!
//! ## What to look at
//! - `projection_lag_events` / `projection_lag_seconds` against `stale_reads_total`:
//!   eventual consistency made visible.
//! - `aggregate_load_duration_seconds{source}`: snapshots keep loads short; without them
//!   a load replays the whole stream.
//! - `event_append_conflicts_total`: concurrent commands on one order.
//! - `sagas_total{outcome}`, `compensations_total{step,outcome}`,
//!   `saga_duration_seconds`: how orders end when a step fails.
//! - `orders_awaiting_payment` and `integration_events_total{outcome}`: orders whose
//!   saga never heard of them.
//! - `projection_events_out_of_order_total`, `projection_events_redelivered_total`,
//!   `data_anomalies_total{kind}`: read models that are wrong rather than late.
//! - `aggregate_load_duration_seconds{aggregate="product"}` and
//!   `snapshot_load_failures_total{reason}`: what a damaged snapshot costs.

mod delivery;
mod diagram;
pub mod domain;
pub mod inventory;
pub mod metrics;
mod params;
mod saga;
pub mod store;
mod telemetry;
pub mod view;

use super::{common, Core, Model, SystemMeta, UtilizationMeter};
use crate::dist::Dist;
use crate::event::EventQueue;
use crate::metrics::{CounterId, GaugeId, HistogramId};
use crate::observe::{Level, LogRecord, Span, SpanStatus, Trace};
use crate::params::ParamSet;
use crate::rng::Xoshiro256PlusPlus as Rng;
use crate::scenario::{Component, Hop};
use crate::time::{ns_to_secs, secs_to_ns, Nanos};
use domain::{decide, Compensation, EventKind, Held, OrderCommand, OrderState, SagaStep};
use inventory::Inventory;
use metrics::*;
use params::{COMPONENTS, GOLDEN, METRICS, PARAMS};
use std::collections::VecDeque;
use store::{EventStore, ProjectionKind, ReadModel};

pub static META: SystemMeta = SystemMeta {
    id: "orders",
    title: "Event-sourced orders (CQRS): event store, projections, payment saga",
    category: "event-sourcing",
    summary: "Commands append events to an event store; projections build the read side; a saga charges payment and compensates on failure.",
    source: crate::doc_of!("systems/orders/mod.rs"),
    params: PARAMS,
    metrics: METRICS,
    components: COMPONENTS,
    build: |p, core| Box::new(OrdersModel::new(p, core)),
    diagram: &diagram::DIAGRAM,
    // Its parts do not take the web system's strikes (latency, errors, a slow
    // database…); its own scenarios come with it.
    only_switches: Some(&[
        "event-replay-lag",
        "saga-compensation-failure",
        "event-ordering-issue",
        "snapshot-corruption",
        "duplicate-delivery",
        "dual-write",
        "shadow-rebuild",
        "compensation-backoff",
        "per-stream-ordering",
        "idempotent-consumer",
        "snapshot-checksums",
        "transactional-outbox",
    ]),
    golden: &GOLDEN,
};

const COMMAND_SERVICE: &str = "command-api";
const QUERY_SERVICE: &str = "query-api";
const QUERY_ENDPOINT: &str = "GET /orders/{id}";
/// Orders targeted by ship, cancel and query: the most recently placed.
const RECENT: usize = 256;
/// Base cost of a load besides its events (a round trip to the store).
const LOAD_BASE_NS: Nanos = 100_000;

#[derive(Debug, Clone, Copy)]
enum Ev {
    Arrival,
    /// A command's aggregate is loaded.
    Loaded(u32),
    /// A command's append reaches the store.
    Commit(u32),
    QueryDone(u32),
    /// A saga's current forward step finished.
    SagaStep(u32),
    /// A saga's current compensation attempt finished.
    Compensated(u32),
    /// A projection applied one event.
    Projected(u8),
    /// A projection's shadow (a rebuild beside it) applied one event.
    Shadowed(u8),
    /// A projection retries an event it parked (the projection, the event's position).
    Retry(u8, u32),
    /// The outbox relay reads the log.
    Relay,
}

/// A command being handled: a client's (answered over HTTP) or a saga's.
#[derive(Debug, Clone, Copy)]
struct Cmd {
    seq: u64,
    arrival: Nanos,
    start: Nanos,
    command: OrderCommand,
    stream: u32,
    /// The stream's version and the order's state when it was loaded.
    expected: u32,
    state: OrderState,
    conflicts: u32,
    loaded_ns: Nanos,
    from_snapshot: bool,
    /// The saga that sent it (`None`: a client).
    saga: Option<u32>,
}

/// An event a projection's consumer set aside: to retry at `due`, or (`None`) to apply
/// after an earlier event of its order that is waiting for its retry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Parked {
    position: usize,
    stream: u32,
    due: Option<Nanos>,
}

/// A traced command's append, which the projections' and the saga's traces link to:
/// the position of an event it wrote, its trace and its append span.
#[derive(Debug, Clone, Copy)]
struct Followed {
    position: usize,
    trace: u64,
    span: u64,
}

#[derive(Debug, Clone, Copy)]
struct Query {
    seq: u64,
    arrival: Nanos,
    stream: Option<u32>,
}

#[derive(Debug, Clone)]
struct Saga {
    stream: u32,
    /// The product whose stock it reserves.
    product: u32,
    started: Nanos,
    step: SagaStep,
    held: Held,
    /// Compensations left, in order; the first is under way.
    undo: Vec<Compensation>,
    attempts: u32,
    done: bool,
}

/// A traced saga's trace while it runs (few of them, kept apart from `Saga`): the
/// command append it follows, its trace id, the spans of its steps so far, and when
/// the step under way began.
#[derive(Debug, Clone)]
struct SagaTrace {
    saga: u32,
    link: (u64, u64),
    trace: u64,
    spans: Vec<Span>,
    step_started: Nanos,
}

struct Ids {
    ok: [CounterId; 3],
    conflict: [CounterId; 3],
    query_ok: CounterId,
    query_missing: CounterId,
    duration: [HistogramId; 3],
    query_duration: HistogramId,
    in_flight: GaugeId,
    depth: GaugeId,
    busy: GaugeId,
    utilization: GaugeId,
    wait: HistogramId,
    appended: [CounterId; 5],
    append_duration: HistogramId,
    conflicts: CounterId,
    store_size: GaugeId,
    lag_events: [GaugeId; 3],
    lag_seconds: [GaugeId; 3],
    snapshots: CounterId,
    load_snapshot: HistogramId,
    load_replay: HistogramId,
    sagas_completed: CounterId,
    sagas_compensated: CounterId,
    sagas_stuck: CounterId,
    saga_duration: HistogramId,
    /// `compensations_total` by (step, outcome): release ok/failed, refund ok/failed.
    compensations: [[CounterId; 2]; 2],
    stale: [CounterId; 3],
    replay: [HistogramId; 3],
    intermediate: CounterId,
    wrong_read: CounterId,
    duplicate_applied: CounterId,
    garbled_used: CounterId,
    product_load_snapshot: HistogramId,
    product_load_replay: HistogramId,
    product_snapshots: CounterId,
    /// `snapshot_load_failures_total` by reason: unreadable, checksum.
    snapshot_failures: [CounterId; 2],
    parked: [CounterId; 3],
    out_of_order: [CounterId; 3],
    redelivered: [CounterId; 3],
    duplicates_skipped: [CounterId; 3],
    /// `integration_events_total` by outcome: published, lost, retried.
    integration: [CounterId; 3],
    awaiting: GaugeId,
}

/// The commands clients send (the saga sends `ConfirmPayment`, and cancels too).
const COMMANDS: [OrderCommand; 3] = [
    OrderCommand::PlaceOrder,
    OrderCommand::ShipOrder,
    OrderCommand::CancelOrder,
];

fn command_index(c: OrderCommand) -> usize {
    COMMANDS.iter().position(|x| *x == c).unwrap_or(0)
}

fn register(core: &mut Core) -> Ids {
    let m = &mut core.metrics;
    let http = |m: &mut crate::metrics::Registry, c: OrderCommand, status: &str| {
        m.counter(
            &common::HTTP_REQUESTS,
            &[COMMAND_SERVICE, c.endpoint(), status],
        )
    };
    Ids {
        ok: COMMANDS.map(|c| http(m, c, "200")),
        conflict: COMMANDS.map(|c| http(m, c, "409")),
        query_ok: m.counter(
            &common::HTTP_REQUESTS,
            &[QUERY_SERVICE, QUERY_ENDPOINT, "200"],
        ),
        query_missing: m.counter(
            &common::HTTP_REQUESTS,
            &[QUERY_SERVICE, QUERY_ENDPOINT, "404"],
        ),
        duration: COMMANDS
            .map(|c| m.histogram(&common::HTTP_DURATION, &[COMMAND_SERVICE, c.endpoint()])),
        query_duration: m.histogram(&common::HTTP_DURATION, &[QUERY_SERVICE, QUERY_ENDPOINT]),
        in_flight: m.gauge(&common::IN_FLIGHT, &[COMMAND_SERVICE]),
        depth: m.gauge(&common::QUEUE_DEPTH, &[COMMAND_SERVICE]),
        busy: m.gauge(&common::WORKERS_BUSY, &[COMMAND_SERVICE]),
        utilization: m.gauge(&common::UTILIZATION, &[COMMAND_SERVICE]),
        wait: m.histogram(&common::WAIT, &[COMMAND_SERVICE]),
        appended: EventKind::ALL.map(|k| m.counter(&EVENTS_APPENDED, &[k.as_str()])),
        append_duration: m.histogram(&APPEND_DURATION, &[]),
        conflicts: m.counter(&APPEND_CONFLICTS, &[]),
        store_size: m.gauge(&STORE_SIZE, &[]),
        lag_events: ProjectionKind::ALL.map(|p| m.gauge(&PROJECTION_LAG_EVENTS, &[p.as_str()])),
        lag_seconds: ProjectionKind::ALL.map(|p| m.gauge(&PROJECTION_LAG_SECONDS, &[p.as_str()])),
        snapshots: m.counter(&SNAPSHOTS, &["order"]),
        load_snapshot: m.histogram(&LOAD_DURATION, &["order", "snapshot"]),
        load_replay: m.histogram(&LOAD_DURATION, &["order", "replay"]),
        sagas_completed: m.counter(&SAGAS, &["completed"]),
        sagas_compensated: m.counter(&SAGAS, &["compensated"]),
        sagas_stuck: m.counter(&SAGAS, &["stuck"]),
        saga_duration: m.histogram(&SAGA_DURATION, &[]),
        compensations: [Compensation::ReleaseStock, Compensation::Refund]
            .map(|c| ["ok", "failed"].map(|o| m.counter(&COMPENSATIONS, &[c.as_str(), o]))),
        stale: ProjectionKind::ALL.map(|p| m.counter(&common::STALE_READS, &[p.as_str()])),
        replay: ProjectionKind::ALL.map(|p| m.histogram(&REPLAY_DURATION, &[p.as_str()])),
        intermediate: m.counter(&common::DATA_ANOMALIES, &["saga_intermediate_read"]),
        wrong_read: m.counter(&common::DATA_ANOMALIES, &["wrong_read_model"]),
        duplicate_applied: m.counter(&common::DATA_ANOMALIES, &["duplicate_applied"]),
        garbled_used: m.counter(&common::DATA_ANOMALIES, &["corrupt_snapshot_used"]),
        product_load_snapshot: m.histogram(&LOAD_DURATION, &["product", "snapshot"]),
        product_load_replay: m.histogram(&LOAD_DURATION, &["product", "replay"]),
        product_snapshots: m.counter(&SNAPSHOTS, &["product"]),
        snapshot_failures: ["unreadable", "checksum"]
            .map(|r| m.counter(&SNAPSHOT_LOAD_FAILURES, &[r])),
        parked: ProjectionKind::ALL.map(|p| m.counter(&EVENTS_PARKED, &[p.as_str()])),
        out_of_order: ProjectionKind::ALL.map(|p| m.counter(&OUT_OF_ORDER, &[p.as_str()])),
        redelivered: ProjectionKind::ALL.map(|p| m.counter(&REDELIVERED, &[p.as_str()])),
        duplicates_skipped: ProjectionKind::ALL
            .map(|p| m.counter(&DUPLICATES_SKIPPED, &[p.as_str()])),
        integration: ["published", "lost", "retried"].map(|o| m.counter(&INTEGRATION_EVENTS, &[o])),
        awaiting: m.gauge(&AWAITING_PAYMENT, &[]),
    }
}

/// The order system: clients, command handlers, the event store, projections, sagas.
pub struct OrdersModel {
    events: EventQueue<Ev>,
    arrival_gap: Dist,
    /// An order's amount in dollars: a skewed basket, mean $60 (log-normal, cv 1).
    basket: Dist,
    append: Dist,
    stock: Dist,
    payment: Dist,
    arrival_rng: Rng,
    work_rng: Rng,
    saga_rng: Rng,
    shares: [f64; 3],
    workers: u64,
    busy: u64,
    waiting: VecDeque<u32>,
    cmds: Vec<Cmd>,
    free_cmds: Vec<u32>,
    queries: Vec<Query>,
    free_queries: Vec<u32>,
    event_load_ns: f64,
    max_retries: u32,
    query_ns: Nanos,
    stock_failure: f64,
    payment_failure: f64,
    compensation_failure: f64,
    compensation_retries: u32,
    compensation_backoff_ns: Nanos,
    projection_ns: Nanos,
    pub(crate) store: EventStore,
    pub(crate) projections: [ReadModel; 3],
    projecting: [bool; 3],
    /// A rebuild under way: when it started and the head it must reach.
    rebuilding: [Option<(Nanos, usize)>; 3],
    /// A rebuild beside the live model (`shadow-rebuild`): the new model, and whether it
    /// is applying an event now.
    shadows: [Option<ReadModel>; 3],
    shadowing: [bool; 3],
    shadow_rebuild: bool,
    /// `compensation-backoff`: retries of a failed compensation with a doubling wait.
    retry: Option<crate::mitigations::compensation_backoff::Config>,
    /// Per projection: events to deliver again before new ones (after a restart), the
    /// offset last committed and when, and the events set aside for a retry.
    redeliver: [usize; 3],
    committed: [usize; 3],
    committed_at: [Nanos; 3],
    commit_interval_ns: Nanos,
    parked: [Vec<Parked>; 3],
    per_stream_ordering: bool,
    idempotent_consumer: bool,
    /// The inventory's products and how their snapshots are read.
    inventory: Inventory,
    product_rng: Rng,
    snapshot_checksums: bool,
    /// `transactional-outbox`: how often the relay reads the log; the orders placed and
    /// not yet relayed; whether a relay round is scheduled.
    outbox_relay_ns: Option<Nanos>,
    outbox: VecDeque<u32>,
    relaying: bool,
    /// Orders placed whose payment has not ended (per order, and how many).
    awaiting_of: Vec<bool>,
    awaiting: u64,
    /// Events of traced commands, by position, and the asynchronous traces numbered.
    followed: VecDeque<Followed>,
    async_traces: u64,
    saga_traces: Vec<SagaTrace>,
    sagas: Vec<Saga>,
    /// The saga of each order (by stream), if it has one.
    saga_of: Vec<Option<u32>>,
    recent: VecDeque<u32>,
    ids: Ids,
    utilization_meter: UtilizationMeter,
}

impl OrdersModel {
    pub fn new(p: &ParamSet, core: &mut Core) -> OrdersModel {
        let ms = |name: &str| p.f64(name) / 1000.0;
        let ids = register(core);
        let mut model = OrdersModel {
            events: EventQueue::default(),
            arrival_gap: Dist::Exponential {
                mean: 1.0 / p.f64("arrival_rate_rps"),
            },
            basket: Dist::lognormal_mean_cv(60.0, 1.0),
            append: Dist::lognormal_mean_cv(ms("append_latency_ms"), 0.5),
            stock: Dist::Exponential {
                mean: ms("stock_latency_ms"),
            },
            payment: Dist::Exponential {
                mean: ms("payment_latency_ms"),
            },
            arrival_rng: core.rng(1),
            work_rng: core.rng(2),
            saga_rng: core.rng(3),
            shares: [
                p.f64("query_share"),
                p.f64("ship_share"),
                p.f64("cancel_share"),
            ],
            workers: p.i64("command_workers").max(1) as u64,
            busy: 0,
            waiting: VecDeque::new(),
            cmds: Vec::new(),
            free_cmds: Vec::new(),
            queries: Vec::new(),
            free_queries: Vec::new(),
            event_load_ns: p.f64("event_load_us") * 1000.0,
            max_retries: p.i64("max_append_retries").max(0) as u32,
            query_ns: secs_to_ns(ms("query_ms")),
            stock_failure: p.f64("stock_failure_rate"),
            payment_failure: p.f64("payment_failure_rate"),
            compensation_failure: p.f64("compensation_failure_rate"),
            compensation_retries: p.i64("compensation_retries").max(0) as u32,
            compensation_backoff_ns: secs_to_ns(ms("compensation_backoff_ms")),
            projection_ns: secs_to_ns(1.0 / p.f64("projection_rate_eps")).max(1),
            store: EventStore::new(p.i64("snapshot_every").max(0) as u32),
            projections: Default::default(),
            projecting: [false; 3],
            rebuilding: [None; 3],
            shadows: Default::default(),
            shadowing: [false; 3],
            shadow_rebuild: core
                .mitigations
                .is_on(crate::mitigations::shadow_rebuild::META.id),
            retry: core.mitigations.config(),
            redeliver: [0; 3],
            committed: [0; 3],
            committed_at: [0; 3],
            commit_interval_ns: secs_to_ns(ms("offset_commit_interval_ms")).max(1),
            parked: Default::default(),
            per_stream_ordering: false,
            idempotent_consumer: false,
            inventory: Inventory::new(
                p.i64("products").max(1) as u32,
                p.i64("product_history_events").max(0) as u32,
                p.i64("snapshot_every").max(0) as u32,
            ),
            product_rng: core.rng(4),
            snapshot_checksums: false,
            outbox_relay_ns: None,
            outbox: VecDeque::new(),
            relaying: false,
            awaiting_of: Vec::new(),
            awaiting: 0,
            followed: VecDeque::new(),
            async_traces: 0,
            saga_traces: Vec::new(),
            sagas: Vec::new(),
            saga_of: Vec::new(),
            recent: VecDeque::new(),
            ids,
            utilization_meter: UtilizationMeter::default(),
        };
        model.read_mitigations(core);
        let first = secs_to_ns(model.arrival_gap.sample(&mut model.arrival_rng));
        model.events.schedule(first, Ev::Arrival);
        model
    }

    /// What the switched-on mitigations ask of the order system.
    fn read_mitigations(&mut self, core: &mut Core) {
        use crate::mitigations as m;
        let on = |id: &str| core.mitigations.is_on(id);
        self.shadow_rebuild = on(m::shadow_rebuild::META.id);
        self.per_stream_ordering = on(m::per_stream_ordering::META.id);
        self.idempotent_consumer = on(m::idempotent_consumer::META.id);
        self.snapshot_checksums = on(m::snapshot_checksums::META.id);
        self.retry = core.mitigations.config();
        let outbox: Option<m::transactional_outbox::Config> = core.mitigations.config();
        self.outbox_relay_ns = outbox.map(|c| c.relay_interval_ns);
        if self.outbox_relay_ns.is_none() {
            // Switched off with orders still in the outbox: the relay's last round.
            while let Some(stream) = self.outbox.pop_front() {
                self.start_saga(core, stream);
            }
        }
    }

    // ---- clients ----

    fn arrival(&mut self, core: &mut Core) {
        let gap = secs_to_ns(self.arrival_gap.sample(&mut self.arrival_rng)).max(1);
        self.events.schedule(core.now + gap, Ev::Arrival);
        let seq = core.arrive();
        let u = self.arrival_rng.next_f64();
        let [query, ship, cancel] = self.shares;
        let start = self.arrival_rng.below(self.recent.len().max(1) as u64) as usize;
        if u < query {
            let target = self.recent.get(start).copied();
            return self.start_query(core, seq, target);
        }
        // A client ships an order it sees paid and cancels one it sees open, as the
        // read side shows them: a lagging projection sends it after stale orders (409).
        let shown = |m: &Self, want: &[OrderState]| {
            let n = m.recent.len();
            (0..n).map(|k| m.recent[(start + k) % n]).find(|s| {
                let state = m.projections[0].orders.get(*s as usize).map(|o| o.0);
                state.is_some_and(|st| want.contains(&st))
            })
        };
        let (command, target) = if u < query + ship {
            match shown(self, &[OrderState::Paid]) {
                Some(t) => (OrderCommand::ShipOrder, Some(t)),
                None => (OrderCommand::PlaceOrder, None),
            }
        } else if u < query + ship + cancel {
            match shown(self, &[OrderState::Placed, OrderState::Paid]) {
                Some(t) => (OrderCommand::CancelOrder, Some(t)),
                None => (OrderCommand::PlaceOrder, None),
            }
        } else {
            (OrderCommand::PlaceOrder, None)
        };
        let stream = match command {
            OrderCommand::PlaceOrder => {
                let dollars = self.basket.sample(&mut self.arrival_rng);
                let stream = self
                    .store
                    .open_stream((dollars * 100.0).round().clamp(1.0, 1e9) as u32);
                self.saga_of.push(None);
                self.awaiting_of.push(false);
                stream
            }
            _ => target.unwrap_or(0),
        };
        self.submit(core, seq, command, stream, None);
    }

    fn start_query(&mut self, core: &mut Core, seq: u64, stream: Option<u32>) {
        let q = Query {
            seq,
            arrival: core.now,
            stream,
        };
        let id = match self.free_queries.pop() {
            Some(i) => {
                self.queries[i as usize] = q;
                i
            }
            None => {
                self.queries.push(q);
                self.queries.len() as u32 - 1
            }
        };
        self.events
            .schedule(core.now + self.query_ns, Ev::QueryDone(id));
    }

    fn query_done(&mut self, core: &mut Core, id: u32) {
        let q = self.queries[id as usize];
        self.free_queries.push(id);
        let summary = &self.projections[0];
        let seen = q
            .stream
            .and_then(|s| summary.orders.get(s as usize).copied())
            .filter(|(state, _)| *state != OrderState::New);
        if let Some(s) = q.stream {
            let behind = seen.map_or(0, |(_, v)| v) < self.store.version(s);
            if behind {
                core.metrics.inc(self.ids.stale[0]);
            }
            // Caught up with the order's stream, yet showing another state than its
            // events lead to: the read model is wrong, not late.
            let truth = self.store.state(s);
            if seen.is_some_and(|(st, v)| v >= self.store.version(s) && st != truth) {
                core.metrics.inc(self.ids.wrong_read);
            }
            let saga = self.saga_of.get(s as usize).copied().flatten();
            if let Some(saga) = saga.map(|i| &self.sagas[i as usize]) {
                let state = seen.map(|(st, _)| st);
                if !saga.done && saga.held.charged && state == Some(OrderState::Placed) {
                    core.metrics.inc(self.ids.intermediate);
                }
            }
        }
        let ok = seen.is_some();
        core.metrics.inc(if ok {
            self.ids.query_ok
        } else {
            self.ids.query_missing
        });
        if core.traces.wants(core.now, q.seq, !ok) {
            let applied = seen.map_or(0, |(_, v)| v);
            let stored = q.stream.map_or(0, |s| self.store.version(s));
            core.traces.push(Trace {
                trace_id: q.seq,
                spans: vec![Span {
                    trace_id: q.seq,
                    span_id: q.seq << 8,
                    parent: None,
                    service: QUERY_SERVICE,
                    operation: QUERY_ENDPOINT,
                    start_ns: q.arrival,
                    duration_ns: core.now - q.arrival,
                    status: if ok {
                        SpanStatus::Ok
                    } else {
                        SpanStatus::Error
                    },
                    attributes: vec![
                        ("http.status", if ok { "200" } else { "404" }.into()),
                        ("projection.version", applied.to_string()),
                        ("stream.version", stored.to_string()),
                    ],
                    links: Vec::new(),
                }],
            });
        }
        let b = core.depart(q.arrival, 0, ok);
        core.metrics
            .observe_latency(self.ids.query_duration, b, ns_to_secs(core.now - q.arrival));
    }

    // ---- commands ----

    fn submit(
        &mut self,
        core: &mut Core,
        seq: u64,
        command: OrderCommand,
        stream: u32,
        saga: Option<u32>,
    ) {
        let cmd = Cmd {
            seq,
            arrival: core.now,
            start: core.now,
            command,
            stream,
            expected: 0,
            state: OrderState::New,
            conflicts: 0,
            loaded_ns: 0,
            from_snapshot: false,
            saga,
        };
        let id = match self.free_cmds.pop() {
            Some(i) => {
                self.cmds[i as usize] = cmd;
                i
            }
            None => {
                self.cmds.push(cmd);
                self.cmds.len() as u32 - 1
            }
        };
        if self.busy < self.workers {
            self.start(core, id);
        } else {
            self.waiting.push_back(id);
        }
    }

    fn start(&mut self, core: &mut Core, id: u32) {
        self.busy += 1;
        core.worker_busy(1);
        let c = &mut self.cmds[id as usize];
        c.start = core.now;
        if c.saga.is_none() {
            let wait = core.now - c.arrival;
            core.metrics.observe(self.ids.wait, ns_to_secs(wait));
        }
        self.load(core, id);
    }

    /// Loads the aggregate (snapshot and the events after it, or the whole stream).
    fn load(&mut self, core: &mut Core, id: u32) {
        let c = &mut self.cmds[id as usize];
        let loaded = self.store.load(c.stream, true);
        c.expected = loaded.version;
        c.state = loaded.state;
        c.from_snapshot = loaded.from_snapshot;
        let ns = LOAD_BASE_NS + (f64::from(loaded.events_read) * self.event_load_ns) as Nanos;
        c.loaded_ns = ns;
        let h = if loaded.from_snapshot {
            self.ids.load_snapshot
        } else {
            self.ids.load_replay
        };
        core.metrics.observe(h, ns_to_secs(ns));
        self.events.schedule(core.now + ns, Ev::Loaded(id));
    }

    fn loaded(&mut self, core: &mut Core, id: u32) {
        let c = self.cmds[id as usize];
        match decide(c.state, c.command) {
            Ok(_) => {
                let t = secs_to_ns(self.append.sample(&mut self.work_rng)).max(1);
                self.events.schedule(core.now + t, Ev::Commit(id));
            }
            Err(e) => {
                let message = match e.command {
                    OrderCommand::ShipOrder => "order cannot be shipped in its state",
                    OrderCommand::CancelOrder => "order cannot be cancelled in its state",
                    OrderCommand::ConfirmPayment => "payment cannot be confirmed in its state",
                    OrderCommand::PlaceOrder => "order already placed",
                };
                self.log(core, &c, Level::Info, message, e.state.as_str());
                self.finish(core, id, false);
            }
        }
    }

    fn commit(&mut self, core: &mut Core, id: u32) {
        let c = self.cmds[id as usize];
        let took = core.now - c.start - c.loaded_ns;
        core.metrics
            .observe(self.ids.append_duration, ns_to_secs(took));
        let kinds = decide(c.state, c.command).unwrap_or(&[]);
        match self.store.append(c.stream, c.expected, kinds, core.now) {
            Ok(snapshots) => {
                for k in kinds {
                    let i = EventKind::ALL.iter().position(|x| x == k).unwrap_or(0);
                    core.metrics.inc(self.ids.appended[i]);
                }
                if snapshots > 0 {
                    core.metrics.add(self.ids.snapshots, f64::from(snapshots));
                }
                if c.command == OrderCommand::PlaceOrder {
                    self.recent.push_back(c.stream);
                    if self.recent.len() > RECENT {
                        self.recent.pop_front();
                    }
                    self.order_placed(core, c.stream);
                }
                if c.command == OrderCommand::CancelOrder {
                    self.settle_order(c.stream);
                }
                for p in 0..3 {
                    self.kick_projection(core, p);
                }
                self.finish(core, id, true);
            }
            Err(conflict) => {
                core.metrics.inc(self.ids.conflicts);
                let cm = &mut self.cmds[id as usize];
                cm.conflicts += 1;
                if cm.conflicts > self.max_retries {
                    let c = *cm;
                    self.log(
                        core,
                        &c,
                        Level::Warn,
                        "append refused: stream kept moving",
                        &conflict.actual.to_string(),
                    );
                    self.finish(core, id, false);
                } else {
                    // Reload and decide again on the newer state.
                    self.load(core, id);
                }
            }
        }
    }

    /// Answers a command (a client's over HTTP; a saga's to the saga) and frees its
    /// handler for the next one waiting.
    fn finish(&mut self, core: &mut Core, id: u32, ok: bool) {
        let c = self.cmds[id as usize];
        self.free_cmds.push(id);
        self.busy -= 1;
        core.worker_busy(-1);
        match c.saga {
            None => {
                let i = command_index(c.command);
                core.metrics.inc(if ok {
                    self.ids.ok[i]
                } else {
                    self.ids.conflict[i]
                });
                let wait = c.start - c.arrival;
                let b = core.depart(c.arrival, wait, ok);
                core.metrics.observe_latency(
                    self.ids.duration[i],
                    b,
                    ns_to_secs(core.now - c.arrival),
                );
                if core.traces.wants(core.now, c.seq, !ok) {
                    self.record_trace(core, &c, ok);
                }
            }
            Some(saga) => self.saga_command_done(core, saga, c.command, ok),
        }
        if let Some(next) = self.waiting.pop_front() {
            self.start(core, next);
        }
    }

    fn log(&self, core: &mut Core, c: &Cmd, level: Level, message: &'static str, detail: &str) {
        if core.logs.admits(core.now) {
            core.logs.push(LogRecord {
                t_ns: core.now,
                level,
                service: COMMAND_SERVICE,
                message,
                fields: vec![
                    ("status", "409".into()),
                    ("command", c.command.endpoint().into()),
                    ("order", c.stream.to_string()),
                    ("detail", detail.to_string()),
                ],
                trace_id: c.saga.is_none().then_some(c.seq),
            });
        }
    }

    // ---- projections ----

    /// A scenario's effect on projection `p` applying its next event: extra time, or a
    /// rebuild from position 0 (in place, or beside it with `shadow-rebuild`).
    fn strike_projection(&mut self, core: &mut Core, p: usize) -> Nanos {
        let hop = Hop::new(Component::Projection, p as u32, "project");
        let struck = core
            .scenarios
            .strike(core.now, &hop, &mut core.metrics, &mut core.logs, None);
        if struck.projection().rebuild {
            self.start_rebuild(core, p, struck.delay_ns);
        }
        struck.delay_ns
    }

    /// Starts rebuilding projection `p` from position 0 (a scenario's strike, or an
    /// operator's `RebuildProjections`): in place, emptying the read model, or beside
    /// it with `shadow-rebuild` (its first event `delay_ns` late). False when one is
    /// already under way.
    fn start_rebuild(&mut self, core: &mut Core, p: usize, delay_ns: Nanos) -> bool {
        if self.rebuilding[p].is_some() {
            return false;
        }
        self.rebuilding[p] = Some((core.now, self.store.head()));
        // What the consumer had set aside or meant to deliver again is replayed in its
        // place.
        self.parked[p].clear();
        self.redeliver[p] = 0;
        if self.shadow_rebuild {
            self.shadows[p] = Some(ReadModel::default());
            self.kick_shadow(core, p, delay_ns);
        } else {
            self.projections[p] = ReadModel::default();
        }
        if core.logs.admits(core.now) {
            core.logs.push(LogRecord {
                t_ns: core.now,
                level: Level::Warn,
                service: QUERY_SERVICE,
                message: if self.shadow_rebuild {
                    "projection rebuild started beside the live read model"
                } else {
                    "projection rebuild started: read model emptied, replaying from 0"
                },
                fields: vec![
                    ("projection", ProjectionKind::ALL[p].as_str().into()),
                    ("head", self.store.head().to_string()),
                ],
                trace_id: None,
            });
        }
        true
    }

    fn kick_projection(&mut self, core: &mut Core, p: usize) {
        let behind = self.projections[p].checkpoint < self.store.head();
        if !self.projecting[p] && (behind || self.redeliver[p] > 0) {
            self.projecting[p] = true;
            let extra = self.strike_projection(core, p);
            self.events.schedule(
                core.now + self.projection_ns + extra,
                Ev::Projected(p as u8),
            );
        }
    }

    fn projected(&mut self, core: &mut Core, p: usize) {
        self.projecting[p] = false;
        self.deliver(core, p);
        if self.shadows[p].is_none() {
            self.rebuilt(core, p, self.projections[p].checkpoint);
        }
        self.kick_projection(core, p);
    }

    /// A rebuild that has reached the head it set out for is done.
    fn rebuilt(&mut self, core: &mut Core, p: usize, checkpoint: usize) {
        if let Some((started, target)) = self.rebuilding[p] {
            if checkpoint >= target {
                self.rebuilding[p] = None;
                core.metrics
                    .observe(self.ids.replay[p], ns_to_secs(core.now - started));
            }
        }
    }

    fn kick_shadow(&mut self, core: &mut Core, p: usize, extra: Nanos) {
        let behind = self.shadows[p]
            .as_ref()
            .is_some_and(|s| s.checkpoint < self.store.head());
        if !self.shadowing[p] && behind {
            self.shadowing[p] = true;
            self.events
                .schedule(core.now + self.projection_ns + extra, Ev::Shadowed(p as u8));
        }
    }

    fn shadowed(&mut self, core: &mut Core, p: usize) {
        self.shadowing[p] = false;
        let Some(shadow) = self.shadows[p].as_mut() else {
            return;
        };
        if let Some(e) = self.store.event(shadow.checkpoint).copied() {
            let amount = self.store.amount_cents(e.stream);
            shadow.apply(ProjectionKind::ALL[p], &e, amount);
        }
        let checkpoint = shadow.checkpoint;
        self.rebuilt(core, p, checkpoint);
        if checkpoint >= self.store.head() {
            // Caught up: it takes the live model's place (the live one is never ahead
            // of the head).
            if let Some(done) = self.shadows[p].take() {
                self.projections[p] = done;
            }
            return;
        }
        // The same slowness as the live projection's.
        let hop = Hop::new(Component::Projection, p as u32, "project");
        let extra = core
            .scenarios
            .strike(core.now, &hop, &mut core.metrics, &mut core.logs, None)
            .delay_ns;
        self.kick_shadow(core, p, extra);
    }
}

impl Model for OrdersModel {
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
            Ev::Loaded(id) => self.loaded(core, id),
            Ev::Commit(id) => self.commit(core, id),
            Ev::QueryDone(id) => self.query_done(core, id),
            Ev::SagaStep(i) => self.saga_step(core, i),
            Ev::Compensated(i) => self.compensated(core, i),
            Ev::Projected(p) => self.projected(core, p as usize),
            Ev::Shadowed(p) => self.shadowed(core, p as usize),
            Ev::Retry(p, position) => self.retry(core, p as usize, position as usize),
            Ev::Relay => self.relay(core),
        }
        true
    }

    fn on_sample(&mut self, core: &mut Core) {
        core.settle();
        let head = self.store.head();
        let m = &mut core.metrics;
        m.set(self.ids.in_flight, core.stats.in_system.level() as f64);
        m.set(self.ids.depth, self.waiting.len() as f64);
        m.set(self.ids.busy, self.busy as f64);
        m.set(self.ids.store_size, head as f64);
        m.set(self.ids.awaiting, self.awaiting as f64);
        for p in 0..3 {
            let at = self.projections[p].checkpoint;
            m.set(self.ids.lag_events[p], head.saturating_sub(at) as f64);
            let age = self
                .store
                .event(at)
                .map_or(0, |e| core.now.saturating_sub(e.t_ns));
            m.set(self.ids.lag_seconds[p], ns_to_secs(age));
        }
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
        COMPONENTS.contains(&component)
    }

    fn reconfigure(&mut self, core: &mut Core) {
        self.read_mitigations(core);
    }

    fn as_any(&self) -> Option<&dyn std::any::Any> {
        Some(self)
    }

    /// `RebuildProjections`: each projection named (or all) rebuilt from position 0 as
    /// a scenario's rebuild would be (honouring `shadow-rebuild`); one already being
    /// rebuilt, or with no events to replay, is left as it is.
    fn operate(&mut self, core: &mut Core, op: &super::Operation) -> Result<(), crate::LabError> {
        let super::Operation::RebuildProjections { projection } = op;
        let chosen = match projection.as_deref() {
            None => [true; 3],
            Some(name) => {
                let Some(p) = ProjectionKind::ALL.iter().position(|k| k.as_str() == name) else {
                    let allowed = ProjectionKind::ALL.map(ProjectionKind::as_str).join(", ");
                    return Err(op.refused(format!("no projection `{name}` (allowed: {allowed})")));
                };
                std::array::from_fn(|i| i == p)
            }
        };
        let any = self.store.head() > 0;
        for p in (0..3).filter(|p| chosen[*p] && any) {
            if self.start_rebuild(core, p, 0) {
                self.kick_projection(core, p);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
