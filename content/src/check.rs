//! The step checker: evaluates a step's `Expect` on a running `engine::Lab` (natively or
//! in wasm; virtual time only) with `engine::query`, and says what matched or what to
//! look at. `replay` runs a step's lab headless and checks it, for the tests and the CLI.

use crate::error::ContentError;
use crate::model::{Expect, Holds, Step, StepKind};
use engine::query::{latest_sample, Condition};
use engine::time::{Nanos, NS_PER_SEC};
use engine::{Lab, GOLDEN_SERIES};

/// The result of checking a step.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckOutcome {
    pub passed: bool,
    /// The first condition's expression at the sample that decided (None while it has
    /// no data).
    pub observed: Option<f64>,
    /// What matched, or what to look at.
    pub message: String,
}

/// Parses a condition and checks its metric names and functions against the catalogue.
/// The error names the position and what was expected or allowed.
pub fn validate_condition(source: &str) -> Result<Condition, String> {
    let c = Condition::parse(source).map_err(|e| e.to_string())?;
    c.query().validate().map_err(|e| e.to_string())?;
    Ok(c)
}

/// Checks `expect` on `lab` as it is now. `Holds::Within` looks at every sample in the
/// window so far; `Holds::AtEnd` at the latest sample, once the lab has run long enough.
pub fn evaluate(lab: &Lab, expect: &Expect) -> CheckOutcome {
    let mut conditions = Vec::with_capacity(expect.conditions.len());
    for src in &expect.conditions {
        match validate_condition(src) {
            Ok(c) => conditions.push(c),
            Err(m) => {
                return CheckOutcome {
                    passed: false,
                    observed: None,
                    message: format!("This step's check cannot run: {m}"),
                }
            }
        }
    }
    let Some(first) = conditions.first() else {
        return CheckOutcome {
            passed: false,
            observed: None,
            message: "This step has no condition to check.".into(),
        };
    };
    let now = lab.now_ns();
    match expect.holds {
        Holds::AtEnd { after_s } => {
            let needed = secs_to_ns(after_s);
            let Some(t) = latest_sample(lab).filter(|_| now >= needed) else {
                return CheckOutcome {
                    passed: false,
                    observed: None,
                    message: format!(
                        "Not yet: run the lab to at least {} s of virtual time (it is at {} s), then check again.",
                        num(after_s),
                        num(now as f64 / NS_PER_SEC as f64)
                    ),
                };
            };
            let observed = value(first, lab, t);
            for c in &conditions {
                let v = c.value_at(lab, t);
                match c.holds_at(lab, t) {
                    Some(true) => {}
                    Some(false) => {
                        return CheckOutcome {
                            passed: false,
                            observed,
                            message: format!(
                                "At t = {} s `{}` is {}, and the step expects {} {}. Look at that value on the charts; re-apply the step if the lab was changed.",
                                secs(t),
                                c.query(),
                                num(v),
                                c.cmp().as_str(),
                                num(c.threshold())
                            ),
                        }
                    }
                    None => return no_data(c, observed),
                }
            }
            CheckOutcome {
                passed: true,
                observed,
                message: format!(
                    "At t = {} s: {}.",
                    secs(t),
                    describe_all(&conditions, lab, t)
                ),
            }
        }
        Holds::Within { seconds } => {
            let window = secs_to_ns(seconds);
            let times: Vec<Nanos> = sample_times(lab)
                .into_iter()
                .filter(|&t| t > 0 && t <= window)
                .collect();
            for &t in &times {
                if conditions.iter().all(|c| c.holds_at(lab, t) == Some(true)) {
                    return CheckOutcome {
                        passed: true,
                        observed: value(first, lab, t),
                        message: format!(
                            "Held at t = {} s (within {} s): {}.",
                            secs(t),
                            num(seconds),
                            describe_all(&conditions, lab, t)
                        ),
                    };
                }
            }
            let last = times.last().copied();
            let observed = last.and_then(|t| value(first, lab, t));
            // The condition that held least often is the one to look at.
            let worst = conditions
                .iter()
                .min_by_key(|c| {
                    times
                        .iter()
                        .filter(|&&t| c.holds_at(lab, t) == Some(true))
                        .count()
                })
                .unwrap_or(first);
            let seen: Vec<f64> = times
                .iter()
                .map(|&t| worst.value_at(lab, t))
                .filter(|v| !v.is_nan())
                .collect();
            let range = if seen.is_empty() {
                "it had no data".to_string()
            } else {
                let lo = seen.iter().copied().fold(f64::INFINITY, f64::min);
                let hi = seen.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                format!("it ranged from {} to {}", num(lo), num(hi))
            };
            let running = if now < window {
                format!(
                    " The lab is at {} s; keep it running until {} s.",
                    num(now as f64 / NS_PER_SEC as f64),
                    num(seconds)
                )
            } else {
                " Re-apply the step and watch that value.".to_string()
            };
            CheckOutcome {
                passed: false,
                observed,
                message: format!(
                    "Not seen within {} s: `{}` {} {} never held ({range}).{running}",
                    num(seconds),
                    worst.query(),
                    worst.cmp().as_str(),
                    num(worst.threshold())
                ),
            }
        }
    }
}

/// Checks a step on a live lab: `evaluate` on its expectation, and when it fails the
/// step's first hint is added as what to look at.
pub fn evaluate_step(lab: &Lab, step: &Step) -> CheckOutcome {
    let mut out = evaluate(lab, &step.expect);
    if !out.passed {
        if let Some(hint) = step.hints.first() {
            out.message = format!("{} Hint: {hint}", out.message);
        }
    }
    out
}

/// The result of replaying a step headless.
#[derive(Debug, Clone, PartialEq)]
pub struct Replay {
    /// The check on the step's lab after `run_for_s`.
    pub outcome: CheckOutcome,
    /// For a `mitigate` step: the same check with the step's mitigations off. It must
    /// fail, or the mitigation is not what makes the step pass.
    pub without_mitigations: Option<CheckOutcome>,
    /// Every other wrong choice replayed, each of which must fail: for an `inject` step
    /// its lab without the scenarios (no fault, no symptom), then the step's own
    /// `wrong` choices; each with what it is.
    pub wrong: Vec<(String, CheckOutcome)>,
}

impl Replay {
    /// The step does what its text says: its lab passes and no wrong choice does.
    pub fn ok(&self) -> bool {
        self.outcome.passed
            && self.without_mitigations.as_ref().is_none_or(|o| !o.passed)
            && self.wrong.iter().all(|(_, o)| !o.passed)
    }

    /// How many wrong choices were replayed (and must have failed).
    pub fn wrong_choices(&self) -> usize {
        usize::from(self.without_mitigations.is_some()) + self.wrong.len()
    }
}

/// Runs the step's lab for `run_for_s` of virtual time with its seed and checks it, and
/// each wrong choice the same way (see `Replay`).
pub fn replay(step: &Step) -> Result<Replay, ContentError> {
    let run = |config: engine::LabConfig| -> Result<CheckOutcome, ContentError> {
        let mut lab = Lab::new(&config)
            .map_err(|e| ContentError::new("", "action", e.to_string()).at_step(step.number))?;
        lab.run_until(step.action.run_for_ns());
        Ok(evaluate_step(&lab, step))
    };
    let outcome = run(step.lab_config()?)?;
    let without_mitigations = if step.kind == StepKind::Mitigate {
        Some(run(step.lab_config_without_mitigations()?)?)
    } else {
        None
    };
    let mut wrong = Vec::new();
    if step.kind == StepKind::Inject && !step.action.scenarios.is_empty() {
        wrong.push((
            format!("without {}", step.action.scenarios.join(", ")),
            run(step.lab_config_without_scenarios()?)?,
        ));
    }
    for w in &step.wrong {
        let label = if w.mitigations.is_empty() && w.params.is_empty() {
            "with nothing switched on".to_string()
        } else {
            let mut parts = Vec::new();
            if !w.mitigations.is_empty() {
                parts.push(w.mitigations.join(", "));
            }
            parts.extend(w.params.iter().map(|(k, v)| format!("{k} = {v}")));
            format!("with {}", parts.join(", "))
        };
        wrong.push((label, run(step.lab_config_of(w)?)?));
    }
    Ok(Replay {
        outcome,
        without_mitigations,
        wrong,
    })
}

/// A learner's blind diagnosis, judged.
#[derive(Debug, Clone, PartialEq)]
pub struct DiagnosisOutcome {
    pub right: bool,
    pub message: String,
}

/// Judges a diagnose step's answer (`component`, `kind`: catalogue names). A wrong
/// answer gets a hint, never the answer: which half is right, then the step's hints in
/// turn (`attempt` counts the wrong answers so far, from 0). A step without a diagnosis
/// has nothing to judge.
pub fn diagnose(step: &Step, component: &str, kind: &str, attempt: usize) -> DiagnosisOutcome {
    let Some(d) = &step.diagnosis else {
        return DiagnosisOutcome {
            right: false,
            message: "This step asks for no diagnosis.".into(),
        };
    };
    let (part, what) = (component == d.component, kind == d.kind);
    let hint = || {
        step.hints
            .get(attempt % step.hints.len().max(1))
            .map(|h| format!(" Hint: {h}"))
            .unwrap_or_default()
    };
    let message = match (part, what) {
        (true, true) => {
            let named: Vec<String> = step
                .action
                .scenarios
                .iter()
                .filter_map(|id| engine::catalog::find_scenario(id).ok())
                .filter(|m| m.kind.as_str() == kind)
                .map(|m| format!("{} (`{}`)", m.title, m.id))
                .collect();
            format!(
                "Right: the {component} is {kind}. What is on: {}.",
                named.join(", ")
            )
        }
        (true, false) => format!(
            "The {component} is the right place, but {kind} is not what is wrong with it: look at how its signals moved, and which ones did not.{}",
            hint()
        ),
        (false, true) => format!(
            "Something is {kind}, yes, but not the {component}: follow the signal back along the request's path to where it starts.{}",
            hint()
        ),
        (false, false) => format!("Not that.{}", hint()),
    };
    DiagnosisOutcome {
        right: part && what,
        message,
    }
}

fn no_data(c: &Condition, observed: Option<f64>) -> CheckOutcome {
    CheckOutcome {
        passed: false,
        observed,
        message: format!(
            "`{}` has no data yet: the metric has not been recorded. Is the step's scenario or mitigation switched on, and has the lab run a few seconds?",
            c.query()
        ),
    }
}

/// The query's value that decides the condition (the largest series against `>`…).
fn value(c: &Condition, lab: &Lab, t: Nanos) -> Option<f64> {
    let v = c.value_at(lab, t);
    (!v.is_nan()).then_some(v)
}

fn describe_all(conditions: &[Condition], lab: &Lab, t: Nanos) -> String {
    conditions
        .iter()
        .map(|c| {
            format!(
                "`{}` = {} ({} {})",
                c.query(),
                num(c.value_at(lab, t)),
                c.cmp().as_str(),
                num(c.threshold())
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn sample_times(lab: &Lab) -> Vec<Nanos> {
    lab.series(GOLDEN_SERIES[0])
        .map(|s| s.iter().map(|(t, _)| t).collect())
        .unwrap_or_default()
}

fn secs_to_ns(s: f64) -> Nanos {
    (s * NS_PER_SEC as f64) as Nanos
}

fn secs(t: Nanos) -> String {
    num(t as f64 / NS_PER_SEC as f64)
}

/// A number for a person: about four significant digits, no trailing zeros.
pub fn num(v: f64) -> String {
    if !v.is_finite() {
        return v.to_string();
    }
    if v == 0.0 {
        return "0".into();
    }
    let magnitude = v.abs().log10().floor() as i32;
    let decimals = (3 - magnitude).clamp(0, 9) as usize;
    let s = format!("{v:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::num;

    #[test]
    fn numbers_read_well() {
        assert_eq!(num(0.0), "0");
        assert_eq!(num(0.012345), "0.01235");
        assert_eq!(num(200.0), "200");
        assert_eq!(num(1234567.0), "1234567");
        assert_eq!(num(0.5), "0.5");
        assert_eq!(num(-3.25), "-3.25");
    }
}
