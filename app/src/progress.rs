//! The learner's tutorial progress: steps checked, quiz answers and scores, completion and
//! timestamps, per tutorial. Stored in the browser as one versioned JSON document
//! (`{"format":"sdl-progress","version":1,"tutorials":{…}}`).
//!
//! This module is pure (no web APIs): serialise, parse, migrate, validate, merge, and the
//! recovery plan for unreadable data. `crate::web` reads and writes localStorage with it.
//! Unreadable or unknown-version data never breaks the page: the caller keeps the raw copy
//! aside under `sdl-progress-corrupt-<n>`, tells the learner, and starts fresh.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// The `format` field of a progress document.
pub const FORMAT: &str = "sdl-progress";
/// The version this build writes. Older versions are migrated up on load.
pub const VERSION: u64 = 1;
/// The localStorage key progress lives under.
pub const STORAGE_KEY: &str = "sdl-progress";
/// Unreadable progress is kept under this prefix followed by 1, 2, ….
pub const CORRUPT_KEY_PREFIX: &str = "sdl-progress-corrupt-";
/// Bounds that keep a hand-edited or damaged document from growing without limit.
pub const MAX_TUTORIALS: usize = 500;
pub const MAX_STEPS: u32 = 200;
pub const MAX_QUESTIONS: u32 = 100;
const MAX_ID_LEN: usize = 100;
/// An import file larger than this is refused before parsing.
pub const MAX_IMPORT_BYTES: usize = 1_000_000;

/// All of the learner's progress.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Progress {
    /// By tutorial id.
    #[serde(default)]
    pub tutorials: BTreeMap<String, TutorialProgress>,
}

/// One tutorial's progress. Steps and questions are 0-based indices.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TutorialProgress {
    /// Steps whose check passed.
    #[serde(default)]
    pub steps_done: BTreeSet<u32>,
    /// The step the learner was last on.
    #[serde(default)]
    pub current_step: u32,
    /// Quiz answers submitted, by question index.
    #[serde(default)]
    pub answers: BTreeMap<u32, QuizAnswer>,
    /// The score of the last submitted quiz.
    #[serde(default)]
    pub score: Option<Score>,
    #[serde(default)]
    pub completed: bool,
    /// Milliseconds since the Unix epoch (the browser's clock).
    #[serde(default)]
    pub started_ms: u64,
    #[serde(default)]
    pub updated_ms: u64,
    #[serde(default)]
    pub completed_ms: Option<u64>,
}

/// What the learner answered to one question and whether it was right.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuizAnswer {
    pub given: Given,
    pub correct: bool,
}

/// An answer: the chosen options (single or multiple choice) or a number.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Given {
    Choices(BTreeSet<u32>),
    Number(f64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Score {
    pub correct: u32,
    pub total: u32,
}

/// Why a progress document could not be used.
#[derive(Debug, Clone, PartialEq)]
pub enum ProgressError {
    TooLarge(usize),
    NotJson(String),
    NotProgress(String),
    NewerVersion(u64),
    BadVersion(String),
    Invalid(String),
}

impl fmt::Display for ProgressError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProgressError::TooLarge(n) => write!(
                f,
                "the file is {n} bytes; progress files are at most {MAX_IMPORT_BYTES} bytes"
            ),
            ProgressError::NotJson(e) => write!(f, "it is not valid JSON ({e})"),
            ProgressError::NotProgress(why) => write!(
                f,
                "it is not a Systems Design Lab progress file ({why}; expected \"format\": \"{FORMAT}\")"
            ),
            ProgressError::NewerVersion(v) => write!(
                f,
                "it was written by a newer version of the lab (progress version {v}; this page reads versions 1 to {VERSION})"
            ),
            ProgressError::BadVersion(why) => write!(
                f,
                "its \"version\" is {why}; allowed: a whole number from 1 to {VERSION}"
            ),
            ProgressError::Invalid(why) => write!(f, "{why}"),
        }
    }
}

impl std::error::Error for ProgressError {}

impl Progress {
    /// The document as stored and exported.
    pub fn to_json(&self) -> String {
        let doc = serde_json::json!({
            "format": FORMAT,
            "version": VERSION,
            "tutorials": self.tutorials,
        });
        serde_json::to_string_pretty(&doc).unwrap_or_default()
    }

    /// Reads a stored or imported document: checks it is progress, migrates older
    /// versions, and validates every field.
    pub fn parse(raw: &str) -> Result<Progress, ProgressError> {
        if raw.len() > MAX_IMPORT_BYTES {
            return Err(ProgressError::TooLarge(raw.len()));
        }
        let value: Value =
            serde_json::from_str(raw).map_err(|e| ProgressError::NotJson(e.to_string()))?;
        let Value::Object(mut doc) = value else {
            return Err(ProgressError::NotProgress(
                "the top level is not an object".into(),
            ));
        };
        match doc.get("format") {
            Some(Value::String(f)) if f == FORMAT => {}
            Some(Value::String(f)) => {
                return Err(ProgressError::NotProgress(format!("\"format\" is \"{f}\"")))
            }
            Some(_) => {
                return Err(ProgressError::NotProgress(
                    "\"format\" is not a string".into(),
                ))
            }
            None => return Err(ProgressError::NotProgress("it has no \"format\"".into())),
        }
        let version = match doc.get("version") {
            Some(Value::Number(n)) => match n.as_u64() {
                Some(v) if v >= 1 => v,
                _ => return Err(ProgressError::BadVersion(n.to_string())),
            },
            Some(other) => return Err(ProgressError::BadVersion(other.to_string())),
            None => return Err(ProgressError::BadVersion("missing".into())),
        };
        if version > VERSION {
            return Err(ProgressError::NewerVersion(version));
        }
        migrate(&mut doc, version)?;
        doc.remove("format");
        doc.remove("version");
        let progress: Progress = serde_json::from_value(Value::Object(doc))
            .map_err(|e| ProgressError::Invalid(format!("a field is malformed: {e}")))?;
        progress.validate()?;
        Ok(progress)
    }

    /// Checks the bounds serde cannot: ids, indices, scores, timestamps.
    pub fn validate(&self) -> Result<(), ProgressError> {
        if self.tutorials.len() > MAX_TUTORIALS {
            return Err(ProgressError::Invalid(format!(
                "it lists {} tutorials; at most {MAX_TUTORIALS} are allowed",
                self.tutorials.len()
            )));
        }
        for (id, t) in &self.tutorials {
            if !valid_id(id) {
                return Err(ProgressError::Invalid(format!(
                    "tutorial id \"{}\" is not allowed (lowercase letters, digits and '-', 1 to {MAX_ID_LEN} characters)",
                    id.chars().take(MAX_ID_LEN).collect::<String>()
                )));
            }
            let bad =
                |what: String| Err(ProgressError::Invalid(format!("tutorial \"{id}\": {what}")));
            if let Some(s) = t.steps_done.iter().find(|s| **s >= MAX_STEPS) {
                return bad(format!("step {s} is out of range (0 to {})", MAX_STEPS - 1));
            }
            if t.current_step >= MAX_STEPS {
                return bad(format!(
                    "current_step {} is out of range (0 to {})",
                    t.current_step,
                    MAX_STEPS - 1
                ));
            }
            if let Some(q) = t.answers.keys().find(|q| **q >= MAX_QUESTIONS) {
                return bad(format!(
                    "question {q} is out of range (0 to {})",
                    MAX_QUESTIONS - 1
                ));
            }
            for (q, a) in &t.answers {
                match &a.given {
                    Given::Number(x) if !x.is_finite() => {
                        return bad(format!("the answer to question {q} is not a finite number"))
                    }
                    Given::Choices(c) if c.iter().any(|o| *o >= MAX_QUESTIONS) => {
                        return bad(format!("an option chosen for question {q} is out of range"))
                    }
                    _ => {}
                }
            }
            if let Some(s) = t.score {
                if s.correct > s.total || s.total > MAX_QUESTIONS {
                    return bad(format!(
                        "score {}/{} is impossible (correct ≤ total ≤ {MAX_QUESTIONS})",
                        s.correct, s.total
                    ));
                }
            }
            if t.completed_ms.is_some() && !t.completed {
                return bad("completed_ms is set but completed is false".into());
            }
        }
        Ok(())
    }

    /// The progress of one tutorial, if any was recorded.
    pub fn get(&self, id: &str) -> Option<&TutorialProgress> {
        self.tutorials.get(id)
    }

    /// The progress of one tutorial, created (started at `now_ms`) if new.
    pub fn entry(&mut self, id: &str, now_ms: u64) -> &mut TutorialProgress {
        let t = self
            .tutorials
            .entry(id.to_string())
            .or_insert_with(|| TutorialProgress {
                started_ms: now_ms,
                ..TutorialProgress::default()
            });
        t.updated_ms = t.updated_ms.max(now_ms);
        t
    }

    /// Records a passed check of `step`.
    pub fn mark_step(&mut self, id: &str, step: u32, now_ms: u64) {
        if step < MAX_STEPS {
            self.entry(id, now_ms).steps_done.insert(step);
        }
    }

    /// Remembers the step the learner is on.
    pub fn set_current(&mut self, id: &str, step: u32, now_ms: u64) {
        if step < MAX_STEPS {
            self.entry(id, now_ms).current_step = step;
        }
    }

    /// Records a submitted quiz of `question_count` questions (unanswered ones count as
    /// wrong) and its score; a tutorial whose every step passed and whose quiz was
    /// submitted is complete.
    pub fn record_quiz(
        &mut self,
        id: &str,
        answers: BTreeMap<u32, QuizAnswer>,
        question_count: u32,
        step_count: u32,
        now_ms: u64,
    ) {
        let answers: BTreeMap<u32, QuizAnswer> = engine::order::to_map(
            answers
                .into_iter()
                .filter(|(q, _)| *q < question_count.min(MAX_QUESTIONS)),
        );
        let total = question_count.min(MAX_QUESTIONS);
        let correct = answers.values().filter(|a| a.correct).count() as u32;
        let t = self.entry(id, now_ms);
        t.answers = answers;
        t.score = Some(Score {
            correct: correct.min(total),
            total,
        });
        if (0..step_count).all(|s| t.steps_done.contains(&s)) && !t.completed {
            t.completed = true;
            t.completed_ms = Some(now_ms);
        }
    }

    /// Adds `other` (an import) to this progress: for a tutorial in both, the entry
    /// updated last wins. Returns how many tutorials were taken from `other`.
    pub fn merge(&mut self, other: Progress) -> usize {
        let mut taken = 0;
        for (id, theirs) in other.tutorials {
            let take = self
                .tutorials
                .get(&id)
                .is_none_or(|ours| theirs.updated_ms > ours.updated_ms);
            if take && (self.tutorials.contains_key(&id) || self.tutorials.len() < MAX_TUTORIALS) {
                self.tutorials.insert(id, theirs);
                taken += 1;
            }
        }
        taken
    }
}

impl TutorialProgress {
    /// Steps passed out of `step_count` (ignoring recorded steps the tutorial no longer has).
    pub fn steps_passed(&self, step_count: u32) -> u32 {
        self.steps_done.iter().filter(|s| **s < step_count).count() as u32
    }
}

/// Brings a document of `version` up to `VERSION`, one version at a time. Version 1 is
/// the first format, so there is nothing to do yet; a version 2 adds its step here.
fn migrate(doc: &mut serde_json::Map<String, Value>, version: u64) -> Result<(), ProgressError> {
    match version {
        1 => Ok(()),
        v => Err(ProgressError::BadVersion(format!(
            "{v} (no migration from it; {} fields found)",
            doc.len()
        ))),
    }
}

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_ID_LEN
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

/// What to do with what was found under `STORAGE_KEY` at page load.
#[derive(Debug, Clone, PartialEq)]
pub enum Loaded {
    /// Nothing stored yet.
    Fresh,
    Ok(Progress),
    /// Unreadable: keep `raw` under `aside_key`, start fresh, tell the learner `message`.
    Corrupt {
        raw: String,
        aside_key: String,
        message: String,
    },
}

/// Decides what to do with the stored document. `taken(key)` says whether a storage key
/// is already in use, so an earlier corrupt copy is never overwritten.
pub fn load(stored: Option<&str>, taken: &dyn Fn(&str) -> bool) -> Loaded {
    let Some(raw) = stored else {
        return Loaded::Fresh;
    };
    match Progress::parse(raw) {
        Ok(p) => Loaded::Ok(p),
        Err(e) => {
            let aside_key = aside_key(taken);
            let message = format!(
                "Your saved tutorial progress could not be read: {e}. A copy was kept in this \
                 browser's storage under \"{aside_key}\", and progress starts afresh."
            );
            Loaded::Corrupt {
                raw: raw.to_string(),
                aside_key,
                message,
            }
        }
    }
}

/// The first `sdl-progress-corrupt-<n>` key not in use.
pub fn aside_key(taken: &dyn Fn(&str) -> bool) -> String {
    (1u32..)
        .map(|n| format!("{CORRUPT_KEY_PREFIX}{n}"))
        .find(|k| !taken(k))
        .unwrap_or_else(|| format!("{CORRUPT_KEY_PREFIX}0"))
}
