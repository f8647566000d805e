//! `sdl` as a user runs it: each command's output, and every error path exiting 2 with
//! one line naming the offending input (never a panic or a backtrace).

mod prometheus;
mod tutorial;

use std::process::Command;

fn sdl(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_sdl"))
        .args(args)
        .env("RUST_BACKTRACE", "1")
        .output()
        .expect("run sdl");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn json(args: &[&str]) -> serde_json::Value {
    let (code, out, err) = sdl(args);
    assert_eq!(code, 0, "{err}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

#[test]
fn list_shows_systems_and_scenarios() {
    let v = json(&["list", "--format", "json"]);
    let items = v.as_array().unwrap();
    for id in ["web", "queue", "fixed-latency"] {
        let item = items
            .iter()
            .find(|i| i["id"] == id)
            .unwrap_or_else(|| panic!("{id}"));
        assert!(item["title"].is_string() && item["category"].is_string());
    }
    let (code, text, _) = sdl(&["list"]);
    assert_eq!(code, 0);
    assert!(text.contains("fixed-latency") && text.contains("queue"));
}

#[test]
fn describe_documents_schema_and_metrics() {
    let v = json(&["describe", "fixed-latency", "--format", "json"]);
    let delay = v["params"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "delay_ms")
        .unwrap();
    assert_eq!(delay["key"], "fixed-latency.delay_ms");
    assert_eq!(delay["type"], "float");
    assert_eq!(delay["unit"], "ms");
    assert!(delay["default"].is_number() && delay["min"].is_number() && delay["max"].is_number());
    assert!(delay["help"].is_string());
    let target = v["params"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "target")
        .unwrap();
    assert!(target["allowed"].as_array().unwrap().len() >= 2);
    let m = &v["metrics"][0];
    assert_eq!(m["name"], "http_injected_latency_seconds");
    assert_eq!(m["type"], "histogram");
    assert!(m["buckets"].as_array().unwrap().len() > 5);
    assert!(v["doc"].as_str().unwrap().contains("What to look at"));

    let (code, text, _) = sdl(&["describe", "queue"]);
    assert_eq!(code, 0);
    assert!(text.contains("arrival_rate_rps") && text.contains("http_request_duration_seconds"));
}

#[test]
fn run_json_has_every_documented_field() {
    let v = json(&[
        "run",
        "--system",
        "queue",
        "--set",
        "workers=2",
        "--set",
        "arrival_rate_rps=150",
        "--seed",
        "9",
        "--duration",
        "2m",
        "--warmup",
        "10s",
    ]);
    assert_eq!(v["system"], "queue");
    assert_eq!(v["seed"], 9);
    assert_eq!(v["params"]["workers"], 2);
    assert_eq!(
        v["params"]["service_time_ms"], 10.0,
        "defaults are included"
    );
    for field in [
        "requests_total",
        "requests_completed",
        "errors_total",
        "throughput_rps",
        "latency_mean_s",
        "latency_p50_s",
        "latency_p95_s",
        "latency_p99_s",
        "wait_mean_s",
        "in_system_mean",
        "utilization",
    ] {
        assert!(v["summary"][field].is_number(), "summary.{field}");
    }
    let s = &v["summary"];
    assert!(s["latency_p50_s"].as_f64() <= s["latency_p95_s"].as_f64());
    assert!(s["latency_p95_s"].as_f64() <= s["latency_p99_s"].as_f64());
    assert!(
        (s["measured_s"].as_f64().unwrap() - 110.0).abs() < 1e-9,
        "warm-up excluded"
    );
    assert_eq!(v["digest"].as_str().unwrap().len(), 16);
}

#[test]
fn run_is_deterministic_and_scenarios_take_dotted_keys() {
    let args = [
        "run",
        "--system",
        "web",
        "--scenario",
        "fixed-latency",
        "--set",
        "fixed-latency.delay_ms=200",
        "--duration",
        "60s",
        "--seed",
        "3",
    ];
    let a = json(&args);
    let b = json(&args);
    assert_eq!(a["digest"], b["digest"]);
    assert_eq!(a["scenario"][0], "fixed-latency");
    assert_eq!(a["params"]["fixed-latency.delay_ms"], 200.0);
    assert!(a["summary"]["latency_p50_s"].as_f64().unwrap() > 0.2);
}

#[test]
fn mitigations_switch_on_and_take_dotted_keys() {
    let v = json(&[
        "run",
        "--scenario",
        "error-burst",
        "--mitigation",
        "retry-backoff",
        "--set",
        "retry-backoff.max_attempts=4",
        "--duration",
        "30s",
    ]);
    assert_eq!(v["mitigation"][0], "retry-backoff");
    assert_eq!(v["params"]["retry-backoff.max_attempts"], 4);
    let list = json(&["list", "--format", "json"]);
    let kinds: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.iter().filter(|k| **k == "mitigation").count() >= 10);
    assert!(kinds.iter().filter(|k| **k == "scenario").count() >= 16);
    let d = json(&["describe", "breaker", "--format", "json"]);
    assert_eq!(d["kind"], "mitigation");
    assert!(d["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["name"] == "circuit_breaker_state"));
}

#[test]
fn prom_and_csv_formats() {
    let (code, prom, _) = sdl(&[
        "run",
        "--system",
        "queue",
        "--duration",
        "5s",
        "--format",
        "prom",
    ]);
    assert_eq!(code, 0);
    assert!(prom.contains("# TYPE http_requests_total counter"));
    assert!(prom.contains(
        "http_request_duration_seconds_bucket{service=\"queue\",endpoint=\"/\",le=\"+Inf\"}"
    ));
    let (code, csv, _) = sdl(&[
        "run",
        "--system",
        "queue",
        "--duration",
        "5s",
        "--format=csv",
    ]);
    assert_eq!(code, 0);
    let lines: Vec<&str> = csv.lines().collect();
    assert!(lines[0].starts_with("t_s,throughput_rps,error_rate,latency_p50_s"));
    assert_eq!(lines.len(), 1 + 6, "one row per second, 0..=5 s");
}

#[test]
fn run_json_lists_alert_transitions_and_the_error_budget() {
    let slow = |slo: &str| {
        json(&[
            "run",
            "--scenario",
            "fixed-latency",
            "--set",
            "fixed-latency.delay_ms=150",
            "--set",
            slo,
            "--duration",
            "90s",
        ])
    };
    // p99 ≈ 210 ms: over a 100 ms objective, well under a 2 s one.
    let v = slow("slo.latency_ms=100");
    let changes: Vec<(String, String)> = v["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            assert!(t["t_ns"].is_u64() && t["value"].is_number(), "{t}");
            (
                t["alert"].as_str().unwrap().to_string(),
                t["change"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(
        changes.contains(&("LatencySLOBreach".into(), "pending".into()))
            && changes.contains(&("LatencySLOBreach".into(), "firing".into())),
        "{changes:?}"
    );
    assert!(v["error_budget"]["remaining"].is_number());
    assert_eq!(v["error_budget"]["target"], 0.999);
    // A looser latency objective: the same run raises nothing.
    let v = slow("slo.latency_ms=2000");
    assert_eq!(v["alerts"].as_array().unwrap().len(), 0, "{}", v["alerts"]);
}

#[test]
fn a_rule_of_ones_own_runs_beside_the_defaults() {
    let rule = "SlowHandler: histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[30s]))) > 0.12 for 10s critical";
    let v = json(&[
        "run",
        "--scenario",
        "fixed-latency",
        "--set",
        "fixed-latency.delay_ms=150",
        "--set",
        "slo.latency_ms=2000",
        "--rule",
        rule,
        "--duration",
        "90s",
    ]);
    let rules: Vec<&str> = v["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    assert_eq!(rules.len(), 4, "{rules:?}");
    assert_eq!(rules[3], rule);
    let fired: Vec<(&str, &str)> = v["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["alert"].as_str().unwrap(),
                t["severity"].as_str().unwrap(),
            )
        })
        .collect();
    assert!(fired.contains(&("SlowHandler", "critical")), "{fired:?}");
    assert!(
        !fired.iter().any(|(a, _)| *a == "LatencySLOBreach"),
        "{fired:?}"
    );
}

#[test]
fn bad_input_exits_2_with_one_clear_line() {
    let cases: &[(&[&str], &[&str])] = &[
        (
            &["run", "--system", "mainframe"],
            &["mainframe", "queue", "web"],
        ),
        (
            &["run", "--scenario", "retry-typhoon"],
            &["retry-typhoon", "retry-storm", "more"],
        ),
        (&["run", "--set", "wrokers=4"], &["wrokers", "workers"]),
        (&["run", "--set", "workers=0"], &["workers", "1..=4096"]),
        (&["run", "--set", "workers=many"], &["workers", "integer"]),
        (&["run", "--set", "workers"], &["KEY=VALUE"]),
        (
            &["run", "--set", "slo.availability_pct=100"],
            &["slo.availability_pct", "out of range"],
        ),
        (
            &["run", "--set", "slo.colour=red"],
            &["slo.colour", "slo.latency_ms"],
        ),
        (
            &["run", "--rule", "Slow: latency_p99_s >> 1"],
            &["alert rule `Slow`"],
        ),
        (
            &["run", "--rule", "latency_p99_s > 1"],
            &["NAME: CONDITION"],
        ),
        (
            &["run", "--set", "fixed-latency.delay_ms=10"],
            &["fixed-latency", "not switched on"],
        ),
        (
            &[
                "run",
                "--scenario",
                "fixed-latency",
                "--set",
                "fixed-latency.colour=red",
            ],
            &["colour", "delay_ms"],
        ),
        (
            &[
                "run",
                "--scenario",
                "fixed-latency",
                "--set",
                "fixed-latency.target=disk",
            ],
            &["disk", "service", "database"],
        ),
        (
            &[
                "run",
                "--system",
                "queue",
                "--scenario",
                "fixed-latency",
                "--set",
                "fixed-latency.target=database",
            ],
            &["database"],
        ),
        (
            &["run", "--duration", "10 parsecs"],
            &["10 parsecs", "ms, s, m or h"],
        ),
        (&["run", "--duration", "60"], &["60", "unit"]),
        (
            &["run", "--warmup", "5m", "--duration", "1m"],
            &["warmup", "shorter"],
        ),
        (&["run", "--seed", "-1"], &["seed", "-1"]),
        (
            &["run", "--format", "xml"],
            &["xml", "json, prom, csv, openmetrics"],
        ),
        (&["run", "--colour"], &["--colour", "--system"]),
        (&["run", "--seed"], &["--seed", "required"]),
        (&["describe", "nope"], &["nope", "more)"]),
        (&["describe"], &["<ID>", "not provided"]),
        (&["list", "--format", "prom"], &["prom", "text, json"]),
        (&["frobnicate"], &["frobnicate", "run, query"]),
        (&["query"], &["<EXPR>", "not provided"]),
        (&["query", "rate(x[5m])"], &["unknown metric `x`"]),
        (&["query", "up", "--start", "1s"], &["--end", "--step"]),
        (
            &["query", "up", "--at", "1s", "--step", "1s"],
            &["--at", "--step"],
        ),
        (&["run", "--mitigation", "prayer"], &["prayer", "more"]),
        (
            &["run", "--set", "retry-backoff.max_attempts=3"],
            &["retry-backoff", "not switched on"],
        ),
        (
            &[
                "run",
                "--mitigation",
                "retry-backoff",
                "--set",
                "retry-backoff.jitter=some",
            ],
            &["jitter", "none, full, equal"],
        ),
        (
            &["run", "--system", "queue", "--mitigation", "breaker"],
            &["breaker", "queue"],
        ),
    ];
    for (args, needles) in cases {
        let (code, out, err) = sdl(args);
        assert_eq!(code, 2, "{args:?} → {code}: {err}");
        assert!(out.is_empty(), "{args:?} printed to stdout: {out}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        for n in *needles {
            assert!(err.contains(n), "{args:?}: `{err}` lacks `{n}`");
        }
    }
}

#[test]
fn a_lab_link_runs_what_the_page_runs() {
    let flags = json(&[
        "run",
        "--system",
        "web",
        "--seed",
        "7",
        "--scenario",
        "fixed-latency",
        "--set",
        "fixed-latency.delay_ms=200",
        "--mitigation",
        "timeouts",
        "--duration",
        "20s",
    ]);
    let link =
        "system=web&seed=7&s=fixed-latency&fixed-latency.delay_ms=200&m=timeouts&t=20&paused=1";
    let from_query = json(&["run", "--link", link]);
    let from_address = json(&["run", &format!("--link=http://127.0.0.1:8080/?{link}#top")]);
    assert_eq!(flags["digest"], from_query["digest"]);
    assert_eq!(flags["digest"], from_address["digest"]);
    assert_eq!(flags["summary"], from_query["summary"]);
    // A later flag overrides the link.
    let longer = json(&["run", "--link", link, "--duration", "30s"]);
    assert_ne!(longer["digest"], flags["digest"]);

    let (code, out, err) = sdl(&["run", "--link", "seed=7&s=nope&workers=0"]);
    assert_eq!(code, 2, "{out}");
    assert!(err.contains("bad --link"), "{err}");
    assert!(err.contains("`nope`"), "{err}");
    assert!(err.contains("`workers`"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
}

/// `sdl run` builds its run with `engine::RunSpec`: a switch's parameter may come before
/// the switch, and the digest is that of the same spec run in the engine.
#[test]
fn the_flags_describe_the_same_run_as_a_run_spec() {
    let v = json(&[
        "run",
        "--seed",
        "5",
        "--duration",
        "20s",
        "--set",
        "fixed-latency.delay_ms=200",
        "--scenario",
        "fixed-latency",
        "--set",
        "workers=6",
    ]);
    let spec = engine::RunSpec::new("web")
        .seed(5)
        .until_ns(20 * engine::time::NS_PER_SEC)
        .history_len(21)
        .scenario("fixed-latency")
        .param("fixed-latency.delay_ms", 200)
        .param("workers", 6);
    let mut lab = engine::Lab::new(&spec.build().unwrap()).unwrap();
    lab.run_until(spec.until_ns.unwrap());
    assert_eq!(v["digest"], lab.digest());
    assert_eq!(v["params"]["fixed-latency.delay_ms"], 200.0);
}

/// Issue 23: `--help` on every command and subcommand, `--version`, completions and a
/// man page, as a user of a conventional CLI expects.
#[test]
fn help_everywhere_version_completions_and_a_man_page() {
    for args in [
        &["--help"][..],
        &["help"],
        &["list", "--help"],
        &["describe", "--help"],
        &["run", "--help"],
        &["query", "--help"],
        &["tutorial", "--help"],
        &["tutorial", "check", "--help"],
        &["tutorial", "list", "--help"],
        &["gameday", "--help"],
        &["gameday", "run", "--help"],
        &["gameday", "score", "--help"],
        &["completions", "--help"],
        &["man", "--help"],
        &["help", "run"],
    ] {
        let (code, out, err) = sdl(args);
        assert_eq!(code, 0, "{args:?}: {err}");
        assert!(out.contains("Usage: sdl"), "{args:?}: {out}");
    }
    let (code, out, _) = sdl(&["run", "--help"]);
    assert_eq!(code, 0);
    for flag in ["--scenario", "--set", "--rule", "--link", "openmetrics"] {
        assert!(out.contains(flag), "run --help lacks {flag}: {out}");
    }
    let (code, out, _) = sdl(&["--version"]);
    assert_eq!(
        (code, out.trim()),
        (0, concat!("sdl ", env!("CARGO_PKG_VERSION")))
    );
    let (code, out, _) = sdl(&["completions", "bash"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("_sdl()") && out.contains("--scenario"),
        "{out}"
    );
    let (code, out, _) = sdl(&["man"]);
    assert_eq!(code, 0);
    assert!(
        out.starts_with(".ie") || out.contains(".TH sdl"),
        "{}",
        &out[..200.min(out.len())]
    );
}

/// Issue 23: a run's whole history in OpenMetrics, and queries answered in the shape of
/// Prometheus's HTTP API.
#[test]
fn openmetrics_and_queries_in_prometheus_shapes() {
    let (code, out, err) = sdl(&["run", "--duration", "20s", "--format", "openmetrics"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.ends_with("# EOF\n"));
    assert!(out.contains("# TYPE http_requests counter\n"));
    assert!(out.contains("http_request_duration_seconds_bucket{"));
    let v = json(&[
        "query",
        "sum by (status) (rate(http_requests_total[10s]))",
        "--at",
        "20s",
        "--scenario",
        "error-burst",
    ]);
    assert_eq!(v["status"], "success");
    assert_eq!(v["data"]["resultType"], "vector");
    let result = v["data"]["result"].as_array().unwrap();
    assert!(result.iter().any(|r| r["metric"]["status"] == "500"), "{v}");
    assert_eq!(result[0]["value"][0], 1_767_225_620.0);
    let v = json(&[
        "query",
        "histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[10s])))",
        "--start",
        "10s",
        "--end",
        "30s",
        "--step",
        "10s",
        "--epoch",
        "0",
    ]);
    assert_eq!(v["data"]["resultType"], "matrix");
    let values = v["data"]["result"][0]["values"].as_array().unwrap();
    assert_eq!(values.len(), 3);
    assert_eq!(values[2][0], 30.0);
    let p99: f64 = values[2][1].as_str().unwrap().parse().unwrap();
    assert!(p99 > 0.0 && p99 < 1.0, "{p99}");
    // An evaluation error is Prometheus's error document, exit 2.
    let (code, _, err) = sdl(&[
        "query",
        "http_requests_total / on(endpoint) http_requests_total",
        "--duration",
        "5s",
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains("\"status\":\"error\"") && err.contains("many-to-many"),
        "{err}"
    );
}

/// `--config FILE` reads a lab configuration saved from the page as a link is; a file
/// of version 1 has its rules' old query dialect read as the PromQL that means the same.
#[test]
fn a_saved_configuration_file_runs_and_answers_queries() {
    let path = std::env::temp_dir().join(format!("sdl-lab-{}.json", std::process::id()));
    std::fs::write(
        &path,
        r#"{"format":"sdl-lab-config","version":1,"system":"web","seed":4,"t_ns":30000000000,"scenarios":[{"id":"error-burst"}],"rules":["Errs: rate(http_requests_total{status=\"500\"}[1m]) > 1"]}"#,
    )
    .unwrap();
    let p = path.display().to_string();
    let v = json(&[
        "query",
        "sum(rate(http_requests_total{status=\"500\"}[10s]))",
        "--config",
        &p,
    ]);
    assert_eq!(v["data"]["result"][0]["value"][0], 1_767_225_630.0, "{v}");
    let run = json(&["run", "--config", &p]);
    assert_eq!(run["duration_s"], 30.0);
    assert_eq!(
        run["rules"][3],
        "Errs: sum(rate(http_requests_total{status=\"500\"}[1m])) > 1"
    );
    let (code, _, err) = sdl(&["run", "--config", "/nonexistent/lab.json"]);
    assert_eq!(code, 2);
    assert!(err.contains("cannot read --config"), "{err}");
    let _ = std::fs::remove_file(path);
}

/// Issue 24: the sample grid follows the run's time scale. The same M/M/1 in seconds
/// (λ = 0.9/s, 1 s service, 4,000,000 s) and in milliseconds (λ = 900/s, 1 ms, 4,000 s)
/// simulates the same requests with the same statistics, and the long run holds at most
/// 14,400 samples instead of four million (what it costs is its events).
#[test]
fn a_run_in_seconds_costs_what_the_same_run_in_milliseconds_does() {
    let slow = json(&[
        "run",
        "--system",
        "queue",
        "--set",
        "arrival_rate_rps=0.9",
        "--set",
        "service_time_ms=1000",
        "--duration",
        "4000000s",
    ]);
    let fast = json(&[
        "run",
        "--system",
        "queue",
        "--set",
        "arrival_rate_rps=900",
        "--set",
        "service_time_ms=1",
        "--duration",
        "4000s",
    ]);
    assert_eq!(
        slow["summary"]["requests_total"],
        fast["summary"]["requests_total"]
    );
    let (a, b) = (
        slow["summary"]["latency_mean_s"].as_f64().unwrap(),
        fast["summary"]["latency_mean_s"].as_f64().unwrap(),
    );
    assert!((a / b / 1000.0 - 1.0).abs() < 1e-6, "{a} vs {b}");
    assert_eq!(fast["sample_interval_s"], 1);
    let interval = slow["sample_interval_s"].as_u64().unwrap();
    assert!(
        4_000_000 / interval <= 14_400,
        "{interval} s between samples"
    );
    // Up to 4 hours, every second is a sample (tutorials, dashboards, CSV rows).
    let day = json(&["run", "--duration", "14400s", "--system", "queue"]);
    assert_eq!(day["sample_interval_s"], 1);
}

/// Issue 22: game day for instructors. The pool listed, an incident played with its
/// hidden faults told and its fix checked, completion codes read into a table and a bad
/// one refused with exit 2.
#[test]
fn gameday_lists_plays_and_scores() {
    let (code, out, err) = sdl(&["gameday", "list"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("orders-unpaid"), "{out}");
    let (code, out, err) = sdl(&[
        "gameday",
        "run",
        "orders-unpaid",
        "--seed",
        "4",
        "--fix-at",
        "60s",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("fault   dual-write from"), "{out}");
    assert!(out.contains("recovered at"), "{out}");
    let (code, _, err) = sdl(&["gameday", "run", "no-such-incident"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("unknown incident") && err.lines().count() == 1,
        "{err}"
    );

    let incident = content::gameday::find("orders-unpaid").unwrap();
    let good = content::gameday::code::encode(&content::gameday::code::Completion {
        incident,
        seed: 17,
        score: 82,
        mitigated_s: Some(305),
    });
    let (code, out, err) = sdl(&["gameday", "score", &good]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("orders-unpaid") && out.contains(" 82 ") && out.contains("5:05"),
        "{out}"
    );
    assert!(out.contains("not a signature"), "{out}");
    let mut bad = good.clone();
    let last = bad.pop().unwrap();
    bad.push(if last == '0' { '1' } else { '0' });
    let (code, _, err) = sdl(&["gameday", "score", &good, &bad]);
    assert_eq!(code, 2);
    assert!(err.contains("1 of 2 code(s) refused"), "{err}");

    // A series certificate's code reads too, with its series, score and date.
    let series = &content::series()[0];
    let cert = content::gameday::code::encode_certificate(
        &content::gameday::code::Certificate::new(series, "Ada Lovelace", 91, 40),
    );
    let (code, out, err) = sdl(&["gameday", "score", &good, &cert]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains(&format!("certificate: {}", series.id))
            && out.contains("2026-02-10")
            && out.contains(" 91 "),
        "{out}"
    );
}
