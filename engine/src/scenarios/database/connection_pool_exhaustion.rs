//! # Connection pool exhaustion
//!
//! Transactions hold their database connection longer: each affected query keeps it
//! `hold_ms` more (a transaction that calls another service before committing, a report
//! query that streams its rows slowly, a session left idle in transaction) and its own
//! time is multiplied by `work_factor`. A pool of `db_pool_size` connections per instance can run at most
//! `db_pool_size / hold time` queries a second (Little's law). While the query rate stays
//! below that, nothing shows but slightly slower queries; once it passes it, requests
//! queue for a connection, the queue grows until every worker is stuck waiting, and
//! requests time out or are rejected — including ones whose own query is fast.
//! With `query_type = write` (or `all`) the slow writes also hold their row locks longer,
//! so writes to hot rows queue for the lock as well (see `lock-contention`): a bigger
//! pool does not fix that part.
//!
//! ```text
//!   workers ──▶ [ pool: db_pool_size ▇▇▇▇▇▇▇▇ full ] ──▶ database (each held +hold_ms)
//!                 ▲ waiting: query rate > db_pool_size / hold time
//! ```
//!
//! The web system publishes its pool as `db_pool_in_use{instance}` and
//! `db_pool_wait_seconds`, and scenarios do not see system parameters. So this scenario's
//! `connection_pool_size` is the most connections any instance's pool has been seen to
//! hand out at once (sampled each interval) — exactly `db_pool_size` once the pool has run
//! dry; after `pool-sizing` shrinks a pool it keeps the old mark — and
//! `connection_pool_wait_seconds` repeats `db_pool_wait_seconds` bucket by bucket (each
//! sample's new waits, at their bucket's midpoint).
//!
//! ## What to look at
//! - `db_pool_in_use{instance}` flat at `connection_pool_size`: the pool is exhausted.
//! - `connection_pool_wait_seconds` (and `db_pool_wait_seconds`): p99 climbs from
//!   nothing to seconds.
//! - `db_query_duration_seconds` rises by only `hold_ms`: the time is lost waiting for a
//!   connection, not in the database. The trace waterfall shows a long `db pool wait`.
//! - Saturation and errors: `service_utilization_ratio` at 1 (workers hold requests
//!   waiting for connections), `timeouts_total{layer="database"}` with `timeouts` on,
//!   `client_requests_total{outcome="timeout"}`, 503s once the accept queue is full.
//!
//! ## How to fix it
//! Shorten what runs inside a transaction (no remote calls, no waiting while holding a
//! connection), or size the pool for the load: `db_pool_size` ≥ query rate × hold time
//! per instance (mind the database's own connection limit); `pool-sizing` does that on
//! a running system. `timeouts` (`db_timeout_ms`) bounds how long a request waits for a
//! connection: it fails fast with 504 instead of holding a worker while the queue grows.
//! Mitigations: `pool-sizing`, `timeouts`.

use crate::metrics::{GaugeId, HistogramId, MetricSpec, Registry, LATENCY_BUCKETS};
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{no_check, Component, Effect, Hop, Scenario, ScenarioMeta, StrikeCx};
use crate::systems::web::metrics::{DB_POOL_IN_USE, DB_POOL_WAIT};
use crate::time::{ms_to_ns, Nanos};

const POOL_SIZE: MetricSpec = MetricSpec::gauge(
    "connection_pool_size",
    "Connections a service instance's pool has been seen to hand out at once: db_pool_size once it has run dry.",
    &[],
);
const POOL_WAIT: MetricSpec = MetricSpec::histogram(
    "connection_pool_wait_seconds",
    "Time requests waited for a database connection (db_pool_wait_seconds, bucket by bucket).",
    &[],
    LATENCY_BUCKETS,
);

pub static META: ScenarioMeta = ScenarioMeta {
    id: "connection-pool-exhaustion",
    title: "Connection pool exhaustion",
    category: "database",
    kind: crate::scenario::FaultKind::Saturated,
    summary: "Transactions hold their connections longer until the pool runs dry and requests wait, then time out.",
    source: crate::doc_of!("scenarios/database/connection_pool_exhaustion.rs"),
    own_params: &[
        ParamSpec::float(
            "hold_ms",
            "ms",
            500.0,
            0.0,
            600_000.0,
            "Extra time each affected transaction holds its connection.",
        ),
        ParamSpec::float(
            "work_factor",
            "×",
            1.0,
            1.0,
            1000.0,
            "The query's own time is multiplied by this.",
        ),
        ParamSpec::choice(
            "query_type",
            "read",
            &["read", "write", "all"],
            "Which transactions hold on: product reads, order writes (which hold their row lock too), or both.",
        ),
    ],
    metrics: &[POOL_SIZE, POOL_WAIT],
    strikes: &[Component::Database],
    mitigations: &["pool-sizing", "timeouts"],
    build: || Box::new(PoolExhaustion::default()),
    check: no_check,
};

#[derive(Default)]
struct PoolExhaustion {
    hold_ns: Nanos,
    work_factor: f64,
    /// Reads, writes.
    affected: [bool; 2],
    pool_size: Option<GaugeId>,
    pool_wait: Option<HistogramId>,
    /// The system's per-instance `db_pool_in_use` gauges.
    in_use: Vec<GaugeId>,
    high_water: f64,
    /// `db_pool_wait_seconds` cumulative bucket counts at the last sample.
    waits_seen: Vec<u64>,
}

impl PoolExhaustion {
    /// Repeats the waits `db_pool_wait_seconds` recorded since the last sample.
    fn mirror_waits(&mut self, metrics: &mut Registry) {
        let (Some(h), Some((bounds, cum, _))) =
            (self.pool_wait, metrics.family_histogram(DB_POOL_WAIT.name))
        else {
            return;
        };
        if self.waits_seen.len() != cum.len() {
            self.waits_seen = vec![0; cum.len()];
        }
        let mut below = 0;
        for (i, &c) in cum.iter().enumerate() {
            let new = c.saturating_sub(self.waits_seen[i]).saturating_sub(below);
            below += new;
            let lo = if i == 0 { 0.0 } else { bounds[i - 1] };
            let at = bounds.get(i).map_or(2.0 * lo, |&hi| (lo + hi) / 2.0);
            for _ in 0..new {
                metrics.observe(h, at);
            }
        }
        self.waits_seen = cum;
    }
}

impl Scenario for PoolExhaustion {
    fn configure(&mut self, params: &ParamSet, metrics: &mut Registry) {
        self.hold_ns = ms_to_ns(params.f64("hold_ms"));
        self.work_factor = params.f64("work_factor").max(1.0);
        self.affected = match params.choice("query_type") {
            "read" => [true, false],
            "write" => [false, true],
            _ => [true, true],
        };
        self.pool_size = Some(metrics.gauge(&POOL_SIZE, &[]));
        self.pool_wait = Some(metrics.histogram(&POOL_WAIT, &[]));
        let instances: Vec<String> = metrics
            .series_keys()
            .filter(|k| k.name == DB_POOL_IN_USE.name)
            .filter_map(|k| k.label_values.first().cloned())
            .collect();
        self.in_use = instances
            .iter()
            .map(|i| metrics.gauge(&DB_POOL_IN_USE, &[i]))
            .collect();
        // Waits before the scenario was switched on are not repeated.
        self.waits_seen = metrics
            .family_histogram(DB_POOL_WAIT.name)
            .map(|(_, cum, _)| cum)
            .unwrap_or_default();
    }

    fn strike(&mut self, _cx: &mut StrikeCx<'_>, hop: &Hop) -> Effect {
        let write = usize::from(!hop.endpoint.starts_with("GET"));
        if !self.affected[write] {
            return Effect::NONE;
        }
        Effect {
            delay_ns: self.hold_ns,
            work_factor: self.work_factor,
            ..Effect::NONE
        }
    }

    fn on_sample(&mut self, metrics: &mut Registry, _active: bool) {
        for &g in &self.in_use {
            self.high_water = self.high_water.max(metrics.gauge_value(g));
        }
        if let Some(g) = self.pool_size {
            metrics.set(g, self.high_water);
        }
        self.mirror_waits(metrics);
    }
}

#[cfg(test)]
mod tests {
    use crate::metrics::{histogram_quantile, LATENCY_BUCKETS};
    use crate::sim::Lab;
    use crate::testkit::*;
    use crate::time::NS_PER_SEC;

    /// Quantile `q` of histogram `name` (one series) over virtual seconds `[from, to)`.
    fn quantile_between(lab: &Lab, name: &str, q: f64, from: u64, to: u64) -> f64 {
        let m = lab.metrics();
        let Some(series) = m.series_keys().find(|k| k.name == name).map(|k| k.index) else {
            return f64::NAN;
        };
        let at = |t: u64| {
            (0..m.sample_count(series))
                .filter_map(|i| m.histogram_sample(series, i))
                .find(|(ts, _)| *ts == t * NS_PER_SEC)
                .map(|(_, b)| b)
                .unwrap_or_default()
        };
        let (a, b) = (at(from), at(to));
        let window: Vec<u64> = b.iter().zip(&a).map(|(b, a)| b - a).collect();
        histogram_quantile(q, LATENCY_BUCKETS, &window)
    }

    fn db_timeouts(lab: &Lab) -> f64 {
        lab.metrics()
            .family_total_where("timeouts_total", |_, v| v[0] == "database")
    }

    /// Requests cut short by a timeout at any layer (server queue, database).
    fn timeouts(lab: &Lab) -> f64 {
        total(lab, "timeouts_total")
    }

    /// Product reads (cache misses, ~20 queries/s per instance) hold their connection
    /// 500 ms longer from t = 10 s. A 1 s database timeout: longer than any transaction
    /// here, so only waiting for a connection can exceed it.
    fn pool(extra: &[(&str, &str)]) -> Lab {
        pool_with(&[], extra)
    }

    fn pool_with(switches: &[&str], extra: &[(&str, &str)]) -> Lab {
        let mut on = vec!["connection-pool-exhaustion", "timeouts"];
        on.extend_from_slice(switches);
        let mut sets = vec![
            ("connection-pool-exhaustion.start_s", "10"),
            ("timeouts.db_timeout_ms", "1000"),
        ];
        sets.extend_from_slice(extra);
        run(&config("web", 61, &on, &sets), 60)
    }

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("web", 61, &["timeouts"], &[]), 60);
        assert!(!registered(&off, "connection_pool_size"));
        assert!(!registered(&off, "connection_pool_wait_seconds"));
        let on = pool(&[]);
        assert_eq!(total(&on, "connection_pool_size"), 8.0, "db_pool_size");
        let (mirrored, waits) = (
            total(&on, "connection_pool_wait_seconds"),
            total(&on, "db_pool_wait_seconds"),
        );
        assert!(
            mirrored > 1000.0 && waits - mirrored < 300.0,
            "{mirrored} of {waits} waits (the last second is not sampled yet)"
        );
    }

    #[test]
    fn symptom_appears() {
        // Held 500 ms more: 20/s × 0.5 s ≈ 10 connections wanted of 8 per instance.
        // Held 150 ms more: ≈ 3 of 8, hardly any queue.
        let under = pool(&[("connection-pool-exhaustion.hold_ms", "150")]);
        let over = pool(&[]);
        let wait = |lab: &Lab, from, to| {
            quantile_between(lab, "connection_pool_wait_seconds", 0.99, from, to)
        };
        assert!(wait(&over, 2, 10) < 0.005, "before: {}", wait(&over, 2, 10));
        assert!(
            wait(&under, 30, 60) < 0.1,
            "below capacity: {}",
            wait(&under, 30, 60)
        );
        assert!(
            wait(&over, 30, 60) > 0.5,
            "exhausted: {}",
            wait(&over, 30, 60)
        );
        assert_eq!(timeouts(&under), 0.0);
        // Waiting for a connection past the database timeout, and — once every worker
        // is stuck waiting — in the accept queue past the server timeout.
        assert!(db_timeouts(&over) > 10.0, "{}", db_timeouts(&over));
        assert!(timeouts(&over) > 1000.0, "{}", timeouts(&over));
        assert!(
            mean_between(&over, "utilization", 30, 60) > 0.9,
            "workers stuck"
        );
    }

    #[test]
    fn mitigation_reduces_symptom() {
        let exhausted = pool(&[]);
        let bigger_pool = pool(&[("db_pool_size", "32")]);
        let shorter = pool(&[("connection-pool-exhaustion.hold_ms", "50")]);
        let resized = pool_with(&["pool-sizing"], &[("pool-sizing.db_pool_size", "32")]);
        let wait = |lab: &Lab| quantile_between(lab, "connection_pool_wait_seconds", 0.99, 30, 60);
        for (fix, lab) in [
            ("db_pool_size=32", &bigger_pool),
            ("pool-sizing", &resized),
            ("hold_ms=50", &shorter),
        ] {
            assert!(
                wait(lab) < 0.05,
                "{fix}: pool wait p99 {} → {}",
                wait(&exhausted),
                wait(lab)
            );
            assert_eq!(timeouts(lab), 0.0, "{fix}");
            assert!(
                mean_between(lab, "latency_p99_s", 30, 60) < 1.0,
                "{fix}: p99 {} → {}",
                mean_between(&exhausted, "latency_p99_s", 30, 60),
                mean_between(lab, "latency_p99_s", 30, 60)
            );
        }
    }
}
