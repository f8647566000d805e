//! The DNS resolver of the web system. Every call to the payment dependency needs the
//! provider's address: each instance caches the answer for `dns_ttl_s`, so a call with a
//! cached answer costs nothing; after expiry the next call asks the resolver across the
//! instance's `api_dns` link. A lookup takes `dns_lookup_ms` (plus the link's round trip)
//! and fails with probability `dns_failure_rate`; a failed lookup hangs for
//! `dns_timeout_ms` (the resolver timeout) and the call fails with 503 — there is nobody
//! to call. A scenario (`dns-resolution-failure`) replaces these numbers with its own
//! while it strikes (`NetworkEffect::dns`); a lost exchange on the link fails the lookup
//! too. The database is reached by address (a connection pool keeps its connections), so
//! it does not resolve per call.
//!
//! Metrics: `dns_lookups_total{outcome}`, `dns_lookup_duration_seconds`. The call's way
//! through the resolver (the scenarios asked, the link crossed) is `dependency.rs`.

use super::metrics::{DNS_DURATION, DNS_LOOKUPS};
use crate::metrics::{CounterId, HistogramId, Registry};
use crate::rng::Xoshiro256PlusPlus as Rng;
use crate::scenario::DnsFault;
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

impl Resolution {
    /// A cached answer: nothing to do.
    pub const CACHED: Resolution = Resolution {
        took_ns: 0,
        failed: false,
    };
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

    /// Whether instance `i` holds a good answer now (then the call needs no lookup).
    pub fn cached(&mut self, i: usize, now: Nanos) -> bool {
        if self.cached_until.len() <= i {
            self.cached_until.resize(i + 1, 0);
        }
        now < self.cached_until[i]
    }

    /// Instance `i` asks the resolver, behaving as `fault` says while a scenario strikes
    /// (else as its own parameters), across a link exchange that took `rtt` or was
    /// `lost`: the lookup fails or its answer is cached for the TTL.
    pub fn lookup(
        &mut self,
        core: &mut Core,
        i: usize,
        fault: Option<DnsFault>,
        lost: bool,
        rtt: Nanos,
    ) -> Resolution {
        let behaviour = fault.unwrap_or(self.own);
        let fails = lost || self.rng.chance(behaviour.failure_rate);
        let took = if fails {
            behaviour.timeout_ns
        } else {
            behaviour.lookup_ns + rtt
        };
        core.metrics.observe(self.duration, ns_to_secs(took));
        core.metrics.inc(if fails { self.failed } else { self.ok });
        if !fails {
            self.cached_until[i] = core
                .now
                .saturating_add(took)
                .saturating_add(behaviour.ttl_ns);
        }
        Resolution {
            took_ns: took,
            failed: fails,
        }
    }

    /// Forgets instance `i`'s cached answer (it restarted).
    pub fn forget(&mut self, i: usize) {
        if let Some(t) = self.cached_until.get_mut(i) {
            *t = 0;
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
