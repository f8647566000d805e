//! Numbers on the dashboard read as people expect.

use sdl_host::format::{nice_ceiling, virtual_time, Quantity};

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

#[test]
fn values_carry_readable_units() {
    assert_eq!(Quantity::Seconds.format(0.0123), "12.3 ms");
    assert_eq!(Quantity::Seconds.format(1.5), "1.5 s");
    assert_eq!(Quantity::Ratio.format(0.25), "25 %");
    assert_eq!(Quantity::Rate.format(199.64), "200 req/s");
    assert_eq!(Quantity::Count.format(3.0), "3");
    assert_eq!(virtual_time(61_500_000_000), "1 min 1 s");
    assert_eq!(virtual_time(12_340_000_000), "12.3 s");
}

#[test]
fn chart_scales_end_on_round_numbers() {
    assert_eq!(nice_ceiling(0.0), 1.0);
    assert_eq!(nice_ceiling(3.2), 5.0);
    assert_eq!(nice_ceiling(100.0), 100.0);
    assert_eq!(nice_ceiling(120.0), 200.0);
    assert_eq!(Quantity::Seconds.axis_label(50.0), "50 ms");
}
