//! Confidence intervals by batch means: a long simulation's successive batch averages are
//! nearly independent, so their spread bounds the error of the overall mean.

/// Half-width of the 95% confidence interval of the mean of `batches` (Student t).
/// None with fewer than two batches.
pub fn ci95_half_width(batches: &[f64]) -> Option<f64> {
    let k = batches.len();
    if k < 2 {
        return None;
    }
    let mean = batches.iter().sum::<f64>() / k as f64;
    let var = batches.iter().map(|b| (b - mean).powi(2)).sum::<f64>() / (k - 1) as f64;
    Some(t975(k as f64 - 1.0) * (var / k as f64).sqrt())
}

/// The 97.5% quantile of Student's t with `nu` degrees of freedom (Cornish–Fisher
/// expansion around the normal; within 0.1% for ν ≥ 5, which batch means always have).
pub fn t975(nu: f64) -> f64 {
    let z: f64 = 1.959_963_984_540_054;
    let (z3, z5, z7) = (z.powi(3), z.powi(5), z.powi(7));
    z + (z3 + z) / (4.0 * nu)
        + (5.0 * z5 + 16.0 * z3 + 3.0 * z) / (96.0 * nu * nu)
        + (3.0 * z7 + 19.0 * z5 + 17.0 * z3 - 15.0 * z) / (384.0 * nu.powi(3))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t_quantiles_match_tables() {
        assert!((t975(19.0) - 2.093).abs() < 0.002);
        assert!((t975(59.0) - 2.001).abs() < 0.002);
        assert!((t975(1e9) - 1.960).abs() < 0.001);
    }

    #[test]
    fn ci_of_constant_batches_is_zero() {
        assert_eq!(ci95_half_width(&[1.0, 1.0, 1.0]), Some(0.0));
        assert_eq!(ci95_half_width(&[1.0]), None);
    }
}
