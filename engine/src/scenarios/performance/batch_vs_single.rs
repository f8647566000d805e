//! # Batch vs single writes
//!
//! Each order writes `items` line items to the database. Written one at a time
//! (`mode = single`), every item is its own round trip: `items` × (`round_trip_ms` +
//! `item_ms`), the connection held all along. Batched (`batch`), items go
//! `batch_size` at a time: ⌈items / batch_size⌉ round trips plus the same per-item work.
//! At the defaults (40 items, 0.5 ms round trips, 0.05 ms per item, batches of 25) that
//! is 22 ms of round trips against 3 ms — round trips grow linearly with the items one
//! at a time, and by one per `batch_size` items in batches.
//!
//! Batches have limits and partial results: a store answers a batch with the items it
//! could not process (throttled, a conflict) and the caller must send those again. Each
//! item is left unprocessed with probability `unprocessed_rate`; a batch that comes back
//! partial costs one more round trip for its leftovers, and so does each single write
//! that failed. The larger the batch, the likelier it comes back partial.
//!
//! ```text
//!   single: ──▶ item ◀── ──▶ item ◀── ──▶ item ◀── … ×40       40 round trips
//!   batch:  ──▶ [25 items] ◀── ──▶ [15 items] ◀──               2 round trips (+1 if partial)
//! ```
//!
//! ## What to look at
//! - `batch_round_trips_total{mode}`: round trips to the database, both modes
//!   registered; divided by the order rate, 40 against 2.
//! - `batch_size`: items per round trip (1, or up to `batch_size`).
//! - `batch_partial_results_total`: batches answered with unprocessed items.
//! - `db_query_duration_seconds{query_type="write"}` and the `POST /order` latency.
//!
//! ## How to fix it
//! Batch the writes (multi-row `INSERT`, `COPY`, a bulk API) within the store's limit,
//! and handle partial results: resend only the unprocessed items, with backoff. Where the
//! defaults come from: a round trip within a datacenter is 0.5 ms ("Latency numbers every
//! programmer should know"); 25 items is DynamoDB's `BatchWriteItem` limit, which answers
//! with `UnprocessedItems` (AWS DynamoDB API reference); 40 items and 0.05 ms per item
//! are assumptions to set to your own.

use crate::metrics::{CounterId, HistogramId, MetricSpec, Registry};
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{no_check, Component, Effect, Hop, Scenario, ScenarioMeta, StrikeCx};
use crate::time::ms_to_ns;

const SIDES: [&str; 2] = ["single", "batch"];
const ORDER: &str = "POST /order";

const SIZE: MetricSpec = MetricSpec::histogram(
    "batch_size",
    "Items sent in one round trip to the database.",
    &[],
    &[1.0, 2.0, 5.0, 10.0, 25.0, 50.0, 100.0, 250.0, 500.0, 1000.0],
);
const ROUND_TRIPS: MetricSpec = MetricSpec::counter(
    "batch_round_trips_total",
    "Round trips to the database for order items, by mode.",
    &["mode"],
);
const PARTIAL: MetricSpec = MetricSpec::counter(
    "batch_partial_results_total",
    "Batches answered with some items unprocessed (sent again).",
    &[],
);

pub static META: ScenarioMeta = ScenarioMeta {
    id: "batch-vs-single",
    title: "Batch vs single writes",
    category: "performance",
    kind: crate::scenario::FaultKind::Slow,
    summary: "Each order writes its items one round trip at a time or in batches: round trips, connection time and partial results.",
    source: crate::doc_of!("scenarios/performance/batch_vs_single.rs"),
    own_params: &[
        ParamSpec::choice("mode", "single", &SIDES, "One round trip per item, or batches."),
        ParamSpec::int("items", "items", 40, 1, 100_000, "Items each order writes."),
        ParamSpec::int("batch_size", "items", 25, 1, 100_000, "Most items in one batch."),
        ParamSpec::float("round_trip_ms", "ms", 0.5, 0.0, 60_000.0, "Time of one round trip to the database."),
        ParamSpec::float("item_ms", "ms", 0.05, 0.0, 60_000.0, "Database work per item."),
        ParamSpec::float(
            "unprocessed_rate",
            "",
            0.01,
            0.0,
            0.9,
            "Chance that an item comes back unprocessed and must be sent again.",
        ),
    ],
    metrics: &[SIZE, ROUND_TRIPS, PARTIAL],
    strikes: &[Component::Database],
    mitigations: &[],
    build: || Box::new(Batching::default()),
    check: no_check,
};

/// Round trips to send `items` in batches of `size` (one each when `size` is 1).
pub fn round_trips(items: u64, size: u64) -> u64 {
    items.div_ceil(size.max(1))
}

#[derive(Default)]
struct Batching {
    batch: bool,
    items: u64,
    size: u64,
    round_trip_ns: u64,
    item_ns: u64,
    unprocessed: f64,
    hist: Option<HistogramId>,
    trips: [Option<CounterId>; 2],
    partial: Option<CounterId>,
}

impl Scenario for Batching {
    fn configure(&mut self, params: &ParamSet, metrics: &mut Registry) {
        self.batch = params.choice("mode") == "batch";
        self.items = u64::try_from(params.i64("items")).unwrap_or(1);
        self.size = if self.batch {
            u64::try_from(params.i64("batch_size")).unwrap_or(1)
        } else {
            1
        };
        self.round_trip_ns = ms_to_ns(params.f64("round_trip_ms"));
        self.item_ns = ms_to_ns(params.f64("item_ms"));
        self.unprocessed = params.f64("unprocessed_rate");
        self.hist = Some(metrics.histogram(&SIZE, &[]));
        for (i, side) in SIDES.into_iter().enumerate() {
            self.trips[i] = Some(metrics.counter(&ROUND_TRIPS, &[side]));
        }
        self.partial = Some(metrics.counter(&PARTIAL, &[]));
    }

    fn strike(&mut self, cx: &mut StrikeCx<'_>, hop: &Hop) -> Effect {
        if hop.endpoint != ORDER {
            return Effect::NONE;
        }
        let (mut pending, mut trips, mut sent) = (self.items, 0u64, 0u64);
        // Send everything pending, a batch at a time; what comes back unprocessed goes
        // again (at most 10 rounds).
        for _ in 0..10 {
            if pending == 0 {
                break;
            }
            let mut left = 0;
            let mut rest = pending;
            while rest > 0 {
                let n = rest.min(self.size);
                rest -= n;
                trips += 1;
                sent += n;
                if let Some(h) = self.hist {
                    cx.metrics.observe(h, n as f64);
                }
                let failed = if self.unprocessed > 0.0 {
                    (0..n).filter(|_| cx.rng.chance(self.unprocessed)).count() as u64
                } else {
                    0
                };
                if failed > 0 && self.batch {
                    if let Some(c) = self.partial {
                        cx.metrics.inc(c);
                    }
                }
                left += failed;
            }
            pending = left;
        }
        if let Some(c) = self.trips[usize::from(self.batch)] {
            cx.metrics.add(c, trips as f64);
        }
        let ns = trips
            .saturating_mul(self.round_trip_ns)
            .saturating_add(sent.saturating_mul(self.item_ns));
        Effect::delay(ns)
    }
}

#[cfg(test)]
mod tests {
    use super::round_trips;
    use crate::testkit::*;

    const ID: &str = "batch-vs-single";

    fn trips(lab: &crate::sim::Lab, mode: &str) -> f64 {
        lab.metrics()
            .family_total_where("batch_round_trips_total", |_, v| v[0] == mode)
    }

    fn write_p50(lab: &crate::sim::Lab) -> f64 {
        quantile_where(lab, "db_query_duration_seconds", "write", 0.5)
    }

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("web", 2161, &[], &[]), 30);
        assert!(!registered(&off, "batch_round_trips_total"));
        assert!(!registered(&off, "batch_size"));
        let on = run(&config("web", 2161, &[ID], &[]), 30);
        let (_, cum, sum) = on.metrics().family_histogram("batch_size").unwrap();
        let count = *cum.last().unwrap() as f64;
        assert!(
            count > 40_000.0 && sum == count,
            "single: one item per round trip"
        );
        // ~40 orders/s × ~40.4 round trips for 30 s.
        let t = trips(&on, "single");
        assert!((40_000.0..56_000.0).contains(&t), "{t}");
        assert_eq!(trips(&on, "batch"), 0.0);
        assert_eq!(total(&on, "batch_partial_results_total"), 0.0);
    }

    #[test]
    fn symptom_appears() {
        // Round trips: linear in the items one at a time, one per batch_size in batches.
        assert_eq!(round_trips(80, 1), 2 * round_trips(40, 1));
        assert_eq!(round_trips(40, 25), 2);
        assert_eq!(round_trips(80, 25), 4);
        let off = run(&config("web", 2162, &[], &[]), 60);
        let single = run(&config("web", 2162, &[ID], &[]), 60);
        assert!(
            write_p50(&single) > write_p50(&off) + 0.015,
            "write p50 {} → {}",
            write_p50(&off),
            write_p50(&single)
        );
    }

    #[test]
    fn mitigation_reduces_symptom() {
        let single = run(&config("web", 2163, &[ID], &[]), 60);
        let batch = run(
            &config("web", 2163, &[ID], &[("batch-vs-single.mode", "batch")]),
            60,
        );
        let off = run(&config("web", 2163, &[], &[]), 60);
        let (s, b, o) = (write_p50(&single), write_p50(&batch), write_p50(&off));
        assert!(
            b - o < (s - o) * 0.3,
            "write p50 {o}: single {s}, batch {b}"
        );
        assert!(trips(&batch, "batch") < trips(&single, "single") * 0.1);
        // The trade-off: batches come back partial and must be resent.
        let partial = total(&batch, "batch_partial_results_total");
        let batches = trips(&batch, "batch");
        // 1 − 0.99²⁵ ≈ 22 % of full batches, 1 − 0.99¹⁵ ≈ 14 % of the rest.
        assert!(
            (0.12..0.25).contains(&(partial / batches)),
            "{partial} of {batches}"
        );
    }
}
