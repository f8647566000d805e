//! The catalogue (`?view=catalog`): every system, scenario and mitigation, searchable by
//! text and filterable by kind, category, metric and symptom; and a page per item
//! (`?view=catalog&item=ID`) made from its doc, parameters and metrics, with "Open in
//! lab" — a lab link with the item switched on.

use crate::docs::{self, Docs};
use crate::markdown;
use crate::sim::Sim;
use crate::url_state::{Share, View};
use engine::catalog::{self, ItemDescription, ItemKind};
use engine::share::{LabState, SwitchOn};
use engine::LabConfig;
use leptos::prelude::*;
use std::sync::Arc;

/// Symptoms a learner may start from, and words in an item's summary or its "What to
/// look at" section that point to each.
const SYMPTOMS: [(&str, &str, &[&str]); 6] = [
    (
        "latency",
        "High latency",
        &["latency", "p99", "slow", "tail", "wait"],
    ),
    (
        "errors",
        "Errors",
        &["error", "5xx", "503", "502", "429", "fail", "timeout"],
    ),
    (
        "saturation",
        "Saturation",
        &[
            "queue",
            "utilisation",
            "utilization",
            "pool",
            "saturat",
            "busy",
            "cpu",
        ],
    ),
    (
        "throughput",
        "Throughput drop",
        &["throughput", "goodput", "collapse"],
    ),
    (
        "memory",
        "Memory or disk",
        &["memory", "heap", "gc", "disk", "leak"],
    ),
    (
        "stale",
        "Stale or wrong data",
        &["stale", "old version", "consisten", "lag"],
    ),
];

fn kind_name(k: ItemKind) -> &'static str {
    match k {
        ItemKind::System => "System",
        ItemKind::Scenario => "Scenario",
        ItemKind::Mitigation => "Mitigation",
    }
}

/// The doc's "What to look at" section with the summary: where symptoms are matched.
fn symptom_text(d: &ItemDescription) -> String {
    let doc = d.doc.to_lowercase();
    let section = doc
        .split("## what to look at")
        .nth(1)
        .map(|s| s.split("\n## ").next().unwrap_or(s))
        .unwrap_or("");
    format!("{} {}", d.summary.to_lowercase(), section)
}

fn symptoms_of(d: &ItemDescription) -> Vec<&'static str> {
    let text = symptom_text(d);
    SYMPTOMS
        .iter()
        .filter(|(_, _, words)| words.iter().any(|w| text.contains(w)))
        .map(|(id, _, _)| *id)
        .collect()
}

/// Every item described, in catalogue order, with its doc once the docs are loaded.
fn all_items(docs: &Docs) -> Items {
    let mut all: Vec<ItemDescription> = catalog::list()
        .iter()
        .filter_map(|i| catalog::describe(i.id).ok())
        .collect();
    if let Docs::Ready(map) = docs {
        for d in &mut all {
            docs::fill(d, map);
        }
    }
    Items(Arc::new(all))
}

/// The catalogue's items; a new list only when the docs arrive.
#[derive(Clone)]
struct Items(Arc<Vec<ItemDescription>>);

impl PartialEq for Items {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

/// A lab link that runs this item: a system as itself; a scenario or mitigation switched
/// on, on the first system it applies to.
pub fn lab_link(d: &ItemDescription) -> Option<String> {
    if d.kind == ItemKind::System {
        let state = LabState {
            system: d.id.to_string(),
            ..LabState::default()
        };
        return Some(format!("?{}", state.to_query()));
    }
    let system = catalog::systems().iter().find(|s| {
        let mut cfg = LabConfig::new(s.id);
        cfg.enable(d.id).is_ok()
    })?;
    let state = LabState {
        system: system.id.to_string(),
        switches: vec![SwitchOn {
            id: d.id.to_string(),
            params: Default::default(),
        }],
        ..LabState::default()
    };
    Some(format!("?{}", state.to_query()))
}

/// True when `d` matches the search words (every word somewhere in id, title, category,
/// summary, doc or metric names).
fn matches_text(d: &ItemDescription, query: &str) -> bool {
    let hay = format!(
        "{} {} {} {} {} {}",
        d.id,
        d.title,
        d.category,
        d.summary,
        d.doc,
        d.metrics
            .iter()
            .map(|m| m.name)
            .collect::<Vec<_>>()
            .join(" ")
    )
    .to_lowercase();
    query
        .to_lowercase()
        .split_whitespace()
        .all(|w| hay.contains(w))
}

/// A link inside the catalogue: a real address (works in a new tab), followed without
/// a reload.
#[component]
fn CatalogLink(view: View, children: Children) -> impl IntoView {
    let sim = Sim::expect();
    let share = Share::expect();
    let href = format!("?{}", view.catalog_query().unwrap_or_default());
    view! {
        <a
            href=href
            on:click=move |ev| {
                if ev.button() == 0 && !ev.ctrl_key() && !ev.meta_key() && !ev.shift_key() {
                    ev.prevent_default();
                    share.navigate(sim, view.clone());
                    crate::web_share::scroll_to_top();
                }
            }
        >
            {children()}
        </a>
    }
}

#[component]
pub fn Catalog() -> impl IntoView {
    let share = Share::expect();
    let docs = docs::use_docs();
    let docs_state = docs.clone();
    let items = Memo::new(move |_| all_items(&docs.get()));
    view! {
        {move || match share.view.get() {
            View::Catalog(Some(id)) => {
                let item = items.with(|all| all.0.iter().find(|d| d.id == id).cloned());
                match item {
                    Some(d) => {
                        let state = docs_state.get_untracked();
                        view! { <ItemPage item=d docs=state /> }.into_any()
                    }
                    None => view! {
                        <section class="catalog" aria-labelledby="catalog-title">
                            <h2 id="catalog-title">"Not in the catalogue"</h2>
                            <p class="field-error" data-testid="catalog-missing">
                                {format!("There is no item `{id}` in the catalogue.")}
                            </p>
                            <CatalogLink view=View::Catalog(None)>"See the whole catalogue"</CatalogLink>
                        </section>
                    }
                    .into_any(),
                }
            }
            _ => view! { <CatalogList items=items /> }.into_any(),
        }}
    }
}

#[component]
fn CatalogList(items: Memo<Items>) -> impl IntoView {
    let query = RwSignal::new(String::new());
    let kind = RwSignal::new(String::new());
    let category = RwSignal::new(String::new());
    let metric = RwSignal::new(String::new());
    let symptom = RwSignal::new(String::new());
    let (categories, metrics) = items.with_untracked(|all| {
        let all = &all.0;
        let mut c: Vec<&'static str> = all.iter().map(|d| d.category).collect();
        engine::order::sort(&mut c);
        c.dedup();
        let mut m: Vec<&'static str> = all
            .iter()
            .flat_map(|d| d.metrics.iter().map(|m| m.name))
            .collect();
        engine::order::sort(&mut m);
        m.dedup();
        (c, m)
    });
    let symptoms =
        Memo::new(move |_| items.with(|all| all.0.iter().map(symptoms_of).collect::<Vec<_>>()));
    let shown = Memo::new(move |_| {
        let (q, k, c, m, s) = (
            query.get(),
            kind.get(),
            category.get(),
            metric.get(),
            symptom.get(),
        );
        items.with(|all| {
            all.0
                .iter()
                .enumerate()
                .filter(|(_, d)| k.is_empty() || kind_name(d.kind).eq_ignore_ascii_case(&k))
                .filter(|(_, d)| c.is_empty() || d.category == c)
                .filter(|(_, d)| m.is_empty() || d.metrics.iter().any(|x| x.name == m))
                .filter(|(i, _)| {
                    s.is_empty()
                        || symptoms.with(|all| all.get(*i).is_some_and(|x| x.contains(&s.as_str())))
                })
                .filter(|(_, d)| matches_text(d, &q))
                .map(|(i, _)| i)
                .collect::<Vec<_>>()
        })
    });
    let select = |id: &'static str,
                  label: &'static str,
                  signal: RwSignal<String>,
                  options: Vec<(String, String)>| {
        view! {
            <div class="control">
                <label for=id>{label}</label>
                <select id=id data-testid=id on:change=move |ev| signal.set(event_target_value(&ev))>
                    <option value="">"Any"</option>
                    {options.into_iter().map(|(v, l)| view! { <option value=v>{l}</option> }).collect_view()}
                </select>
            </div>
        }
    };
    view! {
        <section class="catalog" aria-labelledby="catalog-title" data-testid="catalog">
            <h2 id="catalog-title">"Catalogue"</h2>
            <p class="panel-note">
                "Every system, fault scenario and mitigation in the lab. Search, filter, open a page, "
                "and open it in the lab to see it happen."
            </p>
            <div class="catalog-filters" role="search" aria-label="Search the catalogue">
                <div class="control control-wide">
                    <label for="catalog-search">"Search"</label>
                    <input
                        id="catalog-search"
                        type="search"
                        data-testid="catalog-search"
                        autocomplete="off"
                        prop:value=move || query.get()
                        on:input=move |ev| query.set(event_target_value(&ev))
                    />
                </div>
                {select(
                    "catalog-kind",
                    "Kind",
                    kind,
                    ["System", "Scenario", "Mitigation"].iter().map(|k| (k.to_string(), k.to_string())).collect(),
                )}
                {select("catalog-category", "Category", category, categories.iter().map(|c| (c.to_string(), c.to_string())).collect())}
                {select("catalog-metric", "Metric", metric, metrics.iter().map(|m| (m.to_string(), m.to_string())).collect())}
                {select(
                    "catalog-symptom",
                    "Symptom",
                    symptom,
                    SYMPTOMS.iter().map(|(id, l, _)| (id.to_string(), l.to_string())).collect(),
                )}
            </div>
            <p role="status" data-testid="catalog-count">
                {move || {
                    let n = shown.with(Vec::len);
                    if n == 1 { "1 item".to_string() } else { format!("{n} items") }
                }}
            </p>
            <ul class="catalog-list" data-testid="catalog-list">
                {move || {
                    shown
                        .get()
                        .into_iter()
                        .filter_map(|i| items.with(|all| all.0.get(i).cloned()))
                        .map(|d| {
                            let id = d.id;
                            view! {
                                <li class="catalog-item" data-testid=format!("catalog-item-{id}")>
                                    <h3>
                                        <CatalogLink view=View::Catalog(Some(id.to_string()))>{d.title}</CatalogLink>
                                    </h3>
                                    <p class="catalog-meta">
                                        <span class="tag">{kind_name(d.kind)}</span>
                                        " · " {d.category} " · " <code>{id}</code>
                                    </p>
                                    <p>{d.summary}</p>
                                </li>
                            }
                        })
                        .collect_view()
                }}
            </ul>
        </section>
    }
}

#[component]
fn ItemPage(item: ItemDescription, docs: Docs) -> impl IntoView {
    let d = item;
    let link = lab_link(&d);
    // The doc's own `# Title` repeats the page heading.
    let doc = {
        let trimmed = d.doc.trim_start();
        match trimmed.strip_prefix("# ") {
            Some(rest) => rest.split_once('\n').map_or("", |x| x.1).to_string(),
            None => trimmed.to_string(),
        }
    };
    let params = d.params.clone();
    let metrics = d.metrics.clone();
    let strikes = d.strikes.clone();
    let mitigations = d.mitigations.clone();
    let kind = d.kind;
    view! {
        <article class="catalog catalog-page" aria-labelledby="item-title" data-testid="catalog-page">
            <p class="breadcrumb">
                <CatalogLink view=View::Catalog(None)>"Catalogue"</CatalogLink>
                " › " {kind_name(d.kind)}
            </p>
            <h2 id="item-title" data-testid="catalog-page-title">{d.title}</h2>
            <p class="catalog-meta">
                <span class="tag">{kind_name(d.kind)}</span> " · " {d.category} " · " <code>{d.id}</code>
            </p>
            <p class="lead">{d.summary}</p>
            {match link {
                Some(href) => view! {
                    <p>
                        <a class="button primary" href=href data-testid="open-in-lab">"Open in lab"</a>
                    </p>
                }
                .into_any(),
                None => view! { <p class="panel-note">"No system in the lab has what this item acts on yet."</p> }.into_any(),
            }}
            {match (d.doc.is_empty(), docs) {
                (true, Docs::Loading) => view! {
                    <p class="panel-note" role="status" data-testid="catalog-doc-loading">"Loading the description…"</p>
                }
                .into_any(),
                (true, Docs::Failed(why)) => view! {
                    <p class="field-error" role="alert" data-testid="catalog-doc-error">
                        {format!("The description could not be loaded: {why}. Parameters and metrics are below.")}
                    </p>
                }
                .into_any(),
                _ => view! { <div class="doc" data-testid="catalog-doc">{markdown::render_with(&doc, 1)}</div> }.into_any(),
            }}
            {(!strikes.is_empty()).then(|| view! {
                <h3>{if kind == ItemKind::Scenario { "Components it strikes" } else { "Components it acts on" }}</h3>
                <p>{strikes.join(", ")}</p>
            })}
            {(!mitigations.is_empty()).then(|| view! {
                <h3>"Mitigations"</h3>
                <ul>
                    {mitigations.into_iter().map(|m| {
                        let title = catalog::describe(m).map(|d| d.title).unwrap_or(m);
                        view! { <li><CatalogLink view=View::Catalog(Some(m.to_string()))>{title}</CatalogLink></li> }
                    }).collect_view()}
                </ul>
            })}
            <h3>"Parameters"</h3>
            {if params.is_empty() {
                view! { <p>"None."</p> }.into_any()
            } else {
                view! {
                    <div class="md-table" tabindex="0" role="region" aria-label="Parameters">
                        <table data-testid="catalog-params">
                            <thead>
                                <tr>
                                    <th scope="col">"Key"</th>
                                    <th scope="col">"Default"</th>
                                    <th scope="col">"Allowed"</th>
                                    <th scope="col">"Meaning"</th>
                                </tr>
                            </thead>
                            <tbody>
                                {params.into_iter().map(|p| view! {
                                    <tr>
                                        <td><code>{p.key}</code></td>
                                        <td>{format!("{} {}", p.spec.default_value(), p.spec.unit).trim().to_string()}</td>
                                        <td>{p.spec.range_text()}</td>
                                        <td>{p.spec.help}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }
                .into_any()
            }}
            <h3>"Metrics"</h3>
            {if metrics.is_empty() {
                view! { <p>"None of its own."</p> }.into_any()
            } else {
                view! {
                    <div class="md-table" tabindex="0" role="region" aria-label="Metrics">
                        <table data-testid="catalog-metrics">
                            <thead>
                                <tr>
                                    <th scope="col">"Name"</th>
                                    <th scope="col">"Type"</th>
                                    <th scope="col">"Labels"</th>
                                    <th scope="col">"Meaning"</th>
                                </tr>
                            </thead>
                            <tbody>
                                {metrics.into_iter().map(|m| view! {
                                    <tr>
                                        <td><code>{m.name}</code></td>
                                        <td>{m.kind.as_str()}</td>
                                        <td>{m.labels.join(", ")}</td>
                                        <td>{m.help}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }
                .into_any()
            }}
        </article>
    }
}
