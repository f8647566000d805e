//! Reading and validating content: TOML (serde) into the public types, with every
//! problem reported as a `ContentError` naming file, tutorial, step and field. Checks
//! everything a learner would trip over: engine references (system, scenarios,
//! mitigations, parameters through `LabConfig::set`; metric names in conditions through
//! `engine::query`), quiz answers, links, ids and numbering.

use crate::error::ContentError;
use crate::model::*;
use crate::raw::*;
use std::collections::{BTreeMap, BTreeSet};

/// Every series and tutorial, plus what was wrong with the ones that did not load.
#[derive(Debug, Clone, Default)]
pub struct Library {
    /// In index order.
    pub series: Vec<Series>,
    /// By series order, then number.
    pub tutorials: Vec<Tutorial>,
    pub errors: Vec<ContentError>,
}

/// Longest run a step may ask for (virtual seconds): keeps replays and the UI quick.
pub const MAX_RUN_FOR_S: f64 = 3600.0;

/// Parses `series.toml`.
#[cfg(not(target_arch = "wasm32"))]
pub fn parse_series(file: &str, text: &str) -> Result<Vec<Series>, Vec<ContentError>> {
    let raw: RawSeriesFile = toml::from_str(text).map_err(|e| vec![toml_error(file, &e)])?;
    convert_series(file, raw)
}

/// Validates the series list.
pub fn convert_series(file: &str, raw: RawSeriesFile) -> Result<Vec<Series>, Vec<ContentError>> {
    let mut errors = Vec::new();
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for (i, s) in raw.series.into_iter().enumerate() {
        let field = format!("series[{i}]");
        if !is_id(&s.id) {
            errors.push(ContentError::new(
                file,
                format!("{field}.id"),
                id_message(&s.id),
            ));
        }
        if !seen.insert(s.id.clone()) {
            errors.push(ContentError::new(
                file,
                format!("{field}.id"),
                format!("series id `{}` is used twice; ids must be unique", s.id),
            ));
        }
        for (name, v) in [("title", &s.title), ("summary", &s.summary)] {
            if v.trim().is_empty() {
                errors.push(ContentError::new(
                    file,
                    format!("{field}.{name}"),
                    "is empty",
                ));
            }
        }
        out.push(Series {
            id: s.id,
            title: s.title,
            summary: s.summary,
            order: s.order,
        });
    }
    sort_short_by(&mut out, |a, b| a.order.cmp(&b.order).then(a.id.cmp(&b.id)));
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// Parses and validates one tutorial file (`file` is its path relative to `content/`:
/// `tutorials/<series>/<nn>-<id>.toml`). `series` are the known series ids.
#[cfg(not(target_arch = "wasm32"))]
pub fn parse_tutorial(
    file: &str,
    text: &str,
    series: &[Series],
) -> Result<Tutorial, Vec<ContentError>> {
    let raw: RawTutorial = toml::from_str(text).map_err(|e| vec![toml_error(file, &e)])?;
    convert_tutorial(file, raw, series)
}

/// Validates one tutorial as read from `file` (its path relative to `content/`).
pub fn convert_tutorial(
    file: &str,
    raw: RawTutorial,
    series: &[Series],
) -> Result<Tutorial, Vec<ContentError>> {
    let mut errs = Errors {
        file,
        tutorial: raw.id.clone(),
        list: Vec::new(),
    };
    if !is_id(&raw.id) {
        errs.push(None, "id", id_message(&raw.id));
    }
    if !series.iter().any(|s| s.id == raw.series) {
        errs.push(
            None,
            "series",
            format!(
                "unknown series `{}`; series.toml has: {}",
                raw.series,
                series
                    .iter()
                    .map(|s| s.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
    }
    let number = match file_number(file, &raw.series, &raw.id) {
        Ok(n) => n,
        Err(m) => {
            errs.push(None, "id", m);
            0
        }
    };
    nonempty(&mut errs, None, "title", &raw.title);
    if raw.objectives.is_empty() {
        errs.push(None, "objectives", "needs at least one learning objective");
    }
    for (i, o) in raw.objectives.iter().enumerate() {
        nonempty(&mut errs, None, &format!("objectives[{i}]"), o);
    }
    if raw.minutes == 0 || raw.minutes > 240 {
        errs.push(
            None,
            "minutes",
            format!("is {}; allowed 1..=240", raw.minutes),
        );
    }
    if raw.steps.is_empty() {
        errs.push(None, "steps", "needs at least one step");
    }

    let mut steps = Vec::new();
    for (i, s) in raw.steps.iter().enumerate() {
        if let Some(step) = convert_step(&mut errs, &raw.lab, i + 1, s) {
            steps.push(step);
        }
    }

    let has_mitigate = steps.iter().any(|s| s.kind == StepKind::Mitigate);
    let code: Vec<CodeExample> = raw
        .code
        .into_iter()
        .enumerate()
        .map(|(i, c)| {
            nonempty(&mut errs, None, &format!("code[{i}].language"), &c.language);
            nonempty(&mut errs, None, &format!("code[{i}].title"), &c.title);
            nonempty(&mut errs, None, &format!("code[{i}].source"), &c.source);
            CodeExample {
                language: c.language.trim().to_lowercase(),
                title: c.title,
                source: c.source,
            }
        })
        .collect();
    if has_mitigate
        && (!code.iter().any(|c| c.language == "rust")
            || !code.iter().any(|c| c.language != "rust"))
    {
        errs.push(
            None,
            "code",
            "a tutorial with a mitigate step shows the mitigation in Rust and in one other language",
        );
    }

    if raw.exercises.is_empty() {
        errs.push(
            None,
            "exercises",
            "needs at least one exercise with a worked solution",
        );
    }
    let exercises = raw
        .exercises
        .into_iter()
        .enumerate()
        .map(|(i, e)| {
            nonempty(
                &mut errs,
                None,
                &format!("exercises[{i}].prompt"),
                &e.prompt,
            );
            nonempty(
                &mut errs,
                None,
                &format!("exercises[{i}].solution"),
                &e.solution,
            );
            Exercise {
                prompt: e.prompt,
                solution: e.solution,
            }
        })
        .collect();

    if raw.quiz.is_empty() {
        errs.push(None, "quiz", "needs at least one question");
    }
    let quiz = raw
        .quiz
        .into_iter()
        .enumerate()
        .filter_map(|(i, q)| convert_question(&mut errs, i, q))
        .collect();

    if raw.reading.is_empty() {
        errs.push(None, "reading", "needs at least one further-reading link");
    }
    let reading = raw
        .reading
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            nonempty(&mut errs, None, &format!("reading[{i}].title"), &r.title);
            if let Err(m) = check_url(&r.url) {
                errs.push(None, &format!("reading[{i}].url"), m);
            }
            Reading {
                title: r.title,
                url: r.url,
            }
        })
        .collect();

    if let Some(d) = &raw.difficulty {
        if !DIFFICULTIES.contains(&d.as_str()) {
            errs.push(
                None,
                "difficulty",
                format!("is `{d}`; one of {}", DIFFICULTIES.join(", ")),
            );
        }
    }
    for (i, a) in raw.assumes.iter().enumerate() {
        nonempty(&mut errs, None, &format!("assumes[{i}]"), a);
    }
    if !errs.list.is_empty() {
        return Err(errs.list);
    }
    Ok(Tutorial {
        id: raw.id,
        series: raw.series,
        number,
        title: raw.title,
        objectives: raw.objectives,
        prerequisites: raw.prerequisites,
        minutes: raw.minutes,
        difficulty: raw.difficulty.unwrap_or_default(),
        assumes: raw.assumes,
        instructor_notes: raw.instructor_notes.unwrap_or_default(),
        steps,
        code,
        exercises,
        quiz,
        reading,
        file: file.to_string(),
    })
}

/// Loads a library from `series.toml` text and tutorial files, then checks what spans
/// files: unique ids, prerequisites that exist, numbering 1, 2, 3… in each series.
#[cfg(not(target_arch = "wasm32"))]
pub fn load(series_text: &str, files: &[(&str, &str)]) -> Library {
    let series = toml::from_str(series_text).map_err(|e| toml_error("series.toml", &e).message);
    let files = files
        .iter()
        .map(|(file, text)| {
            let raw = toml::from_str(text).map_err(|e| toml_error(file, &e).message);
            (*file, raw)
        })
        .collect();
    load_raw(series, files)
}

/// Loads a library from files already read (`Err` holds a file's syntax error), then
/// checks what spans files (see `load`).
pub fn load_raw(
    series: Result<RawSeriesFile, String>,
    files: Vec<(&str, Result<RawTutorial, String>)>,
) -> Library {
    let mut lib = Library::default();
    match series.map_err(|m| vec![ContentError::new("series.toml", "", m)]) {
        Ok(raw) => match convert_series("series.toml", raw) {
            Ok(s) => lib.series = s,
            Err(e) => lib.errors.extend(e),
        },
        Err(e) => lib.errors.extend(e),
    }
    for (file, raw) in files {
        let converted = raw
            .map_err(|m| vec![ContentError::new(file, "", m)])
            .and_then(|raw| convert_tutorial(file, raw, &lib.series));
        match converted {
            Ok(t) => {
                if let Some(other) = lib.tutorials.iter().find(|o| o.id == t.id) {
                    lib.errors.push(
                        ContentError::new(
                            file,
                            "id",
                            format!(
                                "id `{}` is also used by {}; ids must be unique",
                                t.id, other.file
                            ),
                        )
                        .in_tutorial(&t.id),
                    );
                } else {
                    lib.tutorials.push(t);
                }
            }
            Err(e) => lib.errors.extend(e),
        }
    }
    // Maps and sets here are filled by `extend` (one insert per item), not `collect`,
    // which sorts its input first: each collected type adds a copy of the standard
    // library's sort to the browser bundle.
    let mut ids: BTreeSet<&str> = BTreeSet::new();
    ids.extend(lib.tutorials.iter().map(|t| t.id.as_str()));
    for t in &lib.tutorials {
        for (i, p) in t.prerequisites.iter().enumerate() {
            if !ids.contains(p.as_str()) || p == &t.id {
                lib.errors.push(
                    ContentError::new(
                        &t.file,
                        format!("prerequisites[{i}]"),
                        format!("`{p}` is not another tutorial's id"),
                    )
                    .in_tutorial(&t.id),
                );
            }
        }
    }
    for s in &lib.series {
        let mut numbers: Vec<u32> = lib
            .tutorials
            .iter()
            .filter(|t| t.series == s.id)
            .map(|t| t.number)
            .collect();
        engine::order::sort(&mut numbers);
        if numbers.is_empty() {
            lib.errors.push(ContentError::new(
                "series.toml",
                "series",
                format!("series `{}` has no tutorials in tutorials/{}/", s.id, s.id),
            ));
        }
        for (i, n) in numbers.iter().enumerate() {
            if *n != i as u32 + 1 {
                lib.errors.push(ContentError::new(
                    &format!("tutorials/{}/", s.id),
                    "number",
                    format!(
                        "tutorials of series `{}` are numbered {numbers:?}; they must run 01, 02, 03… without gaps or repeats",
                        s.id
                    ),
                ));
                break;
            }
        }
    }
    let mut order: BTreeMap<&str, u32> = BTreeMap::new();
    order.extend(lib.series.iter().map(|s| (s.id.as_str(), s.order)));
    sort_short_by(&mut lib.tutorials, |a, b| {
        let oa = order.get(a.series.as_str()).copied().unwrap_or(u32::MAX);
        let ob = order.get(b.series.as_str()).copied().unwrap_or(u32::MAX);
        (oa, &a.series, a.number).cmp(&(ob, &b.series, b.number))
    });
    lib
}

/// Sorts a short list stably, as `sort_by` does, by insertion: the lists here are the
/// series and the tutorials, tens of items. Each `sort_by` over a new type adds a copy
/// of the standard library's sort (3–7 KB) to the browser bundle; this is a few hundred
/// bytes.
fn sort_short_by<T>(items: &mut [T], mut cmp: impl FnMut(&T, &T) -> std::cmp::Ordering) {
    for i in 1..items.len() {
        let mut j = i;
        while j > 0 && cmp(&items[j - 1], &items[j]).is_gt() {
            items.swap(j - 1, j);
            j -= 1;
        }
    }
}

struct Errors<'a> {
    file: &'a str,
    tutorial: String,
    list: Vec<ContentError>,
}

impl Errors<'_> {
    fn push(&mut self, step: Option<usize>, field: &str, message: impl Into<String>) {
        let mut e = ContentError::new(self.file, field, message).in_tutorial(&self.tutorial);
        e.step = step;
        self.list.push(e);
    }
}

fn nonempty(errs: &mut Errors, step: Option<usize>, field: &str, v: &str) {
    if v.trim().is_empty() {
        errs.push(step, field, "is empty");
    }
}

fn convert_step(errs: &mut Errors, lab: &RawLab, number: usize, s: &RawStep) -> Option<Step> {
    let at = Some(number);
    let before = errs.list.len();
    nonempty(errs, at, "title", &s.title);
    nonempty(errs, at, "text", &s.text);
    let kind = StepKind::parse(&s.kind);
    if kind.is_none() {
        errs.push(
            at,
            "kind",
            format!(
                "unknown kind `{}`; one of {}",
                s.kind,
                StepKind::ALL.map(|k| k.as_str()).join(", ")
            ),
        );
    }
    let a = &s.action;
    let mut params: BTreeMap<String, String> = BTreeMap::new();
    for (k, v) in lab.params.iter().chain(&a.params) {
        params.insert(k.clone(), v.to_raw());
    }
    let speed = a.speed.or(lab.speed).unwrap_or(1.0);
    if !(speed.is_finite() && speed > 0.0 && speed <= 10_000.0) {
        errs.push(
            at,
            "action.speed",
            format!("is {speed}; allowed > 0 and ≤ 10000"),
        );
    }
    if !(a.run_for_s.is_finite() && a.run_for_s > 0.0 && a.run_for_s <= MAX_RUN_FOR_S) {
        errs.push(
            at,
            "action.run_for_s",
            format!("is {}; allowed > 0 and ≤ {MAX_RUN_FOR_S}", a.run_for_s),
        );
    }
    let Some(system) = a.system.clone().or_else(|| lab.system.clone()) else {
        errs.push(
            at,
            "action.system",
            "missing: set it in the step's action or in [lab]",
        );
        return None;
    };
    let action = Action {
        system,
        seed: a.seed.or(lab.seed).unwrap_or(1),
        speed,
        scenarios: a.scenarios.clone(),
        mitigations: a.mitigations.clone(),
        params: params.into_iter().collect(),
        run_for_s: a.run_for_s,
    };
    if let Err((field, e)) = action.lab_config(true) {
        errs.push(at, &field, e.to_string());
    }
    if kind == Some(StepKind::Mitigate) && action.mitigations.is_empty() {
        errs.push(
            at,
            "action.mitigations",
            "a mitigate step switches at least one mitigation on",
        );
    }

    let e = &s.expect;
    if e.conditions.is_empty() {
        errs.push(at, "expect.conditions", "needs at least one condition");
    }
    for (i, c) in e.conditions.iter().enumerate() {
        if let Err(m) = crate::check::validate_condition(c) {
            errs.push(at, &format!("expect.conditions[{i}]"), m);
        }
    }
    let holds = match (e.within_s, e.at_end) {
        (Some(w), false) => {
            if !(w.is_finite() && w > 0.0 && w <= a.run_for_s) {
                errs.push(
                    at,
                    "expect.within_s",
                    format!(
                        "is {w}; allowed > 0 and ≤ action.run_for_s ({})",
                        a.run_for_s
                    ),
                );
            }
            Holds::Within { seconds: w }
        }
        (None, true) => Holds::AtEnd {
            after_s: a.run_for_s,
        },
        _ => {
            errs.push(
                at,
                "expect",
                "give exactly one of `within_s = N` (holds at some sample in the first N s) or `at_end = true`",
            );
            Holds::AtEnd {
                after_s: a.run_for_s,
            }
        }
    };
    for (i, h) in s.hints.iter().enumerate() {
        nonempty(errs, at, &format!("hints[{i}]"), h);
    }
    let diagnosis = s.diagnosis.as_ref().map(|d| Diagnosis {
        component: d.component.clone(),
        kind: d.kind.clone(),
    });
    if let Some(d) = &diagnosis {
        check_diagnosis(errs, at, kind, &action, d);
    } else if kind == Some(StepKind::Diagnose) {
        errs.push(
            at,
            "diagnosis",
            "a diagnose step names its answer: [steps.diagnosis] component = \"…\", kind = \"…\" (the learner picks them blind)",
        );
    }
    let mut wrong = Vec::new();
    for (i, w) in s.wrong.iter().enumerate() {
        let field = format!("wrong[{i}]");
        nonempty(errs, at, &format!("{field}.feedback"), &w.feedback);
        wrong.push(WrongChoice {
            mitigations: w.mitigations.clone(),
            params: w
                .params
                .iter()
                .map(|(k, v)| (k.clone(), v.to_raw()))
                .collect(),
            feedback: w.feedback.clone(),
        });
    }
    if errs.list.len() > before {
        return None;
    }
    Some(Step {
        number,
        title: s.title.clone(),
        kind: kind?,
        text: s.text.clone(),
        action,
        expect: Expect {
            conditions: e.conditions.clone(),
            holds,
        },
        hints: s.hints.clone(),
        diagnosis,
        wrong,
    })
    .and_then(|step| {
        // A wrong choice must describe a lab that runs.
        for (i, w) in step.wrong.iter().enumerate() {
            if let Err(e) = step.lab_config_of(w) {
                errs.push(at, &format!("wrong[{i}]"), e.message.clone());
            }
        }
        (errs.list.len() == before).then_some(step)
    })
}

/// A diagnosis names a component and a kind of fault from the catalogue's vocabulary,
/// and they are those of a scenario the step switches on (so the answer is true).
fn check_diagnosis(
    errs: &mut Errors,
    at: Option<usize>,
    kind: Option<StepKind>,
    action: &Action,
    d: &Diagnosis,
) {
    use engine::scenario::FaultKind;
    use engine::strike::Component;
    if kind != Some(StepKind::Diagnose) {
        errs.push(at, "diagnosis", "only a diagnose step has a diagnosis");
    }
    let component = Component::parse(&d.component);
    if component.is_none() {
        errs.push(
            at,
            "diagnosis.component",
            format!(
                "unknown component `{}`; one of {}",
                d.component,
                Component::ALL.map(|c| c.as_str()).join(", ")
            ),
        );
    }
    let fault = FaultKind::parse(&d.kind);
    if fault.is_none() {
        errs.push(
            at,
            "diagnosis.kind",
            format!(
                "unknown kind of fault `{}`; one of {}",
                d.kind,
                FaultKind::ALL.map(|k| k.as_str()).join(", ")
            ),
        );
    }
    let (Some(component), Some(fault)) = (component, fault) else {
        return;
    };
    let true_of_a_scenario = action.scenarios.iter().any(|id| {
        engine::catalog::find_scenario(id)
            .is_ok_and(|m| m.kind == fault && m.strikes.contains(&component))
    });
    if !true_of_a_scenario {
        errs.push(
            at,
            "diagnosis",
            format!(
                "`{} {}` is not what the step's scenarios ({}) are: their components and kinds are {}",
                d.component,
                d.kind,
                action.scenarios.join(", "),
                action
                    .scenarios
                    .iter()
                    .filter_map(|id| engine::catalog::find_scenario(id).ok())
                    .map(|m| format!(
                        "{} {}",
                        m.strikes.iter().map(|c| c.as_str()).collect::<Vec<_>>().join("/"),
                        m.kind.as_str()
                    ))
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
        );
    }
}

fn convert_question(errs: &mut Errors, i: usize, q: RawQuestion) -> Option<Question> {
    let field = format!("quiz[{i}]");
    let before = errs.list.len();
    nonempty(errs, None, &format!("{field}.prompt"), &q.prompt);
    for (j, c) in q.choices.iter().enumerate() {
        nonempty(errs, None, &format!("{field}.choices[{j}].text"), &c.text);
        nonempty(
            errs,
            None,
            &format!("{field}.choices[{j}].explanation"),
            &c.explanation,
        );
    }
    let correct = q.choices.iter().filter(|c| c.correct).count();
    let choices = || -> Vec<Choice> {
        q.choices
            .iter()
            .map(|c| Choice {
                text: c.text.clone(),
                correct: c.correct,
                explanation: c.explanation.clone(),
            })
            .collect()
    };
    let numeric_fields = q.value.is_some() || q.tolerance.is_some() || q.explanation.is_some();
    let answer = match q.kind.as_str() {
        "single" | "multiple" => {
            if numeric_fields {
                errs.push(
                    None,
                    &field,
                    "a choice question has no value, tolerance or explanation: each choice has its own explanation",
                );
            }
            if q.choices.len() < 2 {
                errs.push(
                    None,
                    &format!("{field}.choices"),
                    "needs at least two choices",
                );
            }
            if q.kind == "single" {
                if correct != 1 {
                    errs.push(
                        None,
                        &format!("{field}.choices"),
                        format!("a single-choice question has exactly one correct choice; this one has {correct}"),
                    );
                }
                Answer::Single(choices())
            } else {
                if correct == 0 {
                    errs.push(
                        None,
                        &format!("{field}.choices"),
                        "a multiple-choice question has at least one correct choice; this one has none",
                    );
                }
                Answer::Multiple(choices())
            }
        }
        "numeric" => {
            if !q.choices.is_empty() {
                errs.push(
                    None,
                    &format!("{field}.choices"),
                    "a numeric question has no choices",
                );
            }
            let value = q.value.unwrap_or(f64::NAN);
            let tolerance = q.tolerance.unwrap_or(f64::NAN);
            if !value.is_finite() {
                errs.push(
                    None,
                    &format!("{field}.value"),
                    "a numeric question needs a finite `value`",
                );
            }
            if !(tolerance.is_finite() && tolerance >= 0.0) {
                errs.push(
                    None,
                    &format!("{field}.tolerance"),
                    "a numeric question needs a `tolerance` ≥ 0",
                );
            }
            let explanation = q.explanation.clone().unwrap_or_default();
            nonempty(errs, None, &format!("{field}.explanation"), &explanation);
            Answer::Numeric {
                value,
                tolerance,
                unit: q.unit.clone(),
                explanation,
            }
        }
        other => {
            errs.push(
                None,
                &format!("{field}.kind"),
                format!("unknown kind `{other}`; one of single, multiple, numeric"),
            );
            return None;
        }
    };
    if errs.list.len() > before {
        return None;
    }
    Some(Question {
        number: i + 1,
        prompt: q.prompt,
        answer,
    })
}

fn is_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !id.starts_with('-')
        && !id.ends_with('-')
}

fn id_message(id: &str) -> String {
    format!("`{id}` is not an id: use 1–64 lowercase letters, digits and inner hyphens")
}

/// `tutorials/<series>/<nn>-<id>.toml` → nn.
fn file_number(file: &str, series: &str, id: &str) -> Result<u32, String> {
    let expected = format!("tutorials/{series}/<nn>-{id}.toml");
    let wrong = || format!("file `{file}` should be named `{expected}` (nn = 01, 02…)");
    let rest = file
        .strip_prefix(&format!("tutorials/{series}/"))
        .ok_or_else(wrong)?;
    let stem = rest.strip_suffix(".toml").ok_or_else(wrong)?;
    let (nn, name) = stem.split_once('-').ok_or_else(wrong)?;
    if name != id || nn.len() != 2 || !nn.bytes().all(|b| b.is_ascii_digit()) {
        return Err(wrong());
    }
    nn.parse::<u32>().ok().filter(|&n| n > 0).ok_or_else(wrong)
}

/// A link is `https://host.tld/…` or relative to the site (no scheme, not `//`).
pub fn check_url(url: &str) -> Result<(), String> {
    let bad = |why: &str| Err(format!("`{url}` is not a well-formed link: {why}"));
    if url.is_empty() || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return bad("empty or contains spaces");
    }
    if let Some(rest) = url.strip_prefix("https://") {
        let host = rest.split(['/', '?', '#']).next().unwrap_or("");
        let host_ok = host.contains('.')
            && !host.starts_with('.')
            && !host.ends_with('.')
            && host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-' || b == b':');
        return if host_ok {
            Ok(())
        } else {
            bad("the host is not a domain name")
        };
    }
    if url.starts_with("//") || url.contains(':') && !url.contains('/') || has_scheme(url) {
        return bad("use https:// or a relative link");
    }
    Ok(())
}

fn has_scheme(url: &str) -> bool {
    match url.split_once(':') {
        Some((scheme, _)) => {
            !scheme.contains('/')
                && scheme
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b))
        }
        None => false,
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn toml_error(file: &str, e: &toml::de::Error) -> ContentError {
    let field = String::new();
    let mut msg = e.message().to_string();
    if let Some(span) = e.span() {
        msg = format!("TOML at byte {}: {msg}", span.start);
    }
    ContentError::new(file, field, msg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links() {
        assert!(check_url("https://sre.google/sre-book/monitoring-distributed-systems/").is_ok());
        assert!(check_url("catalog/tail-latency").is_ok());
        assert!(check_url("http://example.com").is_err());
        assert!(check_url("javascript:alert(1)").is_err());
        assert!(check_url("//evil.example/x").is_err());
        assert!(check_url("https://nohost").is_err());
        assert!(check_url("https://a b.com").is_err());
    }

    #[test]
    fn file_names() {
        assert_eq!(
            file_number("tutorials/latency/02-inject.toml", "latency", "inject"),
            Ok(2)
        );
        assert!(file_number("tutorials/latency/2-inject.toml", "latency", "inject").is_err());
        assert!(file_number("tutorials/cache/02-inject.toml", "latency", "inject").is_err());
        assert!(file_number("tutorials/latency/00-inject.toml", "latency", "inject").is_err());
    }
}
