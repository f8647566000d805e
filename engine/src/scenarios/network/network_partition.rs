//! # Network partition
//!
//! The network between some service instances and one of their backends is cut: a
//! switch fails, a security-group change, a zone loses its uplink. Packets are dropped, so
//! a call across the cut hangs until its connect timeout (`connect_timeout_ms`) and then
//! fails. Only the instances on the wrong side (`share_cut` of them) are affected; the
//! load balancer's health checks still pass, because the instances themselves are up.
//!
//! ```text
//!   api-0 ─╳─╳─╳─ database          (cut: calls hang, then fail)
//!   api-1 ───────  database          (fine)
//!   api-2 ─╳─╳─╳─ database
//!   api-3 ───────  database
//! ```
//!
//! ## What to look at
//! - `network_partition_active` and `network_requests_dropped_total{link}`.
//! - 504s and latency at the connect timeout, from some instances only: the trace
//!   attribute `instance` and the logs' `instance` field show which.
//!
//! ## How to fix it
//! Route around it: `retry-backoff` sends the retry through the load balancer to
//! (probably) another instance; outlier detection that ejects instances failing their
//! calls does it for good. Then repair the network.

use crate::metrics::{CounterId, GaugeId, MetricSpec, Registry};
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{no_check, Component, Effect, Hop, Scenario, ScenarioMeta, StrikeCx};
use crate::time::{ms_to_ns, Nanos};

const ACTIVE: MetricSpec = MetricSpec::gauge(
    "network_partition_active",
    "1 while the partition is in place.",
    &[],
);
const DROPPED: MetricSpec = MetricSpec::counter(
    "network_requests_dropped_total",
    "Calls lost to the partition, by link.",
    &["link"],
);

pub static META: ScenarioMeta = ScenarioMeta {
    id: "network-partition",
    title: "Network partition",
    category: "network",
    summary: "Some instances lose their link to the database (or cache, or payment).",
    source: crate::doc_of!("scenarios/network/network_partition.rs"),
    own_params: &[
        ParamSpec::choice(
            "link",
            "database",
            &["database", "cache", "payment"],
            "Which backend the cut instances cannot reach.",
        ),
        ParamSpec::float(
            "share_cut",
            "",
            0.5,
            0.0,
            1.0,
            "Share of instances on the wrong side of the cut.",
        ),
        ParamSpec::float(
            "loss",
            "",
            1.0,
            0.0,
            1.0,
            "Share of packets lost across the cut (1 = total partition).",
        ),
        ParamSpec::float(
            "connect_timeout_ms",
            "ms",
            1000.0,
            1.0,
            600_000.0,
            "How long a call across the cut hangs before failing.",
        ),
    ],
    metrics: &[ACTIVE, DROPPED],
    strikes: &[Component::Database, Component::Cache, Component::Dependency],
    mitigations: &["retry-backoff"],
    build: || Box::new(NetworkPartition::default()),
    check: no_check,
};

#[derive(Default)]
struct NetworkPartition {
    link: Option<Component>,
    share: f64,
    loss: f64,
    timeout: Nanos,
    dropped: Option<CounterId>,
    active: Option<GaugeId>,
}

impl Scenario for NetworkPartition {
    fn configure(&mut self, params: &ParamSet, metrics: &mut Registry) {
        let link = params.choice("link");
        self.link = Some(match link {
            "cache" => Component::Cache,
            "payment" => Component::Dependency,
            _ => Component::Database,
        });
        self.share = params.f64("share_cut");
        self.loss = params.f64("loss");
        self.timeout = ms_to_ns(params.f64("connect_timeout_ms"));
        self.dropped = Some(metrics.counter(&DROPPED, &[link]));
        self.active = Some(metrics.gauge(&ACTIVE, &[]));
    }

    fn strike(&mut self, cx: &mut StrikeCx<'_>, hop: &Hop) -> Effect {
        if Some(hop.component) != self.link {
            return Effect::NONE;
        }
        // The first `share_cut` of the instances (api-0 first) are on the wrong side.
        let cut = (hop.instance as f64 + 0.5) / f64::from(hop.fleet.max(1)) < self.share;
        if !cut || !cx.rng.chance(self.loss) {
            return Effect::NONE;
        }
        if let Some(c) = self.dropped {
            cx.metrics.inc(c);
        }
        Effect {
            delay_ns: self.timeout,
            fail_status: Some(504),
            ..Effect::NONE
        }
    }

    fn on_sample(&mut self, metrics: &mut Registry, active: bool) {
        if let Some(g) = self.active {
            metrics.set(g, f64::from(u8::from(active)));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("web", 61, &[], &[]), 30);
        assert!(!registered(&off, "network_requests_dropped_total"));
        let on = run(&config("web", 61, &["network-partition"], &[]), 30);
        assert!(total(&on, "network_requests_dropped_total") > 100.0);
        assert_eq!(total(&on, "network_partition_active"), 1.0);
    }

    #[test]
    fn symptom_appears() {
        // Half the instances cannot reach the database: the calls that miss the cache
        // there hang for a second and fail.
        let mut lab = run(&config("web", 62, &["network-partition"], &[]), 60);
        let g = lab.golden();
        assert!(g.error_rate > 0.05, "{g:?}");
        assert!(g.latency_p99_s >= 0.9, "{g:?}");
        let bad: Vec<_> = lab
            .logs()
            .filter(|l| l.message == "database call timed out")
            .collect();
        assert!(!bad.is_empty());
        assert!(bad.iter().all(|l| l
            .fields
            .iter()
            .any(|(k, v)| *k == "instance" && (v == "api-0" || v == "api-1"))));
        assert!(lab.summary().errors_total > 0);
    }

    #[test]
    fn mitigation_reduces_symptom() {
        let failed = |switches: &[&str], sets: &[(&str, &str)]| {
            client_outcomes(&run(&config("web", 63, switches, sets), 90), "error")
        };
        let without = failed(&["network-partition"], &[]);
        let with = failed(
            &["network-partition", "retry-backoff"],
            &[("retry-backoff.budget_ratio", "1")],
        );
        assert!(without > 200.0, "{without}");
        assert!(
            with < without * 0.35,
            "failed calls {without} → {with}: retries land on healthy instances"
        );
    }
}
