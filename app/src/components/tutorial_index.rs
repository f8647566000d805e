//! The series index: each series with its tutorials, estimated minutes and what the
//! learner has done (completed, or steps passed so far), and a finished series'
//! certificate.

use crate::components::certificate::CertificateOffer;
use crate::learn::Learn;
use content::Tutorial;
use leptos::prelude::*;

#[component]
pub fn TutorialIndex() -> impl IntoView {
    let learn = Learn::expect();
    let series = content::series();
    let problems = content::errors().len();
    view! {
        <div class="tutorial-index" data-testid="tutorial-index">
            <p class="panel-note">
                "Guided steps that drive the lab and check what you see on its live metrics."
            </p>
            {(problems > 0).then(|| view! {
                <p class="field-error">{format!("{problems} tutorial file(s) could not be loaded and are left out.")}</p>
            })}
            {series.iter().map(|s| {
                let tutorials: Vec<&'static Tutorial> = content::tutorials_in(&s.id).collect();
                let total_minutes: u32 = tutorials.iter().map(|t| t.minutes).sum();
                let count = tutorials.len();
                let done = move || {
                    learn.progress.with(|p| {
                        tutorials_done(p, &tutorials_ids(s.id.as_str()))
                    })
                };
                view! {
                    <details class="series" data-testid=format!("series-{}", s.id)>
                        <summary>
                            <span class="series-title">{s.title.clone()}</span>
                            <span class="series-meta">
                                {move || format!("{} of {count} done · about {total_minutes} min", done())}
                            </span>
                        </summary>
                        <p class="series-summary">{s.summary.clone()}</p>
                        <ol class="tutorial-list">
                            {content::tutorials_in(&s.id).map(|t| view! { <IndexEntry tutorial=t /> }).collect_view()}
                        </ol>
                        <CertificateOffer series=s />
                    </details>
                }
            }).collect_view()}
        </div>
    }
}

fn tutorials_ids(series: &str) -> Vec<&'static Tutorial> {
    content::tutorials_in(series).collect()
}

fn tutorials_done(p: &sdl_host::progress::Progress, tutorials: &[&Tutorial]) -> usize {
    tutorials
        .iter()
        .filter(|t| p.get(&t.id).is_some_and(|tp| tp.completed))
        .count()
}

#[component]
fn IndexEntry(tutorial: &'static Tutorial) -> impl IntoView {
    let learn = Learn::expect();
    let steps = tutorial.steps.len() as u32;
    let state = move || {
        learn.progress.with(|p| match p.get(&tutorial.id) {
            Some(t) if t.completed => {
                let score = t
                    .score
                    .map(|s| format!(", quiz {}/{}", s.correct, s.total))
                    .unwrap_or_default();
                (true, format!("Completed{score}"))
            }
            Some(t) if t.steps_passed(steps) > 0 => {
                (false, format!("{} of {steps} steps", t.steps_passed(steps)))
            }
            _ => (false, "Not started".to_string()),
        })
    };
    let id = tutorial.id.as_str();
    let resume = move || {
        learn.progress.with_untracked(|p| {
            p.get(id)
                .map(|t| (t.current_step as usize).min(tutorial.steps.len()))
                .unwrap_or(0)
        })
    };
    view! {
        <li class="tutorial-entry" data-testid=format!("tutorial-entry-{id}")>
            <button type="button" class="link-button" on:click=move |_| learn.go(id, resume())>
                {tutorial.title.clone()}
            </button>
            <span class="entry-meta">
                {format!("{} min · ", tutorial.minutes)}
                <span class:done=move || state().0 data-testid=format!("tutorial-state-{id}")>
                    {move || {
                        let (done, text) = state();
                        if done { format!("✓ {text}") } else { text }
                    }}
                </span>
            </span>
        </li>
    }
}
