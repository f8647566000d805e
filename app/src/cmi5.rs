//! The cmi5 side of the LMS layer (`lms` chooses it when the page's address carries a
//! cmi5 launch): the HTTP, in order, to the fetch URL and the LRS the launch names and
//! nowhere else. One queue of requests, sent one after another: at start, POST the
//! fetch URL for the auth token, GET the AU's own state document (the learner's
//! progress, and whether Completed and Passed were already sent in this registration)
//! and `LMS.LaunchData` (context template with the session id, launch mode, mastery
//! score), then Initialized. Reports become statements as `sdl_host::cmi5::Judge` rules
//! (Progressed, Completed, Passed/Failed with the score); progress is PUT to the state
//! document; `pagehide` sends Terminated and what is still queued with keepalive.
//! What the statements say is `sdl_host::cmi5`; this file only sends them.

use sdl_host::cmi5::{self, Judge, Launch, LaunchData, Verb};
use std::cell::RefCell;

/// What the page is told once the session has read the learner's progress.
type OnLoaded = Box<dyn FnOnce(Result<Option<String>, String>)>;

/// What a request's answer is for.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Token,
    OwnState,
    LaunchData,
    /// A statement or the state document: only its refusal matters.
    Send,
}

struct Req {
    kind: Kind,
    method: &'static str,
    url: String,
    body: String,
}

struct Session {
    launch: Launch,
    started_ms: f64,
    token: String,
    /// Set once `LMS.LaunchData` is read: the session reports from then on.
    data: Option<LaunchData>,
    judge: Judge,
    mastery: f64,
    outbox: Vec<Req>,
    busy: bool,
    /// The learner's progress: read from the LRS at start, then what the page keeps.
    progress: Option<String>,
    on_loaded: Option<OnLoaded>,
    terminated: bool,
}

thread_local! {
    static SESSION: RefCell<Option<Session>> = const { RefCell::new(None) };
}

fn with<T>(f: impl FnOnce(&mut Session) -> T) -> Option<T> {
    SESSION.with(|s| s.borrow_mut().as_mut().map(f))
}

/// Starts a session when the page's address is a cmi5 launch: None when it is not,
/// else whether its parameters were usable (the message says what is wrong).
pub fn connect(search: &str, mastery: f64) -> Option<Result<(), String>> {
    let launch = match Launch::from_query(search)? {
        Ok(l) => l,
        Err(e) => return Some(Err(e)),
    };
    let get = |kind, url| Req {
        kind,
        method: "GET",
        url,
        body: String::new(),
    };
    let outbox = vec![
        Req {
            kind: Kind::Token,
            method: "POST",
            url: launch.fetch.clone(),
            body: String::new(),
        },
        get(Kind::OwnState, launch.state_url(cmi5::PROGRESS_STATE)),
        get(Kind::LaunchData, launch.state_url(cmi5::LAUNCH_DATA)),
    ];
    SESSION.with(|s| {
        *s.borrow_mut() = Some(Session {
            launch,
            started_ms: 0.0,
            token: String::new(),
            data: None,
            judge: Judge::default(),
            mastery,
            outbox,
            busy: false,
            progress: None,
            on_loaded: None,
            terminated: false,
        })
    });
    pump();
    Some(Ok(()))
}

/// The session is on (launched, not failed nor terminated).
pub fn active() -> bool {
    with(|s| !s.terminated).unwrap_or(false)
}

pub fn learner() -> Option<String> {
    with(|s| s.launch.learner()).flatten()
}

/// `f` gets the learner's progress kept in the LRS once the session has read it (or the
/// reason it could not start).
pub fn when_loaded(f: impl FnOnce(Result<Option<String>, String>) + 'static) {
    with(|s| s.on_loaded = Some(Box::new(f)));
}

/// Starts a request to the fetch URL (no token yet) or the LRS (with the token).
fn send(req: &Req, token: &str, keepalive: bool) -> js_sys::Promise {
    let auth = format!("Basic {token}");
    let headers = [
        ("Authorization", auth.as_str()),
        ("X-Experience-API-Version", cmi5::XAPI_VERSION),
        ("Content-Type", "application/json"),
    ];
    let n = if token.is_empty() { 0 } else { 3 };
    let body = (!req.body.is_empty()).then_some(req.body.as_str());
    crate::web::start_request(req.method, &req.url, &headers[..n], body, keepalive)
}

/// Sends what is queued, unless a send is under way (it sends it too).
fn pump() {
    if with(|s| !std::mem::replace(&mut s.busy, true)).unwrap_or(false) {
        leptos::task::spawn_local(run());
    }
}

/// Sends the queue, one request after another, in order.
async fn run() {
    while let Some((req, token)) =
        with(|s| (!s.outbox.is_empty()).then(|| (s.outbox.remove(0), s.token.clone()))).flatten()
    {
        let answer = crate::web::response_text(&req.url, send(&req, &token, false)).await;
        let outcome = with(|s| answered(s, req.kind, answer)).unwrap_or(Ok(None));
        // Told outside the session's borrow: the page reports and saves in return.
        let loaded = match outcome {
            Ok(None) => continue,
            Ok(Some(progress)) => Ok(progress),
            Err(e) => Err(warn(&format!(
                "The course's LMS did not start a cmi5 session for this page ({e}), so your \
                 progress here is not reported to the course."
            ))),
        };
        if let Some(f) = with(|s| s.on_loaded.take()).flatten() {
            f(loaded);
        }
    }
    with(|s| s.busy = false);
}

/// Takes in an answer. `Ok(Some(progress))`: the session has started (the learner's
/// progress kept in the LRS, if any); `Err`: it could not, and has ended.
fn answered(
    s: &mut Session,
    kind: Kind,
    answer: Result<(u16, String), String>,
) -> Result<Option<Option<String>>, String> {
    let result = answer.and_then(|(status, text)| match (kind, status) {
        (Kind::Token, _) => {
            s.token = cmi5::auth_token(&text)?;
            Ok(None)
        }
        (Kind::OwnState, 200) => {
            (s.progress, s.judge) = cmi5::read_state_doc(&text);
            Ok(None)
        }
        (Kind::LaunchData, 200) => {
            let data = LaunchData::parse(&text)?;
            s.mastery = data.mastery.unwrap_or(s.mastery);
            s.data = Some(data);
            s.started_ms = js_sys::Date::now();
            queue_statement(s, Verb::Initialized, "");
            Ok(Some(s.progress.take()))
        }
        (Kind::LaunchData, _) | (Kind::Send, 400..) => Err(format!(
            "the LRS answered HTTP {status} to {}",
            s.launch.endpoint
        )),
        _ => Ok(None),
    });
    match result {
        // A refused statement does not end the session.
        Err(e) if kind == Kind::Send => {
            warn(&e);
            Ok(None)
        }
        Err(e) => {
            s.terminated = true;
            s.outbox.clear();
            Err(e)
        }
        ok => ok,
    }
}

/// `message` on the console, as a warning; returned.
fn warn(message: &str) -> String {
    web_sys::console::warn_1(&format!("cmi5: {message}").into());
    message.to_string()
}

fn timestamp() -> String {
    js_sys::Date::new_0().to_iso_string().into()
}

fn queue_statement(s: &mut Session, verb: Verb, result: &str) {
    let Some(data) = &s.data else { return };
    let id = cmi5::uuid(std::array::from_fn(|_| {
        (js_sys::Math::random() * 256.0) as u8
    }));
    let body = cmi5::statement(&s.launch, data, verb, result, &id, &timestamp());
    s.outbox.push(Req {
        kind: Kind::Send,
        method: "POST",
        url: s.launch.statements_url(),
        body,
    });
}

/// The AU's state document (progress and what was sent) to PUT, replacing one queued.
fn queue_state(s: &mut Session) {
    let body = cmi5::state_doc(s.progress.as_deref().unwrap_or("null"), &s.judge);
    let url = s.launch.state_url(cmi5::PROGRESS_STATE);
    s.outbox.retain(|r| r.method != "PUT");
    s.outbox.push(Req {
        kind: Kind::Send,
        method: "PUT",
        url,
        body,
    });
}

fn judge_and_queue(s: &mut Session, completed: bool, progress: u8, score: Option<f64>) {
    let normal = s.data.as_ref().is_some_and(|d| d.normal);
    let before = (s.judge.completed, s.judge.passed);
    let seconds = (js_sys::Date::now() - s.started_ms).max(0.0) / 1000.0;
    for r in s
        .judge
        .report(normal, s.mastery, completed, progress, score)
        .into_iter()
        .flatten()
    {
        let (verb, result) = cmi5::result(r, seconds);
        queue_statement(s, verb, &result);
    }
    if (s.judge.completed, s.judge.passed) != before {
        queue_state(s);
    }
}

/// Reports the launched tutorial: completed, its progress in percent, its quiz score
/// in percent. Before the session has started there is nothing to say: the page reports
/// again once the learner's progress from the LRS is in (`when_loaded`).
pub fn report(completed: bool, progress: u8, score: Option<f64>) {
    with(|s| {
        if !s.terminated && s.data.is_some() {
            judge_and_queue(s, completed, progress, score);
        }
    });
    pump();
}

/// Keeps the learner's progress (compact JSON) in the AU's state document (from the
/// start of the session: before, it is not yet this learner's).
pub fn save(progress: &str) -> bool {
    let ok = with(|s| {
        if s.data.is_some() && !s.terminated {
            s.progress = Some(progress.to_string());
            queue_state(s);
        }
        !s.terminated
    })
    .unwrap_or(false);
    pump();
    ok
}

/// Ends the session (the page is going): Terminated with the session's duration, and
/// everything still queued, sent with keepalive so it outlives the page.
pub fn terminate() {
    let Some((reqs, token)) = with(|s| {
        if s.terminated || s.data.is_none() {
            return None;
        }
        let seconds = (js_sys::Date::now() - s.started_ms).max(0.0) / 1000.0;
        let (verb, result) = cmi5::result(cmi5::Report::Terminated, seconds);
        queue_statement(s, verb, &result);
        s.terminated = true;
        Some((std::mem::take(&mut s.outbox), s.token.clone()))
    })
    .flatten() else {
        return;
    };
    for r in &reqs {
        let _ = send(r, &token, true);
    }
}
