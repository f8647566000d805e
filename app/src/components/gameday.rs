//! Game day: an incident to work as on-call would, its faults hidden. The incidents to
//! choose from (or one drawn from a class code), the play (the page, acknowledge,
//! diagnose, change the lab, hints, finish), the score line by line with its completion
//! code, the postmortem to write and download, and the instructor's page of codes.
//! What is scored and written is `content::gameday` and `sdl_host::gameday`.

use crate::components::console::ConsolePanel;
use crate::components::dashboard::Dashboard;
use crate::components::switch_panel::{SwitchKind, SwitchPanel};
use crate::sim::Sim;
use crate::web;
use content::gameday::code::{self, Code};
use content::gameday::{class_seed, draw, find, learner_seed, pool, Incident, Play};
use engine::alerts::Transition;
use leptos::prelude::*;
use sdl_host::format::virtual_time;
use sdl_host::gameday::{postmortem_markdown, Notes};
use sdl_host::protocol::{Answer, Ask, GamedayAct, ScoreW};
use std::collections::BTreeMap;

/// The game day pages: `item` is an incident id, `codes`, or nothing (the picker).
#[component]
pub fn GamedayPage(item: Option<String>) -> impl IntoView {
    let query = crate::web_share::location_query();
    let param = |key: &str| {
        query
            .trim_start_matches('?')
            .split('&')
            .find_map(|p| p.strip_prefix(&format!("{key}=")))
            .map(engine::share::decode)
    };
    let class = param("class").filter(|c| !c.trim().is_empty());
    let learner = param("learner").filter(|l| !l.trim().is_empty());
    // The class's incident is drawn by its code; a learner's own numbers by code and name.
    let class_draw = class.as_deref().map(class_seed);
    let seed = param("seed")
        .and_then(|s| s.parse::<u64>().ok())
        .or_else(|| {
            class.as_deref().map(|c| {
                learner
                    .as_deref()
                    .map_or(class_seed(c), |l| learner_seed(c, l))
            })
        })
        .unwrap_or(1)
        .min(u64::from(u32::MAX));
    let page = match item.as_deref() {
        Some("codes") => view! { <CodesPage /> }.into_any(),
        Some(id) => match find(id) {
            Some(incident) => view! { <GamedayPlay incident=incident seed=seed /> }.into_any(),
            None => view! {
                <section class="panel gameday" data-testid="gameday-unknown">
                    <h2>"Game day"</h2>
                    <p role="alert">{format!("There is no incident `{id}`. Choose one below.")}</p>
                    <Picker />
                </section>
            }
            .into_any(),
        },
        None => match class {
            Some(c) => {
                let incident = draw(class_draw.unwrap_or(seed));
                let note = match &learner {
                    Some(l) => format!(
                        "Class code “{}”, learner “{}”: the class plays the same incident, each learner with different numbers.",
                        c.trim(),
                        l.trim()
                    ),
                    None => format!("Class code “{}”: everyone with it plays the same incident.", c.trim()),
                };
                view! {
                    <p class="panel-note" data-testid="gameday-class">{note}</p>
                    <GamedayPlay incident=incident seed=seed />
                }
                .into_any()
            }
            None => view! {
                <section class="panel gameday" aria-labelledby="gameday-title">
                    <h2 id="gameday-title">"Game day"</h2>
                    <p>
                        "You are on call. Something is wrong with a system; you see what an on-call engineer "
                        "sees — alerts, dashboards, logs, traces, the topology — and nothing says what is switched on. "
                        "Acknowledge the page, find the cause, fix it, and write the postmortem."
                    </p>
                    <Picker />
                </section>
            }
            .into_any(),
        },
    };
    view! { <main class="gameday-main" id="gameday-main" tabindex="-1">{page}</main> }
}

#[component]
fn Picker() -> impl IntoView {
    let class = RwSignal::new(String::new());
    let per_learner = RwSignal::new(false);
    let learner = RwSignal::new(String::new());
    let error = RwSignal::new(String::new());
    let go = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let c = class.get_untracked();
        if c.trim().is_empty() {
            error.set("Type the class code your instructor gave you.".into());
            return;
        }
        let mut query = format!("view=gameday&class={}", engine::share::encode(c.trim()));
        if per_learner.get_untracked() {
            let l = learner.get_untracked();
            let l = l.split_whitespace().collect::<Vec<_>>().join(" ");
            if l.is_empty() {
                error.set("Type your name: it gives you your own numbers.".into());
                return;
            }
            query.push_str(&format!("&learner={}", engine::share::encode(&l)));
        }
        crate::web_share::push_query(&query);
        let _ = window().location().reload();
    };
    view! {
        <form class="gameday-class" on:submit=go>
            <label for="gameday-class-code">"Class code (from your instructor)"</label>
            <input id="gameday-class-code" data-testid="gameday-class-code" type="text" autocomplete="off"
                on:input=move |ev| class.set(event_target_value(&ev)) />
            <label class="gameday-per-learner">
                <input type="checkbox" data-testid="gameday-per-learner"
                    on:change=move |ev| per_learner.set(event_target_checked(&ev)) />
                "Different numbers for each learner (the same incident for the class; answers cannot be copied)"
            </label>
            <Show when=move || per_learner.get()>
                <label for="gameday-learner">"Your name"</label>
                <input id="gameday-learner" data-testid="gameday-learner" type="text" autocomplete="name"
                    on:input=move |ev| learner.set(event_target_value(&ev)) />
            </Show>
            <button type="submit" class="primary" data-testid="gameday-start">"Start"</button>
            <p class="field-error" role="alert">{move || error.get()}</p>
        </form>
        <h3>"Or choose an incident"</h3>
        <ul class="gameday-list" data-testid="gameday-list">
            {pool()
                .iter()
                .map(|i| {
                    view! {
                        <li>
                            <a href=format!("?view=gameday&item={}&seed=1", i.id) data-testid="gameday-incident">
                                {i.title}
                            </a>
                            <span class="muted">{format!(" · {} · difficulty {} of 5", i.system, i.difficulty)}</span>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
        <p class="panel-note"><a href="?view=gameday&item=codes">"Instructors: check completion codes"</a></p>
    }
}

/// The mitigations on, with their parameters: what the learner's changes are read from.
fn mitigations_on(sim: Sim) -> BTreeMap<&'static str, BTreeMap<String, String>> {
    sim.switches.with(|all| {
        engine::order::to_map(
            all.iter()
                .filter(|(id, s)| s.on && engine::catalog::find_mitigation(id).is_ok())
                .map(|(id, s)| (*id, s.params.clone())),
        )
    })
}

#[component]
fn GamedayPlay(incident: &'static Incident, seed: u64) -> impl IntoView {
    let sim = Sim::expect();
    let play = Play::new(incident, seed);
    let start_error = sim.start_gameday(&play).err();
    let play = StoredValue::new(play);
    let acts = RwSignal::new(Vec::<(u64, GamedayAct)>::new());
    let acked = RwSignal::new(false);
    let diagnosed = RwSignal::new(false);
    let verdict = RwSignal::new(None::<(bool, String)>);
    let hints = RwSignal::new(0usize);
    let score = RwSignal::new(None::<ScoreW>);
    let alerts = RwSignal::new(Vec::<Transition>::new());
    let notes = RwSignal::new(Notes::default());
    let act = move |a: GamedayAct| {
        let t = sim.now_ns.get_untracked();
        acts.update(|v| v.push((t, a)));
    };
    on_cleanup(move || sim.leave_gameday());

    // The learner's changes: a mitigation switched, or its parameters set. The red
    // herring's switch, which the engine turns on at its time, is not the learner's:
    // the page shows it on when it is.
    let herring = play.with_value(|p| sdl_host::gameday::setup_for(p).scheduled);
    let herring_ids: Vec<String> = herring.iter().map(|(_, id)| id.clone()).collect();
    Effect::new(
        move |prev: Option<BTreeMap<&'static str, BTreeMap<String, String>>>| {
            let now = mitigations_on(sim);
            if let Some(prev) = prev {
                for (id, params) in &now {
                    if herring_ids.iter().any(|h| h == id) && !prev.contains_key(id) {
                        continue;
                    }
                    match prev.get(id) {
                        None => act(GamedayAct::Change {
                            what: format!("{id} on"),
                        }),
                        Some(p) if p != params => act(GamedayAct::Change {
                            what: format!("{id} settings changed"),
                        }),
                        _ => {}
                    }
                }
                for id in prev.keys().filter(|id| !now.contains_key(*id)) {
                    act(GamedayAct::Change {
                        what: format!("{id} off"),
                    });
                }
            }
            now
        },
    );
    let shown = RwSignal::new(false);
    Effect::new(move |_| {
        let now = sim.now_ns.get();
        if shown.get_untracked() {
            return;
        }
        if let Some((at, id)) = herring.first() {
            if now >= *at {
                shown.set(true);
                let _ = sim.set_switch(id, true);
            }
        }
    });

    let finish = move |_| {
        let (incident_id, seed) = play.with_value(|p| (p.incident.id.to_string(), p.seed));
        sim.ask(
            Ask::Gameday {
                incident: incident_id,
                seed,
                acts: acts.get_untracked(),
            },
            move |answer| {
                if let Answer::Gameday(Some(s)) = answer {
                    score.set(Some(s));
                    let total = score.get_untracked().map_or(0, |s| s.total);
                    // Inside a course the game day's score is the attempt's score.
                    crate::lms::report_progress(true, 100.0, Some(f64::from(total)));
                }
            },
        );
        sim.ask(Ask::Alerts, move |answer| {
            if let Answer::Alerts(a) = answer {
                alerts.set(a.history);
            }
        });
        sim.playing.set(false);
    };

    // Rolling back restores what the last deploy changed, if a deploy caused it;
    // otherwise it changes nothing. Either way it is one of the learner's changes.
    let rolled_back = RwSignal::new(false);
    let rollback = move |_| {
        rolled_back.set(true);
        act(GamedayAct::Change {
            what: "rolled back the last deploy".into(),
        });
        for (key, value) in play.with_value(Play::rollback) {
            if let Some((id, name)) = key.split_once('.') {
                let _ = sim.apply_switch_param(id, name, value);
            }
        }
    };
    let components: Vec<&'static str> = engine::catalog::find_system(incident.system)
        .map(|m| m.components.iter().map(|c| c.as_str()).collect())
        .unwrap_or_default();
    let component = RwSignal::new(String::new());
    let kind = RwSignal::new(String::new());
    let diagnose = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (c, k) = (component.get_untracked(), kind.get_untracked());
        if c.is_empty() || k.is_empty() {
            verdict.set(Some((
                false,
                "Choose a component and a kind of fault first.".into(),
            )));
            return;
        }
        let right = incident.is_cause(&c, &k);
        act(GamedayAct::Diagnose {
            component: c.clone(),
            kind: k.clone(),
        });
        if right {
            diagnosed.set(true);
            verdict.set(Some((
                true,
                format!("Confirmed: the {} is {k}. Now fix it.", c.replace('_', " ")),
            )));
        } else {
            verdict.set(Some((
                false,
                "Not confirmed. A wrong diagnosis costs 10 points; keep investigating.".into(),
            )));
        }
    };
    let hint_text = move |n: usize| -> String {
        match n {
            1 => format!(
                "Look at what changed with the fault: start from `{}`.",
                incident
                    .signature
                    .first()
                    .copied()
                    .unwrap_or("the golden signals")
            ),
            _ => format!(
                "The cause is in the {}.",
                incident.component.replace('_', " ")
            ),
        }
    };

    view! {
        <section class="panel gameday-pager" aria-labelledby="gameday-page-title" data-testid="gameday-play">
            <h2 id="gameday-page-title">"Game day"</h2>
            {start_error.map(|e| view! { <p role="alert">{e}</p> })}
            <p class="gameday-page" data-testid="gameday-page">
                <strong>"Paged: "</strong>{incident.title}
                <span class="muted">{format!(" · {} · difficulty {} of 5 · seed {seed}", incident.system, incident.difficulty)}</span>
            </p>
            <div class="gameday-actions">
                <button type="button" class="primary" data-testid="gameday-ack"
                    disabled=move || acked.get() || score.with(Option::is_some)
                    on:click=move |_| { acked.set(true); act(GamedayAct::Ack); }>
                    {move || if acked.get() { "Acknowledged" } else { "Acknowledge the page" }}
                </button>
                <button type="button" data-testid="gameday-hint"
                    disabled=move || { hints.get() >= 2 || score.with(Option::is_some) }
                    on:click=move |_| { hints.update(|n| *n += 1); act(GamedayAct::Hint); }>
                    "A hint (−5 points)"
                </button>
                <button type="button" data-testid="gameday-rollback"
                    disabled=move || { rolled_back.get() || score.with(Option::is_some) }
                    on:click=rollback>
                    "Roll back the last deploy"
                </button>
                <button type="button" data-testid="gameday-finish"
                    disabled=move || score.with(Option::is_some)
                    on:click=finish>
                    "Finish and score"
                </button>
            </div>
            <ul class="gameday-hints" aria-live="polite">
                {move || (1..=hints.get()).map(|n| view! { <li data-testid="gameday-hint-text">{hint_text(n)}</li> }).collect_view()}
            </ul>
            <form class="diagnosis" data-testid="gameday-diagnosis" on:submit=diagnose>
                <p class="panel-note">"Your diagnosis: which part, and what is wrong with it? A wrong one costs points and gets no answer."</p>
                <label for="gd-part">"Component"</label>
                <select id="gd-part" data-testid="diagnosis-component" on:change=move |ev| component.set(event_target_value(&ev))>
                    <option value="">"— choose —"</option>
                    {components.into_iter().map(|c| view! { <option value=c>{c.replace('_', " ")}</option> }).collect_view()}
                </select>
                <label for="gd-kind">"Kind of fault"</label>
                <select id="gd-kind" data-testid="diagnosis-kind" on:change=move |ev| kind.set(event_target_value(&ev))>
                    <option value="">"— choose —"</option>
                    {engine::scenario::FaultKind::ALL.iter().map(|k| view! { <option value=k.as_str()>{format!("{} — {}", k.as_str(), k.meaning())}</option> }).collect_view()}
                </select>
                <button type="submit" class="primary" data-testid="diagnosis-submit"
                    disabled=move || diagnosed.get() || score.with(Option::is_some)>"Diagnose"</button>
            </form>
            <p role="status" data-testid="gameday-verdict" class=move || match verdict.get() { Some((true, _)) => "verdict ok", Some((false, _)) => "verdict wrong", None => "verdict" }>
                {move || verdict.get().map(|(_, m)| m)}
            </p>
            <p class="panel-note" data-testid="gameday-acts">
                {move || {
                    let a = acts.get();
                    let changes = a.iter().filter(|(_, x)| matches!(x, GamedayAct::Change { .. })).count();
                    format!("{} action(s) so far, {changes} change(s) to the lab.", a.len())
                }}
            </p>
            {move || score.get().map(|s| view! { <Results play=play score=s acts=acts alerts=alerts notes=notes /> })}
        </section>
        <div class="lab gameday-lab">
            <div class="lab-primary">
                <Dashboard />
                <ConsolePanel />
            </div>
            <aside class="settings" aria-label="What you can change">
                <SwitchPanel kind=SwitchKind::Mitigation />
            </aside>
        </div>
    }
}

#[component]
fn Results(
    play: StoredValue<Play>,
    score: ScoreW,
    acts: RwSignal<Vec<(u64, GamedayAct)>>,
    alerts: RwSignal<Vec<Transition>>,
    notes: RwSignal<Notes>,
) -> impl IntoView {
    let incident = play.with_value(|p| p.incident);
    let code = score.code.clone();
    let score_for_md = StoredValue::new(score.clone());
    let status = RwSignal::new(String::new());
    let markdown = move || {
        play.with_value(|p| {
            postmortem_markdown(
                p,
                &score_for_md.get_value(),
                &acts.get_untracked(),
                &alerts.get_untracked(),
                &notes.get_untracked(),
            )
        })
    };
    let download = move |_| {
        let name = format!("postmortem-{}.md", incident.id);
        match web::download_text(&name, &markdown(), "text/markdown") {
            Ok(()) => status.set(format!("Downloaded {name}.")),
            Err(e) => status.set(e),
        }
    };
    let field = |label: &'static str, id: &'static str, set: fn(&mut Notes, String)| {
        view! {
            <label for=id>{label}</label>
            <textarea id=id data-testid=id rows="3"
                on:input=move |ev| { let v = event_target_value(&ev); notes.update(|n| set(n, v)); }></textarea>
        }
    };
    let fix = incident.fix.steps();
    view! {
        <div class="gameday-results" data-testid="gameday-results">
            <h3>{format!("Score: {} / 100", score.total)}</h3>
            <table class="gameday-score" data-testid="gameday-score">
                <caption class="visually-hidden">"The score, line by line"</caption>
                <thead><tr><th scope="col">"Line"</th><th scope="col">"Points"</th><th scope="col">"Why"</th></tr></thead>
                <tbody>
                    {score.lines.iter().map(|l| view! {
                        <tr>
                            <th scope="row">{l.label.clone()}</th>
                            <td class="num">{if l.max > 0 { format!("{} / {}", l.points, l.max) } else { l.points.to_string() }}</td>
                            <td>{l.detail.clone()}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
            <p>
                "Your completion code: "
                <code data-testid="gameday-code">{code}</code>
            </p>
            <p class="panel-note">"Hand it to your instructor. Its checksum catches typing mistakes and casual edits; it is not a signature."</p>
            <h3>"What was wrong"</h3>
            <p data-testid="gameday-cause">
                {format!("The {} was {}. {}", incident.component.replace('_', " "), incident.kind, incident.cause)}
            </p>
            <p>{format!("Recommended fix: {}.", fix.join(", "))}</p>
            <p class="muted">
                {play.with_value(|p| {
                    p.incident.faults.iter().zip(&p.starts)
                        .map(|(f, s)| format!("{} from {}", f.scenario, virtual_time(u64::from(*s) * 1_000_000_000)))
                        .collect::<Vec<_>>().join("; ")
                })}
            </p>
            <h3>"Postmortem"</h3>
            <div class="postmortem-form">
                {field("Impact: who noticed what, for how long", "pm-impact", |n, v| n.impact = v)}
                {field("Root cause, in your words", "pm-root-cause", |n, v| n.root_cause = v)}
                {field("What went well", "pm-went-well", |n, v| n.went_well = v)}
                {field("Action items", "pm-action-items", |n, v| n.action_items = v)}
            </div>
            <div class="gameday-actions">
                <button type="button" class="primary" data-testid="postmortem-download" on:click=download>"Download as Markdown"</button>
                <button type="button" data-testid="postmortem-print" on:click=move |_| { let _ = window().print(); }>"Print"</button>
            </div>
            <p role="status">{move || status.get()}</p>
        </div>
    }
}

/// One pasted entry: a code, and the name after it on its line (a certificate's).
fn entries(text: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        let mut current: Option<usize> = None;
        for token in line
            .split(|c: char| c.is_whitespace() || c == ',')
            .filter(|t| !t.is_empty())
        {
            let upper = token.to_ascii_uppercase();
            if upper.starts_with("GD") || upper.starts_with("CERT") || current.is_none() {
                out.push((token.to_string(), String::new()));
                current = Some(out.len() - 1);
            } else if let Some(i) = current {
                let name = &mut out[i].1;
                if !name.is_empty() {
                    name.push(' ');
                }
                name.push_str(token);
            }
        }
    }
    out
}

/// The instructor's page: completion codes and certificates' codes pasted, read into a table.
#[component]
fn CodesPage() -> impl IntoView {
    let text = RwSignal::new(String::new());
    let rows = Memo::new(move |_| {
        text.with(|t| {
            entries(t)
                .into_iter()
                .map(|(c, name)| {
                    let read = code::decode_any(&c);
                    (c, name, read)
                })
                .collect::<Vec<_>>()
        })
    });
    view! {
        <section class="panel gameday" aria-labelledby="codes-title" data-testid="gameday-codes">
            <h2 id="codes-title">"Completion codes and certificates"</h2>
            <p>
                "Paste your learners' codes (one per line). A game-day code carries its incident, seed, score and "
                "time to mitigate. A series certificate's code (CERT1-…) carries its series, score and date, and "
                "matches only the name printed on it: put the name after the code on its line. Nothing is sent "
                "anywhere. The checksum deters casual edits, not forgery: anyone who reads the lab's source can "
                "make a valid code."
            </p>
            <label for="codes-input">"Codes"</label>
            <textarea id="codes-input" data-testid="codes-input" rows="6" on:input=move |ev| text.set(event_target_value(&ev))></textarea>
            <div class="table-scroll" tabindex="0" role="region" aria-label="The codes read, as a table">
            <table class="gameday-score" data-testid="codes-table">
                <caption class="visually-hidden">"The codes read"</caption>
                <thead><tr>
                    <th scope="col">"Code"</th><th scope="col">"Incident or series"</th><th scope="col">"Seed or name"</th>
                    <th scope="col">"Score"</th><th scope="col">"Mitigated after, or date"</th>
                </tr></thead>
                <tbody>
                    {move || rows.get().into_iter().map(|(c, name, r)| match r {
                        Ok(Code::Gameday(done)) => view! {
                            <tr data-testid="code-ok">
                                <td><code>{c}</code></td>
                                <td>{done.incident.title}</td>
                                <td class="num">{done.seed}</td>
                                <td class="num">{done.score}</td>
                                <td class="num">{done.mitigated_s.map_or("not mitigated".to_string(), |s| format!("{}:{:02}", s / 60, s % 60))}</td>
                            </tr>
                        }.into_any(),
                        Ok(Code::Certificate(cert)) => {
                            let (testid, who) = if name.is_empty() {
                                ("certificate-unnamed", "no name given: put the printed name after the code".to_string())
                            } else if cert.matches(&name) {
                                ("certificate-ok", format!("✓ {name}"))
                            } else {
                                ("certificate-wrong-name", format!("✗ not made for “{name}”"))
                            };
                            view! {
                                <tr data-testid=testid>
                                    <td><code>{c}</code></td>
                                    <td>{format!("Certificate: {}", cert.series.title)}</td>
                                    <td>{who}</td>
                                    <td class="num">{cert.score}</td>
                                    <td class="num">{cert.date()}</td>
                                </tr>
                            }.into_any()
                        }
                        Err(e) => view! {
                            <tr data-testid="code-refused"><td><code>{c}</code></td><td colspan="4">{e}</td></tr>
                        }.into_any(),
                    }).collect_view()}
                </tbody>
            </table>
            </div>
        </section>
    }
}
