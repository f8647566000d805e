//! The lab console's shared state (`Console`, through context): the open tab, the log
//! filters and the lines, traces and topology last received, an event-sourced run's
//! event store (the stream's filter, the order whose history is stepped through), and
//! how they are asked of the engine (`Console::refresh`). The console
//! (`components::console`) and its tabs (`components::logs`, `traces`, `topology`,
//! `event_stream`, `order_history`, `projections`) read and change it; it draws nothing.

use crate::sim::{Asker, Sim};
use engine::observe::{Level, LogRecord, Trace};
use engine::topology::{NodeSpec, TopologyView};
use leptos::prelude::*;
use sdl_host::event_store::EventStoreW;
use sdl_host::protocol::{Answer, Ask, LogFilter, TraceW};

/// Matching lines listed at most (the newest).
pub const SHOWN: usize = 200;
/// Rows drawn at first, and added each time the list is scrolled near its end. The list
/// shows about 20 at a time; at 10× the tail brings some 150 new lines every refresh, and
/// building rows nobody scrolled to would cost the page a long frame each time.
pub const ROWS_AT_ONCE: usize = 50;

/// The tabs, in order: `(id, label)`.
pub const TABS: [(&str, &str); 3] = [
    ("logs", "Logs"),
    ("traces", "Traces"),
    ("topology", "Topology"),
];

/// The tabs of a run with an event store (the `orders` system), after `TABS`.
pub const EVENT_TABS: [(&str, &str); 3] = [
    ("events", "Event stream"),
    ("history", "Order history"),
    ("projections", "Projections"),
];

/// The tabs a run of `system` shows, in order.
pub fn tabs(system: &str) -> Vec<(&'static str, &'static str)> {
    let mut tabs = TABS.to_vec();
    if engine::systems::orders::view::shown_for(system) {
        tabs.extend(EVENT_TABS);
    }
    tabs
}

/// The id of the order history's title.
pub const HISTORY_TITLE: &str = "order-history-title";

/// An order id as typed: none when empty, or a message saying what an id is.
pub fn parse_order(raw: &str) -> Result<Option<u32>, String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    raw.parse::<u32>()
        .map(Some)
        .map_err(|_| format!("“{raw}” is not an order id: an id is a whole number, such as 42."))
}

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
    /// is scrolled; see `ROWS_AT_ONCE`).
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
    /// What the event store views last received (`None`: nothing yet, or no store).
    pub event_store: RwSignal<Option<EventStoreW>>,
    /// The order the event stream is narrowed to.
    pub event_filter: RwSignal<Option<u32>>,
    /// The order whose history is shown, and the version stepped to (`None`: its
    /// latest, following new events).
    pub history_order: RwSignal<Option<u32>>,
    pub history_version: RwSignal<Option<u32>>,
    /// The order the last history received was asked for (it is `None` when there is
    /// no such order).
    pub history_for: RwSignal<Option<u32>>,
    /// The history's title takes keyboard focus once drawn (an order chosen in the
    /// stream: its history arrives a moment later).
    history_focus: StoredValue<bool>,
    /// What the last snapshot was of: (run generation, virtual time, tab, paused).
    last: StoredValue<(u32, u64, &'static str, bool)>,
    /// The engine's log snapshot the list shows (a paused tail filters it).
    shown_snapshot: StoredValue<Option<u32>>,
    asker: Asker,
}

impl Console {
    /// A new console's state, shared with what the console holds (through context).
    pub fn provide() -> Console {
        let console = Console {
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
            event_store: RwSignal::new(None),
            event_filter: RwSignal::new(None),
            history_order: RwSignal::new(None),
            history_version: RwSignal::new(None),
            history_for: RwSignal::new(None),
            history_focus: StoredValue::new(false),
            last: StoredValue::new((u32::MAX, u64::MAX, "", false)),
            shown_snapshot: StoredValue::new(None),
            asker: Asker::new(),
        };
        provide_context(console);
        console
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
            self.event_store.set(None);
            self.history_version.set(None);
            self.history_for.set(None);
        }
        if EVENT_TABS.iter().any(|(id, _)| *id == tab) {
            let console = *self;
            let (tail, projections) = (tab == "events", tab == "projections");
            let order = self
                .history_order
                .get_untracked()
                .filter(|_| tab == "history");
            let ask = Ask::EventStore {
                tail,
                filter: self.event_filter.get_untracked(),
                order,
                projections,
            };
            self.asker.ask(sim, ask, move |answer| match answer {
                // What was not asked for stays as the other tabs last showed it.
                Answer::EventStore(Some(mut new)) => {
                    console.event_store.update(|old| {
                        if let Some(old) = old.take() {
                            if !tail {
                                new.tail = old.tail;
                            }
                            if order.is_none() {
                                new.history = old.history;
                            }
                            if !projections {
                                new.projections = old.projections;
                            }
                        }
                        *old = Some(new);
                    });
                    if order.is_some() {
                        console.history_for.set(order);
                    }
                }
                Answer::Stale => {}
                _ => console.event_store.set(None),
            });
            return;
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
                if let Some(mut topology) = data.topology {
                    // A game day hides what strikes where: finding it is the exercise.
                    if sim.gameday.with_untracked(Option::is_some) {
                        for n in &mut topology.nodes {
                            n.struck_by.clear();
                        }
                    }
                    // Resolved against every part the system can have: the run's view
                    // holds only the parts it has (a ledger or queue appears once used).
                    let all = engine::topology::layout(
                        sim.system.get_untracked(),
                        &engine::topology::Options::ALL,
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

    /// Shows order `order`'s history at its latest version (from the event stream).
    pub fn open_history(&self, sim: Sim, order: u32) {
        self.history_order.set(Some(order));
        self.history_version.set(None);
        self.tab.set("history");
        self.history_focus.set_value(true);
        self.refresh(sim, true);
        // Drawn already (the same order again): now; else once it is (`history_drawn`).
        let console = *self;
        request_animation_frame(move || {
            if document().get_element_by_id(HISTORY_TITLE).is_some() {
                console.history_drawn();
            }
        });
    }

    /// The history's title is on the page: it takes focus if an order was just chosen.
    pub fn history_drawn(&self) {
        if self.history_focus.try_get_value() == Some(true) {
            self.history_focus.set_value(false);
            focus_later(HISTORY_TITLE);
        }
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
