//! The DNS resolver of the web system. Every call to the payment dependency needs the
//! provider's address: each instance caches the answer for `dns_ttl_s`, so a call with a
//! cached answer costs nothing; after expiry the next call asks the resolver across the
//! instance's `api_dns` link. A lookup takes `dns_lookup_ms` (plus the link's round trip)
//! and fails with probability `dns_failure_rate`; a failed lookup hangs for
//! `dns_timeout_ms` (the resolver timeout) and the call fails with 503 — there is nobody
//! to call. A scenario (`dns-resolution-failure`) replaces these numbers with its own
//! while it strikes (`Effect::dns`); a lost exchange on the link fails the lookup too.
//! The database is reached by address (a connection pool keeps its connections), so it
//! does not resolve per call.
//!
//! Metrics: `dns_lookups_total{outcome}`, `dns_lookup_duration_seconds`.

use super::metrics::{DNS_DURATION, DNS_LOOKUPS};
use super::request::ENDPOINTS;
use super::WebModel;
use crate::metrics::{CounterId, HistogramId, Registry};
use crate::rng::Xoshiro256PlusPlus as Rng;
use crate::scenario::{DnsFault, Edge};
use crate::systems::Core;
use crate::time::{ns_to_secs, Nanos};

pub(super) struct Resolver {
    /// The resolver's own behaviour (system parameters).
    own: DnsFault,
    /// Until when each instance's cached answer is good.
    cached_until: Vec<Nanos>,
    rng: Rng,
    ok: CounterId,
    failed: CounterId,
    duration: HistogramId,
}

/// What resolving the provider's name did for one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Resolution {
    /// Time spent resolving (0 when the answer was cached).
    pub took_ns: Nanos,
    pub failed: bool,
}

impl Resolver {
    pub fn new(own: DnsFault, rng: Rng, m: &mut Registry) -> Resolver {
        Resolver {
            own,
            cached_until: Vec::new(),
            rng,
            ok: m.counter(&DNS_LOOKUPS, &["success"]),
            failed: m.counter(&DNS_LOOKUPS, &["failure"]),
            duration: m.histogram(&DNS_DURATION, &[]),
        }
    }

    /// Forgets instance `i`'s cached answer (it restarted).
    pub fn forget(&mut self, i: usize) {
        if let Some(t) = self.cached_until.get_mut(i) {
            *t = 0;
        }
    }
}

impl WebModel {
    /// Resolves the payment provider's name on `instance` for the request `seq`.
    pub(super) fn resolve(&mut self, core: &mut Core, instance: u32, seq: u64) -> Resolution {
        let i = instance as usize;
        if self.dns.cached_until.len() <= i {
            self.dns.cached_until.resize(i + 1, 0);
        }
        if core.now < self.dns.cached_until[i] {
            return Resolution {
                took_ns: 0,
                failed: false,
            };
        }
        let hop = crate::scenario::Hop {
            edge: Some(Edge::ApiDns),
            fleet: self.fleet.instances.len() as u32,
            ..crate::scenario::Hop::new(crate::scenario::Component::Network, instance, ENDPOINTS[1])
        };
        let effect =
            core.scenarios
                .strike(core.now, &hop, &mut core.metrics, &mut core.logs, Some(seq));
        let behaviour = effect.dns.unwrap_or(self.dns.own);
        let link = self.cross_with(core, Edge::ApiDns, instance, &effect.link, Some(seq));
        let fails = link.lost || self.dns.rng.chance(behaviour.failure_rate);
        let took = if fails {
            behaviour.timeout_ns
        } else {
            behaviour.lookup_ns + link.rtt()
        };
        core.metrics.observe(self.dns.duration, ns_to_secs(took));
        core.metrics
            .inc(if fails { self.dns.failed } else { self.dns.ok });
        if !fails {
            self.dns.cached_until[i] = core
                .now
                .saturating_add(took)
                .saturating_add(behaviour.ttl_ns);
        }
        Resolution {
            took_ns: took,
            failed: fails,
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;

    fn lookups(lab: &crate::sim::Lab, outcome: &str) -> f64 {
        lab.metrics()
            .family_total_where("dns_lookups_total", |_, v| v[0] == outcome)
    }

    #[test]
    fn cached_answers_cost_nothing_and_lookups_follow_the_ttl() {
        // 40 orders/s over 4 instances call payment ~10 times a second each, far more
        // often than the 5 s TTL: one lookup per instance per TTL, ≈ 4 × 60 / 5 = 48.
        let lab = run(&config("web", 711, &[], &[("dns_ttl_s", "5")]), 60);
        let ok = lookups(&lab, "success");
        assert!((44.0..=52.0).contains(&ok), "{ok} lookups");
        assert_eq!(lookups(&lab, "failure"), 0.0);
        let calls = lab
            .metrics()
            .family_total_where("dependency_requests_total", |_, _| true);
        assert!(calls > 20.0 * ok, "{calls} calls, {ok} lookups");
        let took = quantile_all(&lab, "dns_lookup_duration_seconds", 0.5);
        assert!((0.001..0.003).contains(&took), "{took}");
    }

    #[test]
    fn the_resolvers_own_failure_rate_fails_payment_calls_with_503() {
        let sets = [("dns_ttl_s", "1"), ("dns_failure_rate", "0.5")];
        let lab = run(&config("web", 712, &[], &sets), 60);
        let (ok, failed) = (lookups(&lab, "success"), lookups(&lab, "failure"));
        let share = failed / (ok + failed);
        assert!((0.4..0.6).contains(&share), "{share}");
        assert!(responses(&lab, "POST /order", "503") >= failed * 0.9);
        assert!(lab
            .logs()
            .any(|l| l.message == "payment call failed: DNS lookup of the provider failed"));
    }
}
