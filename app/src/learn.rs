//! The tutorial side of the page: one `Copy` handle (`Learn`, shared through context)
//! with the learner's progress (saved to localStorage on every change), the tutorial and
//! step open in the panel, and the messages the panel shows (unreadable saved progress,
//! a bad deep link, import/export results).
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
    /// Set when the learner moves to another page, so its heading takes focus (not on
    /// page load, where focus stays at the top of the page).
    pub focus_heading: StoredValue<bool>,
}

impl Learn {
    /// Loads saved progress (putting unreadable data aside), follows the page's deep
    /// link, saves on every change, and provides the handle.
    pub fn provide() -> Learn {
        let LoadedProgress {
            mut progress,
            notice,
            held,
        } = load_progress();
        // Launched from a course's LMS: its suspend data holds the progress made in
        // earlier sessions (perhaps on another computer).
        if let Some(saved) = crate::lms::saved_progress().and_then(|s| Progress::parse(&s).ok()) {
            progress.merge(saved);
        }
        let learn = Learn {
            progress: RwSignal::new(progress),
            open: RwSignal::new(None),
            notice: RwSignal::new(notice),
            link_error: RwSignal::new(None),
            save_error: RwSignal::new(None),
            held: RwSignal::new(held),
            focus_heading: StoredValue::new(false),
        };
        let deep_link = parse_query(&web::location_search());
        if let Some(link) = deep_link.clone() {
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
        // shows it and never writes over it.
        web::on_storage_written(progress::STORAGE_KEY, move |saved| {
            if let Ok(theirs) = Progress::parse(&saved) {
                learn.take_newer(theirs);
            }
        });
        Effect::new(move || {
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
            // In a SCORM package each tutorial is its own item, launched by deep link:
            // report that tutorial's completion and quiz score, and keep the progress in
            // the course. Without an LMS these do nothing.
            crate::lms::save_progress(&json);
            let launched = deep_link.as_ref().map(|l| l.tutorial.as_str());
            if let Some(t) = launched.and_then(|id| learn.progress.with(|p| p.get(id).cloned())) {
                let score = t
                    .score
                    .map(|s| 100.0 * f64::from(s.correct) / f64::from(s.total.max(1)));
                crate::lms::report_progress(t.completed, score);
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
