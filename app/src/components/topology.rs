//! The topology panel: the running system as an SVG diagram drawn from
//! `engine::topology::snapshot` — each component coloured by health and labelled with it
//! in words, request rates on the edges, components struck by an active scenario
//! outlined and marked. Choosing a component (click, Enter or Space) narrows the dashboard
//! (its metrics, the switches acting on it), the logs and the traces to it. A table below says the same in text for screen readers and small screens.

use crate::console_state::Console;
use engine::topology::{EdgeSpec, NodeSpec, NodeState};
use leptos::prelude::*;
use sdl_host::format::Quantity;

const COL_W: f64 = 232.0;
const ROW_H: f64 = 96.0;
const NODE_W: f64 = 162.0;
const NODE_H: f64 = 78.0;
const PAD: f64 = 8.0;

fn origin(n: &NodeSpec) -> (f64, f64) {
    (
        PAD + f64::from(n.col) * COL_W,
        PAD + f64::from(n.row) * ROW_H,
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
    format!("{}/s", sdl_host::format::sig(v))
}

/// The curve of an edge between two nodes, and where its label sits.
fn edge_path(a: &NodeSpec, b: &NodeSpec) -> (String, f64, f64) {
    let (ax, ay) = origin(a);
    let (bx, by) = origin(b);
    let (x1, y1) = (ax + NODE_W, ay + NODE_H / 2.0);
    let (x2, y2) = (bx - 6.0, by + NODE_H / 2.0);
    let mid = (x1 + x2) / 2.0;
    let d = format!("M{x1:.1},{y1:.1} C{mid:.1},{y1:.1} {mid:.1},{y2:.1} {x2:.1},{y2:.1}");
    // The label sits over the last stretch, on the target's row, inside the gap.
    (d, x2 - (COL_W - NODE_W) / 2.0, y2 - 6.0)
}

/// The parts of the diagram: which nodes and edges it has (not their readings).
type Shape = (Vec<NodeSpec>, Vec<EdgeSpec>);

/// One node of the diagram. Its element stays while the diagram has the node; only
/// its readings, classes and description follow the samples, so keyboard focus and
/// a screen reader's place survive every sample.
fn node_view(console: Console, spec: NodeSpec) -> impl IntoView {
    let (x, y) = origin(&spec);
    // The node at the latest sample; its bindings update only when it changed.
    let state = Memo::new(move |_| {
        console
            .topology
            .with(|v| v.as_ref().and_then(|v| v.node(spec.id)).cloned())
    });
    let read = move |f: &dyn Fn(&NodeState) -> String| {
        state.with(|n| n.as_ref().map(f)).unwrap_or_default()
    };
    let health = move || read(&|n| health_word(n).into());
    let struck = move || state.with(|n| n.as_ref().is_some_and(|n| !n.struck_by.is_empty()));
    let focused = move || console.focus.get().is_some_and(|n| n.id == spec.id);
    let class = move || {
        let mut class = format!("topo-node health-{}", health());
        if struck() {
            class.push_str(" struck");
        }
        if focused() {
            class.push_str(" focused");
        }
        class
    };
    // The reading on two lines: its first two parts, then the rest.
    let line = move |first: bool| {
        read(&|n| {
            let parts = n.detail.split(", ");
            let parts: Vec<&str> = if first {
                parts.take(2).collect()
            } else {
                parts.skip(2).collect()
            };
            parts.join(", ")
        })
    };
    view! {
        <g
            class=class
            role="button"
            tabindex="0"
            aria-pressed=move || focused().to_string()
            // Named by its visible text (label, health, readings), so what a screen
            // reader says is what the diagram shows; the group's label says that
            // choosing one narrows the dashboard, logs and traces.
            data-testid=format!("topo-node-{}", spec.id)
            data-health=health
            data-struck=move || struck().to_string()
            transform=format!("translate({x:.1},{y:.1})")
            on:click=move |_| console.toggle_focus(spec)
            on:keydown=move |ev| {
                if ev.key() == "Enter" || ev.key() == " " {
                    ev.prevent_default();
                    console.toggle_focus(spec);
                }
            }
        >
            <desc>{move || read(&node_summary)}</desc>
            <rect width=NODE_W height=NODE_H rx="8"></rect>
            <text x="10" y="20" class="topo-label">{spec.label}</text>
            <text x="10" y="38" class="topo-health">
                {move || format!("{}{}", health(), if struck() { " · ⚡ struck" } else { "" })}
            </text>
            <text x="10" y="56" class="topo-detail">{move || line(true)}</text>
            <text x="10" y="70" class="topo-detail">{move || line(false)}</text>
        </g>
    }
}

/// One edge of the diagram; only its rate label follows the samples.
fn edge_view(console: Console, a: NodeSpec, b: NodeSpec) -> impl IntoView {
    let (d, lx, ly) = edge_path(&a, &b);
    let rate_label = Memo::new(move |_| {
        console.topology.with(|v| {
            v.as_ref()
                .and_then(|v| {
                    v.edges
                        .iter()
                        .find(|e| e.spec.from == a.id && e.spec.to == b.id)
                })
                .map(|e| short_rate(e.rate_rps))
                .unwrap_or_default()
        })
    });
    view! {
        <g class="topo-edge" data-testid=format!("topo-edge-{}-{}", a.id, b.id)>
            <path d=d marker-end="url(#topo-arrow)"></path>
            <text x=format!("{lx:.1}") y=format!("{ly:.1}") text-anchor="middle">{rate_label}</text>
        </g>
    }
}

#[component]
pub fn TopologyPanel() -> impl IntoView {
    let console = Console::expect();

    // The diagram is rebuilt only when its shape changes (a part appears or leaves).
    let shape = Memo::new(move |_| {
        console.topology.with(|v| {
            v.as_ref().map(|v| -> Shape {
                (
                    v.nodes.iter().map(|n| n.spec).collect(),
                    v.edges.iter().map(|e| e.spec).collect(),
                )
            })
        })
    });
    let diagram = move || {
        let Some((nodes, edges)) = shape.get() else {
            return view! { <p class="muted">"No run."</p> }.into_any();
        };
        let cols = nodes.iter().map(|n| n.col).max().unwrap_or(0);
        let rows = nodes.iter().map(|n| n.row).max().unwrap_or(0);
        let width = PAD * 2.0 + f64::from(cols) * COL_W + NODE_W;
        let height = PAD * 2.0 + f64::from(rows) * ROW_H + NODE_H;
        let spec = |id: &str| nodes.iter().find(|n| n.id == id).copied();
        let edges = edges
            .iter()
            .filter_map(|e| Some(edge_view(console, spec(e.from)?, spec(e.to)?)))
            .collect_view();
        let nodes = nodes
            .iter()
            .map(|&spec| node_view(console, spec))
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
