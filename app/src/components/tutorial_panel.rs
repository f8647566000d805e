//! The tutorial panel beside the lab: messages about saved progress and deep links, the
//! series index or the open tutorial, and the learner's progress tools (export, import,
//! reset with confirmation).

use crate::components::lms_notice::LmsNotices;
use crate::components::notice::Notice;
use crate::components::tutorial::TutorialView;
use crate::components::tutorial_index::TutorialIndex;
use crate::learn::Learn;
use crate::prose::{use_prose, Prose};
use crate::web;
use leptos::prelude::*;
use sdl_host::progress::{self, Progress};
use wasm_bindgen::JsCast;

#[component]
pub fn TutorialPanel() -> impl IntoView {
    let learn = Learn::expect();
    view! {
        <aside class="tutorial-panel panel" aria-labelledby="tutorial-panel-title" data-testid="tutorial-panel">
            <h2 id="tutorial-panel-title">"Tutorials"</h2>
            <Notice signal=learn.notice testid="progress-notice" />
            <HeldProgress />
            <Notice signal=learn.link_error testid="link-error" />
            <Notice signal=learn.save_error testid="save-error" />
            <LmsNotices />
            {move || match learn.open.get().and_then(|o| content::find(o.id).map(|_| o)) {
                Some(open) => view! { <OpenTutorial id=open.id page=open.page /> }.into_any(),
                None => view! { <TutorialIndex /> }.into_any(),
            }}
            <ProgressTools />
        </aside>
    }
}

/// The open tutorial, once its prose is here (`crate::prose`: loaded the first time a
/// tutorial opens); until then, or if it cannot be loaded, a message in its place.
#[component]
fn OpenTutorial(id: &'static str, page: usize) -> impl IntoView {
    let learn = Learn::expect();
    let prose = use_prose();
    move || {
        match prose.get() {
        // Found again now: `content::find` gives the tutorial with its prose.
        Prose::Ready => content::find(id)
            .map(|tutorial| view! { <TutorialView tutorial=tutorial page=page /> }.into_any()),
        Prose::Loading => Some(
            view! {
                <p class="panel-note" role="status" data-testid="tutorial-loading">"Loading the tutorial…"</p>
            }
            .into_any(),
        ),
        Prose::Failed(why) => Some(
            view! {
                <div class="tutorial" data-testid="tutorial-load-error">
                    <button type="button" class="link-button back" on:click=move |_| learn.open.set(None)>
                        "← All tutorials"
                    </button>
                    <p class="field-error" role="alert">
                        {format!("This tutorial's text could not be loaded: {why}. Reload the page to try again.")}
                    </p>
                </div>
            }
            .into_any(),
        ),
    }
    }
}

/// Saved progress that could not be read nor kept aside stays in place: the learner can
/// download it, then start afresh (which deletes it and saves again).
#[component]
fn HeldProgress() -> impl IntoView {
    let learn = Learn::expect();
    let status = RwSignal::new(String::new());
    let download = move |_| {
        let Some(raw) = learn.held.get_untracked() else {
            return;
        };
        status.set(
            match web::download_text("sdl-progress-unreadable.json", &raw, "application/json") {
                Ok(()) => "Downloaded as sdl-progress-unreadable.json.".to_string(),
                Err(e) => format!("Download failed: {e}."),
            },
        );
    };
    let afresh = move |_| {
        web::storage_remove(progress::STORAGE_KEY);
        learn.held.set(None);
        learn.notice.set(None);
        status.set(String::new());
    };
    view! {
        <Show when=move || learn.held.with(Option::is_some)>
            <div class="tutorial-notice" data-testid="held-progress">
                <button type="button" data-testid="held-progress-download" on:click=download>
                    "Download the unreadable progress"
                </button>
                <button type="button" data-testid="held-progress-afresh" on:click=afresh>
                    "Delete it and start afresh"
                </button>
                <p role="status">{move || status.get()}</p>
            </div>
        </Show>
    }
}

/// Export, import and reset of the learner's progress.
#[component]
fn ProgressTools() -> impl IntoView {
    let learn = Learn::expect();
    let status = RwSignal::new(String::new());
    let confirming = RwSignal::new(false);
    let file_input = NodeRef::<leptos::html::Input>::new();

    let export = move |_| {
        let json = learn.progress.with_untracked(Progress::to_json);
        status.set(
            match web::download_text("sdl-progress.json", &json, "application/json") {
                Ok(()) => "Progress exported as sdl-progress.json.".to_string(),
                Err(e) => format!("Export failed: {e}."),
            },
        );
    };
    let import = move |_| {
        let Some(input) = file_input.get_untracked() else {
            return;
        };
        let input: web_sys::HtmlInputElement = input.unchecked_into();
        leptos::task::spawn_local(async move {
            let read =
                web::read_chosen_file(&input, progress::MAX_IMPORT_BYTES, "progress files").await;
            let message = match read {
                Err(e) => format!("Import failed: {e}."),
                Ok((_, text)) => match Progress::parse(&text) {
                    Err(e) => format!("Import failed: this file cannot be used because {e}."),
                    Ok(imported) => {
                        let mut taken = 0;
                        learn.progress.update(|p| taken = p.merge(imported));
                        format!(
                            "Imported progress for {taken} tutorial{} (where both had one, the more recently updated was kept).",
                            if taken == 1 { "" } else { "s" }
                        )
                    }
                },
            };
            input.set_value("");
            status.set(message);
        });
    };
    let reset = move |_| {
        learn.progress.set(Progress::default());
        // Inside an LMS the browser's progress is not this learner's to delete.
        if crate::lms::version().is_none() {
            web::storage_remove(progress::STORAGE_KEY);
        }
        confirming.set(false);
        status.set("All tutorial progress was reset.".to_string());
    };

    view! {
        <details class="progress-tools" data-testid="progress-tools">
            <summary>"Your progress: export, import, reset"</summary>
            <p class="panel-note">
                {if crate::lms::version().is_some() {
                    "Progress is kept in the course's LMS for you. Export it to keep a copy."
                } else {
                    "Progress is kept in this browser only. Export it to move it to another browser or keep a copy."
                }}
            </p>
            <div class="tool-row">
                <button type="button" data-testid="progress-export" on:click=export>"Export progress"</button>
            </div>
            <div class="tool-row">
                <label for="progress-import">"Import a progress file"</label>
                <input
                    type="file"
                    id="progress-import"
                    accept=".json,application/json"
                    data-testid="progress-import"
                    node_ref=file_input
                    on:change=import
                />
            </div>
            <div class="tool-row">
                <Show
                    when=move || confirming.get()
                    fallback=move || view! {
                        <button type="button" data-testid="progress-reset" on:click=move |_| confirming.set(true)>
                            "Reset progress…"
                        </button>
                    }
                >
                    <p id="reset-confirm-text">"Delete the progress of every tutorial? This cannot be undone."</p>
                    <button type="button" class="danger" data-testid="progress-reset-confirm" aria-describedby="reset-confirm-text" on:click=reset>
                        "Yes, reset"
                    </button>
                    <button type="button" data-testid="progress-reset-cancel" on:click=move |_| confirming.set(false)>
                        "Cancel"
                    </button>
                </Show>
            </div>
            <p role="status" class="tool-status" data-testid="progress-status">{move || status.get()}</p>
        </details>
    }
}
