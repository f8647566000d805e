//! The catalogue's switches: one panel for scenarios (faults), one for mitigations, each
//! item with a switch and its own parameter form generated from its schema. Turning a
//! switch or changing its parameters acts on the running simulation at once.

use crate::components::param_field::ParamField;
use crate::sim::Sim;
use engine::catalog;
use engine::params::ParamSpec;
use engine::LabConfig;
use leptos::prelude::*;

/// Which list a panel shows; also the prefix of its `data-testid`s.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SwitchKind {
    Scenario,
    Mitigation,
}

impl SwitchKind {
    fn prefix(self) -> &'static str {
        match self {
            SwitchKind::Scenario => "scenario",
            SwitchKind::Mitigation => "mitigation",
        }
    }
}

/// What a card needs to know about a catalogue item.
#[derive(Clone, Copy)]
struct Item {
    id: &'static str,
    title: &'static str,
    summary: &'static str,
}

#[component]
pub fn SwitchPanel(kind: SwitchKind) -> impl IntoView {
    let (title, note, items): (&str, &str, Vec<Item>) = match kind {
        SwitchKind::Scenario => (
            "Scenarios",
            "Faults act on the running system at once; no restart.",
            catalog::scenarios()
                .iter()
                .map(|s| Item {
                    id: s.id,
                    title: s.title,
                    summary: s.summary,
                })
                .collect(),
        ),
        SwitchKind::Mitigation => (
            "Mitigations",
            "What an engineer would do about it. Also live.",
            catalog::mitigations()
                .iter()
                .map(|m| Item {
                    id: m.id,
                    title: m.title,
                    summary: m.summary,
                })
                .collect(),
        ),
    };
    let heading_id = format!("{}-panel-title", kind.prefix());
    let labelled_by = heading_id.clone();
    let sim = Sim::expect();
    let all = items.len();
    let ids: Vec<&'static str> = items.iter().map(|i| i.id).collect();
    let shown = move || {
        let system = sim.system.get();
        ids.iter().filter(|id| applies(system, id)).count()
    };
    view! {
        <section class="panel" aria-labelledby=labelled_by data-testid=format!("{}s", kind.prefix())>
            <h2 id=heading_id>{title}</h2>
            <p class="panel-note">{note}</p>
            <p class="panel-note" data-testid=format!("{}s-shown", kind.prefix())>
                {move || {
                    let n = shown();
                    if n == all {
                        String::new()
                    } else {
                        format!("The {n} of {all} that apply to this system; the catalogue lists them all.")
                    }
                }}
            </p>
            {items.into_iter().map(|item| view! { <SwitchCard kind=kind item=item /> }).collect_view()}
        </section>
    }
}

/// Whether switch `id` can be on in `system` (a scenario striking parts it does not
/// have, or a system that runs only its own, cannot).
pub(crate) fn applies(system: &str, id: &str) -> bool {
    LabConfig::new(system).enable(id).is_ok()
}

#[component]
fn SwitchCard(kind: SwitchKind, item: Item) -> impl IntoView {
    let sim = Sim::expect();
    let id = item.id;
    // Hidden (and out of the accessibility tree) where it cannot be on; kept built, so
    // its values survive a trip to another system and back.
    let hidden = Memo::new(move |_| !applies(sim.system.get(), id));
    let prefix = kind.prefix();
    let params: Vec<&'static ParamSpec> = catalog::find_switch(id)
        .map(|s| s.params())
        .unwrap_or_default();
    let on = move || sim.switches.with(|all| all.get(id).is_some_and(|s| s.on));
    let error = move || sim.switch_errors.with(|e| e.get(id).cloned());
    let switch_id = format!("{prefix}-{id}");
    let error_id = format!("{prefix}-{id}-error");
    let label_for = switch_id.clone();
    let described_by = error_id.clone();
    view! {
        <fieldset class="switch-card" class:switch-on=on hidden=move || hidden.get()>
            <legend>{item.title}</legend>
            <label class="switch" for=label_for>
                <input
                    type="checkbox"
                    role="switch"
                    id=switch_id
                    data-testid=format!("{prefix}-toggle-{id}")
                    aria-describedby=described_by
                    prop:checked=on
                    on:change=move |ev| {
                        // A refusal is shown beside the switch, which stays off.
                        let _ = sim.set_switch(id, event_target_checked(&ev));
                    }
                />
                <span>{move || if on() { "On" } else { "Off" }}</span>
            </label>
            <p class="switch-summary">{item.summary}</p>
            <p class="field-error" id=error_id data-testid=format!("{prefix}-error-{id}") aria-live="polite">
                {error}
            </p>
            {(!params.is_empty())
                .then(|| {
                    view! {
                        // Opens by itself when the switch is turned on.
                        <details class="switch-params" prop:open=on data-testid=format!("{prefix}-params-{id}")>
                            <summary>"Parameters"</summary>
                            // Rebuilt when a tutorial step replaces the choices, so
                            // the fields show the values the run uses.
                            {move || {
                                sim.replaced.track();
                                params
                                .iter()
                                .copied()
                                .map(|spec| {
                                    let on_commit = Callback::new(move |raw: String| {
                                        sim.apply_switch_param(id, spec.name, &raw)
                                    });
                                    view! {
                                        <ParamField
                                            spec=spec
                                            key=format!("{id}.{}", spec.name)
                                            testid=format!("{prefix}-param-{id}-{}", spec.name)
                                            error_testid=format!("{prefix}-param-error-{id}-{}", spec.name)
                                            initial=sim.switch_param_value(id, spec)
                                            on_commit=on_commit
                                        />
                                    }
                                })
                                .collect_view()
                            }}
                        </details>
                    }
                })}
        </fieldset>
    }
}
