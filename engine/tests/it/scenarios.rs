//! Per-scenario behaviour with fixed seeds: declared metrics move when on and stay quiet
//! when off, and the symptom a learner is told to expect appears.

use engine::{Lab, LabConfig};

const S: u64 = engine::time::NS_PER_SEC;

fn web(seed: u64) -> LabConfig {
    let mut cfg = LabConfig::new("web");
    cfg.seed = seed;
    cfg
}

fn injected_count(lab: &Lab) -> f64 {
    lab.metrics().family_total("http_injected_latency_seconds")
}

#[test]
fn fixed_latency_metrics_move_only_when_on() {
    let mut off = Lab::new(&web(3)).unwrap();
    off.run_until(30 * S);
    assert_eq!(injected_count(&off), 0.0);
    assert!(
        off.metrics()
            .spec("http_injected_latency_seconds")
            .is_none(),
        "no panel for an off scenario"
    );

    let mut cfg = web(3);
    cfg.enable_scenario("fixed-latency").unwrap();
    let mut on = Lab::new(&cfg).unwrap();
    on.run_until(30 * S);
    let completed = on.summary().requests_completed as f64;
    assert!(
        injected_count(&on) >= completed,
        "every request is delayed at probability 1"
    );
}

#[test]
fn fixed_latency_lifts_p99_by_about_the_delay() {
    let run = |on: bool| {
        let mut cfg = web(4);
        cfg.warmup_ns = 10 * S;
        if on {
            cfg.enable_scenario("fixed-latency").unwrap();
            cfg.set("fixed-latency.delay_ms", "200").unwrap();
        }
        let mut lab = Lab::new(&cfg).unwrap();
        lab.run_until(120 * S);
        lab.summary()
    };
    let (base, hit) = (run(false), run(true));
    let lift = hit.latency_p99_s - base.latency_p99_s;
    assert!(
        (0.17..0.3).contains(&lift),
        "p99 {} → {}",
        base.latency_p99_s,
        hit.latency_p99_s
    );
    let lift50 = hit.latency_p50_s - base.latency_p50_s;
    assert!((0.19..0.21).contains(&lift50), "p50 lift {lift50}");
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
