//! Scenario behaviour across the run's lifetime: timing windows, live switching. (Each
//! scenario's own three tests live in its file.)

use engine::{Lab, LabConfig};

const S: u64 = engine::time::NS_PER_SEC;

fn web(seed: u64) -> LabConfig {
    let mut cfg = LabConfig::new("web");
    cfg.seed = seed;
    cfg
}

#[test]
fn fixed_latency_on_the_database_and_with_a_duration_ends() {
    let mut cfg = web(5);
    cfg.enable_scenario("fixed-latency").unwrap();
    cfg.set("fixed-latency.target", "database").unwrap();
    cfg.set("fixed-latency.delay_ms", "100").unwrap();
    cfg.set("fixed-latency.start_s", "10").unwrap();
    cfg.set("fixed-latency.duration_s", "20").unwrap();
    let mut lab = Lab::new(&cfg).unwrap();
    let p99_at = |lab: &mut Lab, t: u64| {
        lab.run_until(t * S);
        lab.golden().latency_p99_s
    };
    let before = p99_at(&mut lab, 9);
    let during = p99_at(&mut lab, 25);
    let after = p99_at(&mut lab, 45);
    assert!(before < 0.09, "before {before}");
    assert!(during > 0.13, "during {during}");
    assert!(after < 0.09, "after {after}");
    assert!(lab.traces().any(|t| t
        .spans
        .iter()
        .any(|s| s.service == "postgres" && s.duration_ns >= 100_000_000)));
}

#[test]
fn switching_on_live_raises_p99_within_five_seconds() {
    let mut lab = Lab::new(&web(6)).unwrap();
    lab.run_until(30 * S);
    let before = lab.golden().latency_p99_s;
    lab.set_scenario_enabled("fixed-latency", true).unwrap();
    lab.run_until(35 * S);
    let after = lab.golden().latency_p99_s;
    assert!(after > before + 0.08, "{before} → {after}");
    lab.set_scenario_enabled("fixed-latency", false).unwrap();
    lab.run_until(45 * S);
    assert!(lab.golden().latency_p99_s < before + 0.02);
}
