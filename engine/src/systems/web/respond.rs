//! How a request ends: a successful response crosses the uplink (`net.rs`), the answer
//! is counted, logged and traced (`telemetry.rs`), the worker goes to the next queued
//! request, and the answer crosses the links back to a client that still waits; a
//! request whose instance died on the way ends with a reset.

use super::request::{api_name, decimal, Ev, ENDPOINTS, SERVICE};
use super::{telemetry, WebModel};
use crate::observe::{Level, LogRecord};
use crate::scenario::{Component, Hop};
use crate::systems::{common, Core};
use crate::time::{ns_to_secs, Nanos};

impl WebModel {
    /// Hands a successful response to the uplink: scenarios strike the network hop here
    /// (a throttled link, a dropped connection). Returns when its last byte is sent if
    /// the link limits it; the worker stays busy writing until then.
    pub(super) fn send_response(&mut self, core: &mut Core, id: u32) -> Option<Nanos> {
        // Read field by field: a copy of the whole request would be a memcpy each time.
        let r = &self.reqs[id as usize];
        let (e, instance, seq) = (r.endpoint as usize, r.instance, r.seq);
        let hop = Hop::new(Component::Network, instance, ENDPOINTS[e]);
        let effect = self.strike(core, hop, seq);
        let sent = self.uplink.send(core, &self.reqs[id as usize], &effect);
        let bytes = effect
            .network()
            .response_bytes
            .map_or(self.billing.payload(e), |b| b as f64);
        self.billing.response(bytes);
        let rr = &mut self.reqs[id as usize];
        rr.sent = true;
        rr.truncated |= sent.truncated;
        let done = sent.done?;
        rr.send_start = core.now;
        (done > core.now).then_some(done)
    }

    /// Answers request `id` (200 unless `fail`), frees its worker if it held one and
    /// hands the worker on, then delivers the answer to the client if it still waits.
    pub(super) fn respond(
        &mut self,
        core: &mut Core,
        id: u32,
        fail: Option<u16>,
        held_worker: bool,
    ) {
        // The request is read field by field, not copied whole: this runs for every one.
        let r = &self.reqs[id as usize];
        let hedged = r.twin.is_some() || r.cancelled || r.hedge;
        if hedged && self.hedge_lost(core, id, fail, held_worker) {
            return; // a copy of a hedged read that lost: it ends here, unanswered
        }
        let r = &self.reqs[id as usize];
        if fail.is_none() && held_worker && !r.background && !r.sent {
            let seq = r.seq;
            if let Some(done) = self.send_response(core, id) {
                self.events.schedule(done, Ev::Sent { req: id, seq });
                return;
            }
        }
        let r = &mut self.reqs[id as usize];
        r.answered = true;
        let (origin, arrival, start, instance, seq) =
            (r.origin(), r.arrival, r.start, r.instance, r.seq);
        let (call_id, attempt, call_generation) = (r.call, r.attempt, r.call_generation);
        let (truncated, back) = (r.truncated, r.back_ns[0] + r.back_ns[1]);
        let (background, e) = (r.background, r.endpoint as usize);
        self.free_reqs.push(id);
        if background {
            return; // a cache refresh: nobody waits for it
        }
        if fail == Some(400) && self.lazy.bad_request[e].is_none() {
            self.lazy.bad_request[e] = Some(
                core.metrics
                    .counter(&common::HTTP_REQUESTS, &[SERVICE, ENDPOINTS[e], "400"]),
            );
        }
        if fail == Some(403) && self.lazy.forbidden[e].is_none() {
            self.lazy.forbidden[e] = Some(
                core.metrics
                    .counter(&common::HTTP_REQUESTS, &[SERVICE, ENDPOINTS[e], "403"]),
            );
        }
        let ep = &self.ids.endpoints[e];
        let counter = match fail {
            Some(400) => self.lazy.bad_request[e].unwrap_or(ep.failed),
            Some(403) => self.lazy.forbidden[e].unwrap_or(ep.failed),
            None => ep.ok,
            Some(503) => ep.rejected,
            Some(502) => ep.bad_gateway,
            Some(504) => ep.timeout,
            Some(409) => ep.conflict,
            Some(401) => ep.unauthorized,
            Some(429) => ep.too_many,
            Some(_) => ep.failed,
        };
        let duration = ep.duration;
        core.metrics.inc(counter);
        // A hedged read is timed from its first copy's arrival, whichever copy answered.
        let latency = core.now - origin;
        let wait = start - arrival;
        if held_worker {
            core.metrics.observe(self.ids.wait, ns_to_secs(wait));
        }
        let b = core.depart(origin, wait, fail.is_none());
        core.metrics
            .observe_latency(duration, b, ns_to_secs(latency));
        // (The slot is free but not reused before this returns: its fields still hold.)
        if let Some(status) = fail {
            telemetry::log_failure(core, &self.reqs[id as usize], status, held_worker);
        } else if latency >= crate::systems::SLOW_REQUEST_NS && core.logs.admits(core.now) {
            core.logs.push(LogRecord {
                t_ns: core.now,
                level: Level::Warn,
                service: SERVICE,
                message: "slow request",
                fields: vec![
                    ("endpoint", ENDPOINTS[e].into()),
                    ("duration_ms", decimal(latency / 1_000_000)),
                    ("instance", api_name(instance)),
                ],
                trace_id: Some(seq),
            });
        }
        if core
            .traces
            .wants(core.now, seq, fail.is_some() || truncated)
        {
            let cache_latency = self.cache.enabled().then_some(self.cache.latency_ns);
            telemetry::record_trace(
                core,
                &self.reqs[id as usize],
                fail,
                held_worker,
                cache_latency,
            );
        }
        if held_worker {
            core.worker_busy(-1);
            self.fleet.instances[instance as usize].busy -= 1;
            self.next_from_queue(core, instance as usize);
        }
        let call = &self.calls[call_id as usize];
        if call.done || call.attempt != attempt || call.generation != call_generation {
            core.metrics.inc(self.clients.ids.wasted);
            return;
        }
        // A truncated body is an error to the client, whatever the server counted.
        let ok = fail.is_none() && !truncated;
        // The answer crosses the links back: load balancer ← instance, clients ← load balancer.
        if back > 0 {
            self.events.schedule(
                core.now + back,
                Ev::ClientAnswer {
                    call: call_id,
                    generation: call_generation,
                    attempt,
                    ok,
                    timed_out: false,
                },
            );
            return;
        }
        self.client_outcome(core, call_id, ok, false);
    }

    pub(super) fn client_timeout(
        &mut self,
        core: &mut Core,
        call: u32,
        generation: u32,
        attempt: u32,
    ) {
        self.client_answer(core, call, generation, attempt, false, true);
    }

    /// An answer (or a timeout) for one attempt reaches the client, if it still waits.
    pub(super) fn client_answer(
        &mut self,
        core: &mut Core,
        call: u32,
        generation: u32,
        attempt: u32,
        ok: bool,
        timed_out: bool,
    ) {
        let c = self.calls[call as usize];
        if c.done || c.attempt != attempt || c.generation != generation {
            return;
        }
        self.client_outcome(core, call, ok, timed_out);
    }

    /// A request's next step finds its instance gone: the client sees a reset (502). The
    /// database side still lets go of its row lock; the dead instance's workers and pool
    /// were reset at the crash.
    pub(super) fn lost_in_crash(&mut self, core: &mut Core, id: u32, from_database: bool) {
        if from_database {
            self.release_lock(core, id);
        }
        let r = self.reqs[id as usize];
        if r.filling {
            self.cache.end_fill();
            for w in self.cache.filling.remove(&r.key).unwrap_or_default() {
                let held = !self.died(w);
                self.respond(core, w, Some(502), held);
            }
        }
        self.respond(core, id, Some(502), false);
    }
}
