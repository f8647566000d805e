//! The tutorial files as written: what `series.toml` and each tutorial TOML hold, before
//! validation. `build.rs` parses the files into these (natively, with `toml`) and embeds
//! them in the compact form of `codec`, so the browser bundle carries no TOML parser and
//! no code per value; `load` validates them into the public types.

use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(
    not(target_arch = "wasm32"),
    derive(serde::Deserialize),
    serde(deny_unknown_fields)
)]
pub struct RawSeriesFile {
    pub series: Vec<RawSeries>,
}

#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(
    not(target_arch = "wasm32"),
    derive(serde::Deserialize),
    serde(deny_unknown_fields)
)]
pub struct RawSeries {
    pub id: String,
    pub title: String,
    pub summary: String,
    pub order: u32,
}

#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(
    not(target_arch = "wasm32"),
    derive(serde::Deserialize),
    serde(deny_unknown_fields)
)]
pub struct RawTutorial {
    pub id: String,
    pub series: String,
    pub title: String,
    pub objectives: Vec<String>,
    #[cfg_attr(not(target_arch = "wasm32"), serde(default))]
    pub prerequisites: Vec<String>,
    pub minutes: u32,
    pub difficulty: Option<String>,
    #[cfg_attr(not(target_arch = "wasm32"), serde(default))]
    pub assumes: Vec<String>,
    pub instructor_notes: Option<String>,
    #[cfg_attr(not(target_arch = "wasm32"), serde(default))]
    pub lab: RawLab,
    pub steps: Vec<RawStep>,
    #[cfg_attr(not(target_arch = "wasm32"), serde(default))]
    pub code: Vec<RawCode>,
    #[cfg_attr(not(target_arch = "wasm32"), serde(default))]
    pub exercises: Vec<RawExercise>,
    #[cfg_attr(not(target_arch = "wasm32"), serde(default))]
    pub quiz: Vec<RawQuestion>,
    #[cfg_attr(not(target_arch = "wasm32"), serde(default))]
    pub reading: Vec<RawReading>,
}

/// Defaults for every step's action.
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(
    not(target_arch = "wasm32"),
    derive(serde::Deserialize),
    serde(deny_unknown_fields)
)]
pub struct RawLab {
    pub system: Option<String>,
    pub seed: Option<u64>,
    pub speed: Option<f64>,
    #[cfg_attr(not(target_arch = "wasm32"), serde(default))]
    pub params: BTreeMap<String, RawParam>,
}

#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(
    not(target_arch = "wasm32"),
    derive(serde::Deserialize),
    serde(untagged)
)]
pub enum RawParam {
    Bool(bool),
    Int(i64),
    Float(f64),
    Text(String),
}

impl RawParam {
    pub fn to_raw(&self) -> String {
        match self {
            RawParam::Bool(b) => b.to_string(),
            RawParam::Int(i) => i.to_string(),
            RawParam::Float(f) => f.to_string(),
            RawParam::Text(s) => s.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(
    not(target_arch = "wasm32"),
    derive(serde::Deserialize),
    serde(deny_unknown_fields)
)]
pub struct RawStep {
    pub title: String,
    pub kind: String,
    pub text: String,
    pub action: RawAction,
    pub expect: RawExpect,
    #[cfg_attr(not(target_arch = "wasm32"), serde(default))]
    pub hints: Vec<String>,
    pub diagnosis: Option<RawDiagnosis>,
    #[cfg_attr(not(target_arch = "wasm32"), serde(default))]
    pub wrong: Vec<RawWrong>,
}

#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(
    not(target_arch = "wasm32"),
    derive(serde::Deserialize),
    serde(deny_unknown_fields)
)]
pub struct RawDiagnosis {
    pub component: String,
    pub kind: String,
}

#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(
    not(target_arch = "wasm32"),
    derive(serde::Deserialize),
    serde(deny_unknown_fields)
)]
pub struct RawWrong {
    #[cfg_attr(not(target_arch = "wasm32"), serde(default))]
    pub mitigations: Vec<String>,
    #[cfg_attr(not(target_arch = "wasm32"), serde(default))]
    pub params: BTreeMap<String, RawParam>,
    pub feedback: String,
}

#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(
    not(target_arch = "wasm32"),
    derive(serde::Deserialize),
    serde(deny_unknown_fields)
)]
pub struct RawAction {
    pub system: Option<String>,
    pub seed: Option<u64>,
    pub speed: Option<f64>,
    #[cfg_attr(not(target_arch = "wasm32"), serde(default))]
    pub scenarios: Vec<String>,
    #[cfg_attr(not(target_arch = "wasm32"), serde(default))]
    pub mitigations: Vec<String>,
    #[cfg_attr(not(target_arch = "wasm32"), serde(default))]
    pub params: BTreeMap<String, RawParam>,
    pub run_for_s: f64,
}

#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(
    not(target_arch = "wasm32"),
    derive(serde::Deserialize),
    serde(deny_unknown_fields)
)]
pub struct RawExpect {
    pub conditions: Vec<String>,
    pub within_s: Option<f64>,
    #[cfg_attr(not(target_arch = "wasm32"), serde(default))]
    pub at_end: bool,
}

#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(
    not(target_arch = "wasm32"),
    derive(serde::Deserialize),
    serde(deny_unknown_fields)
)]
pub struct RawCode {
    pub language: String,
    pub title: String,
    pub source: String,
}

#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(
    not(target_arch = "wasm32"),
    derive(serde::Deserialize),
    serde(deny_unknown_fields)
)]
pub struct RawExercise {
    pub prompt: String,
    pub solution: String,
}

#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(
    not(target_arch = "wasm32"),
    derive(serde::Deserialize),
    serde(deny_unknown_fields)
)]
pub struct RawQuestion {
    pub kind: String,
    pub prompt: String,
    #[cfg_attr(not(target_arch = "wasm32"), serde(default))]
    pub choices: Vec<RawChoice>,
    pub value: Option<f64>,
    pub tolerance: Option<f64>,
    #[cfg_attr(not(target_arch = "wasm32"), serde(default))]
    pub unit: String,
    pub explanation: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(
    not(target_arch = "wasm32"),
    derive(serde::Deserialize),
    serde(deny_unknown_fields)
)]
pub struct RawChoice {
    pub text: String,
    #[cfg_attr(not(target_arch = "wasm32"), serde(default))]
    pub correct: bool,
    pub explanation: String,
}

#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(
    not(target_arch = "wasm32"),
    derive(serde::Deserialize),
    serde(deny_unknown_fields)
)]
pub struct RawReading {
    pub title: String,
    pub url: String,
}
