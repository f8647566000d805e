//! # Snapshot corruption
//!
//! Products are event-sourced aggregates with long streams: every stock reservation
//! and release is an event, and a product that has sold for a year has
//! `product_history_events` (20,000) of them. Loading one reads its latest snapshot
//! and the few events after it; without a usable snapshot it replays the whole stream.
//! After a deploy, the snapshot writer damages `corrupt_share` of the snapshots it
//! writes (a serializer bug, a torn write). A damaged snapshot that no longer parses
//! is noticed, and every load of that product replays all its events (20,000 × 20 µs
//! = 0.4 s) until the next snapshot is written, which may be damaged too. One that
//! still parses (`1 − unreadable_share` of them) is worse: it is used as if it were
//! right, and the saga reserves stock against a wrong level.
//!
//! ```text
//!   load product 17:  snapshot @20,020 ✗ unreadable → replay 20,031 events (0.4 s)
//!                     snapshot @20,040 ≈ garbled    → used: wrong stock level
//! ```
//!
//! ## What to look at
//! - `snapshot_load_failures_total{reason}`: snapshots refused on load.
//! - `aggregate_load_duration_seconds{aggregate="product"}`: `source="replay"` loads
//!   and their p99 (hundreds of ms against a fraction of one).
//! - `saga_duration_seconds`: the saga's stock step waits for the replay.
//! - `data_anomalies_total{kind="corrupt_snapshot_used"}`: loads that trusted a garbled
//!   snapshot. No error shows them.
//!
//! With the defaults (seed 1, from 30 s, over 180 s; 20 µs to read and apply an event,
//! a snapshot every 20 events, 200 products), 651 product loads replay the whole
//! stream, the p99 of a product load is 0.49 s against 0.5 ms, the saga's p99 1.63 s
//! against 1.48 s healthy, and 194 loads trust a garbled snapshot. With
//! `snapshot-checksums`: 96 snapshots refused (78 unreadable, 18 by their checksum), no
//! full replay, none trusted (`sdl run --system orders --scenario snapshot-corruption
//! --set snapshot-corruption.start_s=30 --duration 180s --format prom`; the p99s with
//! `sdl query`).
//!
//! ## How to fix it
//! Version and checksum every snapshot; refuse one that does not check out instead of
//! trusting it; keep the previous snapshot so a refusal costs a bounded replay (at most
//! two snapshot intervals), and write the snapshot again right after, so only one load
//! pays (`snapshot-checksums`). Snapshots are a cache of the log: safe to throw away and
//! rebuild, never to believe unchecked. Then fix the writer.
//! Mitigations: `snapshot-checksums`.

use crate::metrics::Registry;
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{
    Component, DatabaseEffect, Effect, Hop, Scenario, ScenarioMeta, SnapshotFault, StrikeCx,
};
use crate::systems::common::DATA_ANOMALIES;
use crate::systems::orders::metrics::{LOAD_DURATION, SNAPSHOT_LOAD_FAILURES};

pub static META: ScenarioMeta = ScenarioMeta {
    id: "snapshot-corruption",
    title: "Snapshot corruption",
    category: "event-sourcing",
    kind: crate::scenario::FaultKind::Slow,
    summary: "The snapshot writer damages snapshots: loads replay whole product streams, and garbled snapshots are trusted.",
    source: crate::doc_of!("scenarios/event_sourcing/snapshot_corruption.rs"),
    own_params: &[
        ParamSpec::float(
            "corrupt_share",
            "",
            0.5,
            0.0,
            1.0,
            "Share of the snapshots written that are damaged.",
        ),
        ParamSpec::float(
            "unreadable_share",
            "",
            0.7,
            0.0,
            1.0,
            "Share of the damaged snapshots that no longer parse (the rest parse to wrong contents).",
        ),
    ],
    metrics: &[SNAPSHOT_LOAD_FAILURES, LOAD_DURATION, DATA_ANOMALIES],
    strikes: &[Component::Database],
    mitigations: &["snapshot-checksums"],
    build: || Box::new(SnapshotCorruption::default()),
    check: crate::scenario::no_check,
};

#[derive(Default)]
struct SnapshotCorruption {
    corrupt: f64,
    unreadable: f64,
}

impl Scenario for SnapshotCorruption {
    fn configure(&mut self, params: &ParamSet, _metrics: &mut Registry) {
        self.corrupt = params.f64("corrupt_share");
        self.unreadable = params.f64("unreadable_share");
    }

    fn strike(&mut self, cx: &mut StrikeCx<'_>, hop: &Hop) -> Effect {
        if hop.endpoint != "write_snapshot" || !cx.rng.chance(self.corrupt) {
            return Effect::NONE;
        }
        let fault = if cx.rng.chance(self.unreadable) {
            SnapshotFault::Unreadable
        } else {
            SnapshotFault::Garbled
        };
        Effect::on_database(DatabaseEffect {
            snapshot: Some(fault),
            ..DatabaseEffect::NONE
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;

    fn product_loads(lab: &crate::sim::Lab, source: &str) -> f64 {
        lab.metrics()
            .family_total_where("aggregate_load_duration_seconds", |_, v| {
                v[0] == "product" && v[1] == source
            })
    }

    fn garbled(lab: &crate::sim::Lab) -> f64 {
        lab.metrics()
            .family_total_where("data_anomalies_total", |_, v| {
                v[0] == "corrupt_snapshot_used"
            })
    }

    const SETS: &[(&str, &str)] = &[("snapshot-corruption.start_s", "10")];

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("orders", 721, &[], &[]), 120);
        assert_eq!(total(&off, "snapshot_load_failures_total"), 0.0);
        assert_eq!(product_loads(&off, "replay"), 0.0);
        assert!(product_loads(&off, "snapshot") > 1_000.0);
        let on = run(&config("orders", 721, &["snapshot-corruption"], SETS), 120);
        assert!(total(&on, "snapshot_load_failures_total") > 30.0);
    }

    #[test]
    fn symptom_appears() {
        let lab = run(&config("orders", 722, &["snapshot-corruption"], SETS), 180);
        let replays = product_loads(&lab, "replay");
        assert!(replays > 200.0, "{replays}");
        let p99 = quantile_where(&lab, "aggregate_load_duration_seconds", "product", 0.99);
        assert!(p99 > 0.25, "{p99}");
        assert!(garbled(&lab) > 10.0, "{}", garbled(&lab));
    }

    #[test]
    fn mitigation_reduces_symptom() {
        let without = run(&config("orders", 723, &["snapshot-corruption"], SETS), 180);
        let with = run(
            &config(
                "orders",
                723,
                &["snapshot-corruption", "snapshot-checksums"],
                SETS,
            ),
            180,
        );
        assert!(product_loads(&without, "replay") > 200.0);
        assert!(
            product_loads(&with, "replay") < product_loads(&without, "replay") / 20.0,
            "{} vs {}",
            product_loads(&with, "replay"),
            product_loads(&without, "replay")
        );
        assert!(garbled(&without) > 10.0);
        assert_eq!(garbled(&with), 0.0);
        // Caught, not hidden.
        assert!(total(&with, "snapshot_load_failures_total") > 10.0);
    }
}
