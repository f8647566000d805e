//! Issue 23: what the lab exports loads into the real Prometheus, and Prometheus answers
//! the lab's queries as `sdl query` does. A run's history goes out as OpenMetrics,
//! `promtool tsdb create-blocks-from openmetrics` turns it into blocks, a Prometheus
//! serves them, and for rates, increases, quantiles from buckets, sums by label, ratios
//! and golden series both answer the same range query; every point agrees within 1 %.
//!
//! Prometheus comes from Debian (2.42, installed by `scripts/bootstrap.sh test`). Where it
//! is absent the test says so and passes, except under `CI=true`, where the bootstrap
//! must have installed it. Prometheus 2.x counts a sample exactly at a range's start
//! (`[t - r, t]`); 3.x, whose semantics the lab follows, does not (`(t - r, t]`). The
//! times asked are half a second off the 1 s sample grid, where the two agree, so every
//! other part of the semantics is compared exactly.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const EPOCH: u64 = 1_767_225_600;
const RUN: &[&str] = &[
    "--duration",
    "900s",
    "--scenario",
    "error-burst,slow-db-query",
    "--seed",
    "3",
];

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn tool(name: &str) -> Option<PathBuf> {
    ["/usr/bin", "/usr/local/bin"]
        .iter()
        .map(|d| Path::new(d).join(name))
        .find(|p| p.exists())
}

/// A tool a test needs: its path, or `None` after saying the test is skipped; under
/// `CI=true` a missing tool fails instead (the bootstrap installs it).
fn required(name: &str, test: &str) -> Option<PathBuf> {
    let found = tool(name);
    if found.is_none() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true but `{name}` is missing: scripts/bootstrap.sh test installs Debian's `prometheus`"
        );
        eprintln!("SKIPPED: {test} — `{name}` not installed (scripts/bootstrap.sh test installs Debian's `prometheus`)");
    }
    found
}

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A GET on Prometheus's HTTP API: the status code and the body.
fn get(port: u16, path: &str) -> Option<(u16, String)> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(30))).ok()?;
    write!(s, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").ok()?;
    let mut raw = String::new();
    s.read_to_string(&mut raw).ok()?;
    let (head, body) = raw.split_once("\r\n\r\n")?;
    let code = head.split_whitespace().nth(1)?.parse().ok()?;
    Some((code, body.to_string()))
}

fn sdl(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_sdl"))
        .args(args)
        .output()
        .expect("run sdl");
    assert!(
        out.status.success(),
        "sdl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// A matrix answer as (labels, points) sorted by labels.
fn matrix(json: &str) -> Vec<(String, Vec<(f64, f64)>)> {
    let v: serde_json::Value = serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}: {json}"));
    assert_eq!(v["status"], "success", "{json}");
    assert_eq!(v["data"]["resultType"], "matrix", "{json}");
    let mut out: Vec<(String, Vec<(f64, f64)>)> = v["data"]["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let pts = s["values"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| {
                    (
                        p[0].as_f64().unwrap(),
                        p[1].as_str().unwrap().parse::<f64>().unwrap(),
                    )
                })
                .collect();
            (s["metric"].to_string(), pts)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

#[test]
fn prometheus_loads_the_export_and_answers_as_the_lab_does() {
    let (Some(promtool), Some(prometheus)) = (
        required("promtool", "Prometheus round trip"),
        required("prometheus", "Prometheus round trip"),
    ) else {
        return;
    };
    let dir = std::env::temp_dir().join(format!("sdl-prom-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let om = dir.join("run.om");
    let mut args = vec!["run", "--format", "openmetrics"];
    args.extend(RUN);
    std::fs::write(&om, sdl(&args)).unwrap();
    let data = dir.join("data");
    let made = Command::new(&promtool)
        .args(["tsdb", "create-blocks-from", "openmetrics"])
        .arg(&om)
        .arg(&data)
        .output()
        .unwrap();
    assert!(
        made.status.success(),
        "promtool: {}",
        String::from_utf8_lossy(&made.stderr)
    );
    std::fs::write(
        dir.join("prometheus.yml"),
        "global:\n  scrape_interval: 1h\nscrape_configs: []\n",
    )
    .unwrap();
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let _server = Server(
        Command::new(&prometheus)
            .arg(format!(
                "--config.file={}",
                dir.join("prometheus.yml").display()
            ))
            .arg(format!("--storage.tsdb.path={}", data.display()))
            .arg("--storage.tsdb.retention.time=100y")
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let start = Instant::now();
    while get(port, "/-/ready").map(|r| r.0) != Some(200) {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "Prometheus did not become ready"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let queries = [
        "sum by (status) (rate(http_requests_total[1m]))",
        "sum(increase(http_requests_total{status=~\"5..\"}[5m]))",
        "histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))",
        "histogram_quantile(0.5, sum by (le, query_type) (rate(db_query_duration_seconds_bucket[2m])))",
        "sum(rate(http_requests_total{status=~\"5..\"}[5m])) / sum(rate(http_requests_total[5m]))",
        "sum(rate(http_request_duration_seconds_sum[1m])) / sum(rate(http_request_duration_seconds_count[1m]))",
        "avg_over_time(latency_p99_s[1m])",
        "max by (instance) (max_over_time(process_memory_bytes[2m]))",
        "sum(irate(http_requests_total[30s]))",
        "sum by (endpoint) (rate(http_requests_total[1m])) > bool 20",
        "delta(db_pool_in_use[1m])",
    ];
    // Off the 1 s grid (see the module's doc): 300.5 s to 890.5 s every 29 s.
    let (from, to, step) = (300.5, 890.5, 29.0);
    let mut compared = 0;
    for q in queries {
        let ours = sdl(&[
            &[
                "query", q, "--start", "300500ms", "--end", "890500ms", "--step", "29s",
            ][..],
            RUN,
        ]
        .concat());
        let path = format!(
            "/api/v1/query_range?query={}&start={}&end={}&step={step}",
            encode(q),
            EPOCH as f64 + from,
            EPOCH as f64 + to
        );
        let (code, theirs) = get(port, &path).expect("Prometheus answers");
        assert_eq!(code, 200, "{q}: {theirs}");
        let (ours, theirs) = (matrix(&ours), matrix(&theirs));
        assert_eq!(
            ours.iter().map(|s| &s.0).collect::<Vec<_>>(),
            theirs.iter().map(|s| &s.0).collect::<Vec<_>>(),
            "{q}: the same series"
        );
        for ((labels, a), (_, b)) in ours.iter().zip(&theirs) {
            assert_eq!(a.len(), b.len(), "{q} {labels}: points {a:?} vs {b:?}");
            for (p, r) in a.iter().zip(b) {
                assert_eq!(p.0, r.0, "{q} {labels}: times");
                let close = (p.1.is_nan() && r.1.is_nan())
                    || (p.1 - r.1).abs() <= 0.01 * p.1.abs().max(r.1.abs()).max(1e-12);
                assert!(
                    close,
                    "{q} {labels} at {}: lab {} vs Prometheus {}",
                    p.0, p.1, r.1
                );
                compared += 1;
            }
        }
    }
    eprintln!(
        "Prometheus round trip: {compared} points of {} queries agree within 1 %",
        queries.len()
    );
    assert!(compared > 200, "only {compared} points compared");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The alert rules file (defaults and a learner's own) passes `promtool check rules`.
#[test]
fn promtool_accepts_the_alert_rules_file() {
    let Some(promtool) = required("promtool", "promtool check rules") else {
        return;
    };
    let yaml = sdl(&[
        "export",
        "rules",
        "--duration",
        "5s",
        "--rule",
        "SlowDb: histogram_quantile(0.99, sum by (le) (rate(db_query_duration_seconds_bucket[1m]))) > 0.1 for 90s critical",
        "--rule",
        "Errors5xx: sum(rate(http_requests_total{status=~\"5..\"}[5m])) / sum(rate(http_requests_total[5m])) > 0.02",
    ]);
    let path = std::env::temp_dir().join(format!("sdl-rules-{}.yml", std::process::id()));
    std::fs::write(&path, &yaml).unwrap();
    let out = Command::new(promtool)
        .args(["check", "rules"])
        .arg(&path)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}\n{yaml}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("SUCCESS: 5 rules found"), "{text}");
    let _ = std::fs::remove_file(path);
}

/// `sdl run --traces FILE` writes OTLP JSON that the official OpenTelemetry protobuf
/// definitions read (`scripts/check-otlp.py`, with PyPI's `opentelemetry-proto` in the
/// bootstrap's `.tools/venv`), every span's parent in its trace.
#[test]
fn otlp_traces_read_with_the_official_definitions() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let python = root.join(".tools/venv/bin/python");
    let has_proto = python.exists()
        && Command::new(&python)
            .args(["-c", "import opentelemetry.proto"])
            .status()
            .is_ok_and(|s| s.success());
    if !has_proto {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true but .tools/venv lacks opentelemetry-proto: scripts/bootstrap.sh test installs it"
        );
        eprintln!("SKIPPED: OTLP check — .tools/venv with opentelemetry-proto not installed (scripts/bootstrap.sh test installs it)");
        return;
    }
    for (i, run) in [
        &[
            "--duration",
            "60s",
            "--scenario",
            "slow-db-query,retry-storm",
        ][..],
        &["--system", "orders", "--duration", "60s"],
    ]
    .iter()
    .enumerate()
    {
        let path = std::env::temp_dir().join(format!("sdl-otlp-{}-{i}.json", std::process::id()));
        let path_text = path.display().to_string();
        sdl(&[
            &["run", "--format", "prom", "--traces", &path_text][..],
            run,
        ]
        .concat());
        let out = Command::new(&python)
            .arg(root.join("scripts/check-otlp.py"))
            .arg(&path)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{run:?}: {text}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(text.starts_with("OK: "), "{text}");
        eprintln!("{run:?}: {}", text.trim());
        let _ = std::fs::remove_file(path);
    }
}
