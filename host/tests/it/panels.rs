//! What the page's panels draw, computed by the engine's side: units of scenario panels,
//! every panel expression the catalogue can produce is one `engine::query` accepts, and
//! a heatmap's grid counts every request in the span.

use engine::catalog;
use engine::metrics::MetricKind;
use engine::query::Query;
use sdl_host::format::Quantity;
use sdl_host::heatmap::{HeatGrid, MAX_COLUMNS};
use sdl_host::panels::panel_lines;

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

#[test]
fn panel_units_read_naturally() {
    assert_eq!(Quantity::PerSecond.format(12.0), "12/s");
    assert_eq!(Quantity::Plain.format(0.5), "0.5");
    assert_eq!(Quantity::Plain.unit(), "");
    assert_eq!(Quantity::Bytes.format(8e9), "8 GB");
    assert_eq!(Quantity::Bytes.format(1_536_000.0), "1.54 MB");
    assert_eq!(Quantity::Bytes.format(512.0), "512 B");
    assert_eq!(Quantity::Bytes.axis_label(1e10), "10 GB");
    let (unit, _) = panel_lines(engine::catalog::find_metric("disk_available_bytes").unwrap());
    assert_eq!(unit, Quantity::Bytes);
}

#[test]
fn every_declared_metric_becomes_valid_panel_queries() {
    let specs = catalog::scenarios()
        .iter()
        .flat_map(|s| s.metrics.iter())
        .chain(catalog::mitigations().iter().flat_map(|m| m.metrics.iter()));
    let mut n = 0;
    for spec in specs {
        let (_, lines) = panel_lines(spec);
        let want = match spec.kind {
            MetricKind::Histogram => 3,
            _ => 1,
        };
        assert_eq!(lines.len(), want, "{}", spec.name);
        for line in lines {
            let q = Query::parse(&line.expr).unwrap_or_else(|e| panic!("{}: {e}", line.expr));
            q.validate()
                .unwrap_or_else(|e| panic!("{}: {e}", line.expr));
            assert_eq!(q.metric_names(), vec![spec.name.to_string()]);
            n += 1;
        }
    }
    assert!(n > 20, "only {n} panel lines");
}

/// The latency heatmap shows the two modes percentiles blur: with the resolver failing,
/// most orders are fast and the failed ones sit at the 5 s resolver timeout.
#[test]
fn a_heatmap_counts_every_request_and_shows_both_modes() {
    let mut cfg = engine::LabConfig::new("web");
    cfg.seed = 3;
    cfg.enable("dns-resolution-failure").unwrap();
    let mut lab = engine::Lab::new(&cfg).unwrap();
    lab.advance(200_000_000_000);
    let times: Vec<u64> = lab
        .series("throughput_rps")
        .unwrap()
        .iter()
        .map(|p| p.0)
        .filter(|t| *t > 0)
        .collect();
    assert!(times.len() > MAX_COLUMNS, "{} samples", times.len());
    let grid = HeatGrid::build(&lab, "http_request_duration_seconds", &times, MAX_COLUMNS);
    assert!(grid.counts.len() <= MAX_COLUMNS && grid.counts.len() >= MAX_COLUMNS / 2);
    // Every request answered by the last sample is in exactly one cell.
    let answered = Query::parse("sum(http_request_duration_seconds_count)")
        .unwrap()
        .eval_at(&lab, *times.last().unwrap());
    assert_eq!(grid.total() as f64, answered);
    let summary = grid.summary(Quantity::Seconds);
    assert!(summary.contains(" ms: "), "a fast mode: {summary}");
    assert!(
        summary.contains("; then 5 s – 10 s: "),
        "the resolver-timeout mode, apart from the fast one: {summary}"
    );
    assert_eq!(
        grid.row_label(0, Quantity::Seconds).starts_with("up to"),
        grid.first_row == 0
    );
}
