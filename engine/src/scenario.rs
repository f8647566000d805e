//! The scenario model: what a fault is (`ScenarioMeta`, its parameters and metrics), the
//! points of a system where it can strike (`Component`, `Hop`), and what it does there
//! (`Effect`). Systems call `Scenarios::strike` at each hop; scenarios never see the
//! system's internals.

use crate::metrics::{MetricSpec, Registry};
use crate::observe::LogBuffer;
use crate::params::{ParamSet, ParamSpec};
use crate::rng::Xoshiro256PlusPlus as Rng;
use crate::time::{secs_to_ns, Nanos};
use serde::Serialize;

/// The parts of a system a scenario can strike.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Component {
    Client,
    LoadBalancer,
    /// The request handler on a service instance (holding a worker).
    Service,
    Cache,
    Database,
    Dependency,
    Network,
    Disk,
    /// The message queue: producers (on a write) and the consumer group.
    Queue,
    /// An event-sourced system's projections, each applying the event log to its read
    /// model (instance: which projection).
    Projection,
}

impl Component {
    pub fn as_str(self) -> &'static str {
        match self {
            Component::Client => "client",
            Component::LoadBalancer => "load_balancer",
            Component::Service => "service",
            Component::Cache => "cache",
            Component::Database => "database",
            Component::Dependency => "dependency",
            Component::Network => "network",
            Component::Disk => "disk",
            Component::Queue => "queue",
            Component::Projection => "projection",
        }
    }
}

/// Where a request is, as a scenario sees it.
#[derive(Debug, Clone, Copy)]
pub struct Hop {
    pub component: Component,
    pub instance: u32,
    pub endpoint: &'static str,
    /// The cache key the request reads, where there is one.
    pub key: Option<u32>,
    /// How many instances of the struck component the system runs.
    pub fleet: u32,
    /// (Network hop) the link a message is crossing; `None` for the uplink to the
    /// clients (bandwidth, truncated bodies). `instance` names the service instance at
    /// its end.
    pub edge: Option<Edge>,
}

/// The network links of a system, one per edge of its topology: a message between two
/// parts crosses one. Links at a service instance exist once per instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Edge {
    /// Clients ↔ load balancer (one link).
    ClientLb,
    /// Load balancer ↔ service instance i.
    LbApi,
    /// Service instance i ↔ the cache.
    ApiCache,
    /// Service instance i ↔ the primary database.
    ApiDatabase,
    /// Service instance i ↔ the read replica.
    ApiReplica,
    /// Service instance i ↔ the payment dependency.
    ApiPayment,
    /// Service instance i ↔ the DNS resolver.
    ApiDns,
}

impl Edge {
    pub const ALL: [Edge; 7] = [
        Edge::ClientLb,
        Edge::LbApi,
        Edge::ApiCache,
        Edge::ApiDatabase,
        Edge::ApiReplica,
        Edge::ApiPayment,
        Edge::ApiDns,
    ];
    /// The names parameters use, in `ALL` order.
    pub const NAMES: &'static [&'static str] = &[
        "client_lb",
        "lb_api",
        "api_cache",
        "api_database",
        "api_replica",
        "api_payment",
        "api_dns",
    ];

    pub fn as_str(self) -> &'static str {
        Edge::NAMES[self as usize]
    }

    pub fn parse(name: &str) -> Option<Edge> {
        Edge::NAMES
            .iter()
            .position(|&n| n == name)
            .map(|i| Edge::ALL[i])
    }

    /// Whether the link exists once per service instance (else once per system).
    pub fn per_instance(self) -> bool {
        self != Edge::ClientLb
    }
}

/// What a scenario does to a network link (a `Network` hop with an `edge`): added on top
/// of the link's own latency and jitter. `loss` 1 is a partition.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct LinkFault {
    /// Extra one-way latency.
    pub latency_ns: Nanos,
    /// Extra one-way jitter: uniform in [0, jitter).
    pub jitter_ns: Nanos,
    /// Chance that an exchange across the link (the message or its answer) is lost.
    pub loss: f64,
}

impl LinkFault {
    pub const NONE: LinkFault = LinkFault {
        latency_ns: 0,
        jitter_ns: 0,
        loss: 0.0,
    };

    pub fn is_none(&self) -> bool {
        self.latency_ns == 0 && self.jitter_ns == 0 && self.loss <= 0.0
    }
}

impl Hop {
    pub fn new(component: Component, instance: u32, endpoint: &'static str) -> Hop {
        Hop {
            component,
            instance,
            endpoint,
            key: None,
            fleet: 1,
            edge: None,
        }
    }
}

/// What a scenario does to one hop: the ways any part can be struck (held longer, failed,
/// made to work harder), and `part`, what it does that only one kind of part knows (a
/// cache reads another key, a query scans rows, a link loses messages). A system reads
/// the generic fields and, through its accessor (`effect.database()`), the effect on the
/// part it is at — that kind's `NONE` when the scenario did nothing particular to it.
///
/// The part's effect is typed by the kind of part struck (`PartEffect`, one variant per
/// `Component`), so a new kind of part — a new system's — brings its own: a variant of
/// `PartEffect`, a small `Copy` struct with its `NONE` and `merge_in`, a constructor
/// (`Effect::on_…`) and an accessor, without touching the other kinds' structs or the
/// systems that read them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Effect {
    /// Hold the request this much longer at this hop.
    pub delay_ns: Nanos,
    /// Fail the request with this HTTP status.
    pub fail_status: Option<u16>,
    /// Multiply the hop's own work (CPU time, query time).
    pub work_factor: f64,
    /// What it does that only the kind of part at this hop knows.
    pub part: PartEffect,
}

/// The part-specific effect of a scenario, by the kind of part it strikes.
///
/// At one hop the effects of several scenarios merge (`Effect::merge_in`): parts of the
/// same kind field by field, a `None` with anything as if it were that kind's `NONE`. A
/// scenario returns only the kind of the hop's component (`PartEffect::component`):
/// `Scenarios::strike` drops a part of another kind, which no system would read there
/// (and debug builds assert), so kinds never mix at a hop.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub enum PartEffect {
    /// Nothing particular to the part.
    #[default]
    None,
    Client(ClientEffect),
    LoadBalancer(LoadBalancerEffect),
    Service(ServiceEffect),
    Cache(CacheEffect),
    Database(DatabaseEffect),
    Dependency(DependencyEffect),
    Network(NetworkEffect),
    Disk(DiskEffect),
    Queue(QueueEffect),
    Projection(ProjectionEffect),
}

/// At a client hop.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ClientEffect {
    /// Retry failed calls this many times, at once (naive retries).
    pub retries: Option<u32>,
}

/// At a load-balancer hop.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct LoadBalancerEffect {
    /// (Hop `FLOOD_HOP`, asked once per metrics sample) one misbehaving client — one API
    /// key — sends an extra open-loop stream of requests at this rate into the load
    /// balancer; 0 = none. Flooders of several scenarios add up.
    pub flood_rps: f64,
}

/// At a service hop (the request handler on an instance).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ServiceEffect {
    /// Bytes of memory the handler allocates and never frees.
    pub leak_bytes: u64,
}

/// At a cache hop (a read).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct CacheEffect {
    /// Make the request read this key instead.
    pub key: Option<u32>,
    /// The read skips the cache and queries the database directly.
    pub bypass: bool,
}

/// At a database hop (a query).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct DatabaseEffect {
    /// (Writes) write this row instead of the request's (a hot key).
    pub key: Option<u32>,
    /// (Reads) extra replication lag of the replica serving the read.
    pub replica_lag_ns: Nanos,
    /// Rows the query must scan because no index serves it.
    pub scan_rows: u64,
    /// The connection is not returned to the pool for this long after the query (a
    /// leak, until the pool's leak detection reclaims it).
    pub hold_connection_ns: Nanos,
    /// Run the query as a multi-statement transaction of this shape.
    pub tx: Option<TxSpec>,
    /// (Writes) the transaction also locks this second row, after its first statement
    /// (a transfer between two accounts).
    pub second_key: Option<u32>,
    /// (Writes) the write lands in the cache and reaches the database in a batch flushed
    /// this often (write-behind); 0 = written at once.
    pub write_behind_ns: Nanos,
    /// The write-behind buffer is lost (the cache node crashed).
    pub drop_write_buffer: bool,
}

/// At a dependency hop (a call to the payment provider).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct DependencyEffect {
    /// The dependency answers asynchronously with webhook callbacks.
    pub callbacks: Option<CallbackSpec>,
    /// The dependency calls an inner service this way (a service chain).
    pub chain: Option<ChainCall>,
}

/// At a network hop: the response's way to the client (no `edge`), or a link (`edge`).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct NetworkEffect {
    /// (Response to the client) cap the link the response crosses at this many bytes
    /// per second; 0 = no cap from this scenario.
    pub link_bytes_per_s: f64,
    /// (Response to the client) the connection drops part-way through the body: the
    /// server sent 200, the client gets an incomplete response.
    pub truncated: bool,
    /// (On a link) extra latency, jitter and loss on the link. It must depend only on the
    /// hop (edge, instance, fleet) while the scenario is active: systems reuse it until a
    /// scenario starts, stops or changes (`Scenarios::state`).
    pub link: LinkFault,
    /// (On the `ApiDns` link) the resolver behaves like this instead.
    pub dns: Option<DnsFault>,
}

/// At a disk hop (a write's log record).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct DiskEffect {
    /// Extra bytes written to disk (logs, temp files) with this write.
    pub written_bytes: u64,
    /// Other I/O, in bytes, queued at the disk ahead of this write.
    pub io_bytes: u64,
}

/// At a queue hop.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct QueueEffect {
    /// (Producer) send the event to this partition instead of the one its key maps to. A
    /// system whose queue is off starts it.
    pub partition: Option<u32>,
}

/// At a projection hop (applying one event).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ProjectionEffect {
    /// Throw the read model away and rebuild it from position 0 of the log, starting
    /// now (once per activation: a system rebuilds on the first strike that asks).
    pub rebuild: bool,
}

impl ProjectionEffect {
    pub const NONE: ProjectionEffect = ProjectionEffect { rebuild: false };

    fn merge_in(&mut self, other: &ProjectionEffect) {
        self.rebuild |= other.rebuild;
    }
}

/// The endpoint of the load-balancer hop a system strikes once per sample to ask whether
/// a client floods it (`LoadBalancerEffect::flood_rps`); no request is behind it.
pub const FLOOD_HOP: &str = "flood";

/// What `Scenarios::strike` returns: the active scenarios' combined effect, or nothing
/// when no scenario is active at the hop. It reads as an `Effect` (`Effect::NONE` when
/// nothing struck); the common case, nothing, returns no whole `Effect` to copy.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Struck(Option<Effect>);

impl Struck {
    /// Nothing struck.
    pub const NONE: Struck = Struck(None);

    pub fn effect(self) -> Effect {
        self.0.unwrap_or(Effect::NONE)
    }
}

impl std::ops::Deref for Struck {
    type Target = Effect;

    #[inline]
    fn deref(&self) -> &Effect {
        self.0.as_ref().unwrap_or(&Effect::NONE)
    }
}

impl std::ops::DerefMut for Struck {
    #[inline]
    fn deref_mut(&mut self) -> &mut Effect {
        self.0.get_or_insert(Effect::NONE)
    }
}

/// A failing DNS resolver, as a scenario sets it: the shared resolver part uses these
/// instead of its own parameters while the scenario strikes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DnsFault {
    /// Share of lookups that fail.
    pub failure_rate: f64,
    /// How long a failing lookup hangs.
    pub timeout_ns: Nanos,
    /// How long a lookup that works takes.
    pub lookup_ns: Nanos,
    /// How long an instance caches a good answer.
    pub ttl_ns: Nanos,
}

/// Transaction isolation levels, as PostgreSQL implements them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Isolation {
    /// Each statement sees what was committed before it started.
    ReadCommitted,
    /// Snapshot isolation: the whole transaction sees one snapshot; a concurrent update
    /// of a row it writes aborts it (first updater wins).
    RepeatableRead,
    /// Serializable snapshot isolation: also aborts when what it read was changed by a
    /// concurrent committed transaction.
    Serializable,
}

/// What a multi-statement transaction does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TxShape {
    /// (Read) reads a row, works, reads it again.
    RereadRow,
    /// (Read) counts the orders of a product, works, counts again.
    RereadRange,
    /// (Write) reads a row, computes, writes the new value back.
    ReadModifyWrite,
    /// (Write) reads a group of rows, and writes its own row if the group allows it.
    WriteSkew { group: u32 },
}

/// A transaction the database runs for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TxSpec {
    pub shape: TxShape,
    pub isolation: Isolation,
}

/// Webhook callbacks a dependency sends when an asynchronous job completes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallbackSpec {
    /// Callbacks per completion (one per subscribed event type or endpoint).
    pub fanout: u32,
    /// The sender re-sends a callback not acknowledged within this time.
    pub ack_timeout_ns: Nanos,
    /// Re-sends per callback before the sender gives up.
    pub max_retries: u32,
}

/// How a dependency calls the next service in a chain (A → B → C): B's timeout and
/// retries on C, C's mean latency, and the timeout A (the caller) puts on B.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChainCall {
    /// A's timeout on its call to B.
    pub outer_timeout_ns: Nanos,
    /// B's timeout on each attempt at C.
    pub inner_timeout_ns: Nanos,
    /// B's retries on C after a timeout.
    pub inner_retries: u32,
    /// C's mean response time (exponential).
    pub inner_latency_ns: Nanos,
}

/// `Option::or` in place: the first scenario's value stands.
fn first<T: Copy>(a: &mut Option<T>, b: Option<T>) {
    if a.is_none() && b.is_some() {
        *a = b;
    }
}

impl Effect {
    pub const NONE: Effect = Effect {
        delay_ns: 0,
        fail_status: None,
        work_factor: 1.0,
        part: PartEffect::None,
    };

    /// A plain delay.
    pub fn delay(delay_ns: Nanos) -> Effect {
        Effect {
            delay_ns,
            ..Effect::NONE
        }
    }

    /// A failure with an HTTP status.
    pub fn fail(status: u16) -> Effect {
        Effect {
            fail_status: Some(status),
            ..Effect::NONE
        }
    }

    /// Only `part`, on the kind of part it is for.
    const fn only(part: PartEffect) -> Effect {
        Effect {
            delay_ns: 0,
            fail_status: None,
            work_factor: 1.0,
            part,
        }
    }

    pub const fn on_client(e: ClientEffect) -> Effect {
        Effect::only(PartEffect::Client(e))
    }

    pub const fn on_load_balancer(e: LoadBalancerEffect) -> Effect {
        Effect::only(PartEffect::LoadBalancer(e))
    }

    pub const fn on_service(e: ServiceEffect) -> Effect {
        Effect::only(PartEffect::Service(e))
    }

    pub const fn on_cache(e: CacheEffect) -> Effect {
        Effect::only(PartEffect::Cache(e))
    }

    pub const fn on_database(e: DatabaseEffect) -> Effect {
        Effect::only(PartEffect::Database(e))
    }

    pub const fn on_dependency(e: DependencyEffect) -> Effect {
        Effect::only(PartEffect::Dependency(e))
    }

    pub const fn on_network(e: NetworkEffect) -> Effect {
        Effect::only(PartEffect::Network(e))
    }

    pub const fn on_disk(e: DiskEffect) -> Effect {
        Effect::only(PartEffect::Disk(e))
    }

    pub const fn on_queue(e: QueueEffect) -> Effect {
        Effect::only(PartEffect::Queue(e))
    }

    pub const fn on_projection(e: ProjectionEffect) -> Effect {
        Effect::only(PartEffect::Projection(e))
    }

    #[inline]
    pub fn client(&self) -> &ClientEffect {
        match &self.part {
            PartEffect::Client(e) => e,
            _ => &ClientEffect::NONE,
        }
    }

    #[inline]
    pub fn load_balancer(&self) -> &LoadBalancerEffect {
        match &self.part {
            PartEffect::LoadBalancer(e) => e,
            _ => &LoadBalancerEffect::NONE,
        }
    }

    #[inline]
    pub fn service(&self) -> &ServiceEffect {
        match &self.part {
            PartEffect::Service(e) => e,
            _ => &ServiceEffect::NONE,
        }
    }

    #[inline]
    pub fn cache(&self) -> &CacheEffect {
        match &self.part {
            PartEffect::Cache(e) => e,
            _ => &CacheEffect::NONE,
        }
    }

    #[inline]
    pub fn database(&self) -> &DatabaseEffect {
        match &self.part {
            PartEffect::Database(e) => e,
            _ => &DatabaseEffect::NONE,
        }
    }

    #[inline]
    pub fn dependency(&self) -> &DependencyEffect {
        match &self.part {
            PartEffect::Dependency(e) => e,
            _ => &DependencyEffect::NONE,
        }
    }

    #[inline]
    pub fn network(&self) -> &NetworkEffect {
        match &self.part {
            PartEffect::Network(e) => e,
            _ => &NetworkEffect::NONE,
        }
    }

    #[inline]
    pub fn disk(&self) -> &DiskEffect {
        match &self.part {
            PartEffect::Disk(e) => e,
            _ => &DiskEffect::NONE,
        }
    }

    #[inline]
    pub fn queue(&self) -> &QueueEffect {
        match &self.part {
            PartEffect::Queue(e) => e,
            _ => &QueueEffect::NONE,
        }
    }

    #[inline]
    pub fn projection(&self) -> &ProjectionEffect {
        match &self.part {
            PartEffect::Projection(e) => e,
            _ => &ProjectionEffect::NONE,
        }
    }

    /// Adds `other` to this effect: the effect of two scenarios striking one hop.
    #[inline]
    fn merge_in(&mut self, other: &Effect) {
        self.delay_ns = self.delay_ns.saturating_add(other.delay_ns);
        first(&mut self.fail_status, other.fail_status);
        self.work_factor *= other.work_factor;
        self.part.merge_in(&other.part);
    }
}

impl PartEffect {
    /// The component whose hops this kind of effect is for (`None` for `None`).
    pub fn component(&self) -> Option<Component> {
        Some(match self {
            PartEffect::None => return None,
            PartEffect::Client(_) => Component::Client,
            PartEffect::LoadBalancer(_) => Component::LoadBalancer,
            PartEffect::Service(_) => Component::Service,
            PartEffect::Cache(_) => Component::Cache,
            PartEffect::Database(_) => Component::Database,
            PartEffect::Dependency(_) => Component::Dependency,
            PartEffect::Network(_) => Component::Network,
            PartEffect::Disk(_) => Component::Disk,
            PartEffect::Queue(_) => Component::Queue,
            PartEffect::Projection(_) => Component::Projection,
        })
    }

    /// Adds `other`, of the same kind or `None`, field by field; a `None` counts as its
    /// kind's `NONE` (which merges in as nothing, but for the float rounding of `loss`).
    /// A part of another kind would add nothing (`Scenarios::strike` drops it before).
    #[inline]
    fn merge_in(&mut self, other: &PartEffect) {
        fn merged<T: Copy>(a: &T, b: &T, merge_in: fn(&mut T, &T)) -> T {
            let mut a = *a;
            merge_in(&mut a, b);
            a
        }
        // Read both as the kind of whichever is not `None`.
        let (a, b) = (Effect::only(*self), Effect::only(*other));
        let kind = if matches!(self, PartEffect::None) {
            b.part
        } else {
            a.part
        };
        *self = match kind {
            PartEffect::None => return,
            PartEffect::Client(_) => {
                PartEffect::Client(merged(a.client(), b.client(), ClientEffect::merge_in))
            }
            PartEffect::LoadBalancer(_) => PartEffect::LoadBalancer(merged(
                a.load_balancer(),
                b.load_balancer(),
                LoadBalancerEffect::merge_in,
            )),
            PartEffect::Service(_) => {
                PartEffect::Service(merged(a.service(), b.service(), ServiceEffect::merge_in))
            }
            PartEffect::Cache(_) => {
                PartEffect::Cache(merged(a.cache(), b.cache(), CacheEffect::merge_in))
            }
            PartEffect::Database(_) => {
                PartEffect::Database(merged(a.database(), b.database(), DatabaseEffect::merge_in))
            }
            PartEffect::Dependency(_) => PartEffect::Dependency(merged(
                a.dependency(),
                b.dependency(),
                DependencyEffect::merge_in,
            )),
            PartEffect::Network(_) => {
                PartEffect::Network(merged(a.network(), b.network(), NetworkEffect::merge_in))
            }
            PartEffect::Disk(_) => {
                PartEffect::Disk(merged(a.disk(), b.disk(), DiskEffect::merge_in))
            }
            PartEffect::Queue(_) => {
                PartEffect::Queue(merged(a.queue(), b.queue(), QueueEffect::merge_in))
            }
            PartEffect::Projection(_) => PartEffect::Projection(merged(
                a.projection(),
                b.projection(),
                ProjectionEffect::merge_in,
            )),
        };
    }
}

impl ClientEffect {
    pub const NONE: ClientEffect = ClientEffect { retries: None };

    /// The most retries of either.
    fn merge_in(&mut self, other: &ClientEffect) {
        self.retries = match (self.retries, other.retries) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
    }
}

impl LoadBalancerEffect {
    pub const NONE: LoadBalancerEffect = LoadBalancerEffect { flood_rps: 0.0 };

    fn merge_in(&mut self, other: &LoadBalancerEffect) {
        self.flood_rps += other.flood_rps;
    }
}

impl ServiceEffect {
    pub const NONE: ServiceEffect = ServiceEffect { leak_bytes: 0 };

    fn merge_in(&mut self, other: &ServiceEffect) {
        self.leak_bytes = self.leak_bytes.saturating_add(other.leak_bytes);
    }
}

impl CacheEffect {
    pub const NONE: CacheEffect = CacheEffect {
        key: None,
        bypass: false,
    };

    fn merge_in(&mut self, other: &CacheEffect) {
        first(&mut self.key, other.key);
        self.bypass |= other.bypass;
    }
}

impl DatabaseEffect {
    pub const NONE: DatabaseEffect = DatabaseEffect {
        key: None,
        replica_lag_ns: 0,
        scan_rows: 0,
        hold_connection_ns: 0,
        tx: None,
        second_key: None,
        write_behind_ns: 0,
        drop_write_buffer: false,
    };

    fn merge_in(&mut self, other: &DatabaseEffect) {
        first(&mut self.key, other.key);
        self.replica_lag_ns = self.replica_lag_ns.saturating_add(other.replica_lag_ns);
        self.scan_rows = self.scan_rows.max(other.scan_rows);
        self.hold_connection_ns = self.hold_connection_ns.max(other.hold_connection_ns);
        first(&mut self.tx, other.tx);
        first(&mut self.second_key, other.second_key);
        // The more frequent flush of the two.
        self.write_behind_ns = match (self.write_behind_ns, other.write_behind_ns) {
            (0, b) => b,
            (a, 0) => a,
            (a, b) => a.min(b),
        };
        self.drop_write_buffer |= other.drop_write_buffer;
    }
}

impl DependencyEffect {
    pub const NONE: DependencyEffect = DependencyEffect {
        callbacks: None,
        chain: None,
    };

    fn merge_in(&mut self, other: &DependencyEffect) {
        first(&mut self.callbacks, other.callbacks);
        first(&mut self.chain, other.chain);
    }
}

impl NetworkEffect {
    pub const NONE: NetworkEffect = NetworkEffect {
        link_bytes_per_s: 0.0,
        truncated: false,
        link: LinkFault::NONE,
        dns: None,
    };

    fn merge_in(&mut self, other: &NetworkEffect) {
        // The tighter cap of the two.
        self.link_bytes_per_s = match (self.link_bytes_per_s, other.link_bytes_per_s) {
            (a, b) if a > 0.0 && b > 0.0 => a.min(b),
            (a, b) => a.max(b),
        };
        self.truncated |= other.truncated;
        self.link.latency_ns = self.link.latency_ns.saturating_add(other.link.latency_ns);
        self.link.jitter_ns = self.link.jitter_ns.saturating_add(other.link.jitter_ns);
        // Independent losses: an exchange gets through only if it survives both.
        self.link.loss = 1.0 - (1.0 - self.link.loss) * (1.0 - other.link.loss);
        first(&mut self.dns, other.dns);
    }
}

impl DiskEffect {
    pub const NONE: DiskEffect = DiskEffect {
        written_bytes: 0,
        io_bytes: 0,
    };

    fn merge_in(&mut self, other: &DiskEffect) {
        self.written_bytes = self.written_bytes.saturating_add(other.written_bytes);
        self.io_bytes = self.io_bytes.saturating_add(other.io_bytes);
    }
}

impl QueueEffect {
    pub const NONE: QueueEffect = QueueEffect { partition: None };

    fn merge_in(&mut self, other: &QueueEffect) {
        first(&mut self.partition, other.partition);
    }
}

/// What a scenario gets when it strikes: the clock, its own random stream, the metrics
/// and the log.
pub struct StrikeCx<'a> {
    pub now: Nanos,
    /// When this scenario started striking (switched on + `start_s`).
    pub active_since: Nanos,
    pub rng: &'a mut Rng,
    pub metrics: &'a mut Registry,
    pub logs: &'a mut LogBuffer,
    pub trace_id: Option<u64>,
}

/// A running fault. One type per file under `scenarios/<category>/`.
pub trait Scenario {
    /// Reads (validated) parameters and registers metric handles. Called when switched
    /// on and whenever a parameter changes while it runs.
    fn configure(&mut self, params: &ParamSet, metrics: &mut Registry);
    /// Acts on one hop of a request while the scenario is active. A part-specific effect
    /// must be of the hop's kind (`Effect::on_database` at a `Database` hop, …).
    fn strike(&mut self, cx: &mut StrikeCx<'_>, hop: &Hop) -> Effect;
    /// Called at every metrics sample, active or not, to keep gauges true.
    fn on_sample(&mut self, _metrics: &mut Registry, _active: bool) {}
}

/// The catalogue entry of a scenario.
pub struct ScenarioMeta {
    pub id: &'static str,
    pub title: &'static str,
    pub category: &'static str,
    /// One sentence for lists.
    pub summary: &'static str,
    /// The `//!` documentation of the scenario's file (`doc_of!`): its catalogue page.
    pub source: DocSource,
    /// Scenario-specific parameters (the common timing ones are added by `params()`).
    pub own_params: &'static [ParamSpec],
    pub metrics: &'static [MetricSpec],
    pub strikes: &'static [Component],
    /// Mitigation ids that address it.
    pub mitigations: &'static [&'static str],
    pub build: fn() -> Box<dyn Scenario>,
    /// Refuses parameter values that make no sense on a system with these components
    /// (e.g. a database delay on a system without a database); the message says why.
    pub check: fn(&ParamSet, &[Component]) -> Result<(), String>,
}

/// A `check` for scenarios whose parameters fit any system that has a struck component.
pub fn no_check(_: &ParamSet, _: &[Component]) -> Result<(), String> {
    Ok(())
}

/// Every scenario has these: when it starts after being switched on, and how long it lasts.
pub const COMMON_SCENARIO_PARAMS: &[ParamSpec] = &[
    ParamSpec::float(
        "start_s",
        "s",
        0.0,
        0.0,
        86_400.0,
        "Virtual seconds after the scenario is switched on before it strikes.",
    ),
    ParamSpec::float(
        "duration_s",
        "s",
        0.0,
        0.0,
        86_400.0,
        "How long it strikes, in virtual seconds; 0 = until switched off.",
    ),
];

impl ScenarioMeta {
    /// All parameters: its own, then the common timing ones.
    pub fn params(&self) -> Vec<&'static ParamSpec> {
        self.own_params
            .iter()
            .chain(COMMON_SCENARIO_PARAMS.iter())
            .collect()
    }

    /// The `//!` documentation of the scenario's file, as Markdown.
    pub fn doc(&self) -> String {
        module_doc(self.source.text)
    }
}

/// Where a catalogue entry's prose comes from: the `//!` documentation of its file
/// (`doc_of!`).
#[derive(Debug, Clone, Copy)]
pub struct DocSource {
    /// The file under `engine/src/`, e.g. `systems/queue.rs`: also the key of the text
    /// in `docs.json`, from which the browser build loads it.
    pub path: &'static str,
    /// The file's `//!` lines as written; empty in WebAssembly, which leaves them out.
    pub text: &'static str,
}

/// The leading `//!` block of a Rust source file, without the markers.
pub fn module_doc(source: &str) -> String {
    let mut out = String::new();
    for line in source.lines() {
        let Some(rest) = line.strip_prefix("//!") else {
            break;
        };
        out.push_str(rest.strip_prefix(' ').unwrap_or(rest));
        out.push('\n');
    }
    out.trim_end().to_string()
}

/// A switched-on scenario inside a run.
pub struct ActiveScenario {
    pub meta: &'static ScenarioMeta,
    /// Its place in the catalogue: the order scenarios are asked in, its stream's number.
    rank: usize,
    pub params: ParamSet,
    pub enabled: bool,
    enabled_at: Nanos,
    /// `[from, until)` in virtual time, from `enabled_at`, `start_s` and `duration_s`;
    /// kept as integers because every hop of every request asks.
    window: (Nanos, Nanos),
    rng: Rng,
    instance: Box<dyn Scenario>,
}

impl ActiveScenario {
    fn set_window(&mut self) {
        let from = self
            .enabled_at
            .saturating_add(secs_to_ns(self.params.f64("start_s")));
        let duration = secs_to_ns(self.params.f64("duration_s"));
        let until = if duration == 0 {
            Nanos::MAX
        } else {
            from.saturating_add(duration)
        };
        self.window = (from, until);
    }

    /// When it starts (or started) striking: switched on + `start_s`.
    pub fn active_since(&self) -> Nanos {
        self.window.0
    }

    /// Whether it strikes at `now`: switched on, past its start delay, within its duration.
    #[inline]
    pub fn is_active(&self, now: Nanos) -> bool {
        self.enabled && now >= self.window.0 && now < self.window.1
    }
}

/// The scenarios of one run, in a fixed order (catalogue order), so results never depend
/// on the order they were switched on.
#[derive(Default)]
pub struct Scenarios {
    list: Vec<ActiveScenario>,
    /// Fast path: no scenario switched on means `strike` is free.
    any_enabled: bool,
    /// For each component (`Component as usize`), the positions in `list` of the
    /// scenarios that strike it, so a hop asks only those.
    by_component: [Vec<u16>; COMPONENTS],
    /// Bumped whenever a scenario is switched on or off or reconfigured.
    version: u64,
    /// Which scenarios are active, per component, during `active.window`: every hop
    /// asks, and the answer changes only when a scenario's window opens or closes.
    active: ActiveSet,
}

/// The scenarios active over a stretch of virtual time in which none starts or stops.
#[derive(Default)]
struct ActiveSet {
    /// `[from, until)`: the stretch the sets below hold for.
    window: (Nanos, Nanos),
    /// `Scenarios::version` they were computed at (`None`: never).
    version: Option<u64>,
    /// Per component: positions in `list` of the active scenarios striking it, in order.
    positions: [Vec<u16>; COMPONENTS],
    /// Per component: bit k set when the k-th scenario of `by_component` is active.
    bits: [u64; COMPONENTS],
}

/// How many `Component`s there are.
const COMPONENTS: usize = 10;
const _: () = assert!(Component::Projection as usize + 1 == COMPONENTS);

impl Scenarios {
    /// Switches `meta` on at `now` with `params` (already validated), or back on with new
    /// parameters if it ran before. `rank` is its place in the catalogue
    /// (`catalog::scenario_rank`): scenarios are asked in that order and each draws from
    /// its own stream numbered by it, whatever order they were switched on in. It is
    /// passed in, not looked up, so this module does not import the catalogue that lists it.
    pub fn enable(
        &mut self,
        meta: &'static ScenarioMeta,
        rank: usize,
        params: ParamSet,
        now: Nanos,
        seed: u64,
        metrics: &mut Registry,
    ) {
        if let Some(s) = self.list.iter_mut().find(|s| s.meta.id == meta.id) {
            s.params = params;
            s.enabled = true;
            s.enabled_at = now;
            s.set_window();
            s.instance.configure(&s.params, metrics);
            self.version += 1;
        } else {
            let mut instance = (meta.build)();
            instance.configure(&params, metrics);
            let mut active = ActiveScenario {
                meta,
                rank,
                params,
                enabled: true,
                enabled_at: now,
                window: (0, 0),
                rng: Rng::stream(seed, 1000 + rank as u64),
                instance,
            };
            active.set_window();
            self.list.push(active);
            self.version += 1;
            crate::order::sort_by_key(&mut self.list, |s| s.rank);
            for (c, positions) in self.by_component.iter_mut().enumerate() {
                positions.clear();
                for (i, s) in self.list.iter().enumerate() {
                    if s.meta.strikes.iter().any(|&k| k as usize == c) {
                        positions.push(i as u16);
                    }
                }
            }
        }
        self.any_enabled = true;
    }

    pub fn disable(&mut self, id: &str) {
        self.version += 1;
        for s in &mut self.list {
            if s.meta.id == id {
                s.enabled = false;
            }
        }
        self.any_enabled = self.list.iter().any(|s| s.enabled);
    }

    /// Replaces the parameters of a switched-on scenario.
    pub fn reconfigure(&mut self, id: &str, params: ParamSet, metrics: &mut Registry) {
        self.version += 1;
        if let Some(s) = self.list.iter_mut().find(|s| s.meta.id == id) {
            s.params = params;
            s.set_window();
            s.instance.configure(&s.params, metrics);
        }
    }

    pub fn get(&self, id: &str) -> Option<&ActiveScenario> {
        self.list.iter().find(|s| s.meta.id == id)
    }

    pub fn iter(&self) -> impl Iterator<Item = &ActiveScenario> {
        self.list.iter()
    }

    /// Which scenarios striking `component` are active at `now`, as a value that changes
    /// whenever that set or any scenario's parameters change: a system may reuse an
    /// effect struck while the state was the same, where effects depend only on the hop
    /// (link faults: see `NetworkEffect::link`). `None` when it cannot tell (over 64 scenarios).
    #[inline]
    pub fn state(&mut self, now: Nanos, component: Component) -> Option<(u64, u64)> {
        if !self.any_enabled {
            return Some((0, 0));
        }
        if self.by_component[component as usize].len() > 64 {
            return None;
        }
        self.refresh(now);
        Some((self.version, self.active.bits[component as usize]))
    }

    /// Whether any scenario striking `component` is active at `now`: when not, a hop
    /// there needs no `strike` (it would return `Effect::NONE`).
    #[inline(always)]
    pub fn acts_on(&mut self, now: Nanos, component: Component) -> bool {
        if !self.any_enabled {
            return false;
        }
        self.refresh(now);
        !self.active.positions[component as usize].is_empty()
    }

    /// Brings the active sets up to `now`: recomputed only when a scenario was switched
    /// or reconfigured, or `now` left the stretch they hold for.
    #[inline]
    fn refresh(&mut self, now: Nanos) {
        let (from, until) = self.active.window;
        if self.active.version != Some(self.version) || now < from || now >= until {
            self.recompute_active(now);
        }
    }

    #[inline(never)]
    fn recompute_active(&mut self, now: Nanos) {
        let (mut from, mut until) = (0, Nanos::MAX);
        for s in self.list.iter().filter(|s| s.enabled) {
            for edge in [s.window.0, s.window.1] {
                if edge <= now {
                    from = from.max(edge);
                } else {
                    until = until.min(edge);
                }
            }
        }
        let active = &mut self.active;
        active.window = (from, until);
        active.version = Some(self.version);
        for (c, positions) in self.by_component.iter().enumerate() {
            active.positions[c].clear();
            active.bits[c] = 0;
            for (k, &i) in positions.iter().enumerate() {
                if self.list[i as usize].is_active(now) {
                    active.positions[c].push(i);
                    if k < 64 {
                        active.bits[c] |= 1 << k;
                    }
                }
            }
        }
    }

    /// Lets every active scenario act on `hop`; their effects add up.
    #[inline(always)]
    pub fn strike(
        &mut self,
        now: Nanos,
        hop: &Hop,
        metrics: &mut Registry,
        logs: &mut LogBuffer,
        trace_id: Option<u64>,
    ) -> Struck {
        if !self.acts_on(now, hop.component) {
            // Not the `Struck::NONE` constant: copying it would copy a whole `Effect`.
            return Struck(None);
        }
        Struck(Some(self.strike_active(now, hop, metrics, logs, trace_id)))
    }

    /// `strike` for a hop where some scenario is active.
    #[inline(never)]
    fn strike_active(
        &mut self,
        now: Nanos,
        hop: &Hop,
        metrics: &mut Registry,
        logs: &mut LogBuffer,
        trace_id: Option<u64>,
    ) -> Effect {
        let c = hop.component as usize;
        if self.active.positions[c].is_empty() {
            return Effect::NONE;
        }
        let mut one = |n: usize| {
            let s = &mut self.list[self.active.positions[c][n] as usize];
            let mut cx = StrikeCx {
                now,
                active_since: s.active_since(),
                rng: &mut s.rng,
                metrics: &mut *metrics,
                logs: &mut *logs,
                trace_id,
            };
            let mut effect = s.instance.strike(&mut cx, hop);
            // No system reads a part of another kind at this hop; dropped, kinds never mix.
            let kind = effect.part.component();
            debug_assert!(
                kind.is_none_or(|k| k == hop.component),
                "{} returns an effect on the {:?} at a {:?} hop",
                s.meta.id,
                kind,
                hop.component
            );
            if kind.is_some_and(|k| k != hop.component) {
                effect.part = PartEffect::None;
            }
            effect
        };
        // The first effect is taken as it is; the others add to it, in catalogue order.
        let mut effect = one(0);
        for n in 1..self.active.positions[c].len() {
            let e = one(n);
            effect.merge_in(&e);
        }
        effect
    }

    pub fn on_sample(&mut self, now: Nanos, metrics: &mut Registry) {
        for s in &mut self.list {
            let active = s.is_active(now);
            s.instance.on_sample(metrics, active);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn merged(a: Effect, b: Effect) -> Effect {
        let mut a = a;
        a.merge_in(&b);
        a
    }

    #[test]
    fn generic_fields_merge_whatever_the_parts() {
        let a = Effect {
            delay_ns: 5,
            work_factor: 2.0,
            ..Effect::on_service(ServiceEffect { leak_bytes: 1 })
        };
        let b = Effect {
            delay_ns: 7,
            fail_status: Some(503),
            work_factor: 3.0,
            ..Effect::fail(500)
        };
        let m = merged(a, b);
        assert_eq!(
            (m.delay_ns, m.fail_status, m.work_factor),
            (12, Some(503), 6.0)
        );
        assert_eq!(m.service().leak_bytes, 1);
        assert_eq!(
            merged(Effect::fail(502), Effect::fail(504)).fail_status,
            Some(502)
        );
    }

    #[test]
    fn parts_of_one_kind_merge_field_by_field() {
        let a = Effect::on_database(DatabaseEffect {
            key: Some(1),
            scan_rows: 10,
            write_behind_ns: 0,
            replica_lag_ns: 3,
            ..DatabaseEffect::NONE
        });
        let b = Effect::on_database(DatabaseEffect {
            key: Some(2),
            second_key: Some(9),
            scan_rows: 30,
            write_behind_ns: 40,
            replica_lag_ns: 4,
            drop_write_buffer: true,
            ..DatabaseEffect::NONE
        });
        let m = *merged(a, b).database();
        assert_eq!(
            (m.key, m.second_key),
            (Some(1), Some(9)),
            "the first key stands"
        );
        assert_eq!((m.scan_rows, m.replica_lag_ns), (30, 7));
        assert_eq!((m.write_behind_ns, m.drop_write_buffer), (40, true));
        let c = Effect::on_database(DatabaseEffect {
            write_behind_ns: 20,
            ..DatabaseEffect::NONE
        });
        assert_eq!(merged(merged(a, b), c).database().write_behind_ns, 20);

        let retries = |n| Effect::on_client(ClientEffect { retries: n });
        let m = merged(retries(Some(2)), retries(Some(5)));
        assert_eq!(m.client().retries, Some(5));
        assert_eq!(
            merged(retries(None), retries(Some(3))).client().retries,
            Some(3)
        );

        let cap = |b| {
            Effect::on_network(NetworkEffect {
                link_bytes_per_s: b,
                ..NetworkEffect::NONE
            })
        };
        assert_eq!(
            merged(cap(100.0), cap(50.0)).network().link_bytes_per_s,
            50.0
        );
        assert_eq!(merged(cap(0.0), cap(50.0)).network().link_bytes_per_s, 50.0);
    }

    #[test]
    fn a_part_merges_with_none_as_its_kinds_none() {
        let loss = |l| {
            Effect::on_network(NetworkEffect {
                link: LinkFault {
                    loss: l,
                    ..LinkFault::NONE
                },
                ..NetworkEffect::NONE
            })
        };
        // As when every field merged: 1 - (1 - 0)(1 - 0.3), not 0.3 bit for bit.
        let expected = 1.0 - (1.0 - 0.0) * (1.0 - 0.3);
        for m in [
            merged(Effect::NONE, loss(0.3)),
            merged(loss(0.3), Effect::NONE),
        ] {
            assert_eq!(m.part.component(), Some(Component::Network));
            assert_eq!(m.network().link.loss.to_bits(), f64::to_bits(expected));
        }
        let m = merged(loss(0.5), loss(0.5));
        assert_eq!(m.network().link.loss, 0.75, "independent losses");
        assert_eq!(
            merged(Effect::delay(1), Effect::delay(2)).part,
            PartEffect::None
        );
    }

    #[test]
    fn an_accessor_of_another_kind_reads_none() {
        let e = Effect::on_cache(CacheEffect {
            key: Some(4),
            bypass: true,
        });
        assert_eq!(e.cache().key, Some(4));
        assert_eq!(*e.database(), DatabaseEffect::NONE);
        assert_eq!(*Struck::NONE.cache(), CacheEffect::NONE);
    }
}
