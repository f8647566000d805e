//! The payment dependency as a part: the provider's latency and own error rate, the calls
//! in flight per instance (what the bulkhead limits), the circuit breaker that guards it,
//! the ledger chain behind it (`chain.rs`), and their metrics. The request path asks it
//! whether a call may go, what the call does, and tells it how the call ended.

use super::breaker::{Admit, Breaker, BreakerConfig};
use super::chain;
use super::metrics::{
    BULKHEAD_IN_USE, BULKHEAD_REJECTIONS, CHAIN_AFTER_DEADLINE, CHAIN_ATTEMPTS, CHAIN_CALLS,
    CHAIN_WASTED, DEPENDENCY_DURATION, DEPENDENCY_REQUESTS,
};
use super::request::{LEDGER, PAYMENT, SERVICE};
use crate::dist::Dist;
use crate::metrics::{CounterId, GaugeId, HistogramId, Registry};
use crate::mitigation::Mitigations;
use crate::mitigations::{breaker as breaker_m, bulkhead};
use crate::observe::{Level, LogRecord};
use crate::params::ParamSet;
use crate::rng::Xoshiro256PlusPlus as Rng;
use crate::scenario::Effect;
use crate::systems::Core;
use crate::time::{ns_to_secs, secs_to_ns, Nanos};

/// The dependency's fixed metric handles (registered with the system's other fixed
/// series).
#[derive(Debug, Clone, Copy)]
pub(super) struct PaymentIds {
    ok: CounterId,
    error: CounterId,
    duration: HistogramId,
}

impl PaymentIds {
    pub fn register(m: &mut Registry) -> PaymentIds {
        PaymentIds {
            ok: m.counter(&DEPENDENCY_REQUESTS, &[PAYMENT, "success"]),
            error: m.counter(&DEPENDENCY_REQUESTS, &[PAYMENT, "error"]),
            duration: m.histogram(&DEPENDENCY_DURATION, &[PAYMENT]),
        }
    }
}

/// The ledger chain's metrics, registered at the first chained call.
#[derive(Debug, Clone, Copy)]
struct ChainIds {
    success: CounterId,
    timeout: CounterId,
    after_deadline: CounterId,
    wasted: CounterId,
    attempts: HistogramId,
}

/// Why a call was refused before it left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Refused {
    /// The circuit breaker is open.
    Breaker,
    /// The instance's bulkhead is full.
    Bulkhead,
}

/// What one call to the provider does: how long the caller waits and how it fails.
#[derive(Debug, Clone, Copy)]
pub(super) struct Attempt {
    pub latency_ns: Nanos,
    pub fail_status: Option<u16>,
}

pub(super) struct Payment {
    latency: Dist,
    error_rate: f64,
    /// Calls in flight, per instance.
    in_flight: Vec<u32>,
    breaker: Option<Breaker>,
    /// `bulkhead`, while it is on.
    bulkhead: Option<bulkhead::Config>,
    ids: PaymentIds,
    breaker_state: Option<GaugeId>,
    breaker_trips: Option<CounterId>,
    breaker_rejections: Option<CounterId>,
    bulkhead_rejections: Option<CounterId>,
    bulkhead_in_use: Option<GaugeId>,
    chain: Option<ChainIds>,
}

impl Payment {
    pub fn new(p: &ParamSet, instances: usize, ids: PaymentIds) -> Payment {
        Payment {
            latency: Dist::lognormal_mean_cv(p.f64("payment_latency_ms") / 1000.0, 0.5),
            error_rate: p.f64("payment_error_rate"),
            in_flight: vec![0; instances],
            breaker: None,
            bulkhead: None,
            ids,
            breaker_state: None,
            breaker_trips: None,
            breaker_rejections: None,
            bulkhead_rejections: None,
            bulkhead_in_use: None,
            chain: None,
        }
    }

    /// Whether instance `instance` may call now: the breaker admits it (as a probe when
    /// half-open: `Ok(true)`) and the bulkhead has room. A refusal is counted; an
    /// admitted call is in flight until `finish`.
    pub fn admit(&mut self, core: &mut Core, instance: usize) -> Result<bool, Refused> {
        let mut probe = false;
        if let Some(b) = &mut self.breaker {
            match b.admit(core.now) {
                Admit::Reject => {
                    let c = *self.breaker_rejections.get_or_insert_with(|| {
                        core.metrics
                            .counter(&breaker_m::BREAKER_REJECTIONS, &[PAYMENT])
                    });
                    core.metrics.inc(c);
                    return Err(Refused::Breaker);
                }
                Admit::Probe => probe = true,
                Admit::Call => {}
            }
        }
        if let Some(bulkhead) = self.bulkhead {
            if self.in_flight[instance] >= bulkhead.max_concurrent {
                let c = *self
                    .bulkhead_rejections
                    .get_or_insert_with(|| core.metrics.counter(&BULKHEAD_REJECTIONS, &[PAYMENT]));
                core.metrics.inc(c);
                return Err(Refused::Bulkhead);
            }
        }
        self.in_flight[instance] += 1;
        Ok(probe)
    }

    /// The call itself, as the scenarios striking the dependency have it (`effect`, DNS
    /// time included): the provider's own failures, its latency, the ledger chain behind
    /// it (its timeouts propagated as a deadline when `propagate`).
    pub fn attempt(
        &mut self,
        core: &mut Core,
        effect: &Effect,
        propagate: bool,
        rng: &mut Rng,
    ) -> Attempt {
        let failed = effect.fail_status.is_some() || rng.chance(self.error_rate);
        let mut fail_status = failed.then(|| effect.fail_status.unwrap_or(502));
        let mut latency_ns =
            secs_to_ns(self.latency.sample(rng) * effect.work_factor) + effect.delay_ns;
        if let Some(spec) = effect.dependency().chain {
            let out = chain::call(&spec, latency_ns, propagate, rng);
            let ids = *self.chain.get_or_insert_with(|| {
                let m = &mut core.metrics;
                ChainIds {
                    success: m.counter(&CHAIN_CALLS, &[LEDGER, "success"]),
                    timeout: m.counter(&CHAIN_CALLS, &[LEDGER, "timeout"]),
                    after_deadline: m.counter(&CHAIN_AFTER_DEADLINE, &[LEDGER]),
                    wasted: m.counter(&CHAIN_WASTED, &[LEDGER]),
                    attempts: m.histogram(&CHAIN_ATTEMPTS, &[LEDGER]),
                }
            });
            let m = &mut core.metrics;
            m.add(ids.success, f64::from(out.inner_calls - out.inner_timeouts));
            m.add(ids.timeout, f64::from(out.inner_timeouts));
            m.add(ids.after_deadline, f64::from(out.after_deadline));
            m.add(ids.wasted, out.wasted_s);
            m.observe(ids.attempts, f64::from(out.inner_calls));
            latency_ns = out.waited_ns;
            if out.status.is_some() {
                fail_status = out.status;
            }
        }
        Attempt {
            latency_ns,
            fail_status,
        }
    }

    /// A call of `instance` that started at `started` ended (`ok` or not): counted.
    pub fn finish(&mut self, core: &mut Core, instance: usize, ok: bool, started: Nanos) {
        self.in_flight[instance] = self.in_flight[instance].saturating_sub(1);
        core.metrics
            .inc(if ok { self.ids.ok } else { self.ids.error });
        core.metrics
            .observe(self.ids.duration, ns_to_secs(core.now - started));
    }

    /// The breaker learns how the call ended; a trip is counted and logged.
    pub fn record(&mut self, core: &mut Core, probe: bool, ok: bool, trace_id: u64) {
        let Some(b) = &mut self.breaker else {
            return;
        };
        if !b.record(core.now, probe, ok) {
            return;
        }
        let c = *self
            .breaker_trips
            .get_or_insert_with(|| core.metrics.counter(&breaker_m::BREAKER_TRIPS, &[PAYMENT]));
        core.metrics.inc(c);
        if core.logs.admits(core.now) {
            core.logs.push(LogRecord {
                t_ns: core.now,
                level: Level::Warn,
                service: SERVICE,
                message: "circuit breaker opened",
                fields: vec![("dependency", PAYMENT.into())],
                trace_id: Some(trace_id),
            });
        }
    }

    /// Instance `instance` crashed: its calls died with it.
    pub fn forget(&mut self, instance: usize) {
        self.in_flight[instance] = 0;
    }

    /// The fleet grew to `instances`.
    pub fn resize(&mut self, instances: usize) {
        self.in_flight.resize(instances, 0);
    }

    /// The mitigations that act here, as switched on now: `bulkhead` (the cap on calls
    /// in flight per instance) and `circuit-breaker` (on, changed with its state kept,
    /// or off).
    pub fn configure(&mut self, core: &mut Core, mitigations: &Mitigations) {
        self.bulkhead = mitigations.config::<bulkhead::Config>();
        let breaker: Option<BreakerConfig> = mitigations.config::<breaker_m::Config>();
        match breaker {
            Some(config) => {
                match &mut self.breaker {
                    Some(b) => b.config = config,
                    None => self.breaker = Some(Breaker::new(config)),
                }
                if self.breaker_state.is_none() {
                    self.breaker_state =
                        Some(core.metrics.gauge(&breaker_m::BREAKER_STATE, &[PAYMENT]));
                    self.breaker_trips =
                        Some(core.metrics.counter(&breaker_m::BREAKER_TRIPS, &[PAYMENT]));
                }
            }
            None => self.breaker = None,
        }
    }

    /// The bulkhead's gauge (once it is or was on) — once a second.
    pub fn bulkhead_tick(&mut self, core: &mut Core) {
        if self.bulkhead.is_some() || self.bulkhead_in_use.is_some() {
            let g = *self
                .bulkhead_in_use
                .get_or_insert_with(|| core.metrics.gauge(&BULKHEAD_IN_USE, &[PAYMENT]));
            let in_use: u32 = self.in_flight.iter().sum();
            core.metrics.set(g, f64::from(in_use));
        }
    }

    /// The breaker's state gauge, once per sample.
    pub fn sample(&mut self, core: &mut Core) {
        if let (Some(b), Some(g)) = (&mut self.breaker, self.breaker_state) {
            // Let an expired open period show as half-open only when a call probes it.
            core.metrics.set(g, b.state.gauge());
        }
    }
}
