//! # Split brain
//!
//! A network partition cuts the primary database off from the failover coordinator
//! (Orchestrator, Patroni, a cloud's managed failover). After `failover_s` the
//! coordinator, seeing no primary, promotes the replica: now there are two primaries.
//! The old one never learned it was demoted, and the instances on its side of the
//! partition (`stale_share` of them, api-0 first: their connections and cached DNS
//! still point at it) keep writing to it, and it keeps accepting and acknowledging. The
//! clients see nothing wrong: every order succeeds. When the partition heals at
//! `heal_s`, the two histories have diverged and only one can stay: the old primary's
//! writes since the promotion are rolled back (`pg_rewind`, a MySQL errant-transaction
//! cleanup) — orders that were confirmed to their customers are gone.
//!
//! ```text
//!   api-0, api-1 ──▶ old primary  "I am the leader"  ✓ 200 … later rolled back
//!                        ╳ partition ╳
//!   api-2, api-3 ──▶ new primary  "I am the leader"  ✓ 200
//!                  (promoted after failover_s)
//! ```
//!
//! ## What to look at
//! - `db_primary_count`: 2 from the promotion until the heal — the one number that says
//!   split brain.
//! - `split_brain_divergent_writes`: writes the old primary accepted since the
//!   promotion, growing at about half the order rate (20 a second with the defaults);
//!   `split_brain_lost_writes_total`: those rolled back at the heal (about 500).
//! - No error anywhere: `http_requests_total{endpoint="POST /order"}` is all 200s,
//!   exactly as without the scenario. Split brain is silent data loss.
//!
//! ## How to fix it
//! Fence the old leader: every leader holds a lease with a monotonically increasing
//! token (its epoch), and storage or the old primary itself refuses writes from an
//! epoch older than the newest (`fencing`: STONITH, quorum-based leases, Raft terms).
//! With `fencing` on, the old primary's writes are refused with 503
//! (`fencing_rejected_writes_total`) instead of being acknowledged and lost: the same
//! orders fail visibly, and a client may retry them: with `retry-backoff` (and a
//! budget that allows the retries, `budget_ratio` 1) a retry goes through the load
//! balancer to another instance, half of which write to the new primary, and about a
//! quarter of the refused orders still fail after three attempts. Prefer consistency
//! to availability for writes that must not be lost.
//! Mitigations: `retry-backoff`.
//!
//! Where the numbers come from: GitHub's incident of 21 October 2018 (a 43-second
//! network partition, a cross-country failover, writes on both sides, 24 hours to
//! reconcile; GitHub Engineering blog, "October 21 post-incident analysis"); Martin
//! Kleppmann, "How to do distributed locking" (2016) and "Designing Data-Intensive
//! Applications" ch. 8, on fencing tokens. The 5 s failover and 30 s heal are the lab's.

use crate::metrics::{CounterId, GaugeId, MetricSpec, Registry};
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{no_check, Component, Effect, Hop, Scenario, ScenarioMeta, StrikeCx};
use crate::time::{secs_to_ns, Nanos};

const PRIMARIES: MetricSpec = MetricSpec::gauge(
    "db_primary_count",
    "Database nodes that accept writes as the primary.",
    &[],
);
const DIVERGENT: MetricSpec = MetricSpec::gauge(
    "split_brain_divergent_writes",
    "Writes the old primary accepted since another was promoted, not yet reconciled.",
    &[],
);
const LOST: MetricSpec = MetricSpec::counter(
    "split_brain_lost_writes_total",
    "Acknowledged writes rolled back when the partition healed.",
    &[],
);
const FENCED: MetricSpec = MetricSpec::counter(
    "fencing_rejected_writes_total",
    "Writes the old primary refused because a newer leader's token exists.",
    &[],
);

pub static META: ScenarioMeta = ScenarioMeta {
    id: "split-brain",
    title: "Split brain",
    category: "database",
    kind: crate::scenario::FaultKind::Inconsistent,
    summary: "After a partition two database primaries accept writes; at the heal one side's acknowledged writes are rolled back.",
    source: crate::doc_of!("scenarios/database/split_brain.rs"),
    own_params: &[
        ParamSpec::float(
            "failover_s",
            "s",
            5.0,
            0.0,
            86_400.0,
            "Seconds from the partition (the scenario's start) until the replica is promoted.",
        ),
        ParamSpec::float(
            "heal_s",
            "s",
            30.0,
            0.0,
            86_400.0,
            "Seconds from the partition until it heals and the old primary's writes are rolled back.",
        ),
        ParamSpec::float(
            "stale_share",
            "",
            0.5,
            0.0,
            1.0,
            "Share of the instances (api-0 first) that keep writing to the old primary.",
        ),
        ParamSpec::boolean(
            "fencing",
            false,
            "The old primary refuses writes once a newer leader holds the lease (fencing token).",
        ),
    ],
    metrics: &[PRIMARIES, DIVERGENT, LOST, FENCED],
    strikes: &[Component::Database],
    mitigations: &["retry-backoff"],
    build: || Box::new(SplitBrain::default()),
    check: no_check,
};

#[derive(Default)]
struct SplitBrain {
    failover_ns: Nanos,
    heal_ns: Nanos,
    stale_share: f64,
    fencing: bool,
    since: Nanos,
    now: Nanos,
    divergent: u64,
    ids: Option<(GaugeId, GaugeId, CounterId, CounterId)>,
}

impl SplitBrain {
    /// Whether two primaries accept writes at `now`.
    fn split(&self, now: Nanos) -> bool {
        let age = now.saturating_sub(self.since);
        age >= self.failover_ns && age < self.heal_ns
    }

    /// At the heal, the old primary's writes are rolled back.
    fn reconcile(&mut self, metrics: &mut Registry, now: Nanos) {
        if self.divergent > 0 && now.saturating_sub(self.since) >= self.heal_ns {
            if let Some((_, _, lost, _)) = self.ids {
                metrics.add(lost, self.divergent as f64);
            }
            self.divergent = 0;
        }
    }
}

impl Scenario for SplitBrain {
    fn configure(&mut self, params: &ParamSet, metrics: &mut Registry) {
        self.failover_ns = secs_to_ns(params.f64("failover_s"));
        self.heal_ns = secs_to_ns(params.f64("heal_s"));
        self.stale_share = params.f64("stale_share");
        self.fencing = params.bool("fencing");
        self.ids = Some((
            metrics.gauge(&PRIMARIES, &[]),
            metrics.gauge(&DIVERGENT, &[]),
            metrics.counter(&LOST, &[]),
            metrics.counter(&FENCED, &[]),
        ));
    }

    fn strike(&mut self, cx: &mut StrikeCx<'_>, hop: &Hop) -> Effect {
        if self.since != cx.active_since {
            self.since = cx.active_since;
            self.divergent = 0;
        }
        self.now = self.now.max(cx.now);
        self.reconcile(cx.metrics, cx.now);
        let write = hop.endpoint == "POST /order";
        let stale_side =
            (f64::from(hop.instance) + 0.5) / f64::from(hop.fleet.max(1)) < self.stale_share;
        if !write || !stale_side || !self.split(cx.now) {
            return Effect::NONE;
        }
        if self.fencing {
            if let Some((_, _, _, fenced)) = self.ids {
                cx.metrics.inc(fenced);
            }
            return Effect::fail(503);
        }
        self.divergent += 1;
        Effect::NONE
    }

    fn on_sample(&mut self, metrics: &mut Registry, active: bool) {
        let now = self.now;
        self.reconcile(metrics, now);
        if let Some((primaries, divergent, _, _)) = self.ids {
            let two = active && self.split(now);
            metrics.set(primaries, if two { 2.0 } else { 1.0 });
            metrics.set(divergent, self.divergent as f64);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;
    use crate::time::NS_PER_SEC;

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("web", 2181, &[], &[]), 30);
        for name in [
            "db_primary_count",
            "split_brain_divergent_writes",
            "split_brain_lost_writes_total",
            "fencing_rejected_writes_total",
        ] {
            assert!(!registered(&off, name), "{name}");
        }
        let mut on = run(&config("web", 2181, &["split-brain"], &[]), 3);
        assert_eq!(total(&on, "db_primary_count"), 1.0);
        on.run_until(20 * NS_PER_SEC);
        assert_eq!(total(&on, "db_primary_count"), 2.0);
        // ~20 writes/s from the stale half for 15 s.
        let divergent = total(&on, "split_brain_divergent_writes");
        assert!((220.0..400.0).contains(&divergent), "{divergent}");
        on.run_until(40 * NS_PER_SEC);
        assert_eq!(total(&on, "db_primary_count"), 1.0);
        assert_eq!(total(&on, "split_brain_divergent_writes"), 0.0);
        let lost = total(&on, "split_brain_lost_writes_total");
        assert!((400.0..620.0).contains(&lost), "{lost}");
    }

    #[test]
    fn symptom_appears() {
        // Orders are lost, and nothing returned an error: the same answers as without it.
        let on = run(&config("web", 2182, &["split-brain"], &[]), 40);
        let off = run(&config("web", 2182, &[], &[]), 40);
        assert!(total(&on, "split_brain_lost_writes_total") > 400.0);
        assert_eq!(
            failed_responses(&on, "POST /order"),
            failed_responses(&off, "POST /order")
        );
        assert_eq!(
            client_outcomes(&on, "error"),
            client_outcomes(&off, "error")
        );
    }

    #[test]
    fn mitigation_reduces_symptom() {
        let cfg = config(
            "web",
            2183,
            &["split-brain"],
            &[("split-brain.fencing", "true")],
        );
        let fenced = run(&cfg, 40);
        assert_eq!(total(&fenced, "split_brain_lost_writes_total"), 0.0);
        // The same writes now fail visibly instead.
        let refused = total(&fenced, "fencing_rejected_writes_total");
        assert!((400.0..620.0).contains(&refused), "{refused}");
        assert_eq!(responses(&fenced, "POST /order", "503"), refused);
        // Retries carry most of them to the new primary.
        let mut cfg = cfg;
        cfg.enable("retry-backoff").unwrap();
        cfg.set("retry-backoff.budget_ratio", "1").unwrap();
        let retried = run(&cfg, 40);
        let failed = client_outcomes(&retried, "error");
        assert!(failed < refused * 0.4, "client errors {refused} → {failed}");
    }
}
