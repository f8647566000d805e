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

mod billing;
mod breaker;
mod buffering;
mod cache;
mod chain;
mod client;
mod cpu;
mod database;
mod db;
mod dependency;
pub mod diagram;
mod front;
mod handler;
mod hedging;
mod lifecycle;
mod messaging;
mod mq;
mod network;
mod respond;
mod transactions;
mod write_behind;

mod disk;
mod dns;
mod fleet;
mod flood;
mod hedge;
mod ids;
mod link;
pub mod metrics;
mod net;
mod params;
mod payment;
mod policies;
mod request;
mod rows;
mod security;
mod telemetry;

use super::{Core, Model, SystemMeta, UtilizationMeter};
use crate::dist::Dist;
use crate::event::EventQueue;
use crate::golden::{GoldenSeries, Signal};
use crate::metrics::{CounterId, GaugeId, HistogramId};
use crate::mitigations::{cache_warming, load_shedding, timeouts};
use crate::params::ParamSet;
use crate::rng::Xoshiro256PlusPlus as Rng;
use crate::scenario::{Component, Hop, Struck};
use crate::time::{ms_to_ns, secs_to_ns, Nanos};
use cache::SharedCache;
use client::{Clients, RetryBudget};
use request::*;

use disk::Disk;
use fleet::{Fleet, LoadBalancer};
use ids::{register_ids, Ids, LazyIds};
use net::Uplink;
use payment::Payment;
use policies::Policies;
use rows::Rows;

/// The golden signals as this system counts them: at the load balancer, per attempt.
static GOLDEN: [GoldenSeries; Signal::COUNT] = {
    const LATENCY: &str = "Time from a request reaching the load balancer to the service's \
        answer (errors too), over the last 5 s. Clients wait longer: the network both ways, and their \
        time-outs and retries (client_request_duration_seconds).";
    [
        GoldenSeries {
            signal: Signal::ThroughputRps,
            meaning: "Requests the service answered successfully per second over the last \
                5 s, counted at the load balancer: each retry is a request of its own.",
        },
        GoldenSeries {
            signal: Signal::ErrorRate,
            meaning: "Share of the service's answers over the last 5 s that were errors (any \
                4xx or 5xx: refused, timed out, conflicting, failed), per attempt, not per \
                client call.",
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
            meaning: "Requests waiting in the instances' accept queues for a worker, now.",
        },
        GoldenSeries {
            signal: Signal::Utilization,
            meaning: "Busy share of all instances' workers over the last sample interval.",
        },
        GoldenSeries {
            signal: Signal::InFlight,
            meaning: "Requests inside the service, waiting or being served, now.",
        },
    ]
};

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
    diagram: &diagram::DIAGRAM,
    only_switches: None,
    golden: &GOLDEN,
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
    /// What the system costs (`billing.rs`).
    billing: billing::Billing,
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
    /// The instances' security layer, when a scenario involves it (`security.rs`).
    security: Option<Box<security::Security>>,
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
            billing: billing::Billing::new(p, core),
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
            security: None,
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

    /// Whether request `id` was on an instance that crashed since it entered.
    fn died(&self, id: u32) -> bool {
        let r = &self.reqs[id as usize];
        self.fleet.instances[r.instance as usize].epoch != r.epoch
    }

    /// The parts' own events: what a transaction, the write-behind buffer and the
    /// message queue scheduled.
    fn part_event(&mut self, core: &mut Core, e: PartEv) {
        match e {
            PartEv::SecondLock { req, seq } => self.second_lock(core, req, seq),
            PartEv::TxRestart { req, seq } => self.tx_restart(core, req, seq),
            PartEv::Flush => self.wb.flush(core),
            PartEv::WriteBuffered(id) if self.died(id) => self.lost_in_crash(core, id, false),
            PartEv::WriteBuffered(id) => self.write_buffered(core, id),
            PartEv::ConsumerDone { partition } => self.consumer_done(core, partition as usize),
            PartEv::CallbackTimeout {
                slot,
                generation,
                attempt,
            } => self.callback_timeout(core, slot, generation, attempt),
            PartEv::CallbackSend { slot, generation } => {
                self.callback_resend(core, slot, generation)
            }
        }
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
        self.resize_tick(core);
        self.memory_tick(core);
        self.wb.sample(core);
        self.mq.sample(core);
        self.disk.sample(core);
        self.uplink.sample(core);
        self.links_sample(core);
        self.autoscale_tick(core);
        self.flood_tick(core);
        self.billing
            .sample(core, self.fleet.instances.len(), self.fleet.vcpus);
        core.settle();
        self.payment.sample(core);
        self.rows.sample(core);
        self.cache.sample(core);
        if let Some(s) = self.security.as_mut() {
            s.sample(core);
        }
        let depth = self.fleet.queue_depth() as f64;
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
        self.payment.configure(core, m);
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
