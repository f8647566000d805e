//! # Optimistic locking collision
//!
//! Orders are written with optimistic concurrency control (`optimistic-locking`): a
//! transaction reads the row's version, does its work, and commits only if the version
//! is unchanged — otherwise it re-runs. That is cheap while writes spread over many rows.
//! Here a share of writes (`hot_share`) all update one hot row (`hot_key`: a flash-sale
//! product's stock counter, a global sequence, a shared account balance). Two writers
//! overlapping on it now means one of them wasted its work and must run again; under
//! contention the re-runs overlap too, each retry costs a full transaction, and writes
//! that exhaust `max_retries` are answered 409 Conflict.
//!
//! ```text
//!   POST /order ─┐
//!   POST /order ─┼─▶ UPDATE stock SET n = n-1, v = v+1 WHERE id = 0 AND v = 41
//!   POST /order ─┘        one commits ✓   the others: version changed ✗ → re-run … 409
//! ```
//!
//! ## What to look at
//! - `db_lock_conflicts_total` and `db_transaction_retries_total` climbing with the write
//!   rate; their ratio to `optimistic_hot_row_writes_total` is the conflict probability.
//! - `http_requests_total{status="409"}`: writes that ran out of retries.
//! - `db_query_duration_seconds{query_type="write"}`: each retry is another full run.
//!
//! ## How to fix it
//! Optimistic locking pays off when conflicts are rare; on one hot row they are the rule.
//! Lock that row pessimistically instead (switch `optimistic-locking` off: writers queue
//! on the row lock and each runs once), make the update commutative (`n = n - 1` without
//! a version check, or a counter split into shards), or queue the writes to the hot row.
//! Without `optimistic-locking` on, the same load shows up as lock waits instead.

use crate::metrics::{CounterId, MetricSpec, Registry};
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{
    no_check, Component, DatabaseEffect, Effect, Hop, Scenario, ScenarioMeta, StrikeCx,
};
use crate::systems::web::metrics::{DB_LOCK_CONFLICTS, DB_TX_RETRIES};

const HOT_WRITES: MetricSpec = MetricSpec::counter(
    "optimistic_hot_row_writes_total",
    "Write transactions sent to the single hot row.",
    &[],
);

pub static META: ScenarioMeta = ScenarioMeta {
    id: "optimistic-locking-collision",
    title: "Optimistic locking collision",
    category: "concurrency",
    kind: crate::scenario::FaultKind::Contended,
    summary: "Many writes update one hot row under optimistic locking: version conflicts, re-runs and 409s.",
    source: crate::doc_of!("scenarios/concurrency/optimistic_locking_collision.rs"),
    own_params: &[
        ParamSpec::float(
            "hot_share",
            "",
            1.0,
            0.0,
            1.0,
            "Share of writes that update the hot row.",
        ),
        ParamSpec::int(
            "hot_key",
            "key",
            0,
            0,
            5_000_000,
            "The hot row (a product id).",
        ),
    ],
    metrics: &[HOT_WRITES, DB_LOCK_CONFLICTS, DB_TX_RETRIES],
    strikes: &[Component::Database],
    mitigations: &[],
    build: || Box::new(OptimisticLockingCollision::default()),
    check: no_check,
};

#[derive(Default)]
struct OptimisticLockingCollision {
    share: f64,
    key: u32,
    hot: Option<CounterId>,
}

impl Scenario for OptimisticLockingCollision {
    fn configure(&mut self, params: &ParamSet, metrics: &mut Registry) {
        self.share = params.f64("hot_share");
        self.key = u32::try_from(params.i64("hot_key")).unwrap_or(0);
        self.hot = Some(metrics.counter(&HOT_WRITES, &[]));
    }

    fn strike(&mut self, cx: &mut StrikeCx<'_>, hop: &Hop) -> Effect {
        if hop.endpoint != "POST /order" || !cx.rng.chance(self.share) {
            return Effect::NONE;
        }
        if let Some(c) = self.hot {
            cx.metrics.inc(c);
        }
        Effect::on_database(DatabaseEffect {
            key: Some(self.key),
            ..DatabaseEffect::NONE
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;

    fn status(lab: &crate::sim::Lab, status: &str) -> f64 {
        lab.metrics()
            .family_total_where("http_requests_total", |_, v| v[2] == status)
    }

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("web", 541, &["optimistic-locking"], &[]), 30);
        assert!(!registered(&off, "optimistic_hot_row_writes_total"));
        let on = run(
            &config(
                "web",
                541,
                &["optimistic-locking-collision", "optimistic-locking"],
                &[],
            ),
            30,
        );
        let hot = total(&on, "optimistic_hot_row_writes_total");
        // ~40 writes/s × 30 s.
        assert!((900.0..1_500.0).contains(&hot), "{hot}");
        assert!(total(&on, "db_lock_conflicts_total") > total(&off, "db_lock_conflicts_total"));
    }

    #[test]
    fn symptom_appears() {
        let lab = run(
            &config(
                "web",
                542,
                &["optimistic-locking-collision", "optimistic-locking"],
                &[("arrival_rate_rps", "400")],
            ),
            60,
        );
        let retries = total(&lab, "db_transaction_retries_total");
        let writes = total(&lab, "optimistic_hot_row_writes_total");
        assert!(
            retries > writes * 0.2,
            "{retries} re-runs for {writes} writes"
        );
        assert!(status(&lab, "409") > 0.0, "some writes run out of retries");
    }

    #[test]
    fn diagnosis_signal_identifies_it() {
        // Conflicts come from the hot row: spread over all rows they all but vanish.
        let conflicts = |switches: &[&str]| {
            total(
                &run(&config("web", 543, switches, &[]), 60),
                "db_lock_conflicts_total",
            )
        };
        let spread = conflicts(&["optimistic-locking"]);
        let hot = conflicts(&["optimistic-locking-collision", "optimistic-locking"]);
        assert!(hot > 100.0, "{hot}");
        assert!(hot > spread * 10.0 + 10.0, "conflicts {spread} → {hot}");
    }
}
