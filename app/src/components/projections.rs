//! The projections tab (a run with an event store): for each projection its checkpoint
//! against the log's head, how far behind it is (events, and the age of the next event
//! it applies), whether a rebuild is under way (in place, or beside the live model with
//! `shadow-rebuild`), and a Rebuild button: the operator's `RebuildProjections`, which
//! the run carries out at its virtual time when the command arrives.

use crate::console_state::Console;
use crate::sim::Sim;
use leptos::prelude::*;
use sdl_host::event_store::ProjectionW;
use sdl_host::format::{virtual_time, Quantity};
use sdl_host::protocol::{Command, Operation};

#[component]
pub fn ProjectionsPanel() -> impl IntoView {
    let sim = Sim::expect();
    let console = Console::expect();
    let said = RwSignal::new(String::new());
    let rows = Memo::new(move |_| {
        console
            .event_store
            .with(|s| s.as_ref().map(|s| (s.head, s.projections.clone())))
    });
    let rebuild = move |name: String| {
        sim.send(Command::Operate {
            op: Operation::RebuildProjections {
                projection: Some(name.clone()),
            },
        });
        said.set(format!("Rebuild of {name} asked for."));
        console.refresh(sim, true);
    };

    view! {
        <div class="projections">
            <h3 class="visually-hidden">"Projections"</h3>
            <p class="muted">
                "Each projection applies the log in order from its checkpoint. Rebuild replays it from position 0: \
                 in place (the read model is emptied, and queries read it as it refills), or beside the live \
                 model when the shadow-rebuild mitigation is on."
            </p>
            <p class="visually-hidden" role="status">{move || said.get()}</p>
            {move || {
                rows.with(Option::is_none)
                    .then(|| view! { <p class="muted">"No projections yet."</p> })
            }}
            <ul class="projection-cards" data-testid="projections">
                // Keyed by name: a card (its button, keyboard focus on it) stays while
                // its figures change.
                <For
                    each=move || {
                        rows.with(|r| {
                            r.as_ref()
                                .map(|(_, l)| l.iter().map(|p| p.name.clone()).collect::<Vec<_>>())
                                .unwrap_or_default()
                        })
                    }
                    key=|name| name.clone()
                    children=move |name| {
                        let find = name.clone();
                        let row = Memo::new(move |_| {
                            rows.with(|r| {
                                r.as_ref().and_then(|(head, l)| {
                                    l.iter().find(|p| p.name == find).cloned().map(|p| (*head, p))
                                })
                            })
                        });
                        view! { <Card name=name row=row on_rebuild=rebuild /> }
                    }
                />
            </ul>
        </div>
    }
}

#[component]
fn Card(
    name: String,
    row: Memo<Option<(u64, ProjectionW)>>,
    on_rebuild: impl Fn(String) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let read = move |f: &dyn Fn(u64, &ProjectionW) -> String| {
        row.with(|r| r.as_ref().map(|(head, p)| f(*head, p)).unwrap_or_default())
    };
    let rebuilding = move || row.with(|r| r.as_ref().is_some_and(|(_, p)| p.rebuild.is_some()));
    let done = move || {
        read(&|head, p| {
            let pct = if head == 0 {
                100.0
            } else {
                p.checkpoint as f64 * 100.0 / head as f64
            };
            format!("{pct:.1}%")
        })
    };
    let lag = move || {
        read(&|_, p| {
            format!(
                "{} event{} · {}",
                p.lag_events,
                if p.lag_events == 1 { "" } else { "s" },
                Quantity::Seconds.format(p.lag_seconds),
            )
        })
    };
    let rebuild_text = move || {
        read(&|_, p| match &p.rebuild {
            None => "None under way.".to_string(),
            Some(r) => match r.beside {
                None => format!(
                    "In place since {}, to position {}.",
                    virtual_time(r.started_ns),
                    r.target
                ),
                Some(at) => format!(
                    "Beside the live model since {}: {at} of {} events.",
                    virtual_time(r.started_ns),
                    r.target
                ),
            },
        })
    };
    let (label_name, click_name) = (name.clone(), name.clone());
    view! {
        <li
            class="projection-card"
            data-testid=format!("projection-{name}")
            data-rebuilding=move || rebuilding().to_string()
        >
            <h4>{name.clone()}</h4>
            <div class="projection-bar" aria-hidden="true">
                <span style:width=done></span>
            </div>
            <dl>
                <dt>"Checkpoint"</dt>
                <dd data-testid="projection-checkpoint">
                    {move || read(&|head, p| format!("{} of {head}", p.checkpoint))}
                </dd>
                <dt>"Behind"</dt>
                <dd
                    data-testid="projection-lag"
                    data-events=move || read(&|_, p| p.lag_events.to_string())
                >
                    {lag}
                </dd>
                <dt>"Rebuild"</dt>
                <dd data-testid="projection-rebuild-state">{rebuild_text}</dd>
            </dl>
            <button
                type="button"
                data-testid=format!("projection-rebuild-{name}")
                aria-disabled=move || rebuilding().to_string()
                on:click=move |_| {
                    if !rebuilding() {
                        on_rebuild(click_name.clone());
                    }
                }
            >
                {move || {
                    if rebuilding() {
                        format!("Rebuilding {label_name}…")
                    } else {
                        format!("Rebuild {label_name}")
                    }
                }}
            </button>
        </li>
    }
}
