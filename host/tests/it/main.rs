//! The engine host's tests, one binary (`tests/it`), native: `engine_host` the engine as
//! the page talks to it (messages, stepping, answers), `panels` what the page's panels
//! and heatmap are given to draw, `format` how numbers read, `deps` that nothing
//! browser-side is among the crate's dependencies.

mod deps;
mod engine_host;
mod format;
mod panels;
