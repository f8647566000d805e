//! The request path at the front: a client's call, its attempts across the clients'
//! link to the load balancer (rate limit, pick an instance), across the load balancer's
//! link to the instance's accept queue, and the answer's way back to the client (retry
//! or done). The clients' and the load balancer's state are parts (`client.rs`,
//! `fleet.rs`); this file moves a call through them. A flooding client's calls
//! (`flood.rs` holds its stream) come in here too.

use super::client::RetryPolicy;
use super::request::{Call, Ev, Req, ENDPOINTS, NONE};
use super::{WebModel, QUEUE_LENGTH};
use crate::mitigations::rate_limiter;
use crate::scenario::{Component, Edge, Hop, FLOOD_HOP};
use crate::systems::Core;
use crate::time::ns_to_secs;

impl WebModel {
    pub(super) fn new_call(&mut self, core: &mut Core, user: u32) {
        let (endpoint, key) = self.clients.draw_call();
        let hop = Hop::new(Component::Client, 0, ENDPOINTS[endpoint as usize]);
        let effect = self.strike(core, hop, 0);
        let policy = self.retry_policy(effect.client().retries);
        if let Some(ratio) = policy.budget_ratio {
            self.clients.budget.earn(ratio);
        }
        let client = self.clients.client_of(user, NONE);
        let call = Call {
            client,
            generation: 0,
            user,
            endpoint,
            key,
            start: core.now,
            attempt: 0,
            max_attempts: policy.max_attempts,
            done: false,
            back_ns: 0,
        };
        let id = self.new_call_slot(call);
        self.send(core, id);
    }

    /// The retry policy of a call, given the naive retries scenarios ask for.
    pub(super) fn retry_policy(&self, scenario_retries: Option<u32>) -> RetryPolicy {
        self.clients.policy(self.policies.retry, scenario_retries)
    }

    pub(super) fn send(&mut self, core: &mut Core, call_id: u32) {
        let call = &mut self.calls[call_id as usize];
        call.attempt += 1;
        call.back_ns = 0;
        let (attempt, endpoint, call_generation) = (call.attempt, call.endpoint, call.generation);
        if self.clients.timeout_ns > 0 {
            self.events.schedule_timer(
                0,
                core.now + self.clients.timeout_ns,
                Ev::ClientTimeout {
                    call: call_id,
                    generation: call_generation,
                    attempt,
                },
            );
        }
        // The clients' link to the load balancer.
        let fault = self.link_fault(core, Edge::ClientLb, 0, ENDPOINTS[endpoint as usize], None);
        if !fault.is_none() || self.links.edge_touched(Edge::ClientLb) {
            let link = self.cross_with(core, Edge::ClientLb, 0, &fault, None);
            if link.lost {
                // Nothing reaches the load balancer: the client waits for its timeout.
                let own = (self.clients.timeout_ns > 0).then_some(self.clients.timeout_ns);
                self.events.schedule(
                    core.now + self.links.lost_wait(own),
                    Ev::ClientAnswer {
                        call: call_id,
                        generation: call_generation,
                        attempt,
                        ok: false,
                        timed_out: true,
                    },
                );
                return;
            }
            self.calls[call_id as usize].back_ns = link.back_ns;
            if link.there_ns > 0 {
                self.events.schedule(
                    core.now + link.there_ns,
                    Ev::AtLb {
                        call: call_id,
                        generation: call_generation,
                        attempt,
                    },
                );
                return;
            }
        }
        self.at_lb(core, call_id);
    }

    /// An attempt reaches the load balancer: rate limit, pick an instance, forward.
    pub(super) fn at_lb(&mut self, core: &mut Core, call_id: u32) {
        let call = &self.calls[call_id as usize];
        let (attempt, endpoint, key, call_generation, client_back) = (
            call.attempt,
            call.endpoint,
            call.key,
            call.generation,
            call.back_ns,
        );
        let seq = core.arrive();
        let picked = self.lb.pick(&self.fleet);
        let instance = picked.unwrap_or(0);
        let req = Req {
            epoch: self.fleet.instances[instance].epoch,
            call: call_id,
            call_generation,
            attempt,
            seq,
            arrival: core.now,
            start: core.now,
            instance: instance as u32,
            endpoint,
            key,
            back_ns: [client_back, 0],
            ..Req::default()
        };
        let id = if let Some(i) = self.free_reqs.pop() {
            self.reqs[i as usize] = req;
            i
        } else {
            self.reqs.push(req);
            self.reqs.len() as u32 - 1
        };
        if let Some(rate_limiter::Config {
            rate_rps: rate,
            burst,
        }) = self.policies.rate_limit
        {
            let client = self.calls[call_id as usize].client as usize;
            if self.buckets.len() <= client {
                self.buckets.resize(client + 1, (burst, core.now));
            }
            let (tokens, last) = &mut self.buckets[client];
            *tokens = (*tokens + rate * ns_to_secs(core.now - *last)).min(burst);
            *last = core.now;
            if *tokens < 1.0 {
                let class = usize::from(self.is_flooder(client as u32));
                let c = *self.lazy.rate_limited[class].get_or_insert_with(|| {
                    core.metrics
                        .counter(&rate_limiter::RATE_LIMITED, &[self.flood.labels[class]])
                });
                core.metrics.inc(c);
                self.respond(core, id, Some(429), false);
                return;
            }
            *tokens -= 1.0;
        }
        if picked.is_none() {
            // Every instance ejected: the load balancer itself answers.
            self.respond(core, id, Some(503), false);
            return;
        }
        if !self.fleet.instances[instance].up {
            // Down, but the load balancer has not noticed yet: the connection is refused.
            self.respond(core, id, Some(502), false);
            return;
        }
        if endpoint == 0 {
            self.arm_hedge(core, id);
        }
        self.forward(core, id);
    }

    /// The load balancer forwards request `id` across its link to the request's instance.
    pub(super) fn forward(&mut self, core: &mut Core, id: u32) {
        let r = &self.reqs[id as usize];
        let (instance, endpoint, seq) = (r.instance, r.endpoint, r.seq);
        let fault = self.link_fault(
            core,
            Edge::LbApi,
            instance,
            ENDPOINTS[endpoint as usize],
            Some(seq),
        );
        if !fault.is_none() || self.links.edge_touched(Edge::LbApi) {
            let link = self.cross_with(core, Edge::LbApi, instance, &fault, Some(seq));
            if link.lost {
                let r = &mut self.reqs[id as usize];
                r.failed_at = Some(Component::Network);
                r.lost_on = Some(Edge::LbApi);
                self.events
                    .schedule(core.now + self.links.lost_wait(None), Ev::LinkLost(id));
                return;
            }
            self.reqs[id as usize].back_ns[1] = link.back_ns;
            if link.there_ns > 0 {
                self.events
                    .schedule(core.now + link.there_ns, Ev::Deliver(id));
                return;
            }
        }
        self.reach_instance(core, id);
    }

    /// A request reaches its instance: a free worker takes it, or it queues.
    pub(super) fn reach_instance(&mut self, core: &mut Core, id: u32) {
        if self.reqs[id as usize].cancelled {
            // The other copy of this hedged read answered while it was on its way.
            self.respond(core, id, None, false);
            return;
        }
        if self.died(id) {
            // The instance crashed while the request was on its way: connection reset.
            self.respond(core, id, Some(502), false);
            return;
        }
        let instance = self.reqs[id as usize].instance as usize;
        let inst = &mut self.fleet.instances[instance];
        if let Some(max) = self.policies.shed_queue_length {
            if inst.busy >= self.fleet.workers && inst.waiting.len() >= max {
                let c = self.shed_counter(core, QUEUE_LENGTH);
                core.metrics.inc(c);
                self.respond(core, id, Some(503), false);
                return;
            }
        }
        if inst.busy < self.fleet.workers {
            self.start_handler(core, id);
        } else if self.fleet.capacity == 0 || inst.waiting.len() < self.fleet.capacity {
            inst.waiting.push_back(id);
        } else {
            self.respond(core, id, Some(503), false);
        }
    }

    /// The service's answer (or the client's timeout) reaches the client.
    pub(super) fn client_outcome(
        &mut self,
        core: &mut Core,
        call_id: u32,
        ok: bool,
        timed_out: bool,
    ) {
        let call = self.calls[call_id as usize];
        if !ok && call.attempt < call.max_attempts {
            let policy = self.retry_policy(None);
            if let Some(wait) = self.clients.retry(core, &policy, call.attempt) {
                if wait == 0 {
                    self.send(core, call_id);
                } else {
                    self.events.schedule(core.now + wait, Ev::Send(call_id));
                }
                return;
            }
        }
        let call = &mut self.calls[call_id as usize];
        call.done = true;
        let call = *call;
        let took = ns_to_secs(core.now - call.start);
        // The flooder's calls are counted apart from what the users see (`flood.rs`).
        let apart = self.is_flooder(call.client);
        self.clients.outcome(core, ok, timed_out, took, apart);
        self.flood.count(core, apart, ok, timed_out, took);
        if call.max_attempts > 1 {
            self.clients.note_depth(core, call.attempt);
        }
        let user = call.user;
        self.free_calls.push(call_id);
        if self.clients.closed_loop && user != NONE {
            let think = self.clients.think();
            self.events.schedule(core.now + think, Ev::UserWake(user));
        }
    }

    /// Whether `client` is the flooder.
    #[inline]
    pub(super) fn is_flooder(&self, client: u32) -> bool {
        u64::from(client) == self.clients.count
    }

    /// Once per sample: asks the scenarios whether a client floods, and starts its stream.
    pub(super) fn flood_tick(&mut self, core: &mut Core) {
        let hop = Hop::new(Component::LoadBalancer, 0, FLOOD_HOP);
        let lb = *self.strike(core, hop, 0).load_balancer();
        if let Some(first) = self.flood.set_rate(core, lb.flood_rps, lb.flood_client) {
            self.events.schedule(first, Ev::FloodArrival);
        }
    }

    /// The flooder sends a call, and the next one while the flood lasts.
    pub(super) fn flood_arrival(&mut self, core: &mut Core) {
        let keys = self.rows.versions.len();
        let Some((next, key)) = self.flood.arrival(core.now, keys) else {
            return;
        };
        self.events.schedule(next, Ev::FloodArrival);
        let call = Call {
            client: self.clients.count as u32,
            generation: 0,
            user: NONE,
            endpoint: 0,
            key,
            start: core.now,
            attempt: 0,
            max_attempts: 1,
            done: false,
            back_ns: 0,
        };
        let id = self.new_call_slot(call);
        self.send(core, id);
    }
}
