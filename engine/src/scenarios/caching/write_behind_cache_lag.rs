//! # Write-behind cache lag
//!
//! Orders write to the cache and are acknowledged at once; the cache flushes the
//! buffered writes to the database in batches every `flush_interval_ms` (write-behind,
//! write-back). Writes get fast, and the database is now behind the cache by up to a
//! flush interval. Whatever reads the database directly — other services, reports, a
//! search indexer (a share `direct_read_share` of product reads), or any cache miss —
//! gets the old row, and a miss puts that old row back in the cache. And the buffer is
//! volatile: when the cache node restarts (`crash_after_s`), every write it had not
//! flushed is gone, although each was answered 200.
//!
//! ```text
//!   POST /order ─▶ cache v8 ✓ 200 ──(flush every N s)──▶ database v8
//!   GET (direct or miss) ─▶ database v7 ✗ stale        cache restart ─▶ v8 lost ✗
//! ```
//!
//! ## What to look at
//! - `write_behind_backlog` (writes not yet in the database) and
//!   `write_behind_lag_seconds` (age of the oldest): the window for stale reads.
//! - The data-integrity panel: `data_anomalies_total{kind="stale_read"}` while the
//!   backlog is up, and `lost_write` when the cache restarts.
//!
//! ## How to fix it
//! Write through: the database first, then set the cache (`write-through`). Or shorten
//! the flush interval (`flush_interval_ms`): the stale window shrinks with it, but never
//! closes, and a crash still loses the last interval's writes. Write-behind needs a
//! durable buffer (a replicated log) before acknowledging.
//! Mitigations: `write-through`.

use crate::metrics::{CounterId, MetricSpec, Registry};
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{
    no_check, CacheEffect, Component, DatabaseEffect, Effect, Hop, Scenario, ScenarioMeta, StrikeCx,
};
use crate::systems::web::metrics::{DATA_ANOMALIES, WB_BACKLOG, WB_FLUSHED, WB_LAG};
use crate::time::{ms_to_ns, secs_to_ns, Nanos};

const DIRECT: MetricSpec = MetricSpec::counter(
    "direct_database_reads_total",
    "Product reads that went straight to the database, past the cache.",
    &[],
);

pub static META: ScenarioMeta = ScenarioMeta {
    id: "write-behind-cache-lag",
    title: "Write-behind cache lag",
    category: "caching",
    kind: crate::scenario::FaultKind::Inconsistent,
    summary: "Writes land in the cache and reach the database in batches: stale database reads, and lost writes when the cache restarts.",
    source: crate::doc_of!("scenarios/caching/write_behind_cache_lag.rs"),
    own_params: &[
        ParamSpec::float(
            "flush_interval_ms",
            "ms",
            5000.0,
            1.0,
            3_600_000.0,
            "How often the cache flushes buffered writes to the database.",
        ),
        ParamSpec::float(
            "direct_read_share",
            "",
            0.1,
            0.0,
            1.0,
            "Share of product reads that query the database directly.",
        ),
        ParamSpec::float(
            "crash_after_s",
            "s",
            0.0,
            0.0,
            86_400.0,
            "Seconds after it starts when the cache node restarts and loses its buffer; 0 = never.",
        ),
    ],
    metrics: &[DIRECT, WB_BACKLOG, WB_LAG, WB_FLUSHED, DATA_ANOMALIES],
    strikes: &[Component::Cache, Component::Database],
    mitigations: &["write-through"],
    build: || Box::new(WriteBehindCacheLag::default()),
    check: no_check,
};

#[derive(Default)]
struct WriteBehindCacheLag {
    flush_ns: Nanos,
    direct_share: f64,
    crash_after_ns: Nanos,
    crashed: bool,
    direct: Option<CounterId>,
}

impl Scenario for WriteBehindCacheLag {
    fn configure(&mut self, params: &ParamSet, metrics: &mut Registry) {
        self.flush_ns = ms_to_ns(params.f64("flush_interval_ms")).max(1);
        self.direct_share = params.f64("direct_read_share");
        self.crash_after_ns = secs_to_ns(params.f64("crash_after_s"));
        self.crashed = false;
        self.direct = Some(metrics.counter(&DIRECT, &[]));
    }

    fn strike(&mut self, cx: &mut StrikeCx<'_>, hop: &Hop) -> Effect {
        let write = hop.endpoint == "POST /order";
        match hop.component {
            Component::Cache if !write && cx.rng.chance(self.direct_share) => {
                if let Some(c) = self.direct {
                    cx.metrics.inc(c);
                }
                Effect::on_cache(CacheEffect {
                    bypass: true,
                    ..CacheEffect::NONE
                })
            }
            Component::Database => {
                let crash = self.crash_after_ns > 0
                    && !self.crashed
                    && cx.now >= cx.active_since.saturating_add(self.crash_after_ns);
                self.crashed |= crash;
                Effect::on_database(DatabaseEffect {
                    write_behind_ns: if write { self.flush_ns } else { 0 },
                    drop_write_buffer: crash,
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

    /// Sampled values of an unlabelled gauge.
    fn gauge(lab: &crate::sim::Lab, name: &str) -> Vec<f64> {
        let m = lab.metrics();
        m.series_keys()
            .find(|k| k.name == name)
            .map(|k| m.points(k.index).into_iter().map(|p| p.1).collect())
            .unwrap_or_default()
    }

    fn anomalies(lab: &crate::sim::Lab, kind: &str) -> f64 {
        lab.metrics()
            .family_total_where("data_anomalies_total", |_, v| v[0] == kind)
    }

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("web", 611, &[], &[]), 30);
        for name in ["write_behind_backlog", "direct_database_reads_total"] {
            assert!(!registered(&off, name), "{name}");
        }
        let on = run(&config("web", 611, &["write-behind-cache-lag"], &[]), 30);
        let direct = total(&on, "direct_database_reads_total");
        // 10% of ~160 reads/s × 30 s.
        assert!((350.0..650.0).contains(&direct), "{direct}");
        let flushed = total(&on, "write_behind_flushed_total");
        assert!((900.0..1_300.0).contains(&flushed), "{flushed}");
        assert!(gauge(&on, "write_behind_backlog").iter().any(|&b| b > 20.0));
    }

    #[test]
    fn symptom_appears() {
        let lab = run(
            &config(
                "web",
                612,
                &["write-behind-cache-lag"],
                &[("write-behind-cache-lag.crash_after_s", "30")],
            ),
            60,
        );
        let stale = anomalies(&lab, "stale_read");
        let lost = anomalies(&lab, "lost_write");
        assert!(stale > 50.0, "{stale}");
        // ~40 writes/s, up to 5 s of them unflushed at the restart.
        assert!(lost > 10.0, "{lost}");
        let lag = gauge(&lab, "write_behind_lag_seconds");
        assert!(lag.iter().any(|&l| l > 3.0), "{lag:?}");
    }

    #[test]
    fn mitigation_reduces_symptom() {
        let stale = |switches: &[&str], sets: &[(&str, &str)]| {
            anomalies(&run(&config("web", 613, switches, sets), 60), "stale_read")
        };
        let lagging = stale(&["write-behind-cache-lag"], &[]);
        let short = stale(
            &["write-behind-cache-lag"],
            &[("write-behind-cache-lag.flush_interval_ms", "200")],
        );
        let through = stale(&["write-behind-cache-lag", "write-through"], &[]);
        assert!(lagging > 50.0, "{lagging}");
        assert!(
            short < lagging * 0.3,
            "flush every 200 ms: {lagging} → {short}"
        );
        assert_eq!(through, 0.0, "write-through leaves no stale database read");
    }
}
