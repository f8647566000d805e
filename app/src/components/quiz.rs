//! A tutorial's quiz: single-choice (radio buttons), multiple-choice (checkboxes) and
//! numeric questions; on submit, feedback per answer with the explanation, a score, and
//! the result saved in progress (completing the tutorial when every step has passed).
//! Choices are shown in an order of the learner's own (`sdl_host::quiz::choice_order`,
//! seeded by a number kept in local storage), the same on every visit.

use crate::learn::Learn;
use crate::markdown::{render_inline, render_with, TEXT_HEADINGS};
use crate::web;
use content::{Answer, Question, Tutorial};
use leptos::prelude::*;
use sdl_host::progress::{Given, QuizAnswer};
use std::collections::{BTreeMap, BTreeSet};

/// What the learner has entered for one question.
#[derive(Clone, Copy)]
struct Entry {
    /// Choice indices, as progress saves them (`Given::Choices`).
    picked: RwSignal<BTreeSet<u32>>,
    number: RwSignal<String>,
}

/// The learner's seed for choice orders: kept in local storage, made once. Without
/// storage, 1: every learner sees the same (still shuffled) order.
fn learner_seed() -> u64 {
    const KEY: &str = "sdl-learner";
    if let Some(seed) = web::storage_get(KEY).and_then(|v| v.parse::<u64>().ok()) {
        return seed;
    }
    let seed = sdl_host::quiz::new_learner_seed(web::entropy());
    match web::storage_set(KEY, &seed.to_string()) {
        Ok(()) => seed,
        Err(_) => 1,
    }
}

#[component]
pub fn Quiz(tutorial: &'static Tutorial) -> impl IntoView {
    let learn = Learn::expect();
    let id = tutorial.id.as_str();
    if tutorial.quiz.is_empty() {
        return view! { <p class="panel-note">"This tutorial has no quiz."</p> }.into_any();
    }
    // Start from the answers saved last time, if any.
    let saved = learn
        .progress
        .with_untracked(|p| p.get(id).map(|t| t.answers.clone()))
        .unwrap_or_default();
    let entries: Vec<Entry> = (0..tutorial.quiz.len())
        .map(|q| {
            let (picked, number) = match saved.get(&(q as u32)).map(|a| &a.given) {
                Some(Given::Choices(c)) => (c.clone(), String::new()),
                Some(Given::Number(x)) => (BTreeSet::new(), x.to_string()),
                None => (BTreeSet::new(), String::new()),
            };
            Entry {
                picked: RwSignal::new(picked),
                number: RwSignal::new(number),
            }
        })
        .collect();
    let submitted = RwSignal::new(false);
    let learner = learner_seed();
    let entries_for_submit = entries.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let answers: BTreeMap<u32, QuizAnswer> = engine::order::to_map(
            tutorial
                .quiz
                .iter()
                .zip(&entries_for_submit)
                .enumerate()
                .filter_map(|(q, (question, entry))| {
                    judge(question, *entry).map(|answer| (q as u32, answer))
                }),
        );
        let now = web::epoch_ms();
        let steps = tutorial.steps.len() as u32;
        let questions = tutorial.quiz.len() as u32;
        learn
            .progress
            .update(|p| p.record_quiz(id, answers, questions, steps, now));
        submitted.set(true);
    };
    let score = move || {
        learn.progress.with(|p| {
            p.get(id).and_then(|t| {
                t.score.map(|s| {
                    let steps = tutorial.steps.len() as u32;
                    let rest = if t.completed {
                        " Tutorial completed.".to_string()
                    } else {
                        format!(
                            " To complete the tutorial, pass every step's Check too ({} of {steps} passed).",
                            t.steps_passed(steps)
                        )
                    };
                    format!("Score: {} of {} right.{rest}", s.correct, s.total)
                })
            })
        })
    };
    view! {
        <section class="quiz" aria-labelledby="quiz-title" data-testid="quiz">
            <h5 id="quiz-title">"Quiz"</h5>
            <form on:submit=submit novalidate>
                {tutorial.quiz.iter().zip(entries).enumerate().map(|(q, (question, entry))| {
                    let n = match &question.answer {
                        Answer::Single(c) | Answer::Multiple(c) => c.len(),
                        Answer::Numeric { .. } => 0,
                    };
                    let order = sdl_host::quiz::choice_order(learner, id, q, n);
                    view! { <QuestionView question=question index=q entry=entry submitted=submitted order=order /> }
                }).collect_view()}
                <button type="submit" class="primary" data-testid="quiz-submit">"Submit answers"</button>
            </form>
            <p role="status" class="quiz-score" data-testid="quiz-score">{score}</p>
        </section>
    }
    .into_any()
}

/// The learner's answer to one question and whether it is right; None if unanswered.
fn judge(question: &Question, entry: Entry) -> Option<QuizAnswer> {
    match &question.answer {
        Answer::Single(_) | Answer::Multiple(_) => {
            let picked = entry.picked.get_untracked();
            let indices: Vec<usize> = picked.iter().map(|&i| i as usize).collect();
            (!picked.is_empty()).then(|| QuizAnswer {
                correct: question.is_right_choice(&indices),
                given: Given::Choices(picked),
            })
        }
        Answer::Numeric { .. } => {
            let x = parse_number(&entry.number.get_untracked())?;
            Some(QuizAnswer {
                correct: question.is_right_number(x),
                given: Given::Number(x),
            })
        }
    }
}

/// A number as people type it: `0.5`, `1,5`, `1 000`, `12%` is not accepted (no units).
fn parse_number(raw: &str) -> Option<f64> {
    let cleaned: String = raw
        .trim()
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '_')
        .map(|c| if c == ',' { '.' } else { c })
        .collect();
    cleaned.parse::<f64>().ok().filter(|x| x.is_finite())
}

#[component]
fn QuestionView(
    question: &'static Question,
    index: usize,
    entry: Entry,
    submitted: RwSignal<bool>,
    /// The choices' indices in the order shown.
    order: Vec<usize>,
) -> impl IntoView {
    let name = format!("quiz-q{}", index + 1);
    let shown = order.clone();
    let feedback = move || {
        if !submitted.get() {
            return None;
        }
        Some(match &question.answer {
            Answer::Single(choices) | Answer::Multiple(choices) => {
                let picked = entry.picked.get();
                if picked.is_empty() {
                    return Some(
                        view! { <p class="wrong"><strong>"Not answered."</strong></p> }.into_any(),
                    );
                }
                let all: Vec<usize> = picked.iter().map(|&i| i as usize).collect();
                let right = question.is_right_choice(&all);
                let notes = shown
                    .iter()
                    .filter_map(|&i| choices.get(i).map(|c| (i, c)))
                    .filter(|(i, c)| picked.contains(&(*i as u32)) || c.correct)
                    .map(|(i, c)| {
                        let lead = match (picked.contains(&(i as u32)), c.correct) {
                            (true, true) => "You chose this; it is right. ",
                            (true, false) => "You chose this; it is wrong. ",
                            _ => "The right answer (not chosen). ",
                        };
                        view! { <li><strong>{lead}</strong>{format!("“{}” — ", c.text)}{render_inline(&c.explanation)}</li> }
                    })
                    .collect_view();
                view! {
                    <p class:right=right class:wrong=!right><strong>{if right { "✓ Right." } else { "✗ Not quite." }}</strong></p>
                    <ul class="quiz-notes">{notes}</ul>
                }
                .into_any()
            }
            Answer::Numeric {
                value,
                tolerance,
                unit,
                explanation,
            } => {
                let given = parse_number(&entry.number.get());
                let right = given.is_some_and(|x| question.is_right_number(x));
                let head = match given {
                    None => "Not answered (or not a number). ".to_string(),
                    Some(_) if right => "✓ Right. ".to_string(),
                    Some(_) => {
                        format!("✗ Not quite: the answer is {value} {unit} (± {tolerance}). ")
                    }
                };
                view! {
                    <p class:right=right class:wrong=!right><strong>{head}</strong></p>
                    <div class="md">{render_with(explanation, TEXT_HEADINGS)}</div>
                }
                .into_any()
            }
        })
    };
    let control = match &question.answer {
        Answer::Single(choices) | Answer::Multiple(choices) => {
            let multiple = matches!(question.answer, Answer::Multiple(_));
            let hint = if multiple {
                "Choose all that apply."
            } else {
                "Choose one."
            };
            let name = name.clone();
            view! {
                <p class="panel-note">{hint}</p>
                {order.iter().filter_map(|&i| choices.get(i).map(|c| (i, c))).map(|(i, c)| {
                    // Named by the choice's own index, whatever place it is shown in.
                    let input_id = format!("{name}-c{}", i + 1);
                    let choice = i as u32;
                    let checked = move || entry.picked.with(|p| p.contains(&choice));
                    let on_change = move |ev: leptos::ev::Event| {
                        let on = event_target_checked(&ev);
                        entry.picked.update(|p| {
                            if !multiple {
                                p.clear();
                            }
                            if on { p.insert(choice); } else { p.remove(&choice); }
                        });
                    };
                    view! {
                        <div class="choice">
                            <input
                                type=if multiple { "checkbox" } else { "radio" }
                                id=input_id.clone()
                                name=name.clone()
                                data-testid=input_id.clone()
                                prop:checked=checked
                                on:change=on_change
                            />
                            <label for=input_id>{c.text.clone()}</label>
                        </div>
                    }
                }).collect_view()}
            }
            .into_any()
        }
        Answer::Numeric { unit, .. } => {
            let input_id = format!("{name}-number");
            view! {
                <div class="choice">
                    <label for=input_id.clone()>{if unit.is_empty() { "Your answer".to_string() } else { format!("Your answer ({unit})") }}</label>
                    <input
                        type="text"
                        inputmode="decimal"
                        id=input_id.clone()
                        data-testid=input_id
                        prop:value=move || entry.number.get()
                        on:input=move |ev| entry.number.set(event_target_value(&ev))
                    />
                </div>
            }
            .into_any()
        }
    };
    view! {
            <fieldset class="question" data-testid=name.clone()>
                <legend>
    {format!("{}. ", index + 1)}{render_inline(&question.prompt)}</legend>
                {control}
                <div class="feedback" data-testid=format!("{name}-feedback")>{feedback}</div>
            </fieldset>
        }
}
