//! Content lint beyond "it loads": bad content is reported with file, tutorial, step
//! and field; every condition's metric names are declared by some system, scenario or
//! mitigation; quizzes, links, ids and numbering.

use content::load::{load, parse_tutorial};
use content::{Answer, Series};

fn series() -> Vec<Series> {
    vec![Series {
        id: "latency".into(),
        title: "Latency".into(),
        summary: "s".into(),
        order: 1,
    }]
}

const GOOD: &str = r#"
id = "demo"
series = "latency"
title = "Demo"
objectives = ["o"]
minutes = 5
[lab]
system = "web"
[[steps]]
title = "s"
kind = "mitigate"
text = "t"
[steps.action]
scenarios = ["fixed-latency"]
mitigations = ["timeouts"]
params = { "fixed-latency.delay_ms" = 100, workers = 8 }
run_for_s = 10
[steps.expect]
conditions = ["latency_p99_s < 1"]
at_end = true
[[code]]
language = "rust"
title = "r"
source = "x"
[[code]]
language = "go"
title = "g"
source = "y"
[[exercises]]
prompt = "p"
solution = "s"
[[quiz]]
kind = "single"
prompt = "q"
choices = [ { text = "a", correct = true, explanation = "e" }, { text = "b", explanation = "e" } ]
[[reading]]
title = "r"
url = "https://example.org/x"
"#;

const FILE: &str = "tutorials/latency/01-demo.toml";

fn errors(text: &str) -> Vec<String> {
    match parse_tutorial(FILE, text, &series()) {
        Ok(_) => Vec::new(),
        Err(e) => e.iter().map(|e| e.to_string()).collect(),
    }
}

fn assert_error(text: &str, needles: &[&str]) {
    let errs = errors(text);
    assert!(
        errs.iter().any(|e| needles.iter().all(|n| e.contains(n))),
        "expected an error containing {needles:?}, got {errs:#?}"
    );
}

#[test]
fn the_good_example_loads_and_builds_its_lab() {
    let t = parse_tutorial(FILE, GOOD, &series()).expect("loads");
    assert_eq!(t.number, 1);
    let step = &t.steps[0];
    assert_eq!(step.number, 1);
    let mut cfg = engine::LabConfig::new("queue");
    step.apply_to(&mut cfg).expect("applies");
    assert_eq!(cfg.system, "web");
    assert!(cfg.is_enabled("fixed-latency") && cfg.is_enabled("timeouts"));
    let without = step.lab_config_without_mitigations().expect("builds");
    assert!(without.is_enabled("fixed-latency") && !without.is_enabled("timeouts"));
}

#[test]
fn unknown_scenario_is_named_with_its_step_and_field() {
    let bad = GOOD.replace(
        r#"scenarios = ["fixed-latency"]"#,
        r#"scenarios = ["fixed-latencyy"]"#,
    );
    assert_error(
        &bad,
        &[
            FILE,
            "tutorial `demo`",
            "step 1",
            "action.scenarios[0]",
            "fixed-latencyy",
        ],
    );
}

#[test]
fn out_of_range_parameter_is_refused_by_the_engine() {
    let bad = GOOD.replace("workers = 8", "workers = 0");
    assert_error(&bad, &["step 1", "action.params.workers", "workers"]);
    let bad = GOOD.replace("workers = 8", "wrokers = 8");
    assert_error(&bad, &["action.params.wrokers", "wrokers"]);
}

#[test]
fn unknown_metric_and_bad_syntax_in_conditions() {
    let bad = GOOD.replace("latency_p99_s < 1", "latency_p999_s < 1");
    assert_error(&bad, &["step 1", "expect.conditions[0]", "latency_p999_s"]);
    let bad = GOOD.replace("latency_p99_s < 1", "rate(error_rate[1m]) > 0");
    assert_error(&bad, &["expect.conditions[0]", "golden series"]);
    let bad = GOOD.replace("latency_p99_s < 1", "latency_p99_s <");
    assert_error(&bad, &["expect.conditions[0]", "column"]);
}

#[test]
fn quiz_answers_must_be_valid() {
    let two_right = GOOD.replace(
        r#"{ text = "b", explanation = "e" }"#,
        r#"{ text = "b", correct = true, explanation = "e" }"#,
    );
    assert_error(
        &two_right,
        &["quiz[0].choices", "exactly one correct", "has 2"],
    );
    let none_right = GOOD
        .replace(r#"correct = true, "#, "")
        .replace(r#"kind = "single""#, r#"kind = "multiple""#);
    assert_error(&none_right, &["quiz[0].choices", "at least one correct"]);
    let numeric = GOOD.replace(
        r#"kind = "single"
prompt = "q"
choices = [ { text = "a", correct = true, explanation = "e" }, { text = "b", explanation = "e" } ]"#,
        r#"kind = "numeric"
prompt = "q"
value = 4
tolerance = -1
explanation = "e""#,
    );
    assert_error(&numeric, &["quiz[0].tolerance", "≥ 0"]);
    let ok = numeric.replace("tolerance = -1", "tolerance = 0.5");
    let t = parse_tutorial(FILE, &ok, &series()).expect("loads");
    assert!(t.quiz[0].is_right_number(4.4) && !t.quiz[0].is_right_number(4.6));
}

#[test]
fn links_steps_and_names() {
    let bad = GOOD.replace("https://example.org/x", "javascript:alert(1)");
    assert_error(&bad, &["reading[0].url", "https://"]);
    let bad = GOOD.replace("https://example.org/x", "http://example.org/x");
    assert_error(&bad, &["reading[0].url"]);
    let bad = GOOD.replace(r#"kind = "mitigate""#, r#"kind = "fix""#);
    assert_error(
        &bad,
        &[
            "step 1",
            "kind",
            "observe, inject, diagnose, mitigate, verify",
        ],
    );
    let bad = GOOD.replace(r#"mitigations = ["timeouts"]"#, "mitigations = []");
    assert_error(&bad, &["step 1", "action.mitigations", "mitigate step"]);
    let bad = GOOD.replace("at_end = true", "at_end = true\nwithin_s = 5");
    assert_error(&bad, &["step 1", "expect", "exactly one of"]);
    let bad = GOOD.replace("at_end = true", "within_s = 50");
    assert_error(&bad, &["expect.within_s", "run_for_s"]);
    let errs = match parse_tutorial("tutorials/latency/1-demo.toml", GOOD, &series()) {
        Err(e) => e.iter().map(|e| e.to_string()).collect::<Vec<_>>(),
        Ok(_) => vec![],
    };
    assert!(
        errs.iter().any(|e| e.contains("<nn>-demo.toml")),
        "{errs:?}"
    );
    let bad = GOOD.replace(
        "[[code]]\nlanguage = \"go\"",
        "[[code]]\nlanguage = \"rust\"",
    );
    assert_error(&bad, &["code", "Rust and in one other language"]);
    let bad = GOOD.replace("minutes = 5", "minutes = 5\nsurprise = 1");
    assert_error(&bad, &[FILE, "surprise"]);
}

#[test]
fn library_wide_checks() {
    let series_toml = "[[series]]\nid = \"latency\"\ntitle = \"L\"\nsummary = \"s\"\norder = 1\n";
    let second = GOOD
        .replace(r#"id = "demo""#, r#"id = "other""#)
        .replace("[[steps]]", "prerequisites = [\"missing\"]\n[[steps]]");
    // TOML tables: prerequisites must come before [lab]; put it at the top instead.
    let second = second
        .replace("prerequisites = [\"missing\"]\n[[steps]]", "[[steps]]")
        .replacen(
            "minutes = 5",
            "minutes = 5\nprerequisites = [\"missing\"]",
            1,
        );
    let lib = load(
        series_toml,
        &[
            (FILE, GOOD),
            ("tutorials/latency/03-other.toml", &second),
            ("tutorials/latency/04-demo.toml", GOOD),
        ],
    );
    let all: Vec<String> = lib.errors.iter().map(|e| e.to_string()).collect();
    let has = |n: &str| all.iter().any(|e| e.contains(n));
    assert!(has("`missing` is not another tutorial's id"), "{all:#?}");
    assert!(has("must run 01, 02, 03"), "{all:#?}");
    assert!(
        has("04-demo.toml") && (has("should be named") || has("ids must be unique")),
        "{all:#?}"
    );
}

#[test]
fn every_condition_names_declared_metrics_and_every_quiz_is_answerable() {
    let declared: Vec<&str> = engine::catalog::metric_specs()
        .iter()
        .map(|m| m.name)
        .collect();
    for t in content::tutorials() {
        for s in &t.steps {
            for c in &s.expect.conditions {
                let cond = engine::query::Condition::parse(c).expect("the loader parsed it");
                for name in cond.query().metric_names() {
                    assert!(
                        declared.contains(&name.as_str()),
                        "{} step {}: `{name}` is not declared by any system, scenario or mitigation",
                        t.id,
                        s.number
                    );
                }
            }
        }
        for q in &t.quiz {
            match &q.answer {
                Answer::Single(c) => {
                    let right = (0..c.len()).find(|&i| c[i].correct).expect("one is right");
                    assert!(q.is_right_choice(&[right]));
                    assert!(!q.is_right_choice(&[(right + 1) % c.len()]));
                }
                Answer::Multiple(c) => {
                    let right: Vec<usize> = (0..c.len()).filter(|&i| c[i].correct).collect();
                    assert!(q.is_right_choice(&right));
                    assert!(!q.is_right_choice(&[]));
                }
                Answer::Numeric {
                    value, tolerance, ..
                } => {
                    assert!(q.is_right_number(*value));
                    assert!(!q.is_right_number(value + tolerance * 2.0 + 1e-9 + value.abs() * 0.5));
                }
            }
        }
    }
}

/// A step's lab is built by `engine::RunSpec`; a refused input is named by the field
/// of the action it came from.
#[test]
fn a_steps_lab_is_a_run_spec_and_a_bad_input_names_its_field() {
    let action = content::Action {
        system: "web".into(),
        seed: 3,
        speed: 10.0,
        scenarios: vec!["fixed-latency".into()],
        mitigations: vec!["timeouts".into()],
        params: vec![
            ("workers".into(), "8".into()),
            ("timeouts.server_timeout_ms".into(), "300".into()),
        ],
        run_for_s: 30.0,
    };
    let spec = action.spec(true);
    assert_eq!(spec.until_ns, Some(30_000_000_000));
    assert_eq!(action.lab_config(true), Ok(spec.build().unwrap()));
    let without = action.spec(false);
    assert!(without.switches.iter().all(|s| s.id != "timeouts"));
    assert!(without.switch_params.is_empty());
    type Case = (fn(&mut content::Action), &'static str, &'static str);
    let cases: [Case; 5] = [
        (
            |a| a.system = "mars".into(),
            "action.system",
            "unknown system `mars`",
        ),
        (
            |a| a.params[0].1 = "0".into(),
            "action.params.workers",
            "value `0` for `workers` is out of range",
        ),
        (
            |a| a.scenarios.push("breaker".into()),
            "action.scenarios[1]",
            "unknown scenario `breaker`",
        ),
        (
            |a| a.mitigations[0] = "retry-storm".into(),
            "action.mitigations[0]",
            "unknown mitigation `retry-storm`",
        ),
        (
            |a| a.params.push(("breaker.open_s".into(), "5".into())),
            "action.params.breaker.open_s",
            "which is not switched on",
        ),
    ];
    for (change, field, message) in cases {
        let mut bad = action.clone();
        change(&mut bad);
        let (f, e) = bad.lab_config(true).expect_err(field);
        assert_eq!(f, field);
        assert!(e.to_string().contains(message), "{e}");
    }
}

/// Issue 17 §4: every tutorial states its difficulty and the background it assumes, and
/// ships instructor notes (kept out of the learner's view by default).
#[test]
fn every_tutorial_states_difficulty_background_and_instructor_notes() {
    let missing: Vec<String> = content::tutorials()
        .iter()
        .filter(|t| {
            t.difficulty.is_empty() || t.assumes.is_empty() || t.instructor_notes.trim().len() < 80
        })
        .map(|t| format!("{} ({})", t.id, t.file))
        .collect();
    assert!(
        missing.is_empty(),
        "{} tutorials lack `difficulty`, `assumes` or `instructor_notes` (80+ characters):\n{}",
        missing.len(),
        missing.join("\n")
    );
}
