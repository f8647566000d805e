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
pub mod compensation_backoff;
pub mod deadline_propagation;
pub mod hedging;
pub mod idempotent_consumer;
pub mod load_shedding;
pub mod lock_ordering;
pub mod optimistic_locking;
pub mod partition_by_key;
pub mod per_stream_ordering;
pub mod pool_sizing;
pub mod rate_limiter;
pub mod read_your_writes;
pub mod retry_backoff;
pub mod shadow_rebuild;
pub mod snapshot_checksums;
pub mod stale_while_revalidate;
pub mod timeouts;
pub mod transactional_outbox;
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
    &shadow_rebuild::META,
    &compensation_backoff::META,
    &per_stream_ordering::META,
    &idempotent_consumer::META,
    &snapshot_checksums::META,
    &transactional_outbox::META,
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mitigation::MitigationConfig;
    use crate::params::ParamSet;

    /// Reads `C` from its mitigation's defaults: a name the code reads that the
    /// mitigation does not declare panics here (`ParamSet` in debug builds), and `C::ID`
    /// must be the id of a catalogue entry.
    fn reads_its_defaults<C: MitigationConfig>() -> C {
        let meta = ALL
            .iter()
            .find(|m| m.id == C::ID)
            .unwrap_or_else(|| panic!("no mitigation `{}` in ALL", C::ID));
        C::from_params(&ParamSet::defaults(meta.params))
    }

    #[test]
    fn every_typed_configuration_reads_only_declared_parameters() {
        let t: timeouts::Config = reads_its_defaults();
        assert_eq!(t.db_ns, 250_000_000);
        let r: retry_backoff::Config = reads_its_defaults();
        assert!(r.max_attempts >= 1);
        let _: load_shedding::Config = reads_its_defaults();
        let _: read_your_writes::Config = reads_its_defaults();
        let _: optimistic_locking::Config = reads_its_defaults();
        let b: bulkhead::Config = reads_its_defaults();
        assert!(b.max_concurrent >= 1);
        let _: ttl_jitter::Config = reads_its_defaults();
        let _: pool_sizing::Config = reads_its_defaults();
        let _: rate_limiter::Config = reads_its_defaults();
        let _: stale_while_revalidate::Config = reads_its_defaults();
        let _: autoscaling::Config = reads_its_defaults();
        let _: hedging::Config = reads_its_defaults();
        let _: cache_warming::Config = reads_its_defaults();
        let _: breaker::Config = reads_its_defaults();
        let o: transactional_outbox::Config = reads_its_defaults();
        assert_eq!(o.relay_interval_ns, 100_000_000);
    }

    #[test]
    #[should_panic(expected = "not declared")]
    fn a_misspelt_parameter_name_fails() {
        let p = ParamSet::defaults(timeouts::META.params);
        let _ = p.f64("server_timout_ms");
    }
}
