//! The lab console under the dashboard: a tab list (Logs, Traces, Topology) over
//! snapshots of the run's logs, sampled traces and topology. Snapshots are asked of the
//! engine a few times a second (`REFRESH_MS`), not every frame, and only for what the
//! open tab shows, while the console is in view (or at once when a tab or filter
//! changes); the engine filters the logs (level, text, component) and sends the newest
//! matches. A component chosen in the topology (or the log filter) narrows the
//! logs and traces to it. Other tabs can be added to `TABS`; a run with an event store
//! (the `orders` system) adds its own (`EVENT_TABS`: the event stream, an order's
//! history, the projections).

use crate::components::event_stream::EventStreamPanel;
use crate::components::logs::LogPanel;
use crate::components::order_history::OrderHistoryPanel;
use crate::components::projections::ProjectionsPanel;
use crate::components::topology::TopologyPanel;
use crate::components::traces::TracePanel;
use crate::console_state::{focus_later, tabs, Console, EVENT_TABS, TABS};
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
    Effect::new(move |prev: Option<ViewKey>| {
        console.log_paused.track();
        let view = (
            console.tab.get(),
            console.log_level.get(),
            console.log_text.get(),
            console.log_rows.get(),
            console.focus.get().map(|n| n.id),
            (console.event_filter.get(), console.history_order.get()),
        );
        console.refresh(sim, prev.as_ref() != Some(&view));
        view
    });

    // The running system's tabs: a tab it does not have (another system's) is left.
    let shown = Memo::new(move |_| tabs(sim.system.get()));
    Effect::new(move |_| {
        let tab = console.tab.get();
        if !shown.with(|t| t.iter().any(|(id, _)| *id == tab)) {
            console.tab.set(TABS[0].0);
        }
    });
    let has_store = Memo::new(move |_| shown.with(|t| t.len() > TABS.len()));

    let select = move |id: &'static str| {
        console.tab.set(id);
        focus_later(tab_id(id));
    };
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        let all = shown.get_untracked();
        let current = all
            .iter()
            .position(|(id, _)| *id == console.tab.get_untracked())
            .unwrap_or(0);
        let next = match ev.key().as_str() {
            "ArrowRight" => (current + 1) % all.len(),
            "ArrowLeft" => (current + all.len() - 1) % all.len(),
            "Home" => 0,
            "End" => all.len() - 1,
            _ => return,
        };
        ev.prevent_default();
        select(all[next].0);
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
                {move || shown
                    .get()
                    .into_iter()
                    .map(|(id, label)| {
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
                                on:click=move |_| select(id)
                            >
                                {label}
                            </button>
                        }
                    })
                    .collect_view()}
            </div>
            {focus_note}
            {TABS
                .iter()
                .map(|(id, _)| {
                    let body = match *id {
                        "logs" => view! { <LogPanel /> }.into_any(),
                        "traces" => view! { <TracePanel /> }.into_any(),
                        _ => view! { <TopologyPanel /> }.into_any(),
                    };
                    tab_panel(console, id, body)
                })
                .collect_view()}
            {move || {
                has_store
                    .get()
                    .then(|| {
                        EVENT_TABS
                            .iter()
                            .map(|(id, _)| {
                                let body = match *id {
                                    "events" => view! { <EventStreamPanel /> }.into_any(),
                                    "history" => view! { <OrderHistoryPanel /> }.into_any(),
                                    _ => view! { <ProjectionsPanel /> }.into_any(),
                                };
                                tab_panel(console, id, body)
                            })
                            .collect_view()
                    })
            }}
        </section>
    }
}

/// What a change of which refreshes the open tab at once: tab, log level, text, rows and
/// component, the event stream's filter and the order whose history is shown.
type ViewKey = (
    &'static str,
    Level,
    String,
    usize,
    Option<&'static str>,
    (Option<u32>, Option<u32>),
);

fn tab_panel(console: Console, id: &'static str, body: AnyView) -> impl IntoView {
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
}

fn tab_id(id: &str) -> String {
    format!("console-tab-{id}")
}

fn panel_id(id: &str) -> String {
    format!("console-panel-{id}")
}
