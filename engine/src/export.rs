//! A run in the forms real tools read: the whole sampled history as OpenMetrics text
//! (what `promtool tsdb create-blocks-from openmetrics` ingests, so Prometheus and
//! Grafana can query the run), and a query's answer in the shape of Prometheus's HTTP
//! API (`/api/v1/query`, `/api/v1/query_range`).
//!
//! Virtual time 0 is written as `epoch_s`, a Unix time (by default 2026-01-01T00:00:00Z:
//! fixed, so the same run always gives the same file).

use crate::golden::GOLDEN_SERIES;
use crate::metrics::{MetricKind, Part};
use crate::query::{Query, Run, Sample, Value};
use crate::time::{Nanos, NS_PER_SEC};
use std::fmt::Write as _;

/// The Unix time virtual time 0 is written as unless told otherwise: 2026-01-01T00:00:00Z.
pub const DEFAULT_EPOCH_S: u64 = 1_767_225_600;

fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn braces(pairs: &[(&str, &str)]) -> String {
    if pairs.is_empty() {
        return String::new();
    }
    let inner: Vec<String> = pairs
        .iter()
        .map(|(n, v)| format!("{n}=\"{}\"", escape(v)))
        .collect();
    format!("{{{}}}", inner.join(","))
}

/// A float as OpenMetrics and Prometheus's API write it.
fn num(v: f64) -> String {
    crate::metrics::prom_num(v)
}

/// A sample's time as Unix seconds with milliseconds.
fn stamp(epoch_s: u64, t: Nanos) -> String {
    let ms = t / 1_000_000;
    format!("{}.{:03}", epoch_s + ms / 1000, ms % 1000)
}

/// The run's whole sampled history in OpenMetrics text, `# EOF` terminated: every
/// metric family (sorted by name; a counter named `x_total` as family `x`, one without
/// the suffix as `unknown`; a histogram's `_bucket` with cumulative `le`, `_count` and
/// `_sum`), then the golden series as gauges (the recording-rule names the lab's
/// queries use).
pub fn openmetrics(run: &impl Run, epoch_s: u64) -> String {
    let view = run.view();
    let reg = view.metrics;
    let mut names: Vec<&'static str> = reg.series_keys().map(|k| k.name).collect();
    crate::order::sort(&mut names);
    names.dedup();
    let mut out = String::new();
    for name in names {
        let (Some(spec), Some((_, series))) = (reg.spec(name), reg.family_series(name)) else {
            continue;
        };
        let help = spec.help.replace('\\', "\\\\").replace('\n', "\\n");
        let family = match spec.kind {
            MetricKind::Counter => match name.strip_suffix("_total") {
                Some(base) => {
                    let _ = writeln!(out, "# TYPE {base} counter\n# HELP {base} {help}");
                    name
                }
                None => {
                    let _ = writeln!(out, "# TYPE {name} unknown\n# HELP {name} {help}");
                    name
                }
            },
            MetricKind::Gauge => {
                let _ = writeln!(out, "# TYPE {name} gauge\n# HELP {name} {help}");
                name
            }
            MetricKind::Histogram => {
                let _ = writeln!(out, "# TYPE {name} histogram\n# HELP {name} {help}");
                name
            }
        };
        for (s, values) in series {
            let labels: Vec<(&str, &str)> = spec
                .labels
                .iter()
                .zip(values)
                .filter(|(_, v)| !v.is_empty())
                .map(|(n, v)| (*n, v.as_str()))
                .collect();
            let plain = braces(&labels);
            for i in 0..reg.sample_count(s) {
                match spec.kind {
                    MetricKind::Histogram => {
                        let Some((t, _)) = reg.part_point(s, Part::Count, i) else {
                            continue;
                        };
                        let at = stamp(epoch_s, t);
                        for j in 0..=spec.buckets.len() {
                            let le = spec.buckets.get(j).map_or("+Inf".to_string(), |b| num(*b));
                            let mut l = labels.clone();
                            l.push(("le", &le));
                            let c = reg.part_point(s, Part::Bucket(j), i).map_or(0.0, |p| p.1);
                            let _ = writeln!(out, "{family}_bucket{} {} {at}", braces(&l), num(c));
                        }
                        let c = reg.part_point(s, Part::Count, i).map_or(0.0, |p| p.1);
                        let sum = reg.part_point(s, Part::Sum, i).map_or(0.0, |p| p.1);
                        let _ = writeln!(out, "{family}_count{plain} {} {at}", num(c));
                        let _ = writeln!(out, "{family}_sum{plain} {} {at}", num(sum));
                    }
                    _ => {
                        if let Some((t, v)) = reg.part_point(s, Part::Value, i) {
                            let _ =
                                writeln!(out, "{family}{plain} {} {}", num(v), stamp(epoch_s, t));
                        }
                    }
                }
            }
        }
    }
    for name in GOLDEN_SERIES {
        let Some(series) = view.series(name) else {
            continue;
        };
        let _ = writeln!(
            out,
            "# TYPE {name} gauge\n# HELP {name} The lab's golden signal {name}, computed over 5 s windows (a recording rule's name)."
        );
        for (t, v) in series.iter() {
            let _ = writeln!(out, "{name} {} {}", num(v), stamp(epoch_s, t));
        }
    }
    out.push_str("# EOF\n");
    out
}

fn json_str(s: &str) -> String {
    crate::json::Value::from(s).to_string()
}

fn metric_json(s: &Sample) -> String {
    let fields: Vec<String> = s
        .labels
        .iter()
        .map(|(n, v)| format!("{}:{}", json_str(n), json_str(v)))
        .collect();
    format!("{{{}}}", fields.join(","))
}

fn point_json(epoch_s: u64, t: Nanos, v: f64) -> String {
    format!("[{},\"{}\"]", stamp(epoch_s, t), num(v))
}

fn error_json(message: &str) -> String {
    format!(
        "{{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":{}}}",
        json_str(message)
    )
}

/// `query` at virtual time `t`, as Prometheus's `/api/v1/query` answers: `Err` holds the
/// error document (`"status":"error"`) for a query that cannot be evaluated.
pub fn instant_query_json(
    run: &impl Run,
    query: &Query,
    t: Nanos,
    epoch_s: u64,
) -> Result<String, String> {
    match query.evaluate_at(run, t) {
        Err(e) => Err(error_json(&e.to_string())),
        Ok(Value::Scalar(x)) => Ok(format!(
            "{{\"status\":\"success\",\"data\":{{\"resultType\":\"scalar\",\"result\":{}}}}}",
            point_json(epoch_s, t, x)
        )),
        Ok(Value::Vector(v)) => {
            let items: Vec<String> = v
                .iter()
                .map(|s| {
                    format!(
                        "{{\"metric\":{},\"value\":{}}}",
                        metric_json(s),
                        point_json(epoch_s, t, s.value)
                    )
                })
                .collect();
            Ok(format!(
                "{{\"status\":\"success\",\"data\":{{\"resultType\":\"vector\",\"result\":[{}]}}}}",
                items.join(",")
            ))
        }
    }
}

/// `query` from `start` to `end` every `step`, as Prometheus's `/api/v1/query_range`
/// answers: a matrix, one series per label set, its points in time order (a scalar
/// query is one series without labels).
pub fn range_query_json(
    run: &impl Run,
    query: &Query,
    start: Nanos,
    end: Nanos,
    step: Nanos,
    epoch_s: u64,
) -> Result<String, String> {
    if step == 0 || end < start {
        return Err(error_json(
            "the step must be positive and the end not before the start",
        ));
    }
    if (end - start) / step > 11_000 {
        return Err(error_json(
            "exceeded maximum resolution of 11,000 points per timeseries: try a larger step",
        ));
    }
    // Series by label set, in the order first seen; points in time order.
    let mut series: Vec<(Sample, Vec<String>)> = Vec::new();
    let mut t = start;
    while t <= end {
        let samples = match query.evaluate_at(run, t) {
            Err(e) => return Err(error_json(&e.to_string())),
            Ok(Value::Scalar(x)) => vec![Sample {
                labels: Vec::new(),
                value: x,
            }],
            Ok(Value::Vector(v)) => v,
        };
        for s in samples {
            let p = point_json(epoch_s, t, s.value);
            match series.iter_mut().find(|(k, _)| k.labels == s.labels) {
                Some((_, pts)) => pts.push(p),
                None => series.push((s, vec![p])),
            }
        }
        t += step;
    }
    crate::order::sort_by(&mut series, |a, b| a.0.labels < b.0.labels);
    let items: Vec<String> = series
        .iter()
        .map(|(k, pts)| {
            format!(
                "{{\"metric\":{},\"values\":[{}]}}",
                metric_json(k),
                pts.join(",")
            )
        })
        .collect();
    Ok(format!(
        "{{\"status\":\"success\",\"data\":{{\"resultType\":\"matrix\",\"result\":[{}]}}}}",
        items.join(",")
    ))
}

/// A YAML double-quoted string (JSON's escapes are YAML's).
fn yaml_str(s: &str) -> String {
    json_str(s)
}

/// A duration as Prometheus's configuration writes it (`30s`, `5m`, `1h`).
fn prom_duration(ns: Nanos) -> String {
    let ms = ns / 1_000_000;
    for (unit, size) in [("h", 3_600_000), ("m", 60_000), ("s", 1000)] {
        if ms >= size && ms % size == 0 {
            return format!("{}{unit}", ms / size);
        }
    }
    format!("{ms}ms")
}

/// Alert rules (the defaults and the learner's own) as a Prometheus rules file, one
/// group, that `promtool check rules` accepts: each rule's condition as `expr`, its `for`,
/// its severity as a label and its summary as an annotation.
pub fn alert_rules_yaml<'a>(rules: impl IntoIterator<Item = &'a crate::alerts::Rule>) -> String {
    let mut out = String::from(
        "# Alert rules from Systems Design Lab. The golden series (latency_p99_s, error_rate,\n# throughput_rps, ...) are the lab's recording-rule names: they exist in Prometheus\n# when the lab's OpenMetrics export is loaded, or where you record them yourself.\ngroups:\n  - name: sdl-lab\n    rules:\n",
    );
    for r in rules {
        let _ = writeln!(out, "      - alert: {}", r.name);
        let _ = writeln!(out, "        expr: {}", yaml_str(&r.condition.to_string()));
        if r.for_ns > 0 {
            let _ = writeln!(out, "        for: {}", prom_duration(r.for_ns));
        }
        let _ = writeln!(
            out,
            "        labels:\n          severity: {}",
            r.severity.as_str()
        );
        let _ = writeln!(
            out,
            "        annotations:\n          summary: {}",
            yaml_str(&r.summary)
        );
    }
    out
}

fn hex_id(id: u64, bytes: usize) -> String {
    format!("{id:0width$x}", width = bytes * 2)
}

/// A lab span attribute under its OpenTelemetry semantic-convention name, with its
/// OTLP value (`intValue` for numbers the convention types as integers).
fn otel_attributes(attrs: &[(&str, String)]) -> Vec<String> {
    let kv = |key: &str, value: String| format!("{{\"key\":{},\"value\":{value}}}", json_str(key));
    let string = |v: &str| format!("{{\"stringValue\":{}}}", json_str(v));
    let int = |v: &str| format!("{{\"intValue\":\"{v}\"}}");
    let mut out = Vec::new();
    for (k, v) in attrs {
        match *k {
            "http.status" => match v.parse::<u64>() {
                Ok(code) => out.push(kv("http.response.status_code", int(&code.to_string()))),
                Err(_) => out.push(kv("lab.http.status", string(v))),
            },
            "endpoint" => match v.split_once(' ') {
                Some((method, route)) => {
                    out.push(kv("http.request.method", string(method)));
                    out.push(kv("http.route", string(route)));
                }
                None => out.push(kv("http.route", string(v))),
            },
            "instance" => out.push(kv("service.instance.id", string(v))),
            "attempt" => match v.parse::<u64>() {
                // The convention counts resends: the first attempt is not one.
                Ok(n) => out.push(kv(
                    "http.request.resend_count",
                    int(&n.saturating_sub(1).to_string()),
                )),
                Err(_) => out.push(kv("lab.attempt", string(v))),
            },
            other => out.push(kv(
                &format!("lab.{}", other.trim_start_matches("lab.")),
                string(v),
            )),
        }
    }
    out
}

/// The system a database-like service is, by the convention's `db.system.name` values.
fn db_system(service: &str) -> Option<&'static str> {
    match service {
        "postgres" | "database" | "db" => Some("postgresql"),
        "redis" | "cache" => Some("redis"),
        _ => None,
    }
}

/// Sampled traces as OTLP JSON (`ExportTraceServiceRequest`, the OTLP/JSON encoding:
/// ids as hex, 64-bit integers as strings): resource spans per service with
/// `service.name`, one scope, each span with its trace, span and parent ids, kind
/// (the root SERVER; a call into another service CLIENT; the rest INTERNAL), times from
/// `epoch_s`, status and attributes under semantic-convention names
/// (`http.request.method`, `http.route`, `http.response.status_code`, `db.system.name`).
pub fn otlp_traces_json<'a>(
    traces: impl IntoIterator<Item = &'a crate::observe::Trace>,
    epoch_s: u64,
) -> String {
    // Spans grouped by service, in the order services first appear.
    let mut services: Vec<(&str, Vec<String>)> = Vec::new();
    for t in traces {
        for s in &t.spans {
            let parent_service = s
                .parent
                .and_then(|p| t.spans.iter().find(|x| x.span_id == p))
                .map(|p| p.service);
            // A root that follows another trace's span (a consumer of what it wrote)
            // is a CONSUMER span; other roots are SERVER spans.
            let kind = match parent_service {
                None if !s.links.is_empty() => 5,
                None => 2,
                Some(ps) if ps != s.service => 3,
                Some(_) => 1,
            };
            let start = epoch_s as u128 * 1_000_000_000 + s.start_ns as u128;
            let end = start + s.duration_ns as u128;
            let mut attrs = otel_attributes(&s.attributes);
            if let Some(db) = db_system(s.service) {
                attrs.push(format!(
                    "{{\"key\":\"db.system.name\",\"value\":{{\"stringValue\":\"{db}\"}}}}"
                ));
            }
            let status = match s.status {
                crate::observe::SpanStatus::Error => "{\"code\":2}",
                crate::observe::SpanStatus::Ok => "{}",
            };
            let parent = s
                .parent
                .map(|p| format!(",\"parentSpanId\":\"{}\"", hex_id(p, 8)))
                .unwrap_or_default();
            let links: Vec<String> = s
                .links
                .iter()
                .map(|(trace, span)| {
                    format!(
                        "{{\"traceId\":\"{}\",\"spanId\":\"{}\"}}",
                        hex_id(*trace, 16),
                        hex_id(*span, 8)
                    )
                })
                .collect();
            let links = if links.is_empty() {
                String::new()
            } else {
                format!(",\"links\":[{}]", links.join(","))
            };
            let span = format!(
                "{{\"traceId\":\"{}\",\"spanId\":\"{}\"{parent},\"name\":{},\"kind\":{kind},\"startTimeUnixNano\":\"{start}\",\"endTimeUnixNano\":\"{end}\",\"attributes\":[{}]{links},\"status\":{status}}}",
                hex_id(t.trace_id, 16),
                hex_id(s.span_id, 8),
                json_str(s.operation),
                attrs.join(",")
            );
            match services.iter_mut().find(|(n, _)| *n == s.service) {
                Some((_, spans)) => spans.push(span),
                None => services.push((s.service, vec![span])),
            }
        }
    }
    let resources: Vec<String> = services
        .iter()
        .map(|(service, spans)| {
            format!(
                "{{\"resource\":{{\"attributes\":[{{\"key\":\"service.name\",\"value\":{{\"stringValue\":{}}}}}]}},\"scopeSpans\":[{{\"scope\":{{\"name\":\"sdl-lab\",\"version\":\"{}\"}},\"spans\":[{}]}}]}}",
                json_str(service),
                env!("CARGO_PKG_VERSION"),
                spans.join(",")
            )
        })
        .collect();
    format!("{{\"resourceSpans\":[{}]}}\n", resources.join(","))
}

/// Whole seconds of virtual time, for messages.
pub fn secs(t: Nanos) -> u64 {
    t / NS_PER_SEC
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit;

    #[test]
    fn openmetrics_holds_every_sample_of_every_series_and_ends_with_eof() {
        let lab = testkit::run(&testkit::config("web", 1, &["slow-db-query"], &[]), 20);
        let text = openmetrics(&lab, DEFAULT_EPOCH_S);
        assert!(text.ends_with("# EOF\n"));
        assert!(text.contains("# TYPE http_requests counter\n"));
        assert!(text.contains("# TYPE http_request_duration_seconds histogram\n"));
        assert!(text.contains("http_request_duration_seconds_bucket{"));
        assert!(text.contains(",le=\"+Inf\"} "));
        assert!(text.contains("\n# TYPE latency_p99_s gauge\n"));
        // Each family's lines are together, each line has a value and a time.
        let mut seen = Vec::new();
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let name = line.split(['{', ' ']).next().unwrap();
            let fam = name
                .trim_end_matches("_bucket")
                .trim_end_matches("_count")
                .trim_end_matches("_sum")
                .trim_end_matches("_total");
            if seen.last() != Some(&fam.to_string()) {
                assert!(!seen.contains(&fam.to_string()), "{fam} split");
                seen.push(fam.to_string());
            }
            let parts: Vec<&str> = line.rsplitn(3, ' ').collect();
            assert!(parts[0].starts_with("17672256"), "{line}");
        }
        // The samples of a counter are its sampled history.
        let total = lab.metrics().family_total("http_requests_total");
        assert!(total > 0.0);
        let last_sum: f64 = text
            .lines()
            .filter(|l| l.starts_with("http_requests_total{") && l.ends_with(" 1767225620.000"))
            .map(|l| l.rsplit(' ').nth(1).unwrap().parse::<f64>().unwrap())
            .sum();
        assert_eq!(last_sum, total);
    }

    #[test]
    fn rules_and_traces_in_the_tools_formats() {
        let mut cfg = testkit::config("web", 1, &["slow-db-query"], &[]);
        cfg.add_rule("SlowDb: histogram_quantile(0.99, sum by (le) (rate(db_query_duration_seconds_bucket[1m]))) > 0.1 for 90s critical").unwrap();
        let mut lab = crate::sim::Lab::new(&cfg).unwrap();
        lab.advance(20 * NS_PER_SEC);
        let yaml = alert_rules_yaml(lab.alerts().alerts().iter().map(|a| &a.rule));
        assert!(yaml.contains("\n      - alert: SlowDb\n        expr: \"histogram_quantile(0.99, sum by (le) (rate(db_query_duration_seconds_bucket[1m]))) > 0.1\"\n        for: 90s\n        labels:\n          severity: critical\n"), "{yaml}");
        let otlp = otlp_traces_json(lab.traces(), DEFAULT_EPOCH_S);
        assert!(
            otlp.starts_with(
                "{\"resourceSpans\":[{\"resource\":{\"attributes\":[{\"key\":\"service.name\""
            ),
            "{}",
            &otlp[..200]
        );
        assert!(
            otlp.contains("\"key\":\"http.response.status_code\",\"value\":{\"intValue\":\"200\"}")
        );
        assert!(otlp.contains("\"kind\":2") && otlp.contains("\"parentSpanId\":\""));
        crate::json::parse(&otlp).unwrap();
    }

    #[test]
    fn query_answers_have_prometheus_api_shapes() {
        let lab = testkit::run(&testkit::config("web", 1, &[], &[]), 20);
        let q = Query::parse("sum by (endpoint) (rate(http_requests_total[5s]))").unwrap();
        let one = instant_query_json(&lab, &q, 10 * NS_PER_SEC, DEFAULT_EPOCH_S).unwrap();
        assert!(one.starts_with("{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{\"endpoint\":"), "{one}");
        assert!(one.contains("\"value\":[1767225610.000,\""), "{one}");
        let s = Query::parse("1 + 1").unwrap();
        let two = instant_query_json(&lab, &s, 0, DEFAULT_EPOCH_S).unwrap();
        assert_eq!(two, "{\"status\":\"success\",\"data\":{\"resultType\":\"scalar\",\"result\":[1767225600.000,\"2\"]}}");
        let range = range_query_json(
            &lab,
            &q,
            5 * NS_PER_SEC,
            15 * NS_PER_SEC,
            5 * NS_PER_SEC,
            DEFAULT_EPOCH_S,
        )
        .unwrap();
        assert!(range.contains("\"resultType\":\"matrix\""));
        assert!(range.contains("\"values\":[[1767225605.000,"), "{range}");
        let bad = Query::parse("x / on(a) y").unwrap();
        assert!(range_query_json(&lab, &bad, 0, 0, 0, 0)
            .unwrap_err()
            .contains("\"status\":\"error\""));
    }
}
