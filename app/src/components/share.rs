//! Sharing a run: the message about what a link or file left out (dismissible), the
//! progress of a link being replayed, and "Copy link" with a selectable field when the
//! clipboard is refused.

use crate::sim::Sim;
use crate::url_state::{self, Share};
use crate::web_share;
use leptos::prelude::*;
use leptos::task::spawn_local;
use sdl_host::format::virtual_time;

/// What a link or imported file left out, and a link being run to its time.
#[component]
pub fn LinkNotice() -> impl IntoView {
    let sim = Sim::expect();
    let share = Share::expect();
    let progress = move || {
        share.replay.get().map(|r| {
            let now = sim.now_ns.get();
            let pct = (now as f64 / r.target_ns.max(1) as f64 * 100.0).min(100.0);
            view! {
                <p class="replay" data-testid="replay-progress" role="status">
                    "Running the shared link to " {virtual_time(r.target_ns)} " of virtual time… "
                    <progress max="100" value=format!("{pct:.0}") aria-label="Progress of the replay"></progress>
                    " "
                    <button type="button" data-testid="replay-stop" on:click=move |_| sim.stop_replay()>
                        "Stop here"
                    </button>
                </p>
            }
        })
    };
    view! {
        {progress}
        <Show when=move || share.notice.with(|n| !n.is_empty())>
            <div class="notice" role="alert" data-testid="link-notice">
                <h2>{move || share.notice_title.get()}</h2>
                <p>"The lab opened with everything else; this was ignored:"</p>
                <ul>
                    {move || {
                        share
                            .notice
                            .get()
                            .into_iter()
                            .map(|m| view! { <li>{m}</li> })
                            .collect_view()
                    }}
                </ul>
                <button
                    type="button"
                    data-testid="link-notice-dismiss"
                    on:click=move |_| share.notice.set(Vec::new())
                >
                    "Dismiss"
                </button>
            </div>
        </Show>
    }
}

/// "Copy link": the run now, at its virtual time, as a link.
#[component]
pub fn SharePanel() -> impl IntoView {
    let sim = Sim::expect();
    let share = Share::expect();
    let link = RwSignal::new(None::<String>);
    let status = RwSignal::new(String::new());
    let copy = move |_| {
        let url = url_state::share_link(sim);
        link.set(Some(url.clone()));
        status.set(String::new());
        spawn_local(async move {
            if web_share::copy_text(&url).await {
                status.set("Link copied.".to_string());
            } else {
                status.set(
                    "The browser did not allow copying; select the link above and copy it."
                        .to_string(),
                );
            }
        });
    };
    let changed = move || {
        sim.switches.track();
        sim.system_params.track();
        sim.rules.track();
        sim.generation.track();
        share.changed_since_start(sim)
    };
    view! {
        <section class="panel share-panel" aria-labelledby="share-title" data-testid="share-panel">
            <h2 id="share-title">"Share this run"</h2>
            <p class="panel-note">
                "The address bar always holds the lab's settings. A copied link also holds the "
                "virtual time: opening it runs the same simulation there and shows the same numbers."
            </p>
            <Show when=changed>
                <p class="panel-note warn" data-testid="share-changed">
                    "You switched things during this run. A link runs its settings from the start, "
                    "so its numbers will differ from these; press Reset to start a run that a link reproduces."
                </p>
            </Show>
            <button type="button" class="primary" data-testid="copy-link" on:click=copy>
                "Copy link"
            </button>
            <Show when=move || link.with(Option::is_some)>
                <label class="share-link">
                    "Link to this run"
                    <input
                        type="text"
                        readonly
                        data-testid="share-link"
                        prop:value=move || link.get().unwrap_or_default()
                        on:focus=move |ev| {
                            use wasm_bindgen::JsCast;
                            if let Some(input) = ev
                                .target()
                                .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
                            {
                                input.select();
                            }
                        }
                    />
                </label>
            </Show>
            <p class="status" role="status" data-testid="copy-status">{move || status.get()}</p>
        </section>
    }
}
