//! A switch per scenario in the catalogue, each with its own parameter form. Switching a
//! scenario on or changing its parameters acts on the running simulation, live.

use crate::components::param_field::ParamField;
use crate::sim::Sim;
use engine::catalog;
use engine::scenario::ScenarioMeta;
use leptos::prelude::*;

#[component]
pub fn ScenarioPanel() -> impl IntoView {
    view! {
        <section class="panel" aria-labelledby="scenarios-title" data-testid="scenarios">
            <h2 id="scenarios-title">"Scenarios"</h2>
            <p class="panel-note">"Faults act on the running system at once; no restart."</p>
            {catalog::scenarios()
                .iter()
                .map(|meta| view! { <ScenarioCard meta=meta /> })
                .collect_view()}
        </section>
    }
}

#[component]
fn ScenarioCard(meta: &'static ScenarioMeta) -> impl IntoView {
    let sim = Sim::expect();
    let id = meta.id;
    let on = move || sim.scenarios.with(|all| all.get(id).is_some_and(|s| s.on));
    let error = move || sim.scenario_errors.with(|e| e.get(id).cloned());
    let switch_id = format!("scenario-{id}");
    let error_id = format!("scenario-{id}-error");
    let label_for = switch_id.clone();
    let described_by = error_id.clone();
    view! {
        <fieldset class="scenario" class:scenario-on=on>
            <legend>{meta.title}</legend>
            <label class="switch" for=label_for>
                <input
                    type="checkbox"
                    role="switch"
                    id=switch_id
                    data-testid=format!("scenario-toggle-{id}")
                    aria-describedby=described_by
                    prop:checked=on
                    on:change=move |ev| {
                        // A refusal is shown beside the switch, which stays off.
                        let _ = sim.set_scenario(id, event_target_checked(&ev));
                    }
                />
                <span>{move || if on() { "On" } else { "Off" }}</span>
            </label>
            <p class="scenario-summary">{meta.summary}</p>
            <p
                class="field-error"
                id=error_id
                data-testid=format!("scenario-error-{id}")
                aria-live="polite"
            >
                {error}
            </p>
            <details class="scenario-params" open>
                <summary>"Parameters"</summary>
                {meta
                    .params()
                    .into_iter()
                    .map(|spec| {
                        let on_commit = Callback::new(move |raw: String| {
                            sim.apply_scenario_param(id, spec.name, &raw)
                        });
                        view! {
                            <ParamField
                                spec=spec
                                key=format!("{id}.{}", spec.name)
                                testid=format!("scenario-param-{id}-{}", spec.name)
                                error_testid=format!("scenario-param-error-{id}-{}", spec.name)
                                initial=sim.scenario_param_value(id, spec)
                                on_commit=on_commit
                            />
                        }
                    })
                    .collect_view()}
            </details>
        </fieldset>
    }
}
