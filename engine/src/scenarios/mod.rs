//! Every scenario, one file each under a folder per category, collected in `ALL`.
//! Adding a scenario is adding a file and a line here; the catalogue tests walk `ALL`.

use crate::scenario::ScenarioMeta;

pub mod cost {
    //! Scenarios about what a system costs: money spent on what is provisioned and what moves.
    pub mod cold_start;
    pub mod data_transfer_costs;
    pub mod idle_connection;
    pub mod inefficient_serialization;
    pub mod over_provisioned_resources;
    pub mod oversized_response;
    pub mod uncompressed_payload;
    pub mod unnecessary_polling;
}

pub mod ml {
    //! Scenarios of a model-serving system: GPU workers, batching, features, model quality.
    pub mod batch_inference_delay;
    pub mod feature_drift;
    pub mod feature_store_lag;
    pub mod gpu_contention;
    pub mod inference_timeout;
    pub mod model_memory_oom;
    pub mod model_serving_cold_start;
    pub mod model_version_mismatch;
}

pub mod errors {
    //! Scenarios that make requests fail.
    pub mod error_burst;
}

pub mod event_sourcing {
    //! Scenarios of event-sourced systems: the log, projections, snapshots, sagas.
    pub mod dual_write;
    pub mod duplicate_delivery;
    pub mod event_ordering_issue;
    pub mod event_replay_lag;
    pub mod saga_compensation_failure;
    pub mod snapshot_corruption;
}

pub mod resilience {
    //! Scenarios about how parts of a system react to each other's failures.
    pub mod circuit_breaker;
    pub mod retry_storm;
}

pub mod database {
    //! Scenarios in the database: slow queries, pools, locks.
    pub mod connection_leak;
    pub mod connection_pool_exhaustion;
    pub mod deadlock;
    pub mod long_running_transaction;
    pub mod missing_index;
    pub mod n_plus_one_query;
    pub mod slow_db_query;
    pub mod split_brain;
}

pub mod resources {
    //! Scenarios that use up a resource of the service: CPU, memory, disk.
    pub mod algorithmic_degradation;
    pub mod bandwidth_limit;
    pub mod cpu_spike;
    pub mod disk_full;
    pub mod disk_io_saturation;
    pub mod file_descriptor_leak;
    pub mod memory_leak;
    pub mod memory_pressure;
    pub mod noisy_neighbour;
    pub mod resource_starvation;
    pub mod thread_pool_exhaustion;
}

pub mod reliability {
    //! Scenarios of how a fleet fails as a whole: bad instances, bad pushes, herds, queues.
    pub mod bad_config_push;
    pub mod gray_failure;
    pub mod hot_partition;
    pub mod poison_message;
    pub mod rebalance_storm;
    pub mod thundering_herd_restart;
}

pub mod concurrency {
    //! Scenarios where concurrent requests interfere: conflicts, lost updates, ordering.
    pub mod async_callback_storm;
    pub mod double_write;
    pub mod event_ordering_violation;
    pub mod optimistic_locking_collision;
    pub mod phantom_read;
}

pub mod consistency {
    //! Scenarios where data is wrong rather than slow.
    pub mod lock_contention;
    pub mod stale_read;
}

pub mod caching {
    //! Scenarios in the cache: stampedes, stale or missing entries.
    pub mod cache_invalidation_race;
    pub mod cache_stampede;
    pub mod cache_warming_failure;
    pub mod read_through_cache_failure;
    pub mod write_behind_cache_lag;
}

pub mod network {
    //! Scenarios in the network between parts.
    pub mod clock_skew;
    pub mod cross_zone_outage;
    pub mod network_degradation;
    pub mod network_partition;
}

pub mod latency {
    //! Scenarios that add time to the request path.
    pub mod fixed_latency;
    pub mod slow_start;
    pub mod tail_latency;
    pub mod timeout_too_long;
    pub mod timeout_too_short;
    pub mod variable_latency;
}

pub mod http {
    //! Scenarios a client sees as an HTTP status: 5xx from the service or its upstreams, 429s.
    pub mod backpressure_503;
    pub mod bad_gateway_502;
    pub mod client_disconnect_499;
    pub mod intermittent_5xx;
    pub mod rate_limit_429;
}

pub mod api {
    //! Scenarios at the edges between services: names, quotas, contracts.
    pub mod api_version_mismatch;
    pub mod certificate_expiry;
    pub mod dns_resolution_failure;
    pub mod partial_response;
    pub mod rate_limit;
    pub mod stale_dns_failover;
    pub mod timeout_cascade;
}

pub mod performance {
    //! Trade-offs between two ways of doing the same work: algorithms, formats, I/O,
    //! loading and caching strategies, each side's cost modelled and switchable live.
    pub mod async_vs_sync_io;
    pub mod batch_vs_single;
    pub mod binary_search_vs_linear;
    pub mod caching_layers;
    pub mod compression_tradeoffs;
    pub mod eager_vs_lazy_loading;
    pub(crate) mod encoding;
    pub mod hashmap_vs_treemap;
    pub mod json_vs_protobuf;
    pub mod pagination_strategies;
    pub mod sorting_algorithms;
}

pub mod security {
    //! Scenarios of the security layer: access control, hostile input, audit, personal data.
    pub mod audit_log_failure;
    pub mod auth_bypass;
    pub mod compliance_violation;
    pub mod csrf_attack;
    pub mod data_breach;
    pub mod encryption_overhead;
    pub mod pii_leak;
    pub mod sql_injection;
}

pub mod mobile {
    //! Scenarios of a mobile client population: networks, radios, offline sync, the app's life.
    pub mod app_background_kill;
    pub mod bandwidth_limit_3g;
    pub mod battery_drain;
    pub mod cellular_vs_wifi;
    pub mod flaky_mobile_network;
    pub mod mobile_timeout;
    pub mod offline_first_sync;
    pub mod poor_cellular_signal;
}

/// The catalogue of scenarios, in display order.
pub static ALL: &[&ScenarioMeta] = &[
    &latency::fixed_latency::META,
    &errors::error_burst::META,
    &resilience::retry_storm::META,
    &consistency::stale_read::META,
    &consistency::lock_contention::META,
    &resources::memory_leak::META,
    &resources::disk_full::META,
    &network::network_partition::META,
    &network::clock_skew::META,
    &resources::resource_starvation::META,
    &database::missing_index::META,
    &database::slow_db_query::META,
    &resources::cpu_spike::META,
    &resources::algorithmic_degradation::META,
    &resilience::circuit_breaker::META,
    &caching::cache_stampede::META,
    &database::connection_pool_exhaustion::META,
    &latency::variable_latency::META,
    &latency::timeout_too_long::META,
    &http::intermittent_5xx::META,
    &http::bad_gateway_502::META,
    &http::backpressure_503::META,
    &resources::thread_pool_exhaustion::META,
    &resources::memory_pressure::META,
    &database::long_running_transaction::META,
    &api::dns_resolution_failure::META,
    &http::rate_limit_429::META,
    &latency::slow_start::META,
    &latency::timeout_too_short::META,
    &api::rate_limit::META,
    &database::connection_leak::META,
    &caching::read_through_cache_failure::META,
    &latency::tail_latency::META,
    &http::client_disconnect_499::META,
    &concurrency::optimistic_locking_collision::META,
    &database::n_plus_one_query::META,
    &caching::cache_warming_failure::META,
    &caching::cache_invalidation_race::META,
    &database::deadlock::META,
    &concurrency::double_write::META,
    &concurrency::phantom_read::META,
    &caching::write_behind_cache_lag::META,
    &concurrency::event_ordering_violation::META,
    &concurrency::async_callback_storm::META,
    &api::timeout_cascade::META,
    &api::partial_response::META,
    &api::api_version_mismatch::META,
    &resources::file_descriptor_leak::META,
    &resources::disk_io_saturation::META,
    &resources::bandwidth_limit::META,
    &network::network_degradation::META,
    &event_sourcing::event_replay_lag::META,
    &event_sourcing::saga_compensation_failure::META,
    &event_sourcing::event_ordering_issue::META,
    &event_sourcing::snapshot_corruption::META,
    &event_sourcing::duplicate_delivery::META,
    &event_sourcing::dual_write::META,
    &cost::data_transfer_costs::META,
    &cost::over_provisioned_resources::META,
    &cost::cold_start::META,
    &performance::binary_search_vs_linear::META,
    &performance::hashmap_vs_treemap::META,
    &performance::sorting_algorithms::META,
    &performance::json_vs_protobuf::META,
    &performance::compression_tradeoffs::META,
    &performance::async_vs_sync_io::META,
    &performance::batch_vs_single::META,
    &performance::eager_vs_lazy_loading::META,
    &performance::pagination_strategies::META,
    &performance::caching_layers::META,
    &cost::oversized_response::META,
    &cost::uncompressed_payload::META,
    &cost::inefficient_serialization::META,
    &cost::unnecessary_polling::META,
    &cost::idle_connection::META,
    &api::certificate_expiry::META,
    &reliability::gray_failure::META,
    &reliability::bad_config_push::META,
    &resources::noisy_neighbour::META,
    &reliability::poison_message::META,
    &reliability::rebalance_storm::META,
    &reliability::hot_partition::META,
    &reliability::thundering_herd_restart::META,
    &database::split_brain::META,
    &network::cross_zone_outage::META,
    &ml::model_serving_cold_start::META,
    &ml::inference_timeout::META,
    &ml::feature_store_lag::META,
    &ml::gpu_contention::META,
    &ml::model_version_mismatch::META,
    &ml::batch_inference_delay::META,
    &ml::feature_drift::META,
    &ml::model_memory_oom::META,
    &security::auth_bypass::META,
    &security::sql_injection::META,
    &security::pii_leak::META,
    &security::audit_log_failure::META,
    &security::encryption_overhead::META,
    &security::csrf_attack::META,
    &security::data_breach::META,
    &security::compliance_violation::META,
    &api::stale_dns_failover::META,
    &mobile::flaky_mobile_network::META,
    &mobile::battery_drain::META,
    &mobile::offline_first_sync::META,
    &mobile::bandwidth_limit_3g::META,
    &mobile::mobile_timeout::META,
    &mobile::cellular_vs_wifi::META,
    &mobile::app_background_kill::META,
    &mobile::poor_cellular_signal::META,
];
