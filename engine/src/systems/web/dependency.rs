//! The request path through the payment dependency: admitted by its breaker and
//! bulkhead, the provider's name resolved (`dns.rs`), the call over its network link,
//! cut by the dependency timeout; the part itself is `payment.rs`.

use super::dns::Resolution;
use super::request::{Ev, ENDPOINTS};
use super::{link, WebModel, DEPENDENCY};
use crate::scenario::{Component, Edge, Hop};
use crate::systems::Core;

impl WebModel {
    pub(super) fn call_payment(&mut self, core: &mut Core, id: u32) {
        let r = self.reqs[id as usize];
        let probe = match self.payment.admit(core, r.instance as usize) {
            Ok(probe) => probe,
            Err(_) => {
                let rr = &mut self.reqs[id as usize];
                rr.fail_status = Some(503);
                rr.failed_at = Some(Component::Dependency);
                self.respond(core, id, Some(503), true);
                return;
            }
        };
        let hop = Hop::new(Component::Dependency, r.instance, ENDPOINTS[1]);
        let mut effect = self.strike(core, hop, r.seq);
        let dns = self.resolve(core, r.instance, r.seq);
        if dns.failed {
            // No address, no call: the provider does no work.
            effect.delay_ns = effect.delay_ns.saturating_add(dns.took_ns);
            effect.work_factor = 0.0;
            effect.fail_status = Some(503);
        } else {
            effect.delay_ns = effect.delay_ns.saturating_add(dns.took_ns);
        }
        let link = if dns.failed {
            link::Crossing::NONE
        } else {
            self.cross(core, Edge::ApiPayment, r.instance, ENDPOINTS[1], r.seq)
        };
        let rtt = link.rtt();
        let rr = &mut self.reqs[id as usize];
        rr.dns_failed = dns.failed;
        rr.dns_ns = dns.took_ns;
        rr.probe = probe;
        rr.dep_start = core.now;
        rr.callbacks = effect.dependency().callbacks;
        let propagate = self.policies.deadline_propagation;
        let attempt = self
            .payment
            .attempt(core, &effect, propagate, &mut self.work_rng);
        let mut latency = attempt.latency_ns;
        let rr = &mut self.reqs[id as usize];
        if attempt.fail_status.is_some() {
            rr.fail_status = attempt.fail_status;
            rr.failed_at = Some(Component::Dependency);
        }
        if link.lost {
            // The call or its answer is lost: the caller waits for its timeout.
            latency = self.links.connect_timeout_ns;
            rr.fail_status = Some(504);
            rr.failed_at = Some(Component::Dependency);
            rr.lost_on = Some(Edge::ApiPayment);
        }
        let mut end = core.now + latency + rtt;
        if let Some(limit) = self.policies.dependency_timeout_ns {
            if latency > limit {
                end = core.now + limit;
                rr.dep_timed_out = true;
            }
        }
        self.events.schedule(end, Ev::DepDone(id));
    }

    pub(super) fn dep_done(&mut self, core: &mut Core, id: u32) {
        if self.reqs[id as usize].dep_timed_out {
            let c = self.timeout_counter(core, DEPENDENCY);
            core.metrics.inc(c);
            let r = &mut self.reqs[id as usize];
            r.fail_status = Some(504);
            r.failed_at = Some(Component::Dependency);
        }
        let r = self.reqs[id as usize];
        let ok = r.fail_status.is_none();
        self.payment
            .finish(core, r.instance as usize, ok, r.dep_start);
        if ok {
            self.publish_order_event(core, id, 2);
            if let Some(spec) = r.callbacks {
                self.send_callbacks(core, spec);
            }
        }
        self.payment.record(core, r.probe, ok, r.seq);
        self.respond(core, id, r.fail_status, true);
    }

    /// Resolves the payment provider's name on `instance` for the request `seq`: a
    /// cached answer costs nothing, else the resolver (`dns.rs`) is asked across the
    /// instance's `api_dns` link, as the scenarios have it behave now.
    pub(super) fn resolve(&mut self, core: &mut Core, instance: u32, seq: u64) -> Resolution {
        if self.dns.cached(instance as usize, core.now) {
            return Resolution::CACHED;
        }
        let hop = Hop {
            edge: Some(Edge::ApiDns),
            ..Hop::new(Component::Network, instance, ENDPOINTS[1])
        };
        let effect = self.strike(core, hop, seq);
        let net = effect.network();
        let link = self.cross_with(core, Edge::ApiDns, instance, &net.link, Some(seq));
        self.dns
            .lookup(core, instance as usize, net.dns, link.lost, link.rtt())
    }
}
