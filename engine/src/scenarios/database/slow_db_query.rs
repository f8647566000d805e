//! # Slow database query
//!
//! Database queries take longer than they should: a missing index after a migration, a
//! plan that flipped to a sequential scan, a table that outgrew its cache. Each affected
//! query gets `delay_ms` more and its own time multiplied by `work_factor`; `query_type`
//! narrows it to reads (`GET /product` cache misses) or writes (`POST /order`). The
//! query holds its pooled connection and the request's worker the whole time, so a slow
//! enough query also drains the connection pool and then the worker pool.
//!
//! ```text
//!   clients ──▶ load balancer ──▶ service ──▶ pool ──▶ [ database  +delay, ×work_factor ]
//!                                                        query_type = read | write | all
//! ```
//!
//! The system already reports every query's time as `db_query_duration_seconds{query_type}`;
//! a metric name has one label set, so the part this scenario adds is its own histogram,
//! `db_injected_query_delay_seconds{query_type}` (the `delay_ms` part; the `work_factor`
//! part shows in `db_query_duration_seconds` only).
//!
//! ## What to look at
//! - `db_query_duration_seconds{query_type}`: the affected query type's p50/p99 rise by
//!   about `delay_ms` (times `work_factor`).
//! - `db_injected_query_delay_seconds{query_type}`: what was injected, per query type.
//! - `http_request_duration_seconds`: the endpoint that runs the query slows down
//!   (`POST /order` for writes; `GET /product` only on cache misses, so reads show in
//!   p95/p99 first while the cache hides them from the median).
//! - `db_pool_in_use` and `db_pool_wait_seconds`: once query rate × query time passes the
//!   pool size, requests queue for a connection and the latency grows beyond the delay.
//! - `db_lock_wait_seconds`: a slow write holds its row lock longer, so writes to a hot
//!   row queue behind it and the write p99 grows by more than the delay.
//!
//! ## How to fix it
//! Find the query in the trace waterfall (the `postgres` span is long) and fix it: add the
//! index, rewrite the query, cache its result. Until then a database timeout
//! (`timeouts`, `db_timeout_ms`) bounds what a slow query costs: the request fails with
//! 504 instead of holding a connection and a worker for the whole query, so the pool and
//! the rest of the service stay healthy.
//! Mitigations: `timeouts`.

use crate::metrics::{HistogramId, MetricSpec, Registry, LATENCY_BUCKETS};
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{no_check, Component, Effect, Hop, Scenario, ScenarioMeta, StrikeCx};
use crate::time::{ms_to_ns, ns_to_secs, Nanos};

const INJECTED: MetricSpec = MetricSpec::histogram(
    "db_injected_query_delay_seconds",
    "Delay injected into database queries by the slow-db-query scenario, by query type.",
    &["query_type"],
    LATENCY_BUCKETS,
);

pub static META: ScenarioMeta = ScenarioMeta {
    id: "slow-db-query",
    title: "Slow database query",
    category: "database",
    kind: crate::scenario::FaultKind::Slow,
    summary: "Database queries take longer (a delay and a work factor), for one query type or all.",
    source: crate::doc_of!("scenarios/database/slow_db_query.rs"),
    own_params: &[
        ParamSpec::float(
            "delay_ms",
            "ms",
            200.0,
            0.0,
            60_000.0,
            "Time added to each affected query.",
        ),
        ParamSpec::float(
            "work_factor",
            "×",
            1.0,
            1.0,
            1000.0,
            "The query's own time is multiplied by this (a plan that reads more rows).",
        ),
        ParamSpec::choice(
            "query_type",
            "all",
            &["all", "read", "write"],
            "Which queries are slow: product reads, order writes, or both.",
        ),
        ParamSpec::float(
            "probability",
            "",
            1.0,
            0.0,
            1.0,
            "Share of the affected queries that are slow (1 = all).",
        ),
    ],
    metrics: &[INJECTED],
    strikes: &[Component::Database],
    mitigations: &["timeouts"],
    build: || Box::new(SlowDbQuery::default()),
    check: no_check,
};

/// Reads serve `GET` endpoints; everything else writes.
fn query_type(hop: &Hop) -> usize {
    usize::from(!hop.endpoint.starts_with("GET"))
}

const QUERY_TYPES: [&str; 2] = ["read", "write"];

#[derive(Default)]
struct SlowDbQuery {
    delay_ns: Nanos,
    work_factor: f64,
    /// Which of `QUERY_TYPES` are slowed.
    affected: [bool; 2],
    probability: f64,
    injected: [Option<HistogramId>; 2],
}

impl Scenario for SlowDbQuery {
    fn configure(&mut self, params: &ParamSet, metrics: &mut Registry) {
        self.delay_ns = ms_to_ns(params.f64("delay_ms"));
        self.work_factor = params.f64("work_factor").max(1.0);
        self.probability = params.f64("probability");
        self.affected = match params.choice("query_type") {
            "read" => [true, false],
            "write" => [false, true],
            _ => [true, true],
        };
        for (i, t) in QUERY_TYPES.iter().enumerate() {
            self.injected[i] = self.affected[i].then(|| metrics.histogram(&INJECTED, &[t]));
        }
    }

    fn strike(&mut self, cx: &mut StrikeCx<'_>, hop: &Hop) -> Effect {
        let t = query_type(hop);
        if !self.affected[t] || !cx.rng.chance(self.probability) {
            return Effect::NONE;
        }
        if let Some(h) = self.injected[t] {
            cx.metrics.observe(h, ns_to_secs(self.delay_ns));
        }
        Effect {
            delay_ns: self.delay_ns,
            work_factor: self.work_factor,
            ..Effect::NONE
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("web", 11, &[], &[]), 30);
        assert!(!registered(&off, "db_injected_query_delay_seconds"));
        let on = run(&config("web", 11, &["slow-db-query"], &[]), 30);
        let queries = total(&on, "db_query_duration_seconds");
        let injected = total(&on, "db_injected_query_delay_seconds");
        assert!(injected > 1000.0, "{injected} slowed queries");
        // Every query that started was slowed; a few are still running at the end.
        assert!(
            injected >= queries,
            "{injected} injected, {queries} finished"
        );
        let writes_only = run(
            &config(
                "web",
                11,
                &["slow-db-query"],
                &[("slow-db-query.query_type", "write")],
            ),
            30,
        );
        let reads = writes_only
            .metrics()
            .family_total_where("db_injected_query_delay_seconds", |_, v| v[0] == "read");
        assert_eq!(reads, 0.0, "query_type=write leaves reads alone");
    }

    #[test]
    fn symptom_appears() {
        // Writes +200 ms: every POST /order (20% of calls) slows by 200 ms or more, so
        // p95/p99 lift while the median (cached reads) barely moves.
        let base = summary(config("web", 12, &[], &[]), 10, 90);
        let hit = summary(
            config(
                "web",
                12,
                &["slow-db-query"],
                &[("slow-db-query.query_type", "write")],
            ),
            10,
            90,
        );
        // At least the delay; more where writes to a hot row queue for its lock behind
        // the slow ones (db_lock_wait_seconds).
        let lift99 = hit.latency_p99_s - base.latency_p99_s;
        assert!(
            (0.17..2.0).contains(&lift99),
            "p99 {} → {}",
            base.latency_p99_s,
            hit.latency_p99_s
        );
        let lift50 = hit.latency_p50_s - base.latency_p50_s;
        assert!(lift50 < 0.01, "median stays: lift {lift50}");
    }

    #[test]
    fn mitigation_reduces_symptom() {
        // Writes +1 s: 40 writes/s hold 40 connections, more than the 4 × 8 in the pools,
        // so reads queue behind them and the whole service saturates. A 250 ms database
        // timeout gives the connections back: reads recover, writes fail fast with 504.
        let sets = [
            ("slow-db-query.delay_ms", "1000"),
            ("slow-db-query.query_type", "write"),
        ];
        let slow = run(&config("web", 13, &["slow-db-query"], &sets), 60);
        let bounded = run(
            &config("web", 13, &["slow-db-query", "timeouts"], &sets),
            60,
        );
        let p50 = |lab: &crate::sim::Lab| mean_between(lab, "latency_p50_s", 20, 60);
        let util = |lab: &crate::sim::Lab| mean_between(lab, "utilization", 20, 60);
        assert!(p50(&slow) > 0.5, "saturated: p50 {}", p50(&slow));
        assert!(p50(&bounded) < 0.02, "reads recover: p50 {}", p50(&bounded));
        assert!(
            util(&bounded) < util(&slow) * 0.3,
            "workers come back: {} → {}",
            util(&slow),
            util(&bounded)
        );
        let get_errors = |lab: &crate::sim::Lab| failed_responses(lab, "GET /product");
        assert!(get_errors(&slow) > 100.0, "slow writes take reads down too");
        assert_eq!(
            get_errors(&bounded),
            0.0,
            "the price is paid by writes only"
        );
        assert!(total(&bounded, "timeouts_total") > 1000.0);
    }
}
