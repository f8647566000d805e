//! Progress storage, the pure part: serialise, parse, migrate, validate, merge, and what
//! happens to unreadable data. No DOM: natively, and in headless Chromium with the host's
//! other tests.

use sdl_host::progress::*;
use std::collections::BTreeMap;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

fn sample() -> Progress {
    let mut p = Progress::default();
    p.mark_step("latency-baseline", 0, 1_000);
    p.mark_step("latency-baseline", 1, 2_000);
    p.set_current("latency-baseline", 2, 2_500);
    let mut answers = BTreeMap::new();
    answers.insert(
        0,
        QuizAnswer {
            given: Given::Choices([1].into()),
            correct: true,
        },
    );
    answers.insert(
        1,
        QuizAnswer {
            given: Given::Number(0.75),
            correct: false,
        },
    );
    p.record_quiz("latency-baseline", answers, 3, 2, 3_000);
    p
}

#[test]
fn round_trips_through_json() {
    let p = sample();
    let json = p.to_json();
    assert!(json.contains("\"format\": \"sdl-progress\""));
    assert!(json.contains("\"version\": 1"));
    assert_eq!(Progress::parse(&json).unwrap(), p);
}

/// Suspend data is short (SCORM 1.2 keeps 4,096 characters): the compact document
/// carries no white space and reads back the same (issue 18, defect 12).
#[test]
fn compact_json_has_no_white_space_and_round_trips() {
    let p = sample();
    let compact = p.to_compact_json();
    assert!(
        !compact.contains('\n') && !compact.contains(": "),
        "{compact}"
    );
    assert!(compact.len() < p.to_json().len());
    assert_eq!(Progress::parse(&compact).unwrap(), p);
}

#[test]
fn quiz_after_all_steps_completes_with_score_and_time() {
    let p = sample();
    let t = p.get("latency-baseline").unwrap();
    assert_eq!(
        t.score,
        Some(Score {
            correct: 1,
            total: 3
        })
    );
    assert!(t.completed);
    assert_eq!(t.completed_ms, Some(3_000));
    assert_eq!(t.started_ms, 1_000);
    assert_eq!(t.updated_ms, 3_000);
    assert_eq!(t.current_step, 2);
}

#[test]
fn quiz_with_steps_missing_does_not_complete() {
    let mut p = Progress::default();
    p.mark_step("t", 0, 1);
    p.record_quiz("t", BTreeMap::new(), 2, 3, 2);
    let t = p.get("t").unwrap();
    assert!(!t.completed);
    assert_eq!(t.completed_ms, None);
    assert_eq!(
        t.score,
        Some(Score {
            correct: 0,
            total: 2
        })
    );
    assert_eq!(t.steps_passed(3), 1);
}

#[test]
fn empty_document_is_fresh_progress() {
    let p = Progress::parse(r#"{"format":"sdl-progress","version":1}"#).unwrap();
    assert_eq!(p, Progress::default());
}

#[test]
fn rejects_what_is_not_progress_with_a_reason() {
    let cases: [(&str, &str); 8] = [
        ("not json", "not valid JSON"),
        ("[1,2]", "top level is not an object"),
        (r#"{"version":1}"#, "no \"format\""),
        (
            r#"{"format":"other","version":1}"#,
            "\"format\" is \"other\"",
        ),
        (r#"{"format":"sdl-progress"}"#, "\"version\" is missing"),
        (
            r#"{"format":"sdl-progress","version":"1"}"#,
            "\"version\" is \"1\"",
        ),
        (
            r#"{"format":"sdl-progress","version":0}"#,
            "\"version\" is 0",
        ),
        (
            r#"{"format":"sdl-progress","version":1.5}"#,
            "\"version\" is 1.5",
        ),
    ];
    for (raw, expected) in cases {
        let err = Progress::parse(raw).unwrap_err().to_string();
        assert!(err.contains(expected), "{raw}: {err}");
    }
}

#[test]
fn newer_version_is_refused_naming_both_versions() {
    let err =
        Progress::parse(r#"{"format":"sdl-progress","version":7,"tutorials":{}}"#).unwrap_err();
    assert_eq!(err, ProgressError::NewerVersion(7));
    let msg = err.to_string();
    assert!(
        msg.contains("version 7") && msg.contains("versions 1 to 1"),
        "{msg}"
    );
}

#[test]
fn rejects_malformed_and_out_of_range_fields() {
    let doc = |t: &str| format!(r#"{{"format":"sdl-progress","version":1,"tutorials":{t}}}"#);
    let cases = [
        (doc(r#"{"a":{"steps_done":[-1]}}"#), "malformed"),
        (doc(r#"{"a":{"steps_done":"x"}}"#), "malformed"),
        (doc(r#"{"a":{"surprise":1}}"#), "malformed"),
        (
            doc(r#"{"a":{"steps_done":[9999]}}"#),
            "step 9999 is out of range",
        ),
        (doc(r#"{"a":{"current_step":9999}}"#), "current_step 9999"),
        (
            doc(r#"{"Bad Id":{}}"#),
            "tutorial id \"Bad Id\" is not allowed",
        ),
        (doc(r#"{"":{}}"#), "is not allowed"),
        (
            doc(r#"{"a":{"score":{"correct":3,"total":2}}}"#),
            "score 3/2 is impossible",
        ),
        (doc(r#"{"a":{"completed_ms":5}}"#), "completed is false"),
        (
            doc(r#"{"a":{"answers":{"0":{"given":{"choices":[500]},"correct":true}}}}"#),
            "out of range",
        ),
        (
            doc(r#"{"a":{"answers":{"0":{"given":{"guess":1},"correct":true}}}}"#),
            "malformed",
        ),
    ];
    for (raw, expected) in cases {
        let err = Progress::parse(&raw).unwrap_err().to_string();
        assert!(err.contains(expected), "{raw}: {err}");
    }
}

/// One rule with lab configurations (issue 18): a key given twice is refused, at any
/// depth, with where, instead of silently keeping the last copy.
#[test]
fn a_key_given_twice_is_refused_as_in_lab_configurations() {
    let twice =
        sample()
            .to_json()
            .replacen("\"tutorials\": {", "\"tutorials\": {}, \"tutorials\": {", 1);
    assert!(twice.matches("\"tutorials\"").count() == 2, "{twice}");
    let err = Progress::parse(&twice).unwrap_err();
    assert_eq!(
        err,
        ProgressError::Invalid("a field is malformed: duplicate field `tutorials`".into())
    );
    let deep = r#"{"format":"sdl-progress","version":1,"tutorials":{"a":{"steps_done":[0],"steps_done":[0,1]}}}"#;
    let err = Progress::parse(deep).unwrap_err().to_string();
    assert!(err.contains("`a`: duplicate field `steps_done`"), "{err}");
}

#[test]
fn refuses_oversized_input_before_parsing() {
    let raw = " ".repeat(MAX_IMPORT_BYTES + 1);
    assert_eq!(
        Progress::parse(&raw),
        Err(ProgressError::TooLarge(MAX_IMPORT_BYTES + 1))
    );
}

#[test]
fn load_keeps_corrupt_data_aside_under_a_free_key() {
    assert_eq!(load(None, &|_| false), Loaded::Fresh);
    let good = sample().to_json();
    assert_eq!(load(Some(&good), &|_| false), Loaded::Ok(sample()));
    let taken = |k: &str| k == "sdl-progress-corrupt-1" || k == "sdl-progress-corrupt-2";
    match load(Some("{broken"), &taken) {
        Loaded::Corrupt {
            raw,
            aside_key,
            message,
        } => {
            assert_eq!(raw, "{broken");
            assert_eq!(aside_key, "sdl-progress-corrupt-3");
            assert!(message.contains("sdl-progress-corrupt-3"), "{message}");
            assert!(message.contains("not valid JSON"), "{message}");
        }
        other => panic!("expected Corrupt, got {other:?}"),
    }
}

#[test]
fn merge_takes_the_entry_updated_last() {
    let mut ours = Progress::default();
    ours.mark_step("a", 0, 10);
    ours.mark_step("b", 0, 50);
    let mut theirs = Progress::default();
    theirs.mark_step("a", 1, 20);
    theirs.mark_step("b", 1, 40);
    theirs.mark_step("c", 2, 5);
    assert_eq!(ours.merge(theirs), 2);
    assert_eq!(ours.get("a").unwrap().steps_done, [1].into());
    assert_eq!(ours.get("b").unwrap().steps_done, [0].into());
    assert_eq!(ours.get("c").unwrap().steps_done, [2].into());
}

#[test]
fn out_of_range_updates_are_ignored() {
    let mut p = Progress::default();
    p.mark_step("a", MAX_STEPS, 1);
    p.set_current("a", MAX_STEPS, 1);
    assert!(p.get("a").is_none());
    p.mark_step("a", 3, 1);
    assert!(p.validate().is_ok());
}

/// The progress `fixtures/progress-v1.json` was saved from.
fn fixture_progress() -> Progress {
    let mut p = Progress::default();
    p.mark_step("latency-baseline", 0, 1_000);
    p.mark_step("latency-baseline", 1, 2_000);
    p.set_current("latency-baseline", 2, 2_500);
    let answer = |given, correct| QuizAnswer { given, correct };
    let answers = BTreeMap::from([
        (0, answer(Given::Choices([1].into()), true)),
        (1, answer(Given::Number(0.75), false)),
        (2, answer(Given::Number(3.0), true)),
        (10, answer(Given::Choices([0, 2, 3].into()), false)),
        (11, answer(Given::Number(-1.5e-7), false)),
        (12, answer(Given::Number(2.5e21), false)),
        (13, answer(Given::Choices([].into()), false)),
    ]);
    p.record_quiz("latency-baseline", answers, 14, 2, 1_733_400_000_123);
    p.mark_step("retry_storm-2", 5, 1_733_400_000_999);
    p.set_current("retry_storm-2", 7, 1_733_400_001_000);
    p.entry("z-empty", 42);
    p
}

/// Progress saved by earlier builds (serde_json, commit 15ad606) loads, and this build
/// writes the same progress byte for byte (so a save after loading changes nothing).
#[test]
fn progress_saved_by_earlier_builds_still_loads_and_is_written_the_same() {
    let cases = [
        (
            include_str!("fixtures/progress-v1.json"),
            fixture_progress(),
        ),
        (
            include_str!("fixtures/progress-empty-v1.json"),
            Progress::default(),
        ),
    ];
    for (saved, progress) in cases {
        assert_eq!(Progress::parse(saved).as_ref(), Ok(&progress), "{saved}");
        assert_eq!(progress.to_json(), saved);
    }
    let t = fixture_progress();
    let t = t.get("latency-baseline").unwrap();
    assert_eq!(t.answers.len(), 7);
    assert!(t.completed);
}
