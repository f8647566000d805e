//! # Lock ordering
//!
//! Every transaction that locks several rows locks them in one global order (here: by
//! primary key, lowest first). Two transactions can still wait for each other, but never
//! in a circle: whoever holds the lower row finishes, so the database never has to
//! abort a deadlock victim.
//!
//! ```text
//!   tx A: lock 3 ─ lock 7 ✓            tx A: lock 3 ─ lock 7
//!   tx B: lock 7 ─ lock 3 ✗ deadlock   tx B: lock 3 (waits for A) ─ lock 7 ✓
//! ```
//!
//! ## What to look at
//! - `db_deadlock_total` stays flat; `db_transaction_retries_total` no longer grows with
//!   the deadlocks.
//! - `db_lock_wait_seconds` remains: ordering removes the cycles, not the contention.

use crate::mitigation::MitigationMeta;
use crate::scenario::Component;
use crate::systems::web::metrics::{DB_DEADLOCKS, DB_LOCK_WAIT};

pub static META: MitigationMeta = MitigationMeta {
    id: "lock-ordering",
    title: "Consistent lock ordering",
    category: "concurrency",
    summary:
        "Lock the rows a transaction needs in one global order, so lock waits never form a cycle.",
    source: crate::doc_of!("mitigations/lock_ordering.rs"),
    params: &[],
    metrics: &[DB_DEADLOCKS, DB_LOCK_WAIT],
    acts_on: &[Component::Database],
};
