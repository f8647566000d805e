//! What the switched-on mitigations ask of the web system, read once per change
//! (`Model::reconfigure`) from their typed configurations into the fields the request
//! path consults.

use super::client::RetryPolicy;
use crate::mitigation::Mitigations;
use crate::mitigations::{
    add_index, autoscaling, coalescing, deadline_propagation, hedging, load_shedding,
    lock_ordering, optimistic_locking, partition_by_key, pool_sizing, rate_limiter,
    read_your_writes, retry_backoff, stale_while_revalidate, timeouts, ttl_jitter, write_through,
};
use crate::time::Nanos;

/// Policies read from switched-on mitigations.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Policies {
    pub server_timeout_ns: Option<Nanos>,
    pub db_timeout_ns: Option<Nanos>,
    pub dependency_timeout_ns: Option<Nanos>,
    pub retry: Option<RetryPolicy>,
    pub shed_queue_length: Option<usize>,
    pub shed_queue_delay_ns: Option<Nanos>,
    pub coalescing: bool,
    pub read_your_writes_ns: Option<Nanos>,
    /// Optimistic locking: re-runs allowed after a version conflict.
    pub optimistic_retries: Option<u32>,
    pub ttl_jitter: Option<f64>,
    pub pool_size: Option<u64>,
    pub autoscale: Option<autoscaling::Config>,
    pub rate_limit: Option<rate_limiter::Config>,
    pub indexed: bool,
    pub stale_grace_ns: Nanos,
    pub lock_ordering: bool,
    pub write_through: bool,
    pub partition_by_key: bool,
    pub deadline_propagation: bool,
    pub hedge: Option<hedging::Config>,
}

impl Policies {
    /// Reads the switched-on mitigations once, into the fields the parts consult.
    pub fn read(m: &Mitigations) -> Policies {
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
