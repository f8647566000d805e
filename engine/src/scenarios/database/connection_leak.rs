//! # Connection leak
//!
//! A code path forgets to return its database connection to the pool (an early return
//! without `finally`, an unclosed result set). The request itself succeeds, but its
//! connection stays checked out until the pool's leak detection reclaims it after
//! `reclaim_s`. With `leak_share` of requests leaking, checked-out connections climb
//! until the pool is empty: then every request waits for a connection, and queries that
//! were never slow show up as slow pages.
//!
//! ```text
//!   pool: [■ ■ ■ ■ ■ ■ □ □]  ■ leaked (held until reclaimed)  □ free
//!          └── fewer free connections each second ──▶ pool waits ──▶ latency, 504s
//! ```
//!
//! ## What to look at
//! - `db_pool_leaked_connections` rising; `db_pool_in_use` pinned at the pool size.
//! - `db_pool_wait_seconds` growing while `db_query_duration_seconds` stays normal:
//!   the database is fine, the pool is starved.
//! - `db_connections_leaked_total`: how many were never returned.
//!
//! ## How to fix it
//! Find the path that does not return its connection (pool leak detection logs the
//! borrower's stack). Meanwhile a shorter reclaim (leak detection) or `timeouts` on the
//! pool acquire bound the damage. `pool-sizing` helps only while the pools hold more
//! than the leak keeps out at once (the leak rate times `reclaim_s`: about 64
//! connections with the defaults, so the default `pool-sizing`, 32 per instance,
//! absorbs it); with no reclaim it only delays the exhaustion.

use crate::metrics::{CounterId, MetricSpec, Registry};
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{
    no_check, Component, DatabaseEffect, Effect, Hop, Scenario, ScenarioMeta, StrikeCx,
};
use crate::systems::web::metrics::{DB_POOL_IN_USE, DB_POOL_LEAKED, DB_POOL_WAIT};
use crate::time::{secs_to_ns, Nanos};

const LEAKED: MetricSpec = MetricSpec::counter(
    "db_connections_leaked_total",
    "Connections a request never returned to the pool.",
    &[],
);

pub static META: ScenarioMeta = ScenarioMeta {
    id: "connection-leak",
    title: "Connection leak",
    category: "database",
    kind: crate::scenario::FaultKind::Leaking,
    summary: "Some requests never return their database connection; the pool slowly runs dry.",
    source: crate::doc_of!("scenarios/database/connection_leak.rs"),
    own_params: &[
        ParamSpec::float(
            "leak_share",
            "",
            0.01,
            0.0,
            1.0,
            "Share of database calls that leak their connection.",
        ),
        ParamSpec::float(
            "reclaim_s",
            "s",
            60.0,
            0.001,
            86_400.0,
            "How long a leaked connection stays checked out before the pool reclaims it.",
        ),
    ],
    metrics: &[LEAKED, DB_POOL_LEAKED, DB_POOL_IN_USE, DB_POOL_WAIT],
    strikes: &[Component::Database],
    mitigations: &["timeouts"],
    build: || Box::new(ConnectionLeak::default()),
    check: no_check,
};

#[derive(Default)]
struct ConnectionLeak {
    share: f64,
    reclaim: Nanos,
    leaked: Option<CounterId>,
}

impl Scenario for ConnectionLeak {
    fn configure(&mut self, params: &ParamSet, metrics: &mut Registry) {
        self.share = params.f64("leak_share");
        self.reclaim = secs_to_ns(params.f64("reclaim_s"));
        self.leaked = Some(metrics.counter(&LEAKED, &[]));
        metrics.gauge(&DB_POOL_LEAKED, &[]);
    }

    fn strike(&mut self, cx: &mut StrikeCx<'_>, _hop: &Hop) -> Effect {
        if !cx.rng.chance(self.share) {
            return Effect::NONE;
        }
        if let Some(c) = self.leaked {
            cx.metrics.inc(c);
        }
        Effect::on_database(DatabaseEffect {
            hold_connection_ns: self.reclaim,
            ..DatabaseEffect::NONE
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::metrics::histogram_quantile;
    use crate::testkit::*;

    fn pool_wait_p99(lab: &crate::sim::Lab) -> f64 {
        match lab.metrics().family_histogram("db_pool_wait_seconds") {
            Some((bounds, cum, _)) => histogram_quantile(0.99, bounds, &cum),
            None => f64::NAN,
        }
    }

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("web", 101, &[], &[]), 30);
        assert!(!registered(&off, "db_connections_leaked_total"));
        assert!(!registered(&off, "db_pool_leaked_connections"));
        let on = run(&config("web", 101, &["connection-leak"], &[]), 30);
        assert!(total(&on, "db_connections_leaked_total") > 10.0);
        assert!(total(&on, "db_pool_leaked_connections") > 10.0);
    }

    #[test]
    fn symptom_appears() {
        // ~55 database calls/s, 2% leak, 60 s to reclaim: ~66 connections wanted, 32 exist.
        let lab = run(
            &config(
                "web",
                102,
                &["connection-leak"],
                &[("connection-leak.leak_share", "0.02")],
            ),
            90,
        );
        let in_use = total(&lab, "db_pool_in_use");
        assert!(in_use >= 30.0, "pool pinned: {in_use} of 32 in use");
        assert!(
            pool_wait_p99(&lab) > 0.1,
            "pool wait p99 {}",
            pool_wait_p99(&lab)
        );
        let query_p99 = quantile_where(&lab, "db_query_duration_seconds", "read", 0.99);
        assert!(
            query_p99 < 0.05,
            "the queries themselves are fine: {query_p99}"
        );
    }

    #[test]
    fn mitigation_reduces_symptom() {
        // A pool-acquire timeout turns unbounded waits into fast 504s that free workers.
        let leaking = run(&config("web", 103, &["connection-leak"], &[]), 90);
        let bounded = run(
            &config("web", 103, &["connection-leak", "timeouts"], &[]),
            90,
        );
        assert!(
            pool_wait_p99(&bounded) <= 0.3,
            "{}",
            pool_wait_p99(&bounded)
        );
        assert!(pool_wait_p99(&leaking) > pool_wait_p99(&bounded) * 2.0);
    }
}
