//! The page's parts, one component per file.

pub mod alerts;
pub mod chart;
pub mod dashboard;
pub mod panels;
pub mod param_field;
pub mod run_controls;
pub mod shortcuts;
pub mod switch_panel;
pub mod system_params;
