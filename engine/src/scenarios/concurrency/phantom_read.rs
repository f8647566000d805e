//! # Phantom read (isolation anomalies)
//!
//! The database runs every transaction at one `isolation` level, and a few popular
//! products (`hot_keys`) are read and written concurrently by multi-statement
//! transactions. Reports (a share `report_share` of product reads, straight from the
//! database) read a product's row or count its orders, work for `report_ms`, and read
//! again. Orders on the same products either read-modify-write the stock, or — like
//! doctors going off call — read their group's rows and update their own row if the
//! group can spare it. What each transaction may see of the others depends on the level
//! (PostgreSQL's semantics):
//!
//! | level | non-repeatable read | phantom | lost update | write skew |
//! | --- | --- | --- | --- | --- |
//! | `read_committed` | yes | yes | yes | yes |
//! | `repeatable_read` (snapshot) | no | no | aborts | yes |
//! | `serializable` (SSI) | no | no | aborts | aborts |
//!
//! ```text
//!   report:  SELECT count(*) … = 12 ──── work ──── SELECT count(*) … = 13  ✗ phantom
//!   order:            INSERT order ─ COMMIT
//!   tx A: read group {A,B on call} → A off ─ COMMIT ┐ both commit:
//!   tx B: read group {A,B on call} → B off ─ COMMIT ┘ nobody on call ✗ write skew
//! ```
//!
//! ## What to look at
//! - `data_anomalies_total{kind}` (the data-integrity panel): `non_repeatable_read`,
//!   `phantom`, `lost_update`, `write_skew`, depending on the level.
//! - `db_serialization_failures_total` and `db_transaction_retries_total`: what the
//!   stricter levels cost instead, with longer `POST /order` latency and 409s when
//!   retries run out.
//!
//! ## How to fix it
//! Set `isolation` to `serializable`: every anomaly disappears, paid for with aborted and
//! re-run transactions (retry them in the application). `repeatable_read` removes all
//! but write skew. Narrower cures: explicit locks (`SELECT … FOR UPDATE`) on the rows a
//! decision depends on, or a constraint the database enforces.

use crate::metrics::{CounterId, MetricSpec, Registry};
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{
    no_check, CacheEffect, Component, DatabaseEffect, Effect, Hop, Isolation, Scenario,
    ScenarioMeta, StrikeCx, TxShape, TxSpec,
};
use crate::systems::web::metrics::{DATA_ANOMALIES, DB_SERIALIZATION_FAILURES, DB_TX_RETRIES};
use crate::time::{ms_to_ns, Nanos};

const TRANSACTIONS: MetricSpec = MetricSpec::counter(
    "isolation_transactions_total",
    "Multi-statement transactions on the hot products, by shape.",
    &["shape"],
);

const SHAPES: [&str; 4] = [
    "reread_row",
    "reread_range",
    "read_modify_write",
    "write_skew",
];

pub static META: ScenarioMeta = ScenarioMeta {
    id: "phantom-read",
    title: "Phantom read (isolation anomalies)",
    category: "concurrency",
    kind: crate::scenario::FaultKind::Inconsistent,
    summary: "Concurrent transactions at a weak isolation level see non-repeatable reads, phantoms, lost updates and write skew.",
    source: crate::doc_of!("scenarios/concurrency/phantom_read.rs"),
    own_params: &[
        ParamSpec::choice(
            "isolation",
            "read_committed",
            &["read_committed", "repeatable_read", "serializable"],
            "The isolation level every transaction runs at.",
        ),
        ParamSpec::int(
            "hot_keys",
            "keys",
            10,
            2,
            5_000_000,
            "Popular products read and written concurrently (the most popular ones).",
        ),
        ParamSpec::float(
            "report_share",
            "",
            0.2,
            0.0,
            1.0,
            "Share of product reads that are reports on a hot product, run on the database.",
        ),
        ParamSpec::float(
            "report_ms",
            "ms",
            100.0,
            0.0,
            600_000.0,
            "Work a report does between its two reads.",
        ),
        ParamSpec::float(
            "write_share",
            "",
            0.5,
            0.0,
            1.0,
            "Share of orders that are transactions on a hot product.",
        ),
    ],
    metrics: &[
        TRANSACTIONS,
        DATA_ANOMALIES,
        DB_SERIALIZATION_FAILURES,
        DB_TX_RETRIES,
    ],
    strikes: &[Component::Cache, Component::Database],
    mitigations: &[],
    build: || Box::new(PhantomRead::default()),
    check: no_check,
};

#[derive(Default)]
struct PhantomRead {
    isolation: Option<Isolation>,
    hot_keys: u64,
    report_share: f64,
    report_ns: Nanos,
    write_share: f64,
    counters: [Option<CounterId>; 4],
}

impl PhantomRead {
    fn tx(&mut self, cx: &mut StrikeCx<'_>, shape: TxShape, i: usize) -> Option<TxSpec> {
        if let Some(c) = self.counters[i] {
            cx.metrics.inc(c);
        }
        Some(TxSpec {
            shape,
            isolation: self.isolation.unwrap_or(Isolation::ReadCommitted),
        })
    }
}

impl Scenario for PhantomRead {
    fn configure(&mut self, params: &ParamSet, metrics: &mut Registry) {
        self.isolation = Some(match params.choice("isolation") {
            "repeatable_read" => Isolation::RepeatableRead,
            "serializable" => Isolation::Serializable,
            _ => Isolation::ReadCommitted,
        });
        self.hot_keys = u64::try_from(params.i64("hot_keys")).unwrap_or(2).max(2);
        self.report_share = params.f64("report_share");
        self.report_ns = ms_to_ns(params.f64("report_ms"));
        self.write_share = params.f64("write_share");
        for (i, s) in SHAPES.iter().enumerate() {
            self.counters[i] = Some(metrics.counter(&TRANSACTIONS, &[s]));
        }
        // 0 until a serializable transaction is aborted (the database counts them).
        metrics.counter(&DB_SERIALIZATION_FAILURES, &[]);
    }

    fn strike(&mut self, cx: &mut StrikeCx<'_>, hop: &Hop) -> Effect {
        let hot = |k: Option<u32>, n: u64| k.is_some_and(|k| u64::from(k) < n);
        match (hop.component, hop.endpoint == "POST /order") {
            // A report reads a hot product on the database, past the cache.
            (Component::Cache, false) if cx.rng.chance(self.report_share) => {
                Effect::on_cache(CacheEffect {
                    key: u32::try_from(cx.rng.below(self.hot_keys)).ok(),
                    bypass: true,
                    ..CacheEffect::NONE
                })
            }
            // Every database read of a hot product runs as a report transaction.
            (Component::Database, false) if hot(hop.key, self.hot_keys) => {
                let (shape, i) = if cx.rng.chance(0.5) {
                    (TxShape::RereadRow, 0)
                } else {
                    (TxShape::RereadRange, 1)
                };
                Effect {
                    delay_ns: self.report_ns,
                    ..Effect::on_database(DatabaseEffect {
                        tx: self.tx(cx, shape, i),
                        ..DatabaseEffect::NONE
                    })
                }
            }
            (Component::Database, true) if cx.rng.chance(self.write_share) => {
                let key = cx.rng.below(self.hot_keys);
                let (shape, i) = if cx.rng.chance(0.5) {
                    (TxShape::ReadModifyWrite, 2)
                } else {
                    // Two on-call groups; each transaction updates its own row in one.
                    (
                        TxShape::WriteSkew {
                            group: (key % 2) as u32,
                        },
                        3,
                    )
                };
                Effect::on_database(DatabaseEffect {
                    key: u32::try_from(key).ok(),
                    tx: self.tx(cx, shape, i),
                    ..DatabaseEffect::NONE
                })
            }
            _ => Effect::NONE,
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;

    fn anomalies(lab: &crate::sim::Lab, kind: &str) -> f64 {
        lab.metrics()
            .family_total_where("data_anomalies_total", |_, v| v[0] == kind)
    }

    const KINDS: [&str; 4] = [
        "non_repeatable_read",
        "phantom",
        "lost_update",
        "write_skew",
    ];

    fn at(level: &str, seed: u64) -> crate::sim::Lab {
        run(
            &config(
                "web",
                seed,
                &["phantom-read"],
                &[("phantom-read.isolation", level)],
            ),
            60,
        )
    }

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("web", 601, &[], &[]), 30);
        assert!(!registered(&off, "isolation_transactions_total"));
        assert!(!registered(&off, "data_anomalies_total"));
        let on = run(&config("web", 601, &["phantom-read"], &[]), 30);
        let txs = total(&on, "isolation_transactions_total");
        // Half of ~40 orders/s plus a fifth of ~160 reads/s, over 30 s.
        assert!((1_200.0..2_400.0).contains(&txs), "{txs}");
        assert!(total(&on, "data_anomalies_total") > 0.0);
    }

    #[test]
    fn symptom_appears() {
        // Read committed shows every kind; repeatable read only write skew.
        let rc = at("read_committed", 602);
        for kind in KINDS {
            assert!(
                anomalies(&rc, kind) > 5.0,
                "{kind}: {}",
                anomalies(&rc, kind)
            );
        }
        let rr = at("repeatable_read", 602);
        for kind in ["non_repeatable_read", "phantom", "lost_update"] {
            assert_eq!(anomalies(&rr, kind), 0.0, "{kind} under repeatable read");
        }
        assert!(anomalies(&rr, "write_skew") > 5.0);
        assert!(total(&rr, "db_serialization_failures_total") > 0.0);
    }

    #[test]
    fn mitigation_reduces_symptom() {
        let rc = at("read_committed", 603);
        let ser = at("serializable", 603);
        assert!(total(&rc, "data_anomalies_total") > 50.0);
        assert_eq!(total(&ser, "data_anomalies_total"), 0.0);
        // The price: aborted transactions re-run.
        let failures = total(&ser, "db_serialization_failures_total");
        assert!(failures > 10.0, "{failures}");
        assert!(total(&ser, "db_transaction_retries_total") > 10.0);
    }
}
