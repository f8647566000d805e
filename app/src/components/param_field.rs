//! One input generated from a parameter's schema: a label, the input that suits its type,
//! a hint with unit, range and default, and the engine's own message when a value is
//! refused (a refused value is never applied).

use engine::params::{ParamKind, ParamSpec};
use leptos::prelude::*;

/// `on_commit` applies a value and returns the engine's message when it refuses it.
#[component]
pub fn ParamField(
    spec: &'static ParamSpec,
    /// How the engine names the parameter (`workers`, `fixed-latency.delay_ms`).
    key: String,
    /// `data-testid` of the input; the message's is this with `-error` in front of the
    /// last part (see `error_testid`).
    testid: String,
    error_testid: String,
    /// The value the run uses now.
    initial: String,
    on_commit: Callback<String, Result<(), String>>,
) -> impl IntoView {
    let dom_id = format!("field-{}", key.replace('.', "-"));
    let hint_id = format!("{dom_id}-hint");
    let error_id = format!("{dom_id}-error");
    let raw = RwSignal::new(initial);
    let error = RwSignal::new(None::<String>);

    let check = {
        let key = key.clone();
        move |value: &str| spec.parse_as(&key, value).err().map(|e| e.to_string())
    };
    let check_on_input = check.clone();
    let commit = move |value: String| {
        raw.set(value.clone());
        if let Some(message) = check(&value) {
            error.set(Some(message));
            return;
        }
        error.set(on_commit.run(value).err());
    };

    let unit = if spec.unit.is_empty() {
        String::new()
    } else {
        format!("unit {} · ", spec.unit)
    };
    let allowed = match spec.kind {
        ParamKind::Choice { allowed, .. } => format!("one of {}", allowed.join(", ")),
        _ => format!("allowed {}", spec.range_text()),
    };
    let limits = format!("{unit}{allowed} · default {}", spec.default_value());
    let described_by = format!("{hint_id} {error_id}");
    let label_for = dom_id.clone();
    let invalid = move || error.with(Option::is_some).then_some("true");

    let input = match spec.kind {
        ParamKind::Choice { allowed, .. } => view! {
            <select
                id=dom_id.clone()
                data-testid=testid
                aria-describedby=described_by
                aria-invalid=invalid
                on:change=move |ev| commit(event_target_value(&ev))
            >
                {allowed
                    .iter()
                    .map(|option| {
                        let selected = raw.get_untracked() == *option;
                        view! { <option value=*option selected=selected>{*option}</option> }
                    })
                    .collect_view()}
            </select>
        }
        .into_any(),
        ParamKind::Bool { .. } => view! {
            <input
                type="checkbox"
                id=dom_id.clone()
                data-testid=testid
                aria-describedby=described_by
                aria-invalid=invalid
                prop:checked=move || raw.get() == "true"
                on:change=move |ev| {
                    commit(if event_target_checked(&ev) { "true" } else { "false" }.to_string())
                }
            />
        }
        .into_any(),
        ParamKind::Int { .. } | ParamKind::Float { .. } => {
            // Text, not type=number: the browser would silently drop a malformed value,
            // and the learner should see the engine's message about it instead.
            let mode = if matches!(spec.kind, ParamKind::Int { .. }) {
                "numeric"
            } else {
                "decimal"
            };
            view! {
                <input
                    type="text"
                    inputmode=mode
                    autocomplete="off"
                    spellcheck="false"
                    id=dom_id.clone()
                    data-testid=testid
                    aria-describedby=described_by
                    aria-invalid=invalid
                    prop:value=move || raw.get()
                    on:input=move |ev| {
                        let value = event_target_value(&ev);
                        error.set(check_on_input(&value));
                        raw.set(value);
                    }
                    on:change=move |ev| commit(event_target_value(&ev))
                />
            }
            .into_any()
        }
    };

    view! {
        <div class="field" class:field-invalid=move || error.with(Option::is_some)>
            <label for=label_for>{spec.name}</label>
            {input}
            <p class="hint" id=hint_id>
                {spec.help} <span class="limits">{limits}</span>
            </p>
            <p class="field-error" id=error_id data-testid=error_testid aria-live="polite">
                {move || error.get()}
            </p>
        </div>
    }
}
