//! The `queue` system against queueing theory: M/M/1 and M/M/c mean time in system
//! within 2% of Erlang C over millions of requests, and Little's law within 2%.

use engine::theory::{mg1_wait_s, mmc_wait_s};
use engine::{Lab, LabConfig};

/// Mean time in system W for M/M/c: wait (Erlang C) plus service.
fn mmc_w(c: u32, lambda: f64, mean_service_s: f64) -> f64 {
    mmc_wait_s(c, lambda, mean_service_s).unwrap_or(f64::NAN) + mean_service_s
}

fn check(c: u32, rho: f64, requests: f64, seed: u64) {
    let service_s = 0.010;
    let lambda = rho * c as f64 / service_s;
    let duration_s = requests / lambda;
    let warmup_s = (duration_s * 0.02).max(50.0);
    let mut cfg = LabConfig::new("queue");
    cfg.seed = seed;
    cfg.warmup_ns = engine::time::secs_to_ns(warmup_s);
    cfg.set("workers", &c.to_string()).unwrap();
    cfg.set("arrival_rate_rps", &lambda.to_string()).unwrap();
    cfg.set("service_time_ms", "10").unwrap();
    let mut lab = Lab::new(&cfg).unwrap();
    lab.run_until(engine::time::secs_to_ns(duration_s + warmup_s));
    let s = lab.summary();
    assert!(s.requests_completed as f64 >= requests * 0.98, "{s:?}");

    let theory = mmc_w(c, lambda, service_s);
    let err = (s.latency_mean_s - theory).abs() / theory;
    assert!(
        err < 0.02,
        "M/M/{c} at ρ={rho}: W = {:.5}s, theory {theory:.5}s, error {:.2}%",
        s.latency_mean_s,
        err * 100.0
    );
    // Little's law: L = λW with the measured arrival rate and mean time in system.
    let lambda_measured = s.requests_total as f64 / s.measured_s;
    let little = lambda_measured * s.latency_mean_s;
    let err_l = (s.in_system_mean - little).abs() / little;
    assert!(
        err_l < 0.02,
        "Little's law at M/M/{c} ρ={rho}: L = {:.4}, λW = {little:.4}",
        s.in_system_mean
    );
    assert!(
        (s.utilization - rho).abs() < 0.01,
        "utilisation {} vs ρ {rho}",
        s.utilization
    );
}

#[test]
fn mm1_rho_05() {
    check(1, 0.5, 1_500_000.0, 11);
}

#[test]
fn mm1_rho_08() {
    check(1, 0.8, 3_000_000.0, 12);
}

#[test]
fn mmc_2_rho_075() {
    check(2, 0.75, 2_000_000.0, 13);
}

#[test]
fn mmc_4_rho_075() {
    check(4, 0.75, 2_000_000.0, 14);
}

#[test]
fn md1_matches_pollaczek_khinchine() {
    // M/D/1: Pollaczek–Khinchine with cv = 0, Wq = ρ / (2μ(1 − ρ)) = 20 ms.
    let mut cfg = LabConfig::new("queue");
    cfg.seed = 15;
    cfg.warmup_ns = engine::time::secs_to_ns(100.0);
    cfg.set("arrival_rate_rps", "80").unwrap();
    cfg.set("service_time_distribution", "deterministic")
        .unwrap();
    let mut lab = Lab::new(&cfg).unwrap();
    lab.run_until(engine::time::secs_to_ns(15_100.0));
    let s = lab.summary();
    let theory_wq = mg1_wait_s(80.0, 0.01, 0.0).unwrap_or(f64::NAN);
    let err = (s.wait_mean_s - theory_wq).abs() / theory_wq;
    assert!(err < 0.02, "M/D/1 Wq {} vs {theory_wq}", s.wait_mean_s);
}

#[test]
fn percentiles_past_the_exact_cap_come_from_the_histogram_of_every_latency() {
    // 4.5M requests > the 4M kept exactly. M/M/1 sojourn times are exponential with mean
    // E[S] / (1 − ρ) = 20 ms, so p99 = 20 ms × ln 100 ≈ 92.1 ms and p50 = 20 ms × ln 2.
    let mut cfg = LabConfig::new("queue");
    cfg.seed = 16;
    cfg.set("arrival_rate_rps", "50").unwrap();
    let mut lab = Lab::new(&cfg).unwrap();
    lab.run_until(engine::time::secs_to_ns(90_000.0));
    let s = lab.summary();
    assert_eq!(s.latency_percentiles, "histogram");
    let (p50, p99) = (0.02 * std::f64::consts::LN_2, 0.02 * 100f64.ln());
    assert!(
        (s.latency_p50_s - p50).abs() / p50 < 0.02,
        "p50 {} vs {p50}",
        s.latency_p50_s
    );
    assert!(
        (s.latency_p99_s - p99).abs() / p99 < 0.02,
        "p99 {} vs {p99}",
        s.latency_p99_s
    );
}
