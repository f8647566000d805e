//! What the learner must know about the course's record when the lab runs inside an LMS
//! (`crate::lms`, `crate::learn`): the LMS did not start a session, progress longer than
//! the LMS keeps, and suspend data that could not be read (a copy to download, and, when
//! no copy could be kept, the choice to start afresh over it).

use crate::components::notice::Notice;
use crate::learn::Learn;
use crate::web;
use leptos::prelude::*;

#[component]
pub fn LmsNotices() -> impl IntoView {
    let learn = Learn::expect();
    view! {
        <Notice signal=learn.lms_notice testid="lms-notice" />
        <Notice signal=learn.lms_limit testid="lms-limit" />
        <UnreadableSuspendData />
    }
}

/// Unreadable suspend data: what happened, a download of it, and either Dismiss (a copy
/// was kept in this browser) or "Start afresh in the course" (there was no room for one:
/// until then nothing is saved over it).
#[component]
fn UnreadableSuspendData() -> impl IntoView {
    let learn = Learn::expect();
    let status = RwSignal::new(String::new());
    let download = move |_| {
        let Some(u) = learn.lms_unreadable.get_untracked() else {
            return;
        };
        status.set(
            match web::download_text("sdl-lms-progress-unreadable.txt", &u.raw, "text/plain") {
                Ok(()) => "Downloaded as sdl-lms-progress-unreadable.txt.".to_string(),
                Err(e) => format!("Download failed: {e}."),
            },
        );
    };
    view! {
        <div role="status" class="tutorial-notice-slot">
            {move || learn.lms_unreadable.get().map(|u| {
                let held = u.kept_as.is_none();
                view! {
                    <div class="tutorial-notice" data-testid="lms-unreadable">
                        <p>{u.message}</p>
                        <button type="button" data-testid="lms-unreadable-download" on:click=download>
                            "Download the unreadable progress"
                        </button>
                        <button
                            type="button"
                            data-testid=if held { "lms-unreadable-afresh" } else { "lms-unreadable-dismiss" }
                            on:click=move |_| {
                                status.set(String::new());
                                learn.lms_unreadable.set(None);
                            }
                        >
                            {if held { "Start afresh in the course" } else { "Dismiss" }}
                        </button>
                        <p>{move || status.get()}</p>
                    </div>
                }
            })}
        </div>
    }
}
