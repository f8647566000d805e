//! The LMS adapter: when the lab runs inside a course's SCORM or cmi5 package, it reports
//! to the LMS; standalone, every call is a no-op.
//!
//! `connect()` chooses by what the launch provides: a cmi5 launch (`endpoint`, `fetch`,
//! `actor`, `registration`, `activityId` in the page's address) goes to `crate::cmi5`,
//! which talks xAPI to the LRS the launch names; otherwise the SCORM API is looked for.
//!
//! `connect()` (called once by `App`) looks for the LMS's API object the way the SCORM
//! run-time specs say: `API_1484_11` (SCORM 2004) or `API` (SCORM 1.2) on this window, its
//! parents (at most 7 levels up), then the opener and its parents. If found it calls
//! `Initialize("")` / `LMSInitialize("")`, marks the attempt incomplete if it was not
//! attempted, and finishes (`Terminate` / `LMSFinish`, after a commit) when the page goes.
//!
//! A reload of the frame is not the end of the session: when the page reloads itself
//! (the update notice's Reload, `keep_open_for_reload`) or the browser reports a reload
//! (the Navigation API's `navigate` event), the page commits and leaves the session open
//! (its start time in `sessionStorage`), and the reloaded page carries on with it instead
//! of initialising again (which a conforming LMS refuses after `Terminate`).
//!
//! The public API the tutorial panel calls:
//! - `report_progress(completed, score)`: completion, and a quiz score in percent (0–100)
//!   as `score.raw` (plus `score.scaled` in 2004), judged against the mastery score (the
//!   LMS's `cmi.student_data.mastery_score` / `cmi.scaled_passing_score`, which the
//!   manifests state, else `MASTERY_PERCENT`): SCORM 1.2 `lesson_status` passed/failed,
//!   2004 `success_status`; committed at once, only when it changed.
//! - `save_progress(data)` / `saved_progress()`: the learner's progress as suspend data,
//!   at most `suspend_limit()` characters (`fit` chooses what goes in when it is longer).
//! - `session_time` is set at every commit; the exit mode is always `suspend`, so a
//!   conforming LMS keeps the suspend data for the learner's next visit.
//!
//! The same calls are reachable from JavaScript as `window.sdlLab.lms` (see
//! `static/boot.js`), for host pages and the SCORM test harness.

use sdl_host::progress::Progress;
use std::cell::RefCell;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// How many parent frames up the search goes (the SCORM 1.2 and 2004 reference
/// algorithms stop after 7).
const MAX_PARENTS: usize = 7;
/// Longest suspend data the LMS must accept: 4 096 characters in SCORM 1.2, 64 000 in 2004.
pub const SUSPEND_MAX_12: usize = 4_096;
pub const SUSPEND_MAX_2004: usize = 64_000;
/// The quiz score (percent) that passes when the LMS states none; the manifests
/// `scripts/scorm.py` writes state the same (`MASTERY_SCORE` there).
pub const MASTERY_PERCENT: f64 = 80.0;
/// `sessionStorage` key: the start (epoch ms) of a session left open across a reload.
const OPEN_SESSION_KEY: &str = "sdl-lms-open-session";
/// Browser storage prefix for a learner's progress that did not fit in the LMS.
const FALLBACK_KEY_PREFIX: &str = "sdl-progress-lms-";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Version {
    Scorm12,
    Scorm2004,
    Cmi5,
}

impl Version {
    /// What the learner reads: "SCORM 1.2", "SCORM 2004".
    pub fn name(self) -> &'static str {
        match self {
            Version::Scorm12 => "SCORM 1.2",
            Version::Scorm2004 => "SCORM 2004",
            Version::Cmi5 => "cmi5",
        }
    }
}

struct Lms {
    version: Version,
    api: JsValue,
    finished: bool,
    /// When this session started (epoch ms; before a reload, when it kept it open).
    started_ms: f64,
    /// The passing quiz score in percent.
    mastery: f64,
    /// The page is going away in a reload: commit, keep the session open.
    reloading: bool,
    /// The last completion and score reported (not sent again).
    reported: Option<(bool, Option<u64>)>,
}

thread_local! {
    static LMS: RefCell<Option<Lms>> = const { RefCell::new(None) };
    /// An LMS API was found (connected or not): the page was launched from a course.
    static FOUND: RefCell<Option<Version>> = const { RefCell::new(None) };
    /// Why an LMS that was found does not take reports, for the learner.
    static PROBLEM: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// The SCORM version of the connected LMS, if any.
pub fn version() -> Option<Version> {
    if crate::cmi5::active() {
        return Some(Version::Cmi5);
    }
    LMS.with(|l| {
        l.borrow()
            .as_ref()
            .filter(|l| !l.finished)
            .map(|l| l.version)
    })
}

/// The page was launched from an LMS (its API was found), whether or not it reports to it.
pub fn found() -> Option<Version> {
    FOUND.with(|f| *f.borrow())
}

/// Why the LMS that launched the page does not take reports (it refused to initialise),
/// in words for the learner; None when it does or when there is no LMS.
pub fn problem() -> Option<String> {
    PROBLEM.with(|p| p.borrow().clone())
}

/// Finds and initialises the LMS; true when the lab now reports to one. Idempotent.
pub fn connect() -> bool {
    if LMS.with(|l| l.borrow().is_some()) || found().is_some() {
        return version().is_some();
    }
    let search = crate::web::location_search();
    if let Some(started) = crate::cmi5::connect(&search, MASTERY_PERCENT / 100.0) {
        FOUND.with(|f| *f.borrow_mut() = Some(Version::Cmi5));
        if let Err(e) = started {
            PROBLEM.with(|p| {
                *p.borrow_mut() = Some(format!(
                    "The course's LMS launched this page with cmi5 parameters it cannot use \
                     ({e}), so your progress here is not reported to the course."
                ))
            });
            return false;
        }
        finish_on_leave();
        return true;
    }
    let Some((version, api)) = find_api() else {
        return false;
    };
    FOUND.with(|f| *f.borrow_mut() = Some(version));
    let mut lms = Lms {
        version,
        api,
        finished: false,
        started_ms: js_sys::Date::now(),
        mastery: MASTERY_PERCENT,
        reloading: false,
        reported: None,
    };
    let (init, status_key) = match version {
        Version::Scorm12 => ("LMSInitialize", "cmi.core.lesson_status"),
        _ => ("Initialize", "cmi.completion_status"),
    };
    // A reload this page's session survived: carry on with it if the LMS still has it open.
    let kept = session_take(OPEN_SESSION_KEY).and_then(|s| s.parse::<f64>().ok());
    let resumed = kept.is_some_and(|_| {
        call(&lms.api, &lms.get_name(), &[status_key]);
        lms.last_error() == "0"
    });
    if resumed {
        lms.started_ms = kept.unwrap_or(lms.started_ms);
    } else if call(&lms.api, init, &[""]).as_deref() != Some("true") {
        let code = lms.last_error();
        let text = lms.error_string(&code);
        let message = format!(
            "The course's LMS did not start a session for this page ({} error {code}: {text}), \
             so your progress here is not reported to the course. It is kept in this browser: \
             close this activity and open it again from the course to report it.",
            version.name()
        );
        web_sys::console::warn_1(&format!("LMS: {message}").into());
        PROBLEM.with(|p| *p.borrow_mut() = Some(message));
        return false;
    }
    let status = call(&lms.api, &lms.get_name(), &[status_key]).unwrap_or_default();
    lms.mastery = lms.stated_mastery().unwrap_or(MASTERY_PERCENT);
    if matches!(status.as_str(), "not attempted" | "unknown" | "") {
        lms.set(status_key, "incomplete");
        lms.commit();
    }
    LMS.with(|l| *l.borrow_mut() = Some(lms));
    watch_reloads();
    finish_on_leave();
    true
}

/// Finishes when the learner leaves (the LMS closes the frame or navigates); a reload
/// keeps a SCORM session open for the page that comes back.
fn finish_on_leave() {
    let on_leave = Closure::<dyn Fn()>::new(|| {
        if with_lms(|l| l.reloading).unwrap_or(false) {
            keep_open();
        } else {
            finish();
        }
    });
    let _ = web_sys::window()
        .map(|w| w.add_event_listener_with_callback("pagehide", on_leave.as_ref().unchecked_ref()));
    on_leave.forget(); // lives as long as the page
}

/// The page is about to reload itself (the update notice's Reload): when it goes, the
/// session is committed and left open for the reloaded page instead of finished.
pub fn keep_open_for_reload() {
    with_lms(|lms| lms.reloading = true);
}

/// Marks reloads the browser reports (Navigation API, where there is one) so that
/// `pagehide` keeps the session open for the page that comes back.
fn watch_reloads() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let Ok(navigation) = js_sys::Reflect::get(&window, &"navigation".into()) else {
        return;
    };
    let Some(target) = navigation.dyn_ref::<web_sys::EventTarget>() else {
        return;
    };
    let on_navigate = Closure::<dyn Fn(JsValue)>::new(|event: JsValue| {
        let kind = js_sys::Reflect::get(&event, &"navigationType".into())
            .ok()
            .and_then(|k| k.as_string());
        if kind.as_deref() == Some("reload") {
            keep_open_for_reload();
        }
    });
    let _ =
        target.add_event_listener_with_callback("navigate", on_navigate.as_ref().unchecked_ref());
    on_navigate.forget();
}

/// Commits and leaves the session open for the reloaded page (its start time in
/// `sessionStorage`, which a reload of the frame keeps).
fn keep_open() {
    with_lms(|lms| {
        lms.commit();
        if let Some(s) = session_storage() {
            let _ = s.set_item(OPEN_SESSION_KEY, &format!("{}", lms.started_ms));
        }
        lms.finished = true;
    });
}

/// Reports completion, the share of the tutorial's steps done (percent; cmi5 only) and,
/// if given, a score in percent (clamped to 0–100), judged against the mastery score;
/// commits. Nothing is sent when it is what was last reported.
pub fn report_progress(completed: bool, progress: f64, score: Option<f64>) {
    if version() == Some(Version::Cmi5) {
        crate::cmi5::report(completed, progress.clamp(0.0, 100.0) as u8, score);
        return;
    }
    with_lms(|lms| {
        let score = score.filter(|s| s.is_finite()).map(|s| s.clamp(0.0, 100.0));
        let key = (completed, score.map(f64::to_bits));
        if lms.reported == Some(key) {
            return;
        }
        lms.reported = Some(key);
        let passed = score.map(|s| s >= lms.mastery);
        match lms.version {
            Version::Scorm12 => {
                if let Some(s) = score {
                    lms.set("cmi.core.score.min", "0");
                    lms.set("cmi.core.score.max", "100");
                    lms.set("cmi.core.score.raw", &format_number(s));
                }
                if completed {
                    let status = match passed {
                        Some(true) => "passed",
                        Some(false) => "failed",
                        None => "completed",
                    };
                    lms.set("cmi.core.lesson_status", status);
                }
            }
            _ => {
                if let Some(s) = score {
                    lms.set("cmi.score.min", "0");
                    lms.set("cmi.score.max", "100");
                    lms.set("cmi.score.raw", &format_number(s));
                    lms.set("cmi.score.scaled", &format_number(s / 100.0));
                }
                if let Some(p) = passed {
                    lms.set("cmi.success_status", if p { "passed" } else { "failed" });
                }
                if completed {
                    lms.set("cmi.completion_status", "completed");
                }
            }
        }
        lms.commit();
    });
}

/// The most suspend data the connected LMS must keep, in characters; None without one.
pub fn suspend_limit() -> Option<usize> {
    version().map(|v| match v {
        Version::Scorm12 => SUSPEND_MAX_12,
        // cmi5: the AU's own xAPI state document, whose size the spec leaves open.
        _ => SUSPEND_MAX_2004,
    })
}

/// Stores the learner's progress (e.g. tutorial steps done) as suspend data; commits.
/// Returns false when there is no LMS, the data is longer than it must accept (nothing
/// is sent: `fit` first), or the LMS refused it.
pub fn save_progress(data: &str) -> bool {
    let Some(max) = suspend_limit() else {
        return false;
    };
    if data.chars().count() > max {
        return false;
    }
    if version() == Some(Version::Cmi5) {
        return crate::cmi5::save(data);
    }
    with_lms(|lms| {
        let ok = lms.set("cmi.suspend_data", data);
        lms.commit();
        ok
    })
    .unwrap_or(false)
}

/// cmi5: `f` gets the learner's progress the LRS keeps once it has arrived (the session
/// starts asynchronously), or why the session could not start, in words for the
/// learner. SCORM: never called
/// (`saved_progress` answers at once).
pub fn when_loaded(f: impl FnOnce(Result<Option<String>, String>) + 'static) {
    crate::cmi5::when_loaded(f);
}

/// The progress saved in an earlier session, if the LMS has any (SCORM).
pub fn saved_progress() -> Option<String> {
    with_lms(|lms| call(&lms.api, &lms.get_name(), &["cmi.suspend_data"]))
        .flatten()
        .filter(|s| !s.is_empty())
}

/// The learner's id in the LMS (`cmi.core.student_id` / `cmi.learner_id`).
pub fn learner_id() -> Option<String> {
    if version() == Some(Version::Cmi5) {
        return crate::cmi5::learner();
    }
    with_lms(|lms| {
        let key = match lms.version {
            Version::Scorm12 => "cmi.core.student_id",
            _ => "cmi.learner_id",
        };
        call(&lms.api, &lms.get_name(), &[key])
    })
    .flatten()
    .filter(|s| !s.is_empty())
}

/// Where this learner's progress that did not fit in the LMS is kept in this browser, for
/// the activity launched with `tutorial`: per learner, so nobody else's is read.
pub fn fallback_key(tutorial: Option<&str>) -> Option<String> {
    let learner = learner_id()?;
    let clean = |s: &str| -> String {
        s.chars()
            .take(100)
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect()
    };
    Some(format!(
        "{FALLBACK_KEY_PREFIX}{}-{}",
        clean(&learner),
        clean(tutorial.unwrap_or("lab"))
    ))
}

/// What goes into suspend data when the whole progress is longer than the LMS keeps.
#[derive(Debug, Clone, PartialEq)]
pub struct Fitted {
    /// The suspend data to save (compact JSON), None when not even the launched
    /// tutorial fits.
    pub data: Option<String>,
    /// Tutorials left out of it.
    pub left_out: Vec<String>,
    /// The whole progress, compact, and its length in characters.
    pub full: String,
    pub full_chars: usize,
}

/// The compact progress if it fits in `max` characters; otherwise the launched tutorial
/// first, then the others most recently worked on first, as many as fit.
pub fn fit(progress: &Progress, launched: Option<&str>, max: usize) -> Fitted {
    let full = progress.to_compact_json();
    let full_chars = full.chars().count();
    if full_chars <= max {
        return Fitted {
            data: Some(full.clone()),
            left_out: Vec::new(),
            full,
            full_chars,
        };
    }
    let mut order: Vec<(&String, u64)> = progress
        .tutorials
        .iter()
        .map(|(id, t)| (id, t.updated_ms))
        .collect();
    engine::order::sort_by(&mut order, |a, b| {
        let first = |x: &(&String, u64)| Some(x.0.as_str()) == launched;
        (first(a), a.1) > (first(b), b.1)
    });
    let mut kept = Progress::default();
    let mut left_out = Vec::new();
    for (id, _) in order {
        kept.tutorials
            .insert(id.clone(), progress.tutorials[id].clone());
        if kept.to_compact_json().chars().count() > max {
            kept.tutorials.remove(id);
            left_out.push(id.clone());
        }
    }
    let data = (!kept.tutorials.is_empty()
        && launched.is_none_or(|l| !progress.tutorials.contains_key(l) || kept.get(l).is_some()))
    .then(|| kept.to_compact_json());
    Fitted {
        data,
        left_out,
        full,
        full_chars,
    }
}

/// Ends the session: session time, exit mode `suspend` (the learner may come back: a
/// conforming LMS keeps the suspend data), commit, finish. Idempotent.
pub fn finish() {
    crate::cmi5::terminate();
    with_lms(|lms| {
        let (exit_key, finish) = match lms.version {
            Version::Scorm12 => ("cmi.core.exit", "LMSFinish"),
            _ => ("cmi.exit", "Terminate"),
        };
        lms.set(exit_key, "suspend");
        lms.commit();
        call(&lms.api, finish, &[""]);
        lms.finished = true;
    });
}

#[wasm_bindgen(js_name = lmsReportProgress)]
pub fn js_report_progress(completed: bool, score: Option<f64>, progress: Option<f64>) {
    report_progress(completed, progress.unwrap_or(0.0), score);
}

#[wasm_bindgen(js_name = lmsSaveProgress)]
pub fn js_save_progress(data: &str) -> bool {
    save_progress(data)
}

#[wasm_bindgen(js_name = lmsSavedProgress)]
pub fn js_saved_progress() -> Option<String> {
    saved_progress()
}

/// Called by the update notice's Reload (`static/boot.js`) before it reloads the page.
#[wasm_bindgen(js_name = lmsKeepOpen)]
pub fn js_keep_open() {
    keep_open_for_reload();
}

/// `"scorm12"`, `"scorm2004"`, `"cmi5"`, or `undefined` when the lab runs standalone.
#[wasm_bindgen(js_name = lmsVersion)]
pub fn js_version() -> Option<String> {
    version().map(|v| match v {
        Version::Scorm12 => "scorm12".into(),
        Version::Scorm2004 => "scorm2004".into(),
        Version::Cmi5 => "cmi5".into(),
    })
}

impl Lms {
    fn get_name(&self) -> String {
        match self.version {
            Version::Scorm12 => "LMSGetValue".into(),
            _ => "GetValue".into(),
        }
    }

    fn set(&self, key: &str, value: &str) -> bool {
        let name = match self.version {
            Version::Scorm12 => "LMSSetValue",
            _ => "SetValue",
        };
        call(&self.api, name, &[key, value]).as_deref() == Some("true")
    }

    /// Sets the session time so far, then commits.
    fn commit(&self) {
        let elapsed = (js_sys::Date::now() - self.started_ms).max(0.0) / 1000.0;
        let (key, name) = match self.version {
            Version::Scorm12 => ("cmi.core.session_time", "LMSCommit"),
            _ => ("cmi.session_time", "Commit"),
        };
        self.set(key, &session_time(self.version, elapsed));
        call(&self.api, name, &[""]);
    }

    fn last_error(&self) -> String {
        let name = match self.version {
            Version::Scorm12 => "LMSGetLastError",
            _ => "GetLastError",
        };
        call(&self.api, name, &[]).unwrap_or_else(|| "unknown".into())
    }

    fn error_string(&self, code: &str) -> String {
        let name = match self.version {
            Version::Scorm12 => "LMSGetErrorString",
            _ => "GetErrorString",
        };
        call(&self.api, name, &[code])
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "no description".into())
    }

    /// The passing score the LMS states (from the manifest), in percent.
    fn stated_mastery(&self) -> Option<f64> {
        let (key, scale) = match self.version {
            Version::Scorm12 => ("cmi.student_data.mastery_score", 1.0),
            _ => ("cmi.scaled_passing_score", 100.0),
        };
        let raw = call(&self.api, &self.get_name(), &[key])?;
        let value = raw.trim().parse::<f64>().ok()? * scale;
        (value.is_finite() && (0.0..=100.0).contains(&value)).then_some(value)
    }
}

/// A session's length in the version's format: SCORM 1.2 `HHHH:MM:SS.SS`, SCORM 2004 an
/// ISO 8601 duration (`PT1H2M3.45S`).
pub fn session_time(version: Version, seconds: f64) -> String {
    let centis = (seconds.max(0.0) * 100.0).round() as u64;
    let (h, m, s, c) = (
        centis / 360_000,
        centis / 6_000 % 60,
        centis / 100 % 60,
        centis % 100,
    );
    match version {
        Version::Scorm12 => format!("{:04}:{m:02}:{s:02}.{c:02}", h.min(9_999)),
        _ => format!("PT{h}H{m}M{s}.{c:02}S"),
    }
}

fn with_lms<T>(f: impl FnOnce(&mut Lms) -> T) -> Option<T> {
    LMS.with(|l| l.borrow_mut().as_mut().filter(|l| !l.finished).map(f))
}

fn session_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok().flatten()
}

/// Reads and removes a `sessionStorage` key.
fn session_take(key: &str) -> Option<String> {
    let storage = session_storage()?;
    let value = storage.get_item(key).ok().flatten();
    let _ = storage.remove_item(key);
    value
}

/// Calls `api[name](...args)`; its result as a string (SCORM returns strings), or None
/// when the method is missing or throws.
fn call(api: &JsValue, name: &str, args: &[&str]) -> Option<String> {
    let f = js_sys::Reflect::get(api, &name.into())
        .ok()?
        .dyn_into::<js_sys::Function>()
        .ok()?;
    let argv: js_sys::Array = args.iter().map(|a| JsValue::from_str(a)).collect();
    let out = f.apply(api, &argv).ok()?;
    // SCORM returns strings ("true", "false", values); some LMSs return booleans or numbers.
    Some(match out.as_bool() {
        Some(b) => b.to_string(),
        None => out
            .as_string()
            .or_else(|| out.as_f64().map(|n| n.to_string()))
            .unwrap_or_default(),
    })
}

/// The API object on `win`, if it has one we can reach (a cross-origin frame throws).
fn api_on(win: &JsValue) -> Option<(Version, JsValue)> {
    for (version, name) in [
        (Version::Scorm2004, "API_1484_11"),
        (Version::Scorm12, "API"),
    ] {
        if let Ok(api) = js_sys::Reflect::get(win, &name.into()) {
            if api.is_object() {
                return Some((version, api));
            }
        }
    }
    None
}

/// Walks from `win` up its parents, at most `MAX_PARENTS` levels.
fn search_up(win: web_sys::Window) -> Option<(Version, JsValue)> {
    let mut current = win;
    for _ in 0..=MAX_PARENTS {
        if let Some(found) = api_on(current.as_ref()) {
            return Some(found);
        }
        let parent = current.parent().ok().flatten()?;
        if parent == current {
            return None;
        }
        current = parent;
    }
    None
}

fn find_api() -> Option<(Version, JsValue)> {
    let win = web_sys::window()?;
    search_up(win.clone()).or_else(|| {
        let opener = win.opener().ok().filter(|o| o.is_object())?;
        search_up(opener.unchecked_into())
    })
}

fn format_number(x: f64) -> String {
    let s = format!("{x:.4}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}
