//! # Idle connections (wasted pool slots)
//!
//! Every service instance keeps `pool_size` database connections open, busy or not:
//! HikariCP's `minimumIdle` defaults to `maximumPoolSize`, so a pool sized 100 "to be
//! safe" holds 100 connections from start-up, and the web system's requests keep only a
//! handful of them busy (`db_pool_in_use`). Each PostgreSQL connection is a server
//! process with its own memory; AWS sizes RDS for PostgreSQL's default
//! `max_connections` as the instance's memory / 9,531,392 bytes, so about 9.1 MB a
//! connection and 901 connections on an 8 GiB instance (`max_connections`).
//!
//! Four instances hold 400 connections, 3.8 GB of the database's memory, for a few
//! busy ones. Scale out and the slots run out: an instance whose pool does not fit
//! under `max_connections` cannot connect at all ("sorry, too many clients already"),
//! and every request it takes fails (500). With the defaults that is the tenth
//! instance. The usual response is a bigger database instance: paying for memory that
//! idle connections hold.
//!
//! ```text
//!   api-0 [100 open, 3 busy] ─┐
//!   api-1 [100 open, 3 busy] ─┼──▶ database: max_connections 901, 9.1 MB each
//!   …                          │
//!   api-9 [100 open] ──────────┘    ✗ 1,000 > 901: api-9 cannot connect → 500s
//! ```
//!
//! ## What to look at
//! - `db_server_connections` against `db_max_connections`, and
//!   `db_connection_memory_bytes`: what the open connections hold.
//! - `db_pool_in_use{instance}`: how few of them are busy.
//! - `http_requests_total{status="500"}` from one instance when the fleet grows
//!   (`instances`, or `autoscaling`).
//!
//! ## How to fix it
//! Size pools to what requests use (a few connections per instance: the `pool_size` of
//! the pools' actual peak), let idle ones close (`minimumIdle` below the maximum, an idle
//! timeout), and put a connection pooler in front of the database (`pooler=pgbouncer`:
//! in transaction mode PgBouncer multiplexes every client onto `default_pool_size`
//! server connections, 20 by default), so connections no longer grow with instances.

use crate::metrics::{GaugeId, MetricSpec, Registry};
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{no_check, Component, Effect, Hop, Scenario, ScenarioMeta, StrikeCx};
use crate::systems::web::metrics::DB_POOL_IN_USE;

/// RDS for PostgreSQL's default `max_connections`: memory / 9,531,392 bytes.
const BYTES_PER_CONNECTION: f64 = 9_531_392.0;
/// PgBouncer's `default_pool_size`.
const PGBOUNCER_POOL: f64 = 20.0;

const SERVER: MetricSpec = MetricSpec::gauge(
    "db_server_connections",
    "Connections open at the database server (each a server process).",
    &[],
);
const MAX: MetricSpec =
    MetricSpec::gauge("db_max_connections", "The database's max_connections.", &[]);
const MEMORY: MetricSpec = MetricSpec::gauge(
    "db_connection_memory_bytes",
    "Database memory the open connections hold (about 9.1 MB each).",
    &[],
);

pub static META: ScenarioMeta = ScenarioMeta {
    id: "idle-connection",
    title: "Idle connections (wasted pool slots)",
    category: "cost",
    kind: crate::scenario::FaultKind::Misconfigured,
    summary: "Pools hold a hundred database connections per instance, busy or idle: the database's memory goes to idle slots and the tenth instance cannot connect.",
    source: crate::doc_of!("scenarios/cost/idle_connection.rs"),
    own_params: &[
        ParamSpec::int(
            "pool_size",
            "connections",
            100,
            1,
            100_000,
            "Connections each instance's pool keeps open (minimum idle = maximum).",
        ),
        ParamSpec::int(
            "max_connections",
            "connections",
            901,
            1,
            1_000_000,
            "The database's max_connections (8 GiB / 9,531,392 B on RDS for PostgreSQL).",
        ),
        ParamSpec::choice(
            "pooler",
            "none",
            &["none", "pgbouncer"],
            "none: every pool connects to the database; pgbouncer: a transaction-mode pooler holds 20 server connections for all.",
        ),
    ],
    metrics: &[SERVER, MAX, MEMORY, DB_POOL_IN_USE],
    strikes: &[Component::Database],
    mitigations: &[],
    build: || Box::new(IdleConnections::default()),
    check: no_check,
};

#[derive(Default)]
struct IdleConnections {
    pool: f64,
    max: f64,
    pooler: bool,
    fleet: u32,
    ids: Option<[GaugeId; 3]>,
}

impl IdleConnections {
    fn open(&self) -> f64 {
        if self.pooler {
            PGBOUNCER_POOL.min(self.max)
        } else {
            (f64::from(self.fleet) * self.pool).min(self.max)
        }
    }
}

impl Scenario for IdleConnections {
    fn configure(&mut self, params: &ParamSet, metrics: &mut Registry) {
        self.pool = params.i64("pool_size") as f64;
        self.max = params.i64("max_connections") as f64;
        self.pooler = params.choice("pooler") == "pgbouncer";
        self.ids = Some([SERVER, MAX, MEMORY].map(|m| metrics.gauge(&m, &[])));
    }

    fn strike(&mut self, _cx: &mut StrikeCx<'_>, hop: &Hop) -> Effect {
        self.fleet = hop.fleet;
        // Pools connect in instance order: one that does not fit cannot connect.
        let fits = f64::from(hop.instance + 1) * self.pool <= self.max;
        if self.pooler || fits {
            Effect::NONE
        } else {
            Effect::fail(500)
        }
    }

    fn on_sample(&mut self, metrics: &mut Registry, active: bool) {
        let Some([server, max, memory]) = self.ids else {
            return;
        };
        let open = if active { self.open() } else { 0.0 };
        metrics.set(server, open);
        metrics.set(max, if active { self.max } else { 0.0 });
        metrics.set(memory, open * BYTES_PER_CONNECTION);
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("web", 1001, &[], &[]), 20);
        assert!(!registered(&off, "db_server_connections"));
        let on = run(&config("web", 1001, &["idle-connection"], &[]), 20);
        assert_eq!(total(&on, "db_server_connections"), 400.0);
        assert_eq!(total(&on, "db_max_connections"), 901.0);
        let gb = total(&on, "db_connection_memory_bytes") / 1e9;
        assert!((3.7..3.9).contains(&gb), "{gb} GB");
    }

    #[test]
    fn symptom_appears() {
        // Few connections are busy; at ten instances the tenth cannot connect.
        let four = run(&config("web", 1002, &["idle-connection"], &[]), 60);
        let busy = total(&four, "db_pool_in_use");
        assert!(busy < 40.0, "{busy} of 400 busy");
        assert_eq!(failed_responses(&four, "GET /product"), 0.0);
        let ten = run(
            &config("web", 1002, &["idle-connection"], &[("instances", "10")]),
            60,
        );
        assert_eq!(total(&ten, "db_server_connections"), 901.0);
        let failed = failed_responses(&ten, "GET /product");
        let all = failed + responses(&ten, "GET /product", "200");
        let share = failed / all;
        assert!((0.03..0.12).contains(&share), "{share} of reads fail");
    }

    #[test]
    fn diagnosis_signal_identifies_it() {
        // A pooler: 20 server connections for the whole fleet, and nobody is refused.
        let pooled = run(
            &config(
                "web",
                1003,
                &["idle-connection"],
                &[("instances", "10"), ("idle-connection.pooler", "pgbouncer")],
            ),
            60,
        );
        assert_eq!(total(&pooled, "db_server_connections"), 20.0);
        assert_eq!(failed_responses(&pooled, "GET /product"), 0.0);
    }
}
