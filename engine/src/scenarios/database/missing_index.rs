//! # Missing index
//!
//! The product lookup runs without an index (it was dropped in a migration, or a new
//! filter column never got one). Every read scans the whole table, so its cost is
//! proportional to the table's size: `table_rows`, growing by `growth_rows_per_s` as
//! the catalogue grows. At first it is merely slower; as the table grows, reads hold
//! their database connections longer until the pool and then the service queue up.
//!
//! ```text
//!   GET /product ──miss──▶ SELECT … WHERE sku = ?  ──▶ [ scan ▇▇▇▇▇▇▇▇ all rows ]
//!                                                       cost ∝ table size
//! ```
//!
//! ## What to look at
//! - `db_rows_scanned_total` and `db_table_rows`: rows read per query ≈ table size.
//! - `db_query_duration_seconds{query_type="read"}` rising with the table, then
//!   `db_pool_wait_seconds` and latency.
//! - The slow span is `SELECT product` in the trace waterfall.
//!
//! ## How to fix it
//! `add-index`: the query then reads one row whatever the table size. Find such queries
//! with the database's slow-query log or `EXPLAIN` (a sequential scan on a large table).

use crate::metrics::{GaugeId, MetricSpec, Registry};
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{
    no_check, Component, DatabaseEffect, Effect, Hop, Scenario, ScenarioMeta, StrikeCx,
};
use crate::systems::web::metrics::DB_ROWS_SCANNED;
use crate::time::{ns_to_secs, Nanos};

const TABLE_ROWS: MetricSpec =
    MetricSpec::gauge("db_table_rows", "Rows in the products table.", &["table"]);

pub static META: ScenarioMeta = ScenarioMeta {
    id: "missing-index",
    title: "Missing index",
    category: "database",
    kind: crate::scenario::FaultKind::Slow,
    summary: "Product reads scan the whole table; they slow down as the table grows.",
    source: crate::doc_of!("scenarios/database/missing_index.rs"),
    own_params: &[
        ParamSpec::float(
            "table_rows",
            "rows",
            200_000.0,
            0.0,
            1e10,
            "Rows in the table when the scenario starts.",
        ),
        ParamSpec::float(
            "growth_rows_per_s",
            "rows/s",
            5_000.0,
            0.0,
            1e9,
            "Rows added per second.",
        ),
    ],
    metrics: &[DB_ROWS_SCANNED, TABLE_ROWS],
    strikes: &[Component::Database],
    mitigations: &["add-index"],
    build: || Box::new(MissingIndex::default()),
    check: no_check,
};

#[derive(Default)]
struct MissingIndex {
    rows: f64,
    growth: f64,
    since: Nanos,
    now: Nanos,
    gauge: Option<GaugeId>,
}

impl MissingIndex {
    fn rows_at(&self, now: Nanos) -> f64 {
        self.rows + self.growth * ns_to_secs(now.saturating_sub(self.since))
    }
}

impl Scenario for MissingIndex {
    fn configure(&mut self, params: &ParamSet, metrics: &mut Registry) {
        self.rows = params.f64("table_rows");
        self.growth = params.f64("growth_rows_per_s");
        self.gauge = Some(metrics.gauge(&TABLE_ROWS, &["products"]));
    }

    fn strike(&mut self, cx: &mut StrikeCx<'_>, hop: &Hop) -> Effect {
        self.since = cx.active_since;
        self.now = cx.now;
        if hop.endpoint != "GET /product" {
            return Effect::NONE;
        }
        Effect::on_database(DatabaseEffect {
            scan_rows: self.rows_at(cx.now) as u64,
            ..DatabaseEffect::NONE
        })
    }

    fn on_sample(&mut self, metrics: &mut Registry, active: bool) {
        if let (Some(g), true) = (self.gauge, active) {
            metrics.set(g, self.rows_at(self.now));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;

    fn read_p99(lab: &crate::sim::Lab) -> f64 {
        quantile_where(lab, "db_query_duration_seconds", "read", 0.99)
    }

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("web", 91, &[], &[]), 30);
        assert!(!registered(&off, "db_rows_scanned_total"));
        let on = run(&config("web", 91, &["missing-index"], &[]), 30);
        assert!(total(&on, "db_rows_scanned_total") > 1e8);
        assert!(total(&on, "db_table_rows") > 300_000.0);
    }

    #[test]
    fn symptom_appears() {
        // Read cost follows the table: 200k rows ≈ 10 ms more, 700k rows ≈ 35 ms more.
        let early = read_p99(&run(&config("web", 92, &["missing-index"], &[]), 10));
        let late = read_p99(&run(&config("web", 92, &["missing-index"], &[]), 100));
        let base = read_p99(&run(&config("web", 92, &[], &[]), 100));
        assert!(early > base + 0.008, "reads {base} → {early} at 250k rows");
        assert!(
            late > early + 0.015,
            "reads {early} → {late} as the table grows to 700k rows"
        );
    }

    #[test]
    fn mitigation_reduces_symptom() {
        let slow = run(&config("web", 93, &["missing-index"], &[]), 100);
        let indexed = run(
            &config("web", 93, &["missing-index", "add-index"], &[]),
            100,
        );
        assert!(
            read_p99(&indexed) < read_p99(&slow) * 0.5,
            "{} → {}",
            read_p99(&slow),
            read_p99(&indexed)
        );
        assert_eq!(total(&indexed, "db_rows_scanned_total"), 0.0);
    }
}
