//! The page's parts, one component per file.

pub mod alerts;
pub mod catalog;
pub mod chart;
pub mod compare;
pub mod console;
pub mod dashboard;
pub mod embed_button;
pub mod embed_lab;
pub mod export;
pub mod focus;
pub mod integrity;
pub mod logs;
pub mod panels;
pub mod param_field;
pub mod quiz;
pub mod run_controls;
pub mod share;
pub mod shortcuts;
pub mod switch_panel;
pub mod system_params;
pub mod topology;
pub mod traces;
pub mod tutorial;
pub mod tutorial_index;
pub mod tutorial_panel;
