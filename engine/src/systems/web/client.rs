//! Clients of the `web` system: open-loop load profiles (the arrival rate as a function
//! of virtual time) and the retry policy a client applies to a failed or timed-out call.

use crate::rng::Xoshiro256PlusPlus as Rng;
use crate::time::{secs_to_ns, Nanos};

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
