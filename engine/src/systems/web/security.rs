//! The security layer of the service instances, asked only when a scenario involves it
//! (`SecurityEffect` on a service hop; nothing is allocated or counted otherwise):
//!
//! - **Principals and roles.** A request's principal is the API client it comes from
//!   (or the session a scenario says it uses); every `ADMIN_EVERY`-th client is an
//!   admin, the others ordinary users.
//! - **Authentication** with expiring session tokens (when a scenario gives them a
//!   lifetime): a client re-authenticates when its own token expires
//!   (`auth_tokens_issued_total`); a stolen copy, first used at its theft, is not
//!   renewed and is refused (401) once it expires (`authn_decisions_total{decision}`).
//! - **Authorization** per request: a resource only the admin role may read is refused
//!   to a user (403, `deny`) unless the endpoint checks no role (`unchecked`: answered,
//!   200); a principal over its rows quota for the interval is refused too. Each
//!   decision is counted in `authz_decisions_total{decision}`.
//! - **Rows read per principal** over each sample interval: the largest and the median
//!   (`rows_read_per_principal{stat}`), the data-access pattern a breach changes.
//! - **The audit log**: a synchronous write holds the request for the store's latency
//!   and fails it (503) when the store refuses the record (no action without a record);
//!   an asynchronous one is buffered, and a refused record stays in the buffer and is
//!   retried each interval at the store's recent success rate
//!   (`audit_log_backlog_records`, `audit_log_lag_seconds`).
//! - **The log pipeline's PII detector**: each personal-data field a log line carries is
//!   counted as stored (`pii_fields_logged_total{field}`) or, with redaction, as redacted.

use super::metrics::{
    AUDIT_BACKLOG, AUDIT_LAG, AUDIT_WRITES, AUTHN_DECISIONS, AUTHN_DECISION_LABELS,
    AUTHZ_DECISIONS, AUTHZ_DECISION_LABELS, PII_LOGGED, PII_REDACTED, ROWS_PER_PRINCIPAL,
    ROWS_STATS, TOKENS_ISSUED,
};
use crate::metrics::{CounterId, GaugeId};
use crate::scenario::{SecurityEffect, PII_FIELDS};
use crate::systems::Core;
use crate::time::{ns_to_secs, Nanos};
use std::collections::VecDeque;

/// Every this-th API client (0, 25, …) is an admin: 2 of the default 50.
pub const ADMIN_EVERY: u32 = 25;

/// The most audit records the asynchronous buffer holds; later ones are not kept.
const AUDIT_BUFFER: usize = 1_000_000;

const ALLOW: usize = 0;
const DENY: usize = 1;
const UNCHECKED: usize = 2;

/// What the security layer decided for one request.
pub struct Decision {
    /// Fail the request with this status.
    pub fail: Option<u16>,
    /// Hold it this much longer (a synchronous audit write).
    pub delay_ns: Nanos,
}

struct Access {
    decisions: [CounterId; 3],
    stats: [GaugeId; 2],
    /// Rows read per principal over the current sample interval.
    rows: Vec<u64>,
    scratch: Vec<u64>,
}

struct Tokens {
    decisions: [CounterId; 2],
    issued: CounterId,
    /// When each principal's current token was issued (`None`: not yet).
    since: Vec<Option<Nanos>>,
    /// When the stolen copies were first used, per principal.
    stolen: Vec<Option<Nanos>>,
}

struct Audit {
    writes: [CounterId; 2],
    backlog: GaugeId,
    lag: GaugeId,
    /// Buffered records not yet stored: when each was written.
    pending: VecDeque<Nanos>,
    /// Writes tried and refused over the current interval.
    tried: u64,
    refused: u64,
}

struct Pii {
    logged: [CounterId; PII_FIELDS.len()],
    redacted: [CounterId; PII_FIELDS.len()],
}

/// The layer's state, each part registered at its first use.
#[derive(Default)]
pub struct Security {
    tokens: Option<Tokens>,
    access: Option<Access>,
    audit: Option<Audit>,
    pii: Option<Pii>,
}

impl Security {
    /// Once per sample: the rows read per principal over the interval, the buffered
    /// audit records retried.
    pub fn sample(&mut self, core: &mut Core) {
        if let Some(a) = self.access.as_mut() {
            a.scratch.clear();
            a.scratch.extend(a.rows.iter().copied().filter(|&n| n > 0));
            let max = a.scratch.iter().copied().max().unwrap_or(0);
            let median = if a.scratch.is_empty() {
                0
            } else {
                let mid = a.scratch.len() / 2;
                *a.scratch.select_nth_unstable(mid).1
            };
            core.metrics.set(a.stats[0], max as f64);
            core.metrics.set(a.stats[1], median as f64);
            a.rows.iter_mut().for_each(|n| *n = 0);
        }
        if let Some(a) = self.audit.as_mut() {
            // Retry the buffer at the store's success rate over the interval.
            let ok = if a.tried == 0 {
                1.0
            } else {
                1.0 - a.refused as f64 / a.tried as f64
            };
            let stored = ((a.pending.len() as f64) * ok).floor() as usize;
            a.pending.drain(..stored.min(a.pending.len()));
            core.metrics.add(a.writes[0], stored as f64);
            a.tried = 0;
            a.refused = 0;
            core.metrics.set(a.backlog, a.pending.len() as f64);
            let lag = a.pending.front().map_or(0.0, |&t| ns_to_secs(core.now - t));
            core.metrics.set(a.lag, lag);
        }
    }
}

impl Security {
    /// The layer's part of a request's service hop: the request comes from API `client`
    /// of `principals` (the clients and the flooder).
    pub fn decide(
        &mut self,
        core: &mut Core,
        principals: usize,
        client: u32,
        sec: &SecurityEffect,
    ) -> Decision {
        let mut out = Decision {
            fail: None,
            delay_ns: 0,
        };
        let raw = sec.principal.unwrap_or(client);
        // The role follows the principal's id; its counters wrap into the clients'.
        let admin = raw % ADMIN_EVERY == 0;
        let principal = raw as usize % principals.max(1);
        let s = self;
        if sec.token_ttl_ns > 0 {
            let t = s.tokens.get_or_insert_with(|| Tokens {
                decisions: AUTHN_DECISION_LABELS
                    .map(|d| core.metrics.counter(&AUTHN_DECISIONS, &[d])),
                issued: core.metrics.counter(&TOKENS_ISSUED, &[]),
                since: Vec::new(),
                stolen: Vec::new(),
            });
            if t.since.len() < principals {
                t.since.resize(principals, None);
                t.stolen.resize(principals, None);
            }
            let now = core.now;
            let expired = if sec.stolen_token {
                let from = *t.stolen[principal].get_or_insert(now);
                now - from > sec.token_ttl_ns
            } else {
                // The client's own token: renewed when it has expired.
                let since = t.since[principal].get_or_insert(now);
                if now - *since > sec.token_ttl_ns {
                    *since = now;
                    core.metrics.inc(t.issued);
                }
                false
            };
            core.metrics.inc(t.decisions[usize::from(expired)]);
            if expired {
                out.fail = Some(401);
                return out;
            }
        }
        if sec.admin_only || sec.rows > 0 || sec.principal.is_some() {
            let a = s.access.get_or_insert_with(|| Access {
                decisions: AUTHZ_DECISION_LABELS
                    .map(|d| core.metrics.counter(&AUTHZ_DECISIONS, &[d])),
                stats: ROWS_STATS.map(|st| core.metrics.gauge(&ROWS_PER_PRINCIPAL, &[st])),
                rows: Vec::new(),
                scratch: Vec::new(),
            });
            if a.rows.len() < principals {
                a.rows.resize(principals, 0);
            }
            let over_quota =
                sec.rows_quota > 0 && a.rows[principal].saturating_add(sec.rows) > sec.rows_quota;
            let decision = if sec.admin_only && !admin {
                if sec.authz_missing {
                    UNCHECKED
                } else {
                    DENY
                }
            } else if over_quota {
                DENY
            } else {
                ALLOW
            };
            core.metrics.inc(a.decisions[decision]);
            if decision == DENY {
                out.fail = Some(403);
                return out;
            }
            a.rows[principal] = a.rows[principal].saturating_add(sec.rows);
        }
        if sec.pii_fields != 0 {
            let p = s.pii.get_or_insert_with(|| Pii {
                logged: PII_FIELDS.map(|f| core.metrics.counter(&PII_LOGGED, &[f])),
                redacted: PII_FIELDS.map(|f| core.metrics.counter(&PII_REDACTED, &[f])),
            });
            for (bit, _) in PII_FIELDS.iter().enumerate() {
                if sec.pii_fields & (1 << bit) != 0 {
                    let c = if sec.redaction {
                        p.redacted[bit]
                    } else {
                        p.logged[bit]
                    };
                    core.metrics.inc(c);
                }
            }
        }
        if let Some(w) = sec.audit {
            let a = s.audit.get_or_insert_with(|| Audit {
                writes: ["ok", "failed"].map(|o| core.metrics.counter(&AUDIT_WRITES, &[o])),
                backlog: core.metrics.gauge(&AUDIT_BACKLOG, &[]),
                lag: core.metrics.gauge(&AUDIT_LAG, &[]),
                pending: VecDeque::new(),
                tried: 0,
                refused: 0,
            });
            core.metrics.inc(a.writes[usize::from(w.failed)]);
            if w.sync {
                out.delay_ns = w.latency_ns;
                if w.failed {
                    out.fail = Some(503);
                }
            } else {
                a.tried += 1;
                if w.failed {
                    a.refused += 1;
                    if a.pending.len() < AUDIT_BUFFER {
                        a.pending.push_back(core.now);
                    }
                }
            }
        }
        out
    }
}
