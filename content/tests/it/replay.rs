//! Replays every step of every tutorial with the engine and the step's seed: the
//! expectation holds after `run_for_s`, and for a `mitigate` step it does not hold with
//! the step's mitigations off. Tutorials cannot rot silently.

use content::check::replay;

#[test]
fn every_step_does_what_its_text_says() {
    let mut failures = Vec::new();
    let mut steps = 0;
    for t in content::tutorials() {
        for s in &t.steps {
            steps += 1;
            let place = format!("{} step {} ({}, {})", t.id, s.number, s.kind, t.file);
            match replay(s) {
                Err(e) => failures.push(format!("{place}: {e}")),
                Ok(r) => {
                    if !r.outcome.passed {
                        failures.push(format!(
                            "{place}: expectation failed: {}",
                            r.outcome.message
                        ));
                    }
                    for (what, o) in r.wrong.iter().filter(|(_, o)| o.passed) {
                        failures.push(format!(
                            "{place}: a wrong choice ({what}) passes the check too: {}",
                            o.message
                        ));
                    }
                    if let Some(w) = r.without_mitigations.filter(|w| w.passed) {
                        failures.push(format!(
                            "{place}: holds without the mitigation too, so the mitigation is not what the step shows: {}",
                            w.message
                        ));
                    }
                }
            }
        }
    }
    assert!(steps >= 70, "only {steps} steps");
    assert!(
        failures.is_empty(),
        "{} of {steps} steps fail:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Issue 17: a learner can fail every step. Each step has a wrong choice the replay
/// runs and sees fail (an inject step's lab without its fault, a mitigate step's without
/// its mitigations, or the step's own `[[steps.wrong]]`), or is a blind diagnosis, where
/// every answer but the right one fails.
#[test]
fn every_step_can_be_failed() {
    let mut none = Vec::new();
    for t in content::tutorials() {
        for s in &t.steps {
            let derived = (s.kind == content::StepKind::Inject && !s.action.scenarios.is_empty())
                || s.kind == content::StepKind::Mitigate;
            if !derived && s.wrong.is_empty() && s.diagnosis.is_none() {
                none.push(format!("{} step {} ({})", t.id, s.number, s.kind));
            }
        }
    }
    assert!(
        none.is_empty(),
        "{} steps have no wrong choice to fail with (add [[steps.wrong]]):\n{}",
        none.len(),
        none.join("\n")
    );
}

/// A blind diagnosis: the right component and kind pass; every other answer fails,
/// with a hint and without naming the answer.
#[test]
fn a_diagnosis_passes_only_with_the_right_component_and_kind() {
    use engine::scenario::FaultKind;
    use engine::strike::Component;
    let mut steps = 0;
    for t in content::tutorials() {
        for s in t
            .steps
            .iter()
            .filter(|s| s.kind == content::StepKind::Diagnose)
        {
            let d = s
                .diagnosis
                .as_ref()
                .expect("a diagnose step names its answer");
            steps += 1;
            let right = content::check::diagnose(s, &d.component, &d.kind, 0);
            assert!(right.right, "{} step {}: {}", t.id, s.number, right.message);
            for c in Component::ALL {
                for k in FaultKind::ALL {
                    if (c.as_str(), k.as_str()) == (d.component.as_str(), d.kind.as_str()) {
                        continue;
                    }
                    let o = content::check::diagnose(s, c.as_str(), k.as_str(), 1);
                    assert!(!o.right, "{} step {}: {c:?} {k:?} passes", t.id, s.number);
                    for id in &s.action.scenarios {
                        assert!(
                            !o.message.contains(id.as_str()),
                            "{}: a wrong answer names the fault: {}",
                            t.id,
                            o.message
                        );
                    }
                }
            }
        }
    }
    assert!(steps >= 12, "{steps} diagnose steps");
}
