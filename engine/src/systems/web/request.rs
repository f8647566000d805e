//! A call as the clients see it and a request inside the service: the slots the web
//! system keeps for them, the events that move them on, and the names they carry into
//! metrics, logs and spans. Every part reads these; this file reads none of the parts.

use crate::scenario::{CallbackSpec, Component, Edge, TxSpec};
use crate::time::Nanos;

pub(super) const SERVICE: &str = "api";
pub(super) const DATABASE: &str = "postgres";
pub(super) use super::metrics::PAYMENT;
pub(super) const LEDGER: &str = "ledger";
pub(super) const UPLINK: &str = "uplink";
pub(super) const ENDPOINTS: [&str; 2] = ["GET /product", "POST /order"];
pub(super) const QUERY_TYPES: [&str; 2] = ["read", "write"];
pub(super) const NONE: u32 = u32::MAX;

#[derive(Debug, Clone, Copy)]
pub(super) enum Ev {
    Arrival,
    UserWake(u32),
    Send(u32),
    ClientTimeout {
        call: u32,
        generation: u32,
        attempt: u32,
    },
    CacheDone(u32),
    DbDone(u32),
    DepDone(u32),
    LockTimeout {
        req: u32,
        seq: u64,
    },
    Restart(u32),
    ScaleUp(u32),
    PoolTimeout {
        req: u32,
        seq: u64,
    },
    /// A handler's injected sleep is over: it starts computing.
    CpuStart(u32),
    /// The pool reclaims a leaked connection.
    ConnectionReclaimed {
        instance: u32,
        epoch: u32,
    },
    /// The earliest computing handler on an instance may be done.
    CpuTick {
        instance: u32,
        version: u32,
    },
    /// The last byte of a response left on the uplink.
    Sent {
        req: u32,
        seq: u64,
    },
    /// A write's log record is on disk: the order commits.
    DiskDone {
        req: u32,
        seq: u64,
    },
    /// An event of the parts in `db.rs`, `write_behind.rs` and `mq.rs`.
    Part(PartEv),
    /// An attempt crossed the clients' link and reaches the load balancer.
    AtLb {
        call: u32,
        generation: u32,
        attempt: u32,
    },
    /// A request crossed the load balancer's link to its instance.
    Deliver(u32),
    /// The load balancer gave up on a request lost on the link to its instance (504).
    LinkLost(u32),
    /// An answer crossed the links back to the client (or the client gave up on a lost one).
    ClientAnswer {
        call: u32,
        generation: u32,
        attempt: u32,
        ok: bool,
        timed_out: bool,
    },
    /// The flooding client (`flood.rs`) sends its next call.
    FloodArrival,
    /// A read has waited `hedge_after_ms` at the load balancer: send it a second copy.
    Hedge {
        req: u32,
        seq: u64,
    },
}

#[derive(Debug, Clone, Copy)]
pub(super) enum PartEv {
    /// A two-row transaction's first statement is done: it locks its second row.
    SecondLock { req: u32, seq: u64 },
    /// A transaction aborted as a deadlock victim runs again.
    TxRestart { req: u32, seq: u64 },
    /// The write-behind buffer is flushed to the database.
    Flush,
    /// A write-behind write is acknowledged by the cache.
    WriteBuffered(u32),
    /// A consumer finished its message.
    ConsumerDone { partition: u32 },
    /// A webhook callback was not acknowledged in time.
    CallbackTimeout {
        slot: u32,
        generation: u32,
        attempt: u32,
    },
    /// A webhook callback is sent again after its backoff.
    CallbackSend { slot: u32, generation: u32 },
}

/// A call as a client sees it: one or more attempts.
#[derive(Debug, Clone, Copy)]
pub(super) struct Call {
    pub(super) client: u32,
    /// Distinguishes calls that reuse one slot, so a late answer never reaches a newer call.
    pub(super) generation: u32,
    pub(super) user: u32,
    pub(super) endpoint: u8,
    pub(super) key: u32,
    pub(super) start: Nanos,
    pub(super) attempt: u32,
    pub(super) max_attempts: u32,
    pub(super) done: bool,
    /// The current attempt's answer's way back across the clients' link.
    pub(super) back_ns: Nanos,
}

/// One attempt inside the service.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Req {
    /// The instance epoch the request entered in (a crash ends it).
    pub(super) epoch: u32,
    pub(super) call: u32,
    pub(super) call_generation: u32,
    pub(super) attempt: u32,
    pub(super) seq: u64,
    pub(super) arrival: Nanos,
    pub(super) start: Nanos,
    pub(super) cpu_done: Nanos,
    pub(super) db_start: Nanos,
    pub(super) dep_start: Nanos,
    pub(super) instance: u32,
    pub(super) endpoint: u8,
    pub(super) key: u32,
    pub(super) fail_status: Option<u16>,
    pub(super) failed_at: Option<Component>,
    pub(super) cache_hit: bool,
    /// A stale-while-revalidate refresh: no client, no worker.
    pub(super) background: bool,
    /// The product version a read returned.
    pub(super) version_read: u32,
    /// Filling the cache for its key (the first miss).
    pub(super) filling: bool,
    pub(super) probe: bool,
    /// Sampled duration of the current query (run once the row lock is held).
    pub(super) query_ns: Nanos,
    /// What scenarios add to each run of this query (kept for optimistic re-runs).
    pub(super) query_extra_ns: Nanos,
    /// A leaked connection stays checked out this long after the query.
    pub(super) hold_connection_ns: Nanos,
    pub(super) waiting_pool: bool,
    pub(super) waiting_lock: bool,
    pub(super) holds_lock: bool,
    pub(super) lock_wait_start: Nanos,
    /// Optimistic locking: the row version the transaction read, and re-runs so far.
    pub(super) version_seen: u32,
    pub(super) tx_retries: u32,
    pub(super) dep_timed_out: bool,
    pub(super) db_timed_out: bool,
    /// A two-row transaction's second row, and whether it holds that row's lock.
    pub(super) key2: Option<u32>,
    pub(super) holds_lock2: bool,
    /// A multi-statement transaction (`db.rs`) and when its snapshot was taken.
    pub(super) tx: Option<TxSpec>,
    pub(super) tx_snapshot: Nanos,
    /// The read skipped the cache (it must not fill it).
    pub(super) bypassed: bool,
    /// Webhook callbacks the payment provider sends when the charge completes.
    pub(super) callbacks: Option<CallbackSpec>,
    /// The response has been handed to the uplink (and sent, if the link limits it).
    pub(super) sent: bool,
    /// When its first byte went out on a limited uplink (0 = not limited).
    pub(super) send_start: Nanos,
    /// The connection dropped part-way through the body.
    pub(super) truncated: bool,
    /// When its write-ahead-log write was queued at the disk, and when it is on disk.
    pub(super) disk_start: Nanos,
    pub(super) disk_done: Nanos,
    /// The network link an exchange of this request was lost on.
    pub(super) lost_on: Option<Edge>,
    /// The answer's way back across the clients' link and the load balancer's link.
    pub(super) back_ns: [Nanos; 2],
    /// Resolving the payment provider's name failed (`dns.rs`).
    pub(super) dns_failed: bool,
    /// Time spent resolving the payment provider's name (0 when cached).
    pub(super) dns_ns: Nanos,
    /// Hedging (`hedge.rs`): the other copy of this read while both run.
    pub(super) twin: Option<u32>,
    /// The load balancer's second copy of a read (the hedge).
    pub(super) hedge: bool,
    /// The other copy answered first: this one stops at its next step.
    pub(super) cancelled: bool,
    /// Answered and its slot freed (a pending hedge timer finds it gone).
    pub(super) answered: bool,
    /// For a hedged read: when the other copy arrived and on which instance.
    pub(super) twin_start: Option<(Nanos, u32)>,
}

impl Req {
    /// When the load balancer received the request: for a hedge, its first copy's arrival.
    pub(super) fn origin(&self) -> Nanos {
        match (self.hedge, self.twin_start) {
            (true, Some((first, _))) => first,
            _ => self.arrival,
        }
    }
}

/// `n` in decimal, without the formatting machinery (log fields and span attributes are
/// written for many requests).
pub(super) fn decimal(n: u64) -> String {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    let mut n = n;
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    digits[i..].iter().map(|&d| char::from(d)).collect()
}

/// The name of service instance `i` (`api-3`), as logs, spans and metrics call it.
pub(super) fn api_name(i: u32) -> String {
    let mut name = String::with_capacity(8);
    name.push_str("api-");
    name.push_str(&decimal(u64::from(i)));
    name
}

/// The link's two ends as metric labels: (from, to).
pub(super) fn ends(edge: Edge, instance: u32) -> (String, String) {
    let api = || api_name(instance);
    match edge {
        Edge::ClientLb => ("clients".into(), "lb".into()),
        Edge::LbApi => ("lb".into(), api()),
        Edge::ApiCache => (api(), "redis".into()),
        Edge::ApiDatabase => (api(), DATABASE.into()),
        Edge::ApiReplica => (api(), "postgres-replica".into()),
        Edge::ApiPayment => (api(), PAYMENT.into()),
        Edge::ApiDns => (api(), "dns".into()),
    }
}
