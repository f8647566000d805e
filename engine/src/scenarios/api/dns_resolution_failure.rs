//! # DNS resolution failure
//!
//! Every payment call needs the provider's address, from the system's DNS resolver part
//! (`dns_*` parameters of the web system). Each instance caches the DNS answer for
//! `record_ttl_s`; when it expires, the next calls ask the resolver again. The scenario
//! makes the resolver fail, replacing its parameters with its own: a lookup now fails with probability `failure_rate`, and a failed
//! lookup hangs for `resolve_timeout_ms` (the resolver's timeout) before the call fails
//! with 503 — there is nobody to call. A lookup that succeeds (`lookup_ms`) refills the
//! instance's cache and orders work again until the record expires. So failures come in
//! short bursts after each expiry, each failed order slow, and on some instances more
//! than others. On an unlucky instance a long run of failed lookups holds every worker,
//! and its product pages, which never call payment, queue and get 503s as well.
//!
//! ```text
//!   api-i ──POST /order──▶ resolve payment.example ──▶ resolver ✗ (hangs 5 s, 503)
//!           cached for record_ttl_s after a lookup that works ──▶ payment ✓
//! ```
//!
//! ## What to look at
//! - `dns_lookups_total{outcome}` and `dns_lookup_duration_seconds`: failed lookups sit at
//!   the resolver timeout.
//! - `POST /order` 503s and latency at the resolver timeout; error logs "payment call
//!   failed: DNS lookup of the provider failed" with status 503; the trace's payment span is all lookup, no provider.
//! - `dependency_request_duration_seconds` gains a second mode at the resolver timeout.
//!
//! ## How to fix it
//! A failed lookup is transient: `retry-backoff` retries the order a moment later, and by
//! then a lookup has usually succeeded and the record is cached. Lasting fixes: a shorter
//! resolver timeout, serving the last good record when the resolver fails
//! (stale-if-error), longer TTLs, and a redundant resolver.
//! Mitigations: `retry-backoff`.

use crate::metrics::Registry;
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{
    no_check, Component, DnsFault, Edge, Effect, Hop, NetworkEffect, Scenario, ScenarioMeta,
    StrikeCx,
};
use crate::systems::web::metrics::{DNS_DURATION, DNS_LOOKUPS};
use crate::time::{ms_to_ns, secs_to_ns};

pub static META: ScenarioMeta = ScenarioMeta {
    id: "dns-resolution-failure",
    title: "DNS resolution failure",
    category: "api",
    kind: crate::scenario::FaultKind::Unreachable,
    summary: "The resolver fails most lookups: after each cache expiry, orders hang on DNS and fail with 503.",
    source: crate::doc_of!("scenarios/api/dns_resolution_failure.rs"),
    own_params: &[
        ParamSpec::float(
            "failure_rate",
            "",
            0.8,
            0.0,
            1.0,
            "Share of DNS lookups that fail.",
        ),
        ParamSpec::float(
            "resolve_timeout_ms",
            "ms",
            5000.0,
            0.0,
            600_000.0,
            "How long a failing lookup hangs before it gives up.",
        ),
        ParamSpec::float(
            "lookup_ms",
            "ms",
            2.0,
            0.0,
            60_000.0,
            "How long a successful lookup takes.",
        ),
        ParamSpec::float(
            "record_ttl_s",
            "s",
            5.0,
            0.0,
            86_400.0,
            "How long an instance caches a successful answer.",
        ),
    ],
    metrics: &[DNS_LOOKUPS, DNS_DURATION],
    // The resolver sits on the way to payment: the diagram marks the payment node.
    strikes: &[Component::Network, Component::Dependency],
    mitigations: &["retry-backoff"],
    build: || Box::new(DnsResolutionFailure::default()),
    check: no_check,
};

/// The resolver behaviour it imposes on the shared resolver part (`systems/web/dns.rs`).
#[derive(Default)]
struct DnsResolutionFailure {
    fault: Option<DnsFault>,
}

impl Scenario for DnsResolutionFailure {
    fn configure(&mut self, params: &ParamSet, _metrics: &mut Registry) {
        self.fault = Some(DnsFault {
            failure_rate: params.f64("failure_rate"),
            timeout_ns: ms_to_ns(params.f64("resolve_timeout_ms")),
            lookup_ns: ms_to_ns(params.f64("lookup_ms")),
            ttl_ns: secs_to_ns(params.f64("record_ttl_s")),
        });
    }

    fn strike(&mut self, _cx: &mut StrikeCx<'_>, hop: &Hop) -> Effect {
        if hop.edge != Some(Edge::ApiDns) {
            return Effect::NONE;
        }
        Effect::on_network(NetworkEffect {
            dns: self.fault,
            ..NetworkEffect::NONE
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;

    #[test]
    fn declared_metrics_move_only_when_on() {
        // The resolver is a standing part: off, its lookups all succeed, once per instance
        // and TTL (60 s: one each in 30 s).
        let off = run(&config("web", 381, &[], &[]), 30);
        let lookups_in = |lab: &crate::sim::Lab, o: &str| {
            lab.metrics()
                .family_total_where("dns_lookups_total", |_, v| v[0] == o)
        };
        assert_eq!(lookups_in(&off, "failure"), 0.0);
        assert_eq!(lookups_in(&off, "success"), 4.0);
        let on = run(&config("web", 381, &["dns-resolution-failure"], &[]), 30);
        let lookups = |o: &str| lookups_in(&on, o);
        // Four instances, one good answer per expiry each: ~4 × 30 / 5 successes, and
        // about four failures before each.
        assert!(
            (15.0..35.0).contains(&lookups("success")),
            "{}",
            lookups("success")
        );
        assert!(
            lookups("failure") > 2.0 * lookups("success"),
            "{} failures",
            lookups("failure")
        );
    }

    #[test]
    fn symptom_appears() {
        // After every expiry, orders on that instance hang 5 s on DNS and fail with 503;
        // reads suffer only where a run of failures took every worker.
        let lab = run(&config("web", 382, &["dns-resolution-failure"], &[]), 90);
        let failed = responses(&lab, "POST /order", "503");
        let ok = responses(&lab, "POST /order", "200");
        let share = failed / (failed + ok);
        assert!((0.04..0.2).contains(&share), "503 share of orders {share}");
        let slow = quantile_where(&lab, "http_request_duration_seconds", "POST /order", 0.99);
        assert!(
            slow > 4.0,
            "failing orders wait the resolver timeout: p99 {slow}"
        );
        let reads = failed_responses(&lab, "GET /product");
        let read_share = reads
            / lab
                .metrics()
                .family_total_where("http_requests_total", |_, v| v[1] == "GET /product");
        assert!(
            read_share < share / 2.0,
            "reads suffer only where hung lookups took every worker: {read_share}"
        );
    }

    #[test]
    fn mitigation_reduces_symptom() {
        // The client times out at 5 s together with the lookup; a jittered retry a moment
        // later finds the record cached.
        let failed = |switches: &[&str]| {
            let lab = run(&config("web", 383, switches, &[]), 120);
            client_outcomes(&lab, "error") + client_outcomes(&lab, "timeout")
        };
        let without = failed(&["dns-resolution-failure"]);
        let with = failed(&["dns-resolution-failure", "retry-backoff"]);
        assert!(without > 200.0, "{without}");
        assert!(
            with < without * 0.3,
            "failed calls {without} → {with} with retries"
        );
    }
}
