//! The page's parts, one component per file.

pub mod catalog;
pub mod chart;
pub mod compare;
pub mod dashboard;
pub mod embed_button;
pub mod embed_lab;
pub mod export;
pub mod param_field;
pub mod run_controls;
pub mod share;
pub mod switch_panel;
pub mod system_params;
