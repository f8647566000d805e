//! The cmi5 launch: its parameters, the LMS's launch data, which statements a learner's
//! progress calls for under the spec's ordering rules, and the statements' shape.

use engine::json::{self, Value};
use sdl_host::cmi5::*;

const ACTOR: &str =
    r#"{"objectType":"Agent","account":{"homePage":"https://lms.example","name":"learner-1"}}"#;

fn launch() -> Launch {
    let q = format!(
        "?series=latency&tutorial=t&endpoint={}&fetch={}&actor={}&registration=r-1&activityId={}",
        engine::share::encode("https://lrs.example/xapi"),
        engine::share::encode("https://lms.example/fetch?k=1"),
        engine::share::encode(ACTOR),
        engine::share::encode("https://lms.example/au/1"),
    );
    Launch::from_query(&q).unwrap().unwrap()
}

fn data(extra: &str) -> LaunchData {
    LaunchData::parse(&format!(
        r#"{{"contextTemplate":{{"contextActivities":{{"grouping":[{{"id":"pub"}}]}},"extensions":{{"https://w3id.org/xapi/cmi5/context/extensions/sessionid":"s-1"}}}},"launchMode":"Normal","moveOn":"CompletedAndPassed"{extra}}}"#
    ))
    .unwrap()
}

#[test]
fn a_launch_reads_its_parameters_and_names_what_is_missing() {
    let l = launch();
    assert_eq!(l.endpoint, "https://lrs.example/xapi/");
    assert_eq!(l.fetch, "https://lms.example/fetch?k=1");
    assert_eq!(l.learner().as_deref(), Some("learner-1"));
    assert!(l.state_url(LAUNCH_DATA).starts_with(
        "https://lrs.example/xapi/activities/state?stateId=LMS.LaunchData&activityId=https%3A%2F%2Flms.example%2Fau%2F1&agent=%7B"
    ));
    assert!(l.state_url(LAUNCH_DATA).ends_with("&registration=r-1"));
    assert_eq!(Launch::from_query("?series=x&tutorial=y"), None);
    let e = Launch::from_query("?endpoint=https%3A%2F%2Fa%2F&fetch=https%3A%2F%2Fb").unwrap();
    assert_eq!(e.unwrap_err(), "the launch has no `actor`");
    let e = Launch::from_query("?endpoint=https%3A%2F%2Fa%2F&fetch=https%3A%2F%2Fb&actor=%7B%7D");
    assert!(e.unwrap().unwrap_err().contains("`actor` is not an Agent"));
}

#[test]
fn the_fetch_answer_gives_the_token_or_the_lms_error() {
    assert_eq!(auth_token(r#"{"auth-token":"QWxh"}"#).unwrap(), "QWxh");
    let e = auth_token(r#"{"error-code":"1","error-text":"already used"}"#).unwrap_err();
    assert!(e.contains("no token") && e.contains("already used"), "{e}");
}

#[test]
fn launch_data_gives_the_context_mode_and_mastery() {
    let d = data(r#","masteryScore":0.8"#);
    assert!(d.normal);
    assert_eq!(d.mastery, Some(0.8));
    assert!(
        !LaunchData::parse(r#"{"contextTemplate":{},"launchMode":"Browse"}"#)
            .unwrap()
            .normal
    );
    assert!(LaunchData::parse(r#"{"launchMode":"Normal"}"#).is_err());
    assert_eq!(
        LaunchData::parse(r#"{"contextTemplate":{},"masteryScore":2}"#)
            .unwrap()
            .mastery,
        None
    );
}

fn sent(a: [Option<Report>; 3]) -> Vec<Report> {
    a.into_iter().flatten().collect()
}

#[test]
fn the_judge_follows_cmi5_ordering_rules() {
    let mut j = Judge::default();
    assert_eq!(
        sent(j.report(true, 0.8, false, 50, None)),
        vec![Report::Progressed(50)]
    );
    assert_eq!(
        sent(j.report(true, 0.8, false, 50, None)),
        vec![],
        "nothing new"
    );
    // Completed and judged once; a second Passed/Failed in the session is not sent.
    assert_eq!(
        sent(j.report(true, 0.8, true, 100, Some(50.0))),
        vec![Report::Completed, Report::Judged(false, 0.5)]
    );
    assert_eq!(sent(j.report(true, 0.8, true, 100, Some(100.0))), vec![]);
    // The next session (what was sent in the registration kept): Passed now.
    let mut next = Judge {
        completed: j.completed,
        passed: j.passed,
        ..Judge::default()
    };
    assert_eq!(
        sent(next.report(true, 0.8, true, 100, Some(100.0))),
        vec![Report::Judged(true, 1.0)]
    );
    // Never Failed after Passed in a registration.
    let mut again = Judge {
        completed: true,
        passed: true,
        ..Judge::default()
    };
    assert_eq!(sent(again.report(true, 0.8, true, 100, Some(10.0))), vec![]);
    // Browse and Review: nothing judged.
    assert_eq!(
        sent(Judge::default().report(false, 0.8, true, 100, Some(100.0))),
        vec![]
    );
}

#[test]
fn statements_carry_the_context_template_registration_and_categories() {
    let (l, d) = (launch(), data(r#","masteryScore":0.8"#));
    let (verb, r) = result(Report::Judged(true, 0.9), 65.5);
    assert_eq!(verb, Verb::Passed);
    let s = json::parse(&statement(
        &l,
        &d,
        verb,
        &r,
        "id-1",
        "2026-01-01T00:00:00.000Z",
    ))
    .unwrap();
    assert_eq!(
        s.get("verb").unwrap().get("id").unwrap().as_str().unwrap(),
        "http://adlnet.gov/expapi/verbs/passed"
    );
    assert_eq!(
        s.get("object")
            .unwrap()
            .get("id")
            .unwrap()
            .as_str()
            .unwrap(),
        "https://lms.example/au/1"
    );
    let ctx = s.get("context").unwrap();
    assert_eq!(ctx.get("registration").unwrap().as_str().unwrap(), "r-1");
    let cats: Vec<&str> = ctx
        .get("contextActivities")
        .unwrap()
        .get("category")
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.get("id").unwrap().as_str().unwrap())
        .collect();
    assert_eq!(cats, [CATEGORY_CMI5, CATEGORY_MOVEON]);
    assert!(
        ctx.get("contextActivities")
            .unwrap()
            .get("grouping")
            .is_some(),
        "template kept"
    );
    let ext = ctx.get("extensions").unwrap();
    assert_eq!(
        ext.get("https://w3id.org/xapi/cmi5/context/extensions/sessionid")
            .unwrap()
            .as_str()
            .unwrap(),
        "s-1"
    );
    assert_eq!(ext.get(EXT_MASTERY).unwrap().as_f64().unwrap(), 0.8);
    let res = s.get("result").unwrap();
    assert_eq!(
        res.get("score")
            .unwrap()
            .get("scaled")
            .unwrap()
            .as_f64()
            .unwrap(),
        0.9
    );
    assert_eq!(res.get("success"), Some(&Value::Bool(true)));
    assert_eq!(
        res.get("duration").unwrap().as_str().unwrap(),
        "PT0H1M5.50S"
    );
    // Progressed is cmi5 allowed: the template, no cmi5 category.
    let (verb, r) = result(Report::Progressed(50), 1.0);
    let p = json::parse(&statement(&l, &d, verb, &r, "id-2", "t")).unwrap();
    assert!(p
        .get("context")
        .unwrap()
        .get("contextActivities")
        .unwrap()
        .get("category")
        .is_none());
    assert_eq!(
        p.get("result")
            .unwrap()
            .get("extensions")
            .unwrap()
            .get(EXT_PROGRESS)
            .unwrap()
            .as_u64()
            .unwrap(),
        50
    );
    // Initialized: cmi5 category only, no mastery score.
    let i = json::parse(&statement(&l, &d, Verb::Initialized, "", "id-3", "t")).unwrap();
    let c = i.get("context").unwrap();
    assert_eq!(
        c.get("contextActivities")
            .unwrap()
            .get("category")
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert!(c.get("extensions").unwrap().get(EXT_MASTERY).is_none());
}

#[test]
fn durations_uuids_and_the_state_document() {
    assert_eq!(duration(3723.456), "PT1H2M3.46S");
    let u = uuid([0xff; 16]);
    assert_eq!(u, "ffffffff-ffff-4fff-bfff-ffffffffffff");
    let j = Judge {
        completed: true,
        passed: false,
        ..Judge::default()
    };
    let doc = state_doc(r#"{"format":"sdl-progress"}"#, &j);
    let (p, back) = read_state_doc(&doc);
    assert_eq!(p.as_deref(), Some(r#"{"format":"sdl-progress"}"#));
    assert!(back.completed && !back.passed);
    assert_eq!(read_state_doc("not json"), (None, Judge::default()));
}
