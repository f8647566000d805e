//! The instances over time: once a second the memory check (collector pauses, out of
//! memory), health checks and the autoscaler; a crash loses what was on the instance, a
//! restart brings it back. The instances' own state and rules are `fleet.rs`.

use super::fleet::Memory;
use super::metrics::{DB_POOL_LEAKED, OUT_OF_MEMORY, RESOURCE_QUEUE_DEPTH, RESOURCE_WAIT};
use super::request::Ev;
use super::WebModel;
use crate::scenario::{Component, Hop, HEALTH_HOP};
use crate::systems::Core;

impl WebModel {
    /// Instance `i` runs out of memory: everything on it is lost; it restarts after
    /// `restart_s`, and the load balancer stops sending to it at its next health check.
    pub(super) fn crash(&mut self, core: &mut Core, i: usize, reason: &'static str) {
        let lost = self.fleet.crash(core, i, reason);
        self.payment.forget(i);
        for id in lost {
            self.respond(core, id, Some(502), false);
        }
        self.events
            .schedule(core.now + self.fleet.restart_ns, Ev::Restart(i as u32));
    }

    pub(super) fn restart(&mut self, core: &mut Core, i: usize) {
        self.fleet.restart(core, i);
        self.dns.forget(i);
    }

    /// What the scenarios do to the load balancer's health check of instance `i`: a
    /// status fails it.
    fn health_check_struck(&mut self, core: &mut Core, i: usize) -> Option<u16> {
        let hop = Hop::new(Component::LoadBalancer, i as u32, HEALTH_HOP);
        self.strike(core, hop, 0).fail_status
    }

    /// Booted instances join the fleet.
    pub(super) fn scale_up(&mut self, core: &mut Core, count: usize) {
        self.fleet.scale_up(core, count);
        self.payment.resize(self.fleet.instances.len());
    }

    /// Once a second: the autoscaler orders instances when the fleet runs hot.
    /// Once per sample: the instances take the size scenarios provision them at.
    pub(super) fn resize_tick(&mut self, core: &mut Core) {
        if self.fleet.resize(core.now) {
            for i in 0..self.fleet.instances.len() {
                self.schedule_cpu_tick(core, i);
            }
        }
    }

    pub(super) fn autoscale_tick(&mut self, core: &mut Core) {
        if let Some((at, count)) = self.fleet.autoscale_tick(core, self.policies.autoscale) {
            self.events.schedule(at, Ev::ScaleUp(count as u32));
        }
    }

    /// Once a second: memory pressure makes the collector stop the world, longer as the
    /// heap fills; at the limit the instance dies. Health checks run on their interval.
    pub(super) fn memory_tick(&mut self, core: &mut Core) {
        let mut leaked_total = 0.0;
        for i in 0..self.fleet.instances.len() {
            let inst = &self.fleet.instances[i];
            if inst.up {
                leaked_total += inst.leaked_bytes;
            }
            match self.fleet.memory_check(core, i) {
                Memory::Exhausted => self.crash(core, i, OUT_OF_MEMORY),
                Memory::Fine { paused: true } => self.schedule_cpu_tick(core, i),
                Memory::Fine { paused: false } | Memory::Down => {}
            }
        }
        self.disk.cleanup_tick(core);
        if self.leaked_connections > 0 || self.leaked_gauge_conn.is_some() {
            let g = *self
                .leaked_gauge_conn
                .get_or_insert_with(|| core.metrics.gauge(&DB_POOL_LEAKED, &[]));
            core.metrics.set(g, self.leaked_connections as f64);
        }
        self.payment.bulkhead_tick(core);
        if self.resource_ids.is_none() && core.metrics.spec(RESOURCE_QUEUE_DEPTH.name).is_some() {
            // A scenario asked for the roadmap's resource metrics: mirror the worker queue.
            self.resource_ids = Some((
                core.metrics.gauge(&RESOURCE_QUEUE_DEPTH, &["workers"]),
                core.metrics.histogram(&RESOURCE_WAIT, &["workers"]),
            ));
        }
        if let Some((depth, _)) = self.resource_ids {
            core.metrics.set(depth, self.fleet.queue_depth() as f64);
        }
        self.fleet.set_leaked(core, leaked_total);
        if self.fleet.health_check_due(core.now) {
            for i in 0..self.fleet.instances.len() {
                // A check lost on the load balancer's link to the instance fails too, and
                // so does one a scenario fails (an outlier ejected, a deep check failing).
                let up = self.fleet.instances[i].up
                    && self.health_check_passes(core, i)
                    && self.health_check_struck(core, i).is_none();
                self.fleet.instances[i].healthy_in_lb = up;
            }
        }
        self.fleet.sample(core);
    }
}
