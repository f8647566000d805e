//! The log panel: a live tail of the run's structured log lines, filtered by level,
//! component and text (by the engine: see `Console::refresh`), showing up to the newest
//! `SHOWN` matches, newest first: `ROWS_AT_ONCE` at first, more as the list is scrolled.
//! The tail can be paused to read; a line whose request was traced opens that trace.

use crate::console_state::{Console, LogLine, ROWS_AT_ONCE, SHOWN};
use crate::sim::Sim;
use engine::observe::Level;
use leptos::prelude::*;
use sdl_host::format::virtual_time;

/// The level choices: `(value, label, lowest level shown)`.
const LEVELS: [(&str, &str, Level); 4] = [
    ("debug", "All levels", Level::Debug),
    ("info", "Info and above", Level::Info),
    ("warn", "Warnings and errors", Level::Warn),
    ("error", "Errors only", Level::Error),
];

#[component]
pub fn LogPanel() -> impl IntoView {
    let sim = Sim::expect();
    let console = Console::expect();
    let (min_level, text) = (console.log_level, console.log_text);
    let rows = console.log_rows;
    // The components of the running system (for the filter), known without asking.
    let components = Memo::new(move |_| {
        sim.generation.track();
        sim.layout().0
    });

    view! {
        <div class="log-panel">
            <h3 class="visually-hidden">"Logs"</h3>
            <div class="console-filters">
                <div class="control">
                    <label for="log-level">"Level"</label>
                    <select
                        id="log-level"
                        data-testid="log-level"
                        on:change=move |ev| {
                            let v = event_target_value(&ev);
                            if let Some((_, _, l)) = LEVELS.iter().find(|(id, _, _)| *id == v) {
                                min_level.set(*l);
                            }
                        }
                    >
                        {LEVELS
                            .iter()
                            .map(|(id, label, _)| view! { <option value=*id>{*label}</option> })
                            .collect_view()}
                    </select>
                </div>
                <div class="control">
                    <label for="log-component">"Component"</label>
                    <select
                        id="log-component"
                        data-testid="log-component"
                        prop:value=move || console.focus.get().map_or("", |n| n.id)
                        on:change=move |ev| {
                            let v = event_target_value(&ev);
                            let node = components.get_untracked().into_iter().find(|n| n.id == v);
                            console.focus.set(node);
                        }
                    >
                        <option value="">"All components"</option>
                        {move || {
                            let focused = console.focus.get().map(|n| n.id);
                            components
                                .get()
                                .into_iter()
                                .map(|n| {
                                    view! {
                                        <option value=n.id selected=focused == Some(n.id)>
                                            {n.label}
                                        </option>
                                    }
                                })
                                .collect_view()
                        }}
                    </select>
                </div>
                <div class="control grow">
                    <label for="log-search">"Text"</label>
                    <input
                        id="log-search"
                        type="search"
                        data-testid="log-search"
                        placeholder="message, field or trace id"
                        autocomplete="off"
                        on:input=move |ev| text.set(event_target_value(&ev))
                    />
                </div>
                <button
                    type="button"
                    data-testid="log-pause"
                    aria-pressed=move || console.log_paused.get().to_string()
                    on:click=move |_| console.log_paused.update(|p| *p = !*p)
                >
                    {move || if console.log_paused.get() { "Resume tail" } else { "Pause tail" }}
                </button>
            </div>
            <p class="console-count" data-testid="log-count">
                {move || {
                    let paused = if console.log_paused.get() { " Tail paused." } else { "" };
                    console.logs.with(|l| {
                        format!(
                            "{} of {} lines match; showing the newest {}.{paused}",
                            l.matching,
                            l.held,
                            l.lines.len(),
                        )
                    })
                }}
            </p>
            <ol
                class="log-lines"
                data-testid="log-lines"
                tabindex="0"
                aria-label="Log lines, newest first"
                on:scroll=move |ev| {
                    use wasm_bindgen::JsCast;
                    let Some(list) = ev.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) else {
                        return;
                    };
                    let top = list.scroll_top();
                    let near_end = top + 2 * list.client_height() >= list.scroll_height();
                    let drawn = rows.get_untracked();
                    if near_end && drawn < SHOWN {
                        rows.set((drawn + ROWS_AT_ONCE).min(SHOWN));
                    } else if top == 0 && drawn > ROWS_AT_ONCE {
                        // Back at the newest lines: the tail is cheap to follow again.
                        rows.set(ROWS_AT_ONCE);
                    }
                }
            >
                <For
                    each=move || console.logs.with(|l| l.lines.clone())
                    key=|l| (l.key, l.sampled)
                    children=move |line| view! { <LogRow line=line sim=sim console=console /> }
                />
            </ol>
        </div>
    }
}

#[component]
fn LogRow(line: LogLine, sim: Sim, console: Console) -> impl IntoView {
    let sampled = line.sampled;
    let line = line.record;
    let level = line.level.as_str();
    let trace = line.trace_id.map(|id| {
        if sampled {
            view! {
                <button
                    type="button"
                    class="link-button"
                    data-testid="log-trace-link"
                    aria-label=format!("Open trace {id}")
                    on:click=move |_| console.open_trace(sim, id)
                >
                    {format!("trace {id}")}
                </button>
            }
            .into_any()
        } else {
            view! { <span class="muted" title="This request was not sampled">{format!("trace {id} (not sampled)")}</span> }
                .into_any()
        }
    });
    let fields = line
        .fields
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(" ");
    view! {
        <li class=format!("log-line level-{level}") data-testid="log-line" data-level=level>
            <span class="log-time">{virtual_time(line.t_ns)}</span>
            <span class="log-level">{level.to_ascii_uppercase()}</span>
            <span class="log-service">{line.service}</span>
            <span class="log-message">{line.message}</span>
            <span class="log-fields">{fields}</span>
            {trace}
        </li>
    }
}
