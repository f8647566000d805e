//! The embedded lab: what an `<iframe>` on a docs page shows for `?embed=1`. A title,
//! play/pause, the switch of the featured scenario (and of a mitigation, if asked for),
//! the virtual clock, the golden-signal charts and an "Open in full lab" link that
//! carries the current state. It posts its height to the parent page as it changes.

use crate::components::dashboard::Dashboard;
use crate::embed::{switch_title, LinkState};
use crate::host;
use crate::sim::Sim;
use leptos::html;
use leptos::prelude::*;
use sdl_host::format::virtual_time;

#[component]
pub fn EmbedLab(link: LinkState, problems: Vec<String>) -> impl IntoView {
    let sim = Sim::expect();
    let scenario = link.featured_scenario();
    let mitigation = link.mitigation;
    let root = NodeRef::<html::Main>::new();
    Effect::new(move |_| {
        if root.get().is_some() {
            host::post_height_to_parent(scenario);
        }
    });
    let full_lab_href = move || {
        // Re-read on every state change the link depends on.
        sim.switches.track();
        sim.seed.track();
        sim.speed.track();
        sim.playing.track();
        format!("{}{}", host::page_file(), LinkState::of(&sim).to_query())
    };
    view! {
        // The embed is a page of its own: its content is its `main` landmark.
        <main class="embed" data-testid="embed-lab" node_ref=root>
            <div class="embed-bar">
                <h1 class="embed-title">{switch_title(scenario)}</h1>
                <button
                    type="button"
                    class="primary"
                    data-testid="play-toggle"
                    aria-keyshortcuts="Space"
                    on:click=move |_| sim.toggle_play()
                >
                    {move || if sim.playing.get() { "Pause" } else { "Play" }}
                </button>
                <EmbedSwitch id=scenario prefix="scenario" />
                {mitigation.map(|id| view! { <EmbedSwitch id=id prefix="mitigation" /> })}
                <p class="clock">
                    <output data-testid="virtual-time" data-ns=move || sim.now_ns.get().to_string() aria-live="off">
                        {move || virtual_time(sim.now_ns.get())}
                    </output>
                </p>
                <a
                    class="embed-open"
                    data-testid="open-full-lab"
                    href=full_lab_href
                    target="_blank"
                    rel="noopener"
                >
                    "Open in full lab"
                    <span class="visually-hidden">" (opens in a new tab)"</span>
                </a>
            </div>
            {(!problems.is_empty())
                .then(|| {
                    view! {
                        <ul class="field-error embed-problems" data-testid="embed-problems">
                            {problems.into_iter().map(|p| view! { <li>{p}</li> }).collect_view()}
                        </ul>
                    }
                })}
            <Dashboard />
        </main>
    }
}

/// One switch of the embed, with the engine's message when it refuses.
#[component]
fn EmbedSwitch(id: &'static str, prefix: &'static str) -> impl IntoView {
    let sim = Sim::expect();
    let on = move || sim.switches.with(|all| all.get(id).is_some_and(|s| s.on));
    let error = move || sim.switch_errors.with(|e| e.get(id).cloned());
    let dom_id = format!("embed-{prefix}-{id}");
    let error_id = format!("{dom_id}-error");
    let label_for = dom_id.clone();
    let described_by = error_id.clone();
    view! {
        <div class="embed-switch">
            <label class="switch" for=label_for>
                <input
                    type="checkbox"
                    role="switch"
                    id=dom_id
                    data-testid=format!("{prefix}-toggle-{id}")
                    aria-describedby=described_by
                    prop:checked=on
                    on:change=move |ev| {
                        let _ = sim.set_switch(id, event_target_checked(&ev));
                    }
                />
                <span>{switch_title(id)} ": " {move || if on() { "on" } else { "off" }}</span>
            </label>
            <span class="field-error" id=error_id aria-live="polite">{error}</span>
        </div>
    }
}
