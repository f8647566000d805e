//! The page's parts, one component per file.

pub mod chart;
pub mod console;
pub mod dashboard;
pub mod logs;
pub mod param_field;
pub mod run_controls;
pub mod switch_panel;
pub mod system_params;
pub mod topology;
pub mod traces;
