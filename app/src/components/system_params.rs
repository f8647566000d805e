//! The system's parameter form, generated from its schema: every declared parameter gets
//! a field; a valid change starts a new run with it.

use crate::components::param_field::ParamField;
use crate::sim::Sim;
use leptos::prelude::*;

#[component]
pub fn SystemParams() -> impl IntoView {
    let sim = Sim::expect();
    view! {
        <section class="panel" aria-labelledby="system-params-title" data-testid="system-params">
            <h2 id="system-params-title">"System parameters"</h2>
            <p class="panel-note">"A valid change restarts the run with it."</p>
            // Rebuilt when the system changes or a tutorial step replaces the choices,
            // so each form starts from the values the run uses.
            {move || {
                let _ = sim.system.get();
                sim.replaced.track();
                let meta = sim.system_meta();
                meta.params
                    .iter()
                    .map(|spec| {
                        let on_commit = Callback::new(move |raw: String| {
                            sim.apply_system_param(spec.name, &raw)
                        });
                        view! {
                            <ParamField
                                spec=spec
                                key=spec.name.to_string()
                                testid=format!("param-{}", spec.name)
                                error_testid=format!("param-error-{}", spec.name)
                                initial=sim.system_param_value(spec)
                                on_commit=on_commit
                            />
                        }
                    })
                    .collect_view()
            }}
        </section>
    }
}
