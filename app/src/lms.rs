//! The LMS adapter: when the lab runs inside a course's SCORM package, it reports to the
//! LMS; standalone, every call is a no-op.
//!
//! `connect()` (called once by `App`) looks for the LMS's API object the way the SCORM
//! run-time specs say: `API_1484_11` (SCORM 2004) or `API` (SCORM 1.2) on this window, its
//! parents (at most 7 levels up), then the opener and its parents. If found it calls
//! `Initialize("")` / `LMSInitialize("")`, marks the attempt incomplete if it was not
//! attempted, and finishes (`Terminate` / `LMSFinish`, after a commit) when the page goes.
//!
//! The public API the tutorial panel calls:
//! - `report_progress(completed, score)`: completion, and a quiz score in percent (0–100)
//!   as `score.raw` (plus `score.scaled` in 2004); committed at once. No pass/fail
//!   judgement is made here: the LMS applies its own mastery score.
//! - `save_progress(data)` / `saved_progress()`: the learner's progress as suspend data.
//!
//! The same calls are reachable from JavaScript as `window.sdlLab.lms` (see
//! `static/boot.js`), for host pages and the SCORM test harness.

use std::cell::RefCell;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// How many parent frames up the search goes (the SCORM 1.2 and 2004 reference
/// algorithms stop after 7).
const MAX_PARENTS: usize = 7;
/// Longest suspend data the LMS must accept: 4 096 characters in SCORM 1.2, 64 000 in 2004.
const SUSPEND_MAX_12: usize = 4_096;
const SUSPEND_MAX_2004: usize = 64_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Version {
    Scorm12,
    Scorm2004,
}

struct Lms {
    version: Version,
    api: JsValue,
    completed: bool,
    finished: bool,
}

thread_local! {
    static LMS: RefCell<Option<Lms>> = const { RefCell::new(None) };
}

/// The SCORM version of the connected LMS, if any.
pub fn version() -> Option<Version> {
    LMS.with(|l| {
        l.borrow()
            .as_ref()
            .filter(|l| !l.finished)
            .map(|l| l.version)
    })
}

/// Finds and initialises the LMS; true when the lab now reports to one. Idempotent.
pub fn connect() -> bool {
    if LMS.with(|l| l.borrow().is_some()) {
        return version().is_some();
    }
    let Some((version, api)) = find_api() else {
        return false;
    };
    let mut lms = Lms {
        version,
        api,
        completed: false,
        finished: false,
    };
    let (init, status_key) = match version {
        Version::Scorm12 => ("LMSInitialize", "cmi.core.lesson_status"),
        Version::Scorm2004 => ("Initialize", "cmi.completion_status"),
    };
    if call(&lms.api, init, &[""]).as_deref() != Some("true") {
        web_sys::console::warn_1(
            &"LMS: the LMS refused to initialise; progress is not reported".into(),
        );
        return false;
    }
    let status = call(&lms.api, &lms.get_name(), &[status_key]).unwrap_or_default();
    lms.completed = matches!(status.as_str(), "completed" | "passed");
    if matches!(status.as_str(), "not attempted" | "unknown" | "") {
        lms.set(status_key, "incomplete");
        lms.commit();
    }
    LMS.with(|l| *l.borrow_mut() = Some(lms));
    // Finish when the learner leaves (the LMS closes the frame or navigates).
    let on_leave = Closure::<dyn Fn()>::new(finish);
    let _ = web_sys::window()
        .map(|w| w.add_event_listener_with_callback("pagehide", on_leave.as_ref().unchecked_ref()));
    on_leave.forget(); // lives as long as the page
    true
}

/// Reports completion and, if given, a score in percent (clamped to 0–100); commits.
pub fn report_progress(completed: bool, score: Option<f64>) {
    with_lms(|lms| {
        let score = score.filter(|s| s.is_finite()).map(|s| s.clamp(0.0, 100.0));
        match lms.version {
            Version::Scorm12 => {
                if let Some(s) = score {
                    lms.set("cmi.core.score.min", "0");
                    lms.set("cmi.core.score.max", "100");
                    lms.set("cmi.core.score.raw", &format_number(s));
                }
                if completed {
                    lms.set("cmi.core.lesson_status", "completed");
                }
            }
            Version::Scorm2004 => {
                if let Some(s) = score {
                    lms.set("cmi.score.min", "0");
                    lms.set("cmi.score.max", "100");
                    lms.set("cmi.score.raw", &format_number(s));
                    lms.set("cmi.score.scaled", &format_number(s / 100.0));
                }
                if completed {
                    lms.set("cmi.completion_status", "completed");
                }
            }
        }
        lms.completed |= completed;
        lms.commit();
    });
}

/// Stores the learner's progress (e.g. tutorial steps done) as suspend data; commits.
/// Returns false when there is no LMS or the data is longer than it must accept.
pub fn save_progress(data: &str) -> bool {
    with_lms(|lms| {
        let max = match lms.version {
            Version::Scorm12 => SUSPEND_MAX_12,
            Version::Scorm2004 => SUSPEND_MAX_2004,
        };
        if data.chars().count() > max {
            web_sys::console::warn_1(
                &format!(
                    "LMS: progress of {} characters is longer than the {max} the LMS keeps",
                    data.len()
                )
                .into(),
            );
            return false;
        }
        let ok = lms.set("cmi.suspend_data", data);
        lms.commit();
        ok
    })
    .unwrap_or(false)
}

/// The progress saved in an earlier session, if the LMS has any.
pub fn saved_progress() -> Option<String> {
    with_lms(|lms| call(&lms.api, &lms.get_name(), &["cmi.suspend_data"]))
        .flatten()
        .filter(|s| !s.is_empty())
}

/// Ends the session: exit mode (suspend unless completed), commit, finish. Idempotent.
pub fn finish() {
    with_lms(|lms| {
        let (exit_key, finish) = match lms.version {
            Version::Scorm12 => ("cmi.core.exit", "LMSFinish"),
            Version::Scorm2004 => ("cmi.exit", "Terminate"),
        };
        let exit = match (lms.completed, lms.version) {
            (false, _) => "suspend",
            (true, Version::Scorm12) => "",
            (true, Version::Scorm2004) => "normal",
        };
        lms.set(exit_key, exit);
        lms.commit();
        call(&lms.api, finish, &[""]);
        lms.finished = true;
    });
}

#[wasm_bindgen(js_name = lmsReportProgress)]
pub fn js_report_progress(completed: bool, score: Option<f64>) {
    report_progress(completed, score);
}

#[wasm_bindgen(js_name = lmsSaveProgress)]
pub fn js_save_progress(data: &str) -> bool {
    save_progress(data)
}

#[wasm_bindgen(js_name = lmsSavedProgress)]
pub fn js_saved_progress() -> Option<String> {
    saved_progress()
}

/// `"scorm12"`, `"scorm2004"`, or `undefined` when the lab runs standalone.
#[wasm_bindgen(js_name = lmsVersion)]
pub fn js_version() -> Option<String> {
    version().map(|v| match v {
        Version::Scorm12 => "scorm12".into(),
        Version::Scorm2004 => "scorm2004".into(),
    })
}

impl Lms {
    fn get_name(&self) -> String {
        match self.version {
            Version::Scorm12 => "LMSGetValue".into(),
            Version::Scorm2004 => "GetValue".into(),
        }
    }

    fn set(&self, key: &str, value: &str) -> bool {
        let name = match self.version {
            Version::Scorm12 => "LMSSetValue",
            Version::Scorm2004 => "SetValue",
        };
        call(&self.api, name, &[key, value]).as_deref() == Some("true")
    }

    fn commit(&self) {
        let name = match self.version {
            Version::Scorm12 => "LMSCommit",
            Version::Scorm2004 => "Commit",
        };
        call(&self.api, name, &[""]);
    }
}

fn with_lms<T>(f: impl FnOnce(&mut Lms) -> T) -> Option<T> {
    LMS.with(|l| l.borrow_mut().as_mut().filter(|l| !l.finished).map(f))
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
    // SCORM returns strings ("true", "false", values); some LMSs return booleans.
    Some(match out.as_bool() {
        Some(b) => b.to_string(),
        None => out.as_string().unwrap_or_default(),
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
