//! The palette: `/` (or the Find button) opens a search over every scenario and
//! mitigation the running system can take — by name, symptom, kind of fault or metric
//! (`sdl_host::search`) — and Enter switches the chosen one on (or off, when it is on).
//! With nothing typed, what is on now comes first, then what was used recently. A native
//! modal `<dialog>`: the rest of the page is inert while it is open, Escape closes it and
//! focus returns to where it was; the list is a listbox the arrow keys move through.
//! Three selects narrow the matches by category, by the component a switch strikes or
//! acts on, and by kind (`sdl_host::search::Filter`); how many match is announced.

use crate::components::shortcuts::typing;
use crate::components::switch_panel::applies;
use crate::sim::Sim;
use engine::strike::Component;
use leptos::html::{Dialog, Input};
use leptos::prelude::*;
use sdl_host::search::{categories, components, entries, find_filtered, Entry, Filter, Kind};

/// At most this many results are listed.
const SHOWN: usize = 12;

#[derive(Clone, PartialEq)]
struct Found {
    id: &'static str,
    title: &'static str,
    summary: &'static str,
    scenario: bool,
    on: bool,
}

#[component]
pub fn Palette() -> impl IntoView {
    let sim = Sim::expect();
    let dialog = NodeRef::<Dialog>::new();
    let input = NodeRef::<Input>::new();
    let query = RwSignal::new(String::new());
    let active = RwSignal::new(0usize);
    let status = RwSignal::new(String::new());
    let recent = RwSignal::new(Vec::<&'static str>::new());
    let filter = RwSignal::new(Filter::default());
    let all = StoredValue::new(entries());
    let category_choices = StoredValue::new(all.with_value(|a| categories(a)));
    let component_choices = all.with_value(|a| components(a));
    // How many match (all of them, not only those listed) and the ones listed.
    let matches = Memo::new(move |_| {
        let system = sim.system.get();
        let q = query.get();
        let filter = filter.get();
        let on: Vec<&'static str> = sim
            .switches
            .with(|s| s.iter().filter(|(_, x)| x.on).map(|(id, _)| *id).collect());
        let recent = recent.get();
        all.with_value(|all| {
            let mut found: Vec<&Entry> = find_filtered(all, &q, &filter)
                .into_iter()
                .filter(|e| applies(system, e.id) && !sim.hides(e.id))
                .collect();
            if q.trim().is_empty() {
                let rank = |e: &&Entry| {
                    if on.contains(&e.id) {
                        0
                    } else if let Some(i) = recent.iter().position(|r| *r == e.id) {
                        1 + i
                    } else {
                        usize::MAX
                    }
                };
                engine::order::sort_by_key(&mut found, rank);
            }
            let total = found.len();
            let shown = found
                .into_iter()
                .take(SHOWN)
                .map(|e| Found {
                    id: e.id,
                    title: e.title,
                    summary: e.summary,
                    scenario: e.scenario,
                    on: on.contains(&e.id),
                })
                .collect::<Vec<_>>();
            (total, shown)
        })
    });
    let results = Memo::new(move |_| matches.with(|m| m.1.clone()));
    let count = move || {
        let (total, shown) = matches.with(|m| (m.0, m.1.len()));
        match total {
            0 => "No matches.".to_string(),
            1 => "1 match.".to_string(),
            n if n > shown => format!("{n} matches; the first {shown} listed."),
            n => format!("{n} matches."),
        }
    };
    let set_filter = move |f: &dyn Fn(&mut Filter)| {
        filter.update(|x| f(x));
        active.set(0);
    };
    let open = move || {
        if let Some(d) = dialog.get_untracked() {
            if !d.open() {
                query.set(String::new());
                filter.set(Filter::default());
                active.set(0);
                status.set(String::new());
                let _ = d.show_modal();
                if let Some(i) = input.get_untracked() {
                    i.set_value("");
                    let _ = i.focus();
                }
            }
        }
    };
    let toggle = move |f: Found| {
        let on = !f.on;
        match sim.set_switch(f.id, on) {
            Ok(()) => {
                recent.update(|r| {
                    r.retain(|x| *x != f.id);
                    r.insert(0, f.id);
                    r.truncate(8);
                });
                status.set(format!(
                    "{} switched {}.",
                    f.title,
                    if on { "on" } else { "off" }
                ));
                if let Some(d) = dialog.get_untracked() {
                    d.close();
                }
            }
            Err(e) => status.set(format!("{} could not be switched on: {e}", f.title)),
        }
    };
    let handle = window_event_listener(leptos::ev::keydown, move |ev| {
        if ev.key() != "/" || ev.ctrl_key() || ev.meta_key() || ev.alt_key() || typing(&ev) {
            return;
        }
        if dialog.get_untracked().is_some_and(|d| d.open()) {
            return;
        }
        ev.prevent_default();
        open();
    });
    on_cleanup(move || handle.remove());
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        let n = results.with_untracked(|r| r.len());
        match ev.key().as_str() {
            "ArrowDown" if n > 0 => {
                ev.prevent_default();
                active.update(|a| *a = (*a + 1) % n);
            }
            "ArrowUp" if n > 0 => {
                ev.prevent_default();
                active.update(|a| *a = (*a + n - 1) % n);
            }
            "Enter" => {
                ev.prevent_default();
                if let Some(f) = results.with_untracked(|r| r.get(active.get_untracked()).cloned())
                {
                    toggle(f);
                }
            }
            _ => {}
        }
    };
    let option_id = |i: usize| format!("palette-option-{i}");
    view! {
        <button
            type="button"
            class="palette-open"
            data-testid="palette-open"
            aria-keyshortcuts="/"
            aria-haspopup="dialog"
            on:click=move |_| open()
        >
            "Find a scenario or mitigation (/)"
        </button>
        <p role="status" class="visually-hidden" data-testid="palette-status">{move || status.get()}</p>
        <dialog node_ref=dialog class="palette" data-testid="palette" aria-labelledby="palette-title">
            <h2 id="palette-title">"Find a scenario or mitigation"</h2>
            <label for="palette-input">"By name, symptom, kind of fault or metric; Enter switches it on or off"</label>
            <input
                node_ref=input
                id="palette-input"
                type="text"
                role="combobox"
                autocomplete="off"
                spellcheck="false"
                aria-expanded="true"
                aria-controls="palette-list"
                aria-activedescendant=move || (!results.with(|r| r.is_empty())).then(|| option_id(active.get()))
                data-testid="palette-input"
                on:input=move |ev| {
                    query.set(event_target_value(&ev));
                    active.set(0);
                }
                on:keydown=on_key
            />
            <fieldset class="palette-filters" data-testid="palette-filters">
                <legend>"Only"</legend>
                <label>
                    "Category "
                    <select data-testid="palette-filter-category" on:change=move |ev| {
                        let v = event_target_value(&ev);
                        let c = category_choices.with_value(|cs| cs.iter().copied().find(|c| *c == v));
                        set_filter(&|f| f.category = c);
                    } prop:value=move || filter.get().category.unwrap_or("")>
                        <option value="">"any"</option>
                        {category_choices.get_value().into_iter().map(|c| view! { <option value=c>{c}</option> }).collect_view()}
                    </select>
                </label>
                <label>
                    "Component "
                    <select data-testid="palette-filter-component" on:change=move |ev| {
                        let c = Component::parse(&event_target_value(&ev));
                        set_filter(&|f| f.component = c);
                    } prop:value=move || filter.get().component.map(Component::as_str).unwrap_or("")>
                        <option value="">"any"</option>
                        {component_choices.iter().map(|c| view! { <option value=c.as_str()>{c.as_str().replace('_', " ")}</option> }).collect_view()}
                    </select>
                </label>
                <label>
                    "Kind "
                    <select data-testid="palette-filter-kind" on:change=move |ev| {
                        let k = Kind::parse(&event_target_value(&ev));
                        set_filter(&|f| f.kind = k);
                    } prop:value=move || filter.get().kind.map(Kind::as_str).unwrap_or("")>
                        <option value="">"any"</option>
                        {Kind::ALL.iter().map(|k| view! { <option value=k.as_str()>{k.as_str()}</option> }).collect_view()}
                    </select>
                </label>
            </fieldset>
            <p role="status" class="palette-count" data-testid="palette-count">{count}</p>
            <ul id="palette-list" role="listbox" aria-label="Matches" data-testid="palette-list">
                {move || {
                    results
                        .get()
                        .into_iter()
                        .enumerate()
                        .map(|(i, f)| {
                            let chosen = move || active.get() == i;
                            let item = f.clone();
                            view! {
                                <li
                                    id=option_id(i)
                                    role="option"
                                    aria-selected=move || chosen().to_string()
                                    class:active=chosen
                                    data-testid=format!("palette-option-{}", f.id)
                                    on:click=move |_| toggle(item.clone())
                                >
                                    <span class="badge">{if f.scenario { "scenario" } else { "mitigation" }}</span>
                                    " "
                                    <strong>{f.title}</strong>
                                    " "
                                    <code>{f.id}</code>
                                    {f.on.then_some(" · on")}
                                    <span class="palette-summary">{f.summary}</span>
                                </li>
                            }
                        })
                        .collect_view()
                }}
            </ul>
            <p class="panel-note" data-testid="palette-note">{move || status.get()}</p>
            <button type="button" data-testid="palette-close" on:click=move |_| {
                if let Some(d) = dialog.get_untracked() {
                    d.close();
                }
            }>"Close"</button>
        </dialog>
    }
}
