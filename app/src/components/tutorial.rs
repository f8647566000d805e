//! One open tutorial: its objectives, then a page per step (text, Apply, Check, hints,
//! previous/next) and a wrap-up page (code examples, exercises with solutions, the quiz,
//! further reading). Apply sets the lab up through the `Sim` handle; Check asks the
//! engine to evaluate the step's expectation on the running lab's metrics.

use crate::components::quiz::Quiz;
use crate::learn::Learn;
use crate::markdown::{code_view, render_with, safe_href, TEXT_HEADINGS};
use crate::sim::Sim;
use crate::web;
use content::{Action, Step, StepKind, Tutorial};
use leptos::prelude::*;
use sdl_host::protocol::{Answer, Ask};
use sdl_host::setup::setup_for;
use sdl_host::setup::Setup;
use std::collections::BTreeMap;

#[component]
pub fn TutorialView(tutorial: &'static Tutorial, page: usize) -> impl IntoView {
    let learn = Learn::expect();
    let id = tutorial.id.as_str();
    let steps = tutorial.steps.len();
    let page = page.min(steps);
    let heading = NodeRef::<leptos::html::H4>::new();
    // Moving between pages puts focus on the new page's heading, so a screen reader
    // reads where the learner is.
    Effect::new(move || {
        if let Some(h) = heading.get() {
            if learn.focus_heading.get_value() {
                learn.focus_heading.set_value(false);
                let _ = h.focus();
            }
        }
    });
    let series_title = content::series()
        .iter()
        .find(|s| s.id == tutorial.series)
        .map(|s| s.title.clone())
        .unwrap_or_default();
    let prerequisites: Vec<(&'static str, String)> = tutorial
        .prerequisites
        .iter()
        .filter_map(|p| content::find(p).map(|t| (t.id.as_str(), t.title.clone())))
        .collect();
    let page_title = if page < steps {
        format!(
            "Step {} of {steps}: {}",
            page + 1,
            tutorial.steps[page].title
        )
    } else {
        "Wrap-up: code, exercises and quiz".to_string()
    };
    view! {
        <article class="tutorial" data-testid="tutorial" data-tutorial=id>
            <button type="button" class="link-button back" data-testid="tutorial-back" on:click=move |_| learn.open.set(None)>
                "← All tutorials"
            </button>
            <h3 class="tutorial-title" data-testid="tutorial-title">{tutorial.title.clone()}</h3>
            <p class="panel-note" data-testid="tutorial-meta">
                {format!(
                    "{series_title} · about {} min{}",
                    tutorial.minutes,
                    if tutorial.difficulty.is_empty() { String::new() } else { format!(" · {}", tutorial.difficulty) }
                )}
            </p>
            <details class="objectives">
                <summary>"What you will learn"</summary>
                <ul>{tutorial.objectives.iter().map(|o| view! { <li>{o.clone()}</li> }).collect_view()}</ul>
                {(!tutorial.assumes.is_empty()).then(|| view! {
                    <p class="panel-note">"It assumes: "</p>
                    <ul data-testid="tutorial-assumes">{tutorial.assumes.iter().map(|a| view! { <li>{a.clone()}</li> }).collect_view()}</ul>
                })}
                {(!prerequisites.is_empty()).then(|| view! {
                    <p>"Do first: "
                        {prerequisites.into_iter().map(|(pid, title)| view! {
                            <button type="button" class="link-button" on:click=move |_| learn.go(pid, 0)>{title}</button>" "
                        }).collect_view()}
                    </p>
                })}
            </details>
            {(!tutorial.instructor_notes.is_empty()).then(|| view! {
                <details class="instructor-notes" data-testid="instructor-notes">
                    <summary>"For instructors"</summary>
                    <div class="md">{render_with(&tutorial.instructor_notes, TEXT_HEADINGS)}</div>
                </details>
            })}
            <nav class="step-nav" aria-label="Tutorial steps">
                <ol>
                    {(0..=steps).map(|i| {
                        let label = if i < steps { (i + 1).to_string() } else { "Quiz".to_string() };
                        let done = move || i < steps && learn.progress.with(|p| p.get(id).is_some_and(|t| t.steps_done.contains(&(i as u32))));
                        let name = if i < steps { format!("Step {}", i + 1) } else { "Wrap-up and quiz".to_string() };
                        view! {
                            <li>
                                <button
                                    type="button"
                                    class="step-dot"
                                    class:current=i == page
                                    class:done=done
                                    aria-current=(i == page).then_some("step")
                                    aria-label=move || if done() { format!("{name} (passed)") } else { name.clone() }
                                    on:click=move |_| learn.go(id, i)
                                >
                                    {label}
                                </button>
                            </li>
                        }
                    }).collect_view()}
                </ol>
            </nav>
            <h4 class="page-title" tabindex="-1" node_ref=heading data-testid="page-title">{page_title}</h4>
            {if page < steps {
                view! { <StepView tutorial=tutorial index=page /> }.into_any()
            } else {
                view! { <WrapUp tutorial=tutorial /> }.into_any()
            }}
            <div class="pager">
                <button type="button" data-testid="step-prev" disabled={page == 0} on:click=move |_| learn.go(id, page.saturating_sub(1))>
                    "← Previous"
                </button>
                <button type="button" data-testid="step-next" disabled={page >= steps} on:click=move |_| learn.go(id, page + 1)>
                    {if page + 1 == steps { "Wrap-up and quiz →" } else { "Next →" }}
                </button>
            </div>
            <p class="deep-link">
                <a href=format!("?tutorial={id}&step={}", page.min(steps.saturating_sub(1)) + 1) data-testid="step-link">
                    "Link to this step"
                </a>
            </p>
        </article>
    }
}

/// What in the running lab differs from the step's setup (empty when it matches).
fn differences(sim: &Sim, setup: &Setup) -> Vec<String> {
    let mut out = Vec::new();
    if sim.system.get_untracked() != setup.system {
        out.push(format!("the system is not {}", setup.system));
    }
    if sim.seed.get_untracked() != setup.seed {
        out.push(format!("the seed is not {}", setup.seed));
    }
    let params = sim.system_params.get_untracked();
    if params != setup.system_params {
        out.push("the system parameters differ".to_string());
    }
    let on: BTreeMap<String, BTreeMap<String, String>> = sim.switches.with_untracked(|all| {
        engine::order::to_map(
            all.iter()
                .filter(|(_, s)| s.on)
                .map(|(id, s)| (id.to_string(), s.params.clone())),
        )
    });
    if on.keys().ne(setup.switches.keys()) {
        out.push("different scenarios or mitigations are on".to_string());
    } else if on != setup.switches {
        out.push("a scenario's or mitigation's parameters differ".to_string());
    }
    out
}

/// What must hold for a step's check to judge the outcome: the step's system, and its
/// fault (its scenarios, with their parameters) on. Everything else is the learner's.
fn fault_missing(sim: &Sim, setup: &Setup, scenarios: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    if sim.system.get_untracked() != setup.system {
        out.push(format!("the system is not {}", setup.system));
        return out;
    }
    sim.switches.with_untracked(|all| {
        for id in scenarios {
            match all.iter().find(|(sw, _)| **sw == id.as_str()) {
                Some((_, s)) if s.on => {
                    if let Some(want) = setup.switches.get(id) {
                        if want.iter().any(|(k, v)| s.params.get(k) != Some(v)) {
                            out.push(format!("{id}'s parameters differ from the step's"));
                        }
                    }
                }
                _ => out.push(format!("{id} is off")),
            }
        }
    });
    out
}

/// The switched-on mitigations, sorted.
fn mitigations_on(sim: &Sim) -> Vec<String> {
    let mut on: Vec<String> = sim.switches.with_untracked(|all| {
        all.iter()
            .filter(|(id, s)| s.on && engine::catalog::find_mitigation(id).is_ok())
            .map(|(id, _)| id.to_string())
            .collect()
    });
    engine::order::sort(&mut on);
    on
}

/// What Apply does on a diagnose step: the fault stays unnamed.
fn describe_blind(action: &Action) -> String {
    format!(
        "system {}, seed {}, with a fault on (which one is for you to find); then run {} s of virtual time",
        action.system,
        action.seed,
        trim_num(action.run_for_s)
    )
}

/// A short description of what Apply does.
fn describe(action: &Action) -> String {
    let mut parts = vec![format!("system {}, seed {}", action.system, action.seed)];
    if !action.scenarios.is_empty() {
        parts.push(format!("scenarios: {}", action.scenarios.join(", ")));
    }
    if !action.mitigations.is_empty() {
        parts.push(format!("mitigations: {}", action.mitigations.join(", ")));
    }
    if !action.params.is_empty() {
        let params: Vec<String> = action
            .params
            .iter()
            .map(|(k, v)| format!("{k} = {v}"))
            .collect();
        parts.push(format!("parameters: {}", params.join(", ")));
    }
    parts.push(format!(
        "then run {} s of virtual time",
        trim_num(action.run_for_s)
    ));
    parts.join("; ")
}

/// What Apply does on a mitigate step: the fault, without the fix.
fn describe_fault(action: &Action) -> String {
    let mut fault = action.clone();
    let theirs = |k: &str| {
        k.split_once('.')
            .is_some_and(|(sw, _)| action.mitigations.iter().any(|m| m == sw))
    };
    fault.params.retain(|(k, _)| !theirs(k));
    fault.mitigations.clear();
    describe(&fault)
}

fn hint_count_of(step: &Step) -> usize {
    step.hints.len()
}

/// A blind diagnosis: the learner names the component and the kind of fault; a wrong
/// answer gets a hint, never the answer; the right one passes the step.
#[component]
fn DiagnosisForm(
    tutorial: &'static Tutorial,
    index: usize,
    outcome: RwSignal<Option<(bool, String)>>,
) -> impl IntoView {
    use engine::scenario::FaultKind;
    use engine::strike::Component;
    let learn = Learn::expect();
    let step: &'static Step = &tutorial.steps[index];
    let id = tutorial.id.as_str();
    let component = RwSignal::new(String::new());
    let kind = RwSignal::new(String::new());
    let wrong = RwSignal::new(0usize);
    // The components the step's system has (all of them if it is unknown).
    let components: Vec<&'static str> = engine::catalog::find_system(&step.action.system)
        .map(|m| m.components.iter().map(|c| c.as_str()).collect())
        .unwrap_or_else(|_| Component::ALL.map(|c| c.as_str()).to_vec());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (c, k) = (component.get_untracked(), kind.get_untracked());
        if c.is_empty() || k.is_empty() {
            outcome.set(Some((
                false,
                "Choose a component and a kind of fault first.".into(),
            )));
            return;
        }
        let judged = content::check::diagnose(step, &c, &k, wrong.get_untracked());
        if judged.right {
            let now = web::epoch_ms();
            learn
                .progress
                .update(|p| p.mark_step(id, index as u32, now));
        } else {
            wrong.update(|n| *n += 1);
        }
        outcome.set(Some((judged.right, judged.message)));
    };
    view! {
        <form class="diagnosis" data-testid="diagnosis" on:submit=submit>
            <p class="panel-note">"Your diagnosis: which part, and what is wrong with it? Look at the charts, logs, traces and topology first."</p>
            <label for=format!("diag-part-{index}")>"Component"</label>
            <select id=format!("diag-part-{index}") data-testid="diagnosis-component" on:change=move |ev| component.set(event_target_value(&ev))>
                <option value="">"— choose —"</option>
                {components.into_iter().map(|c| view! { <option value=c>{c.replace('_', " ")}</option> }).collect_view()}
            </select>
            <label for=format!("diag-kind-{index}")>"Kind of fault"</label>
            <select id=format!("diag-kind-{index}") data-testid="diagnosis-kind" on:change=move |ev| kind.set(event_target_value(&ev))>
                <option value="">"— choose —"</option>
                {FaultKind::ALL.iter().map(|k| view! { <option value=k.as_str()>{format!("{} — {}", k.as_str(), k.meaning())}</option> }).collect_view()}
            </select>
            <button type="submit" class="primary" data-testid="diagnosis-submit">"Diagnose"</button>
        </form>
    }
}

fn trim_num(x: f64) -> String {
    let s = format!("{x:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

#[component]
fn StepView(tutorial: &'static Tutorial, index: usize) -> impl IntoView {
    let sim = Sim::expect();
    let learn = Learn::expect();
    let step: &'static Step = &tutorial.steps[index];
    let id = tutorial.id.as_str();
    let setup = setup_for(&step.action);
    let mitigate = step.kind == StepKind::Mitigate;
    let diagnose = step.diagnosis.is_some();
    // A mitigate step's Apply sets the fault up and leaves the choice of fix to the
    // learner; "Show me" applies the step's own fix.
    let fault_only = {
        let mut s = setup.clone();
        if mitigate {
            s.switches
                .retain(|id, _| step.action.scenarios.contains(id));
        }
        s
    };
    let apply_error = RwSignal::new(None::<String>);
    let outcome = RwSignal::new(None::<(bool, String)>);
    let hints_shown = RwSignal::new(0usize);
    let run_for_ns = step.action.run_for_ns();
    let set_up = move |s: &Setup| {
        outcome.set(None);
        apply_error.set(
            sim.set_up(s)
                .err()
                .map(|e| format!("Could not set the lab up: {e}")),
        );
    };
    let applied = fault_only.clone();
    let apply = move |_| set_up(&applied);
    let full = setup.clone();
    let show_me = move |_| {
        set_up(&full);
        // Seeing the answer counts as the hints.
        hints_shown.set(hint_count_of(step));
    };
    let check = move |_| {
        let missing = fault_missing(&sim, &setup, &step.action.scenarios);
        if !missing.is_empty() {
            outcome.set(Some((
                false,
                format!(
                    "The check judges the outcome with this step's fault on, and it is not ({}). Press Apply, or switch it back on as the step set it.",
                    missing.join("; ")
                ),
            )));
            return;
        }
        let differ = differences(&sim, &setup);
        let on = mitigations_on(&sim);
        let ask = Ask::Check {
            tutorial: id.to_string(),
            step: index,
        };
        sim.ask(ask, move |answer| match answer {
            Answer::Check { passed, message } => {
                let mut message = message;
                if passed {
                    let now = web::epoch_ms();
                    learn
                        .progress
                        .update(|p| p.mark_step(id, index as u32, now));
                } else if let Some(w) = step.wrong.iter().find(|w| {
                    let mut m = w.mitigations.clone();
                    engine::order::sort(&mut m);
                    !m.is_empty() && m == on
                }) {
                    message = format!("{} Why this choice does not work: {}", message, w.feedback);
                }
                if !differ.is_empty() && !mitigate {
                    message = format!(
                        "{message} (Your lab differs from the step's setup: {}. The check judges what your lab shows.)",
                        differ.join("; ")
                    );
                }
                outcome.set(Some((passed, message)));
            }
            _ => outcome.set(Some((
                false,
                "The lab is not running (its setup was refused). Press Apply.".to_string(),
            ))),
        });
    };
    let passed = move || {
        learn.progress.with(|p| {
            p.get(id)
                .is_some_and(|t| t.steps_done.contains(&(index as u32)))
        })
    };
    let elapsed = move || {
        let now = sim.now_ns.get();
        format!(
            "Virtual time {} s of the {} s this step runs.",
            now / 1_000_000_000,
            trim_num(run_for_ns as f64 / 1e9)
        )
    };
    let hints = step.hints.clone();
    let hint_count = hints.len();
    view! {
        <div class="step" data-testid="step" data-step=index + 1>
            <p class="step-kind">
                <span class="badge">{step.kind.as_str()}</span>
                {move || passed().then(|| view! { <span class="badge done" data-testid="step-passed">"✓ passed"</span> })}
            </p>
            <div class="md">{render_with(&step.text, TEXT_HEADINGS)}</div>
            <p class="step-action" data-testid="step-action">
                <strong>"Apply sets up: "</strong>
                {if diagnose {
                    describe_blind(&step.action)
                } else if mitigate {
                    describe_fault(&step.action)
                } else {
                    describe(&step.action)
                }}
                "."
            </p>
            {mitigate.then(|| view! {
                <p class="panel-note" data-testid="step-choose">
                    "Your move: switch on the mitigation (and set the parameters) you think fixes it, in the switches panel, let the lab run, then Check. The check passes for any fix that works with the fault still on."
                </p>
            })}
            {(!diagnose).then(|| view! {
                <details class="step-expect">
                    <summary>"What Check looks for"</summary>
                    <ul>{step.expect.conditions.iter().map(|c| view! { <li><code>{c.clone()}</code></li> }).collect_view()}</ul>
                    <p>{format!("All of them at the same sample, {}.", step.expect.holds)}</p>
                </details>
            })}
            <div class="tool-row">
                <button type="button" class="primary" data-testid="step-apply" on:click=apply>"Apply"</button>
                {(!diagnose).then(|| view! { <button type="button" data-testid="step-check" on:click=check>"Check"</button> })}
                {mitigate.then(|| view! {
                    <button type="button" data-testid="step-show-me" on:click=show_me>"Show me the step's fix"</button>
                })}
            </div>
            {diagnose.then(|| view! { <DiagnosisForm tutorial=tutorial index=index outcome=outcome /> })}
            <p class="clock" data-testid="step-clock">{elapsed}</p>
            <p class="field-error" role="alert" data-testid="apply-error">{move || apply_error.get()}</p>
            <div role="status" class="check-slot">
                {move || outcome.get().map(|(ok, message)| view! {
                    <p class="check-result" class:ok=ok class:not-yet=!ok data-testid="check-result" data-passed=ok.to_string()>
                        <strong>{if ok { "✓ As expected. " } else { "Not yet. " }}</strong>
                        {message}
                    </p>
                })}
            </div>
            {(hint_count > 0).then(|| view! {
                <div class="hints">
                    <ol class="hint-list" data-testid="hints">
                        {move || hints.iter().take(hints_shown.get()).map(|h| view! { <li class="md">{render_with(h, TEXT_HEADINGS)}</li> }).collect_view()}
                    </ol>
                    <Show when=move || { hints_shown.get() < hint_count }>
                        <button type="button" data-testid="hint-next" on:click=move |_| hints_shown.update(|n| *n += 1)>
                            {move || format!("Show a hint ({} of {hint_count})", hints_shown.get() + 1)}
                        </button>
                    </Show>
                </div>
            })}
        </div>
    }
}

#[component]
fn WrapUp(tutorial: &'static Tutorial) -> impl IntoView {
    view! {
        <div class="wrap-up">
            {(!tutorial.code.is_empty()).then(|| view! {
                <section aria-labelledby="wrap-code">
                    <h5 id="wrap-code">"In code"</h5>
                    {tutorial.code.iter().map(|c| view! {
                        <h6>{format!("{} ({})", c.title, c.language)}</h6>
                        {code_view(&c.language, &c.source)}
                    }).collect_view()}
                </section>
            })}
            {(!tutorial.exercises.is_empty()).then(|| view! {
                <section aria-labelledby="wrap-exercises">
                    <h5 id="wrap-exercises">"Exercises"</h5>
                    <ol class="exercises">
                        {tutorial.exercises.iter().enumerate().map(|(i, e)| view! {
                            <li data-testid=format!("exercise-{}", i + 1)>
                                <div class="md">{render_with(&e.prompt, TEXT_HEADINGS)}</div>
                                <details>
                                    <summary>"Show the solution"</summary>
                                    <div class="md">{render_with(&e.solution, TEXT_HEADINGS)}</div>
                                </details>
                            </li>
                        }).collect_view()}
                    </ol>
                </section>
            })}
            <Quiz tutorial=tutorial />
            {(!tutorial.reading.is_empty()).then(|| view! {
                <section aria-labelledby="wrap-reading">
                    <h5 id="wrap-reading">"Further reading"</h5>
                    <ul>
                        {tutorial.reading.iter().map(|r| if safe_href(&r.url) {
                            view! { <li><a href=r.url.clone() rel="noopener noreferrer">{r.title.clone()}</a></li> }.into_any()
                        } else {
                            view! { <li>{r.title.clone()}</li> }.into_any()
                        }).collect_view()}
                    </ul>
                </section>
            })}
        </div>
    }
}
