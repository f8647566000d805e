//! # Deadline propagation
//!
//! Each call carries the caller's deadline (like gRPC's `grpc-timeout` header) down the
//! chain. A service calling the next one uses the smaller of its own timeout and the time
//! its caller has left, and starts no attempt, retry or work once the deadline has
//! passed. Timeouts are budgeted automatically: inner < outer, always.
//!
//! ```text
//!   api ──deadline t+1 s──▶ payment ──min(3 s, time left)──▶ ledger
//!                              └── t+1 s passed: stop, no retry
//! ```
//!
//! ## What to look at
//! - `chain_calls_after_deadline_total` drops to zero and
//!   `chain_wasted_work_seconds_total` falls: nobody works for a caller that left.
//! - `chain_calls_total{service="ledger"}` falls: fewer retries pile onto a slow service.

use crate::mitigation::MitigationMeta;
use crate::scenario::Component;
use crate::systems::web::metrics::{CHAIN_AFTER_DEADLINE, CHAIN_WASTED};

pub static META: MitigationMeta = MitigationMeta {
    id: "deadline-propagation",
    title: "Deadline propagation",
    category: "resilience",
    summary: "Pass the caller's deadline down the chain; inner calls never outlive it.",
    source: crate::doc_of!("mitigations/deadline_propagation.rs"),
    params: &[],
    metrics: &[CHAIN_AFTER_DEADLINE, CHAIN_WASTED],
    acts_on: &[Component::Dependency],
};
