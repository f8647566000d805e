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
