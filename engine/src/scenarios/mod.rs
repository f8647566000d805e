//! Every scenario, one file each under a folder per category, collected in `ALL`.
//! Adding a scenario is adding a file and a line here; the catalogue tests walk `ALL`.

use crate::scenario::ScenarioMeta;

pub mod errors {
    //! Scenarios that make requests fail.
    pub mod error_burst;
}

pub mod resilience {
    //! Scenarios about how parts of a system react to each other's failures.
    pub mod retry_storm;
}

pub mod database {
    //! Scenarios in the database: slow queries, pools, locks.
    pub mod slow_db_query;
}

pub mod latency {
    //! Scenarios that add time to the request path.
    pub mod fixed_latency;
}

/// The catalogue of scenarios, in display order.
pub static ALL: &[&ScenarioMeta] = &[
    &latency::fixed_latency::META,
    &errors::error_burst::META,
    &resilience::retry_storm::META,
    &database::slow_db_query::META,
];
