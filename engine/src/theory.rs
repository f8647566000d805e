//! Queueing theory the engine is checked against: Erlang C for M/M/c, Pollaczek–Khinchine
//! for M/G/1. Used by the fidelity tests and the benchmarks, and shown to learners next
//! to what the simulation measured.

/// Erlang C: the probability that an arrival waits in an M/M/c queue with offered load
/// `a` = λ/μ erlangs (requires a < c).
pub fn erlang_c(c: u32, a: f64) -> f64 {
    let rho = a / c as f64;
    let mut term = 1.0; // a^k / k!
    let mut sum = 0.0;
    for k in 0..c {
        if k > 0 {
            term *= a / k as f64;
        }
        sum += term;
    }
    let top = term * a / c as f64 / (1.0 - rho); // a^c / c! / (1 − ρ)
    top / (sum + top)
}

/// Mean wait in queue of M/M/c: C(c, a) / (cμ − λ). `None` when unstable.
pub fn mmc_wait_s(c: u32, lambda: f64, service_s: f64) -> Option<f64> {
    let mu = 1.0 / service_s;
    let a = lambda / mu;
    if c == 0 || a >= c as f64 {
        return None;
    }
    Some(erlang_c(c, a) / (c as f64 * mu - lambda))
}

/// Pollaczek–Khinchine mean wait of M/G/1 with service coefficient of variation `cv`:
/// ρ·E[S]·(1 + cv²) / (2(1 − ρ)). `None` when unstable.
pub fn mg1_wait_s(lambda: f64, service_s: f64, cv: f64) -> Option<f64> {
    let rho = lambda * service_s;
    if rho >= 1.0 {
        return None;
    }
    Some(rho * service_s * (1.0 + cv * cv) / (2.0 * (1.0 - rho)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn textbook_values() {
        // M/M/1: P(wait) = ρ; at ρ = 0.9, E[S] = 10 ms: Wq = 90 ms.
        assert!((erlang_c(1, 0.8) - 0.8).abs() < 1e-12);
        assert!((mmc_wait_s(1, 90.0, 0.01).unwrap_or(0.0) - 0.09).abs() < 1e-12);
        // M/M/2 at a = 1: C = 1/3.
        assert!((erlang_c(2, 1.0) - 1.0 / 3.0).abs() < 1e-12);
        // M/D/1 at ρ = 0.8: 20 ms; P-K with cv = 1 agrees with Erlang C.
        assert!((mg1_wait_s(80.0, 0.01, 0.0).unwrap_or(0.0) - 0.02).abs() < 1e-12);
        assert!((mg1_wait_s(90.0, 0.01, 1.0).unwrap_or(0.0) - 0.09).abs() < 1e-12);
        assert!(mmc_wait_s(1, 100.0, 0.01).is_none());
    }
}
