//! Probability distributions the models draw from. All transcendental math goes through
//! `libm` so a draw is bit-identical natively and in WebAssembly.

use crate::rng::Xoshiro256PlusPlus as Rng;

/// A distribution of non-negative values (durations in seconds, sizes, counts).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Dist {
    /// Always `value`.
    Deterministic { value: f64 },
    /// Exponential with the given mean (memoryless; Poisson inter-arrivals).
    Exponential { mean: f64 },
    /// Uniform on `[low, high)`.
    Uniform { low: f64, high: f64 },
    /// Normal, truncated at zero (durations cannot be negative).
    Normal { mean: f64, sd: f64 },
    /// Log-normal with parameters of the underlying normal.
    LogNormal { mu: f64, sigma: f64 },
    /// Pareto (type I) with minimum `scale` and tail index `shape`: heavy tails.
    Pareto { scale: f64, shape: f64 },
}

impl Dist {
    /// A log-normal with the given mean and coefficient of variation (sd / mean).
    pub fn lognormal_mean_cv(mean: f64, cv: f64) -> Dist {
        if cv <= 0.0 || mean <= 0.0 {
            return Dist::Deterministic {
                value: mean.max(0.0),
            };
        }
        let sigma2 = libm::log(1.0 + cv * cv);
        Dist::LogNormal {
            mu: libm::log(mean) - sigma2 / 2.0,
            sigma: libm::sqrt(sigma2),
        }
    }

    /// The distribution's mean (infinite for a Pareto with shape ≤ 1).
    pub fn mean(&self) -> f64 {
        match *self {
            Dist::Deterministic { value } => value,
            Dist::Exponential { mean } => mean,
            Dist::Uniform { low, high } => (low + high) / 2.0,
            Dist::Normal { mean, .. } => mean,
            Dist::LogNormal { mu, sigma } => libm::exp(mu + sigma * sigma / 2.0),
            Dist::Pareto { scale, shape } => {
                if shape <= 1.0 {
                    f64::INFINITY
                } else {
                    shape * scale / (shape - 1.0)
                }
            }
        }
    }

    #[inline]
    pub fn sample(&self, rng: &mut Rng) -> f64 {
        match *self {
            Dist::Deterministic { value } => value,
            Dist::Exponential { mean } => -mean * libm::log(rng.next_open01()),
            Dist::Uniform { low, high } => low + (high - low) * rng.next_f64(),
            Dist::Normal { mean, sd } => (mean + sd * standard_normal(rng)).max(0.0),
            Dist::LogNormal { mu, sigma } => libm::exp(mu + sigma * standard_normal(rng)),
            Dist::Pareto { scale, shape } => scale / libm::pow(rng.next_open01(), 1.0 / shape),
        }
    }
}

/// A standard normal draw by Box–Muller (one of the pair; simple and portable).
#[inline]
pub fn standard_normal(rng: &mut Rng) -> f64 {
    let u1 = rng.next_open01();
    let u2 = rng.next_f64();
    libm::sqrt(-2.0 * libm::log(u1)) * libm::cos(2.0 * std::f64::consts::PI * u2)
}

/// Bernoulli trial.
#[inline]
pub fn bernoulli(rng: &mut Rng, p: f64) -> bool {
    rng.chance(p)
}

/// Zipf over ranks `1..=n` with exponent `s`: key popularity for caches. Sampling is a
/// binary search in the precomputed CDF (n is a key-space size, at most a few million).
#[derive(Debug, Clone)]
pub struct Zipf {
    cdf: Vec<f64>,
}

impl Zipf {
    pub fn new(n: usize, s: f64) -> Zipf {
        let n = n.max(1);
        let mut cdf = Vec::with_capacity(n);
        let mut acc = 0.0;
        for k in 1..=n {
            acc += 1.0 / libm::pow(k as f64, s);
            cdf.push(acc);
        }
        for c in &mut cdf {
            *c /= acc;
        }
        Zipf { cdf }
    }

    /// A rank in `0..n` (0 is the most popular key).
    pub fn sample(&self, rng: &mut Rng) -> usize {
        let u = rng.next_f64();
        self.cdf
            .partition_point(|&c| c <= u)
            .min(self.cdf.len() - 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mean_of(d: Dist, n: usize) -> f64 {
        let mut rng = Rng::stream(11, 5);
        (0..n).map(|_| d.sample(&mut rng)).sum::<f64>() / n as f64
    }

    #[test]
    fn sample_means_match_declared_means() {
        for d in [
            Dist::Exponential { mean: 0.01 },
            Dist::Uniform {
                low: 1.0,
                high: 3.0,
            },
            Dist::lognormal_mean_cv(0.02, 1.5),
            Dist::Pareto {
                scale: 1.0,
                shape: 3.0,
            },
            Dist::Deterministic { value: 0.5 },
        ] {
            let m = mean_of(d, 400_000);
            assert!(
                (m - d.mean()).abs() / d.mean() < 0.02,
                "{d:?}: sample mean {m} vs {}",
                d.mean()
            );
        }
    }

    #[test]
    fn zipf_prefers_low_ranks() {
        let z = Zipf::new(1000, 1.1);
        let mut rng = Rng::stream(1, 1);
        let hits0 = (0..10_000).filter(|_| z.sample(&mut rng) == 0).count();
        assert!(hits0 > 1000, "{hits0}");
    }
}
