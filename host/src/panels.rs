//! What a scenario's or mitigation's panel draws for each metric it declares, as
//! `engine::query` (PromQL) expressions, each one series (summed over the family's labels):
//! a counter as its rate, a gauge as its value, a histogram
//! as p50/p95/p99, and in which unit. The page asks the engine for their points
//! (`Ask::Panels`, at most `MAX_BACKFILL` per line at once) and draws them
//! (`components::panels` in the app).

use crate::format::Quantity;
use engine::metrics::{MetricKind, MetricSpec};

/// The window behind a panel's rates and quantiles (the golden signals use 5 s too).
pub const PANEL_WINDOW: &str = "5s";
/// At most this many evaluations per line when a panel first fills its history.
pub const MAX_BACKFILL: usize = 300;
const QUANTILES: [(f64, &str, &str); 3] =
    [(0.5, "p50", "s1"), (0.95, "p95", "s2"), (0.99, "p99", "s3")];

/// One line of a panel: its label, colour and the expression behind it.
#[derive(Debug, Clone, PartialEq)]
pub struct PanelLine {
    pub label: String,
    pub class: &'static str,
    pub expr: String,
}

/// The lines a declared metric is drawn with, and in which unit.
pub fn panel_lines(spec: &MetricSpec) -> (Quantity, Vec<PanelLine>) {
    let name = spec.name;
    match spec.kind {
        MetricKind::Counter => (
            if name == "http_requests_total" {
                Quantity::Rate
            } else {
                Quantity::PerSecond
            },
            vec![PanelLine {
                label: "rate".into(),
                class: "s1",
                expr: format!("sum(rate({name}[{PANEL_WINDOW}]))"),
            }],
        ),
        MetricKind::Gauge => (
            if name.ends_with("_seconds") {
                Quantity::Seconds
            } else if name.ends_with("_bytes") {
                Quantity::Bytes
            } else if name.ends_with("_ratio") {
                Quantity::Ratio
            } else {
                Quantity::Plain
            },
            vec![PanelLine {
                label: "value".into(),
                class: "s1",
                expr: format!("sum({name})"),
            }],
        ),
        MetricKind::Histogram => (
            if name.ends_with("_seconds") {
                Quantity::Seconds
            } else {
                Quantity::Plain
            },
            QUANTILES
                .iter()
                .map(|(q, label, class)| PanelLine {
                    label: (*label).into(),
                    class,
                    expr: format!(
                        "histogram_quantile({q}, sum by (le) (rate({name}_bucket[{PANEL_WINDOW}])))"
                    ),
                })
                .collect(),
        ),
    }
}
