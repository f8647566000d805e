//! The trace panel: the sampled traces (recent, slowest or erroring, narrowed to the
//! focused component) as a keyboard-navigable list, and the chosen trace as a waterfall.
//! The waterfall is a table — service, operation, start offset, duration, status,
//! attributes — with a bar per span drawn beside it; the spans on the critical path
//! (`Trace::critical_path`) are highlighted and say so in text.

use crate::console_state::{focus_later, Console};
use engine::observe::{SpanStatus, Trace};
use leptos::prelude::*;
use sdl_host::format::{virtual_time, Quantity};
use sdl_host::traces::{linked, pick};

const VIEWS: [(&str, &str); 3] = [
    ("recent", "Recent"),
    ("slowest", "Slowest"),
    ("errors", "Erroring"),
];

fn secs(ns: u64) -> String {
    Quantity::Seconds.format(ns as f64 / 1e9)
}

fn trace_label(t: &Trace) -> String {
    let root = t.root();
    format!(
        "{} {} · {} · {} · at {}",
        root.map_or("?", |r| r.service),
        root.map_or("?", |r| r.operation),
        secs(t.duration_ns()),
        if t.is_error() { "error" } else { "ok" },
        virtual_time(root.map_or(0, |r| r.start_ns)),
    )
}

#[component]
pub fn TracePanel() -> impl IntoView {
    let console = Console::expect();
    let view_id = RwSignal::new("recent");

    let listed = Memo::new(move |_| {
        let v = view_id.get();
        let focus = console.focus.get();
        console.traces.with(|all| {
            let narrowed: Vec<Trace> = all
                .iter()
                .filter(|t| focus.is_none_or(|n| n.matches_trace(t)))
                .cloned()
                .collect();
            pick(&narrowed, v)
                .into_iter()
                .map(|t| (t.trace_id, trace_label(t), t.is_error()))
                .collect::<Vec<_>>()
        })
    });

    let choose = move |id: u64| {
        let found = console
            .traces
            .with_untracked(|all| all.iter().find(|t| t.trace_id == id).cloned());
        if found.is_some() {
            console.selected.set(found);
        }
    };

    // Up/Down (and Home/End) move between the listed traces.
    let on_list_key = move |ev: leptos::ev::KeyboardEvent| {
        let ids: Vec<u64> = listed.with_untracked(|l| l.iter().map(|(id, _, _)| *id).collect());
        if ids.is_empty() {
            return;
        }
        let active = document()
            .active_element()
            .and_then(|e| e.get_attribute("data-trace-id"))
            .and_then(|v| v.parse::<u64>().ok());
        let at = active.and_then(|a| ids.iter().position(|id| *id == a));
        let next = match (ev.key().as_str(), at) {
            ("ArrowDown", Some(i)) => (i + 1).min(ids.len() - 1),
            ("ArrowUp", Some(i)) => i.saturating_sub(1),
            ("ArrowDown", None) | ("Home", _) => 0,
            ("ArrowUp", None) | ("End", _) => ids.len() - 1,
            _ => return,
        };
        ev.prevent_default();
        focus_later(format!("trace-item-{}", ids[next]));
    };

    view! {
        <div class="trace-panel">
            <h3 class="visually-hidden">"Traces"</h3>
            <div class="console-filters" role="group" aria-label="Which traces">
                {VIEWS
                    .iter()
                    .map(|(id, label)| {
                        let id = *id;
                        view! {
                            <button
                                type="button"
                                class="toggle"
                                data-testid=format!("trace-view-{id}")
                                aria-pressed=move || (view_id.get() == id).to_string()
                                on:click=move |_| view_id.set(id)
                            >
                                {*label}
                            </button>
                        }
                    })
                    .collect_view()}
            </div>
            <div class="trace-layout">
                <div class="trace-list-wrap">
                    <p class="console-count" data-testid="trace-count">
                        {move || {
                            let n = listed.with(Vec::len);
                            let total = console.traces.with(Vec::len);
                            format!("{n} listed of {total} sampled traces. Up and Down move through the list.")
                        }}
                    </p>
                    <ul class="trace-list" data-testid="trace-list" aria-label="Sampled traces" on:keydown=on_list_key>
                        <For
                            each=move || listed.get()
                            key=|(id, label, _)| (*id, label.clone())
                            children=move |(id, label, error)| {
                                let current = move || {
                                    console.selected.with(|s| s.as_ref().is_some_and(|t| t.trace_id == id))
                                };
                                view! {
                                    <li>
                                        <button
                                            type="button"
                                            id=format!("trace-item-{id}")
                                            class=if error { "trace-item error" } else { "trace-item" }
                                            data-testid="trace-item"
                                            data-trace-id=id.to_string()
                                            data-error=error.to_string()
                                            aria-current=move || current().then_some("true")
                                            on:click=move |_| choose(id)
                                        >
                                            {label}
                                        </button>
                                    </li>
                                }
                            }
                        />
                    </ul>
                </div>
                <Waterfall />
            </div>
        </div>
    }
}

#[component]
fn Waterfall() -> impl IntoView {
    let console = Console::expect();
    move || {
        let Some(trace) = console.selected.get() else {
            return view! {
                <div class="waterfall-wrap">
                    <h4 id="waterfall-title" tabindex="-1">"Waterfall"</h4>
                    <p class="muted" data-testid="waterfall-empty">
                        "Choose a trace from the list, or open one from a log line."
                    </p>
                </div>
            }
            .into_any();
        };
        let critical = trace.critical_path();
        let root_start = trace.root().map_or(0, |r| r.start_ns);
        let total = trace.duration_ns().max(1) as f64;
        let rows = trace
            .spans
            .iter()
            .map(|s| {
                let on_path = critical.contains(&s.span_id);
                let error = s.status == SpanStatus::Error;
                let offset = s.start_ns.saturating_sub(root_start);
                let left = (offset as f64 / total * 100.0).clamp(0.0, 100.0);
                let width = (s.duration_ns as f64 / total * 100.0).clamp(0.4, 100.0 - left);
                let attrs = s
                    .attributes
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join(", ");
                let mut class = String::from("span-row");
                if on_path {
                    class.push_str(" critical");
                }
                if error {
                    class.push_str(" error");
                }
                let depth = if s.parent.is_some() { "child" } else { "root" };
                view! {
                    <tr class=class data-testid="span-row" data-status=if error { "error" } else { "ok" } data-critical=on_path.to_string()>
                        <th scope="row" class=format!("span-name {depth}")>
                            <span class="span-service">{s.service}</span>
                            " "
                            <span class="span-op">{s.operation}</span>
                        </th>
                        <td class="num">{format!("+{}", secs(offset))}</td>
                        <td class="num">{secs(s.duration_ns)}</td>
                        <td class="span-status">{if error { "error" } else { "ok" }}</td>
                        <td>{if on_path { "yes" } else { "no" }}</td>
                        <td class="span-attrs">{attrs}</td>
                        <td class="span-bar-cell" aria-hidden="true">
                            <div class="span-track">
                                <div class="span-bar" style:left=format!("{left:.2}%") style:width=format!("{width:.2}%")></div>
                            </div>
                        </td>
                    </tr>
                }
            })
            .collect_view();
        let title = format!("Trace {}: {}", trace.trace_id, trace_label(&trace));
        // Its own reactive part: the sampled traces change every refresh, and the
        // waterfall above (and the focus on its title) must not be drawn again for that.
        let shown = trace.clone();
        let linked_view = move || {
            let links = console.traces.with(|all| linked(all, &shown));
            (!links.follows_from.is_empty() || !links.followed_by.is_empty()).then(|| {
            let item = move |id: u64| {
                let label = console.traces.with_untracked(|all| {
                    all.iter().find(|t| t.trace_id == id).map(trace_label)
                });
                match label {
                    Some(label) => view! {
                        <li>
                            <button
                                type="button"
                                class="link-button"
                                data-testid="linked-trace"
                                data-trace-id=id.to_string()
                                on:click=move |_| {
                                    let found = console.traces.with_untracked(|all| {
                                        all.iter().find(|t| t.trace_id == id).cloned()
                                    });
                                    if found.is_some() {
                                        console.selected.set(found);
                                        focus_later("waterfall-title");
                                    }
                                }
                            >
                                {format!("Trace {id}: {label}")}
                            </button>
                        </li>
                    }
                    .into_any(),
                    None => view! {
                        <li class="muted">{format!("Trace {id} (no longer among the sampled traces)")}</li>
                    }
                    .into_any(),
                }
            };
            let from = links.follows_from.clone();
            let by = links.followed_by.clone();
            view! {
                <div class="trace-links" data-testid="trace-links">
                    {(!from.is_empty()).then(|| view! {
                        <h5>"Follows from"</h5>
                        <p class="muted">"Work that caused this trace earlier (its spans' links)."</p>
                        <ul>{from.into_iter().map(item).collect_view()}</ul>
                    })}
                    {(!by.is_empty()).then(|| view! {
                        <h5>"Followed by"</h5>
                        <p class="muted">"Work done later because of this trace, asynchronously (traces linking to it)."</p>
                        <ul>{by.into_iter().map(item).collect_view()}</ul>
                    })}
                </div>
            }
            })
        };
        view! {
            <div class="waterfall-wrap">
                <h4 id="waterfall-title" tabindex="-1" data-testid="waterfall-title">{title}</h4>
                <p class="muted">
                    "Highlighted rows are on the critical path: the chain of work that set the request's duration."
                </p>
                <div class="table-scroll" tabindex="0" role="region" aria-labelledby="waterfall-title">
                    <table class="waterfall" data-testid="waterfall">
                        <caption class="visually-hidden">
                            "Spans of the trace in start order, with start offset from the request's arrival, duration, status, whether on the critical path, and attributes."
                        </caption>
                        <thead>
                            <tr>
                                <th scope="col">"Span"</th>
                                <th scope="col">"Start"</th>
                                <th scope="col">"Duration"</th>
                                <th scope="col">"Status"</th>
                                <th scope="col">"Critical"</th>
                                <th scope="col">"Attributes"</th>
                                <th scope="col">"Timeline"</th>
                            </tr>
                        </thead>
                        <tbody>{rows}</tbody>
                    </table>
                </div>
                {linked_view}
            </div>
        }
        .into_any()
    }
}
