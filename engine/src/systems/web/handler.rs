//! The request path on an instance: a worker takes the request, the handler computes on
//! the instance's shared cores (`cpu.rs`), then a read looks in the shared cache
//! (`cache.rs`), coalesces onto a fill in flight or goes to the database, and a fill
//! answers every request waiting on its key.

use super::cache::Lookup;
use super::request::{Ev, Req, ENDPOINTS, NONE};
use super::{WebModel, QUEUE_DELAY, SERVER};
use crate::mitigations::coalescing;
use crate::scenario::{Component, Edge, Effect, Hop};
use crate::systems::Core;
use crate::time::{ns_to_secs, secs_to_ns, Nanos};

impl WebModel {
    pub(super) fn start_handler(&mut self, core: &mut Core, id: u32) {
        let r = &mut self.reqs[id as usize];
        self.fleet.instances[r.instance as usize].busy += 1;
        core.worker_busy(1);
        r.start = core.now;
        let hop = Hop::new(
            Component::Service,
            r.instance,
            ENDPOINTS[r.endpoint as usize],
        );
        let seq = r.seq;
        let effect = self.strike(core, hop, seq);
        let mut held_ns = 0;
        let mut extra_cpu_ns = 0;
        // Most requests meet no scenario here: then every field below is its NONE.
        if effect.is_struck() {
            held_ns = self.struck_handler(core, id, &effect);
            extra_cpu_ns = effect.service().cpu_ns;
        }
        if let Some((_, wait)) = self.resource_ids {
            core.metrics
                .observe(wait, ns_to_secs(core.now - self.reqs[id as usize].arrival));
        }
        let work = secs_to_ns(self.cpu.sample(&mut self.work_rng) * effect.work_factor)
            .saturating_add(extra_cpu_ns);
        let r = &mut self.reqs[id as usize];
        r.query_ns = work; // the handler's CPU demand, until the CPU phase starts
        if held_ns > 0 {
            // Injected waiting (a sleep, a slow synchronous call) holds the worker, not a core.
            self.events.schedule(core.now + held_ns, Ev::CpuStart(id));
        } else {
            self.compute(core, id);
        }
    }

    /// What the scenarios that struck request `id`'s handler do there: a failure, the
    /// security layer's decision, leaked memory, the instance's size. Returns how long the
    /// worker is held before computing.
    #[inline(never)]
    fn struck_handler(&mut self, core: &mut Core, id: u32, effect: &Effect) -> Nanos {
        let r = &mut self.reqs[id as usize];
        if effect.fail_status.is_some() {
            r.fail_status = effect.fail_status;
            r.failed_at = Some(Component::Service);
        }
        let mut held_ns = effect.delay_ns;
        let service = effect.service();
        if !service.security.is_none() {
            // Only when a scenario involves the security layer (`security.rs`).
            let sec = service.security;
            let call = self.reqs[id as usize].call;
            let client = if call == NONE {
                0
            } else {
                self.calls[call as usize].client
            };
            let principals = self.clients.count as usize + 1;
            let decision = self
                .security
                .get_or_insert_with(Default::default)
                .decide(core, principals, client, &sec);
            held_ns = held_ns.saturating_add(decision.delay_ns);
            let r = &mut self.reqs[id as usize];
            if decision.fail.is_some() && r.fail_status.is_none() {
                r.fail_status = decision.fail;
                r.failed_at = Some(Component::Service);
            }
        }
        let instance = self.reqs[id as usize].instance as usize;
        self.fleet.instances[instance].leaked_bytes += service.leak_bytes as f64;
        if service.provisioned_vcpus > 0.0 {
            self.fleet.vcpus_reported = self.fleet.vcpus_reported.max(service.provisioned_vcpus);
        }
        held_ns
    }

    /// Hands a freed worker of `instance` to the next queued request still worth serving.
    pub(super) fn next_from_queue(&mut self, core: &mut Core, instance: usize) {
        while let Some(next) = self.fleet.instances[instance].waiting.pop_front() {
            if self.reqs[next as usize].cancelled {
                self.respond(core, next, None, false);
                continue;
            }
            let waited = core.now - self.reqs[next as usize].arrival;
            if self.policies.server_timeout_ns.is_some_and(|t| waited > t) {
                let c = self.timeout_counter(core, SERVER);
                core.metrics.inc(c);
                self.respond(core, next, Some(504), false);
                continue;
            }
            if self
                .policies
                .shed_queue_delay_ns
                .is_some_and(|t| waited > t)
            {
                let c = self.shed_counter(core, QUEUE_DELAY);
                core.metrics.inc(c);
                self.respond(core, next, Some(503), false);
                continue;
            }
            self.start_handler(core, next);
            return;
        }
    }

    /// The handler computes on its instance's shared cores.
    pub(super) fn compute(&mut self, core: &mut Core, id: u32) {
        let r = self.reqs[id as usize];
        if r.cancelled {
            self.respond(core, id, None, true);
            return;
        }
        let inst = &mut self.fleet.instances[r.instance as usize];
        inst.cpu
            .advance(core.now, inst.pause_from, inst.paused_until);
        inst.cpu.add(id, r.query_ns);
        self.schedule_cpu_tick(core, r.instance as usize);
    }

    pub(super) fn schedule_cpu_tick(&mut self, core: &mut Core, i: usize) {
        let inst = &self.fleet.instances[i];
        if let Some(t) = inst.cpu.next_completion(core.now, inst.paused_until) {
            let version = inst.cpu.version;
            self.events.schedule(
                t,
                Ev::CpuTick {
                    instance: i as u32,
                    version,
                },
            );
        }
    }

    pub(super) fn cpu_tick(&mut self, core: &mut Core, i: usize, version: u32) {
        let inst = &mut self.fleet.instances[i];
        if inst.cpu.version != version {
            return;
        }
        inst.cpu
            .advance(core.now, inst.pause_from, inst.paused_until);
        // A buffer kept between ticks (taken, so a tick inside `cpu_done` gets its own).
        let mut done = std::mem::take(&mut self.cpu_done_buf);
        if inst.cpu.take_done(&mut done) == 0 {
            // A pause pushed the completion out: look again.
            inst.cpu.version = inst.cpu.version.wrapping_add(1);
        }
        self.schedule_cpu_tick(core, i);
        for &id in &done {
            self.cpu_done(core, id);
        }
        done.clear();
        self.cpu_done_buf = done;
    }

    pub(super) fn cpu_done(&mut self, core: &mut Core, id: u32) {
        let r = &mut self.reqs[id as usize];
        r.cpu_done = core.now;
        if r.cancelled {
            self.respond(core, id, None, true);
            return;
        }
        if r.fail_status.is_some() {
            let status = r.fail_status;
            self.respond(core, id, status, true);
            return;
        }
        if r.endpoint == 0 && self.cache.enabled() {
            let hop = Hop {
                key: Some(r.key),
                ..Hop::new(Component::Cache, r.instance, ENDPOINTS[0])
            };
            let seq = r.seq;
            let effect = self.strike(core, hop, seq);
            let r = &mut self.reqs[id as usize];
            let cache = effect.cache();
            if let Some(k) = cache.key {
                r.key = k;
            }
            if cache.bypass {
                r.bypassed = true;
                self.acquire_connection(core, id);
                return;
            }
            if cache.local_hit {
                // Answered from the instance's own memory: no hop to the shared cache.
                r.cache_hit = true;
                self.respond(core, id, None, true);
                return;
            }
            if effect.fail_status.is_some() {
                r.fail_status = effect.fail_status;
                r.failed_at = Some(Component::Cache);
            }
            let (instance, seq) = (r.instance, r.seq);
            let link = self.cross(core, Edge::ApiCache, instance, ENDPOINTS[0], seq);
            let mut done = core.now + link.rtt() + self.cache.latency_ns + effect.delay_ns;
            if link.lost {
                // No answer from the cache: after the timeout the read goes to the database.
                let r = &mut self.reqs[id as usize];
                r.fail_status = Some(504);
                r.failed_at = Some(Component::Cache);
                r.lost_on = Some(Edge::ApiCache);
                done = core.now + self.links.lost_wait(None);
            }
            self.events.schedule(done, Ev::CacheDone(id));
            return;
        }
        self.acquire_connection(core, id);
    }

    pub(super) fn cache_done(&mut self, core: &mut Core, id: u32) {
        let r = self.reqs[id as usize];
        if r.cancelled {
            self.respond(core, id, None, true);
            return;
        }
        if r.fail_status.is_some() {
            // A failing cache is a miss, not an error: read through to the database.
            self.reqs[id as usize].fail_status = None;
        }
        let lookup = self.cache.lookup(core, r.key, r.fail_status.is_some());
        if lookup == Lookup::Stale && !self.cache.filling.contains_key(&r.key) {
            self.refresh_in_background(core, &r);
        }
        if matches!(lookup, Lookup::Hit | Lookup::Stale) {
            if self.cache.hit(core, r.key, &self.rows.versions) {
                core.metrics.inc(self.rows.ids.stale_cache);
            }
            self.reqs[id as usize].cache_hit = true;
            self.respond(core, id, None, true);
            return;
        }
        self.cache.miss(core);
        if self.policies.coalescing {
            if let Some(waiters) = self.cache.filling.get_mut(&r.key) {
                waiters.push(id);
                let c = *self
                    .lazy
                    .coalesced
                    .get_or_insert_with(|| core.metrics.counter(&coalescing::COALESCED, &[]));
                core.metrics.inc(c);
                return;
            }
            self.cache.filling.insert(r.key, Vec::new());
        }
        self.reqs[id as usize].filling = true;
        self.cache.start_fill(core);
        self.acquire_connection(core, id);
    }

    /// Stale-while-revalidate: one background query refreshes `r.key`; requests keep
    /// getting the stale value meanwhile.
    pub(super) fn refresh_in_background(&mut self, core: &mut Core, r: &Req) {
        let refresh = Req {
            epoch: r.epoch,
            instance: r.instance,
            endpoint: 0,
            key: r.key,
            seq: r.seq,
            arrival: core.now,
            start: core.now,
            cpu_done: core.now,
            call: NONE,
            background: true,
            filling: true,
            ..Req::default()
        };
        let id = if let Some(i) = self.free_reqs.pop() {
            self.reqs[i as usize] = refresh;
            i
        } else {
            self.reqs.push(refresh);
            self.reqs.len() as u32 - 1
        };
        self.cache.filling.insert(r.key, Vec::new());
        self.cache.start_fill(core);
        self.acquire_connection(core, id);
    }

    /// A read finished: fill the cache and answer every request waiting on this key.
    pub(super) fn finish_fill(&mut self, core: &mut Core, id: u32) {
        let r = self.reqs[id as usize];
        if r.filling {
            self.cache.end_fill();
        }
        let ok = r.fail_status.is_none() && !r.bypassed;
        if ok {
            self.cache.fill(core, r.key, r.version_read);
        }
        // Waiters exist only under coalescing; they get the filler's answer even if
        // coalescing was switched off meanwhile.
        let waiters = if r.filling {
            self.cache.filling.remove(&r.key).unwrap_or_default()
        } else {
            Vec::new()
        };
        self.respond(core, id, r.fail_status, true);
        for w in waiters {
            self.respond(core, w, r.fail_status, true);
        }
    }
}
