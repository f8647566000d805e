//! Hedged reads at the load balancer (the `hedging` mitigation). A `GET /product` still
//! unanswered `hedge_after_ms` after it reached the load balancer gets a second copy on
//! another instance, while the hedging budget allows. The two copies are twins (each
//! `Req::twin` names the other) until one answers:
//!
//! - the first to answer successfully wins; so does a failure when the other copy is no
//!   longer running. The winner's answer goes to the client, timed from the first copy's
//!   arrival (one request as the load balancer and the client see it).
//! - the other copy is cancelled: it stops at its next step (`cancelled` is checked when
//!   it reaches its instance, leaves the accept queue, starts computing, finishes
//!   computing, gets its cache answer or a connection) and ends without an answer. A
//!   copy that fails while its twin still runs ends the same way.
//!
//! A copy that ends unanswered counts its worker time in `hedge_wasted_seconds_total`
//! and is neither an HTTP response nor a departure in the run's statistics. The winner's
//! trace carries a `hedge` span for the second copy (and one for the cancelled first
//! copy when the hedge won).

use super::request::{Ev, Req};
use super::WebModel;
use crate::metrics::{CounterId, Registry};
use crate::mitigations::hedging::{HEDGED, HEDGE_BUDGET_EXHAUSTED, HEDGE_WASTED, HEDGE_WINS};
use crate::systems::Core;
use crate::time::ns_to_secs;

/// Handles of the hedging metrics, registered when the mitigation is switched on.
#[derive(Debug, Clone, Copy)]
pub(super) struct HedgeIds {
    sent: CounterId,
    wins: CounterId,
    wasted: CounterId,
    refused: CounterId,
}

impl HedgeIds {
    pub(super) fn register(m: &mut Registry) -> HedgeIds {
        HedgeIds {
            sent: m.counter(&HEDGED, &[]),
            wins: m.counter(&HEDGE_WINS, &[]),
            wasted: m.counter(&HEDGE_WASTED, &[]),
            refused: m.counter(&HEDGE_BUDGET_EXHAUSTED, &[]),
        }
    }
}

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
            core.metrics.inc(ids.refused);
            return;
        }
        let Some(instance) = self.pick_other(r.instance as usize) else {
            return; // no instance in rotation
        };
        core.metrics.inc(ids.sent);
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

    /// An instance in rotation other than `exclude` (the load balancer's policy picks;
    /// the next healthy one if it picked `exclude`), or `exclude` if it is the only one.
    fn pick_other(&mut self, exclude: usize) -> Option<usize> {
        let n = self.fleet.instances.len();
        let pick = self.lb.pick(&self.fleet)?;
        if pick != exclude {
            return Some(pick);
        }
        (1..n)
            .map(|k| (pick + k) % n)
            .find(|&i| self.fleet.instances[i].healthy_in_lb)
            .or(Some(pick))
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
                    core.metrics.inc(ids.wins);
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
                core.metrics
                    .add(ids.wasted, ns_to_secs(core.now.saturating_sub(r.start)));
            }
            core.worker_busy(-1);
            self.fleet.instances[r.instance as usize].busy -= 1;
            self.next_from_queue(core, r.instance as usize);
        }
        true
    }
}
