//! # Double write (lost update)
//!
//! Each order updates its product's stock with a read-modify-write: `SELECT stock`, compute
//! `stock - 1` in the service, `UPDATE … SET stock = 41`. No row lock (`SELECT … FOR
//! UPDATE`) and no version check guard the gap between the read and the write, and a few
//! popular products (`hot_keys`, a share `hot_share` of the orders) are ordered all the
//! time. Two orders of one product that overlap both read 42 and both write 41: one
//! order's update is silently overwritten. Every request answered 200; the stock is wrong.
//!
//! ```text
//!   order A: SELECT stock → 42 ────────── UPDATE stock = 41 ✓
//!   order B:      SELECT stock → 42 ── UPDATE stock = 41 ✓   ✗ A's update is lost
//! ```
//!
//! ## What to look at
//! - `data_anomalies_total{kind="lost_update"}` (the data-integrity panel): writes that
//!   overwrote a version committed after they read the row.
//! - `double_write_hot_orders_total`: the orders on the contended rows. Latency and
//!   errors look healthy: this fault is invisible on the golden signals.
//!
//! ## How to fix it
//! Make the write conditional on what was read: `optimistic-locking` (`UPDATE … WHERE
//! version = 7`, re-run on conflict) turns every lost update into a retry. Other cures:
//! a pessimistic lock (`SELECT … FOR UPDATE`), an atomic update (`SET stock = stock - 1`),
//! or PostgreSQL's repeatable-read isolation level, which aborts the second writer with a
//! serialization failure (`could not serialize access due to concurrent update`,
//! SQLSTATE 40001) for the application to retry. MySQL's InnoDB does not: at its
//! repeatable read the second `UPDATE` waits for the first writer's lock, then overwrites
//! the row with the value computed from its stale read, and the update is lost all the
//! same. Mitigations: `optimistic-locking`.

use crate::metrics::{CounterId, MetricSpec, Registry};
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{
    no_check, Component, DatabaseEffect, Effect, Hop, Isolation, Scenario, ScenarioMeta, StrikeCx,
    TxShape, TxSpec,
};
use crate::systems::web::metrics::DATA_ANOMALIES;

const HOT: MetricSpec = MetricSpec::counter(
    "double_write_hot_orders_total",
    "Orders whose read-modify-write went to one of the few hot products.",
    &[],
);

pub static META: ScenarioMeta = ScenarioMeta {
    id: "double-write",
    title: "Double write (lost update)",
    category: "concurrency",
    kind: crate::scenario::FaultKind::Inconsistent,
    summary: "Concurrent read-modify-writes without a lock or version check: one update silently overwrites the other.",
    source: crate::doc_of!("scenarios/concurrency/double_write.rs"),
    own_params: &[
        ParamSpec::int(
            "hot_keys",
            "keys",
            5,
            1,
            5_000_000,
            "Products that most orders update.",
        ),
        ParamSpec::float(
            "hot_share",
            "",
            1.0,
            0.0,
            1.0,
            "Share of orders that go to the hot products.",
        ),
    ],
    metrics: &[HOT, DATA_ANOMALIES],
    strikes: &[Component::Database],
    mitigations: &["optimistic-locking"],
    build: || Box::new(DoubleWrite::default()),
    check: no_check,
};

#[derive(Default)]
struct DoubleWrite {
    hot_keys: u64,
    share: f64,
    hot: Option<CounterId>,
}

impl Scenario for DoubleWrite {
    fn configure(&mut self, params: &ParamSet, metrics: &mut Registry) {
        self.hot_keys = u64::try_from(params.i64("hot_keys")).unwrap_or(1).max(1);
        self.share = params.f64("hot_share");
        self.hot = Some(metrics.counter(&HOT, &[]));
    }

    fn strike(&mut self, cx: &mut StrikeCx<'_>, hop: &Hop) -> Effect {
        if hop.endpoint != "POST /order" || !cx.rng.chance(self.share) {
            return Effect::NONE;
        }
        if let Some(c) = self.hot {
            cx.metrics.inc(c);
        }
        Effect::on_database(DatabaseEffect {
            key: u32::try_from(cx.rng.below(self.hot_keys)).ok(),
            tx: Some(TxSpec {
                shape: TxShape::ReadModifyWrite,
                isolation: Isolation::ReadCommitted,
            }),
            ..DatabaseEffect::NONE
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;

    fn lost(lab: &crate::sim::Lab) -> f64 {
        lab.metrics()
            .family_total_where("data_anomalies_total", |_, v| v[0] == "lost_update")
    }

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("web", 581, &[], &[]), 30);
        assert!(!registered(&off, "double_write_hot_orders_total"));
        assert!(!registered(&off, "data_anomalies_total"));
        let on = run(&config("web", 581, &["double-write"], &[]), 30);
        let hot = total(&on, "double_write_hot_orders_total");
        // ~40 orders/s × 30 s, all on the hot rows.
        assert!((900.0..1_500.0).contains(&hot), "{hot}");
        assert!(lost(&on) > 0.0);
    }

    #[test]
    fn symptom_appears() {
        let lab = run(&config("web", 582, &["double-write"], &[]), 60);
        let lost = lost(&lab);
        let writes = total(&lab, "double_write_hot_orders_total");
        assert!(lost > writes * 0.05, "{lost} lost of {writes} writes");
        // Invisible on the golden signals: the writes all succeed.
        assert_eq!(failed_responses(&lab, "POST /order"), 0.0);
    }

    #[test]
    fn mitigation_reduces_symptom() {
        let run_with = |switches: &[&str]| run(&config("web", 583, switches, &[]), 60);
        let without = lost(&run_with(&["double-write"]));
        let with = run_with(&["double-write", "optimistic-locking"]);
        assert!(without > 50.0, "{without}");
        assert_eq!(lost(&with), 0.0, "optimistic locking leaves no lost update");
        assert!(total(&with, "db_transaction_retries_total") > without * 0.5);
    }
}
