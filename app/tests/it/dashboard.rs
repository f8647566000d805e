//! The dashboard's time ranges (panel units and expressions, and the heatmap's grid, are
//! the engine host's: host/tests/it/panels.rs).

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
