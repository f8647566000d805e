//! The database's data as a part: each product row's latest committed version and commit
//! time, the read replica trailing the primary, the row locks write transactions hold
//! (holder and waiters in order), the query-time model (log-normal per query type, full
//! scans where no index serves a query), and their metrics. Connections and
//! transactions live with the instances (`fleet.rs`) and in `db.rs`.

use super::metrics::{
    DB_LOCK_ATTEMPTS, DB_LOCK_CONFLICTS, DB_LOCK_TIMEOUTS, DB_LOCK_WAIT, DB_ROWS_SCANNED,
    DB_TX_RETRIES, REPLICATION_LAG, STALE_READS,
};
use super::request::QUERY_TYPES;
use crate::dist::Dist;
use crate::metrics::{CounterId, GaugeId, HistogramId, Registry};
use crate::params::ParamSet;
use crate::rng::Xoshiro256PlusPlus as Rng;
use crate::scenario::Effect;
use crate::systems::Core;
use crate::time::{ms_to_ns, ns_to_secs, secs_to_ns, Nanos};
use std::collections::{BTreeMap, VecDeque};

/// The rows' fixed metric handles (registered with the system's other fixed series).
#[derive(Debug, Clone, Copy)]
pub(super) struct RowIds {
    pub stale_replica: CounterId,
    pub stale_cache: CounterId,
    pub replication_lag: GaugeId,
    pub lock_attempts: CounterId,
    pub lock_conflicts: CounterId,
    pub lock_wait: HistogramId,
    pub lock_timeouts: CounterId,
    pub tx_retries: CounterId,
}

impl RowIds {
    pub fn register(m: &mut Registry) -> RowIds {
        RowIds {
            stale_replica: m.counter(&STALE_READS, &["replica"]),
            stale_cache: m.counter(&STALE_READS, &["cache"]),
            replication_lag: m.gauge(&REPLICATION_LAG, &[]),
            lock_attempts: m.counter(&DB_LOCK_ATTEMPTS, &[]),
            lock_conflicts: m.counter(&DB_LOCK_CONFLICTS, &[]),
            lock_wait: m.histogram(&DB_LOCK_WAIT, &[]),
            lock_timeouts: m.counter(&DB_LOCK_TIMEOUTS, &[]),
            tx_retries: m.counter(&DB_TX_RETRIES, &[]),
        }
    }
}

pub(super) struct Rows {
    /// Query time by query type (read, write).
    pub queries: [Dist; 2],
    scan_ns_per_row: f64,
    rows_scanned: [Option<CounterId>; 2],
    /// Product reads go to the replica.
    pub read_replica: bool,
    replica_lag_ns: Nanos,
    /// Replica lag added by scenarios at the latest read (for the gauge).
    extra_lag_ns: Nanos,
    /// An order deletes the product's cache entry.
    pub invalidate_on_write: bool,
    /// Latest committed version and commit time of each product row.
    pub versions: Vec<u32>,
    pub written_at: Vec<Nanos>,
    /// Row locks held by write transactions: key → (holder, waiters in order).
    pub locks: BTreeMap<u32, (u32, VecDeque<u32>)>,
    pub lock_timeout_ns: Nanos,
    pub ids: RowIds,
}

impl Rows {
    pub fn new(p: &ParamSet, key_space: usize, ids: RowIds) -> Rows {
        let cv = p.f64("db_time_cv");
        Rows {
            queries: [
                Dist::lognormal_mean_cv(p.f64("db_read_ms") / 1000.0, cv),
                Dist::lognormal_mean_cv(p.f64("db_write_ms") / 1000.0, cv),
            ],
            scan_ns_per_row: p.f64("scan_ns_per_row"),
            rows_scanned: [None, None],
            read_replica: p.bool("read_replica"),
            replica_lag_ns: ms_to_ns(p.f64("replica_lag_ms")),
            extra_lag_ns: 0,
            invalidate_on_write: p.bool("cache_invalidate_on_write"),
            versions: vec![0; key_space],
            written_at: vec![0; key_space],
            locks: BTreeMap::new(),
            lock_timeout_ns: ms_to_ns(p.f64("db_lock_timeout_ms")),
            ids,
        }
    }

    /// The time a query of `endpoint`'s type takes, as the scenarios striking the
    /// database have it (`effect`); a query no index serves (`DatabaseEffect::scan_rows`,
    /// unless `indexed`) reads the whole table, counted in `db_rows_scanned_total`.
    pub fn query_time(
        &mut self,
        core: &mut Core,
        endpoint: usize,
        effect: &Effect,
        indexed: bool,
        rng: &mut Rng,
    ) -> Nanos {
        let mut query =
            secs_to_ns(self.queries[endpoint].sample(rng) * effect.work_factor) + effect.delay_ns;
        let scan_rows = effect.database().scan_rows;
        if scan_rows > 0 && !indexed {
            query += (scan_rows as f64 * self.scan_ns_per_row) as Nanos;
            let c = *self.rows_scanned[endpoint].get_or_insert_with(|| {
                core.metrics
                    .counter(&DB_ROWS_SCANNED, &[QUERY_TYPES[endpoint]])
            });
            core.metrics.add(c, scan_rows as f64);
        }
        query
    }

    /// The version of `key` a read sees now: the replica trails the primary by its lag
    /// (plus `extra_lag` from scenarios), so a write committed within the lag is not
    /// there yet, unless the reader wrote it within `sticky_ns` (read-your-writes).
    pub fn read_version(
        &mut self,
        core: &mut Core,
        key: u32,
        extra_lag: Nanos,
        sticky_ns: Option<Nanos>,
    ) -> u32 {
        let k = key as usize;
        let Some(&latest) = self.versions.get(k) else {
            return 0;
        };
        self.extra_lag_ns = extra_lag;
        let sticky = sticky_ns.is_some_and(|w| core.now < self.written_at[k].saturating_add(w));
        if !self.read_replica || sticky || latest == 0 {
            return latest;
        }
        let lag = self.replica_lag_ns + extra_lag;
        if self.written_at[k] + lag > core.now {
            core.metrics.inc(self.ids.stale_replica);
            latest - 1
        } else {
            latest
        }
    }

    /// A write of `key` committed now: the row has a new version. False for a key
    /// outside the table.
    pub fn commit(&mut self, now: Nanos, key: u32) -> bool {
        let k = key as usize;
        if k >= self.versions.len() {
            return false;
        }
        self.versions[k] = self.versions[k].wrapping_add(1);
        self.written_at[k] = now;
        true
    }

    /// The replication-lag gauge, once per sample.
    pub fn sample(&self, core: &mut Core) {
        if self.read_replica {
            core.metrics.set(
                self.ids.replication_lag,
                ns_to_secs(self.replica_lag_ns + self.extra_lag_ns),
            );
        }
    }
}
