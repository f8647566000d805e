//! The request path of a hedged read (the `hedging` mitigation, described in `hedge.rs`,
//! which holds its metrics): the timer armed when a read reaches the load balancer, the
//! second copy sent to another instance while the budget (`WebModel::hedge_budget`)
//! allows, and the end of the race when one copy answers.

use super::request::{Ev, Req};
use super::WebModel;
use crate::systems::Core;
use crate::time::ns_to_secs;

impl WebModel {
    /// A read reached the load balancer: under hedging it earns budget and its timer starts.
    pub(super) fn arm_hedge(&mut self, core: &mut Core, id: u32) {
        let Some(hedging) = self.policies.hedge else {
            return;
        };
        self.hedge_budget.earn(hedging.max_hedge_ratio);
        let seq = self.reqs[id as usize].seq;
        self.events.schedule(
            core.now + hedging.hedge_after_ns,
            Ev::Hedge { req: id, seq },
        );
    }

    /// The hedge timer of read `id`: if it still waits for its answer, send a copy.
    pub(super) fn hedge(&mut self, core: &mut Core, id: u32, seq: u64) {
        let r = self.reqs[id as usize];
        if r.seq != seq || r.answered || r.cancelled || r.background || r.twin_start.is_some() {
            return;
        }
        let Some(ids) = self.lazy.hedge.filter(|_| self.policies.hedge.is_some()) else {
            return; // switched off since
        };
        let Some(call) = self.calls.get(r.call as usize) else {
            return;
        };
        if call.done || call.attempt != r.attempt || call.generation != r.call_generation {
            return; // the client gave up on it
        }
        let key = call.key;
        if !self.hedge_budget.try_spend() {
            ids.refused(core);
            return;
        }
        let Some(instance) = self.lb.pick_other(&self.fleet, r.instance as usize) else {
            return; // no instance in rotation
        };
        ids.sent(core);
        let copy = Req {
            epoch: self.fleet.instances[instance].epoch,
            call: r.call,
            call_generation: r.call_generation,
            attempt: r.attempt,
            seq,
            arrival: core.now,
            start: core.now,
            instance: instance as u32,
            endpoint: r.endpoint,
            key,
            back_ns: [r.back_ns[0], 0],
            twin: Some(id),
            hedge: true,
            twin_start: Some((r.arrival, r.instance)),
            ..Req::default()
        };
        let h = if let Some(i) = self.free_reqs.pop() {
            self.reqs[i as usize] = copy;
            i
        } else {
            self.reqs.push(copy);
            self.reqs.len() as u32 - 1
        };
        let first = &mut self.reqs[id as usize];
        first.twin = Some(h);
        first.twin_start = Some((core.now, instance as u32));
        if !self.fleet.instances[instance].up {
            // Down, but the load balancer has not noticed yet: the connection is refused.
            self.respond(core, h, Some(502), false);
            return;
        }
        self.forward(core, h);
    }

    /// Copy `id` of a hedged read answers with `fail`. Returns true when it lost and has
    /// ended here without an answer; false when it won (its twin is cancelled) and its
    /// answer goes on as any other.
    pub(super) fn hedge_lost(
        &mut self,
        core: &mut Core,
        id: u32,
        fail: Option<u16>,
        held_worker: bool,
    ) -> bool {
        let r = self.reqs[id as usize];
        let twin = r.twin.filter(|&t| {
            let other = &self.reqs[t as usize];
            other.twin == Some(id) && other.seq == r.seq && !other.answered && !other.cancelled
        });
        if let Some(t) = twin {
            self.reqs[t as usize].twin = None;
        }
        self.reqs[id as usize].twin = None;
        let lost = r.cancelled || (fail.is_some() && twin.is_some());
        let ids = self.lazy.hedge;
        if !lost {
            if let Some(t) = twin {
                self.reqs[t as usize].cancelled = true;
            }
            // (A response still to be sent on the uplink comes back here once sent.)
            if r.hedge && fail.is_none() && !r.sent {
                if let Some(ids) = ids {
                    ids.won(core);
                }
            }
            return false;
        }
        let rr = &mut self.reqs[id as usize];
        rr.answered = true;
        rr.cancelled = true;
        self.free_reqs.push(id);
        if held_worker {
            if let Some(ids) = ids {
                ids.wasted(core, ns_to_secs(core.now.saturating_sub(r.start)));
            }
            core.worker_busy(-1);
            self.fleet.instances[r.instance as usize].busy -= 1;
            self.next_from_queue(core, r.instance as usize);
        }
        true
    }
}
