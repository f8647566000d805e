//! # Add an index
//!
//! Create the index the slow query needs. Without it, the database reads every row of
//! the table to find the few it wants (a full table scan), so the query gets slower as
//! the table grows; with it, the query reads only the matching rows and its time no
//! longer depends on the table's size.
//!
//! ```text
//!   SELECT … WHERE sku = ?   no index: scan 1,000,000 rows (grows with the table)
//!                            index on sku: read 1 row
//! ```
//!
//! ## What to look at
//! - `db_rows_scanned_total` stops growing.
//! - `db_query_duration_seconds` drops back to its normal level, and the database
//!   connection pool empties.

use crate::mitigation::MitigationMeta;
use crate::scenario::Component;
use crate::systems::web::metrics::{DB_QUERY_DURATION, DB_ROWS_SCANNED};

pub static META: MitigationMeta = MitigationMeta {
    id: "add-index",
    title: "Add an index",
    category: "database",
    summary: "Index the column the slow query filters on: no more full table scans.",
    source: crate::doc_of!("mitigations/add_index.rs"),
    params: &[],
    metrics: &[DB_ROWS_SCANNED, DB_QUERY_DURATION],
    acts_on: &[Component::Database],
};
