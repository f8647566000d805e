//! The lab console under the dashboard: a tab list (Logs, Traces, Topology) over
//! snapshots of the run's logs, sampled traces and topology. Snapshots are asked of the
//! engine a few times a second (`REFRESH_MS`), not every frame, and only for what the
//! open tab shows, while the console is in view (or at once when a tab or filter
//! changes); the engine filters the logs (level, text, component) and sends the newest
//! matches. A component chosen in the topology (or the log filter) narrows the
//! logs and traces to it. Other tabs can be added to `TABS`.

use crate::components::logs::{LogPanel, ROWS_AT_ONCE};
use crate::components::topology::TopologyPanel;
use crate::components::traces::TracePanel;
use crate::sim::{Asker, Sim};
use engine::observe::{Level, LogRecord, Trace};
use engine::topology::{NodeSpec, TopologyView};
use leptos::prelude::*;
use sdl_host::protocol::{Answer, Ask, LogFilter, TraceW};
use std::time::Duration;

/// Wall time between snapshots of the run.
pub const REFRESH_MS: u64 = 300;
/// How near the viewport the console must be for its live views to refresh.
const IN_VIEW_MARGIN_PX: u32 = 200;

/// The tabs, in order: `(id, label)`.
pub const TABS: [(&str, &str); 3] = [
    ("logs", "Logs"),
    ("traces", "Traces"),
    ("topology", "Topology"),
];

/// One log line as the console shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct LogLine {
    /// Stable across snapshots: time, and the line's rank among lines at that time.
    pub key: (u64, u32),
    pub record: LogRecord,
    /// The trace is among the sampled ones kept, so the line can open it.
    pub sampled: bool,
}

/// The log lines that pass the filters: the newest `Console::log_rows`, newest first, and
/// how many matched of how many the run holds.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LogView {
    pub lines: Vec<LogLine>,
    pub matching: usize,
    pub held: usize,
}

/// The console's shared state (through context). Cheap to copy.
#[derive(Clone, Copy)]
pub struct Console {
    pub tab: RwSignal<&'static str>,
    pub logs: RwSignal<LogView>,
    /// How many of the newest matching lines the log list draws (it grows as the list
    /// is scrolled; see `logs::ROWS_AT_ONCE`).
    pub log_rows: RwSignal<usize>,
    pub log_paused: RwSignal<bool>,
    /// The log filters: lowest level shown, and text a line must contain.
    pub log_level: RwSignal<Level>,
    pub log_text: RwSignal<String>,
    pub traces: RwSignal<Vec<Trace>>,
    pub topology: RwSignal<Option<TopologyView>>,
    /// The component the dashboard, logs and traces are narrowed to (`ComponentFocus`).
    pub focus: RwSignal<Option<NodeSpec>>,
    /// The trace shown in the waterfall (a copy: it stays when the buffer moves on).
    pub selected: RwSignal<Option<Trace>>,
    /// What the last snapshot was of: (run generation, virtual time, tab, paused).
    last: StoredValue<(u32, u64, &'static str, bool)>,
    /// The engine's log snapshot the list shows (a paused tail filters it).
    shown_snapshot: StoredValue<Option<u32>>,
    asker: Asker,
}

impl Console {
    fn new() -> Console {
        Console {
            tab: RwSignal::new(TABS[0].0),
            logs: RwSignal::new(LogView::default()),
            log_rows: RwSignal::new(ROWS_AT_ONCE),
            log_paused: RwSignal::new(false),
            log_level: RwSignal::new(Level::Debug),
            log_text: RwSignal::new(String::new()),
            traces: RwSignal::new(Vec::new()),
            topology: RwSignal::new(None),
            focus: crate::components::focus::ComponentFocus::get_or_new().0,
            selected: RwSignal::new(None),
            last: StoredValue::new((u32::MAX, u64::MAX, "", false)),
            shown_snapshot: StoredValue::new(None),
            asker: Asker::new(),
        }
    }

    pub fn expect() -> Console {
        expect_context::<Console>()
    }

    /// Asks the engine for what the open tab shows, unless nothing changed since the last
    /// time (`force`: a filter changed). A paused tail keeps its lines: they are asked
    /// for again only to filter them anew.
    pub fn refresh(&self, sim: Sim, force: bool) {
        let generation = sim.generation.get_untracked();
        let now = sim.now_ns.get_untracked();
        let tab = self.tab.get_untracked();
        let paused = self.log_paused.get_untracked();
        let key = (generation, now, tab, paused);
        if self.last.get_value() == key && !force {
            return;
        }
        let reset = self.last.get_value().0 != generation;
        self.last.set_value(key);
        if reset {
            self.selected.set(None);
            self.focus.set(None);
        }
        let frozen = paused && !reset;
        let logs = (tab == "logs" && (force || !frozen)).then(|| LogFilter {
            min_level: self.log_level.get_untracked(),
            text: self.log_text.with_untracked(|t| t.trim().to_lowercase()),
            focus: self.focus.with_untracked(|f| f.map(|n| n.id.to_string())),
            frozen: if frozen {
                self.shown_snapshot.get_value()
            } else {
                None
            },
            max: self.log_rows.get_untracked(),
        });
        let live = logs.as_ref().is_some_and(|f| f.frozen.is_none());
        let ask = Ask::Console {
            logs,
            traces: tab == "traces",
            topology: tab == "topology",
        };
        let console = *self;
        self.asker.ask(sim, ask, move |answer| match answer {
            Answer::Console(data) => {
                if let Some(topology) = data.topology {
                    // Resolved against every part the system can have: the run's view
                    // holds only the parts it has (a ledger or queue appears once used).
                    let all = engine::topology::layout(
                        sim.system.get_untracked(),
                        engine::topology::Parts::ALL,
                    );
                    console.topology.set(Some(topology.view(&all)));
                }
                // Live lines that arrive once the tail is paused are not shown: the
                // learner paused to read what was on screen.
                let paused_since = live && console.log_paused.get_untracked();
                if let Some(logs) = data.logs.filter(|_| !paused_since) {
                    console.shown_snapshot.set_value(Some(logs.snapshot));
                    console.logs.set(LogView {
                        matching: logs.matching,
                        held: logs.held,
                        lines: logs
                            .lines
                            .into_iter()
                            .map(|w| LogLine {
                                key: w.key,
                                sampled: w.sampled,
                                record: w.record(),
                            })
                            .collect(),
                    });
                }
                if let Some(traces) = data.traces {
                    console
                        .traces
                        .set(traces.into_iter().map(TraceW::trace).collect());
                }
            }
            Answer::Stale => {}
            _ => {
                console.topology.set(None);
                console.logs.set(LogView::default());
                console.traces.set(Vec::new());
            }
        });
    }

    /// Opens trace `id` in the trace panel (from a log line).
    pub fn open_trace(&self, sim: Sim, id: u64) {
        let console = *self;
        sim.ask(Ask::Trace { id }, move |answer| {
            if let Answer::Trace(Some(trace)) = answer {
                console.selected.set(Some(trace.trace()));
                console.tab.set("traces");
                console.refresh(sim, false);
                focus_later("waterfall-title");
            }
        });
    }

    /// Narrows the dashboard, logs and traces to a component, or clears the filter when
    /// it is chosen again.
    pub fn toggle_focus(&self, node: NodeSpec) {
        crate::components::focus::ComponentFocus(self.focus).toggle(node);
    }
}

/// Moves keyboard focus to the element with `id` once the view has updated.
pub fn focus_later(id: impl Into<String>) {
    let id = id.into();
    request_animation_frame(move || {
        if let Some(el) = document().get_element_by_id(&id) {
            use wasm_bindgen::JsCast;
            if let Ok(el) = el.dyn_into::<web_sys::HtmlElement>() {
                let _ = el.focus();
            }
        }
    });
}

#[component]
pub fn ConsolePanel() -> impl IntoView {
    let sim = Sim::expect();
    let console = Console::new();
    provide_context(console);
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
