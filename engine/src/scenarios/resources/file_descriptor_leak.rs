//! # File descriptor leak
//!
//! An error path in the handler opens a file (a template, a temp file for a failed
//! upload) and returns early without closing it. A share `leak_share` of requests takes
//! that path, so each instance leaks descriptors at a steady rate. Nothing is slow and
//! nothing fails — until an instance's open descriptors reach its limit (`ulimit -n`).
//! Then `accept()` fails with EMFILE ("Too many open files"): every new connection to
//! that instance is refused and the load balancer answers 502. Instances hit the wall
//! one after another, and a restart only resets the clock.
//!
//! ```text
//!   request ──▶ api-i ──error path──▶ open("template") … return   (fd never closed)
//!   open fds: 64 ▁▂▃▄▅▆▇█ 1024 = limit ──▶ accept(): EMFILE ──▶ 502
//! ```
//!
//! ## What to look at
//! - `process_open_fds{instance}` climbing in a straight line towards
//!   `process_max_fds{instance}`; errors start on an instance when its line reaches the
//!   limit.
//! - `accept_errors_total{reason="EMFILE"}` and 502s, with error logs
//!   "accept4() failed (24: Too many open files)".
//! - `fd_leaked_total`: the leak rate is the slope, proportional to traffic on the error
//!   path.
//!
//! ## How to fix it
//! Close descriptors on every path (try-with-resources, `defer`, RAII); alert when open
//! descriptors grow without bound or pass a share of the limit. Raising the limit or
//! restarting only buys time. No switch fixes a leak: the lesson is the diagnosis.

use crate::metrics::{CounterId, GaugeId, MetricSpec, Registry};
use crate::observe::{Level, LogRecord};
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{no_check, Component, Effect, Hop, Scenario, ScenarioMeta, StrikeCx};

const OPEN_FDS: MetricSpec = MetricSpec::gauge(
    "process_open_fds",
    "Open file descriptors of each service instance.",
    &["instance"],
);
const MAX_FDS: MetricSpec = MetricSpec::gauge(
    "process_max_fds",
    "The open-file limit of each service instance (ulimit -n).",
    &["instance"],
);
const LEAKED: MetricSpec = MetricSpec::counter(
    "fd_leaked_total",
    "File descriptors opened on the handler's error path and never closed.",
    &[],
);
const ACCEPT_ERRORS: MetricSpec = MetricSpec::counter(
    "accept_errors_total",
    "Connections an instance could not accept, by reason.",
    &["reason"],
);

pub static META: ScenarioMeta = ScenarioMeta {
    id: "file-descriptor-leak",
    title: "File descriptor leak",
    category: "resources",
    kind: crate::scenario::FaultKind::Leaking,
    summary: "An error path leaks a file descriptor per request until accept() fails with EMFILE and the instance refuses connections.",
    source: crate::doc_of!("scenarios/resources/file_descriptor_leak.rs"),
    own_params: &[
        ParamSpec::float(
            "leak_share",
            "",
            0.2,
            0.0,
            1.0,
            "Share of requests that take the leaking error path.",
        ),
        ParamSpec::int(
            "fds_per_leak",
            "fds",
            1,
            1,
            1_000_000,
            "Descriptors each of them leaves open.",
        ),
        ParamSpec::int(
            "fd_limit",
            "fds",
            1024,
            1,
            100_000_000,
            "Open-file limit per instance (ulimit -n).",
        ),
        ParamSpec::int(
            "base_fds",
            "fds",
            64,
            0,
            100_000_000,
            "Descriptors a healthy instance holds (libraries, logs, pooled sockets).",
        ),
    ],
    metrics: &[OPEN_FDS, MAX_FDS, LEAKED, ACCEPT_ERRORS],
    strikes: &[Component::Service],
    mitigations: &[],
    build: || Box::new(FileDescriptorLeak::default()),
    check: no_check,
};

#[derive(Default)]
struct FileDescriptorLeak {
    leak_share: f64,
    per_leak: u64,
    limit: u64,
    base: u64,
    /// Leaked descriptors per instance.
    leaked: Vec<u64>,
    gauges: Vec<(GaugeId, GaugeId)>,
    leaked_total: Option<CounterId>,
    emfile: Option<CounterId>,
}

impl FileDescriptorLeak {
    fn instance(&mut self, metrics: &mut Registry, i: usize) {
        while self.gauges.len() <= i {
            let name = format!("api-{}", self.gauges.len());
            self.gauges.push((
                metrics.gauge(&OPEN_FDS, &[&name]),
                metrics.gauge(&MAX_FDS, &[&name]),
            ));
        }
        if self.leaked.len() <= i {
            self.leaked.resize(i + 1, 0);
        }
    }
}

impl Scenario for FileDescriptorLeak {
    fn configure(&mut self, params: &ParamSet, metrics: &mut Registry) {
        self.leak_share = params.f64("leak_share");
        self.per_leak = params.i64("fds_per_leak").max(1) as u64;
        self.limit = params.i64("fd_limit").max(1) as u64;
        self.base = params.i64("base_fds").max(0) as u64;
        self.leaked_total = Some(metrics.counter(&LEAKED, &[]));
        self.emfile = Some(metrics.counter(&ACCEPT_ERRORS, &["EMFILE"]));
        self.instance(metrics, 0);
    }

    fn strike(&mut self, cx: &mut StrikeCx<'_>, hop: &Hop) -> Effect {
        let i = hop.instance as usize;
        self.instance(cx.metrics, (hop.fleet.max(1) as usize - 1).max(i));
        if self.base + self.leaked[i] >= self.limit {
            if let Some(c) = self.emfile {
                cx.metrics.inc(c);
            }
            if cx.logs.admits(cx.now) {
                cx.logs.push(LogRecord {
                    t_ns: cx.now,
                    level: Level::Error,
                    service: "api",
                    message: "accept4() failed (24: Too many open files)",
                    fields: vec![("instance", format!("api-{i}"))],
                    trace_id: cx.trace_id,
                });
            }
            // The connection is never accepted: no work, and the proxy sees a reset.
            return Effect {
                fail_status: Some(502),
                work_factor: 0.0,
                ..Effect::NONE
            };
        }
        if cx.rng.chance(self.leak_share) {
            self.leaked[i] += self.per_leak;
            if let Some(c) = self.leaked_total {
                cx.metrics.add(c, self.per_leak as f64);
            }
        }
        Effect::NONE
    }

    fn on_sample(&mut self, metrics: &mut Registry, _active: bool) {
        for (i, &(open, max)) in self.gauges.iter().enumerate() {
            let leaked = self.leaked.get(i).copied().unwrap_or(0);
            metrics.set(open, (self.base + leaked).min(self.limit) as f64);
            metrics.set(max, self.limit as f64);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("web", 651, &[], &[]), 30);
        assert!(!registered(&off, "process_open_fds"));
        assert!(!registered(&off, "fd_leaked_total"));
        let on = run(&config("web", 651, &["file-descriptor-leak"], &[]), 30);
        // 20 % of ~200 req/s leak one each: ~40/s, ~10/s per instance.
        let leaked = total(&on, "fd_leaked_total");
        assert!((1000.0..1400.0).contains(&leaked), "{leaked}");
        let open = series_values(&on, "process_open_fds", "api-0");
        assert!(open[29] > open[5] + 200.0, "{open:?}");
        assert_eq!(series_values(&on, "process_max_fds", "api-3")[29], 1024.0);
        assert_eq!(
            total(&on, "accept_errors_total"),
            0.0,
            "not at the limit yet"
        );
    }

    #[test]
    fn symptom_appears() {
        // ~960 descriptors at ~10/s: instances hit the limit after about 95 s; from then
        // on every request to them is refused with 502.
        let mut lab = run(&config("web", 652, &["file-descriptor-leak"], &[]), 80);
        assert_eq!(
            lab.metrics()
                .family_total_where("http_requests_total", |_, v| v[2] == "502"),
            0.0
        );
        lab.run_until(130 * crate::time::NS_PER_SEC);
        let refused = lab
            .metrics()
            .family_total_where("http_requests_total", |_, v| v[2] == "502");
        assert!(refused > 3000.0, "{refused}");
        assert_eq!(refused, total(&lab, "accept_errors_total"));
        assert!(lab
            .logs()
            .any(|l| l.message == "accept4() failed (24: Too many open files)"));
    }

    #[test]
    fn diagnosis_signal_identifies_it() {
        // The open-fd line reaches the limit exactly when that instance's errors start.
        let lab = run(&config("web", 653, &["file-descriptor-leak"], &[]), 130);
        let open = series_values(&lab, "process_open_fds", "api-1");
        let t_full = open.iter().position(|&v| v >= 1024.0).unwrap_or(usize::MAX);
        assert!(
            (80..125).contains(&t_full),
            "api-1 at the limit at {t_full} s"
        );
        // Rises in a straight line: equal steps over equal times.
        let slope_a = open[40] - open[20];
        let slope_b = open[70] - open[50];
        assert!(
            (slope_a - slope_b).abs() < 0.25 * slope_a,
            "{slope_a} vs {slope_b}"
        );
        let errors: Vec<f64> = lab
            .series("error_rate")
            .map(|s| s.iter().map(|(_, v)| v).collect())
            .unwrap_or_default();
        let before = errors[10..t_full.saturating_sub(10)]
            .iter()
            .copied()
            .fold(0.0, f64::max);
        assert_eq!(before, 0.0);
        assert!(errors[129] > 0.5, "{}", errors[129]);
    }
}
