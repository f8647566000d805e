//! The data-integrity panel: correctness problems counted per kind, from the one metric
//! family every such problem is recorded in (`data_anomalies_total{kind}`), so a new
//! kind shows up here without a UI change. It appears once a count is non-zero or a
//! scenario that declares the family is switched on: wrong data is as visible as a
//! slow request, even when every request succeeded.

use crate::sim::Sim;
use leptos::prelude::*;
use sdl_host::integrity::{label, records_anomalies};

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
