//! The dashboard's building blocks: time ranges, units of scenario panels, and that every
//! panel expression the catalogue can produce is one `engine::query` accepts.

use engine::catalog;
use engine::metrics::MetricKind;
use engine::query::Query;
use sdl_app::components::panels::panel_lines;
use sdl_app::format::Quantity;
use sdl_app::sim::TimeRange;
use wasm_bindgen_test::wasm_bindgen_test;

#[wasm_bindgen_test]
fn time_ranges_cycle_and_span() {
    let mut r = TimeRange::OneMinute;
    let mut seen = vec![];
    for _ in 0..4 {
        seen.push((r.value(), r.span_ns()));
        r = r.next();
    }
    assert_eq!(r, TimeRange::OneMinute, "t wraps round");
    assert_eq!(
        seen,
        vec![
            ("1m", Some(60_000_000_000)),
            ("5m", Some(300_000_000_000)),
            ("15m", Some(900_000_000_000)),
            ("all", None),
        ]
    );
    assert_eq!(TimeRange::parse("15m"), Some(TimeRange::FifteenMinutes));
    assert_eq!(TimeRange::parse("2h"), None);
}

#[wasm_bindgen_test]
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

#[wasm_bindgen_test]
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
