//! `ContentError`: a problem in a tutorial file, located by file, tutorial id, step
//! number and field, with a message saying what is wrong and what is allowed.

use std::fmt;

/// A problem in content. `Display` reads like
/// `content/tutorials/latency/01-baseline.toml: tutorial `baseline`, step 2, field `expect.conditions[0]`: …`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ContentError {
    /// File relative to `content/` (empty when not known, e.g. a step checked alone).
    pub file: String,
    pub tutorial: Option<String>,
    /// 1-based step number.
    pub step: Option<usize>,
    /// Field path within the tutorial or step (`quiz[2].choices`, `action.params.workers`).
    pub field: String,
    pub message: String,
}

impl ContentError {
    pub fn new(file: &str, field: impl Into<String>, message: impl Into<String>) -> Self {
        ContentError {
            file: file.to_string(),
            tutorial: None,
            step: None,
            field: field.into(),
            message: message.into(),
        }
    }

    pub fn in_tutorial(mut self, id: &str) -> Self {
        self.tutorial = Some(id.to_string());
        self
    }

    pub fn at_step(mut self, number: usize) -> Self {
        self.step = Some(number);
        self
    }
}

impl fmt::Display for ContentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if !self.file.is_empty() {
            parts.push(self.file.clone());
        }
        let mut place = Vec::new();
        if let Some(t) = &self.tutorial {
            place.push(format!("tutorial `{t}`"));
        }
        if let Some(s) = self.step {
            place.push(format!("step {s}"));
        }
        if !self.field.is_empty() {
            place.push(format!("field `{}`", self.field));
        }
        if !place.is_empty() {
            parts.push(place.join(", "));
        }
        parts.push(self.message.clone());
        f.write_str(&parts.join(": "))
    }
}

impl std::error::Error for ContentError {}
