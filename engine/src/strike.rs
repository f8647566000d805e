//! Where a scenario strikes and what it does there: the parts of a system (`Component`),
//! a point on a request's path (`Hop`, with the network link it crosses: `Edge`), and the
//! effect of the scenarios active there (`Effect`: held longer, failed, made to work
//! harder, and `PartEffect`, what only one kind of part knows), merged when several
//! strike one hop. A leaf: systems read it through `scenario`'s re-export.

use crate::time::Nanos;
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
    /// A serverless function's execution environments: starting one (its init, the
    /// hop `INIT_HOP` of the system), keeping and reclaiming them.
    Function,
    /// A model server's GPU workers: the dynamic batcher in front of each, a batch on
    /// the GPU, loading the weights, the model version and its inputs' drift.
    Model,
    /// A mobile client's device (instance: which device): its network, its radio and
    /// its app's life, asked once per device per `mobile::TICK_HOP` tick.
    Device,
}

impl Component {
    pub const ALL: [Component; 13] = [
        Component::Client,
        Component::LoadBalancer,
        Component::Service,
        Component::Cache,
        Component::Database,
        Component::Dependency,
        Component::Network,
        Component::Disk,
        Component::Queue,
        Component::Projection,
        Component::Function,
        Component::Model,
        Component::Device,
    ];

    /// A component by its `as_str` name.
    pub fn parse(name: &str) -> Option<Component> {
        Component::ALL.into_iter().find(|c| c.as_str() == name)
    }

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
            Component::Function => "function",
            Component::Model => "model",
            Component::Device => "device",
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
    /// The far end is in another region: the bytes that cross are billed as
    /// inter-region transfer (not between zones). Changes no timing by itself.
    pub inter_region: bool,
    /// The payloads crossing are this multiple of their usual size (another
    /// serialization of the same data); 0 = unchanged. Billed bytes follow it.
    pub payload_factor: f32,
}

impl LinkFault {
    pub const NONE: LinkFault = LinkFault {
        latency_ns: 0,
        jitter_ns: 0,
        loss: 0.0,
        inter_region: false,
        payload_factor: 0.0,
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
    Model(ModelEffect),
    Device(DeviceEffect),
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
    /// What that stream's calls are labelled in `client_class_requests_total{client}`
    /// and `rate_limited_total{client}` (`None`: "flooder"): a scraper, pollers…
    pub flood_client: Option<&'static str>,
}

/// At a service hop (the request handler on an instance).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ServiceEffect {
    /// Bytes of memory the handler allocates and never frees.
    pub leak_bytes: u64,
    /// The instance is provisioned with this many vCPUs, billed and usable, where that
    /// is more than the system's own size; 0 = as configured. A system applies the
    /// largest its requests' hops reported over a sample interval at the next sample
    /// (so a size changes within a second, and back when nothing reports it).
    pub provisioned_vcpus: f64,
    /// Extra CPU time the handler computes, on the instance's shared cores (an
    /// algorithm's operations × their cost, serializing, compressing).
    pub cpu_ns: Nanos,
    /// What the instance's security layer sees of the request (its principal, the role
    /// the resource needs, the rows it reads, its audit record, its log line's fields).
    pub security: SecurityEffect,
}

/// At a service hop, what the security layer of the handler is asked to do: authorize
/// the request's principal for the resource, count the rows it reads per principal,
/// write its audit record, and pass its log line through the PII detector. `NONE`: the
/// layer is not involved (no cost).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct SecurityEffect {
    /// The resource may be read only by the admin role (another user's data, an export).
    pub admin_only: bool,
    /// The endpoint checks no role before answering (authorization missing).
    pub authz_missing: bool,
    /// The request is made with this principal's session instead of its client's own.
    pub principal: Option<u32>,
    /// Rows the request reads, attributed to its principal; 0 = none counted.
    pub rows: u64,
    /// Rows one principal may read per second before the layer refuses it (403); 0 = no
    /// quota.
    pub rows_quota: u64,
    /// The request writes an audit record this way.
    pub audit: Option<AuditWrite>,
    /// The personal-data fields its log line carries (bits of `PII_FIELDS`).
    pub pii_fields: u8,
    /// The log pipeline redacts personal-data fields before storing the line.
    pub redaction: bool,
    /// Session tokens expire this long after they are issued; 0 = never. A client
    /// re-authenticates when its own token expires; a stolen copy is not renewed.
    pub token_ttl_ns: Nanos,
    /// The request carries a stolen copy of its principal's token, not the client's own.
    pub stolen_token: bool,
}

/// The personal-data fields a log line can carry, by bit of `SecurityEffect::pii_fields`.
pub const PII_FIELDS: [&str; 4] = ["email", "card_number", "ip_address", "session_token"];

/// One audit record, as the request writes it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AuditWrite {
    /// How long the audit store takes to accept the record.
    pub latency_ns: Nanos,
    /// The store refuses this write.
    pub failed: bool,
    /// The request waits for the record (and fails if it cannot be written); else it is
    /// buffered and written in the background, failed writes retried.
    pub sync: bool,
}

impl SecurityEffect {
    pub const NONE: SecurityEffect = SecurityEffect {
        admin_only: false,
        authz_missing: false,
        principal: None,
        rows: 0,
        rows_quota: 0,
        audit: None,
        pii_fields: 0,
        redaction: false,
        token_ttl_ns: 0,
        stolen_token: false,
    };

    #[inline]
    pub fn is_none(&self) -> bool {
        *self == SecurityEffect::NONE
    }

    fn merge_in(&mut self, other: &SecurityEffect) {
        self.admin_only |= other.admin_only;
        self.authz_missing |= other.authz_missing;
        first(&mut self.principal, other.principal);
        self.rows = self.rows.saturating_add(other.rows);
        // The tighter quota of the two.
        self.rows_quota = match (self.rows_quota, other.rows_quota) {
            (0, b) => b,
            (a, 0) => a,
            (a, b) => a.min(b),
        };
        first(&mut self.audit, other.audit);
        self.pii_fields |= other.pii_fields;
        self.redaction |= other.redaction;
        // The shorter lifetime of the two.
        self.token_ttl_ns = match (self.token_ttl_ns, other.token_ttl_ns) {
            (0, b) => b,
            (a, 0) => a,
            (a, b) => a.min(b),
        };
        self.stolen_token |= other.stolen_token;
    }
}

/// At a cache hop (a read).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct CacheEffect {
    /// Make the request read this key instead.
    pub key: Option<u32>,
    /// The read skips the cache and queries the database directly.
    pub bypass: bool,
    /// The read is answered from an in-process cache on the instance (an L1 in front
    /// of the shared cache): no hop to the shared cache, no query.
    pub local_hit: bool,
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
    /// (A snapshot write) the snapshot is stored damaged.
    pub snapshot: Option<SnapshotFault>,
}

/// How a snapshot is damaged when it is written (a torn write, a serializer bug).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SnapshotFault {
    /// It no longer parses: a reader notices.
    Unreadable,
    /// It parses to the wrong contents: only a checksum notices.
    Garbled,
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
    /// (Response to the client) the response body is this many bytes instead of the
    /// endpoint's size (another format, compressed).
    pub response_bytes: Option<u32>,
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
    /// (Producer) a system whose queue is off starts it (the scenario needs one).
    pub start: bool,
    /// (Consumer) processing this message fails: it goes back to the head of its
    /// partition and the consumer takes it again when this attempt ends (redelivery).
    pub redeliver: bool,
}

/// At a projection hop (applying one event).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ProjectionEffect {
    /// Throw the read model away and rebuild it from position 0 of the log, starting
    /// now (once per activation: a system rebuilds on the first strike that asks).
    pub rebuild: bool,
    /// Writing this event to the read model failed (a transient error); the consumer
    /// retries it this long from now (0: it did not fail).
    pub retry_after_ns: Nanos,
    /// The consumer restarts before applying this event (a crash, a rebalance): it
    /// resumes from the offset it last committed, so what it applied since is
    /// delivered again.
    pub restart: bool,
}

impl ProjectionEffect {
    pub const NONE: ProjectionEffect = ProjectionEffect {
        rebuild: false,
        retry_after_ns: 0,
        restart: false,
    };

    fn merge_in(&mut self, other: &ProjectionEffect) {
        self.rebuild |= other.rebuild;
        self.retry_after_ns = self.retry_after_ns.max(other.retry_after_ns);
        self.restart |= other.restart;
    }
}

/// At a model hop (a GPU worker's batch, its model version, the inputs it sees).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ModelEffect {
    /// (A batch) each item needs this multiple of its usual GPU memory (activations,
    /// KV cache: longer inputs); 0 = unchanged.
    pub item_memory_factor: f64,
    /// (Once per sample, per worker) the worker serves this model version instead of
    /// the one deployed (a rollout stuck half-way, a stale replica).
    pub version: Option<u32>,
    /// (Once per sample) the live inputs drift away from the training data at this rate
    /// (drift score per second), until the model is retrained on recent data.
    pub drift_per_s: f64,
}

impl ModelEffect {
    pub const NONE: ModelEffect = ModelEffect {
        item_memory_factor: 0.0,
        version: None,
        drift_per_s: 0.0,
    };

    fn merge_in(&mut self, other: &ModelEffect) {
        self.item_memory_factor = match (self.item_memory_factor, other.item_memory_factor) {
            (a, 0.0) => a,
            (0.0, b) => b,
            (a, b) => a * b,
        };
        first(&mut self.version, other.version);
        self.drift_per_s += other.drift_per_s;
    }
}

/// At a mobile device (`Component::Device`): its network and its app's life, as they
/// are until the next tick.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct DeviceEffect {
    /// The device loses connectivity for this long from now (a tunnel, a lift, a dead
    /// zone); 0 = it stays as it is.
    pub offline_ns: Nanos,
    /// The OS kills the app now (in the background, under memory pressure): what it held
    /// only in memory is gone.
    pub kill: bool,
    /// The device is on this network profile instead of its own, by name.
    pub network: Option<&'static str>,
    /// Extra round-trip time on the device's link.
    pub rtt_ns: Nanos,
    /// The link's rates are this multiple of the profile's (a weak signal); 0 = unchanged.
    pub bandwidth_factor: f64,
    /// Chance that an exchange gets no answer (a dead connection, a lost packet that
    /// stalls it): the client waits for its timeout.
    pub loss: f64,
    /// The app polls this often instead of its own interval; 0 = its own.
    pub poll_ns: Nanos,
    /// The app's request timeout instead of its own; 0 = its own.
    pub timeout_ns: Nanos,
    /// The radio's power while active is this multiple of the profile's (transmitting
    /// harder at the cell edge); 0 = unchanged.
    pub power_factor: f64,
}

impl DeviceEffect {
    pub const NONE: DeviceEffect = DeviceEffect {
        offline_ns: 0,
        kill: false,
        network: None,
        rtt_ns: 0,
        bandwidth_factor: 0.0,
        loss: 0.0,
        poll_ns: 0,
        timeout_ns: 0,
        power_factor: 0.0,
    };

    fn merge_in(&mut self, other: &DeviceEffect) {
        fn product(a: f64, b: f64) -> f64 {
            match (a > 0.0, b > 0.0) {
                (true, true) => a * b,
                (true, false) => a,
                _ => b,
            }
        }
        fn least(a: Nanos, b: Nanos) -> Nanos {
            match (a, b) {
                (0, b) => b,
                (a, 0) => a,
                (a, b) => a.min(b),
            }
        }
        self.offline_ns = self.offline_ns.max(other.offline_ns);
        self.kill |= other.kill;
        first(&mut self.network, other.network);
        self.rtt_ns = self.rtt_ns.saturating_add(other.rtt_ns);
        self.bandwidth_factor = product(self.bandwidth_factor, other.bandwidth_factor);
        self.loss = 1.0 - (1.0 - self.loss) * (1.0 - other.loss);
        self.poll_ns = least(self.poll_ns, other.poll_ns);
        self.timeout_ns = least(self.timeout_ns, other.timeout_ns);
        self.power_factor = product(self.power_factor, other.power_factor);
    }
}

/// The endpoint of the load-balancer hop a system strikes once per sample to ask whether
/// a client floods it (`LoadBalancerEffect::flood_rps`); no request is behind it.
pub const FLOOD_HOP: &str = "flood";

/// The endpoint of the load-balancer hop a system strikes at each health check of an
/// instance (`Hop::instance`); no request is behind it. A `fail_status` fails the check:
/// the load balancer takes the instance out of rotation until a check passes.
pub const HEALTH_HOP: &str = "health_check";

/// What `Scenarios::strike` returns: the active scenarios' combined effect, or nothing
/// when no scenario is active at the hop. It reads as an `Effect` (`Effect::NONE` when
/// nothing struck); the common case, nothing, returns no whole `Effect` to copy.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Struck(pub(crate) Option<Effect>);

impl Struck {
    /// Nothing struck.
    pub const NONE: Struck = Struck(None);

    pub fn effect(self) -> Effect {
        self.0.unwrap_or(Effect::NONE)
    }

    /// Whether a scenario struck at all (else every field is its `NONE`).
    #[inline]
    pub fn is_struck(&self) -> bool {
        self.0.is_some()
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

    pub const fn on_model(e: ModelEffect) -> Effect {
        Effect::only(PartEffect::Model(e))
    }

    pub const fn on_device(e: DeviceEffect) -> Effect {
        Effect::only(PartEffect::Device(e))
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

    #[inline]
    pub fn model(&self) -> &ModelEffect {
        match &self.part {
            PartEffect::Model(e) => e,
            _ => &ModelEffect::NONE,
        }
    }

    #[inline]
    pub fn device(&self) -> &DeviceEffect {
        match &self.part {
            PartEffect::Device(e) => e,
            _ => &DeviceEffect::NONE,
        }
    }

    /// Adds `other` to this effect: the effect of two scenarios striking one hop.
    #[inline]
    pub(crate) fn merge_in(&mut self, other: &Effect) {
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
            PartEffect::Model(_) => Component::Model,
            PartEffect::Device(_) => Component::Device,
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
            PartEffect::Model(_) => {
                PartEffect::Model(merged(a.model(), b.model(), ModelEffect::merge_in))
            }
            PartEffect::Device(_) => {
                PartEffect::Device(merged(a.device(), b.device(), DeviceEffect::merge_in))
            }
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
    pub const NONE: LoadBalancerEffect = LoadBalancerEffect {
        flood_rps: 0.0,
        flood_client: None,
    };

    fn merge_in(&mut self, other: &LoadBalancerEffect) {
        self.flood_rps += other.flood_rps;
        first(&mut self.flood_client, other.flood_client);
    }
}

impl ServiceEffect {
    pub const NONE: ServiceEffect = ServiceEffect {
        leak_bytes: 0,
        provisioned_vcpus: 0.0,
        cpu_ns: 0,
        security: SecurityEffect::NONE,
    };

    fn merge_in(&mut self, other: &ServiceEffect) {
        self.leak_bytes = self.leak_bytes.saturating_add(other.leak_bytes);
        self.provisioned_vcpus = self.provisioned_vcpus.max(other.provisioned_vcpus);
        self.cpu_ns = self.cpu_ns.saturating_add(other.cpu_ns);
        self.security.merge_in(&other.security);
    }
}

impl CacheEffect {
    pub const NONE: CacheEffect = CacheEffect {
        key: None,
        bypass: false,
        local_hit: false,
    };

    fn merge_in(&mut self, other: &CacheEffect) {
        first(&mut self.key, other.key);
        self.bypass |= other.bypass;
        self.local_hit |= other.local_hit;
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
        snapshot: None,
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
        first(&mut self.snapshot, other.snapshot);
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
        response_bytes: None,
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
        self.link.inter_region |= other.link.inter_region;
        self.link.payload_factor = match (self.link.payload_factor, other.link.payload_factor) {
            (a, 0.0) => a,
            (0.0, b) => b,
            (a, b) => a * b,
        };
        first(&mut self.dns, other.dns);
        first(&mut self.response_bytes, other.response_bytes);
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
    pub const NONE: QueueEffect = QueueEffect {
        partition: None,
        start: false,
        redeliver: false,
    };

    fn merge_in(&mut self, other: &QueueEffect) {
        first(&mut self.partition, other.partition);
        self.start |= other.start;
        self.redeliver |= other.redeliver;
    }
}
#[cfg(test)]
mod size {
    /// Every hop returns a `Struck` by value: past 128 bytes the compiler copies it with a
    /// `memcpy` call on the request path (measured: 2 % of the web model's instructions
    /// at 136 bytes). Keep part effects small (`u32` sizes, `f32` factors).
    #[test]
    fn an_effect_stays_within_128_bytes() {
        assert!(std::mem::size_of::<super::Struck>() <= 128);
        assert!(std::mem::size_of::<super::Effect>() <= 128);
    }
}
