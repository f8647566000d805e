//! cmi5 (the xAPI profile for LMS launches) without a browser: what an AU launched by a
//! cmi5 LMS reads and sends. `Launch::from_query` reads the launch parameters
//! (`endpoint`, `fetch`, `actor`, `registration`, `activityId`); `LaunchData::parse` the
//! LMS's `LMS.LaunchData` state document (context template with the session id, launch
//! mode, mastery score; not moveOn, which only the LMS applies, nor returnURL: the lab
//! ends its session when the LMS closes or navigates its frame and never leaves by
//! itself); `Judge` decides which statements a learner's progress calls for under the
//! spec's ordering rules (one Passed/Failed per session, one Completed and one Passed per
//! registration, no Failed after Passed, nothing judged outside Normal mode); `statement`
//! writes one statement from the context template (registration, the cmi5 and moveOn
//! categories, the mastery score extension), and `duration` its ISO 8601 duration. The
//! app (`cmi5.rs`) does the HTTP.

use engine::json::{self, Value};

pub const CATEGORY_CMI5: &str = "https://w3id.org/xapi/cmi5/context/categories/cmi5";
pub const CATEGORY_MOVEON: &str = "https://w3id.org/xapi/cmi5/context/categories/moveon";
pub const EXT_MASTERY: &str = "https://w3id.org/xapi/cmi5/context/extensions/masteryscore";
pub const EXT_PROGRESS: &str = "https://w3id.org/xapi/cmi5/result/extensions/progress";
/// The state document the LMS writes before a launch.
pub const LAUNCH_DATA: &str = "LMS.LaunchData";
/// The AU's own state document: the learner's progress and what was reported.
pub const PROGRESS_STATE: &str = "sdl-progress";
pub const XAPI_VERSION: &str = "1.0.3";

/// A statement's verb.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    Initialized,
    Progressed,
    Completed,
    Passed,
    Failed,
    Terminated,
}

impl Verb {
    pub fn iri(self) -> &'static str {
        match self {
            Verb::Initialized => "http://adlnet.gov/expapi/verbs/initialized",
            Verb::Progressed => "http://adlnet.gov/expapi/verbs/progressed",
            Verb::Completed => "http://adlnet.gov/expapi/verbs/completed",
            Verb::Passed => "http://adlnet.gov/expapi/verbs/passed",
            Verb::Failed => "http://adlnet.gov/expapi/verbs/failed",
            Verb::Terminated => "http://adlnet.gov/expapi/verbs/terminated",
        }
    }
}

/// The launch parameters (cmi5 section 8.1), decoded.
#[derive(Debug, Clone, PartialEq)]
pub struct Launch {
    /// The LRS's base endpoint, ending in `/`.
    pub endpoint: String,
    pub fetch: String,
    pub actor: Value,
    pub registration: String,
    pub activity_id: String,
}

impl Launch {
    /// The launch in a page's query string: None when it has no `endpoint` nor `fetch`
    /// (not a cmi5 launch), an error naming what is missing or wrong.
    pub fn from_query(search: &str) -> Option<Result<Launch, String>> {
        let param = |name: &str| {
            search
                .trim_start_matches('?')
                .split('&')
                .find_map(|p| p.strip_prefix(name)?.strip_prefix('='))
                .map(engine::share::decode)
                .filter(|v| !v.is_empty())
                .ok_or_else(|| format!("the launch has no `{name}`"))
        };
        let (endpoint, fetch) = (param("endpoint"), param("fetch"));
        if endpoint.is_err() && fetch.is_err() {
            return None;
        }
        Some((|| {
            let (mut endpoint, fetch) = (endpoint?, fetch?);
            let actor = json::parse(&param("actor")?)
                .ok()
                .filter(|a| a.get("account").is_some_and(|x| x.get("name").is_some()))
                .ok_or("the launch's `actor` is not an Agent with an account")?;
            if !endpoint.ends_with('/') {
                endpoint.push('/');
            }
            Ok(Launch {
                endpoint,
                fetch,
                actor,
                registration: param("registration")?,
                activity_id: param("activityId")?,
            })
        })())
    }

    /// The URL of a state document of this AU, learner and registration.
    pub fn state_url(&self, state_id: &str) -> String {
        use engine::share::encode;
        format!(
            "{}activities/state?stateId={}&activityId={}&agent={}&registration={}",
            self.endpoint,
            encode(state_id),
            encode(&self.activity_id),
            encode(&self.actor.to_compact()),
            encode(&self.registration)
        )
    }

    pub fn statements_url(&self) -> String {
        format!("{}statements", self.endpoint)
    }

    /// The learner's account name in the LMS.
    pub fn learner(&self) -> Option<String> {
        let name = self.actor.get("account")?.get("name")?;
        name.as_str().ok().map(str::to_string)
    }
}

/// The token in the fetch URL's answer, or its error in words.
pub fn auth_token(answer: &str) -> Result<String, String> {
    let v = json::parse(answer).unwrap_or(Value::Null);
    match v.get("auth-token").map(Value::as_str) {
        Some(Ok(token)) => Ok(token.to_string()),
        _ => Err(format!("the LMS gave no token: {answer}")),
    }
}

/// What the LMS's `LMS.LaunchData` says (cmi5 section 10).
#[derive(Debug, Clone, PartialEq)]
pub struct LaunchData {
    /// The context every statement starts from (session id, publisher id…), as JSON.
    pub context: String,
    /// Normal (judged) or Browse/Review (only Initialized and Terminated).
    pub normal: bool,
    /// The scaled score that passes, when stated (a value outside 0–1 is not one).
    pub mastery: Option<f64>,
}

impl LaunchData {
    pub fn parse(text: &str) -> Result<LaunchData, String> {
        let v = json::parse(text).map_err(|e| format!("LMS.LaunchData is not JSON: {e}"))?;
        let context = match v.get("contextTemplate") {
            Some(c @ Value::Object(_)) => c.to_compact(),
            _ => return Err("LMS.LaunchData has no contextTemplate".into()),
        };
        Ok(LaunchData {
            context,
            normal: v
                .get("launchMode")
                .is_none_or(|m| m.as_str() == Ok("Normal")),
            mastery: v
                .get("masteryScore")
                .and_then(|m| m.as_f64().ok())
                .filter(|m| (0.0..=1.0).contains(m)),
        })
    }
}

/// What the AU has said, and may still say, under cmi5's ordering rules.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Judge {
    /// Completed, Passed already sent in this registration (from the AU's state).
    pub completed: bool,
    pub passed: bool,
    /// Passed or Failed sent in this session.
    pub judged: bool,
    /// The last progress sent, percent.
    pub progress: u8,
}

/// A statement the learner's progress calls for, with its result's figures.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Report {
    Progressed(u8),
    Completed,
    /// Passed (true) or Failed, with the score (scaled 0–1).
    Judged(bool, f64),
    /// The session ends.
    Terminated,
}

impl Judge {
    /// The statements to send for the launched tutorial now: `completed`, `progress`
    /// (percent of its steps done) and its quiz score (percent), judged against
    /// `mastery` (scaled), in this order. Outside Normal mode nothing is judged.
    pub fn report(
        &mut self,
        normal: bool,
        mastery: f64,
        completed: bool,
        progress: u8,
        score: Option<f64>,
    ) -> [Option<Report>; 3] {
        let mut out = [None; 3];
        if !normal {
            return out;
        }
        let progress = progress.min(100);
        if !completed && !self.completed && progress > self.progress {
            self.progress = progress;
            out[0] = Some(Report::Progressed(progress));
        }
        if completed && !self.completed {
            self.completed = true;
            out[1] = Some(Report::Completed);
        }
        if let Some(s) = score.filter(|s| s.is_finite()) {
            let scaled = (s / 100.0).clamp(0.0, 1.0);
            let pass = scaled >= mastery;
            if !self.judged && !self.passed {
                self.judged = true;
                self.passed = pass;
                out[2] = Some(Report::Judged(pass, scaled));
            }
        }
        out
    }
}

/// `seconds` as an ISO 8601 duration (`PT1H2M3.45S`).
pub fn duration(seconds: f64) -> String {
    let centis = (seconds.max(0.0) * 100.0).round() as u64;
    let (h, m, s, c) = (
        centis / 360_000,
        centis / 6_000 % 60,
        centis / 100 % 60,
        centis % 100,
    );
    format!("PT{h}H{m}M{s}.{c:02}S")
}

/// A version-4 UUID from 16 random bytes.
pub fn uuid(mut b: [u8; 16]) -> String {
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let mut out = String::with_capacity(36);
    for (i, x) in b.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out.push('-');
        }
        for n in [x >> 4, x & 15] {
            out.push(char::from(b"0123456789abcdef"[usize::from(n)]));
        }
    }
    out
}

fn member<'a>(v: &'a mut Value, key: &str, empty: Value) -> &'a mut Value {
    if !matches!(v, Value::Object(_)) {
        *v = Value::Object(Vec::new());
    }
    let Value::Object(m) = v else { unreachable!() };
    let i = match m.iter().rposition(|(k, _)| k == key) {
        Some(i) => i,
        None => {
            m.push((key.to_string(), empty));
            m.len() - 1
        }
    };
    &mut m[i].1
}

fn activity(id: &str) -> Value {
    Value::Object(vec![("id".into(), id.into())])
}

/// One statement, as JSON: `verb` by the launch's actor about its activity, in the
/// context template with the registration; cmi5 defined (all but Progressed) with the
/// cmi5 category, the moveOn category where the result says success or completion, and
/// the mastery score on Passed and Failed when the LMS stated one. `result` is the
/// result object's JSON (`result`), if any.
pub fn statement(
    launch: &Launch,
    data: &LaunchData,
    verb: Verb,
    result: &str,
    id: &str,
    timestamp: &str,
) -> String {
    let mut context = json::parse(&data.context).unwrap_or(Value::Null);
    if context.get("registration").is_none() {
        *member(&mut context, "registration", Value::Null) = launch.registration.as_str().into();
    }
    if verb != Verb::Progressed {
        let activities = member(&mut context, "contextActivities", Value::Object(Vec::new()));
        let category = member(activities, "category", Value::Array(Vec::new()));
        if !matches!(category, Value::Array(_)) {
            let one = std::mem::replace(category, Value::Null);
            *category = Value::Array(vec![one]);
        }
        if let Value::Array(list) = category {
            list.push(activity(CATEGORY_CMI5));
            if matches!(verb, Verb::Completed | Verb::Passed | Verb::Failed) {
                list.push(activity(CATEGORY_MOVEON));
            }
        }
    }
    if let (Some(m), Verb::Passed | Verb::Failed) = (data.mastery, verb) {
        let ext = member(&mut context, "extensions", Value::Object(Vec::new()));
        *member(ext, EXT_MASTERY, Value::Null) = m.into();
    }
    let result = if result.is_empty() {
        String::new()
    } else {
        format!(r#","result":{result}"#)
    };
    format!(
        r#"{{"id":"{id}","timestamp":"{timestamp}","actor":{},"verb":{{"id":"{}"}},"object":{{"id":{},"objectType":"Activity"}}{result},"context":{}}}"#,
        launch.actor.to_compact(),
        verb.iri(),
        json::quoted(&launch.activity_id),
        context.to_compact()
    )
}

/// The verb and result (JSON) of a reported statement, with its duration (seconds).
pub fn result(report: Report, seconds: f64) -> (Verb, String) {
    let d = duration(seconds);
    match report {
        Report::Progressed(p) => (
            Verb::Progressed,
            format!(r#"{{"extensions":{{"{EXT_PROGRESS}":{}}}}}"#, u32::from(p)),
        ),
        Report::Completed => (
            Verb::Completed,
            format!(r#"{{"completion":true,"duration":"{d}"}}"#),
        ),
        Report::Terminated => (Verb::Terminated, format!(r#"{{"duration":"{d}"}}"#)),
        Report::Judged(pass, scaled) => (
            if pass { Verb::Passed } else { Verb::Failed },
            format!(
                r#"{{"score":{{"scaled":{},"raw":{},"min":0,"max":100}},"success":{pass},"duration":"{d}"}}"#,
                json::number_text(scaled),
                (scaled * 100.0).round() as u32
            ),
        ),
    }
}

/// The AU's state document: the learner's progress (compact JSON) and what was
/// reported in this registration.
/// `progress` is the lab's own compact JSON (`Progress::to_compact_json`) or `null`.
pub fn state_doc(progress: &str, judge: &Judge) -> String {
    format!(
        r#"{{"progress":{progress},"completed":{},"passed":{}}}"#,
        judge.completed, judge.passed
    )
}

/// Reads `state_doc`'s document: the progress (compact JSON, if any) and what was
/// reported in the registration (`Judge` with `completed` and `passed`).
pub fn read_state_doc(text: &str) -> (Option<String>, Judge) {
    let Ok(v) = json::parse(text) else {
        return (None, Judge::default());
    };
    let flag = |k: &str| v.get(k).and_then(|b| b.as_bool().ok()).unwrap_or(false);
    let progress = v
        .get("progress")
        .filter(|p| matches!(p, Value::Object(_)))
        .map(Value::to_compact);
    (
        progress,
        Judge {
            completed: flag("completed"),
            passed: flag("passed"),
            ..Judge::default()
        },
    )
}
