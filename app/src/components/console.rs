//! The lab console under the dashboard: a tab list (Logs, Traces, Topology) over
//! snapshots of the run's logs, sampled traces and topology. Snapshots are asked of the
//! engine a few times a second (`REFRESH_MS`), not every frame, and only for what the
//! open tab shows, while the console is in view (or at once when a tab or filter
//! changes); the engine filters the logs (level, text, component) and sends the newest
//! matches. A component chosen in the topology (or the log filter) narrows the
//! logs and traces to it. Other tabs can be added to `TABS`.

use crate::components::logs::LogPanel;
use crate::components::topology::TopologyPanel;
use crate::components::traces::TracePanel;
use crate::console_state::{focus_later, Console, TABS};
use crate::sim::Sim;
use engine::observe::Level;
use leptos::prelude::*;
use std::time::Duration;

/// Wall time between snapshots of the run.
pub const REFRESH_MS: u64 = 300;
/// How near the viewport the console must be for its live views to refresh.
const IN_VIEW_MARGIN_PX: u32 = 200;

#[component]
pub fn ConsolePanel() -> impl IntoView {
    let sim = Sim::expect();
    let console = Console::provide();
    // The live tail is copied only while the console can be seen: rows nobody sees
    // would cost the page a relayout every refresh.
    let section = NodeRef::<leptos::html::Section>::new();
    let in_view = crate::host::use_in_view(section, IN_VIEW_MARGIN_PX);
    console.refresh(sim, false);
    if let Ok(handle) = set_interval_with_handle(
        move || {
            if in_view.get_untracked() {
                console.refresh(sim, false);
            }
        },
        Duration::from_millis(REFRESH_MS),
    ) {
        on_cleanup(move || handle.clear());
    }
    Effect::new(move |_| {
        if in_view.get() {
            console.refresh(sim, false);
        }
    });
    // A tab or filter change shows fresh data at once, not after the next tick; pausing
    // or resuming the tail refreshes as a tick would (a paused tail keeps its lines).
    Effect::new(
        move |prev: Option<(&'static str, Level, String, usize, Option<&'static str>)>| {
            console.log_paused.track();
            let view = (
                console.tab.get(),
                console.log_level.get(),
                console.log_text.get(),
                console.log_rows.get(),
                console.focus.get().map(|n| n.id),
            );
            console.refresh(sim, prev.as_ref() != Some(&view));
            view
        },
    );

    let select = move |i: usize| {
        console.tab.set(TABS[i].0);
        focus_later(tab_id(TABS[i].0));
    };
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        let current = TABS
            .iter()
            .position(|(id, _)| *id == console.tab.get_untracked())
            .unwrap_or(0);
        let next = match ev.key().as_str() {
            "ArrowRight" => (current + 1) % TABS.len(),
            "ArrowLeft" => (current + TABS.len() - 1) % TABS.len(),
            "Home" => 0,
            "End" => TABS.len() - 1,
            _ => return,
        };
        ev.prevent_default();
        select(next);
    };

    let focus_note = move || {
        console.focus.get().map(|node| {
            view! {
                <p class="console-focus" data-testid="console-focus">
                    "Showing logs and traces of "
                    <strong>{node.label}</strong>
                    " only. "
                    <button
                        type="button"
                        class="link-button"
                        data-testid="console-focus-clear"
                        on:click=move |_| console.focus.set(None)
                    >
                        "Show all components"
                    </button>
                </p>
            }
        })
    };

    view! {
        <section class="console" aria-labelledby="console-title" data-testid="console" node_ref=section>
            <h2 id="console-title">"Console"</h2>
            <div class="tabs" role="tablist" aria-label="Console views" on:keydown=on_key>
                {TABS
                    .iter()
                    .enumerate()
                    .map(|(i, (id, label))| {
                        let id = *id;
                        let selected = move || console.tab.get() == id;
                        view! {
                            <button
                                type="button"
                                role="tab"
                                id=tab_id(id)
                                data-testid=tab_id(id)
                                aria-controls=panel_id(id)
                                aria-selected=move || selected().to_string()
                                tabindex=move || if selected() { "0" } else { "-1" }
                                on:click=move |_| select(i)
                            >
                                {*label}
                            </button>
                        }
                    })
                    .collect_view()}
            </div>
            {focus_note}
            {TABS
                .iter()
                .map(|(id, _)| {
                    let id = *id;
                    let body = match id {
                        "logs" => view! { <LogPanel /> }.into_any(),
                        "traces" => view! { <TracePanel /> }.into_any(),
                        _ => view! { <TopologyPanel /> }.into_any(),
                    };
                    view! {
                        <div
                            class="tab-panel"
                            role="tabpanel"
                            id=panel_id(id)
                            aria-labelledby=tab_id(id)
                            tabindex="0"
                            hidden=move || console.tab.get() != id
                        >
                            {body}
                        </div>
                    }
                })
                .collect_view()}
        </section>
    }
}

fn tab_id(id: &str) -> String {
    format!("console-tab-{id}")
}

fn panel_id(id: &str) -> String {
    format!("console-panel-{id}")
}
