//! The lab's dashboard as a Grafana dashboard (JSON model, schema 39): the golden signals
//! (traffic, errors, latency, saturation) and a panel per metric the switched-on
//! scenarios and mitigations declare, with the same PromQL the lab's panels draw
//! (`panels::panel_lines`). The data source is a variable (`${datasource}`), so the
//! dashboard imports against any Prometheus, such as one loaded with the lab's
//! OpenMetrics export (`sdl run --format openmetrics`).

use crate::format::Quantity;
use crate::panels::panel_lines;
use engine::metrics::MetricSpec;

fn json_str(s: &str) -> String {
    engine::json::Value::from(s).to_string()
}

/// Grafana's unit for a lab quantity.
fn unit(q: Quantity) -> &'static str {
    match q {
        Quantity::Rate => "reqps",
        Quantity::Ratio => "percentunit",
        Quantity::Seconds => "s",
        Quantity::Bytes => "bytes",
        Quantity::PerSecond => "ops",
        Quantity::Count | Quantity::Plain => "none",
    }
}

struct Panel {
    title: String,
    unit: &'static str,
    /// (legend, PromQL)
    targets: Vec<(String, String)>,
}

fn panel_json(id: usize, p: &Panel) -> String {
    let (w, h) = (12, 8);
    let (x, y) = ((id % 2) * w, (id / 2) * h);
    let ds = "{\"type\":\"prometheus\",\"uid\":\"${datasource}\"}";
    let targets: Vec<String> = p
        .targets
        .iter()
        .enumerate()
        .map(|(i, (legend, expr))| {
            format!(
                "{{\"refId\":\"{}\",\"datasource\":{ds},\"expr\":{},\"legendFormat\":{}}}",
                (b'A' + (i % 26) as u8) as char,
                json_str(expr),
                json_str(legend)
            )
        })
        .collect();
    format!(
        "{{\"id\":{},\"type\":\"timeseries\",\"title\":{},\"datasource\":{ds},\"gridPos\":{{\"x\":{x},\"y\":{y},\"w\":{w},\"h\":{h}}},\"fieldConfig\":{{\"defaults\":{{\"unit\":\"{}\"}},\"overrides\":[]}},\"options\":{{\"legend\":{{\"displayMode\":\"list\",\"placement\":\"bottom\"}}}},\"targets\":[{}]}}",
        id + 1,
        json_str(&p.title),
        p.unit,
        targets.join(",")
    )
}

/// The dashboard for a run of `system` with the metrics `specs` (the switched-on
/// scenarios' and mitigations' declared metrics), its time range the run's first
/// `duration_s` seconds from `epoch_s`.
pub fn dashboard(system: &str, specs: &[&MetricSpec], epoch_s: u64, duration_s: u64) -> String {
    let golden = |title: &str, unit: &'static str, series: &[(&str, &str)]| Panel {
        title: title.to_string(),
        unit,
        targets: series
            .iter()
            .map(|(l, e)| (l.to_string(), e.to_string()))
            .collect(),
    };
    let mut panels = vec![
        golden(
            "Traffic (answered requests/s)",
            "reqps",
            &[("throughput", "throughput_rps")],
        ),
        golden(
            "Errors (share of requests)",
            "percentunit",
            &[("error rate", "error_rate")],
        ),
        golden(
            "Latency",
            "s",
            &[
                ("p50", "latency_p50_s"),
                ("p95", "latency_p95_s"),
                ("p99", "latency_p99_s"),
            ],
        ),
        golden(
            "Saturation",
            "percentunit",
            &[("utilization", "utilization")],
        ),
    ];
    let mut seen: Vec<&str> = Vec::new();
    for spec in specs {
        if seen.contains(&spec.name) {
            continue;
        }
        seen.push(spec.name);
        let (q, lines) = panel_lines(spec);
        panels.push(Panel {
            title: format!("{} — {}", spec.name, spec.help),
            unit: unit(q),
            targets: lines.into_iter().map(|l| (l.label, l.expr)).collect(),
        });
    }
    let body: Vec<String> = panels
        .iter()
        .enumerate()
        .map(|(i, p)| panel_json(i, p))
        .collect();
    let from = epoch_s;
    let to = epoch_s + duration_s.max(1);
    format!(
        "{{\"title\":{},\"uid\":{},\"description\":\"Exported from Systems Design Lab: the lab's dashboard with the same PromQL. Load the run with promtool tsdb create-blocks-from openmetrics.\",\"tags\":[\"systems-design-lab\"],\"schemaVersion\":39,\"version\":1,\"editable\":true,\"timezone\":\"utc\",\"time\":{{\"from\":\"{}\",\"to\":\"{}\"}},\"templating\":{{\"list\":[{{\"name\":\"datasource\",\"label\":\"Data source\",\"type\":\"datasource\",\"query\":\"prometheus\"}}]}},\"panels\":[{}]}}\n",
        json_str(&format!("Systems Design Lab — {system}")),
        json_str(&format!("sdl-{system}")),
        iso(from),
        iso(to),
        body.join(",")
    )
}

/// A Unix time as an ISO 8601 UTC timestamp (Grafana's absolute time range).
fn iso(unix_s: u64) -> String {
    let days = unix_s / 86_400;
    let secs = unix_s % 86_400;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_dates() {
        assert_eq!(iso(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso(engine::export::DEFAULT_EPOCH_S), "2026-01-01T00:00:00Z");
        assert_eq!(iso(951_782_400 + 3661), "2000-02-29T01:01:01Z");
    }
}
