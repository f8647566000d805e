//! The tutorial types the UI and the tests use: a series, a tutorial, its steps (text, lab
//! action, expected outcome), code examples, exercises, quiz and reading. All fields are
//! public and already validated by the loader (`crate::load`).

use crate::error::ContentError;
use engine::run::{Input, RunSpec, SwitchKind};
use engine::LabConfig;
use std::fmt;

/// A series of tutorials (`content/series.toml`).
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub id: String,
    pub title: String,
    pub summary: String,
    /// Position in the index (ascending).
    pub order: u32,
}

/// How hard a tutorial is.
pub const DIFFICULTIES: [&str; 3] = ["intro", "intermediate", "advanced"];

/// One tutorial (`content/tutorials/<series>/<nn>-<id>.toml`).
#[derive(Debug, Clone, PartialEq)]
pub struct Tutorial {
    pub id: String,
    /// Id of its `Series`.
    pub series: String,
    /// Position in the series (the `nn` of the file name, from 1).
    pub number: u32,
    pub title: String,
    pub objectives: Vec<String>,
    /// Ids of tutorials to do first.
    pub prerequisites: Vec<String>,
    /// Estimated time to complete.
    pub minutes: u32,
    /// `intro`, `intermediate` or `advanced` (empty where the file does not say).
    pub difficulty: String,
    /// The background it assumes, one item each (what a learner should already know).
    pub assumes: Vec<String>,
    /// Notes for instructors: what learners get wrong, how to discuss it. Markdown;
    /// kept out of the learner's view by default.
    pub instructor_notes: String,
    pub steps: Vec<Step>,
    pub code: Vec<CodeExample>,
    pub exercises: Vec<Exercise>,
    pub quiz: Vec<Question>,
    pub reading: Vec<Reading>,
    /// Source file, relative to `content/`.
    pub file: String,
}

impl Tutorial {
    /// Step `number` (1-based), if there is one.
    pub fn step(&self, number: usize) -> Option<&Step> {
        number.checked_sub(1).and_then(|i| self.steps.get(i))
    }

    /// The tutorial's prose, in one fixed order: its objectives, each step's text and
    /// hints, each code example's title and source, each exercise's prompt and solution,
    /// each question's prompt, choices (text, explanation) and explanation, and each
    /// further reading's title and address: what only an open tutorial shows. The
    /// browser build leaves it out of the wasm and loads it when a tutorial first opens
    /// (`build.rs`, `crate::provide_prose`); both ends walk the fields through this one
    /// function. The index (titles, series, minutes, prerequisites) and what the step
    /// checker needs (steps' titles, kinds, actions and expectations) stay.
    pub fn prose_mut(&mut self) -> Vec<&mut String> {
        let mut out: Vec<&mut String> = self.objectives.iter_mut().collect();
        out.extend(self.assumes.iter_mut());
        out.push(&mut self.instructor_notes);
        for s in &mut self.steps {
            out.push(&mut s.text);
            out.extend(s.hints.iter_mut());
            out.extend(s.wrong.iter_mut().map(|w| &mut w.feedback));
        }
        for c in &mut self.code {
            out.push(&mut c.title);
            out.push(&mut c.source);
        }
        for e in &mut self.exercises {
            out.push(&mut e.prompt);
            out.push(&mut e.solution);
        }
        for q in &mut self.quiz {
            out.push(&mut q.prompt);
            match &mut q.answer {
                Answer::Single(choices) | Answer::Multiple(choices) => {
                    for c in choices {
                        out.push(&mut c.text);
                        out.push(&mut c.explanation);
                    }
                }
                Answer::Numeric { explanation, .. } => out.push(explanation),
            }
        }
        for r in &mut self.reading {
            out.push(&mut r.title);
            out.push(&mut r.url);
        }
        out
    }
}

/// What a step asks the learner to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepKind {
    /// Look at the system as it is.
    Observe,
    /// Switch a failure on.
    Inject,
    /// Find the cause in metrics, logs or traces.
    Diagnose,
    /// Switch a mitigation on; its expectation does not hold without it.
    Mitigate,
    /// Confirm the fix under other conditions.
    Verify,
}

impl StepKind {
    pub const ALL: [StepKind; 5] = [
        StepKind::Observe,
        StepKind::Inject,
        StepKind::Diagnose,
        StepKind::Mitigate,
        StepKind::Verify,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            StepKind::Observe => "observe",
            StepKind::Inject => "inject",
            StepKind::Diagnose => "diagnose",
            StepKind::Mitigate => "mitigate",
            StepKind::Verify => "verify",
        }
    }

    pub fn parse(raw: &str) -> Option<StepKind> {
        StepKind::ALL.into_iter().find(|k| k.as_str() == raw)
    }
}

impl fmt::Display for StepKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One step of a tutorial.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// 1-based position in the tutorial.
    pub number: usize,
    pub title: String,
    pub kind: StepKind,
    /// Markdown. Render it as text (never as raw HTML).
    pub text: String,
    pub action: Action,
    pub expect: Expect,
    pub hints: Vec<String>,
    /// A diagnose step's answer, named blind by the learner: the component and the kind
    /// of fault (`engine::strike::Component` and `engine::scenario::FaultKind` names).
    pub diagnosis: Option<Diagnosis>,
    /// Choices a learner could make here that must not pass the check (each replayed by
    /// the native tests), with what to tell a learner who makes one.
    pub wrong: Vec<WrongChoice>,
}

/// The fault a diagnose step's learner must name.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnosis {
    pub component: String,
    pub kind: String,
}

/// A plausible wrong choice: the step's lab with these mitigations instead of its own
/// and these parameters on top.
#[derive(Debug, Clone, PartialEq)]
pub struct WrongChoice {
    pub mitigations: Vec<String>,
    pub params: Vec<(String, String)>,
    /// Why it does not work: shown to a learner whose lab has these mitigations on.
    pub feedback: String,
}

impl Step {
    /// The lab this step runs: replaces `config` with it (system, seed, scenarios,
    /// mitigations, parameters). On error `config` is left as it was.
    pub fn apply_to(&self, config: &mut LabConfig) -> Result<(), ContentError> {
        *config = self.lab_config()?;
        Ok(())
    }

    /// The lab this step runs.
    pub fn lab_config(&self) -> Result<LabConfig, ContentError> {
        self.action
            .lab_config(true)
            .map_err(|(field, e)| ContentError::new("", field, e.to_string()).at_step(self.number))
    }

    /// The lab of a wrong choice: the step's, with the choice's mitigations instead of
    /// its own and its parameters on top.
    pub fn lab_config_of(&self, wrong: &WrongChoice) -> Result<LabConfig, ContentError> {
        let mut action = self.action.clone();
        let mine = |key: &str| {
            key.split_once('.')
                .is_some_and(|(sw, _)| action.mitigations.iter().any(|m| m == sw))
        };
        action.params.retain(|(k, _)| !mine(k));
        action.mitigations = wrong.mitigations.clone();
        for (k, v) in &wrong.params {
            action.params.retain(|(key, _)| key != k);
            action.params.push((k.clone(), v.clone()));
        }
        action
            .lab_config(true)
            .map_err(|(field, e)| ContentError::new("", field, e.to_string()).at_step(self.number))
    }

    /// The same lab with the step's scenarios off (what an "inject" step is compared
    /// against: without its fault, the symptom must not show).
    pub fn lab_config_without_scenarios(&self) -> Result<LabConfig, ContentError> {
        let mut action = self.action.clone();
        let theirs = |key: &str| {
            key.split_once('.')
                .is_some_and(|(sw, _)| action.scenarios.iter().any(|s| s == sw))
        };
        action.params.retain(|(k, _)| !theirs(k));
        action.scenarios.clear();
        action
            .lab_config(true)
            .map_err(|(field, e)| ContentError::new("", field, e.to_string()).at_step(self.number))
    }

    /// The same lab with the step's mitigations off (what a "mitigate" step is compared
    /// against).
    pub fn lab_config_without_mitigations(&self) -> Result<LabConfig, ContentError> {
        self.action
            .lab_config(false)
            .map_err(|(field, e)| ContentError::new("", field, e.to_string()).at_step(self.number))
    }
}

/// How a step sets up the lab. The loader fills `system`, `seed`, `speed` and the base
/// parameters from the tutorial's `[lab]` table where the step does not give them.
#[derive(Debug, Clone, PartialEq)]
pub struct Action {
    pub system: String,
    pub seed: u64,
    /// Suggested playback speed (virtual seconds per wall second) for the UI.
    pub speed: f64,
    pub scenarios: Vec<String>,
    pub mitigations: Vec<String>,
    /// Parameters as `LabConfig::set` takes them: `workers`, `fixed-latency.delay_ms`.
    pub params: Vec<(String, String)>,
    /// Virtual seconds to run before checking.
    pub run_for_s: f64,
}

impl Action {
    /// Virtual time to run, in nanoseconds.
    pub fn run_for_ns(&self) -> engine::time::Nanos {
        (self.run_for_s * 1e9) as engine::time::Nanos
    }

    /// The run this action sets up; `with_mitigations == false` leaves the mitigations
    /// and their parameters out. It runs for `run_for_s`.
    pub fn spec(&self, with_mitigations: bool) -> RunSpec {
        let is_mitigation = |key: &str| {
            key.split_once('.')
                .is_some_and(|(id, _)| self.mitigations.iter().any(|m| m == id))
        };
        let mut spec = RunSpec::new(&self.system)
            .seed(self.seed)
            .until_ns(self.run_for_ns());
        for id in &self.scenarios {
            spec = spec.scenario(id);
        }
        if with_mitigations {
            for id in &self.mitigations {
                spec = spec.mitigation(id);
            }
        }
        for (key, raw) in &self.params {
            if with_mitigations || !is_mitigation(key) {
                spec = spec.param(key, raw);
            }
        }
        spec
    }

    /// Builds the configuration (see `spec`). An error names the field
    /// (`action.params.workers`, `action.scenarios[0]`).
    pub fn lab_config(
        &self,
        with_mitigations: bool,
    ) -> Result<LabConfig, (String, engine::LabError)> {
        self.spec(with_mitigations)
            .try_build()
            .map_err(|r| (self.field(&r.input), r.error))
    }

    /// The field of the step's action an input of its `spec` came from.
    fn field(&self, input: &Input) -> String {
        let position = |list: &[String], id: &str| list.iter().position(|s| s == id).unwrap_or(0);
        match input {
            Input::System(_) => "action.system".to_string(),
            Input::Param(key) | Input::SwitchParam(key) => format!("action.params.{key}"),
            Input::Switch(sw) if sw.kind == SwitchKind::Mitigation => {
                format!(
                    "action.mitigations[{}]",
                    position(&self.mitigations, &sw.id)
                )
            }
            Input::Switch(sw) => {
                format!("action.scenarios[{}]", position(&self.scenarios, &sw.id))
            }
            Input::Rule(_) => "action".to_string(),
        }
    }
}

/// The expected outcome of a step: conditions (in `engine::query` syntax) that must all
/// hold at the same sample, within a window of virtual time or at the end of the run.
#[derive(Debug, Clone, PartialEq)]
pub struct Expect {
    /// Each `expr (>|>=|<|<=|==|!=) number`; the first is the one reported.
    pub conditions: Vec<String>,
    pub holds: Holds,
}

/// When the conditions must hold.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Holds {
    /// At some sample in the first `seconds` of virtual time.
    Within { seconds: f64 },
    /// At the latest sample, once the lab has run at least `after_s` (the step's
    /// `run_for_s`).
    AtEnd { after_s: f64 },
}

impl fmt::Display for Holds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Holds::Within { seconds } => write!(f, "within {seconds} s"),
            Holds::AtEnd { after_s } => write!(f, "at the end (after {after_s} s)"),
        }
    }
}

/// A short example of the mitigation in code.
#[derive(Debug, Clone, PartialEq)]
pub struct CodeExample {
    /// `rust`, `python`, `go`, `java`, `typescript`…
    pub language: String,
    pub title: String,
    pub source: String,
}

/// An exercise with its worked solution (both Markdown).
#[derive(Debug, Clone, PartialEq)]
pub struct Exercise {
    pub prompt: String,
    pub solution: String,
}

/// A quiz question.
#[derive(Debug, Clone, PartialEq)]
pub struct Question {
    /// 1-based position in the quiz.
    pub number: usize,
    pub prompt: String,
    pub answer: Answer,
}

/// The kind of answer a question takes, with what counts as right.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    /// Exactly one choice is correct.
    Single(Vec<Choice>),
    /// One or more choices are correct; all of them and nothing else is right.
    Multiple(Vec<Choice>),
    /// A number within `tolerance` (absolute) of `value`.
    Numeric {
        value: f64,
        tolerance: f64,
        unit: String,
        explanation: String,
    },
}

/// A choice with its explanation (shown after answering).
#[derive(Debug, Clone, PartialEq)]
pub struct Choice {
    pub text: String,
    pub correct: bool,
    pub explanation: String,
}

impl Question {
    /// Whether selecting exactly the choices `picked` (indices) is right. Always false
    /// for a numeric question.
    pub fn is_right_choice(&self, picked: &[usize]) -> bool {
        let choices = match &self.answer {
            Answer::Single(c) | Answer::Multiple(c) => c,
            Answer::Numeric { .. } => return false,
        };
        let mut picked: Vec<usize> = picked.to_vec();
        engine::order::sort(&mut picked);
        picked.dedup();
        let right: Vec<usize> = (0..choices.len()).filter(|&i| choices[i].correct).collect();
        picked == right
    }

    /// Whether `given` is within tolerance. Always false for a choice question.
    pub fn is_right_number(&self, given: f64) -> bool {
        match &self.answer {
            Answer::Numeric {
                value, tolerance, ..
            } => given.is_finite() && (given - value).abs() <= *tolerance,
            _ => false,
        }
    }
}

/// A further-reading link.
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    pub title: String,
    /// `https://…` or a relative link within the site.
    pub url: String,
}
