//! A message the learner can dismiss, announced politely when it appears: the tutorial
//! panel's notices and the LMS's.

use leptos::prelude::*;

/// A dismissible message in a polite live region (`signal` holds it; Dismiss clears it).
#[component]
pub fn Notice(signal: RwSignal<Option<String>>, testid: &'static str) -> impl IntoView {
    view! {
        <div role="status" class="tutorial-notice-slot">
            {move || signal.get().map(|message| view! {
                <div class="tutorial-notice" data-testid=testid>
                    <p>{message}</p>
                    <button type="button" data-testid=format!("{testid}-dismiss") on:click=move |_| signal.set(None)>
                        "Dismiss"
                    </button>
                </div>
            })}
        </div>
    }
}
