//! A chain of services: the API (A) calls payment (B), which calls a ledger (C) before
//! doing its own work. Each caller has its own timeout on its callee, and B retries C
//! after a timeout. When B's timeout on C is longer than A's timeout on B, A gives up
//! while B is still waiting and retrying: everything B and C do after that is wasted,
//! and B's retries multiply the load on C exactly when C is slow.
//!
//! With deadline propagation B knows A's deadline (a `grpc-timeout`-style header): each
//! attempt gets at most the time A has left, and B starts no attempt after it.
//!
//! The chain is computed per call from sampled latencies (C's are exponential); the web
//! model holds the API's worker for what A waits and records what the chain did.

use crate::rng::Xoshiro256PlusPlus as Rng;
use crate::scenario::ChainCall;
use crate::time::{secs_to_ns, Nanos, NS_PER_SEC};

/// What one call down the chain did.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChainOutcome {
    /// What A waited: B's answer, or A's own timeout.
    pub waited_ns: Nanos,
    /// A's view: `None` = B answered in time, `Some(504)` = A timed out, `Some(502)` = B
    /// answered with an error (every attempt at C timed out).
    pub status: Option<u16>,
    pub inner_calls: u32,
    pub inner_timeouts: u32,
    pub after_deadline: u32,
    pub wasted_s: f64,
}

/// B calls C (`spec`), then works `own_ns` itself; A waits at most `outer_timeout_ns`.
pub fn call(
    spec: &ChainCall,
    own_ns: Nanos,
    propagate_deadline: bool,
    rng: &mut Rng,
) -> ChainOutcome {
    let outer = spec.outer_timeout_ns;
    let mut elapsed: Nanos = 0;
    let mut out = ChainOutcome {
        waited_ns: 0,
        status: None,
        inner_calls: 0,
        inner_timeouts: 0,
        after_deadline: 0,
        wasted_s: 0.0,
    };
    let mut got_answer = false;
    let mut answer_ns: Nanos = 0;
    let mean_s = spec.inner_latency_ns as f64 / NS_PER_SEC as f64;
    for _ in 0..=spec.inner_retries {
        let mut limit = spec.inner_timeout_ns;
        if propagate_deadline {
            let left = outer.saturating_sub(elapsed);
            if left == 0 {
                break;
            }
            limit = limit.min(left);
        }
        let late = elapsed >= outer;
        out.inner_calls += 1;
        out.after_deadline += u32::from(late);
        let latency = secs_to_ns(-mean_s * libm::log(1.0 - rng.next_f64()));
        if latency <= limit {
            elapsed += latency;
            got_answer = true;
            answer_ns = latency;
            break;
        }
        // B stops waiting. Without a deadline C finishes the work anyway and nobody reads
        // the answer; with one, C stops at the same deadline.
        out.inner_timeouts += 1;
        let worked = if propagate_deadline { limit } else { latency };
        out.wasted_s += worked as f64 / NS_PER_SEC as f64;
        elapsed += limit;
    }
    let b_total = if got_answer {
        elapsed.saturating_add(own_ns)
    } else {
        elapsed
    };
    if b_total > outer {
        out.waited_ns = outer;
        out.status = Some(504);
        if got_answer && !propagate_deadline {
            // B's answer arrives after A left: C's answer and B's own work were for
            // nothing too.
            out.wasted_s += (answer_ns + own_ns) as f64 / NS_PER_SEC as f64;
        }
    } else {
        out.waited_ns = b_total;
        out.status = if got_answer { None } else { Some(502) };
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(outer_ms: u64, inner_ms: u64, retries: u32, c_ms: u64) -> ChainCall {
        ChainCall {
            outer_timeout_ns: outer_ms * 1_000_000,
            inner_timeout_ns: inner_ms * 1_000_000,
            inner_retries: retries,
            inner_latency_ns: c_ms * 1_000_000,
        }
    }

    fn many(s: ChainCall, propagate: bool) -> (f64, f64, f64) {
        let mut rng = Rng::stream(7, 1);
        let (mut calls, mut late, mut failed) = (0.0, 0.0, 0.0);
        for _ in 0..10_000 {
            let o = call(&s, 5_000_000, propagate, &mut rng);
            assert!(o.waited_ns <= s.outer_timeout_ns);
            calls += f64::from(o.inner_calls);
            late += f64::from(o.after_deadline);
            failed += f64::from(u8::from(o.status.is_some()));
        }
        (calls / 1e4, late / 1e4, failed / 1e4)
    }

    #[test]
    fn a_fast_inner_service_is_called_once() {
        let (calls, late, failed) = many(spec(1000, 3000, 2, 1), false);
        assert!(calls < 1.001 && late == 0.0 && failed == 0.0);
    }

    #[test]
    fn inner_timeout_above_outer_wastes_calls_and_deadline_propagation_stops_it() {
        let s = spec(1000, 3000, 2, 2000);
        let (calls, late, failed) = many(s, false);
        // P(C > 3 s) = e^-1.5 ≈ 0.22 per attempt, so ≈ 1.28 calls; some start after A left.
        assert!((1.2..1.4).contains(&calls), "{calls}");
        assert!(late > 0.15, "{late}");
        assert!(failed > 0.5, "{failed}");
        let (calls_p, late_p, _) = many(s, true);
        assert_eq!(late_p, 0.0);
        assert!(calls_p <= calls, "{calls_p} vs {calls}");
    }
}
