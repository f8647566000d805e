//! Clients of the `web` system as a part: open-loop load profiles (the arrival rate as a
//! function of virtual time) or closed-loop users who think between calls, what each
//! call asks for, the client's timeout and the retry policy it applies to a failed or
//! timed-out call (with its retry budget), and the metrics of calls as clients see them.

use super::metrics::{CLIENT_ABANDONED, CLIENT_DURATION, CLIENT_REQUESTS};
use crate::dist::{Dist, Zipf};
use crate::metrics::{CounterId, HistogramId, Registry};
use crate::mitigations::retry_backoff;
use crate::params::ParamSet;
use crate::rng::Xoshiro256PlusPlus as Rng;
use crate::systems::Core;
use crate::time::{ms_to_ns, secs_to_ns, Nanos};

/// The clients' fixed metric handles (registered with the system's other fixed series).
#[derive(Debug, Clone, Copy)]
pub(super) struct ClientIds {
    success: CounterId,
    error: CounterId,
    timeout: CounterId,
    duration: HistogramId,
    /// Responses the server finished after the client had given up.
    pub wasted: CounterId,
}

impl ClientIds {
    pub fn register(m: &mut Registry) -> ClientIds {
        ClientIds {
            success: m.counter(&CLIENT_REQUESTS, &["success"]),
            error: m.counter(&CLIENT_REQUESTS, &["error"]),
            timeout: m.counter(&CLIENT_REQUESTS, &["timeout"]),
            duration: m.histogram(&CLIENT_DURATION, &[]),
            wasted: m.counter(&CLIENT_ABANDONED, &[]),
        }
    }
}

/// The clients: how calls arrive, what they ask for, how long they wait, how they retry.
pub(super) struct Clients {
    /// Closed loop: users who wait for an answer, then think.
    pub closed_loop: bool,
    load: Load,
    think: Dist,
    /// A client gives up on an attempt after this long; 0 = never.
    pub timeout_ns: Nanos,
    naive_retries: u32,
    write_fraction: f64,
    keys: Zipf,
    /// Distinct API clients (for per-client rate limits).
    pub count: u64,
    /// Retry tokens, when the retry policy has a budget.
    pub budget: RetryBudget,
    arrival_rng: Rng,
    rng: Rng,
    pub ids: ClientIds,
    retry_attempts: Option<CounterId>,
    retry_depth: Option<HistogramId>,
    retry_exhausted: Option<CounterId>,
}

impl Clients {
    pub fn new(
        p: &ParamSet,
        key_space: usize,
        ids: ClientIds,
        arrival_rng: Rng,
        rng: Rng,
    ) -> Clients {
        Clients {
            closed_loop: p.choice("client_mode") == "closed",
            load: Load {
                base_rps: p.f64("arrival_rate_rps"),
                profile: match p.choice("load_profile") {
                    "ramp" => Profile::Ramp,
                    "step" => Profile::Step,
                    "spike" => Profile::Spike,
                    "diurnal" => Profile::Diurnal,
                    "bursty" => Profile::Bursty,
                    _ => Profile::Constant,
                },
                period_ns: secs_to_ns(p.f64("profile_period_s")),
                peak: p.f64("profile_peak_factor"),
            },
            think: Dist::Exponential {
                mean: p.f64("think_time_ms") / 1000.0,
            },
            timeout_ns: ms_to_ns(p.f64("client_timeout_ms")),
            naive_retries: p.i64("client_retries").max(0) as u32,
            write_fraction: p.f64("write_fraction"),
            keys: Zipf::new(key_space, p.f64("key_zipf_s")),
            count: p.i64("clients").max(1) as u64,
            budget: RetryBudget::default(),
            arrival_rng,
            rng,
            ids,
            retry_attempts: None,
            retry_depth: None,
            retry_exhausted: None,
        }
    }

    /// The next open-loop arrival after `now`.
    pub fn next_arrival(&mut self, now: Nanos) -> Nanos {
        self.load.next_arrival(now, &mut self.arrival_rng)
    }

    /// A user's think time before their next call.
    pub fn think(&mut self) -> Nanos {
        secs_to_ns(self.think.sample(&mut self.arrival_rng))
    }

    /// What a new call asks for: (endpoint: 0 read, 1 write; product key).
    pub fn draw_call(&mut self) -> (u8, u32) {
        let endpoint = u8::from(self.rng.chance(self.write_fraction));
        let key = self.keys.sample(&mut self.rng) as u32;
        (endpoint, key)
    }

    /// Which API client a call comes from: a closed-loop user's own, or one at random.
    pub fn client_of(&mut self, user: u32, open_loop_marker: u32) -> u32 {
        if user == open_loop_marker {
            self.rng.below(self.count) as u32
        } else {
            user % self.count as u32
        }
    }

    /// The retry policy of a call: the mitigation's (`polite`) if on, else the naive
    /// immediate retries, as many as the scenarios ask for if more.
    pub fn policy(
        &self,
        polite: Option<RetryPolicy>,
        scenario_retries: Option<u32>,
    ) -> RetryPolicy {
        match (polite, scenario_retries) {
            (Some(polite), _) => polite,
            (None, Some(n)) => RetryPolicy::naive(n.max(self.naive_retries)),
            (None, None) => RetryPolicy::naive(self.naive_retries),
        }
    }

    /// A failed attempt `attempt` may be retried under `policy`: the wait before the next
    /// one, or `None` when the retry budget is spent (counted).
    pub fn retry(&mut self, core: &mut Core, policy: &RetryPolicy, attempt: u32) -> Option<Nanos> {
        let allowed = policy.budget_ratio.is_none() || self.budget.try_spend();
        if !allowed {
            let exhausted = *self.retry_exhausted.get_or_insert_with(|| {
                core.metrics
                    .counter(&retry_backoff::RETRY_BUDGET_EXHAUSTED, &[])
            });
            core.metrics.inc(exhausted);
            return None;
        }
        let attempts = *self
            .retry_attempts
            .get_or_insert_with(|| core.metrics.counter(&retry_backoff::RETRY_ATTEMPTS, &[]));
        core.metrics.inc(attempts);
        Some(policy.backoff(attempt, &mut self.rng))
    }

    /// A call ended as its client sees it, after `took` seconds: counted among the
    /// users' calls unless `apart` (a flooding client's, counted on its own).
    pub fn outcome(&mut self, core: &mut Core, ok: bool, timed_out: bool, took: f64, apart: bool) {
        if apart {
            return;
        }
        let outcome = match (ok, timed_out) {
            (true, _) => self.ids.success,
            (false, true) => self.ids.timeout,
            (false, false) => self.ids.error,
        };
        core.metrics.inc(outcome);
        core.metrics.observe(self.ids.duration, took);
    }

    /// A call that could retry ended after `attempts` attempts.
    pub fn note_depth(&mut self, core: &mut Core, attempts: u32) {
        let depth = *self
            .retry_depth
            .get_or_insert_with(|| core.metrics.histogram(&retry_backoff::RETRY_DEPTH, &[]));
        core.metrics.observe(depth, f64::from(attempts));
    }
}

/// How the open-loop arrival rate changes over time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Profile {
    Constant,
    /// From the base rate up to `peak ×` base over one period, then level.
    Ramp,
    /// Base rate, then `peak ×` base from one period on.
    Step,
    /// `peak ×` base during the first fifth of every period after the first.
    Spike,
    /// A sine day: between base and `peak ×` base, one cycle per period.
    Diurnal,
    /// On/off: half a period at `peak ×` base, half at base / peak.
    Bursty,
}

/// An open-loop load: rate(t) and a thinning sampler for the non-homogeneous Poisson
/// process it defines (Lewis & Shedler).
#[derive(Debug, Clone, Copy)]
pub struct Load {
    pub base_rps: f64,
    pub profile: Profile,
    pub period_ns: Nanos,
    pub peak: f64,
}

impl Load {
    pub fn rate_at(&self, t: Nanos) -> f64 {
        let p = self.period_ns.max(1);
        let phase = (t % p) as f64 / p as f64;
        let b = self.base_rps;
        match self.profile {
            Profile::Constant => b,
            Profile::Ramp => b * (1.0 + (self.peak - 1.0) * (t as f64 / p as f64).min(1.0)),
            Profile::Step => {
                if t >= p {
                    b * self.peak
                } else {
                    b
                }
            }
            Profile::Spike => {
                if t >= p && phase < 0.2 {
                    b * self.peak
                } else {
                    b
                }
            }
            Profile::Diurnal => {
                b * (1.0
                    + (self.peak - 1.0) * (1.0 - libm::cos(2.0 * std::f64::consts::PI * phase))
                        / 2.0)
            }
            Profile::Bursty => {
                if phase < 0.5 {
                    b * self.peak
                } else {
                    b / self.peak.max(1.0)
                }
            }
        }
    }

    pub fn max_rate(&self) -> f64 {
        match self.profile {
            Profile::Constant => self.base_rps,
            _ => self.base_rps * self.peak.max(1.0),
        }
    }

    /// The next arrival after `now` (thinning: candidates at the peak rate, each kept with
    /// probability rate(t) / peak).
    pub fn next_arrival(&self, now: Nanos, rng: &mut Rng) -> Nanos {
        let max = self.max_rate().max(1e-9);
        let mut t = now;
        // Bounded: a rate of 0 for a long stretch still returns, one period later at most.
        for _ in 0..1_000_000 {
            t += secs_to_ns(crate::dist::standard_exponential(rng) / max).max(1);
            if self.profile == Profile::Constant || rng.next_f64() * max <= self.rate_at(t) {
                return t;
            }
        }
        t
    }
}

pub use crate::mitigations::retry_backoff::Jitter;

/// A client's retry policy.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    /// Tries per call, the first included (1 = never retry).
    pub max_attempts: u32,
    pub base_backoff_ns: Nanos,
    pub max_backoff_ns: Nanos,
    pub jitter: Jitter,
    /// Retry tokens earned per first attempt; `None` = unlimited retries.
    pub budget_ratio: Option<f64>,
}

impl RetryPolicy {
    /// Retry at once, `retries` times: what many client libraries do by default.
    pub fn naive(retries: u32) -> RetryPolicy {
        RetryPolicy {
            max_attempts: retries + 1,
            base_backoff_ns: 0,
            max_backoff_ns: 0,
            jitter: Jitter::None,
            budget_ratio: None,
        }
    }

    /// The policy of the `retry-backoff` mitigation.
    pub fn from_mitigation(c: crate::mitigations::retry_backoff::Config) -> RetryPolicy {
        RetryPolicy {
            max_attempts: c.max_attempts,
            base_backoff_ns: c.base_backoff_ns,
            max_backoff_ns: c.max_backoff_ns,
            jitter: c.jitter,
            budget_ratio: Some(c.budget_ratio),
        }
    }

    /// Wait before attempt `attempt + 1` (attempt ≥ 1 has just failed).
    pub fn backoff(&self, attempt: u32, rng: &mut Rng) -> Nanos {
        let exp = self
            .base_backoff_ns
            .saturating_mul(1u64 << (attempt.saturating_sub(1)).min(30));
        let capped = exp.min(self.max_backoff_ns.max(self.base_backoff_ns));
        match self.jitter {
            Jitter::None => capped,
            Jitter::Full => (capped as f64 * rng.next_f64()) as Nanos,
            Jitter::Equal => capped / 2 + ((capped / 2) as f64 * rng.next_f64()) as Nanos,
        }
    }
}

/// A retry budget (token bucket): first attempts earn tokens, retries spend one each.
#[derive(Debug, Clone, Copy, Default)]
pub struct RetryBudget {
    tokens: f64,
}

impl RetryBudget {
    const CAP: f64 = 100.0;

    pub fn earn(&mut self, ratio: f64) {
        self.tokens = (self.tokens + ratio).min(Self::CAP);
    }

    pub fn try_spend(&mut self) -> bool {
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thinning_follows_the_profile() {
        let load = Load {
            base_rps: 100.0,
            profile: Profile::Step,
            period_ns: 10 * crate::time::NS_PER_SEC,
            peak: 3.0,
        };
        let mut rng = Rng::stream(1, 1);
        let mut t = 0;
        let (mut before, mut after) = (0, 0);
        while t < 20 * crate::time::NS_PER_SEC {
            t = load.next_arrival(t, &mut rng);
            if t < 10 * crate::time::NS_PER_SEC {
                before += 1
            } else if t < 20 * crate::time::NS_PER_SEC {
                after += 1
            }
        }
        assert!((900..1100).contains(&before), "{before}");
        assert!((2700..3300).contains(&after), "{after}");
    }

    #[test]
    fn backoff_doubles_and_caps() {
        let p = RetryPolicy {
            max_attempts: 5,
            base_backoff_ns: 100,
            max_backoff_ns: 350,
            jitter: Jitter::None,
            budget_ratio: None,
        };
        let mut rng = Rng::stream(1, 1);
        let waits: Vec<Nanos> = (1..=4).map(|a| p.backoff(a, &mut rng)).collect();
        assert_eq!(waits, vec![100, 200, 350, 350]);
    }
}
