//! Benchmark driver (see bench/README.md).
fn main() {}
