//! The data-integrity panel: correctness problems counted per kind, from the one metric
//! family every such problem is recorded in (`data_anomalies_total{kind}`), so a new
//! kind shows up here without a UI change. It appears once a count is non-zero or a
//! scenario that declares the family is switched on: wrong data is as visible as a
//! slow request, even when every request succeeded.

use crate::sim::Sim;
use engine::catalog;
use engine::sim::Lab;
use leptos::prelude::*;

/// The metric family the panel reads.
pub const FAMILY: &str = "data_anomalies_total";

/// Known kinds in display order, with how the panel names them. Kinds not listed here
/// follow, under their metric label.
const KINDS: &[(&str, &str)] = &[
    ("lost_update", "Lost updates"),
    ("non_repeatable_read", "Non-repeatable reads"),
    ("phantom", "Phantom reads"),
    ("write_skew", "Write skew"),
    ("stale_read", "Stale reads"),
    ("lost_write", "Lost writes"),
    ("out_of_order", "Out-of-order events"),
    ("duplicate_delivery", "Duplicate deliveries"),
];

/// The run's anomaly counts by kind (known kinds first, in `KINDS` order; then the rest
/// alphabetically).
pub fn anomalies(lab: &Lab) -> Vec<(String, f64)> {
    let m = lab.metrics();
    let mut kinds: Vec<String> = m
        .series_keys()
        .filter(|k| k.name == FAMILY)
        .filter_map(|k| k.label_values.first().cloned())
        .collect();
    engine::order::sort_by_key(&mut kinds, |k| {
        let rank = KINDS
            .iter()
            .position(|(id, _)| id == k)
            .unwrap_or(KINDS.len());
        (rank, k.clone())
    });
    kinds.dedup();
    kinds
        .into_iter()
        .map(|kind| {
            let n = m.family_total_where(FAMILY, |_, v| v.first() == Some(&kind));
            (kind, n)
        })
        .collect()
}

/// How the panel names `kind`.
pub fn label(kind: &str) -> String {
    KINDS
        .iter()
        .find(|(id, _)| *id == kind)
        .map_or_else(|| kind.replace('_', " "), |(_, l)| (*l).to_string())
}

/// Whether scenario `id` records data anomalies (a data-integrity scenario).
fn records_anomalies(id: &str) -> bool {
    catalog::find_scenario(id).is_ok_and(|m| m.metrics.iter().any(|s| s.name == FAMILY))
}

#[component]
pub fn IntegrityPanel() -> impl IntoView {
    let sim = Sim::expect();
    let counts = move || sim.readout.with(|r| r.anomalies.clone());
    let integrity_on = move || {
        sim.switches
            .with(|s| s.iter().any(|(id, st)| st.on && records_anomalies(id)))
    };
    let visible = move || integrity_on() || counts().iter().any(|(_, n)| *n > 0.0);
    let rows = move || {
        counts()
            .into_iter()
            .map(|(kind, n)| {
                let row_id = format!("anomaly-{kind}");
                let count_id = format!("anomaly-count-{kind}");
                let class = if n > 0.0 {
                    "anomaly-count anomaly-nonzero"
                } else {
                    "anomaly-count"
                };
                view! {
                    <tr data-testid=row_id>
                        <th scope="row">{label(&kind)}</th>
                        <td class=class data-testid=count_id>{format!("{n:.0}")}</td>
                    </tr>
                }
            })
            .collect_view()
    };

    view! {
        <Show when=visible>
            <section class="integrity" aria-labelledby="integrity-title" data-testid="integrity-panel">
                <h3 id="integrity-title">"Data integrity"</h3>
                <p class="panel-note">
                    "Correctness problems so far, by kind. Requests can all succeed while the data is wrong."
                </p>
                <Show
                    when=move || !counts().is_empty()
                    fallback=|| view! { <p class="integrity-none" data-testid="integrity-none">"No anomaly so far."</p> }
                >
                    <table class="integrity-table">
                        <caption class="visually-hidden">"Data anomalies by kind"</caption>
                        <thead>
                            <tr>
                                <th scope="col">"Kind"</th>
                                <th scope="col">"Count"</th>
                            </tr>
                        </thead>
                        <tbody>{rows}</tbody>
                    </table>
                </Show>
            </section>
        </Show>
    }
}
