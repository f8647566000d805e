//! # N+1 query
//!
//! The product page's code loads a product, then loops over its `items` related rows
//! (variants, reviews, images) and loads each with its own query — the ORM's lazy
//! loading does it silently. One read becomes 1 + N queries, each a full round trip to
//! the database with its own parse, plan and network time (`per_query_ms`). On a small
//! development data set N is 2 and nobody notices; in production N is 20 or 200, and the
//! read holds its database connection for N round trips.
//!
//! ```text
//!   GET /product ──▶ SELECT * FROM product WHERE id = ?            (1)
//!                    SELECT * FROM variant WHERE id = ?  ×N        (N)
//!                    ────────────────────────────────────────────
//!                    1 + N round trips, connection held all along
//! ```
//!
//! ## What to look at
//! - `db_queries_per_request{endpoint}`: 1 + N per product read that reaches the
//!   database (cache hits issue none).
//! - `db_query_count_total{query_type,scenario}`: queries per second far above requests
//!   per second — the tell-tale ratio.
//! - `db_query_duration_seconds{query_type="read"}` and `db_pool_in_use`: each read holds
//!   its connection N round trips long. A trace shows a comb of identical short spans.
//!
//! ## How to fix it
//! Load the related rows with the product: one `JOIN`, or one `WHERE id IN (…)` batch
//! (the ORM's eager loading, a DataLoader). No switch in the lab removes it; a cache in
//! front only hides it for the reads that hit. Watch queries per request in tests so a
//! new lazy relation is caught before production.

use crate::metrics::{CounterId, HistogramId, MetricSpec, Registry};
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{no_check, Component, Effect, Hop, Scenario, ScenarioMeta, StrikeCx};
use crate::time::{ms_to_ns, Nanos};

const PER_REQUEST: MetricSpec = MetricSpec::histogram(
    "db_queries_per_request",
    "Database queries one request issued, by endpoint.",
    &["endpoint"],
    &[1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0],
);
const QUERY_COUNT: MetricSpec = MetricSpec::counter(
    "db_query_count_total",
    "Database queries issued, by query type (parent, child) and the scenario that issued them.",
    &["query_type", "scenario"],
);

pub static META: ScenarioMeta = ScenarioMeta {
    id: "n-plus-one-query",
    title: "N+1 query",
    category: "database",
    kind: crate::scenario::FaultKind::Overloaded,
    summary:
        "Each product read issues one query plus one per related row: queries per request explode.",
    source: crate::doc_of!("scenarios/database/n_plus_one_query.rs"),
    own_params: &[
        ParamSpec::int(
            "items",
            "rows",
            20,
            0,
            10_000,
            "Related rows loaded one query each (N).",
        ),
        ParamSpec::float(
            "per_query_ms",
            "ms",
            1.0,
            0.0,
            60_000.0,
            "Time of one extra query, round trip included.",
        ),
    ],
    metrics: &[PER_REQUEST, QUERY_COUNT],
    strikes: &[Component::Database],
    mitigations: &[],
    build: || Box::new(NPlusOne::default()),
    check: no_check,
};

#[derive(Default)]
struct NPlusOne {
    items: u64,
    per_query_ns: Nanos,
    per_request: Option<HistogramId>,
    parent: Option<CounterId>,
    child: Option<CounterId>,
}

impl Scenario for NPlusOne {
    fn configure(&mut self, params: &ParamSet, metrics: &mut Registry) {
        self.items = u64::try_from(params.i64("items")).unwrap_or(0);
        self.per_query_ns = ms_to_ns(params.f64("per_query_ms"));
        self.per_request = Some(metrics.histogram(&PER_REQUEST, &["GET /product"]));
        self.parent = Some(metrics.counter(&QUERY_COUNT, &["parent", META.id]));
        self.child = Some(metrics.counter(&QUERY_COUNT, &["child", META.id]));
    }

    fn strike(&mut self, cx: &mut StrikeCx<'_>, hop: &Hop) -> Effect {
        if hop.endpoint != "GET /product" {
            return Effect::NONE;
        }
        if let Some(h) = self.per_request {
            cx.metrics.observe(h, (1 + self.items) as f64);
        }
        if let Some(c) = self.parent {
            cx.metrics.inc(c);
        }
        if let Some(c) = self.child {
            cx.metrics.add(c, self.items as f64);
        }
        Effect::delay(self.per_query_ns.saturating_mul(self.items))
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;

    fn read_p50(lab: &crate::sim::Lab) -> f64 {
        quantile_where(lab, "db_query_duration_seconds", "read", 0.5)
    }

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("web", 551, &[], &[]), 30);
        assert!(!registered(&off, "db_query_count_total"));
        assert!(!registered(&off, "db_queries_per_request"));
        let on = run(&config("web", 551, &["n-plus-one-query"], &[]), 30);
        let queries = total(&on, "db_query_count_total");
        let reads = total(&on, "cache_backend_queries_total");
        assert!(reads > 1_000.0, "{reads}");
        assert!(
            (queries - 21.0 * reads).abs() < 21.0 * 50.0,
            "{queries} queries for {reads} reads"
        );
        let median = quantile_where(&on, "db_queries_per_request", "GET /product", 0.5);
        // 21 queries fall in the (20, 50] bucket.
        assert!((20.0..=50.0).contains(&median), "{median} queries per read");
    }

    #[test]
    fn symptom_appears() {
        // Twenty extra round trips of 1 ms each on every read that reaches the database.
        let base = read_p50(&run(&config("web", 552, &[], &[]), 60));
        let n1 = read_p50(&run(&config("web", 552, &["n-plus-one-query"], &[]), 60));
        assert!(n1 > base + 0.015, "read query p50 {base} → {n1}");
    }

    #[test]
    fn diagnosis_signal_identifies_it() {
        // Queries grow with N, requests do not: the ratio gives it away.
        let queries = |items: &str| {
            let lab = run(
                &config(
                    "web",
                    553,
                    &["n-plus-one-query"],
                    &[("n-plus-one-query.items", items)],
                ),
                30,
            );
            total(&lab, "db_query_count_total") / total(&lab, "cache_backend_queries_total")
        };
        let (small, large) = (queries("2"), queries("50"));
        assert!((small - 3.0).abs() < 0.1, "{small} queries per read at N=2");
        assert!(
            (large - 51.0).abs() < 1.0,
            "{large} queries per read at N=50"
        );
    }
}
