//! # Web service
//!
//! A small production system. Clients (open-loop arrivals following a load profile, or
//! closed-loop users with think time) call the service with a client timeout and, if
//! configured, retries. A load balancer spreads requests over `instances` service
//! instances; each has a pool of `workers`, a bounded accept queue and CPU time per
//! request. `GET /product` reads a product through a shared cache (TTL, LRU, Zipf key
//! popularity) and on a miss from the database; `POST /order` writes to the database and
//! then calls the payment dependency. Database calls go through a connection pool per
//! instance. With `message_queue` on, each order also publishes its events (created,
//! paid) to a partitioned message queue read by a consumer group (one consumer per
//! partition); correctness problems anywhere are counted in `data_anomalies_total{kind}`.
//!
//! ```text
//!                                   ┌────────── api-i (× instances) ──────────┐
//!   clients ──▶ load balancer ──▶ │ accept queue ▶ workers ▶ cache ─miss─▶ pool │──▶ database
//!   (timeout,                       │                        └─ POST ─▶ payment │──▶ payment
//!    retries)                       └──────────────────────────────────────────┘
//! ```
//!
//! Every message between two parts crosses a network link with its own latency, jitter
//! and loss (`link.rs`: clients ↔ load balancer ↔ api-i ↔ cache, database, replica,
//! payment, DNS resolver); payment calls resolve the provider's name through a DNS
//! resolver with a per-instance TTL cache (`dns.rs`). A scenario can add a misbehaving
//! client that floods the load balancer with an open-loop stream of its own
//! (`flood.rs`); under `hedging` the load balancer sends slow reads a second copy
//! (`hedge.rs`).
//!
//! ## What to look at
//! - Golden signals: `http_requests_total` (traffic, errors by status),
//!   `http_request_duration_seconds` (latency), `service_utilization_ratio` and
//!   `service_queue_depth` (saturation).
//! - What users see: `client_requests_total{outcome}` and
//!   `client_request_duration_seconds` (including time-outs and retries; a flooding
//!   client is counted apart, in `client_class_requests_total{client}`).
//! - Parts: `cache_hits_total`/`cache_miss_total`, `db_pool_in_use`,
//!   `db_pool_wait_seconds`, `dependency_requests_total`.

mod breaker;
mod cache;
mod chain;
mod client;
mod cpu;
mod db;
mod mq;
mod write_behind;

mod disk;
mod dns;
mod fleet;
mod flood;
mod hedge;
mod link;
pub mod metrics;
mod net;
mod params;
mod payment;
mod request;
mod rows;
mod telemetry;

use super::{common, Core, Model, SystemMeta, UtilizationMeter};
use crate::dist::Dist;
use crate::event::EventQueue;
use crate::metrics::{CounterId, GaugeId, HistogramId, Registry};
use crate::mitigation::Mitigations;
use crate::mitigations::{
    add_index, autoscaling, breaker as breaker_m, bulkhead, cache_warming, coalescing,
    deadline_propagation, hedging, load_shedding, lock_ordering, optimistic_locking,
    partition_by_key, pool_sizing, rate_limiter, read_your_writes, retry_backoff,
    stale_while_revalidate, timeouts, ttl_jitter, write_through,
};
use crate::observe::{Level, LogRecord};
use crate::params::ParamSet;
use crate::rng::Xoshiro256PlusPlus as Rng;
use crate::scenario::{Component, Edge, Hop, Struck};
use crate::time::{ms_to_ns, ns_to_secs, secs_to_ns, Nanos};
use cache::{CacheIds, Lookup, SharedCache};
use client::{ClientIds, Clients, RetryBudget, RetryPolicy};
use metrics::*;
use request::*;
use std::collections::VecDeque;

use disk::Disk;
use fleet::{Fleet, LoadBalancer, Memory};
use net::Uplink;
use payment::{Payment, PaymentIds};
use rows::{RowIds, Rows};

pub static META: SystemMeta = SystemMeta {
    id: "web",
    title: "Web service with cache, database and payment dependency",
    category: "web",
    summary: "Clients, a load balancer, N service instances with worker pools, a shared cache, a database behind connection pools and a payment dependency.",
    source: crate::doc_of!("systems/web/mod.rs"),
    params: params::PARAMS,
    metrics: metrics::ALL,
    components: &[
        Component::Client,
        Component::LoadBalancer,
        Component::Service,
        Component::Cache,
        Component::Database,
        Component::Dependency,
        Component::Network,
        Component::Disk,
        Component::Queue,
    ],
    build: |p, core| Box::new(WebModel::new(p, core)),
};

/// `timeouts_total{layer}` labels; the index constants below name them.
const TIMEOUT_LAYERS: [&str; 3] = ["server", "database", "dependency"];
const SERVER: usize = 0;
const DB: usize = 1;
const DEPENDENCY: usize = 2;
/// `load_shed_total{reason}` labels.
const SHED_REASONS: [&str; 2] = ["queue_length", "queue_delay"];
const QUEUE_LENGTH: usize = 0;
const QUEUE_DELAY: usize = 1;
struct EndpointIds {
    ok: CounterId,
    rejected: CounterId,
    failed: CounterId,
    bad_gateway: CounterId,
    timeout: CounterId,
    conflict: CounterId,
    unauthorized: CounterId,
    too_many: CounterId,
    duration: HistogramId,
}

/// Policies read from switched-on mitigations.
#[derive(Debug, Clone, Copy, Default)]
struct Policies {
    server_timeout_ns: Option<Nanos>,
    db_timeout_ns: Option<Nanos>,
    dependency_timeout_ns: Option<Nanos>,
    retry: Option<RetryPolicy>,
    shed_queue_length: Option<usize>,
    shed_queue_delay_ns: Option<Nanos>,
    coalescing: bool,
    read_your_writes_ns: Option<Nanos>,
    /// Optimistic locking: re-runs allowed after a version conflict.
    optimistic_retries: Option<u32>,
    bulkhead_limit: Option<u32>,
    ttl_jitter: Option<f64>,
    pool_size: Option<u64>,
    autoscale: Option<autoscaling::Config>,
    rate_limit: Option<rate_limiter::Config>,
    indexed: bool,
    stale_grace_ns: Nanos,
    lock_ordering: bool,
    write_through: bool,
    partition_by_key: bool,
    deadline_propagation: bool,
    hedge: Option<hedging::Config>,
}

impl Policies {
    /// Reads the switched-on mitigations once, into the fields the parts consult.
    fn read(m: &Mitigations) -> Policies {
        let t = m.config::<timeouts::Config>();
        let shed = m.config::<load_shedding::Config>();
        Policies {
            server_timeout_ns: t.map(|t| t.server_ns),
            db_timeout_ns: t.map(|t| t.db_ns),
            dependency_timeout_ns: t.map(|t| t.dependency_ns),
            retry: m
                .config::<retry_backoff::Config>()
                .map(RetryPolicy::from_mitigation),
            shed_queue_length: shed.map(|s| s.max_queue_length),
            shed_queue_delay_ns: shed.map(|s| s.max_queue_delay_ns),
            coalescing: m.is_on(coalescing::META.id),
            read_your_writes_ns: m.config::<read_your_writes::Config>().map(|c| c.window_ns),
            optimistic_retries: m
                .config::<optimistic_locking::Config>()
                .map(|c| c.max_retries),
            bulkhead_limit: m.config::<bulkhead::Config>().map(|c| c.max_concurrent),
            ttl_jitter: m.config::<ttl_jitter::Config>().map(|c| c.jitter_fraction),
            pool_size: m.config::<pool_sizing::Config>().map(|c| c.db_pool_size),
            indexed: m.is_on(add_index::META.id),
            deadline_propagation: m.is_on(deadline_propagation::META.id),
            rate_limit: m.config::<rate_limiter::Config>(),
            stale_grace_ns: m
                .config::<stale_while_revalidate::Config>()
                .map_or(0, |c| c.stale_ns),
            lock_ordering: m.is_on(lock_ordering::META.id),
            write_through: m.is_on(write_through::META.id),
            partition_by_key: m.is_on(partition_by_key::META.id),
            autoscale: m.config::<autoscaling::Config>(),
            hedge: m.config::<hedging::Config>(),
        }
    }
}

struct Ids {
    endpoints: [EndpointIds; 2],
    in_flight: GaugeId,
    depth: GaugeId,
    busy: GaugeId,
    utilization: GaugeId,
    wait: HistogramId,
    pool_wait: HistogramId,
    query_duration: [HistogramId; 2],
    cache: CacheIds,
    payment: PaymentIds,
    client: ClientIds,
    rows: RowIds,
}

/// Handles of metrics that exist only while a mitigation (or scenario) uses them.
#[derive(Default)]
struct LazyIds {
    /// By `TIMEOUT_LAYERS`.
    timeouts: [Option<CounterId>; 3],
    /// By `SHED_REASONS`.
    shed: [Option<CounterId>; 2],
    coalesced: Option<CounterId>,
    /// `rate_limited_total{client}` by client class (`flood::CLASSES`).
    rate_limited: [Option<CounterId>; 2],
    /// `http_requests_total{status="400"}`, registered at the first bad request.
    bad_request: [Option<CounterId>; 2],
    /// Hedging: sent, wins, wasted seconds, budget exhausted.
    hedge: Option<hedge::HedgeIds>,
}

pub struct WebModel {
    events: EventQueue<Ev>,
    /// The clients (`client.rs`).
    clients: Clients,
    cpu: Dist,
    /// The payment dependency (`payment.rs`).
    payment: Payment,
    pool_size: u64,
    /// The shared cache (`cache.rs`).
    cache: SharedCache,
    /// Hedging budget: reads earn tokens, hedges spend them.
    hedge_budget: RetryBudget,
    /// The database's rows, replica, locks and query model (`rows.rs`).
    rows: Rows,
    /// The database server's disk (`disk.rs`).
    disk: Disk,
    /// The uplink responses cross to the clients (`net.rs`).
    uplink: Uplink,
    resource_ids: Option<(GaugeId, HistogramId)>,
    base_pool_size: u64,
    /// Connections checked out by leaks, waiting to be reclaimed.
    leaked_connections: u64,
    leaked_gauge_conn: Option<GaugeId>,
    /// Per-client token buckets: (tokens, last refill).
    buckets: Vec<(f64, Nanos)>,
    /// The network links between the parts (`link.rs`).
    links: link::Links,
    /// The DNS resolver payment calls go through (`dns.rs`).
    dns: dns::Resolver,
    /// A misbehaving client's extra stream, when a scenario floods (`flood.rs`).
    flood: flood::Flood,
    net_rng: Rng,
    policies: Policies,
    work_rng: Rng,
    /// The service instances (`fleet.rs`) and the load balancer in front of them.
    fleet: Fleet,
    lb: LoadBalancer,
    /// Scratch for the handlers a CPU tick finds done.
    cpu_done_buf: Vec<u32>,
    calls: Vec<Call>,
    free_calls: Vec<u32>,
    reqs: Vec<Req>,
    free_reqs: Vec<u32>,
    ids: Ids,
    lazy: LazyIds,
    utilization_meter: UtilizationMeter,
    db: db::TxState,
    wb: write_behind::WriteBehind,
    mq: mq::MessageQueue,
}

fn register_ids(m: &mut Registry) -> Ids {
    let endpoint_ids = |m: &mut Registry, e: &str| EndpointIds {
        ok: m.counter(&common::HTTP_REQUESTS, &[SERVICE, e, "200"]),
        rejected: m.counter(&common::HTTP_REQUESTS, &[SERVICE, e, "503"]),
        failed: m.counter(&common::HTTP_REQUESTS, &[SERVICE, e, "500"]),
        bad_gateway: m.counter(&common::HTTP_REQUESTS, &[SERVICE, e, "502"]),
        timeout: m.counter(&common::HTTP_REQUESTS, &[SERVICE, e, "504"]),
        conflict: m.counter(&common::HTTP_REQUESTS, &[SERVICE, e, "409"]),
        unauthorized: m.counter(&common::HTTP_REQUESTS, &[SERVICE, e, "401"]),
        too_many: m.counter(&common::HTTP_REQUESTS, &[SERVICE, e, "429"]),
        duration: m.histogram(&common::HTTP_DURATION, &[SERVICE, e]),
    };
    Ids {
        endpoints: [endpoint_ids(m, ENDPOINTS[0]), endpoint_ids(m, ENDPOINTS[1])],
        in_flight: m.gauge(&common::IN_FLIGHT, &[SERVICE]),
        depth: m.gauge(&common::QUEUE_DEPTH, &[SERVICE]),
        busy: m.gauge(&common::WORKERS_BUSY, &[SERVICE]),
        utilization: m.gauge(&common::UTILIZATION, &[SERVICE]),
        wait: m.histogram(&common::WAIT, &[SERVICE]),
        pool_wait: m.histogram(&DB_POOL_WAIT, &[]),
        query_duration: [
            m.histogram(&DB_QUERY_DURATION, &[QUERY_TYPES[0]]),
            m.histogram(&DB_QUERY_DURATION, &[QUERY_TYPES[1]]),
        ],
        cache: CacheIds::register(m),
        payment: PaymentIds::register(m),
        client: ClientIds::register(m),
        rows: RowIds::register(m),
    }
}

impl WebModel {
    pub fn new(p: &ParamSet, core: &mut Core) -> Self {
        let ids = register_ids(&mut core.metrics);
        let fleet = Fleet::new(p, core);
        let key_space = p.i64("key_space").max(1) as usize;
        let mut model = WebModel {
            events: EventQueue::default(),
            cpu: Dist::Exponential {
                mean: p.f64("cpu_time_ms") / 1000.0,
            },
            payment: Payment::new(p, fleet.instances.len(), ids.payment),
            pool_size: p.i64("db_pool_size").max(1) as u64,
            hedge_budget: RetryBudget::default(),
            rows: Rows::new(p, key_space, ids.rows),
            disk: Disk::new(p, core),
            uplink: Uplink::new(p),
            resource_ids: None,
            base_pool_size: p.i64("db_pool_size").max(1) as u64,
            leaked_connections: 0,
            leaked_gauge_conn: None,
            buckets: Vec::new(),
            links: link::Links::new(
                ms_to_ns(p.f64("network_latency_ms")),
                ms_to_ns(p.f64("network_jitter_ms")),
                p.f64("network_loss"),
                ms_to_ns(p.f64("network_connect_timeout_ms")),
            ),
            dns: dns::Resolver::new(
                crate::scenario::DnsFault {
                    failure_rate: p.f64("dns_failure_rate"),
                    timeout_ns: ms_to_ns(p.f64("dns_timeout_ms")),
                    lookup_ns: ms_to_ns(p.f64("dns_lookup_ms")),
                    ttl_ns: secs_to_ns(p.f64("dns_ttl_s")),
                },
                core.rng(7),
                &mut core.metrics,
            ),
            net_rng: core.rng(6),
            flood: flood::Flood::new(core.rng(8)),
            cache: SharedCache::new(p, key_space, ids.cache, core.rng(5)),
            policies: Policies::default(),
            clients: Clients::new(p, key_space, ids.client, core.rng(1), core.rng(4)),
            work_rng: core.rng(2),
            fleet,
            lb: LoadBalancer::new(p, core.rng(3)),
            cpu_done_buf: Vec::new(),
            calls: Vec::new(),
            free_calls: Vec::new(),
            reqs: Vec::new(),
            free_reqs: Vec::new(),
            ids,
            lazy: LazyIds::default(),
            utilization_meter: UtilizationMeter::default(),
            db: db::TxState::new(core),
            wb: write_behind::WriteBehind::default(),
            mq: mq::MessageQueue::new(p, core),
        };
        model.reconfigure(core);
        if model.clients.closed_loop {
            for user in 0..p.i64("users").max(1) as u32 {
                let wake = model.clients.think();
                model.events.schedule(wake, Ev::UserWake(user));
            }
        } else {
            let first = model.clients.next_arrival(0);
            model.events.schedule(first, Ev::Arrival);
        }
        model
    }

    /// `timeouts_total{layer}` for `TIMEOUT_LAYERS[layer]`, registered at its first use.
    fn timeout_counter(&mut self, core: &mut Core, layer: usize) -> CounterId {
        *self.lazy.timeouts[layer].get_or_insert_with(|| {
            core.metrics
                .counter(&timeouts::TIMEOUTS_TOTAL, &[TIMEOUT_LAYERS[layer]])
        })
    }

    /// `load_shed_total{reason}` for `SHED_REASONS[reason]`, registered at its first use.
    fn shed_counter(&mut self, core: &mut Core, reason: usize) -> CounterId {
        *self.lazy.shed[reason].get_or_insert_with(|| {
            core.metrics
                .counter(&load_shedding::LOAD_SHED, &[SHED_REASONS[reason]])
        })
    }

    #[inline]
    fn strike(&self, core: &mut Core, hop: Hop, seq: u64) -> Struck {
        let hop = Hop {
            fleet: self.fleet.instances.len() as u32,
            ..hop
        };
        core.scenarios
            .strike(core.now, &hop, &mut core.metrics, &mut core.logs, Some(seq))
    }

    // ---- clients -------------------------------------------------------------------

    fn new_call(&mut self, core: &mut Core, user: u32) {
        let (endpoint, key) = self.clients.draw_call();
        let hop = Hop::new(Component::Client, 0, ENDPOINTS[endpoint as usize]);
        let effect = self.strike(core, hop, 0);
        let policy = self.retry_policy(effect.client_retries);
        if let Some(ratio) = policy.budget_ratio {
            self.clients.budget.earn(ratio);
        }
        let client = self.clients.client_of(user, NONE);
        let call = Call {
            client,
            generation: 0,
            user,
            endpoint,
            key,
            start: core.now,
            attempt: 0,
            max_attempts: policy.max_attempts,
            done: false,
            back_ns: 0,
        };
        let id = self.new_call_slot(call);
        self.send(core, id);
    }

    /// Stores `call` in a free slot (a reused slot's generation moves on).
    fn new_call_slot(&mut self, call: Call) -> u32 {
        if let Some(i) = self.free_calls.pop() {
            let generation = self.calls[i as usize].generation.wrapping_add(1);
            self.calls[i as usize] = Call { generation, ..call };
            i
        } else {
            self.calls.push(call);
            self.calls.len() as u32 - 1
        }
    }

    /// The retry policy of a call, given the naive retries scenarios ask for.
    fn retry_policy(&self, scenario_retries: Option<u32>) -> RetryPolicy {
        self.clients.policy(self.policies.retry, scenario_retries)
    }

    fn send(&mut self, core: &mut Core, call_id: u32) {
        let call = &mut self.calls[call_id as usize];
        call.attempt += 1;
        call.back_ns = 0;
        let (attempt, endpoint, call_generation) = (call.attempt, call.endpoint, call.generation);
        if self.clients.timeout_ns > 0 {
            self.events.schedule_timer(
                0,
                core.now + self.clients.timeout_ns,
                Ev::ClientTimeout {
                    call: call_id,
                    generation: call_generation,
                    attempt,
                },
            );
        }
        // The clients' link to the load balancer.
        let fault = self.link_fault(core, Edge::ClientLb, 0, ENDPOINTS[endpoint as usize], None);
        if !fault.is_none() || self.links_touched(Edge::ClientLb) {
            let link = self.cross_with(core, Edge::ClientLb, 0, &fault, None);
            if link.lost {
                // Nothing reaches the load balancer: the client waits for its timeout.
                let own = (self.clients.timeout_ns > 0).then_some(self.clients.timeout_ns);
                self.events.schedule(
                    core.now + self.lost_wait(own),
                    Ev::ClientAnswer {
                        call: call_id,
                        generation: call_generation,
                        attempt,
                        ok: false,
                        timed_out: true,
                    },
                );
                return;
            }
            self.calls[call_id as usize].back_ns = link.back_ns;
            if link.there_ns > 0 {
                self.events.schedule(
                    core.now + link.there_ns,
                    Ev::AtLb {
                        call: call_id,
                        generation: call_generation,
                        attempt,
                    },
                );
                return;
            }
        }
        self.at_lb(core, call_id);
    }

    /// An attempt reaches the load balancer: rate limit, pick an instance, forward.
    fn at_lb(&mut self, core: &mut Core, call_id: u32) {
        let call = &self.calls[call_id as usize];
        let (attempt, endpoint, key, call_generation, client_back) = (
            call.attempt,
            call.endpoint,
            call.key,
            call.generation,
            call.back_ns,
        );
        let seq = core.arrive();
        let picked = self.lb.pick(&self.fleet);
        let instance = picked.unwrap_or(0);
        let req = Req {
            epoch: self.fleet.instances[instance].epoch,
            call: call_id,
            call_generation,
            attempt,
            seq,
            arrival: core.now,
            start: core.now,
            instance: instance as u32,
            endpoint,
            key,
            back_ns: [client_back, 0],
            ..Req::default()
        };
        let id = if let Some(i) = self.free_reqs.pop() {
            self.reqs[i as usize] = req;
            i
        } else {
            self.reqs.push(req);
            self.reqs.len() as u32 - 1
        };
        if let Some(rate_limiter::Config {
            rate_rps: rate,
            burst,
        }) = self.policies.rate_limit
        {
            let client = self.calls[call_id as usize].client as usize;
            if self.buckets.len() <= client {
                self.buckets.resize(client + 1, (burst, core.now));
            }
            let (tokens, last) = &mut self.buckets[client];
            *tokens = (*tokens + rate * ns_to_secs(core.now - *last)).min(burst);
            *last = core.now;
            if *tokens < 1.0 {
                let class = usize::from(self.is_flooder(client as u32));
                let c = *self.lazy.rate_limited[class].get_or_insert_with(|| {
                    core.metrics
                        .counter(&rate_limiter::RATE_LIMITED, &[flood::CLASSES[class]])
                });
                core.metrics.inc(c);
                self.respond(core, id, Some(429), false);
                return;
            }
            *tokens -= 1.0;
        }
        if picked.is_none() {
            // Every instance ejected: the load balancer itself answers.
            self.respond(core, id, Some(503), false);
            return;
        }
        if !self.fleet.instances[instance].up {
            // Down, but the load balancer has not noticed yet: the connection is refused.
            self.respond(core, id, Some(502), false);
            return;
        }
        if endpoint == 0 {
            self.arm_hedge(core, id);
        }
        self.forward(core, id);
    }

    /// The load balancer forwards request `id` across its link to the request's instance.
    fn forward(&mut self, core: &mut Core, id: u32) {
        let r = &self.reqs[id as usize];
        let (instance, endpoint, seq) = (r.instance, r.endpoint, r.seq);
        let fault = self.link_fault(
            core,
            Edge::LbApi,
            instance,
            ENDPOINTS[endpoint as usize],
            Some(seq),
        );
        if !fault.is_none() || self.links_touched(Edge::LbApi) {
            let link = self.cross_with(core, Edge::LbApi, instance, &fault, Some(seq));
            if link.lost {
                let r = &mut self.reqs[id as usize];
                r.failed_at = Some(Component::Network);
                r.lost_on = Some(Edge::LbApi);
                self.events
                    .schedule(core.now + self.lost_wait(None), Ev::LinkLost(id));
                return;
            }
            self.reqs[id as usize].back_ns[1] = link.back_ns;
            if link.there_ns > 0 {
                self.events
                    .schedule(core.now + link.there_ns, Ev::Deliver(id));
                return;
            }
        }
        self.reach_instance(core, id);
    }

    /// A request reaches its instance: a free worker takes it, or it queues.
    fn reach_instance(&mut self, core: &mut Core, id: u32) {
        if self.reqs[id as usize].cancelled {
            // The other copy of this hedged read answered while it was on its way.
            self.respond(core, id, None, false);
            return;
        }
        if self.died(id) {
            // The instance crashed while the request was on its way: connection reset.
            self.respond(core, id, Some(502), false);
            return;
        }
        let instance = self.reqs[id as usize].instance as usize;
        let inst = &mut self.fleet.instances[instance];
        if let Some(max) = self.policies.shed_queue_length {
            if inst.busy >= self.fleet.workers && inst.waiting.len() >= max {
                let c = self.shed_counter(core, QUEUE_LENGTH);
                core.metrics.inc(c);
                self.respond(core, id, Some(503), false);
                return;
            }
        }
        if inst.busy < self.fleet.workers {
            self.start_handler(core, id);
        } else if self.fleet.capacity == 0 || inst.waiting.len() < self.fleet.capacity {
            inst.waiting.push_back(id);
        } else {
            self.respond(core, id, Some(503), false);
        }
    }

    /// The service's answer (or the client's timeout) reaches the client.
    fn client_outcome(&mut self, core: &mut Core, call_id: u32, ok: bool, timed_out: bool) {
        let call = self.calls[call_id as usize];
        if !ok && call.attempt < call.max_attempts {
            let policy = self.retry_policy(None);
            if let Some(wait) = self.clients.retry(core, &policy, call.attempt) {
                if wait == 0 {
                    self.send(core, call_id);
                } else {
                    self.events.schedule(core.now + wait, Ev::Send(call_id));
                }
                return;
            }
        }
        let call = &mut self.calls[call_id as usize];
        call.done = true;
        let call = *call;
        let took = ns_to_secs(core.now - call.start);
        // The flooder's calls are counted apart from what the users see (`flood.rs`).
        let apart = self.is_flooder(call.client);
        self.clients.outcome(core, ok, timed_out, took, apart);
        self.count_class(core, call.client, ok, timed_out, took);
        if call.max_attempts > 1 {
            self.clients.note_depth(core, call.attempt);
        }
        let user = call.user;
        self.free_calls.push(call_id);
        if self.clients.closed_loop && user != NONE {
            let think = self.clients.think();
            self.events.schedule(core.now + think, Ev::UserWake(user));
        }
    }

    // ---- load balancer and instances ------------------------------------------------

    fn start_handler(&mut self, core: &mut Core, id: u32) {
        let r = &mut self.reqs[id as usize];
        self.fleet.instances[r.instance as usize].busy += 1;
        core.worker_busy(1);
        r.start = core.now;
        let hop = Hop::new(
            Component::Service,
            r.instance,
            ENDPOINTS[r.endpoint as usize],
        );
        let seq = r.seq;
        let effect = self.strike(core, hop, seq);
        let r = &mut self.reqs[id as usize];
        if effect.fail_status.is_some() {
            r.fail_status = effect.fail_status;
            r.failed_at = Some(Component::Service);
        }
        if let Some((_, wait)) = self.resource_ids {
            core.metrics
                .observe(wait, ns_to_secs(core.now - self.reqs[id as usize].arrival));
        }
        let r = &mut self.reqs[id as usize];
        let inst = &mut self.fleet.instances[r.instance as usize];
        inst.leaked_bytes += effect.leak_bytes as f64;
        let work = secs_to_ns(self.cpu.sample(&mut self.work_rng) * effect.work_factor);
        r.query_ns = work; // the handler's CPU demand, until the CPU phase starts
        if effect.delay_ns > 0 {
            // Injected waiting (a sleep, a slow synchronous call) holds the worker, not a core.
            self.events
                .schedule(core.now + effect.delay_ns, Ev::CpuStart(id));
        } else {
            self.compute(core, id);
        }
    }

    /// Hands a freed worker of `instance` to the next queued request still worth serving.
    fn next_from_queue(&mut self, core: &mut Core, instance: usize) {
        while let Some(next) = self.fleet.instances[instance].waiting.pop_front() {
            if self.reqs[next as usize].cancelled {
                self.respond(core, next, None, false);
                continue;
            }
            let waited = core.now - self.reqs[next as usize].arrival;
            if self.policies.server_timeout_ns.is_some_and(|t| waited > t) {
                let c = self.timeout_counter(core, SERVER);
                core.metrics.inc(c);
                self.respond(core, next, Some(504), false);
                continue;
            }
            if self
                .policies
                .shed_queue_delay_ns
                .is_some_and(|t| waited > t)
            {
                let c = self.shed_counter(core, QUEUE_DELAY);
                core.metrics.inc(c);
                self.respond(core, next, Some(503), false);
                continue;
            }
            self.start_handler(core, next);
            return;
        }
    }

    /// The handler computes on its instance's shared cores.
    fn compute(&mut self, core: &mut Core, id: u32) {
        let r = self.reqs[id as usize];
        if r.cancelled {
            self.respond(core, id, None, true);
            return;
        }
        let inst = &mut self.fleet.instances[r.instance as usize];
        inst.cpu
            .advance(core.now, inst.pause_from, inst.paused_until);
        inst.cpu.add(id, r.query_ns);
        self.schedule_cpu_tick(core, r.instance as usize);
    }

    fn schedule_cpu_tick(&mut self, core: &mut Core, i: usize) {
        let inst = &self.fleet.instances[i];
        if let Some(t) = inst.cpu.next_completion(core.now, inst.paused_until) {
            let version = inst.cpu.version;
            self.events.schedule(
                t,
                Ev::CpuTick {
                    instance: i as u32,
                    version,
                },
            );
        }
    }

    fn cpu_tick(&mut self, core: &mut Core, i: usize, version: u32) {
        let inst = &mut self.fleet.instances[i];
        if inst.cpu.version != version {
            return;
        }
        inst.cpu
            .advance(core.now, inst.pause_from, inst.paused_until);
        // A buffer kept between ticks (taken, so a tick inside `cpu_done` gets its own).
        let mut done = std::mem::take(&mut self.cpu_done_buf);
        if inst.cpu.take_done(&mut done) == 0 {
            // A pause pushed the completion out: look again.
            inst.cpu.version = inst.cpu.version.wrapping_add(1);
        }
        self.schedule_cpu_tick(core, i);
        for &id in &done {
            self.cpu_done(core, id);
        }
        done.clear();
        self.cpu_done_buf = done;
    }

    fn cpu_done(&mut self, core: &mut Core, id: u32) {
        let r = &mut self.reqs[id as usize];
        r.cpu_done = core.now;
        if r.cancelled {
            self.respond(core, id, None, true);
            return;
        }
        if r.fail_status.is_some() {
            let status = r.fail_status;
            self.respond(core, id, status, true);
            return;
        }
        if r.endpoint == 0 && self.cache.enabled() {
            let hop = Hop {
                key: Some(r.key),
                ..Hop::new(Component::Cache, r.instance, ENDPOINTS[0])
            };
            let seq = r.seq;
            let effect = self.strike(core, hop, seq);
            let r = &mut self.reqs[id as usize];
            if let Some(k) = effect.key {
                r.key = k;
            }
            if effect.bypass_cache {
                r.bypassed = true;
                self.acquire_connection(core, id);
                return;
            }
            if effect.fail_status.is_some() {
                r.fail_status = effect.fail_status;
                r.failed_at = Some(Component::Cache);
            }
            let (instance, seq) = (r.instance, r.seq);
            let link = self.cross(core, Edge::ApiCache, instance, ENDPOINTS[0], seq);
            let mut done = core.now + link.rtt() + self.cache.latency_ns + effect.delay_ns;
            if link.lost {
                // No answer from the cache: after the timeout the read goes to the database.
                let r = &mut self.reqs[id as usize];
                r.fail_status = Some(504);
                r.failed_at = Some(Component::Cache);
                r.lost_on = Some(Edge::ApiCache);
                done = core.now + self.lost_wait(None);
            }
            self.events.schedule(done, Ev::CacheDone(id));
            return;
        }
        self.acquire_connection(core, id);
    }

    fn cache_done(&mut self, core: &mut Core, id: u32) {
        let r = self.reqs[id as usize];
        if r.cancelled {
            self.respond(core, id, None, true);
            return;
        }
        if r.fail_status.is_some() {
            // A failing cache is a miss, not an error: read through to the database.
            self.reqs[id as usize].fail_status = None;
        }
        let lookup = self.cache.lookup(core, r.key, r.fail_status.is_some());
        if lookup == Lookup::Stale && !self.cache.filling.contains_key(&r.key) {
            self.refresh_in_background(core, &r);
        }
        if matches!(lookup, Lookup::Hit | Lookup::Stale) {
            if self.cache.hit(core, r.key, &self.rows.versions) {
                core.metrics.inc(self.rows.ids.stale_cache);
            }
            self.reqs[id as usize].cache_hit = true;
            self.respond(core, id, None, true);
            return;
        }
        self.cache.miss(core);
        if self.policies.coalescing {
            if let Some(waiters) = self.cache.filling.get_mut(&r.key) {
                waiters.push(id);
                let c = *self
                    .lazy
                    .coalesced
                    .get_or_insert_with(|| core.metrics.counter(&coalescing::COALESCED, &[]));
                core.metrics.inc(c);
                return;
            }
            self.cache.filling.insert(r.key, Vec::new());
        }
        self.reqs[id as usize].filling = true;
        self.cache.start_fill(core);
        self.acquire_connection(core, id);
    }

    /// Stale-while-revalidate: one background query refreshes `r.key`; requests keep
    /// getting the stale value meanwhile.
    fn refresh_in_background(&mut self, core: &mut Core, r: &Req) {
        let refresh = Req {
            epoch: r.epoch,
            instance: r.instance,
            endpoint: 0,
            key: r.key,
            seq: r.seq,
            arrival: core.now,
            start: core.now,
            cpu_done: core.now,
            call: NONE,
            background: true,
            filling: true,
            ..Req::default()
        };
        let id = if let Some(i) = self.free_reqs.pop() {
            self.reqs[i as usize] = refresh;
            i
        } else {
            self.reqs.push(refresh);
            self.reqs.len() as u32 - 1
        };
        self.cache.filling.insert(r.key, Vec::new());
        self.cache.start_fill(core);
        self.acquire_connection(core, id);
    }

    // ---- database ------------------------------------------------------------------

    fn acquire_connection(&mut self, core: &mut Core, id: u32) {
        let inst = &mut self.fleet.instances[self.reqs[id as usize].instance as usize];
        if inst.pool_in_use < self.pool_size {
            inst.pool_in_use += 1;
            self.start_query(core, id);
            return;
        }
        inst.pool_waiting.push_back(id);
        let r = &mut self.reqs[id as usize];
        r.waiting_pool = true;
        if let Some(limit) = self.policies.db_timeout_ns {
            // The pool's acquire timeout: the database budget covers the wait too.
            let deadline = (r.cpu_done + limit).max(core.now);
            let seq = r.seq;
            self.events
                .schedule(deadline, Ev::PoolTimeout { req: id, seq });
        }
    }

    /// A request still waiting for a connection at its database deadline gives up (504).
    fn pool_timeout(&mut self, core: &mut Core, id: u32, seq: u64) {
        let r = self.reqs[id as usize];
        if r.seq != seq || !r.waiting_pool || self.died(id) {
            return;
        }
        self.fleet.instances[r.instance as usize]
            .pool_waiting
            .retain(|&w| w != id);
        let c = self.timeout_counter(core, DB);
        core.metrics.inc(c);
        let rr = &mut self.reqs[id as usize];
        rr.waiting_pool = false;
        rr.fail_status = Some(504);
        rr.failed_at = Some(Component::Database);
        if r.endpoint == 0 {
            self.finish_fill(core, id);
        } else {
            self.respond(core, id, Some(504), true);
        }
    }

    fn start_query(&mut self, core: &mut Core, id: u32) {
        self.reqs[id as usize].waiting_pool = false;
        let r = self.reqs[id as usize];
        if r.cancelled && !r.filling {
            // A cancelled copy of a hedged read got a connection: hand it on unused.
            self.release_connection(core, r.instance as usize);
            self.respond(core, id, None, true);
            return;
        }
        let pool_wait = core.now - r.cpu_done;
        core.metrics
            .observe(self.ids.pool_wait, ns_to_secs(pool_wait));
        let hop = Hop {
            key: Some(r.key),
            ..Hop::new(
                Component::Database,
                r.instance,
                ENDPOINTS[r.endpoint as usize],
            )
        };
        let effect = self.strike(core, hop, r.seq);
        if effect.drop_write_buffer {
            self.lose_write_buffer(core);
        }
        let write = r.endpoint == 1;
        if write {
            if let Some(k) = effect.key {
                self.reqs[id as usize].key = k;
            }
        } else {
            let sticky = self.policies.read_your_writes_ns;
            let version = self
                .rows
                .read_version(core, r.key, effect.replica_lag_ns, sticky);
            let version = self.write_behind_version(core, r.key, version);
            self.reqs[id as usize].version_read = version;
        }
        let indexed = self.policies.indexed;
        let query = self.rows.query_time(
            core,
            r.endpoint as usize,
            &effect,
            indexed,
            &mut self.work_rng,
        );
        let r = &mut self.reqs[id as usize];
        r.db_start = core.now;
        r.query_ns = query;
        r.query_extra_ns = effect.delay_ns;
        r.hold_connection_ns = effect.hold_connection_ns;
        if effect.fail_status.is_some() {
            r.fail_status = effect.fail_status;
            r.failed_at = Some(Component::Database);
        }
        let ok = r.fail_status.is_none();
        let tx = effect.tx.filter(|t| self.tx_applies(t, write));
        if ok && (tx.is_some() || (write && effect.write_behind_ns > 0)) {
            if let Some(t) = tx {
                self.begin_tx(core, id, t);
            } else if !self.policies.write_through {
                self.buffer_write(core, id, effect.write_behind_ns);
                return;
            }
        }
        let r = &mut self.reqs[id as usize];
        if write && r.fail_status.is_none() && r.tx.is_none() {
            self.plan_two_rows(id, effect.second_key);
            let r = &mut self.reqs[id as usize];
            let key = r.key;
            if self.policies.optimistic_retries.is_some() {
                r.version_seen = self.rows.versions.get(key as usize).copied().unwrap_or(0);
            } else {
                core.metrics.inc(self.rows.ids.lock_attempts);
                if let Some((_, waiters)) = self.rows.locks.get_mut(&key) {
                    core.metrics.inc(self.rows.ids.lock_conflicts);
                    waiters.push_back(id);
                    r.waiting_lock = true;
                    r.lock_wait_start = core.now;
                    let seq = r.seq;
                    self.events.schedule_timer(
                        1,
                        core.now + self.rows.lock_timeout_ns,
                        Ev::LockTimeout { req: id, seq },
                    );
                    return;
                }
                self.rows.locks.insert(key, (id, VecDeque::new()));
                r.holds_lock = true;
            }
        }
        self.run_query(core, id);
    }

    /// Runs the sampled query of `id`, cut short by the database timeout if one is set.
    fn run_query(&mut self, core: &mut Core, id: u32) {
        if self.first_of_two_statements(core, id) {
            return;
        }
        let r = self.reqs[id as usize];
        let edge = if r.endpoint == 0 && self.rows.read_replica {
            Edge::ApiReplica
        } else {
            Edge::ApiDatabase
        };
        let endpoint = ENDPOINTS[r.endpoint as usize];
        let link = self.cross(core, edge, r.instance, endpoint, r.seq);
        let r = &mut self.reqs[id as usize];
        let mut end = core.now + link.rtt() + r.query_ns;
        if link.lost {
            // The query or its answer never arrives: the caller waits for its timeout.
            end = core.now + self.links.connect_timeout_ns;
            r.fail_status = Some(504);
            r.failed_at = Some(Component::Database);
            r.lost_on = Some(edge);
        }
        if let Some(limit) = self.policies.db_timeout_ns {
            let deadline = r.cpu_done + limit;
            if end > deadline {
                end = deadline.max(core.now);
                r.db_timed_out = true;
            }
        }
        self.events.schedule(end, Ev::DbDone(id));
    }

    /// Releases the row lock `id` holds and hands it to the next waiting transaction.
    /// (A two-row transaction's second row is released first: `db.rs`.)
    fn release_lock(&mut self, core: &mut Core, id: u32) {
        self.release_second_lock(core, id);
        let r = &mut self.reqs[id as usize];
        if !r.holds_lock {
            return;
        }
        r.holds_lock = false;
        let key = r.key;
        self.hand_over(core, key);
    }

    /// A transaction waited too long for its row lock: it fails and frees its connection.
    fn lock_timeout(&mut self, core: &mut Core, id: u32, seq: u64) {
        let r = self.reqs[id as usize];
        if r.seq != seq
            || !r.waiting_lock
            || core.now < r.lock_wait_start + self.rows.lock_timeout_ns
        {
            return; // answered, or waiting again since (a restarted transaction)
        }
        let waited_on = self.waiting_key(id);
        if let Some((_, waiters)) = self.rows.locks.get_mut(&waited_on) {
            waiters.retain(|&w| w != id);
        }
        let rr = &mut self.reqs[id as usize];
        rr.waiting_lock = false;
        self.release_lock(core, id);
        let rr = &mut self.reqs[id as usize];
        rr.fail_status = Some(500);
        rr.failed_at = Some(Component::Database);
        core.metrics.inc(self.rows.ids.lock_timeouts);
        core.metrics.observe(
            self.rows.ids.lock_wait,
            ns_to_secs(core.now - r.lock_wait_start),
        );
        if self.died(id) {
            self.respond(core, id, Some(502), false);
            return;
        }
        self.release_connection(core, r.instance as usize);
        self.respond(core, id, Some(500), true);
    }

    fn release_connection(&mut self, core: &mut Core, instance: usize) {
        let inst = &mut self.fleet.instances[instance];
        if let Some(next) = inst.pool_waiting.pop_front() {
            self.start_query(core, next);
        } else {
            inst.pool_in_use = inst.pool_in_use.saturating_sub(1);
        }
    }

    /// Whether request `id` was on an instance that crashed since it entered.
    fn died(&self, id: u32) -> bool {
        let r = &self.reqs[id as usize];
        self.fleet.instances[r.instance as usize].epoch != r.epoch
    }

    /// A request's next step finds its instance gone: the client sees a reset (502). The
    /// database side still lets go of its row lock; the dead instance's workers and pool
    /// were reset at the crash.
    fn lost_in_crash(&mut self, core: &mut Core, id: u32, from_database: bool) {
        if from_database {
            self.release_lock(core, id);
        }
        let r = self.reqs[id as usize];
        if r.filling {
            self.cache.end_fill();
            for w in self.cache.filling.remove(&r.key).unwrap_or_default() {
                let held = !self.died(w);
                self.respond(core, w, Some(502), held);
            }
        }
        self.respond(core, id, Some(502), false);
    }

    /// Instance `i` runs out of memory: everything on it is lost; it restarts after
    /// `restart_s`, and the load balancer stops sending to it at its next health check.
    fn crash(&mut self, core: &mut Core, i: usize, reason: &'static str) {
        let lost = self.fleet.crash(core, i, reason);
        self.payment.forget(i);
        for id in lost {
            self.respond(core, id, Some(502), false);
        }
        self.events
            .schedule(core.now + self.fleet.restart_ns, Ev::Restart(i as u32));
    }

    fn restart(&mut self, core: &mut Core, i: usize) {
        self.fleet.restart(core, i);
        self.dns.forget(i);
    }

    /// Booted instances join the fleet.
    fn scale_up(&mut self, core: &mut Core, count: usize) {
        self.fleet.scale_up(core, count);
        self.payment.resize(self.fleet.instances.len());
    }

    /// Once a second: the autoscaler orders instances when the fleet runs hot.
    fn autoscale_tick(&mut self, core: &mut Core) {
        if let Some((at, count)) = self.fleet.autoscale_tick(core, self.policies.autoscale) {
            self.events.schedule(at, Ev::ScaleUp(count as u32));
        }
    }

    /// Once a second: memory pressure makes the collector stop the world, longer as the
    /// heap fills; at the limit the instance dies. Health checks run on their interval.
    fn memory_tick(&mut self, core: &mut Core) {
        let mut leaked_total = 0.0;
        for i in 0..self.fleet.instances.len() {
            let inst = &self.fleet.instances[i];
            if inst.up {
                leaked_total += inst.leaked_bytes;
            }
            match self.fleet.memory_check(core, i) {
                Memory::Exhausted => self.crash(core, i, "out_of_memory"),
                Memory::Fine { paused: true } => self.schedule_cpu_tick(core, i),
                Memory::Fine { paused: false } | Memory::Down => {}
            }
        }
        self.disk.cleanup_tick(core);
        if self.leaked_connections > 0 || self.leaked_gauge_conn.is_some() {
            let g = *self
                .leaked_gauge_conn
                .get_or_insert_with(|| core.metrics.gauge(&DB_POOL_LEAKED, &[]));
            core.metrics.set(g, self.leaked_connections as f64);
        }
        self.payment
            .bulkhead_tick(core, self.policies.bulkhead_limit.is_some());
        if self.resource_ids.is_none() && core.metrics.spec(RESOURCE_QUEUE_DEPTH.name).is_some() {
            // A scenario asked for the roadmap's resource metrics: mirror the worker queue.
            self.resource_ids = Some((
                core.metrics.gauge(&RESOURCE_QUEUE_DEPTH, &["workers"]),
                core.metrics.histogram(&RESOURCE_WAIT, &["workers"]),
            ));
        }
        if let Some((depth, _)) = self.resource_ids {
            core.metrics.set(depth, self.queue_depth() as f64);
        }
        self.fleet.set_leaked(core, leaked_total);
        if self.fleet.health_check_due(core.now) {
            for i in 0..self.fleet.instances.len() {
                // A check lost on the load balancer's link to the instance fails too.
                let up = self.fleet.instances[i].up && self.health_check_passes(core, i);
                self.fleet.instances[i].healthy_in_lb = up;
            }
        }
        self.fleet.sample(core);
    }

    /// The write's log record goes to disk; a full disk refuses it.
    fn write_to_disk(&mut self, core: &mut Core, id: u32) -> bool {
        let r = self.reqs[id as usize];
        let hop = Hop::new(Component::Disk, r.instance, ENDPOINTS[1]);
        let effect = self.strike(core, hop, r.seq);
        let Some(done) = self
            .disk
            .write(core, effect.disk_bytes as f64, effect.io_bytes as f64)
        else {
            let rr = &mut self.reqs[id as usize];
            rr.fail_status = Some(500);
            rr.failed_at = Some(Component::Disk);
            return false;
        };
        let rr = &mut self.reqs[id as usize];
        rr.disk_start = core.now;
        rr.disk_done = done;
        true
    }

    /// An order committed: the product row has a new version.
    fn commit_write(&mut self, core: &mut Core, key: u32) {
        if self.rows.commit(core.now, key) {
            self.db.note_commit(key, core.now);
            if self.policies.write_through {
                self.write_through(core, key);
            } else if self.rows.invalidate_on_write {
                self.cache.remove(key);
            }
        }
    }

    fn db_done(&mut self, core: &mut Core, id: u32) {
        let r = self.reqs[id as usize];
        core.metrics.observe(
            self.ids.query_duration[r.endpoint as usize],
            ns_to_secs(core.now - r.db_start),
        );
        if r.tx.is_some() && self.end_tx(core, id) {
            return; // aborted and running again
        }
        let r = self.reqs[id as usize];
        if r.endpoint == 1 {
            self.release_lock(core, id);
            if let (Some(max), None, None) = (self.policies.optimistic_retries, r.fail_status, r.tx)
            {
                let current = self.rows.versions.get(r.key as usize).copied().unwrap_or(0);
                if current != r.version_seen && !r.db_timed_out {
                    // Someone committed this row since we read it: re-run the transaction.
                    core.metrics.inc(self.rows.ids.lock_conflicts);
                    if r.tx_retries < max {
                        core.metrics.inc(self.rows.ids.tx_retries);
                        let query = secs_to_ns(self.rows.queries[1].sample(&mut self.work_rng))
                            + r.query_extra_ns;
                        let rr = &mut self.reqs[id as usize];
                        rr.tx_retries += 1;
                        rr.version_seen = current;
                        rr.query_ns = query;
                        self.run_query(core, id);
                        return;
                    }
                    let rr = &mut self.reqs[id as usize];
                    rr.fail_status = Some(409);
                    rr.failed_at = Some(Component::Database);
                }
            }
        }
        if r.hold_connection_ns > 0 {
            // Leaked: the pool gets the connection back only when it reclaims it.
            self.leaked_connections += 1;
            let epoch = self.fleet.instances[r.instance as usize].epoch;
            self.events.schedule(
                core.now + r.hold_connection_ns,
                Ev::ConnectionReclaimed {
                    instance: r.instance,
                    epoch,
                },
            );
        } else {
            self.release_connection(core, r.instance as usize);
        }
        if r.db_timed_out {
            let c = self.timeout_counter(core, DB);
            core.metrics.inc(c);
            let rr = &mut self.reqs[id as usize];
            rr.fail_status = Some(504);
            rr.failed_at = Some(Component::Database);
        }
        if r.endpoint == 0 {
            self.finish_fill(core, id);
            return;
        }
        if self.reqs[id as usize].fail_status.is_some() {
            let status = self.reqs[id as usize].fail_status;
            self.respond(core, id, status, true);
            return;
        }
        if !self.write_to_disk(core, id) {
            self.respond(core, id, Some(500), true);
            return;
        }
        let done = self.reqs[id as usize].disk_done;
        self.events.schedule(
            done,
            Ev::DiskDone {
                req: id,
                seq: r.seq,
            },
        );
    }

    /// The write's log record is on disk: the order commits and payment is called.
    fn disk_done(&mut self, core: &mut Core, id: u32) {
        let r = self.reqs[id as usize];
        self.commit_write(core, r.key);
        self.publish_order_event(core, id, 1);
        self.call_payment(core, id);
    }

    /// A read finished: fill the cache and answer every request waiting on this key.
    fn finish_fill(&mut self, core: &mut Core, id: u32) {
        let r = self.reqs[id as usize];
        if r.filling {
            self.cache.end_fill();
        }
        let ok = r.fail_status.is_none() && !r.bypassed;
        if ok {
            self.cache.fill(core, r.key, r.version_read);
        }
        // Waiters exist only under coalescing; they get the filler's answer even if
        // coalescing was switched off meanwhile.
        let waiters = if r.filling {
            self.cache.filling.remove(&r.key).unwrap_or_default()
        } else {
            Vec::new()
        };
        self.respond(core, id, r.fail_status, true);
        for w in waiters {
            self.respond(core, w, r.fail_status, true);
        }
    }

    // ---- payment dependency ----------------------------------------------------------

    fn call_payment(&mut self, core: &mut Core, id: u32) {
        let r = self.reqs[id as usize];
        let probe =
            match self
                .payment
                .admit(core, r.instance as usize, self.policies.bulkhead_limit)
            {
                Ok(probe) => probe,
                Err(_) => {
                    let rr = &mut self.reqs[id as usize];
                    rr.fail_status = Some(503);
                    rr.failed_at = Some(Component::Dependency);
                    self.respond(core, id, Some(503), true);
                    return;
                }
            };
        let hop = Hop::new(Component::Dependency, r.instance, ENDPOINTS[1]);
        let mut effect = self.strike(core, hop, r.seq);
        let dns = self.resolve(core, r.instance, r.seq);
        if dns.failed {
            // No address, no call: the provider does no work.
            effect.delay_ns = effect.delay_ns.saturating_add(dns.took_ns);
            effect.work_factor = 0.0;
            effect.fail_status = Some(503);
        } else {
            effect.delay_ns = effect.delay_ns.saturating_add(dns.took_ns);
        }
        let link = if dns.failed {
            link::Crossing::NONE
        } else {
            self.cross(core, Edge::ApiPayment, r.instance, ENDPOINTS[1], r.seq)
        };
        let rtt = link.rtt();
        let rr = &mut self.reqs[id as usize];
        rr.dns_failed = dns.failed;
        rr.dns_ns = dns.took_ns;
        rr.probe = probe;
        rr.dep_start = core.now;
        rr.callbacks = effect.callbacks;
        let propagate = self.policies.deadline_propagation;
        let attempt = self
            .payment
            .attempt(core, &effect, propagate, &mut self.work_rng);
        let mut latency = attempt.latency_ns;
        let rr = &mut self.reqs[id as usize];
        if attempt.fail_status.is_some() {
            rr.fail_status = attempt.fail_status;
            rr.failed_at = Some(Component::Dependency);
        }
        if link.lost {
            // The call or its answer is lost: the caller waits for its timeout.
            latency = self.links.connect_timeout_ns;
            rr.fail_status = Some(504);
            rr.failed_at = Some(Component::Dependency);
            rr.lost_on = Some(Edge::ApiPayment);
        }
        let mut end = core.now + latency + rtt;
        if let Some(limit) = self.policies.dependency_timeout_ns {
            if latency > limit {
                end = core.now + limit;
                rr.dep_timed_out = true;
            }
        }
        self.events.schedule(end, Ev::DepDone(id));
    }

    fn dep_done(&mut self, core: &mut Core, id: u32) {
        if self.reqs[id as usize].dep_timed_out {
            let c = self.timeout_counter(core, DEPENDENCY);
            core.metrics.inc(c);
            let r = &mut self.reqs[id as usize];
            r.fail_status = Some(504);
            r.failed_at = Some(Component::Dependency);
        }
        let r = self.reqs[id as usize];
        let ok = r.fail_status.is_none();
        self.payment
            .finish(core, r.instance as usize, ok, r.dep_start);
        if ok {
            self.publish_order_event(core, id, 2);
            if let Some(spec) = r.callbacks {
                self.send_callbacks(core, spec);
            }
        }
        self.payment.record(core, r.probe, ok, r.seq);
        self.respond(core, id, r.fail_status, true);
    }

    // ---- uplink ----------------------------------------------------------------------

    /// Hands a successful response to the uplink: scenarios strike the network hop here
    /// (a throttled link, a dropped connection). Returns when its last byte is sent if
    /// the link limits it; the worker stays busy writing until then.
    fn send_response(&mut self, core: &mut Core, id: u32) -> Option<Nanos> {
        let r = self.reqs[id as usize];
        let e = r.endpoint as usize;
        let hop = Hop::new(Component::Network, r.instance, ENDPOINTS[e]);
        let effect = self.strike(core, hop, r.seq);
        let sent = self.uplink.send(core, &r, &effect);
        let rr = &mut self.reqs[id as usize];
        rr.sent = true;
        rr.truncated |= sent.truncated;
        let done = sent.done?;
        rr.send_start = core.now;
        (done > core.now).then_some(done)
    }

    // ---- responses -------------------------------------------------------------------

    /// Answers request `id` (200 unless `fail`), frees its worker if it held one and
    /// hands the worker on, then delivers the answer to the client if it still waits.
    fn respond(&mut self, core: &mut Core, id: u32, fail: Option<u16>, held_worker: bool) {
        // The request is read field by field, not copied whole: this runs for every one.
        let r = &self.reqs[id as usize];
        let hedged = r.twin.is_some() || r.cancelled || r.hedge;
        if hedged && self.hedge_lost(core, id, fail, held_worker) {
            return; // a copy of a hedged read that lost: it ends here, unanswered
        }
        let r = &self.reqs[id as usize];
        if fail.is_none() && held_worker && !r.background && !r.sent {
            let seq = r.seq;
            if let Some(done) = self.send_response(core, id) {
                self.events.schedule(done, Ev::Sent { req: id, seq });
                return;
            }
        }
        let r = &mut self.reqs[id as usize];
        r.answered = true;
        let (origin, arrival, start, instance, seq) =
            (r.origin(), r.arrival, r.start, r.instance, r.seq);
        let (call_id, attempt, call_generation) = (r.call, r.attempt, r.call_generation);
        let (truncated, back) = (r.truncated, r.back_ns[0] + r.back_ns[1]);
        let (background, e) = (r.background, r.endpoint as usize);
        self.free_reqs.push(id);
        if background {
            return; // a cache refresh: nobody waits for it
        }
        if fail == Some(400) && self.lazy.bad_request[e].is_none() {
            self.lazy.bad_request[e] = Some(
                core.metrics
                    .counter(&common::HTTP_REQUESTS, &[SERVICE, ENDPOINTS[e], "400"]),
            );
        }
        let ep = &self.ids.endpoints[e];
        let counter = match fail {
            Some(400) => self.lazy.bad_request[e].unwrap_or(ep.failed),
            None => ep.ok,
            Some(503) => ep.rejected,
            Some(502) => ep.bad_gateway,
            Some(504) => ep.timeout,
            Some(409) => ep.conflict,
            Some(401) => ep.unauthorized,
            Some(429) => ep.too_many,
            Some(_) => ep.failed,
        };
        let duration = ep.duration;
        core.metrics.inc(counter);
        // A hedged read is timed from its first copy's arrival, whichever copy answered.
        let latency = core.now - origin;
        let wait = start - arrival;
        if held_worker {
            core.metrics.observe(self.ids.wait, ns_to_secs(wait));
        }
        let b = core.depart(origin, wait, fail.is_none());
        core.metrics
            .observe_latency(duration, b, ns_to_secs(latency));
        // (The slot is free but not reused before this returns: its fields still hold.)
        if let Some(status) = fail {
            telemetry::log_failure(core, &self.reqs[id as usize], status, held_worker);
        } else if latency >= super::SLOW_REQUEST_NS && core.logs.admits(core.now) {
            core.logs.push(LogRecord {
                t_ns: core.now,
                level: Level::Warn,
                service: SERVICE,
                message: "slow request",
                fields: vec![
                    ("endpoint", ENDPOINTS[e].into()),
                    ("duration_ms", decimal(latency / 1_000_000)),
                    ("instance", api_name(instance)),
                ],
                trace_id: Some(seq),
            });
        }
        if core
            .traces
            .wants(core.now, seq, fail.is_some() || truncated)
        {
            let cache_latency = self.cache.enabled().then_some(self.cache.latency_ns);
            telemetry::record_trace(
                core,
                &self.reqs[id as usize],
                fail,
                held_worker,
                cache_latency,
            );
        }
        if held_worker {
            core.worker_busy(-1);
            self.fleet.instances[instance as usize].busy -= 1;
            self.next_from_queue(core, instance as usize);
        }
        let call = &self.calls[call_id as usize];
        if call.done || call.attempt != attempt || call.generation != call_generation {
            core.metrics.inc(self.clients.ids.wasted);
            return;
        }
        // A truncated body is an error to the client, whatever the server counted.
        let ok = fail.is_none() && !truncated;
        // The answer crosses the links back: load balancer ← instance, clients ← load balancer.
        if back > 0 {
            self.events.schedule(
                core.now + back,
                Ev::ClientAnswer {
                    call: call_id,
                    generation: call_generation,
                    attempt,
                    ok,
                    timed_out: false,
                },
            );
            return;
        }
        self.client_outcome(core, call_id, ok, false);
    }

    fn client_timeout(&mut self, core: &mut Core, call: u32, generation: u32, attempt: u32) {
        self.client_answer(core, call, generation, attempt, false, true);
    }

    /// An answer (or a timeout) for one attempt reaches the client, if it still waits.
    fn client_answer(
        &mut self,
        core: &mut Core,
        call: u32,
        generation: u32,
        attempt: u32,
        ok: bool,
        timed_out: bool,
    ) {
        let c = self.calls[call as usize];
        if c.done || c.attempt != attempt || c.generation != generation {
            return;
        }
        self.client_outcome(core, call, ok, timed_out);
    }
}

impl Model for WebModel {
    fn peek_time(&self) -> Option<Nanos> {
        self.events.peek_time()
    }

    fn step_through(&mut self, core: &mut Core, last: Nanos) -> bool {
        let Some((t, ev)) = self.events.pop_through(last) else {
            return false;
        };
        core.now = t;
        match ev {
            Ev::Arrival => {
                let next = self.clients.next_arrival(t);
                self.events.schedule(next, Ev::Arrival);
                self.new_call(core, NONE);
            }
            Ev::UserWake(user) => self.new_call(core, user),
            Ev::Send(call) => self.send(core, call),
            Ev::ClientTimeout {
                call,
                generation,
                attempt,
            } => self.client_timeout(core, call, generation, attempt),
            Ev::CacheDone(id) | Ev::DbDone(id) | Ev::DepDone(id) if self.died(id) => {
                self.lost_in_crash(core, id, matches!(ev, Ev::DbDone(_)))
            }
            Ev::CacheDone(id) => self.cache_done(core, id),
            Ev::DbDone(id) => self.db_done(core, id),
            Ev::DepDone(id) => self.dep_done(core, id),
            Ev::LockTimeout { req, seq } => self.lock_timeout(core, req, seq),
            Ev::Restart(i) => self.restart(core, i as usize),
            Ev::ScaleUp(n) => self.scale_up(core, n as usize),
            Ev::PoolTimeout { req, seq } => self.pool_timeout(core, req, seq),
            Ev::CpuStart(id) if self.died(id) => self.lost_in_crash(core, id, false),
            Ev::CpuStart(id) => self.compute(core, id),
            Ev::ConnectionReclaimed { instance, epoch } => {
                self.leaked_connections = self.leaked_connections.saturating_sub(1);
                // A restart already gave the instance a fresh pool.
                if self.fleet.instances[instance as usize].epoch == epoch {
                    self.release_connection(core, instance as usize);
                }
            }
            Ev::CpuTick { instance, version } => self.cpu_tick(core, instance as usize, version),
            Ev::Part(e) => self.part_event(core, e),
            Ev::Sent { req, seq } | Ev::DiskDone { req, seq }
                if self.reqs[req as usize].seq != seq => {}
            Ev::Sent { req, .. } | Ev::DiskDone { req, .. } if self.died(req) => {
                // A sent read already finished its cache fill; a new filler may own the key.
                self.reqs[req as usize].filling = false;
                self.lost_in_crash(core, req, false)
            }
            Ev::Sent { req, .. } => self.respond(core, req, None, true),
            Ev::AtLb {
                call,
                generation,
                attempt,
            } => {
                let c = self.calls[call as usize];
                if !c.done && c.generation == generation && c.attempt == attempt {
                    self.at_lb(core, call);
                }
            }
            Ev::Deliver(id) => self.reach_instance(core, id),
            Ev::LinkLost(id) => self.respond(core, id, Some(504), false),
            Ev::ClientAnswer {
                call,
                generation,
                attempt,
                ok,
                timed_out,
            } => self.client_answer(core, call, generation, attempt, ok, timed_out),
            Ev::DiskDone { req, .. } => self.disk_done(core, req),
            Ev::Hedge { req, seq } => self.hedge(core, req, seq),
            Ev::FloodArrival => self.flood_arrival(core),
        }
        true
    }

    fn on_sample(&mut self, core: &mut Core) {
        self.memory_tick(core);
        self.parts_sample(core);
        self.disk.sample(core);
        self.uplink.sample(core);
        self.links_sample(core);
        self.autoscale_tick(core);
        self.flood_tick(core);
        core.settle();
        self.payment.sample(core);
        self.rows.sample(core);
        self.cache.sample(core);
        let depth = self.queue_depth() as f64;
        let m = &mut core.metrics;
        m.set(self.ids.in_flight, core.stats.in_system.level() as f64);
        m.set(self.ids.depth, depth);
        m.set(self.ids.busy, core.stats.busy.level() as f64);
        for inst in &self.fleet.instances {
            m.set(inst.pool_gauge, inst.pool_in_use as f64);
        }

        let workers = self.workers_total();
        if let Some(util) = self.utilization_meter.read(core, workers) {
            core.metrics.set(self.ids.utilization, util);
        }
    }

    fn workers_total(&self) -> u64 {
        self.fleet.workers_total()
    }

    fn queue_depth(&self) -> u64 {
        self.fleet.queue_depth()
    }

    fn has(&self, component: Component) -> bool {
        META.components.contains(&component)
    }

    fn reconfigure(&mut self, core: &mut Core) {
        // A copy: reconfiguring may start queries, which needs `core` mutably.
        let m = &core.mitigations.clone();
        self.policies = Policies::read(m);
        if self.policies.hedge.is_some() && self.lazy.hedge.is_none() {
            self.lazy.hedge = Some(hedge::HedgeIds::register(&mut core.metrics));
        }
        self.pool_size = self.policies.pool_size.unwrap_or(self.base_pool_size);
        for i in 0..self.fleet.instances.len() {
            // A larger pool lets waiting queries start now.
            while self.fleet.instances[i].pool_in_use < self.pool_size {
                let Some(next) = self.fleet.instances[i].pool_waiting.pop_front() else {
                    break;
                };
                self.fleet.instances[i].pool_in_use += 1;
                self.start_query(core, next);
            }
        }
        self.cache
            .configure(self.policies.ttl_jitter, self.policies.stale_grace_ns);
        self.cache.warm(
            core,
            m.config::<cache_warming::Config>(),
            &self.rows.versions,
        );
        if let Some(retry) = self.policies.retry {
            // Start with a small allowance so the first failures can be retried.
            if retry.budget_ratio.is_some() {
                self.clients.budget.earn(10.0);
            }
        }
        self.payment
            .configure_breaker(core, m.config::<breaker_m::Config>());
    }
}

#[cfg(test)]
mod tests {
    use super::{api_name, decimal};

    #[test]
    fn names_and_numbers_read_as_formatting_writes_them() {
        for n in [0, 7, 10, 429, 1_000_000, u64::MAX] {
            assert_eq!(decimal(n), n.to_string());
        }
        assert_eq!(api_name(0), "api-0");
        assert_eq!(api_name(255), "api-255");
    }
}
