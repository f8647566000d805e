//! The circuit breaker guarding the payment dependency: closed → open → half-open →
//! closed, with failures counted in one-second buckets over a sliding window.

use crate::time::{Nanos, NS_PER_SEC};
use std::collections::VecDeque;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Closed,
    Open { until: Nanos },
    HalfOpen { in_flight: u32, succeeded: u32 },
}

impl State {
    /// The `circuit_breaker_state` gauge value.
    pub fn gauge(self) -> f64 {
        match self {
            State::Closed => 0.0,
            State::Open { .. } => 1.0,
            State::HalfOpen { .. } => 2.0,
        }
    }
}

/// The breaker's thresholds and timings: the `circuit-breaker` mitigation's configuration.
pub use crate::mitigations::breaker::Config as BreakerConfig;

#[derive(Debug, Clone)]
pub struct Breaker {
    pub config: BreakerConfig,
    pub state: State,
    /// (second, calls, failures)
    buckets: VecDeque<(u64, u64, u64)>,
    pub trips: u64,
}

/// What the breaker says about a call about to be made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admit {
    Call,
    /// Half-open: this call is a probe.
    Probe,
    Reject,
}

impl Breaker {
    pub fn new(config: BreakerConfig) -> Breaker {
        Breaker {
            config,
            state: State::Closed,
            buckets: VecDeque::new(),
            trips: 0,
        }
    }

    pub fn admit(&mut self, now: Nanos) -> Admit {
        match self.state {
            State::Closed => Admit::Call,
            State::Open { until } if now < until => Admit::Reject,
            State::Open { .. } => {
                self.state = State::HalfOpen {
                    in_flight: 1,
                    succeeded: 0,
                };
                Admit::Probe
            }
            State::HalfOpen {
                in_flight,
                succeeded,
            } => {
                if in_flight + succeeded < self.config.half_open_probes {
                    self.state = State::HalfOpen {
                        in_flight: in_flight + 1,
                        succeeded,
                    };
                    Admit::Probe
                } else {
                    Admit::Reject
                }
            }
        }
    }

    /// Records a call's outcome; returns true if this opened the breaker.
    pub fn record(&mut self, now: Nanos, probe: bool, ok: bool) -> bool {
        if probe {
            if let State::HalfOpen {
                in_flight,
                succeeded,
            } = self.state
            {
                if !ok {
                    return self.open(now);
                }
                let succeeded = succeeded + 1;
                if succeeded >= self.config.half_open_probes {
                    self.state = State::Closed;
                    self.buckets.clear();
                } else {
                    self.state = State::HalfOpen {
                        in_flight: in_flight.saturating_sub(1),
                        succeeded,
                    };
                }
            }
            return false;
        }
        let second = now / NS_PER_SEC;
        match self.buckets.back_mut() {
            Some(b) if b.0 == second => {
                b.1 += 1;
                b.2 += u64::from(!ok);
            }
            _ => self.buckets.push_back((second, 1, u64::from(!ok))),
        }
        let horizon = (now.saturating_sub(self.config.window_ns)) / NS_PER_SEC;
        while self.buckets.front().is_some_and(|b| b.0 < horizon) {
            self.buckets.pop_front();
        }
        if self.state != State::Closed {
            return false;
        }
        let (calls, failures) = self
            .buckets
            .iter()
            .fold((0, 0), |(c, f), b| (c + b.1, f + b.2));
        if calls >= self.config.min_requests
            && failures as f64 >= self.config.failure_rate_threshold * calls as f64
        {
            return self.open(now);
        }
        false
    }

    fn open(&mut self, now: Nanos) -> bool {
        self.state = State::Open {
            until: now + self.config.open_ns,
        };
        self.trips += 1;
        self.buckets.clear();
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Nanos = NS_PER_SEC;

    #[test]
    fn closed_open_half_open_closed() {
        let mut b = Breaker::new(BreakerConfig {
            failure_rate_threshold: 0.5,
            window_ns: 10 * S,
            min_requests: 4,
            open_ns: 5 * S,
            half_open_probes: 2,
        });
        for i in 0..3 {
            assert_eq!(b.admit(i * S / 10), Admit::Call);
            assert!(!b.record(i * S / 10, false, false), "not enough calls yet");
        }
        assert!(b.record(S / 2, false, false), "4 calls, all failed: open");
        assert_eq!(
            b.state,
            State::Open {
                until: S / 2 + 5 * S
            }
        );
        assert_eq!(b.admit(5 * S), Admit::Reject);
        assert_eq!(
            b.admit(5 * S + S / 2),
            Admit::Probe,
            "open_s later: half-open"
        );
        assert_eq!(b.admit(5 * S + S / 2), Admit::Probe);
        assert_eq!(
            b.admit(5 * S + S / 2),
            Admit::Reject,
            "only the probes pass"
        );
        b.record(6 * S, true, true);
        assert!(matches!(b.state, State::HalfOpen { .. }));
        b.record(6 * S, true, true);
        assert_eq!(b.state, State::Closed);
        assert_eq!(b.trips, 1);
    }

    #[test]
    fn failed_probe_reopens() {
        let mut b = Breaker::new(BreakerConfig {
            failure_rate_threshold: 0.5,
            window_ns: 10 * S,
            min_requests: 1,
            open_ns: S,
            half_open_probes: 3,
        });
        b.record(0, false, false);
        assert_eq!(b.admit(2 * S), Admit::Probe);
        assert!(b.record(2 * S, true, false));
        assert_eq!(b.state, State::Open { until: 3 * S });
        assert_eq!(b.trips, 2);
    }
}
