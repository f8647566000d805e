//! The cost panel: what the run costs an hour now, per million requests, and what each
//! resource contributes (`sdl_host::cost::Bill`, from the engine's cost model). Shown
//! for a system that bills; its summary line says the bill's rate, the table opens on
//! demand.

use crate::sim::Sim;
use leptos::prelude::*;
use sdl_host::cost::{label, Bill};

/// Dollars as a bill writes them: cents, or more digits below a cent.
fn dollars(v: f64) -> String {
    if v >= 100.0 {
        format!("${v:.0}")
    } else if v >= 0.01 || v == 0.0 {
        format!("${v:.2}")
    } else {
        format!("${v:.4}")
    }
}

#[component]
pub fn CostPanel() -> impl IntoView {
    let sim = Sim::expect();
    let bill = move || sim.readout.with(|r| r.bill.clone());
    let summary = move || {
        bill().map_or_else(String::new, |b| {
            let per_million = b.per_million_requests().map_or_else(String::new, |d| {
                format!(" · {} per million requests", dollars(d))
            });
            format!("Cost: {} an hour{per_million}", dollars(b.per_hour()))
        })
    };
    let rows = move || {
        let b: Bill = bill().unwrap_or_default();
        let hour = b.per_hour().max(1e-12);
        b.lines
            .into_iter()
            .map(|l| {
                let share = format!("{:.0} %", l.per_hour / hour * 100.0);
                let testid = format!("cost-{}", l.resource);
                view! {
                    <tr data-testid=testid>
                        <th scope="row">{label(&l.resource)}</th>
                        <td>{dollars(l.per_hour)}</td>
                        <td>{share}</td>
                        <td>{dollars(l.total)}</td>
                    </tr>
                }
            })
            .collect_view()
    };
    view! {
        <Show when=move || bill().is_some()>
            <details class="cost-details" data-testid="cost-panel">
                <summary data-testid="cost-summary">{summary}</summary>
                <p class="panel-note">
                    "List prices (system parameters " <code>"price_*"</code>
                    "): what is provisioned is billed by the hour, busy or idle; what moves is billed by the byte. "
                    "PromQL: " <code>"sum by (resource) (cost_rate_dollars_per_hour)"</code>
                </p>
                <table class="cost-table">
                    <caption class="visually-hidden">"Cost by resource"</caption>
                    <thead>
                        <tr>
                            <th scope="col">"Resource"</th>
                            <th scope="col">"Per hour now"</th>
                            <th scope="col">"Share"</th>
                            <th scope="col">"So far"</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </details>
        </Show>
    }
}
