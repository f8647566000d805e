//! The switched-on scenarios and mitigations: an overview (each with its parameter values)
//! and one group of panels per switch, built from the `MetricSpec`s it declares — a counter
//! as its rate, a gauge as its value, a histogram as p50/p95/p99. Groups appear the moment
//! a switch goes on and leave when it goes off.
//!
//! Every value comes from `engine::query` (`rate(m[5s])`, `histogram_quantile(0.99,
//! m[5s])`, …) evaluated by the engine at the run's sample times (asked for at each new
//! sample, only the points after those held), so a panel shows exactly what an alert or
//! a tutorial check computes from the same expression.

use crate::components::chart::{Chart, Line, Points};
use crate::components::focus::ComponentFocus;
use crate::sim::{Asker, Sim, TimeRange};
use engine::catalog::{self, Switch};
use engine::metrics::MetricSpec;
use engine::topology::NodeSpec;
use leptos::prelude::*;
use sdl_host::panels::panel_lines;
use sdl_host::protocol::{Answer, Ask};
use std::collections::BTreeMap;

fn title_of(sw: Switch) -> &'static str {
    match sw {
        Switch::Scenario(s) => s.title,
        Switch::Mitigation(m) => m.title,
    }
}

fn metrics_of(sw: Switch) -> &'static [MetricSpec] {
    match sw {
        Switch::Scenario(s) => s.metrics,
        Switch::Mitigation(m) => m.metrics,
    }
}

/// Points of every expression on screen, by expression text.
type Store = BTreeMap<String, Vec<(u64, f64)>>;

/// Adds the engine's answer for `exprs` to `store`: only points after those held, none
/// before `first` (the chart's span), and nothing for expressions no longer shown.
fn absorb(store: &mut Store, exprs: &[String], first: u64, answer: Vec<Vec<(u64, f64)>>) {
    store.retain(|k, _| exprs.contains(k));
    for (expr, fresh) in exprs.iter().zip(answer) {
        let points = store.entry(expr.clone()).or_default();
        points.retain(|p| p.0 >= first);
        let last = points.last().map(|p| p.0);
        points.extend(
            fresh
                .into_iter()
                .filter(|(t, _)| last.is_none_or(|l| *t > l)),
        );
    }
}
/// The overview of switched-on scenarios and mitigations, then their panels.
#[component]
pub fn ActivePanels() -> impl IntoView {
    let sim = Sim::expect();
    let active = Memo::new(move |_| {
        let mut on: Vec<Switch> = sim.switches.with(|all| {
            all.iter()
                .filter(|(id, s)| s.on && !sim.hides(id))
                .filter_map(|(id, _)| catalog::find_switch(id).ok())
                .collect()
        });
        engine::order::sort_by_key(&mut on, |s| s.rank());
        on.into_iter().map(|s| s.id()).collect::<Vec<_>>()
    });
    // Narrowed to a component (chosen on the topology): its own metrics that the run
    // has, and only the switches acting on it.
    let focus = ComponentFocus::get_or_new();
    let node_metrics = RwSignal::new(None::<(NodeSpec, Vec<&'static MetricSpec>)>);
    let metrics_asker = Asker::new();
    Effect::new(move |_| {
        let node = focus.0.get();
        sim.generation.track();
        active.track();
        let Some(node) = node else {
            node_metrics.set(None);
            return;
        };
        let names: Vec<String> = node.metrics.iter().map(|m| m.to_string()).collect();
        metrics_asker.ask(sim, Ask::Metrics { names }, move |answer| {
            let present = match answer {
                Answer::Metrics(p) => p,
                _ => Vec::new(),
            };
            let specs: Vec<&'static MetricSpec> = node
                .metrics
                .iter()
                .zip(present.iter().chain(std::iter::repeat(&false)))
                .filter(|(_, here)| **here)
                .filter_map(|(m, _)| catalog::find_metric(m))
                .collect();
            node_metrics.set(Some((node, specs)));
        });
    });
    let shown = Memo::new(move |_| {
        let node = focus.0.get();
        active
            .get()
            .into_iter()
            .filter(|id| {
                node.is_none_or(|n| {
                    catalog::find_switch(id)
                        .is_ok_and(|sw| sw.components().iter().any(|c| n.components.contains(c)))
                })
            })
            .collect::<Vec<_>>()
    });
    let store = RwSignal::new(Store::new());
    let asker = Asker::new();
    Effect::new(move |prev: Option<(u32, TimeRange)>| {
        let key = (sim.generation.get(), sim.range.get());
        sim.readout.track();
        let mut specs: Vec<&'static MetricSpec> = shown.with(|ids| {
            ids.iter()
                .filter_map(|id| catalog::find_switch(id).ok())
                .flat_map(|sw| metrics_of(sw).iter())
                .collect()
        });
        node_metrics.with(|n| {
            if let Some((_, node_specs)) = n {
                specs.extend(node_specs.iter().copied());
            }
        });
        let exprs: Vec<String> = specs
            .into_iter()
            .flat_map(|spec| panel_lines(spec).1.into_iter().map(|l| l.expr))
            .collect();
        let span = sim.readout.with_untracked(|r| r.span());
        if prev != Some(key) {
            store.update(Store::clear);
        }
        let Some((from_ns, to_ns)) = span else {
            return key;
        };
        if exprs.is_empty() {
            if store.with_untracked(|s| !s.is_empty()) {
                store.update(Store::clear);
            }
            return key;
        }
        // Each expression from after the last point held (all of them when new).
        let have: Vec<(String, Option<u64>)> = store.with_untracked(|s| {
            exprs
                .iter()
                .map(|e| (e.clone(), s.get(e).and_then(|p| p.last()).map(|p| p.0)))
                .collect()
        });
        let ask = Ask::Panels {
            from_ns,
            to_ns,
            exprs: have,
        };
        asker.ask(sim, ask, move |answer| {
            if let Answer::Panels(points) = answer {
                store.update(|s| absorb(s, &exprs, from_ns, points));
            }
        });
        key
    });

    let param_text = move |id: &'static str| {
        catalog::find_switch(id)
            .map(|sw| {
                sw.params()
                    .into_iter()
                    .map(|spec| {
                        let v = sim.switch_param_value(id, spec);
                        let unit = if spec.unit.is_empty() {
                            String::new()
                        } else {
                            format!(" {}", spec.unit)
                        };
                        format!("{} = {v}{unit}", spec.name)
                    })
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
    };

    view! {
        <section class="active-switches" aria-labelledby="active-title">
            <h2 id="active-title">"Active scenarios and mitigations"</h2>
            <Show
                when=move || active.with(|a| !a.is_empty())
                fallback=|| {
                    view! {
                        <p class="muted" data-testid="active-none">
                            "Nothing is switched on: the system runs as designed. Switch a scenario or a mitigation on and its panels appear here."
                        </p>
                    }
                }
            >
                <ul class="active-list" data-testid="active-list">
                    <For each=move || active.get() key=|id| *id let:id>
                        <li data-testid=format!("active-{id}")>
                            <strong>
                                {catalog::find_switch(id).map(title_of).unwrap_or(id)}
                            </strong>
                            {match catalog::find_switch(id) {
                                Ok(Switch::Mitigation(_)) => " (mitigation)",
                                _ => " (scenario)",
                            }}
                            <span class="params">
                                {move || {
                                    sim.switches.track();
                                    param_text(id).join(", ")
                                }}
                            </span>
                        </li>
                    </For>
                </ul>
            </Show>
            {move || {
                node_metrics
                    .get()
                    .map(|(node, specs)| {
                        let hidden = active.with(|a| a.len()) - shown.with(|s| s.len());
                        let group = format!("component-{}", node.id);
                        view! {
                            <div class="focus-banner" data-testid="dashboard-focus" role="status">
                                <p>
                                    "Narrowed to " <strong>{node.label}</strong>
                                    ": its metrics, and the switches acting on it. The golden signals above stay system-wide."
                                    {(hidden > 0)
                                        .then(|| {
                                            format!(
                                                " {hidden} other switched-on group{} hidden.",
                                                if hidden == 1 { " is" } else { "s are" },
                                            )
                                        })}
                                </p>
                                <button
                                    type="button"
                                    data-testid="dashboard-focus-clear"
                                    on:click=move |_| focus.0.set(None)
                                >
                                    "Show all panels"
                                </button>
                            </div>
                            <Panels group=group title=node.label.to_string() specs=specs store=store />
                        }
                    })
            }}
            <For each=move || shown.get() key=|id| *id let:id>
                <PanelGroup id=id store=store />
            </For>
        </section>
    }
}

/// The panels of one switch.
#[component]
fn PanelGroup(id: &'static str, store: RwSignal<Store>) -> impl IntoView {
    let Ok(sw) = catalog::find_switch(id) else {
        return ().into_any();
    };
    view! {
        <Panels
            group=id.to_string()
            title=title_of(sw).to_string()
            specs=metrics_of(sw).iter().collect()
            store=store
        />
    }
    .into_any()
}

/// A titled group of panels, one per metric; `group` names its test ids
/// (`panels-{group}`, `panel-{group}-{metric}`).
#[component]
fn Panels(
    group: String,
    title: String,
    specs: Vec<&'static MetricSpec>,
    store: RwSignal<Store>,
) -> impl IntoView {
    let heading_id = format!("panels-{group}-title");
    let labelled_by = heading_id.clone();
    view! {
        <section class="panel-group" data-testid=format!("panels-{group}") aria-labelledby=labelled_by>
            <h3 id=heading_id>{title}</h3>
            {if specs.is_empty() {
                view! { <p class="muted">"No metrics of its own in this run: watch the golden signals."</p> }
                    .into_any()
            } else {
                view! {
                    <div class="charts">
                        {specs
                            .into_iter()
                            .map(|spec| {
                                let (quantity, lines) = panel_lines(spec);
                                let exprs: Vec<String> = lines.iter().map(|l| l.expr.clone()).collect();
                                let data = Memo::new(move |_| {
                                    store.with(|s| {
                                        exprs.iter().map(|e| s.get(e).map_or_else(Points::default, |p| Points::from(p.as_slice()))).collect::<Vec<_>>()
                                    })
                                });
                                view! {
                                    <Chart
                                        testid=format!("panel-{group}-{}", spec.name)
                                        title=spec.name
                                        quantity=quantity
                                        lines=lines.iter().map(|l| Line::new(l.label.clone(), l.class)).collect()
                                        data=data
                                        note=spec.help
                                    />
                                }
                            })
                            .collect_view()}
                    </div>
                }
                    .into_any()
            }}
        </section>
    }
}
