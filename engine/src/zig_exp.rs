//! The exponential ziggurat's layers (Marsaglia & Tsang, 2000), computed with `libm` so
//! they are the same bits on every target. `build.rs` uses this module (`#[path]`) to
//! write the tables as constants for `dist.rs`, and a test of `dist.rs` runs it again on
//! the target to check them. Only `libm`, so the build script can compile it.

/// Where the tail begins.
pub const R: f64 = 7.697_117_470_131_05;
/// Each layer's area.
pub const V: f64 = 0.003_949_659_822_581_557;

/// Layer edges `x` (decreasing, `x[256] = 0`) and `f[i] = exp(-x[i])`.
#[cfg_attr(not(test), allow(dead_code))] // build.rs and dist.rs's test
pub fn tables() -> ([f64; 257], [f64; 257]) {
    let mut x = [0.0; 257];
    x[0] = V / libm::exp(-R);
    x[1] = R;
    for i in 1..256 {
        let next = -libm::log(libm::exp(-x[i]) + V / x[i]);
        x[i + 1] = if i == 255 { 0.0 } else { next.max(0.0) };
    }
    let f = x.map(|xi| libm::exp(-xi));
    (x, f)
}
