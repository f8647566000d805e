//! # Eager vs lazy loading
//!
//! A product has `relations` related collections (variants, images, reviews, …) of
//! `rows_per_relation` rows each, and the page being built uses only some of them —
//! `used` on average (each relation is used with probability `used`/`relations`). With
//! eager loading (`loading = eager`) the ORM fetches everything in one query with joins:
//! one round trip, but every related row is read and turned into an object. With lazy
//! loading (`lazy`) it fetches the product, then each relation the code touches in its
//! own query: only the rows used, but a round trip each. The cost of a read is
//! round trips × `round_trip_ms` + rows × `row_ms`.
//!
//! At the defaults (8 relations of 25 rows, 2 used, 0.5 ms round trips, 0.02 ms per row)
//! eager costs 0.5 + 200 × 0.02 = 4.5 ms and lazy about 0.52 + 2 × (0.5 + 0.5) = 2.5 ms.
//! Eager wastes work on rows nobody shows; lazy turns into the N+1 query when the page
//! uses everything: with `used` = 8 lazy costs 8.5 ms against eager's 4.5 ms. Neither
//! is right for every page.
//!
//! ```text
//!   eager: SELECT product JOIN variants JOIN images JOIN …    1 query, 201 rows
//!   lazy:  SELECT product; SELECT variants; SELECT reviews     1 + used queries, 1 + 25·used rows
//! ```
//!
//! ## What to look at
//! - `orm_queries_total{loading}` and `orm_rows_loaded_total{loading}`: both registered;
//!   eager loads 201 rows in 1 query per read, lazy about 51 rows in 3 queries.
//! - `db_query_duration_seconds{query_type="read"}`: the read's time, which decides the
//!   connection's hold time and the product latency.
//!
//! ## How to fix it
//! Load what the page uses: eager-load the relations every caller needs (a join, or
//! one `IN (…)` query per relation), lazy-load the rare ones, and measure queries and
//! rows per request in tests. Where the defaults come from: a round trip within a
//! datacenter is 0.5 ms ("Latency numbers every programmer should know"); 0.02 ms to
//! read and map a row, and the shape of the product, are assumptions to set to your own.

use crate::metrics::{CounterId, MetricSpec, Registry};
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{no_check, Component, Effect, Hop, Scenario, ScenarioMeta, StrikeCx};
use crate::time::ms_to_ns;

const SIDES: [&str; 2] = ["eager", "lazy"];
const PRODUCT: &str = "GET /product";

const QUERIES: MetricSpec = MetricSpec::counter(
    "orm_queries_total",
    "Queries the ORM issued to load products and their relations, by loading strategy.",
    &["loading"],
);
const ROWS: MetricSpec = MetricSpec::counter(
    "orm_rows_loaded_total",
    "Rows the ORM read and mapped to objects, by loading strategy.",
    &["loading"],
);

pub static META: ScenarioMeta = ScenarioMeta {
    id: "eager-vs-lazy-loading",
    title: "Eager vs lazy loading",
    category: "performance",
    kind: crate::scenario::FaultKind::Slow,
    summary: "A product read loads every relation in one query (eager) or each used one in its own query (lazy): rows against round trips.",
    source: crate::doc_of!("scenarios/performance/eager_vs_lazy_loading.rs"),
    own_params: &[
        ParamSpec::choice("loading", "eager", &SIDES, "Load every relation up front, or each when first used."),
        ParamSpec::int("relations", "relations", 8, 1, 1000, "Related collections of a product."),
        ParamSpec::int("rows_per_relation", "rows", 25, 0, 100_000, "Rows in each related collection."),
        ParamSpec::float("used", "relations", 2.0, 0.0, 1000.0, "Relations a page uses on average (at most `relations`)."),
        ParamSpec::float("round_trip_ms", "ms", 0.5, 0.0, 60_000.0, "Time of one query's round trip."),
        ParamSpec::float("row_ms", "ms", 0.02, 0.0, 60_000.0, "Time to read and map one row."),
    ],
    metrics: &[QUERIES, ROWS],
    strikes: &[Component::Database],
    mitigations: &[],
    build: || Box::new(Loading::default()),
    check: no_check,
};

#[derive(Default)]
struct Loading {
    lazy: bool,
    relations: u64,
    rows: u64,
    p_used: f64,
    round_trip_ns: u64,
    row_ns: u64,
    queries: [Option<CounterId>; 2],
    loaded: [Option<CounterId>; 2],
}

impl Scenario for Loading {
    fn configure(&mut self, params: &ParamSet, metrics: &mut Registry) {
        self.lazy = params.choice("loading") == "lazy";
        self.relations = u64::try_from(params.i64("relations")).unwrap_or(1).max(1);
        self.rows = u64::try_from(params.i64("rows_per_relation")).unwrap_or(0);
        self.p_used = (params.f64("used") / self.relations as f64).clamp(0.0, 1.0);
        self.round_trip_ns = ms_to_ns(params.f64("round_trip_ms"));
        self.row_ns = ms_to_ns(params.f64("row_ms"));
        for (i, side) in SIDES.into_iter().enumerate() {
            self.queries[i] = Some(metrics.counter(&QUERIES, &[side]));
            self.loaded[i] = Some(metrics.counter(&ROWS, &[side]));
        }
    }

    fn strike(&mut self, cx: &mut StrikeCx<'_>, hop: &Hop) -> Effect {
        if hop.endpoint != PRODUCT {
            return Effect::NONE;
        }
        let (queries, rows) = if self.lazy {
            let used = (0..self.relations)
                .filter(|_| cx.rng.chance(self.p_used))
                .count() as u64;
            (1 + used, 1 + used * self.rows)
        } else {
            (1, 1 + self.relations * self.rows)
        };
        let side = usize::from(self.lazy);
        if let (Some(q), Some(r)) = (self.queries[side], self.loaded[side]) {
            cx.metrics.add(q, queries as f64);
            cx.metrics.add(r, rows as f64);
        }
        let ns = queries
            .saturating_mul(self.round_trip_ns)
            .saturating_add(rows.saturating_mul(self.row_ns));
        Effect::delay(ns)
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;

    const ID: &str = "eager-vs-lazy-loading";

    fn read_p50(lab: &crate::sim::Lab) -> f64 {
        quantile_where(lab, "db_query_duration_seconds", "read", 0.5)
    }

    fn by(lab: &crate::sim::Lab, name: &str, loading: &str) -> f64 {
        lab.metrics()
            .family_total_where(name, |_, v| v[0] == loading)
    }

    fn with(seed: u64, loading: &str, used: &str) -> crate::sim::Lab {
        let sets = [
            ("eager-vs-lazy-loading.loading", loading),
            ("eager-vs-lazy-loading.used", used),
        ];
        run(&config("web", seed, &[ID], &sets), 60)
    }

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("web", 2171, &[], &[]), 30);
        assert!(!registered(&off, "orm_queries_total"));
        let on = run(&config("web", 2171, &[ID], &[]), 30);
        let q = by(&on, "orm_queries_total", "eager");
        assert!(q > 500.0, "{q}");
        assert_eq!(by(&on, "orm_rows_loaded_total", "eager"), 201.0 * q);
        assert_eq!(by(&on, "orm_queries_total", "lazy"), 0.0);
        let lazy = run(
            &config(
                "web",
                2171,
                &[ID],
                &[("eager-vs-lazy-loading.loading", "lazy")],
            ),
            30,
        );
        let per = by(&lazy, "orm_queries_total", "lazy")
            / lazy.metrics().family_total("cache_backend_queries_total");
        assert!((2.8..3.2).contains(&per), "1 + 2 queries per read: {per}");
    }

    #[test]
    fn symptom_appears() {
        let off = run(&config("web", 2172, &[], &[]), 60);
        let eager = run(&config("web", 2172, &[ID], &[]), 60);
        assert!(
            read_p50(&eager) > read_p50(&off) + 0.003,
            "read p50 {} → {}",
            read_p50(&off),
            read_p50(&eager)
        );
        // Lazy loading with every relation used is the N+1 query: worse than eager.
        let (e, l) = (
            read_p50(&with(2172, "eager", "8")),
            read_p50(&with(2172, "lazy", "8")),
        );
        assert!(l > e + 0.003, "all used: eager {e}, lazy {l}");
    }

    #[test]
    fn mitigation_reduces_symptom() {
        // Two of eight relations used: lazy reads a quarter of the rows, 2 ms sooner.
        let eager = with(2173, "eager", "2");
        let lazy = with(2173, "lazy", "2");
        assert!(
            read_p50(&lazy) < read_p50(&eager) - 0.0012,
            "read p50 {} → {}",
            read_p50(&eager),
            read_p50(&lazy)
        );
        let rows = |lab, s| by(lab, "orm_rows_loaded_total", s) / by(lab, "orm_queries_total", s);
        assert!(rows(&lazy, "lazy") < rows(&eager, "eager") * 0.2);
        // The price: more queries per read.
        let q = |lab: &crate::sim::Lab, s| by(lab, "orm_queries_total", s);
        assert!(q(&lazy, "lazy") > 2.5 * q(&eager, "eager"));
    }
}
