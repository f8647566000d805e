//! The topology panel: the running system as an SVG diagram drawn from
//! `engine::topology::snapshot` — each component coloured by health and labelled with it
//! in words, request rates on the edges, components struck by an active scenario
//! outlined and marked. Choosing a component (click, Enter or Space) narrows the dashboard
//! (its metrics, the switches acting on it), the logs and the traces to it. A table below says the same in text for screen readers and small screens.

use crate::components::console::Console;
use crate::format::Quantity;
use engine::topology::{EdgeState, NodeState, TopologyView};
use leptos::prelude::*;

const COL_W: f64 = 232.0;
const ROW_H: f64 = 96.0;
const NODE_W: f64 = 162.0;
const NODE_H: f64 = 78.0;
const PAD: f64 = 8.0;

fn origin(n: &NodeState) -> (f64, f64) {
    (
        PAD + f64::from(n.spec.col) * COL_W,
        PAD + f64::from(n.spec.row) * ROW_H,
    )
}

fn health_word(n: &NodeState) -> &'static str {
    n.health.as_str()
}

/// A node's description for screen readers (its `<desc>`): health with its reasons,
/// the readings, and the scenarios striking it.
fn node_summary(n: &NodeState) -> String {
    let mut s = format!("{}: {}", n.spec.label, health_word(n));
    if !n.reasons.is_empty() {
        s.push_str(&format!(" ({})", n.reasons.join("; ")));
    }
    if !n.detail.is_empty() {
        s.push_str(&format!(". {}", n.detail));
    }
    if !n.struck_by.is_empty() {
        s.push_str(&format!(". Struck by {}", n.struck_by.join(", ")));
    }
    s
}

fn rate(v: f64) -> String {
    Quantity::Rate.format(v)
}

/// A rate short enough for the gap between two nodes.
fn short_rate(v: f64) -> String {
    format!("{}/s", crate::format::sig(v))
}

fn edge_path(view: &TopologyView, e: &EdgeState) -> Option<(String, f64, f64)> {
    let a = view.node(e.spec.from)?;
    let b = view.node(e.spec.to)?;
    let (ax, ay) = origin(a);
    let (bx, by) = origin(b);
    let (x1, y1) = (ax + NODE_W, ay + NODE_H / 2.0);
    let (x2, y2) = (bx - 6.0, by + NODE_H / 2.0);
    let mid = (x1 + x2) / 2.0;
    let d = format!("M{x1:.1},{y1:.1} C{mid:.1},{y1:.1} {mid:.1},{y2:.1} {x2:.1},{y2:.1}");
    // The label sits over the last stretch, on the target's row, inside the gap.
    Some((d, x2 - (COL_W - NODE_W) / 2.0, y2 - 6.0))
}

#[component]
pub fn TopologyPanel() -> impl IntoView {
    let console = Console::expect();

    let diagram = move || {
        let Some(view) = console.topology.get() else {
            return view! { <p class="muted">"No run."</p> }.into_any();
        };
        let focus = console.focus.get().map(|n| n.id);
        let cols = view.nodes.iter().map(|n| n.spec.col).max().unwrap_or(0);
        let rows = view.nodes.iter().map(|n| n.spec.row).max().unwrap_or(0);
        let width = PAD * 2.0 + f64::from(cols) * COL_W + NODE_W;
        let height = PAD * 2.0 + f64::from(rows) * ROW_H + NODE_H;
        let edges = view
            .edges
            .iter()
            .filter_map(|e| {
                let (d, lx, ly) = edge_path(&view, e)?;
                Some(view! {
                    <g class="topo-edge" data-testid=format!("topo-edge-{}-{}", e.spec.from, e.spec.to)>
                        <path d=d marker-end="url(#topo-arrow)"></path>
                        <text x=format!("{lx:.1}") y=format!("{ly:.1}") text-anchor="middle">{short_rate(e.rate_rps)}</text>
                    </g>
                })
            })
            .collect_view();
        let nodes = view
            .nodes
            .iter()
            .map(|n| {
                let (x, y) = origin(n);
                let spec = n.spec;
                let struck = !n.struck_by.is_empty();
                let mut class = format!("topo-node health-{}", health_word(n));
                if struck {
                    class.push_str(" struck");
                }
                if focus == Some(spec.id) {
                    class.push_str(" focused");
                }
                // The reading on two lines: its first two parts, then the rest.
                let parts: Vec<&str> = n.detail.split(", ").collect();
                let line1 = parts.iter().take(2).copied().collect::<Vec<_>>().join(", ");
                let line2 = parts.iter().skip(2).copied().collect::<Vec<_>>().join(", ");
                let (text1, text2) = (line1.clone(), line2.clone());
                view! {
                    <g
                        class=class
                        role="button"
                        tabindex="0"
                        aria-pressed=(focus == Some(spec.id)).to_string()
                        // Named by its visible text (label, health, readings), so what a
                        // screen reader says is what the diagram shows; the group's label
                        // says that choosing one narrows the dashboard, logs and traces.
                        data-testid=format!("topo-node-{}", spec.id)
                        data-health=health_word(n)
                        data-struck=struck.to_string()
                        transform=format!("translate({x:.1},{y:.1})")
                        on:click=move |_| console.toggle_focus(spec)
                        on:keydown=move |ev| {
                            if ev.key() == "Enter" || ev.key() == " " {
                                ev.prevent_default();
                                console.toggle_focus(spec);
                            }
                        }
                    >
                        <desc>{node_summary(n)}</desc>
                        <rect width=NODE_W height=NODE_H rx="8"></rect>
                        <text x="10" y="20" class="topo-label">{spec.label}</text>
                        <text x="10" y="38" class="topo-health">
                            {health_word(n)}
                            {struck.then_some(" · ⚡ struck")}
                        </text>
                        <text x="10" y="56" class="topo-detail">{text1}</text>
                        <text x="10" y="70" class="topo-detail">{text2}</text>
                    </g>
                }
            })
            .collect_view();
        view! {
            <div class="topo-scroll" tabindex="0" role="region" aria-label="Topology diagram (scrolls sideways on narrow screens)">
                <svg
                    class="topology"
                    data-testid="topology"
                    viewBox=format!("0 0 {width:.0} {height:.0}")
                    width=format!("{width:.0}")
                    height=format!("{height:.0}")
                    role="group"
                    aria-label="System diagram: choose a component to narrow the dashboard, logs and traces to it"
                >
                    <defs>
                        <marker id="topo-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
                            <path d="M0,0 L10,5 L0,10 z" class="topo-arrowhead"></path>
                        </marker>
                    </defs>
                    {edges}
                    {nodes}
                </svg>
            </div>
        }
        .into_any()
    };

    let table = move || {
        let view = console.topology.get()?;
        let focus = console.focus.get().map(|n| n.id);
        let rows = view
            .nodes
            .iter()
            .map(|n| {
                let spec = n.spec;
                let pressed = focus == Some(spec.id);
                view! {
                    <tr data-testid=format!("topo-row-{}", spec.id) data-health=health_word(n)>
                        <th scope="row">
                            <button
                                type="button"
                                class="link-button"
                                aria-pressed=pressed.to_string()
                                on:click=move |_| console.toggle_focus(spec)
                            >
                                {spec.label}
                            </button>
                        </th>
                        <td class=format!("health-text health-{}", health_word(n))>{health_word(n)}</td>
                        <td>{if n.reasons.is_empty() { "–".to_string() } else { n.reasons.join("; ") }}</td>
                        <td>{n.detail.clone()}</td>
                        <td>{if n.struck_by.is_empty() { "–".to_string() } else { n.struck_by.join(", ") }}</td>
                        <td class="muted">{spec.signals}</td>
                    </tr>
                }
            })
            .collect_view();
        let edges = view
            .edges
            .iter()
            .map(|e| {
                let name = |id: &str| view.node(id).map_or(id.to_string(), |n| n.spec.label.to_string());
                view! {
                    <li>{format!("{} → {}: {} ({})", name(e.spec.from), name(e.spec.to), rate(e.rate_rps), e.spec.rate_of)}</li>
                }
            })
            .collect_view();
        Some(view! {
            <div class="table-scroll" tabindex="0" role="region" aria-labelledby="topo-table-title">
                <table class="topo-table" data-testid="topology-table">
                    <caption id="topo-table-title">
                        {format!("Components over the last {} s of virtual time", engine::topology::WINDOW_NS / 1_000_000_000)}
                    </caption>
                    <thead>
                        <tr>
                            <th scope="col">"Component"</th>
                            <th scope="col">"Health"</th>
                            <th scope="col">"Why"</th>
                            <th scope="col">"Reading"</th>
                            <th scope="col">"Struck by"</th>
                            <th scope="col">"Health from"</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
            <h4>"Request rates"</h4>
            <ul class="topo-edges" data-testid="topology-edges">{edges}</ul>
        })
    };

    view! {
        <div class="topology-panel">
            <h3 class="visually-hidden">"Topology"</h3>
            <p class="muted topo-legend">
                "Health: ok, degraded or failing, from each component's errors, latency and saturation. "
                "A dashed red outline and ⚡ mark a component an active scenario strikes."
            </p>
            {diagram}
            {table}
        </div>
    }
}
