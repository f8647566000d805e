//! # Pagination strategies
//!
//! Product reads page through a long list, `page_size` rows a page; how deep a reader
//! goes varies (page p uniform from 1 to 2·`page_depth` − 1, so `page_depth` on
//! average). With `strategy = offset` the query is `… ORDER BY id LIMIT 20 OFFSET
//! (p−1)·20`: the database reads every row before the page and throws it away, so the
//! rows read grow with the page number — page 5 000 reads 100 000 rows to return 20.
//! With `keyset` (the "seek method") it is `… WHERE id > :last_seen ORDER BY id LIMIT
//! 20`: the index jumps straight to the page and reads its 20 rows, whatever the depth.
//! Doubling the depth doubles offset's rows read and leaves keyset's alone.
//!
//! Offset's rows are read at the system's `scan_ns_per_row` (50 ns): at the defaults (20
//! rows a page, page 2 500 on average) about 50 000 rows, 2.5 ms added to every read
//! that reaches the database. (The lab's `add-index` switch removes all scan costs,
//! which is not what an index does for `OFFSET`: leave it off here.)
//!
//! ```text
//!   offset: [skip skip skip … skip skip | page ]   reads offset + 20 rows   O(depth)
//!   keyset: index ─seek─▶ [ page ]                  reads 20 rows            O(1)
//! ```
//!
//! ## What to look at
//! - `db_rows_scanned_total`: the rows offset reads and discards.
//! - `pagination_rows_read_total{strategy}` over `pagination_queries_total{strategy}`:
//!   rows read per page query, both strategies registered — about 50 000 against 20.
//! - `db_query_duration_seconds{query_type="read"}`: the read's time.
//!
//! ## How to fix it
//! Use keyset pagination (pass the last key seen, not a page number), or cap how deep
//! offset paging may go. Where the defaults come from: the mechanism and its linear
//! cost are Markus Winand's "Use The Index, Luke" ("Paging Through Results"; "no
//! offset"); 50 ns per row is the lab's `scan_ns_per_row`; the depth is an assumption —
//! set it to your deepest pages (crawlers and exports go deepest).

use crate::metrics::{CounterId, MetricSpec, Registry};
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{
    no_check, Component, DatabaseEffect, Effect, Hop, Scenario, ScenarioMeta, StrikeCx,
};
use crate::systems::web::metrics::DB_ROWS_SCANNED;

const SIDES: [&str; 2] = ["offset", "keyset"];
const PRODUCT: &str = "GET /product";

const QUERIES: MetricSpec = MetricSpec::counter(
    "pagination_queries_total",
    "Page queries, by pagination strategy.",
    &["strategy"],
);
const ROWS: MetricSpec = MetricSpec::counter(
    "pagination_rows_read_total",
    "Rows the database read for page queries (skipped and returned), by strategy.",
    &["strategy"],
);

pub static META: ScenarioMeta = ScenarioMeta {
    id: "pagination-strategies",
    title: "Pagination strategies",
    category: "performance",
    kind: crate::scenario::FaultKind::Slow,
    summary: "Paged reads with OFFSET read every row before the page (cost grows with depth); keyset reads only the page.",
    source: crate::doc_of!("scenarios/performance/pagination_strategies.rs"),
    own_params: &[
        ParamSpec::choice("strategy", "offset", &SIDES, "LIMIT … OFFSET, or WHERE key > last seen."),
        ParamSpec::int("page_size", "rows", 20, 1, 100_000, "Rows in a page."),
        ParamSpec::int("page_depth", "pages", 2500, 1, 10_000_000, "Mean page number read (uniform from 1 to twice this)."),
    ],
    metrics: &[DB_ROWS_SCANNED, QUERIES, ROWS],
    strikes: &[Component::Database],
    mitigations: &[],
    build: || Box::new(Paging::default()),
    check: no_check,
};

/// Rows read for page `p` (from 1): offset reads the pages before it too.
pub fn rows_read(keyset: bool, page: u64, size: u64) -> u64 {
    if keyset {
        size
    } else {
        page.max(1).saturating_mul(size)
    }
}

#[derive(Default)]
struct Paging {
    keyset: bool,
    size: u64,
    depth: u64,
    queries: [Option<CounterId>; 2],
    rows: [Option<CounterId>; 2],
}

impl Scenario for Paging {
    fn configure(&mut self, params: &ParamSet, metrics: &mut Registry) {
        self.keyset = params.choice("strategy") == "keyset";
        self.size = u64::try_from(params.i64("page_size")).unwrap_or(1).max(1);
        self.depth = u64::try_from(params.i64("page_depth")).unwrap_or(1).max(1);
        metrics.counter(&DB_ROWS_SCANNED, &["read"]);
        for (i, side) in SIDES.into_iter().enumerate() {
            self.queries[i] = Some(metrics.counter(&QUERIES, &[side]));
            self.rows[i] = Some(metrics.counter(&ROWS, &[side]));
        }
    }

    fn strike(&mut self, cx: &mut StrikeCx<'_>, hop: &Hop) -> Effect {
        if hop.endpoint != PRODUCT {
            return Effect::NONE;
        }
        let page = 1 + cx.rng.below(2 * self.depth - 1);
        let rows = rows_read(self.keyset, page, self.size);
        let side = usize::from(self.keyset);
        if let (Some(q), Some(r)) = (self.queries[side], self.rows[side]) {
            cx.metrics.inc(q);
            cx.metrics.add(r, rows as f64);
        }
        if self.keyset {
            return Effect::NONE;
        }
        Effect::on_database(DatabaseEffect {
            scan_rows: rows,
            ..DatabaseEffect::NONE
        })
    }
}

#[cfg(test)]
mod tests {
    use super::rows_read;
    use crate::testkit::*;

    const ID: &str = "pagination-strategies";

    fn per_query(lab: &crate::sim::Lab, s: &str) -> f64 {
        let m = lab.metrics();
        m.family_total_where("pagination_rows_read_total", |_, v| v[0] == s)
            / m.family_total_where("pagination_queries_total", |_, v| v[0] == s)
    }

    fn read_p50(lab: &crate::sim::Lab) -> f64 {
        quantile_where(lab, "db_query_duration_seconds", "read", 0.5)
    }

    fn with(seed: u64, strategy: &str, depth: &str) -> crate::sim::Lab {
        let sets = [
            ("pagination-strategies.strategy", strategy),
            ("pagination-strategies.page_depth", depth),
        ];
        run(&config("web", seed, &[ID], &sets), 60)
    }

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("web", 2181, &[], &[]), 30);
        assert!(!registered(&off, "pagination_queries_total"));
        assert!(!registered(&off, "db_rows_scanned_total"));
        let on = run(&config("web", 2181, &[ID], &[]), 30);
        let per = per_query(&on, "offset");
        assert!(
            (46_000.0..54_000.0).contains(&per),
            "≈ 2500 × 20 rows: {per}"
        );
        let scanned = total(&on, "db_rows_scanned_total");
        let read = on
            .metrics()
            .family_total_where("pagination_rows_read_total", |_, v| v[0] == "offset");
        assert_eq!(scanned, read);
        let text = on.prometheus_text();
        assert!(text.contains("pagination_queries_total{strategy=\"keyset\"} 0"));
    }

    #[test]
    fn symptom_appears() {
        // Offset's cost grows with depth: doubling the depth doubles the rows read.
        assert_eq!(rows_read(false, 2000, 20), 2 * rows_read(false, 1000, 20));
        assert_eq!(rows_read(true, 2000, 20), rows_read(true, 1000, 20));
        let (d1, d2) = (with(2182, "offset", "2500"), with(2182, "offset", "5000"));
        let ratio = per_query(&d2, "offset") / per_query(&d1, "offset");
        assert!((1.85..2.15).contains(&ratio), "depth ×2 → rows ×{ratio}");
        let off = run(&config("web", 2182, &[], &[]), 60);
        assert!(
            read_p50(&d1) > read_p50(&off) + 0.0015,
            "read p50 {} → {}",
            read_p50(&off),
            read_p50(&d1)
        );
        assert!(
            read_p50(&d2) > read_p50(&d1) + 0.0015,
            "deeper: {} → {}",
            read_p50(&d1),
            read_p50(&d2)
        );
    }

    #[test]
    fn mitigation_reduces_symptom() {
        let off = run(&config("web", 2183, &[], &[]), 60);
        let offset = with(2183, "offset", "5000");
        let keyset = with(2183, "keyset", "5000");
        let (o, k, b) = (read_p50(&offset), read_p50(&keyset), read_p50(&off));
        assert!(
            k - b < (o - b) * 0.2,
            "read p50 {b}: offset {o}, keyset {k}"
        );
        assert_eq!(
            per_query(&keyset, "keyset"),
            20.0,
            "constant, whatever the depth"
        );
        assert_eq!(total(&keyset, "db_rows_scanned_total"), 0.0);
    }
}
