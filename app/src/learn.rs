//! The tutorial side of the page: one `Copy` handle (`Learn`, shared through context)
//! with the learner's progress (saved to localStorage on every change), the tutorial and
//! step open in the panel, and the messages the panel shows (unreadable saved progress,
//! a bad deep link, import/export results).
//!
//! Inside a course's LMS (`crate::lms`), the LMS's record for this learner is the source
//! of truth: progress comes from its suspend data (plus this learner's own progress that
//! did not fit there, kept in this browser under a key of theirs), never from the
//! browser's standalone progress, which anyone on this computer may have written; it is
//! saved back compactly, within the LMS's limit, saying what did not fit; and suspend
//! data that is not readable progress is kept aside and offered for download, as
//! unreadable browser storage is.
//!
//! Deep links: `?tutorial=<id>&step=<n>` (n from 1) opens that tutorial at that step.
//! The query parsing and resolution here are pure, so they are tested without a page.

use crate::web;
use leptos::prelude::*;
use sdl_host::progress::{self, Loaded, Progress};

/// Where the panel is: the index, or a tutorial at a page (a step index from 0, or
/// `steps.len()` for the wrap-up page with the quiz).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Open {
    pub id: &'static str,
    pub page: usize,
}

#[derive(Clone, Copy)]
pub struct Learn {
    pub progress: RwSignal<Progress>,
    pub open: RwSignal<Option<Open>>,
    /// Unreadable saved progress was put aside (dismissible).
    pub notice: RwSignal<Option<String>>,
    /// The page's deep link could not be followed (dismissible).
    pub link_error: RwSignal<Option<String>>,
    /// Progress could not be saved (storage refused or full).
    pub save_error: RwSignal<Option<String>>,
    /// Saved progress that could not be read nor kept aside (storage full): it stays in
    /// place, untouched, and nothing is saved over it until the learner has downloaded
    /// it or chosen to start afresh.
    pub held: RwSignal<Option<String>>,
    /// Inside an LMS: what the learner must know about the course's record (the LMS did
    /// not start a session; progress did not all fit in it), dismissible.
    pub lms_notice: RwSignal<Option<String>>,
    pub lms_limit: RwSignal<Option<String>>,
    /// Suspend data from the LMS that is not readable progress, offered for download.
    pub lms_unreadable: RwSignal<Option<Unreadable>>,
    /// Set when the learner moves to another page, so its heading takes focus (not on
    /// page load, where focus stays at the top of the page).
    pub focus_heading: StoredValue<bool>,
}

impl Learn {
    /// Loads saved progress (putting unreadable data aside), follows the page's deep
    /// link, saves on every change, and provides the handle.
    pub fn provide() -> Learn {
        let deep_link = parse_query(&web::location_search());
        let launched = deep_link.as_ref().map(|l| l.tutorial.clone());
        // Launched from a course's LMS: its record for this learner is the progress (made
        // in earlier sessions, perhaps on another computer); the browser's is not read.
        let in_lms = crate::lms::version().is_some();
        let (
            LoadedProgress {
                progress,
                notice,
                held,
            },
            unreadable,
        ) = if in_lms {
            load_lms_progress(launched.as_deref())
        } else {
            (load_progress(), None)
        };
        let learn = Learn {
            progress: RwSignal::new(progress),
            open: RwSignal::new(None),
            notice: RwSignal::new(notice),
            link_error: RwSignal::new(None),
            save_error: RwSignal::new(None),
            held: RwSignal::new(held),
            lms_notice: RwSignal::new(crate::lms::problem()),
            lms_limit: RwSignal::new(None),
            lms_unreadable: RwSignal::new(unreadable),
            focus_heading: StoredValue::new(false),
        };
        if let Some(link) = deep_link {
            match resolve(&link, &|id| {
                content::find(id).map(|t| (t.id.as_str(), t.steps.len()))
            }) {
                Ok(open) => learn.open_at(open),
                Err((open, message)) => {
                    if let Some(open) = open {
                        learn.open_at(open);
                    }
                    learn.link_error.set(Some(message));
                }
            }
        }
        // Another tab of the lab saved progress: take what it has newer, so this tab
        // shows it and never writes over it. Not inside an LMS: there the browser's
        // progress is not this learner's.
        if !in_lms {
            web::on_storage_written(progress::STORAGE_KEY, move |saved| {
                if let Ok(theirs) = Progress::parse(&saved) {
                    learn.take_newer(theirs);
                }
            });
        }
        // cmi5: the learner's progress kept in the LRS arrives once the session has
        // started; merged in, it is reported and saved again (the effect below).
        if in_lms {
            crate::lms::when_loaded(move |loaded| match loaded {
                Ok(raw) => {
                    let theirs = raw.and_then(|r| Progress::parse(&r).ok());
                    // The LRS's record wins for each tutorial it has: what this page
                    // made before it arrived (the launched tutorial's entry, just
                    // opened, so newer) is not the learner's progress.
                    learn.progress.update(|p| {
                        for (id, t) in theirs.iter().flat_map(|t| &t.tutorials) {
                            p.tutorials.insert(id.clone(), t.clone());
                        }
                    });
                }
                Err(message) => learn.lms_notice.set(Some(message)),
            });
        }
        Effect::new(move || {
            if in_lms {
                save_to_lms(learn, launched.as_deref());
                return;
            }
            // Saved by another tab since this one last looked (its storage event may not
            // have arrived yet): merged in first; this effect runs again with the result.
            if learn.held.with(Option::is_none) {
                let saved = web::storage_get(progress::STORAGE_KEY);
                if let Some(theirs) = saved.and_then(|s| Progress::parse(&s).ok()) {
                    if learn.take_newer(theirs) {
                        return;
                    }
                }
            }
            let json = learn.progress.with(Progress::to_json);
            // Unreadable saved progress still in place is not overwritten (`held`).
            if learn.held.with(Option::is_none) {
                let result = web::storage_set(progress::STORAGE_KEY, &json).map_err(|e| {
                    format!("Your progress could not be saved: {e}. Export it to keep it.")
                });
                learn.save_error.set(result.err());
            }
        });
        provide_context(learn);
        learn
    }

    /// Takes the tutorials `theirs` has newer than this page's (per tutorial, the later
    /// change wins); true if it took any. Nothing changes (and nothing is saved again)
    /// when it has none, so two tabs settle instead of echoing each other's saves.
    pub fn take_newer(&self, theirs: Progress) -> bool {
        let mut merged = self.progress.get_untracked();
        if merged.merge(theirs) == 0 || merged == self.progress.get_untracked() {
            return false;
        }
        self.progress.set(merged);
        true
    }

    pub fn expect() -> Learn {
        expect_context::<Learn>()
    }

    /// Opens a tutorial at `page`, remembering it as the learner's current step, and
    /// moves focus to the page's heading.
    pub fn go(&self, id: &'static str, page: usize) {
        self.focus_heading.set_value(true);
        self.open_at(Open { id, page });
    }

    /// Opens a tutorial at a page without moving focus (a deep link on page load).
    pub fn open_at(&self, open: Open) {
        let Open { id, page } = open;
        self.open.set(Some(open));
        let now = web::epoch_ms();
        self.progress
            .update(|p| p.set_current(id, page.min(u32::MAX as usize) as u32, now));
    }
}

/// What the page starts with: the saved progress (or fresh), what to tell the learner,
/// and unreadable saved data left in place (`Learn::held`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LoadedProgress {
    pub progress: Progress,
    pub notice: Option<String>,
    pub held: Option<String>,
}

/// Reads saved progress; unreadable data is kept aside under a fresh key and the notice
/// says so. When it cannot be kept aside (storage full), it is left where it is, not
/// deleted: `held` carries it, and the notice offers to download it.
pub fn load_progress() -> LoadedProgress {
    if web::local_storage().is_none() {
        return LoadedProgress {
            notice: Some(
                "This browser does not let the page store data, so tutorial progress lasts \
                 only until the page closes. Export it to keep it."
                    .to_string(),
            ),
            ..LoadedProgress::default()
        };
    }
    let stored = web::storage_get(progress::STORAGE_KEY);
    match progress::load(stored.as_deref(), &|k| web::storage_get(k).is_some()) {
        Loaded::Fresh => LoadedProgress::default(),
        Loaded::Ok(p) => LoadedProgress {
            progress: p,
            ..LoadedProgress::default()
        },
        Loaded::Corrupt {
            raw,
            aside_key,
            message,
        } => match web::storage_set(&aside_key, &raw) {
            Ok(()) => {
                web::storage_remove(progress::STORAGE_KEY);
                LoadedProgress {
                    notice: Some(message),
                    ..LoadedProgress::default()
                }
            }
            Err(e) => LoadedProgress {
                notice: Some(format!(
                    "Your saved tutorial progress could not be read, and there was no room to \
                     keep a copy aside ({e}). It stays in this browser, untouched, and nothing \
                     is saved over it: download it to keep it, then start afresh."
                )),
                held: Some(raw),
                ..LoadedProgress::default()
            },
        },
    }
}

/// Suspend data from the LMS that is not readable progress.
#[derive(Debug, Clone, PartialEq)]
pub struct Unreadable {
    pub raw: String,
    /// The browser storage key a copy was kept under; None when there was no room, and
    /// then nothing is saved over it in the LMS until the learner chooses to.
    pub kept_as: Option<String>,
    pub message: String,
}

/// The progress of a page launched from an LMS: its suspend data, and this learner's own
/// progress that did not fit there (`lms::fallback_key`). Unreadable suspend data is
/// copied aside as unreadable browser storage is (`progress::aside_key`).
fn load_lms_progress(launched: Option<&str>) -> (LoadedProgress, Option<Unreadable>) {
    let mut loaded = LoadedProgress::default();
    let mut unreadable = None;
    let mut resumed = false;
    if let Some(raw) = crate::lms::saved_progress() {
        match Progress::parse(&raw) {
            Ok(p) => {
                loaded.progress = p;
                resumed = true;
            }
            Err(e) => {
                let key = progress::aside_key(&|k| web::storage_get(k).is_some());
                unreadable = Some(match web::storage_set(&key, &raw) {
                    Ok(()) => Unreadable {
                        message: format!(
                            "The progress this course's LMS kept for you could not be read: {e}. \
                             A copy was kept in this browser's storage under \"{key}\" (download \
                             it below), and your progress in this activity starts afresh."
                        ),
                        kept_as: Some(key),
                        raw,
                    },
                    Err(why) => Unreadable {
                        message: format!(
                            "The progress this course's LMS kept for you could not be read: {e}. \
                             There was no room to keep a copy in this browser ({why}), so it \
                             stays in the LMS, untouched, and nothing is saved over it until you \
                             download it or choose to start afresh."
                        ),
                        kept_as: None,
                        raw,
                    },
                });
            }
        }
    }
    // This learner's progress that was longer than the LMS keeps (`save_to_lms`), in the
    // attempt the LMS resumes (a new attempt starts with no suspend data, and without it).
    let kept_here = crate::lms::fallback_key(launched)
        .filter(|_| resumed)
        .and_then(|k| web::storage_get(&k))
        .and_then(|raw| Progress::parse(&raw).ok());
    if let Some(p) = kept_here {
        loaded.progress.merge(p);
    }
    (loaded, unreadable)
}

thread_local! {
    /// The last limit notice `save_to_lms` computed.
    static LAST_LIMIT: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// Saves progress to the LMS (compact, within its limit: `lms::fit`), keeps in this
/// browser, for this learner, what did not fit or was not saved, and says so; reports
/// the launched tutorial's completion and score.
fn save_to_lms(learn: Learn, launched: Option<&str>) {
    let (Some(max), Some(version)) = (crate::lms::suspend_limit(), crate::lms::version()) else {
        return;
    };
    // Unreadable suspend data with no copy elsewhere is not saved over.
    let held = learn
        .lms_unreadable
        .with(|u| u.as_ref().is_some_and(|u| u.kept_as.is_none()));
    let fitted = learn.progress.with(|p| crate::lms::fit(p, launched, max));
    let saved = !held
        && fitted
            .data
            .as_deref()
            .is_some_and(crate::lms::save_progress);
    let whole = saved && fitted.left_out.is_empty();
    let fallback = crate::lms::fallback_key(launched);
    let here = match &fallback {
        Some(key) if whole => {
            web::storage_remove(key);
            Ok(())
        }
        Some(key) => web::storage_set(key, &fitted.full),
        None => Err("the LMS gave no learner id to keep it under".to_string()),
    };
    let title = |id: &str| {
        content::find(id)
            .map(|t| format!("\"{}\"", t.title))
            .unwrap_or_else(|| format!("\"{id}\""))
    };
    let kept_here = match &here {
        Ok(()) => "It is kept in this browser and comes back when you open this activity \
                   here again; export your progress to keep it anywhere."
            .to_string(),
        Err(why) => format!(
            "It could not be kept in this browser either ({why}): export your progress now \
             to keep it."
        ),
    };
    let message = if whole || held {
        None
    } else if fitted.data.is_none() {
        Some(format!(
            "Your progress takes {} characters, more than the {max} this course's LMS keeps \
             ({}), even for this activity alone, so none of it was saved in the course. {kept_here}",
            fitted.full_chars,
            version.name()
        ))
    } else if !saved {
        Some(format!(
            "The course's LMS refused to save your progress. {kept_here}"
        ))
    } else {
        let names: Vec<String> = fitted.left_out.iter().map(|id| title(id)).collect();
        Some(format!(
            "Your progress takes {} characters, more than the {max} this course's LMS keeps \
             ({}). Not saved in the course: your progress in {}. {kept_here}",
            fitted.full_chars,
            version.name(),
            names.join(", ")
        ))
    };
    // Shown again only when it says something new (not on every save once dismissed).
    if LAST_LIMIT.with(|last| last.replace(message.clone())) != message {
        learn.lms_limit.set(message);
    }
    // Each tutorial is its own item in a SCORM package, launched by deep link: report
    // that tutorial's completion and quiz score.
    if let Some(t) = launched.and_then(|id| learn.progress.with(|p| p.get(id).cloned())) {
        let score = t
            .score
            .map(|s| 100.0 * f64::from(s.correct) / f64::from(s.total.max(1)));
        // The steps done, of the steps and the quiz (which completes the tutorial).
        let steps = launched
            .and_then(content::find)
            .map_or(0, |t| t.steps.len());
        let done = 100.0 * t.steps_done.len() as f64 / (steps + 1) as f64;
        crate::lms::report_progress(t.completed, done, score);
    }
}

/// What a deep link asks for, as written in the address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeepLink {
    pub tutorial: String,
    pub step: Option<String>,
}

/// Reads `tutorial` and `step` from a query string (`?tutorial=x&step=2`); None when
/// there is no `tutorial` parameter.
pub fn parse_query(search: &str) -> Option<DeepLink> {
    let mut tutorial = None;
    let mut step = None;
    for pair in search.trim_start_matches('?').split('&') {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        match engine::share::decode(key).as_str() {
            "tutorial" if tutorial.is_none() => tutorial = Some(engine::share::decode(value)),
            "step" if step.is_none() => step = Some(engine::share::decode(value)),
            _ => {}
        }
    }
    tutorial.map(|tutorial| DeepLink { tutorial, step })
}

/// Follows a deep link: `find(id)` gives a tutorial's `'static` id and step count. On a
/// bad step the tutorial still opens (at its first step) with a message; on a bad id
/// nothing opens and the message says what was asked for.
pub fn resolve(
    link: &DeepLink,
    find: &dyn Fn(&str) -> Option<(&'static str, usize)>,
) -> Result<Open, (Option<Open>, String)> {
    let shown: String = link.tutorial.chars().take(80).collect();
    let Some((id, steps)) = find(link.tutorial.trim()) else {
        return Err((
            None,
            format!(
                "The link asks for tutorial \"{shown}\", which does not exist. Pick one from \
                 the list of tutorials."
            ),
        ));
    };
    let first = Open { id, page: 0 };
    let Some(raw) = link
        .step
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    else {
        return Ok(first);
    };
    let raw_shown: String = raw.chars().take(20).collect();
    match raw.parse::<usize>() {
        Ok(n) if n >= 1 && n <= steps => Ok(Open { id, page: n - 1 }),
        _ => Err((
            Some(first),
            format!(
                "The link asks for step \"{raw_shown}\" of \"{id}\"; it has steps 1 to {steps}. \
                 Showing step 1."
            ),
        )),
    }
}
