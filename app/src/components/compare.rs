//! Compare: the run's exact summary, "Keep as baseline", and a table of the current run
//! against the baseline (p50/p95/p99, error rate, throughput, goodput) with the change.
//! The golden charts draw the baseline's lines too (see `chart`).

use crate::sim::{Asker, Readout, Sim};
use crate::url_state::{current_state, Share};
use leptos::prelude::*;
use sdl_host::figures::{delta, Figures};
use sdl_host::format::virtual_time;
use sdl_host::protocol::{Answer, Ask};

/// A kept run: what it ran, its charts and its summary.
#[derive(Debug, Clone, PartialEq)]
pub struct Baseline {
    /// Its lab link query (what it ran).
    pub query: String,
    pub t_ns: u64,
    pub readout: Readout,
    pub figures: Figures,
}

/// The page's baseline, shared through context (the charts read it).
#[derive(Clone, Copy)]
pub struct BaselineStore(pub RwSignal<Option<Baseline>>);

impl BaselineStore {
    pub fn provide() -> BaselineStore {
        let store = BaselineStore(RwSignal::new(None));
        provide_context(store);
        store
    }
}

/// Asks for the exact summary of the run so far (the engine sorts every latency: ask
/// when paused); `then` gets it, or `None` without a run.
fn ask_figures(sim: Sim, asker: Asker, then: impl FnOnce(Option<Figures>) + 'static) {
    asker.ask(sim, Ask::Summary, move |answer| match answer {
        Answer::Summary(f) => then(Some(f)),
        Answer::Stale => {}
        _ => then(None),
    });
}

#[component]
pub fn ComparePanel() -> impl IntoView {
    let sim = Sim::expect();
    let share = Share::expect();
    let baseline = expect_context::<BaselineStore>().0;
    let asker = Asker::new();
    // Asked again when the run stops moving: on pause, reset, or a replay's end.
    let current = RwSignal::new(None::<Figures>);
    Effect::new(move |_| {
        sim.generation.track();
        sim.switches.track();
        let still = !sim.playing.get() && share.replay.get().is_none();
        sim.now_ns.track();
        if still {
            ask_figures(sim, asker, move |f| current.set(f));
        } else if current.with_untracked(Option::is_some) {
            current.set(None);
        }
    });
    let keep = move |_| {
        let keep_with = move |figures: Option<Figures>| {
            if let Some(figures) = figures {
                baseline.set(Some(Baseline {
                    query: current_state(sim, true).to_query(),
                    t_ns: sim.now_ns.get_untracked(),
                    readout: sim.readout.get_untracked(),
                    figures,
                }));
            }
        };
        match current.get_untracked() {
            Some(figures) => keep_with(Some(figures)),
            None => ask_figures(sim, asker, keep_with),
        }
    };
    let table = move || {
        let cur = current.get();
        let base = baseline.with(|b| b.as_ref().map(|b| b.figures));
        let Some(cur) = cur else {
            return view! {
                <p class="panel-note" data-testid="summary-paused-hint">
                    "Pause the run to read its exact summary (every request since the start)."
                </p>
            }
            .into_any();
        };
        let base_rows = base.map(|b| b.rows());
        view! {
            <table class="compare-table" data-testid="compare-table">
                <caption>
                    {if base.is_some() {
                        "This run against the baseline, over every request since each run started"
                    } else {
                        "This run, over every request since it started"
                    }}
                </caption>
                <thead>
                    <tr>
                        <th scope="col">"Measure"</th>
                        <th scope="col">"This run"</th>
                        {base.map(|_| view! {
                            <th scope="col">"Baseline"</th>
                            <th scope="col">"Change"</th>
                        })}
                    </tr>
                </thead>
                <tbody>
                    {cur
                        .rows()
                        .into_iter()
                        .enumerate()
                        .map(|(i, (label, id, q, v, rise_good))| {
                            let b = base_rows.map(|r| r[i].3);
                            view! {
                                <tr>
                                    <th scope="row">{label}</th>
                                    <td data-testid=format!("summary-{id}") data-value=v.to_string()>{q.format(v)}</td>
                                    {b.map(|b| {
                                        let (text, class) = delta(q, v, b, rise_good);
                                        view! {
                                            <td data-testid=format!("baseline-{id}") data-value=b.to_string()>{q.format(b)}</td>
                                            <td class=class data-testid=format!("delta-{id}")>{text}</td>
                                        }
                                    })}
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        }
        .into_any()
    };
    view! {
        <section class="panel compare-panel" aria-labelledby="compare-title" data-testid="compare-panel">
            <h2 id="compare-title">"Compare runs"</h2>
            <p class="panel-note">
                "Keep a run as the baseline, change something (switch a mitigation on, say), reset and "
                "run again: the charts draw the baseline dashed and the table shows the change."
            </p>
            {table}
            <div class="button-row">
                <button type="button" data-testid="keep-baseline" on:click=keep>
                    "Keep as baseline"
                </button>
                <button
                    type="button"
                    data-testid="clear-baseline"
                    disabled=move || baseline.with(Option::is_none)
                    on:click=move |_| baseline.set(None)
                >
                    "Clear baseline"
                </button>
            </div>
            <p class="panel-note" data-testid="baseline-info">
                {move || {
                    baseline
                        .with(|b| {
                            b.as_ref()
                                .map(|b| {
                                    format!("Baseline: {} at {} of virtual time.", b.query, virtual_time(b.t_ns))
                                })
                        })
                        .unwrap_or_else(|| "No baseline kept.".to_string())
                }}
            </p>
        </section>
    }
}
