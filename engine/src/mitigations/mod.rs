//! Every mitigation, one file each, collected in `ALL`. The behaviour a mitigation
//! switches on lives in the system part it configures; these files hold its catalogue
//! entry (doc, parameters, metrics).

use crate::mitigation::MitigationMeta;

pub mod add_index;
pub mod autoscaling;
pub mod breaker;
pub mod bulkhead;
pub mod cache_warming;
pub mod coalescing;
pub mod deadline_propagation;
pub mod hedging;
pub mod load_shedding;
pub mod lock_ordering;
pub mod optimistic_locking;
pub mod partition_by_key;
pub mod pool_sizing;
pub mod rate_limiter;
pub mod read_your_writes;
pub mod retry_backoff;
pub mod stale_while_revalidate;
pub mod timeouts;
pub mod ttl_jitter;
pub mod write_through;

/// The catalogue of mitigations, in display order.
pub static ALL: &[&MitigationMeta] = &[
    &timeouts::META,
    &retry_backoff::META,
    &breaker::META,
    &bulkhead::META,
    &load_shedding::META,
    &rate_limiter::META,
    &coalescing::META,
    &stale_while_revalidate::META,
    &ttl_jitter::META,
    &cache_warming::META,
    &read_your_writes::META,
    &optimistic_locking::META,
    &add_index::META,
    &pool_sizing::META,
    &autoscaling::META,
    &lock_ordering::META,
    &write_through::META,
    &partition_by_key::META,
    &deadline_propagation::META,
    &hedging::META,
];
