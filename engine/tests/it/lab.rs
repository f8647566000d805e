//! The running lab as the UI and CLI use it: configuration errors, live switches,
//! golden signals, exports, bounded memory.

use engine::{Lab, LabConfig, LabError, GOLDEN_SERIES};

const S: u64 = engine::time::NS_PER_SEC;

#[test]
fn bad_configuration_is_refused_with_a_message_naming_it() {
    let mut cfg = LabConfig::new("web");
    let e = cfg.set("workers", "0").unwrap_err().to_string();
    assert!(e.contains("workers") && e.contains("1..=4096"), "{e}");
    let e = cfg.set("wrokers", "4").unwrap_err().to_string();
    assert!(e.contains("wrokers") && e.contains("workers"), "{e}");
    let e = cfg.set("fixed-latency.delay_ms", "5").unwrap_err();
    assert!(matches!(e, LabError::ScenarioNotEnabled { .. }), "{e}");
    // Among 50-odd scenarios, the message names the nearest and how many more there are.
    let e = cfg
        .enable_scenario("fixed-latencyy")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("fixed-latencyy") && e.contains("(allowed: fixed-latency, "),
        "{e}"
    );
    assert!(e.contains("more)"), "{e}");
    let e = Lab::new(&LabConfig::new("mainframe"))
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("mainframe") && e.contains("queue"), "{e}");

    // A database delay on a system without a database is refused, not silently ignored.
    let mut q = LabConfig::new("queue");
    q.enable_scenario("fixed-latency").unwrap();
    let e = q
        .set("fixed-latency.target", "database")
        .unwrap_err()
        .to_string();
    assert!(e.contains("database"), "{e}");
    assert_eq!(
        q.effective_params()
            .unwrap()
            .iter()
            .find(|(k, _)| k == "fixed-latency.target")
            .unwrap()
            .1
            .to_string(),
        "service",
        "a refused value is not applied"
    );
}

#[test]
fn golden_signals_are_sampled_every_second_and_bounded() {
    let mut cfg = LabConfig::new("web");
    cfg.history_len = 50;
    let mut lab = Lab::new(&cfg).unwrap();
    lab.run_until(120 * S);
    for name in GOLDEN_SERIES {
        let s = lab.series(name).unwrap();
        assert_eq!(s.len(), 50, "{name} keeps only its history");
        assert_eq!(s.last().unwrap().0, 120 * S);
    }
    let g = lab.golden();
    assert!((g.throughput_rps - 200.0).abs() < 40.0, "{g:?}");
    assert!(g.latency_p50_s > 0.005 && g.latency_p99_s < 0.2, "{g:?}");
    assert!(g.utilization > 0.02 && g.utilization < 0.5, "{g:?}");
    assert_eq!(g.error_rate, 0.0);
    assert!(lab.traces().count() > 0 && lab.traces().count() <= 300);
}

#[test]
fn overload_shows_as_queueing_then_503s_with_logs_and_error_traces() {
    let mut cfg = LabConfig::new("web");
    cfg.set("arrival_rate_rps", "6000").unwrap();
    cfg.set("instances", "2").unwrap();
    let mut lab = Lab::new(&cfg).unwrap();
    lab.run_until(30 * S);
    let g = lab.golden();
    assert!(g.error_rate > 0.2, "{g:?}");
    assert!(g.queue_depth > 100.0, "{g:?}");
    assert!(g.utilization > 0.95, "{g:?}");
    assert!(lab
        .logs()
        .any(|l| l.message.contains("rejected") && l.trace_id.is_some()));
    assert!(lab.traces().any(|t| t.is_error()));
}

#[test]
fn exports_are_well_formed() {
    let mut cfg = LabConfig::new("queue");
    cfg.history_len = 100;
    let mut lab = Lab::new(&cfg).unwrap();
    lab.run_until(10 * S);
    let prom = lab.prometheus_text();
    assert!(prom.contains("# TYPE http_request_duration_seconds histogram"));
    assert!(prom.contains("http_requests_total{service=\"queue\",endpoint=\"/\",status=\"200\"}"));
    let csv = lab.csv();
    let rows: Vec<&str> = csv.lines().collect();
    assert_eq!(rows.len(), 1 + 11, "header + samples at 0..=10 s");
    let width = rows[0].split(',').count();
    assert!(rows.iter().all(|r| r.split(',').count() == width));
}

#[test]
fn advance_bounded_stops_on_its_budget() {
    let mut lab = Lab::new(&LabConfig::new("queue")).unwrap();
    let done = lab.advance_bounded(100 * S, 1000);
    assert!(!done);
    assert_eq!(lab.events(), 1000);
    assert!(lab.advance_bounded(S / 10, u64::MAX));
}

#[test]
fn system_parameters_need_a_reset_scenario_parameters_apply_live() {
    let mut cfg = LabConfig::new("web");
    cfg.enable_scenario("fixed-latency").unwrap();
    let mut lab = Lab::new(&cfg).unwrap();
    assert!(matches!(
        lab.set_param("workers", "4"),
        Err(LabError::RequiresReset { .. })
    ));
    assert!(lab
        .set_param("workers", "0")
        .unwrap_err()
        .to_string()
        .contains("1..=4096"));
    lab.set_param("fixed-latency.delay_ms", "300").unwrap();
    let delay = lab.config().effective_params().unwrap();
    assert!(delay
        .iter()
        .any(|(k, v)| k == "fixed-latency.delay_ms" && v.to_string() == "300"));
}

#[test]
fn handlers_share_cpu_cores_as_processor_sharing_predicts() {
    // Random load balancing keeps each instance's arrivals Poisson: 200 req/s × 4 ms of
    // CPU = ρ 0.8 of one core. M/M/1-PS: time in the CPU phase E[S] / (1 − ρ) = 20 ms,
    // 16 ms more than on four idle cores. Everything else on the path is the same.
    let run = |cores: &str| {
        let mut cfg = LabConfig::new("web");
        cfg.seed = 5;
        cfg.warmup_ns = 10 * S;
        for (k, v) in [
            ("arrival_rate_rps", "800"),
            ("cpu_cores", cores),
            ("cache_enabled", "false"),
            ("write_fraction", "0"),
            ("lb_policy", "random"),
        ] {
            cfg.set(k, v).unwrap();
        }
        let mut lab = Lab::new(&cfg).unwrap();
        lab.run_until(600 * S);
        lab
    };
    let (mut one, mut four) = (run("1"), run("4"));
    let cpu = |lab: &Lab| lab.metrics().family_total("process_cpu_utilization_ratio") / 4.0;
    assert!((cpu(&one) - 0.8).abs() < 0.1, "one core: {}", cpu(&one));
    assert!(
        (cpu(&four) - 0.2).abs() < 0.05,
        "four cores: {}",
        cpu(&four)
    );
    let extra = one.summary().latency_mean_s - four.summary().latency_mean_s;
    assert!(
        (extra - 0.016).abs() < 0.0016,
        "PS adds {extra} s, theory 0.016 s"
    );
}
