//! The service's instances as one part: each instance's workers, accept queue, CPU
//! (processor sharing), memory and garbage collection, crash and restart, and the
//! autoscaler that adds instances; and the load balancer that picks one for each
//! request among those it believes healthy. The request path (`front.rs`, `handler.rs`,
//! `lifecycle.rs`) asks this part for a worker, a pick or a verdict; what happens to the
//! requests is decided there.

use super::cpu::Cpu;
use super::metrics::{
    CPU_UTILIZATION, DB_POOL_IN_USE, GC_PAUSE, INSTANCE_RESTARTS, INSTANCE_UP, MEMORY_LEAKED,
    PROCESS_MEMORY,
};
use super::request::{api_name, SERVICE};
use crate::metrics::{CounterId, GaugeId, HistogramId, Registry};
use crate::mitigations::autoscaling;
use crate::observe::{Level, LogRecord};
use crate::params::ParamSet;
use crate::rng::Xoshiro256PlusPlus as Rng;
use crate::systems::{Core, UtilizationMeter};
use crate::time::{ms_to_ns, ns_to_secs, secs_to_ns, Nanos, NS_PER_SEC};
use std::collections::VecDeque;

/// One service instance: its workers and accept queue, CPU, memory, connection pool.
pub(super) struct Instance {
    pub(super) up: bool,
    /// What the load balancer believes since its last health check.
    pub(super) healthy_in_lb: bool,
    /// Incremented at each crash: requests of an older epoch died with it.
    pub(super) epoch: u32,
    pub(super) leaked_bytes: f64,
    pub(super) paused_until: Nanos,
    pub(super) pause_from: Nanos,
    pub(super) cpu: Cpu,
    pub(super) cpu_gauge: GaugeId,
    pub(super) cpu_busy_at_sample: f64,
    /// Total stop-the-world pause time so far (handlers running across a pause finish later).
    pub(super) pause_total: Nanos,
    pub(super) memory_gauge: GaugeId,
    pub(super) up_gauge: GaugeId,
    pub(super) busy: u64,
    pub(super) waiting: VecDeque<u32>,
    pub(super) pool_in_use: u64,
    pub(super) pool_waiting: VecDeque<u32>,
    pub(super) pool_gauge: GaugeId,
}

impl Instance {
    fn new(m: &mut Registry, i: usize, cores: f64) -> Instance {
        let name = api_name(i as u32);
        Instance {
            pause_from: 0,
            cpu: Cpu::new(cores),
            cpu_gauge: m.gauge(&CPU_UTILIZATION, &[&name]),
            cpu_busy_at_sample: 0.0,
            up: true,
            healthy_in_lb: true,
            epoch: 0,
            leaked_bytes: 0.0,
            paused_until: 0,
            pause_total: 0,
            memory_gauge: m.gauge(&PROCESS_MEMORY, &[&name]),
            up_gauge: m.gauge(&INSTANCE_UP, &[&name]),
            busy: 0,
            waiting: VecDeque::new(),
            pool_in_use: 0,
            pool_waiting: VecDeque::new(),
            pool_gauge: m.gauge(&DB_POOL_IN_USE, &[&name]),
        }
    }
}

/// The instances and what governs them: workers, accept queue, memory and collector,
/// restarts, health checks, autoscaling.
pub(super) struct Fleet {
    pub instances: Vec<Instance>,
    /// Workers per instance.
    pub workers: u64,
    /// Accept queue per instance (0 = unbounded).
    pub capacity: usize,
    /// Cores of an instance as configured.
    cpu_cores: f64,
    /// vCPUs each instance has now: `cpu_cores`, or more where a scenario provisions
    /// larger instances (`ServiceEffect::provisioned_vcpus`).
    pub(super) vcpus: f64,
    /// The largest size requests' service hops reported since the last sample.
    pub(super) vcpus_reported: f64,
    memory_limit: f64,
    memory_base: f64,
    gc_threshold: f64,
    gc_pause_ns: Nanos,
    pub restart_ns: Nanos,
    health_interval_ns: Nanos,
    gc_pause: HistogramId,
    leaked_gauge: Option<GaugeId>,
    restarts: Option<CounterId>,
    scale_up_pending: bool,
    autoscale_meter: UtilizationMeter,
}

/// What the memory check found on an instance.
pub(super) enum Memory {
    /// The instance is down.
    Down,
    /// Healthy, or paused for a collection (its CPU must be looked at again).
    Fine { paused: bool },
    /// Out of memory: it must crash.
    Exhausted,
}

impl Fleet {
    /// The fleet at its configured size (registers each instance's metrics, then the
    /// collector's).
    pub fn new(p: &ParamSet, core: &mut Core) -> Fleet {
        let n = p.i64("instances").max(1) as usize;
        let cores = p.f64("cpu_cores");
        let instances = (0..n)
            .map(|i| Instance::new(&mut core.metrics, i, cores))
            .collect();
        Fleet {
            instances,
            workers: p.i64("workers").max(1) as u64,
            capacity: p.i64("queue_capacity").max(0) as usize,
            cpu_cores: cores,
            vcpus: cores,
            vcpus_reported: 0.0,
            memory_limit: p.f64("memory_limit_mb") * 1_048_576.0,
            memory_base: p.f64("memory_base_mb") * 1_048_576.0,
            gc_threshold: p.f64("gc_threshold"),
            gc_pause_ns: ms_to_ns(p.f64("gc_pause_ms")),
            restart_ns: secs_to_ns(p.f64("restart_s")),
            health_interval_ns: secs_to_ns(p.f64("health_check_interval_s")).max(1),
            gc_pause: core.metrics.histogram(&GC_PAUSE, &[]),
            leaked_gauge: None,
            restarts: None,
            scale_up_pending: false,
            autoscale_meter: UtilizationMeter::default(),
        }
    }

    pub fn workers_total(&self) -> u64 {
        self.workers * self.instances.len() as u64
    }

    pub fn queue_depth(&self) -> u64 {
        self.instances.iter().map(|i| i.waiting.len() as u64).sum()
    }

    /// Requests on instance `i`: served and queued.
    pub fn outstanding(&self, i: usize) -> u64 {
        self.instances[i].busy + self.instances[i].waiting.len() as u64
    }

    /// Instance `i` crashes: its state is reset (a new epoch, no workers, no pool) and
    /// the crash is counted and logged. Returns the requests that were queued on it,
    /// for the caller to answer.
    pub fn crash(&mut self, core: &mut Core, i: usize, reason: &'static str) -> Vec<u32> {
        let inst = &mut self.instances[i];
        inst.up = false;
        inst.epoch = inst.epoch.wrapping_add(1);
        inst.leaked_bytes = 0.0;
        inst.cpu.clear();
        let busy = inst.busy;
        inst.busy = 0;
        inst.pool_in_use = 0;
        let mut lost: Vec<u32> = inst.waiting.drain(..).collect();
        lost.extend(inst.pool_waiting.drain(..));
        core.worker_busy(-(busy as i64));
        let restarts = *self
            .restarts
            .get_or_insert_with(|| core.metrics.counter(&INSTANCE_RESTARTS, &[reason]));
        core.metrics.inc(restarts);
        if core.logs.admits(core.now) {
            core.logs.push(LogRecord {
                t_ns: core.now,
                level: Level::Error,
                service: SERVICE,
                message: "instance crashed",
                fields: vec![("instance", api_name(i as u32)), ("reason", reason.into())],
                trace_id: None,
            });
        }
        lost
    }

    /// Instance `i` is back after its cold start.
    pub fn restart(&mut self, core: &mut Core, i: usize) {
        self.instances[i].up = true;
        if core.logs.admits(core.now) {
            core.logs.push(LogRecord {
                t_ns: core.now,
                level: Level::Info,
                service: SERVICE,
                message: "instance started",
                fields: vec![("instance", api_name(i as u32))],
                trace_id: None,
            });
        }
    }

    /// Booted instances join the fleet (and the load balancer at once: they passed their
    /// readiness check while booting).
    pub fn scale_up(&mut self, core: &mut Core, count: usize) {
        self.scale_up_pending = false;
        for _ in 0..count {
            let i = self.instances.len();
            self.instances
                .push(Instance::new(&mut core.metrics, i, self.vcpus));
        }
        let c = core.metrics.counter(&autoscaling::SCALE_UPS, &[]);
        core.metrics.inc(c);
        if core.logs.admits(core.now) {
            core.logs.push(LogRecord {
                t_ns: core.now,
                level: Level::Info,
                service: SERVICE,
                message: "autoscaler added instances",
                fields: vec![
                    ("count", count.to_string()),
                    ("instances", self.instances.len().to_string()),
                ],
                trace_id: None,
            });
        }
    }

    /// Once a second: compare utilisation with the target; when hot, order instances.
    /// Returns (when they are up, how many) for the caller to schedule.
    pub fn autoscale_tick(
        &mut self,
        core: &mut Core,
        policy: Option<autoscaling::Config>,
    ) -> Option<(Nanos, usize)> {
        core.settle();
        let workers = self.workers_total();
        let util = self.autoscale_meter.read(core, workers).unwrap_or(0.0);
        let autoscaling::Config {
            target_utilization: target,
            scale_up_delay_ns: delay,
            max_instances: max,
        } = policy?;
        let g = core.metrics.gauge(&autoscaling::INSTANCES, &[]);
        core.metrics.set(g, self.instances.len() as f64);
        if self.scale_up_pending || util <= target || self.instances.len() >= max {
            return None;
        }
        let current = self.instances.len();
        let wanted = ((current as f64 * util / target).ceil() as usize).clamp(current + 1, max);
        self.scale_up_pending = true;
        Some((core.now + delay, wanted - current))
    }

    /// Once per sample: the instances take the size the scenarios reported since the
    /// last one (or their configured size); returns whether it changed (their CPUs'
    /// next completions moved).
    pub fn resize(&mut self, now: Nanos) -> bool {
        let size = self.cpu_cores.max(self.vcpus_reported);
        self.vcpus_reported = 0.0;
        if size == self.vcpus {
            return false;
        }
        self.vcpus = size;
        for inst in &mut self.instances {
            inst.cpu.advance(now, inst.pause_from, inst.paused_until);
            inst.cpu.set_cores(size);
        }
        true
    }

    /// Once a second, instance `i`: memory pressure makes the collector stop the world,
    /// longer as the heap fills; at the limit the instance must die.
    pub fn memory_check(&mut self, core: &mut Core, i: usize) -> Memory {
        let inst = &self.instances[i];
        if !inst.up {
            return Memory::Down;
        }
        let used = self.memory_base + inst.leaked_bytes;
        let fraction = used / self.memory_limit;
        if fraction >= 1.0 {
            return Memory::Exhausted;
        }
        if fraction > self.gc_threshold && self.gc_pause_ns > 0 {
            let pressure = (fraction - self.gc_threshold) / (1.0 - self.gc_threshold).max(1e-9);
            let pause = (self.gc_pause_ns as f64 * (1.0 + 9.0 * pressure)) as Nanos;
            let inst = &mut self.instances[i];
            inst.cpu
                .advance(core.now, inst.pause_from, inst.paused_until);
            inst.pause_from = core.now;
            inst.paused_until = core.now + pause;
            inst.pause_total += pause;
            inst.cpu.version = inst.cpu.version.wrapping_add(1);
            core.metrics.observe(self.gc_pause, ns_to_secs(pause));
            return Memory::Fine { paused: true };
        }
        Memory::Fine { paused: false }
    }

    /// `memory_leaked_bytes`, once something has leaked.
    pub fn set_leaked(&mut self, core: &mut Core, leaked_total: f64) {
        if leaked_total > 0.0 || self.leaked_gauge.is_some() {
            let g = *self
                .leaked_gauge
                .get_or_insert_with(|| core.metrics.gauge(&MEMORY_LEAKED, &[]));
            core.metrics.set(g, leaked_total);
        }
    }

    /// Whether the load balancer's health checks run in the second that starts now.
    pub fn health_check_due(&self, now: Nanos) -> bool {
        now % self.health_interval_ns < NS_PER_SEC
    }

    /// Each instance's CPU, memory and up gauges, once per sample.
    pub fn sample(&mut self, core: &mut Core) {
        let sample_ns = NS_PER_SEC as f64;
        for inst in &mut self.instances {
            inst.cpu
                .advance(core.now, inst.pause_from, inst.paused_until);
            let busy = inst.cpu.busy_core_ns - inst.cpu_busy_at_sample;
            inst.cpu_busy_at_sample = inst.cpu.busy_core_ns;
            let share = (busy / (sample_ns * self.vcpus)).clamp(0.0, 1.0);
            core.metrics.set(inst.cpu_gauge, share);
        }
        for inst in &self.instances {
            let used = if inst.up {
                self.memory_base + inst.leaked_bytes
            } else {
                0.0
            };
            core.metrics.set(inst.memory_gauge, used);
            core.metrics
                .set(inst.up_gauge, f64::from(u8::from(inst.up)));
        }
    }
}

/// The load balancer's choice of instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum LbPolicy {
    RoundRobin,
    Random,
    LeastOutstanding,
    PowerOfTwo,
}

/// The load balancer: its policy and its own state and random stream.
pub(super) struct LoadBalancer {
    policy: LbPolicy,
    rr_next: usize,
    rng: Rng,
}

impl LoadBalancer {
    pub fn new(p: &ParamSet, rng: Rng) -> LoadBalancer {
        LoadBalancer {
            policy: match p.choice("lb_policy") {
                "random" => LbPolicy::Random,
                "least_outstanding" => LbPolicy::LeastOutstanding,
                "power_of_two" => LbPolicy::PowerOfTwo,
                _ => LbPolicy::RoundRobin,
            },
            rr_next: 0,
            rng,
        }
    }

    /// The instance for the next request, among those the load balancer believes
    /// healthy; `None` when it believes none is.
    pub fn pick(&mut self, fleet: &Fleet) -> Option<usize> {
        let n = fleet.instances.len();
        let healthy = |i: usize| fleet.instances[i].healthy_in_lb;
        let pick = match self.policy {
            LbPolicy::RoundRobin => {
                let i = self.rr_next % n;
                self.rr_next = (i + 1) % n;
                i
            }
            LbPolicy::Random => self.rng.below(n as u64) as usize,
            LbPolicy::LeastOutstanding => (0..n)
                .filter(|&i| healthy(i))
                .min_by_key(|&i| (fleet.outstanding(i), i))
                .unwrap_or(0),
            LbPolicy::PowerOfTwo => {
                let a = self.rng.below(n as u64) as usize;
                let b = self.rng.below(n as u64) as usize;
                if !healthy(a) || (healthy(b) && fleet.outstanding(b) < fleet.outstanding(a)) {
                    b
                } else {
                    a
                }
            }
        };
        // An ejected pick moves on to the next healthy instance.
        (0..n).map(|k| (pick + k) % n).find(|&i| healthy(i))
    }

    /// An instance in rotation other than `exclude` (the policy picks; the next healthy
    /// one if it picked `exclude`), or `exclude` if it is the only one: where a hedged
    /// read's second copy goes.
    pub fn pick_other(&mut self, fleet: &Fleet, exclude: usize) -> Option<usize> {
        let n = fleet.instances.len();
        let pick = self.pick(fleet)?;
        if pick != exclude {
            return Some(pick);
        }
        (1..n)
            .map(|k| (pick + k) % n)
            .find(|&i| fleet.instances[i].healthy_in_lb)
            .or(Some(pick))
    }
}
