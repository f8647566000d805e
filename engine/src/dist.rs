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

    #[inline(always)]
    pub fn sample(&self, rng: &mut Rng) -> f64 {
        match *self {
            Dist::Deterministic { value } => value,
            Dist::Exponential { mean } => mean * standard_exponential(rng),
            Dist::Uniform { low, high } => low + (high - low) * rng.next_f64(),
            Dist::Normal { mean, sd } => (mean + sd * standard_normal(rng)).max(0.0),
            Dist::LogNormal { mu, sigma } => libm::exp(mu + sigma * standard_normal(rng)),
            Dist::Pareto { scale, shape } => scale / libm::pow(rng.next_open01(), 1.0 / shape),
        }
    }
}

// Layers of the exponential ziggurat (Marsaglia & Tsang, 2000): `ZIG_EXP_X[i]` are the
// layer edges (decreasing, `X[256] = 0`), `ZIG_EXP_F[i] = exp(-X[i])`. Computed with
// `libm` by `build.rs` (so, like every draw, the same bits on every target) and included
// as constants: a draw pays no lazy-initialisation check.
include!(concat!(env!("OUT_DIR"), "/zig_exp.rs"));

use crate::zig_exp::R as ZIG_EXP_R;

/// A standard exponential draw (mean 1). The ziggurat needs one 64-bit draw and a
/// multiply for ~99% of samples; the logarithm only in the rare edge and tail cases.
#[inline(always)]
pub fn standard_exponential(rng: &mut Rng) -> f64 {
    let (tx, tf) = (&ZIG_EXP_X, &ZIG_EXP_F);
    loop {
        let bits = rng.next_u64();
        let i = (bits & 0xff) as usize;
        // The top 53 bits, independent of the layer index in the low 8.
        let u = (bits >> 11) as f64 * (1.0 / (1u64 << 53) as f64);
        let x = u * tx[i];
        if x < tx[i + 1] {
            return x;
        }
        if i == 0 {
            // The tail beyond R is again exponential, shifted by R.
            return ZIG_EXP_R - libm::log(rng.next_open01());
        }
        if tf[i + 1] + (tf[i] - tf[i + 1]) * rng.next_f64() < libm::exp(-x) {
            return x;
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

/// Zipf over ranks `1..=n` with exponent `s`: key popularity for caches. Sampled in
/// O(1) with Vose's alias method (two table reads), so a million keys cost no more per
/// draw than ten.
#[derive(Debug, Clone)]
pub struct Zipf {
    prob: Vec<f64>,
    alias: Vec<u32>,
}

impl Zipf {
    pub fn new(n: usize, s: f64) -> Zipf {
        let n = n.max(1);
        let weights: Vec<f64> = (1..=n).map(|k| 1.0 / libm::pow(k as f64, s)).collect();
        let total: f64 = weights.iter().sum();
        // Scaled so the average column holds exactly 1.
        let mut scaled: Vec<f64> = weights.iter().map(|w| w * n as f64 / total).collect();
        let mut prob = vec![1.0; n];
        let mut alias: Vec<u32> = (0..n as u32).collect();
        let (mut small, mut large): (Vec<usize>, Vec<usize>) =
            (0..n).partition(|&i| scaled[i] < 1.0);
        while let (Some(l), Some(g)) = (small.pop(), large.last().copied()) {
            prob[l] = scaled[l];
            alias[l] = g as u32;
            scaled[g] -= 1.0 - scaled[l];
            if scaled[g] < 1.0 {
                large.pop();
                small.push(g);
            }
        }
        Zipf { prob, alias }
    }

    /// A rank in `0..n` (0 is the most popular key).
    #[inline]
    pub fn sample(&self, rng: &mut Rng) -> usize {
        let n = self.prob.len();
        let i = rng.below(n as u64) as usize;
        if rng.next_f64() < self.prob[i] {
            i
        } else {
            self.alias[i] as usize
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tables `build.rs` wrote are the ziggurat's, recomputed here with `libm` on
    /// the target that runs the test.
    #[test]
    fn ziggurat_tables_are_the_layers_recomputed_on_this_target() {
        let (x, f) = crate::zig_exp::tables();
        for i in 0..257 {
            assert_eq!(x[i].to_bits(), ZIG_EXP_X[i].to_bits(), "x[{i}]");
            assert_eq!(f[i].to_bits(), ZIG_EXP_F[i].to_bits(), "f[{i}]");
        }
        assert!(ZIG_EXP_X.windows(2).all(|w| w[0] > w[1]), "edges decrease");
        // Equal areas: each layer's rectangle is V.
        for i in 1..255 {
            let area = ZIG_EXP_X[i] * (ZIG_EXP_F[i + 1] - ZIG_EXP_F[i]);
            assert!(
                (area - crate::zig_exp::V).abs() < 1e-12,
                "layer {i}: {area}"
            );
        }
    }

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
    fn ziggurat_exponential_has_the_exponential_cdf() {
        let mut rng = Rng::stream(21, 2);
        let n = 1_000_000;
        let draws: Vec<f64> = (0..n).map(|_| standard_exponential(&mut rng)).collect();
        for x in [0.01, 0.1, 0.5, 1.0, 2.0, 4.0, 8.0] {
            let below = draws.iter().filter(|&&d| d <= x).count() as f64 / n as f64;
            let cdf = 1.0 - libm::exp(-x);
            assert!(
                (below - cdf).abs() < 0.002,
                "P(X ≤ {x}) = {below}, expected {cdf}"
            );
        }
        let mean = draws.iter().sum::<f64>() / n as f64;
        let var = draws.iter().map(|d| (d - mean) * (d - mean)).sum::<f64>() / n as f64;
        assert!(
            (mean - 1.0).abs() < 0.005 && (var - 1.0).abs() < 0.01,
            "{mean} {var}"
        );
        assert!(draws.iter().any(|&d| d > ZIG_EXP_R), "the tail is reached");
    }

    #[test]
    fn zipf_matches_its_probabilities() {
        let (n, s) = (1000, 1.1);
        let z = Zipf::new(n, s);
        let total: f64 = (1..=n).map(|k| 1.0 / libm::pow(k as f64, s)).sum();
        let mut rng = Rng::stream(1, 1);
        let draws = 400_000;
        let mut counts = vec![0usize; n];
        for _ in 0..draws {
            counts[z.sample(&mut rng)] += 1;
        }
        for rank in [0, 1, 9, 99] {
            let expected = 1.0 / libm::pow((rank + 1) as f64, s) / total;
            let seen = counts[rank] as f64 / draws as f64;
            assert!(
                (seen - expected).abs() < 0.1 * expected + 0.0005,
                "rank {rank}: {seen} vs {expected}"
            );
        }
    }
}
