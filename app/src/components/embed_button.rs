//! The full lab's "Embed" button: a disclosure with the `<iframe>` snippet for the current
//! lab (a scenario to feature, seed, speed, switches and their parameters), as plain
//! text in a read-only field, and a button that copies it.

use crate::embed::{LinkState, SNIPPET_HEIGHT_PX};
use crate::host;
use crate::sim::Sim;
use engine::catalog;
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
pub fn EmbedButton() -> impl IntoView {
    let sim = Sim::expect();
    let open = RwSignal::new(false);
    // The scenario the embed features: chosen here, else the first one switched on.
    let chosen = RwSignal::new(None::<&'static str>);
    let copied = RwSignal::new(None::<&'static str>);
    let state = move || {
        sim.switches.track();
        sim.seed.track();
        sim.speed.track();
        let mut link = LinkState::of(&sim);
        link.embed = true;
        link.paused = false;
        link.scenario = Some(chosen.get().unwrap_or_else(|| link.featured_scenario()));
        link
    };
    let page = match host::page_file().as_str() {
        "./" => format!("{}index.html", host::lab_base()),
        file => format!("{}{file}", host::lab_base()),
    };
    let page = StoredValue::new(page);
    let snippet = move || page.with_value(|p| state().iframe_snippet(p));
    let copy = move |_| {
        let text = snippet();
        spawn_local(async move {
            copied.set(Some(if host::copy_text(text).await {
                "Copied."
            } else {
                "Copying was refused: select the text and press Ctrl+C."
            }));
        });
    };
    view! {
        <div class="embed-share">
            <button
                type="button"
                data-testid="embed-open"
                aria-expanded=move || open.get().to_string()
                aria-controls="embed-panel"
                on:click=move |_| {
                    copied.set(None);
                    open.update(|o| *o = !*o)
                }
            >
                "Embed"
            </button>
            <div id="embed-panel" class="embed-panel" hidden=move || !open.get()>
                <p>
                    "Paste this into a page to embed this lab (it sends its height to the page as "
                    <code>"sdl-embed:height"</code> " messages; a fixed height of "
                    {SNIPPET_HEIGHT_PX} " px also works)."
                </p>
                <label for="embed-scenario">"Scenario to feature"</label>
                <select
                    id="embed-scenario"
                    data-testid="embed-scenario"
                    on:change=move |ev| {
                        let v = event_target_value(&ev);
                        chosen.set(catalog::find_scenario(&v).ok().map(|s| s.id));
                        copied.set(None);
                    }
                >
                    {catalog::scenarios()
                        .iter()
                        .map(|s| {
                            let id = s.id;
                            view! {
                                <option value=id selected=move || state().scenario == Some(id)>
                                    {s.title}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
                <label for="embed-snippet">"Snippet"</label>
                <textarea id="embed-snippet" data-testid="embed-snippet" readonly rows="4" prop:value=snippet></textarea>
                <button type="button" data-testid="embed-copy" on:click=copy>
                    "Copy"
                </button>
                <span data-testid="embed-copied" aria-live="polite">{move || copied.get()}</span>
            </div>
        </div>
    }
}
