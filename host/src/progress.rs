//! The learner's tutorial progress: steps checked, quiz answers and scores, completion and
//! timestamps, per tutorial. Stored in the browser as one versioned JSON document
//! (`{"format":"sdl-progress","version":1,"tutorials":{…}}`).
//!
//! This module is pure (no web APIs): serialise, parse, migrate, validate, merge, and the
//! recovery plan for unreadable data. `crate::web` reads and writes localStorage with it.
//! Unreadable or unknown-version data never breaks the page: the caller keeps the raw copy
//! aside under `sdl-progress-corrupt-<n>`, tells the learner, and starts fresh.

use engine::json::{self, object_sorted, optional, Fields, Value};
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
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Progress {
    /// By tutorial id.
    pub tutorials: BTreeMap<String, TutorialProgress>,
}

/// One tutorial's progress. Steps and questions are 0-based indices. Every field may be
/// left out of a document (its default).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TutorialProgress {
    /// Steps whose check passed.
    pub steps_done: BTreeSet<u32>,
    /// The step the learner was last on.
    pub current_step: u32,
    /// Quiz answers submitted, by question index.
    pub answers: BTreeMap<u32, QuizAnswer>,
    /// The score of the last submitted quiz.
    pub score: Option<Score>,
    pub completed: bool,
    /// Milliseconds since the Unix epoch (the browser's clock).
    pub started_ms: u64,
    pub updated_ms: u64,
    pub completed_ms: Option<u64>,
}

/// What the learner answered to one question and whether it was right.
#[derive(Debug, Clone, PartialEq)]
pub struct QuizAnswer {
    pub given: Given,
    pub correct: bool,
}

/// An answer: the chosen options (single or multiple choice) or a number; in JSON
/// `{"choices": [1, 2]}` or `{"number": 0.75}`.
#[derive(Debug, Clone, PartialEq)]
pub enum Given {
    Choices(BTreeSet<u32>),
    Number(f64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
        self.document().to_pretty()
    }

    /// The same document without white space: what goes where space is short (an LMS's
    /// suspend data).
    pub fn to_compact_json(&self) -> String {
        self.document().to_compact()
    }

    fn document(&self) -> Value {
        let tutorials = self
            .tutorials
            .iter()
            .map(|(id, t)| (id.clone(), t.to_value()))
            .collect();
        object_sorted(vec![
            ("format".into(), Value::from(FORMAT)),
            ("version".into(), Value::from(VERSION)),
            ("tutorials".into(), Value::Object(tutorials)),
        ])
    }

    /// Reads a stored or imported document: checks it is progress, migrates older
    /// versions, and validates every field.
    pub fn parse(raw: &str) -> Result<Progress, ProgressError> {
        if raw.len() > MAX_IMPORT_BYTES {
            return Err(ProgressError::TooLarge(raw.len()));
        }
        let value = json::parse(raw).map_err(|e| ProgressError::NotJson(e.to_string()))?;
        // One rule with lab configurations: a key given twice is refused, not read once.
        json::no_duplicate_keys(&value)
            .map_err(|e| ProgressError::Invalid(format!("a field is malformed: {e}")))?;
        let Value::Object(mut doc) = value else {
            return Err(ProgressError::NotProgress(
                "the top level is not an object".into(),
            ));
        };
        fn get<'a>(doc: &'a [(String, Value)], key: &str) -> Option<&'a Value> {
            doc.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v)
        }
        match get(&doc, "format") {
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
        let version = match get(&doc, "version") {
            Some(Value::Number(json::Number::Unsigned(v))) if *v >= 1 => *v,
            Some(other) => return Err(ProgressError::BadVersion(other.to_string())),
            None => return Err(ProgressError::BadVersion("missing".into())),
        };
        if version > VERSION {
            return Err(ProgressError::NewerVersion(version));
        }
        migrate(&mut doc, version)?;
        doc.retain(|(k, _)| k != "format" && k != "version");
        let progress = Progress::from_value(&Value::Object(doc))
            .map_err(|e| ProgressError::Invalid(format!("a field is malformed: {e}")))?;
        progress.validate()?;
        Ok(progress)
    }

    /// Reads the document's fields (`format` and `version` taken out): unknown fields
    /// are refused (a key given twice was refused by `parse`).
    fn from_value(doc: &Value) -> Result<Progress, String> {
        let f = Fields::of(doc, &["tutorials"])?;
        let tutorials = f.read_or("tutorials", BTreeMap::new(), |v| {
            let mut map = BTreeMap::new();
            for (id, t) in v.as_object()? {
                let t = TutorialProgress::from_value(t).map_err(|e| json::in_field(id, e))?;
                map.insert(id.clone(), t);
            }
            Ok(map)
        })?;
        Ok(Progress { tutorials })
    }

    /// Checks the bounds the types cannot: ids, indices, scores, timestamps.
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
                    "tutorial id \"{}\" is not allowed (lowercase letters, digits, '-' and '_', 1 to {MAX_ID_LEN} characters)",
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

/// The fields of a tutorial's progress, in the order they are written.
const TUTORIAL_FIELDS: [&str; 8] = [
    "answers",
    "completed",
    "completed_ms",
    "current_step",
    "score",
    "started_ms",
    "steps_done",
    "updated_ms",
];

impl TutorialProgress {
    fn to_value(&self) -> Value {
        let indices =
            |set: &BTreeSet<u32>| Value::Array(set.iter().map(|i| Value::from(*i)).collect());
        let answers = self
            .answers
            .iter()
            .map(|(q, a)| {
                let given = match &a.given {
                    Given::Choices(c) => ("choices".to_string(), indices(c)),
                    Given::Number(x) => ("number".to_string(), Value::from(*x)),
                };
                let answer = Value::Object(vec![
                    ("correct".into(), Value::from(a.correct)),
                    ("given".into(), Value::Object(vec![given])),
                ]);
                (q.to_string(), answer)
            })
            .collect();
        let score = self.score.map(|s| {
            Value::Object(vec![
                ("correct".into(), Value::from(s.correct)),
                ("total".into(), Value::from(s.total)),
            ])
        });
        Value::Object(vec![
            ("answers".into(), object_sorted(answers)),
            ("completed".into(), Value::from(self.completed)),
            ("completed_ms".into(), Value::from(self.completed_ms)),
            ("current_step".into(), Value::from(self.current_step)),
            ("score".into(), score.unwrap_or(Value::Null)),
            ("started_ms".into(), Value::from(self.started_ms)),
            ("steps_done".into(), indices(&self.steps_done)),
            ("updated_ms".into(), Value::from(self.updated_ms)),
        ])
    }

    fn from_value(v: &Value) -> Result<TutorialProgress, String> {
        let f = Fields::of(v, &TUTORIAL_FIELDS)?;
        Ok(TutorialProgress {
            steps_done: f.read_or("steps_done", BTreeSet::new(), read_indices)?,
            current_step: f.read_or("current_step", 0, Value::as_u32)?,
            answers: f.read_or("answers", BTreeMap::new(), read_answers)?,
            score: f.read_or("score", None, |v| optional(v, read_score))?,
            completed: f.read_or("completed", false, Value::as_bool)?,
            started_ms: f.read_or("started_ms", 0, Value::as_u64)?,
            updated_ms: f.read_or("updated_ms", 0, Value::as_u64)?,
            completed_ms: f.read_or("completed_ms", None, |v| optional(v, Value::as_u64))?,
        })
    }

    /// Steps passed out of `step_count` (ignoring recorded steps the tutorial no longer has).
    pub fn steps_passed(&self, step_count: u32) -> u32 {
        self.steps_done.iter().filter(|s| **s < step_count).count() as u32
    }
}

/// Brings a document of `version` up to `VERSION`, one version at a time. Version 1 is
/// the first format, so there is nothing to do yet; a version 2 adds its step here.
// A `Vec`, not a slice: a migration adds, renames and removes fields.
#[allow(clippy::ptr_arg)]
fn migrate(doc: &mut Vec<(String, Value)>, version: u64) -> Result<(), ProgressError> {
    match version {
        1 => Ok(()),
        v => Err(ProgressError::BadVersion(format!(
            "{v} (no migration from it; {} fields found)",
            doc.len()
        ))),
    }
}

/// An array of whole numbers (steps, options) as a set.
fn read_indices(v: &Value) -> Result<BTreeSet<u32>, String> {
    let mut set = BTreeSet::new();
    for (i, item) in v.as_array()?.iter().enumerate() {
        set.insert(item.as_u32().map_err(|e| format!("[{i}]: {e}"))?);
    }
    Ok(set)
}

/// Answers by question: the keys are whole numbers written as text (`"0"`, `"12"`).
fn read_answers(v: &Value) -> Result<BTreeMap<u32, QuizAnswer>, String> {
    let mut answers = BTreeMap::new();
    for (key, a) in v.as_object()? {
        let canonical = !key.is_empty()
            && key.bytes().all(|b| b.is_ascii_digit())
            && (key.len() == 1 || !key.starts_with('0'));
        let q = key
            .parse::<u32>()
            .ok()
            .filter(|_| canonical)
            .ok_or_else(|| {
                format!(
                    "invalid question `{key}`: expected a whole number from 0 to {}",
                    u32::MAX
                )
            })?;
        let read = || -> Result<QuizAnswer, String> {
            let f = Fields::of(a, &["correct", "given"])?;
            Ok(QuizAnswer {
                given: f.read("given", read_given)?,
                correct: f.read("correct", Value::as_bool)?,
            })
        };
        answers.insert(q, read().map_err(|e| json::in_field(key, e))?);
    }
    Ok(answers)
}

/// `{"choices": [...]}` or `{"number": x}`.
fn read_given(v: &Value) -> Result<Given, String> {
    let members = v.as_object()?;
    let Some((variant, value)) = members.last() else {
        return Err("expected `choices` or `number`, found an empty map".into());
    };
    if members.iter().any(|(k, _)| k != variant) {
        return Err("expected a map with a single key, `choices` or `number`".into());
    }
    match variant.as_str() {
        "choices" => read_indices(value).map(Given::Choices),
        "number" => value.as_f64().map(Given::Number),
        other => Err(format!(
            "unknown variant `{other}`, expected `choices` or `number`"
        )),
    }
    .map_err(|e| json::in_field(variant, e))
}

fn read_score(v: &Value) -> Result<Score, String> {
    let f = Fields::of(v, &["correct", "total"])?;
    Ok(Score {
        correct: f.read("correct", Value::as_u32)?,
        total: f.read("total", Value::as_u32)?,
    })
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
