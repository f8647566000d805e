//! The page's parts, one component per file.

pub mod alerts;
pub mod catalog;
pub mod chart;
pub mod compare;
pub mod dashboard;
pub mod export;
pub mod panels;
pub mod param_field;
pub mod run_controls;
pub mod share;
pub mod shortcuts;
pub mod switch_panel;
pub mod system_params;
