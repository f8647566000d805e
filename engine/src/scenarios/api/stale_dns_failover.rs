//! # Stale DNS after a failover
//!
//! The payment provider fails over to another region: its name now resolves to a new
//! address, published with a 60 s TTL, and the old address refuses connections. Clients
//! that honour the TTL look the name up again within a minute and follow. This service
//! does not: its runtime caches the answer in the process for `client_ttl_s`, longer
//! than the record says. The JVM's `networkaddress.cache.ttl` is the classic case: its
//! documentation says a value of -1 caches forever, and that forever is the default
//! when a security manager is installed; AWS's SDK guides ask Java clients to set it to
//! 60 s for this reason. So after the failover every payment call from an instance that
//! still holds the old address is refused at once (502), until that instance's cached
//! answer expires or it restarts, while the provider is healthy and other clients are
//! fine.
//!
//! This scenario models the process's own address cache (each instance resolved the
//! name when it switched on, and again `client_ttl_s` after each lookup); the system's
//! resolver, with its own TTL (`dns_ttl_s`), is not involved.
//!
//! ```text
//!   t < failover:   api-i ──▶ payment @ 10.0.1.5 ✓
//!   t ≥ failover:   DNS: payment → 10.8.3.9 (TTL 60 s)
//!                   api-i (cached 10.0.1.5 for client_ttl_s) ──▶ 10.0.1.5 ✗ refused → 502
//! ```
//!
//! ## What to look at
//! - `dependency_requests_total{outcome}` and `POST /order` 502s, starting at the failover
//!   and not stopping: every instance keeps its stale address.
//! - `payment_address_stale{instance}`: 1 while an instance still calls the old address.
//! - `dns_lookups_total`: nothing unusual; the process does not ask.
//!
//! ## How to fix it
//! Honour the record's TTL in the client (`client_ttl_s` = 60: `networkaddress.cache.ttl
//! = 60` on the JVM), so that a failover heals within a TTL; restart the instances as a
//! stopgap. Watch errors per dependency address, not only per dependency.

use crate::metrics::{CounterId, GaugeId, MetricSpec, Registry};
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{no_check, Component, Effect, Hop, Scenario, ScenarioMeta, StrikeCx};
use crate::systems::web::metrics::DEPENDENCY_REQUESTS;
use crate::time::{secs_to_ns, Nanos};

const STALE: MetricSpec = MetricSpec::gauge(
    "payment_address_stale",
    "1 while an instance calls the payment provider's old address after its failover.",
    &["instance"],
);
const REFUSED: MetricSpec = MetricSpec::counter(
    "payment_calls_refused_total",
    "Payment calls sent to the provider's old address and refused.",
    &[],
);

pub static META: ScenarioMeta = ScenarioMeta {
    id: "stale-dns-failover",
    title: "Stale DNS after a failover",
    category: "api",
    kind: crate::scenario::FaultKind::Misconfigured,
    summary: "The payment provider fails over to a new address, but the service caches DNS answers longer than their TTL and keeps calling the old one.",
    source: crate::doc_of!("scenarios/api/stale_dns_failover.rs"),
    own_params: &[
        ParamSpec::float(
            "failover_after_s",
            "s",
            30.0,
            0.0,
            86_400.0,
            "When the provider moves to its new address, after the scenario starts.",
        ),
        ParamSpec::float(
            "client_ttl_s",
            "s",
            86_400.0,
            1.0,
            31_536_000.0,
            "How long the process keeps a resolved address (86400: in practice forever; 60: the record's TTL).",
        ),
    ],
    metrics: &[STALE, REFUSED, DEPENDENCY_REQUESTS],
    strikes: &[Component::Dependency],
    mitigations: &[],
    build: || Box::new(StaleDns::default()),
    check: no_check,
};

#[derive(Default)]
struct StaleDns {
    failover_ns: Nanos,
    ttl_ns: Nanos,
    /// Per instance: when the process last resolved the name.
    resolved_at: Vec<Option<Nanos>>,
    /// When the failover happened (once it has).
    moved_at: Option<Nanos>,
    stale: Vec<GaugeId>,
    refused: Option<CounterId>,
    now: Nanos,
}

impl StaleDns {
    /// Whether instance `i` holds the old address at `now` (re-resolving if its cached
    /// answer expired).
    fn stale(&mut self, i: usize, now: Nanos) -> bool {
        if self.resolved_at.len() <= i {
            self.resolved_at.resize(i + 1, None);
        }
        let at = *self.resolved_at[i].get_or_insert(now);
        let at = if now.saturating_sub(at) >= self.ttl_ns {
            self.resolved_at[i] = Some(now);
            now
        } else {
            at
        };
        self.moved_at.is_some_and(|moved| at < moved)
    }
}

impl Scenario for StaleDns {
    fn configure(&mut self, params: &ParamSet, metrics: &mut Registry) {
        self.failover_ns = secs_to_ns(params.f64("failover_after_s"));
        self.ttl_ns = secs_to_ns(params.f64("client_ttl_s")).max(1);
        self.refused = Some(metrics.counter(&REFUSED, &[]));
    }

    fn strike(&mut self, cx: &mut StrikeCx<'_>, hop: &Hop) -> Effect {
        self.now = cx.now;
        if self.moved_at.is_none() && cx.now >= cx.active_since.saturating_add(self.failover_ns) {
            self.moved_at = Some(cx.active_since.saturating_add(self.failover_ns));
        }
        let i = hop.instance as usize;
        while self.stale.len() < hop.fleet as usize {
            let name = format!("api-{}", self.stale.len());
            self.stale.push(cx.metrics.gauge(&STALE, &[&name]));
        }
        if !self.stale(i, cx.now) {
            return Effect::NONE;
        }
        if let Some(c) = self.refused {
            cx.metrics.inc(c);
        }
        // Connection refused: the call fails at once, the provider never sees it.
        Effect {
            fail_status: Some(502),
            work_factor: 0.0,
            ..Effect::NONE
        }
    }

    fn on_sample(&mut self, metrics: &mut Registry, active: bool) {
        let now = self.now;
        for i in 0..self.stale.len() {
            let stale = active && {
                let at = self.resolved_at.get(i).copied().flatten();
                match (at, self.moved_at) {
                    (Some(at), Some(moved)) => at < moved && now.saturating_sub(at) < self.ttl_ns,
                    _ => false,
                }
            };
            metrics.set(self.stale[i], f64::from(u8::from(stale)));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;

    fn refused(lab: &crate::sim::Lab) -> f64 {
        total(lab, "payment_calls_refused_total")
    }

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("web", 1101, &[], &[]), 60);
        assert!(!registered(&off, "payment_calls_refused_total"));
        let on = run(&config("web", 1101, &["stale-dns-failover"], &[]), 20);
        // Before the failover nothing is refused.
        assert_eq!(refused(&on), 0.0);
        assert!(registered(&on, "payment_address_stale"));
        let on = run(&config("web", 1101, &["stale-dns-failover"], &[]), 60);
        assert!(refused(&on) > 100.0, "{}", refused(&on));
        assert_eq!(total(&on, "payment_address_stale"), 4.0);
    }

    #[test]
    fn symptom_appears() {
        // From the failover on, every order fails with 502 and keeps failing.
        let lab = run(&config("web", 1102, &["stale-dns-failover"], &[]), 150);
        let bad = responses(&lab, "POST /order", "502");
        let ok = responses(&lab, "POST /order", "200");
        // 30 s healthy, 120 s failing.
        assert!(bad > 2.0 * ok, "{bad} failed, {ok} ok");
        let late = mean_between(&lab, "error_rate", 120, 150);
        assert!(late > 0.15, "still failing at the end: {late}");
    }

    #[test]
    fn diagnosis_signal_identifies_it() {
        // Honouring a 60 s TTL: each instance follows within a minute of the failover.
        let lab = run(
            &config(
                "web",
                1103,
                &["stale-dns-failover"],
                &[("stale-dns-failover.client_ttl_s", "60")],
            ),
            150,
        );
        assert!(refused(&lab) > 0.0);
        let late = mean_between(&lab, "error_rate", 120, 150);
        assert!(late < 0.01, "healed within a TTL: {late}");
        assert_eq!(total(&lab, "payment_address_stale"), 0.0);
    }
}
