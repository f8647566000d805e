//! The cmi5 side of the LMS layer (`lms` chooses it when the page's address carries a
//! cmi5 launch): the HTTP, in order, to the fetch URL and the LRS the launch names and
//! nowhere else. At start: POST the fetch URL for the auth token, GET `LMS.LaunchData`
//! (context template with the session id, launch mode, mastery score) and the AU's own
//! state document (the learner's progress, and whether Completed and Passed were
//! already sent in this registration), then Initialized. Reports become statements as
//! `sdl_host::cmi5::Judge` rules (Progressed, Completed, Passed/Failed with the score);
//! progress is PUT to the state document; `pagehide` sends Terminated (keepalive).
//! What the statements say is `sdl_host::cmi5`; this file only sends them.

use sdl_host::cmi5::{self, Judge, Launch, LaunchData, Verb};
use std::cell::RefCell;
use std::collections::VecDeque;

/// What the page is told once the session has read the learner's progress.
type OnLoaded = Box<dyn FnOnce(Result<Option<String>, String>)>;

struct Req {
    method: &'static str,
    url: String,
    body: String,
}

struct Session {
    launch: Launch,
    started_ms: f64,
    token: String,
    data: Option<LaunchData>,
    judge: Judge,
    mastery: f64,
    outbox: VecDeque<Req>,
    busy: bool,
    /// The learner's progress to keep (compact JSON).
    progress: Option<String>,
    on_loaded: Option<OnLoaded>,
    terminated: bool,
}

thread_local! {
    static SESSION: RefCell<Option<Session>> = const { RefCell::new(None) };
}

/// Starts a session when the page's address is a cmi5 launch: None when it is not,
/// else whether its parameters were usable (the message says what is wrong).
pub fn connect(search: &str, mastery: f64) -> Option<Result<(), String>> {
    let launch = match Launch::from_query(search)? {
        Ok(l) => l,
        Err(e) => return Some(Err(e)),
    };
    SESSION.with(|s| {
        *s.borrow_mut() = Some(Session {
            launch,
            started_ms: js_sys::Date::now(),
            token: String::new(),
            data: None,
            judge: Judge::default(),
            mastery,
            outbox: VecDeque::new(),
            busy: false,
            progress: None,
            on_loaded: None,
            terminated: false,
        })
    });
    leptos::task::spawn_local(async {
        let result = start().await;
        if let Err(e) = &result {
            web_sys::console::warn_1(&format!("cmi5: {e}").into());
            with(|s| s.terminated = true);
        }
        let (saved, callback) = with(|s| (result, s.on_loaded.take())).unwrap_or((Ok(None), None));
        if let Some(f) = callback {
            f(saved);
        }
    });
    Some(Ok(()))
}

fn with<T>(f: impl FnOnce(&mut Session) -> T) -> Option<T> {
    SESSION.with(|s| s.borrow_mut().as_mut().map(f))
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

async fn request(
    method: &'static str,
    url: &str,
    token: &str,
    body: Option<&str>,
) -> Result<(u16, String), String> {
    let auth = format!("Basic {token}");
    let headers = [
        ("Authorization", auth.as_str()),
        ("X-Experience-API-Version", cmi5::XAPI_VERSION),
        ("Content-Type", "application/json"),
    ];
    let n = if token.is_empty() { 0 } else { 3 };
    let started = crate::web::start_request(method, url, &headers[..n], body, false);
    crate::web::response_text(url, started).await
}

async fn start() -> Result<Option<String>, String> {
    let (fetch, launch_data, own) = with(|s| {
        (
            s.launch.fetch.clone(),
            s.launch.state_url(cmi5::LAUNCH_DATA),
            s.launch.state_url(cmi5::PROGRESS_STATE),
        )
    })
    .ok_or("no session")?;
    let token = cmi5::auth_token(&request("POST", &fetch, "", None).await?.1)?;
    with(|s| s.token = token.clone());
    let data = match request("GET", &launch_data, &token, None).await? {
        (200, text) => LaunchData::parse(&text)?,
        (status, _) => return Err(format!("the LRS gave no LMS.LaunchData (HTTP {status})")),
    };
    let (progress, judge) = match request("GET", &own, &token, None).await? {
        (200, text) => cmi5::read_state_doc(&text),
        _ => (None, Judge::default()),
    };
    with(|s| {
        s.mastery = data.mastery.unwrap_or(s.mastery);
        s.data = Some(data);
        s.judge = judge;
        s.started_ms = js_sys::Date::now();
        queue_statement(s, Verb::Initialized, None);
        // What the page said before it had the learner's progress from the LRS is not
        // theirs: it reports and saves again once that is merged in (`when_loaded`).
        s.progress = None;
    });
    pump();
    Ok(progress)
}

fn timestamp() -> String {
    js_sys::Date::new_0().to_iso_string().into()
}

fn queue_statement(s: &mut Session, verb: Verb, result: Option<engine::json::Value>) {
    let Some(data) = &s.data else { return };
    let id = cmi5::uuid(std::array::from_fn(|_| {
        (js_sys::Math::random() * 256.0) as u8
    }));
    let body = cmi5::statement(&s.launch, data, verb, result, &id, &timestamp());
    s.outbox.push_back(Req {
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
    s.outbox.push_back(Req {
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
    {
        let (verb, result) = cmi5::result(r, seconds);
        queue_statement(s, verb, Some(result));
    }
    if (s.judge.completed, s.judge.passed) != before {
        queue_state(s);
    }
}

/// Sends what is queued, one request after another, in order.
fn pump() {
    let go = with(|s| !std::mem::replace(&mut s.busy, true)).unwrap_or(false);
    if !go {
        return;
    }
    leptos::task::spawn_local(async {
        while let Some((req, token)) =
            with(|s| s.outbox.pop_front().map(|r| (r, s.token.clone()))).flatten()
        {
            if let Err(e) | Ok((400.., e)) = request(req.method, &req.url, &token, Some(&req.body))
                .await
                .map(|(st, t)| (st, format!("HTTP {st}: {t}")))
            {
                web_sys::console::warn_1(&format!("cmi5: the LRS refused a request: {e}").into());
            }
        }
        with(|s| s.busy = false);
    });
}

/// Reports the launched tutorial: completed, its progress in percent, its quiz score
/// in percent.
pub fn report(completed: bool, progress: u8, score: Option<f64>) {
    with(|s| {
        if !s.terminated && s.data.is_some() {
            judge_and_queue(s, completed, progress, score);
        }
    });
    pump();
}

/// Keeps the learner's progress (compact JSON) in the AU's state document.
pub fn save(progress: &str) -> bool {
    let ok = with(|s| {
        s.progress = Some(progress.to_string());
        if s.data.is_some() && !s.terminated {
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
    let reqs = with(|s| {
        if s.terminated || s.data.is_none() {
            return Vec::new();
        }
        let seconds = (js_sys::Date::now() - s.started_ms).max(0.0) / 1000.0;
        let result =
            engine::json::Value::Object(vec![("duration".into(), cmi5::duration(seconds).into())]);
        queue_statement(s, Verb::Terminated, Some(result));
        s.terminated = true;
        let token = format!("Basic {}", s.token);
        s.outbox.drain(..).map(|r| (r, token.clone())).collect()
    })
    .unwrap_or_default();
    for (r, auth) in reqs {
        let headers = [
            ("Authorization", auth.as_str()),
            ("X-Experience-API-Version", cmi5::XAPI_VERSION),
            ("Content-Type", "application/json"),
        ];
        let _ = crate::web::start_request(r.method, &r.url, &headers, Some(&r.body), true);
    }
}
