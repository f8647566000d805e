//! Alerts and SLOs as the run raises them (`engine::alerts`, evaluated inside the engine on
//! the sample grid): each rule with its state, the recent transitions, the availability
//! error budget with its burn rates, and the pending/firing stretches as bands for the
//! charts whose series a rule watches. Asked of the engine at every new sample.

use crate::components::chart::Band;
use crate::components::param_field::ParamField;
use crate::sim::{Asker, Sim};
use engine::alerts::{
    AlertState, Change, ErrorBudget, Slo, Transition, DEFAULT_RULE_NAMES, SLO_PARAMS,
};
use engine::golden::{Signal as GoldenSignal, GOLDEN_SERIES};
use leptos::prelude::*;
use sdl_host::format::{sig, virtual_time, Quantity};
use sdl_host::protocol::{AlertsW, Answer, Ask};

/// Transitions listed on the page, newest first.
const LISTED: usize = 12;

/// One rule as the page shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleView {
    pub name: String,
    pub severity: &'static str,
    pub state: AlertState,
    pub condition: String,
    pub summary: String,
    pub active_since: Option<u64>,
    /// Series the condition reads, to put its bands on the right charts.
    pub metrics: Vec<String>,
}

/// What the run's alerts look like at the latest sample.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AlertsView {
    pub rules: Vec<RuleView>,
    pub history: Vec<Transition>,
    pub budget: Option<ErrorBudget>,
    pub slo: Slo,
}

impl AlertsView {
    /// The view of what the engine sent.
    pub fn of(w: AlertsW) -> AlertsView {
        AlertsView {
            rules: w
                .rules
                .into_iter()
                .map(|r| RuleView {
                    name: r.name,
                    severity: r.severity.as_str(),
                    state: r.state,
                    condition: r.condition,
                    summary: r.summary,
                    active_since: r.active_since,
                    metrics: r.metrics,
                })
                .collect(),
            history: w.history,
            budget: w.budget,
            slo: w.slo,
        }
    }
}

/// The alerts of the page's run, asked for again at every new sample, in parts that
/// change at different paces (the budget every sample; rules and transitions seldom),
/// so each part of the panel redraws only when its own data changed. Provided by the
/// dashboard as context.
#[derive(Clone, Copy)]
pub struct AlertFeed {
    pub rules: Memo<Vec<RuleView>>,
    pub history: Memo<Vec<Transition>>,
    pub budget: Memo<(Option<ErrorBudget>, Slo)>,
}

impl AlertFeed {
    pub fn new(sim: Sim) -> AlertFeed {
        let view = RwSignal::new(AlertsView::default());
        let asker = Asker::new();
        Effect::new(move |_| {
            sim.readout.track();
            sim.generation.track();
            asker.ask(sim, Ask::Alerts, move |answer| {
                let next = match answer {
                    Answer::Alerts(w) => AlertsView::of(w),
                    Answer::Stale => return,
                    _ => AlertsView::default(),
                };
                if view.with_untracked(|v| *v != next) {
                    view.set(next);
                }
            });
        });
        AlertFeed {
            rules: Memo::new(move |_| view.with(|v| v.rules.clone())),
            history: Memo::new(move |_| view.with(|v| v.history.clone())),
            budget: Memo::new(move |_| view.with(|v| (v.budget, v.slo))),
        }
    }

    /// Pending and firing stretches of the rules that read any of `signals`.
    pub fn bands(self, signals: &'static [GoldenSignal]) -> Signal<Vec<Band>> {
        let (rules, history) = (self.rules, self.history);
        Memo::new(move |_| {
            rules.with(|rules| {
                let watched: Vec<&str> = rules
                    .iter()
                    // A rule's series names come from its condition's text.
                    .filter(|r| {
                        r.metrics
                            .iter()
                            .filter_map(|m| GoldenSignal::from_name(m))
                            .any(|s| signals.contains(&s))
                    })
                    .map(|r| r.name.as_str())
                    .collect();
                let mut bands = Vec::new();
                // Open band per rule: (start, class).
                let mut open: Vec<(&str, u64, &'static str)> = Vec::new();
                let mut close = |open: &mut Vec<(&str, u64, &'static str)>, name: &str, t: u64| {
                    if let Some(i) = open.iter().position(|o| o.0 == name) {
                        let (name, from, class) = open.remove(i);
                        bands.push(Band {
                            from_ns: from,
                            to_ns: Some(t),
                            class,
                            label: format!("{name} {class}"),
                        });
                    }
                };
                let history = history.get();
                for tr in history
                    .iter()
                    .filter(|t| watched.contains(&t.alert.as_str()))
                {
                    close(&mut open, &tr.alert, tr.t_ns);
                    match tr.change {
                        Change::Pending => open.push((&tr.alert, tr.t_ns, "pending")),
                        Change::Firing => open.push((&tr.alert, tr.t_ns, "firing")),
                        Change::Resolved | Change::Cleared => {}
                    }
                }
                bands.extend(open.into_iter().map(|(name, from, class)| Band {
                    from_ns: from,
                    to_ns: None,
                    class,
                    label: format!("{name} {class}"),
                }));
                bands
            })
        })
        .into()
    }
}

fn state_text(s: AlertState) -> &'static str {
    match s {
        AlertState::Inactive => "OK",
        AlertState::Pending => "Pending",
        AlertState::Firing => "Firing",
    }
}

/// The objectives and the learner's own rules: both apply live, over the history the
/// run holds, and travel in the link and the configuration file.
#[component]
fn RuleEditor() -> impl IntoView {
    let sim = Sim::expect();
    let text = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let status = RwSignal::new(String::new());
    let add = move || {
        let raw = text.get_untracked();
        match sim.add_rule(&raw) {
            Ok(name) => {
                error.set(None);
                text.set(String::new());
                status.set(format!("Rule {name} added: it is checked at every sample."));
            }
            Err(message) => {
                status.set(String::new());
                error.set(Some(message));
            }
        }
    };
    let slo_fields = move || {
        sim.replaced.track();
        SLO_PARAMS
            .iter()
            .map(|spec| {
                let key = format!("slo.{}", spec.name);
                view! {
                    <ParamField
                        spec=spec
                        key=key.clone()
                        testid=format!("slo-{}", spec.name)
                        error_testid=format!("slo-error-{}", spec.name)
                        initial=sim.slo_value(spec)
                        on_commit=Callback::new(move |raw: String| sim.apply_slo(spec.name, &raw))
                    />
                }
            })
            .collect_view()
    };
    let series = GOLDEN_SERIES.join(", ");
    view! {
        <div class="rule-editor" data-testid="rule-editor">
            <h3>"Objectives and your own rules"</h3>
            <div class="slo-fields">{slo_fields}</div>
            <form
                class="rule-form"
                on:submit=move |ev| {
                    ev.prevent_default();
                    add();
                }
            >
                <label for="rule-text">"New rule"</label>
                <div class="rule-input-row">
                    <input
                        id="rule-text"
                        type="text"
                        data-testid="rule-input"
                        spellcheck="false"
                        autocomplete="off"
                        placeholder="SlowP95: latency_p95_s > 0.3 for 30s warning"
                        aria-describedby="rule-hint rule-error"
                        aria-invalid=move || error.with(Option::is_some).to_string()
                        prop:value=move || text.get()
                        on:input=move |ev| text.set(event_target_value(&ev))
                    />
                    <button type="submit" data-testid="rule-add">"Add rule"</button>
                </div>
                <p id="rule-hint" class="hint">
                    "NAME: CONDITION [for DURATION] [warning|critical]. A condition compares a series ("
                    {series}
                    ") or a query such as "
                    <code>"rate(http_requests_total{status=\"500\"}[1m])"</code>
                    " with a number; a rule with the name of one of yours replaces it."
                </p>
                <p id="rule-error" class="field-error" role="alert" data-testid="rule-error">
                    {move || error.get()}
                </p>
                <p class="visually-hidden" aria-live="polite" data-testid="rule-status">
                    {move || status.get()}
                </p>
            </form>
            <Show
                when=move || sim.rules.with(|r| !r.is_empty())
                fallback=|| view! { <p class="muted">"No rules of your own yet."</p> }
            >
                <ul class="own-rules" data-testid="own-rules">
                    {move || {
                        sim.rules
                            .get()
                            .into_iter()
                            .map(|rule| {
                                let name = rule
                                    .split_once(':')
                                    .map_or(rule.clone(), |(n, _)| n.trim().to_string());
                                let label = format!("Remove rule {name}");
                                let removed = name.clone();
                                view! {
                                    <li data-testid=format!("own-rule-{name}")>
                                        <code>{rule}</code>
                                        " "
                                        <button
                                            type="button"
                                            class="link-button"
                                            aria-label=label
                                            on:click=move |_| {
                                                if sim.remove_rule(&removed) {
                                                    status.set(format!("Rule {removed} removed."));
                                                }
                                            }
                                        >
                                            "Remove"
                                        </button>
                                    </li>
                                }
                            })
                            .collect_view()
                    }}
                </ul>
            </Show>
        </div>
    }
}

/// The alerts list, the transitions and the error-budget panel.
#[component]
pub fn AlertsPanel() -> impl IntoView {
    let feed = expect_context::<AlertFeed>();
    let firing = move || {
        feed.rules.with(|rules| {
            rules
                .iter()
                .filter(|r| r.state == AlertState::Firing)
                .count()
        })
    };
    view! {
        <section class="alerts" aria-labelledby="alerts-title">
            <h2 id="alerts-title">
                "Alerts and SLOs "
                <span class="muted" data-testid="alerts-firing-count">
                    {move || match firing() {
                        0 => "(none firing)".to_string(),
                        1 => "(1 firing)".to_string(),
                        n => format!("({n} firing)"),
                    }}
                </span>
            </h2>
            <div class="alerts-grid">
                <div>
                    <h3>"Rules"</h3>
                    <ul class="rules" data-testid="alert-rules">
                        {move || feed.rules.with(|rules| rules.iter().map(|rule| view! {
                            <li
                                class=format!("rule state-{}", state_text(rule.state).to_ascii_lowercase())
                                data-testid=format!("alert-{}", rule.name)
                                data-state=state_text(rule.state).to_ascii_lowercase()
                            >
                                <span class="rule-state">{state_text(rule.state)}</span>
                                " "
                                <strong>{rule.name.clone()}</strong>
                                <span class="muted">
                                    " · " {rule.severity}
                                    {(!DEFAULT_RULE_NAMES.contains(&rule.name.as_str())).then_some(" · yours")}
                                </span>
                                <br />
                                <code>{rule.condition.clone()}</code>
                                <span class="muted">
                                    {rule
                                        .active_since
                                        .map(|t| format!(" · since {}", virtual_time(t)))}
                                </span>
                                <br />
                                <span class="rule-summary">{rule.summary.clone()}</span>
                            </li>
                        }).collect_view())}
                    </ul>
                </div>
                <div>
                    <h3>"Recent transitions"</h3>
                    <Show
                        when=move || feed.history.with(|h| !h.is_empty())
                        fallback=|| view! { <p class="muted">"None yet."</p> }
                    >
                        <ol class="transitions" data-testid="alert-history" reversed>
                            {move || {
                                feed.history.with(|history| {
                                    history
                                        .iter()
                                        .rev()
                                        .take(LISTED)
                                        .map(|t| {
                                            view! {
                                                <li class=format!("change-{}", t.change)>
                                                    {format!(
                                                        "{} · {} {} (value {})",
                                                        virtual_time(t.t_ns),
                                                        t.alert,
                                                        t.change,
                                                        sig(t.value),
                                                    )}
                                                </li>
                                            }
                                        })
                                        .collect_view()
                                })
                            }}
                        </ol>
                    </Show>
                </div>
                <div data-testid="error-budget">
                    <h3>"Error budget"</h3>
                    {move || {
                        feed.budget.with(|(budget, slo)| {
                            let target = format!(
                                "Availability SLO {} of requests without a 5xx; latency SLO p99 ≤ {}.",
                                Quantity::Ratio.format(slo.availability),
                                Quantity::Seconds.format(slo.latency_p99_s),
                            );
                            match budget {
                                None => view! {
                                    <p>{target}</p>
                                    <p class="muted">"No requests answered yet."</p>
                                }
                                    .into_any(),
                                Some(b) => {
                                    let left = b.remaining.clamp(0.0, 1.0) * 100.0;
                                    view! {
                                        <p>{target}</p>
                                        <dl class="budget">
                                            <div>
                                                <dt>"Budget left"</dt>
                                                <dd data-testid="budget-remaining" data-value=b.remaining.to_string()>
                                                    {Quantity::Ratio.format(b.remaining)}
                                                </dd>
                                            </div>
                                            <div>
                                                <dt>"Burn rate 5 min"</dt>
                                                <dd data-testid="burn-5m" data-value=b.burn_rate_5m.to_string()>
                                                    {format!("{}×", sig(b.burn_rate_5m))}
                                                </dd>
                                            </div>
                                            <div>
                                                <dt>"Burn rate 1 h"</dt>
                                                <dd data-testid="burn-1h" data-value=b.burn_rate_1h.to_string()>
                                                    {format!("{}×", sig(b.burn_rate_1h))}
                                                </dd>
                                            </div>
                                        </dl>
                                        <div
                                            class="meter"
                                            role="meter"
                                            aria-label="Error budget left"
                                            aria-valuemin="0"
                                            aria-valuemax="100"
                                            aria-valuenow=format!("{left:.1}")
                                        >
                                            <div
                                                class=if b.remaining < 0.25 { "meter-fill low" } else { "meter-fill" }
                                                style:width=format!("{left:.1}%")
                                            ></div>
                                        </div>
                                        <p class="muted">
                                            "A burn rate of 1× spends the budget exactly over the SLO period; above 1× it runs out early. Over the run so far, "
                                            {Quantity::Ratio.format(b.bad_ratio)}
                                            " of answers were 5xx."
                                        </p>
                                    }
                                        .into_any()
                                }
                            }
                        })
                    }}
                </div>
            </div>
            <RuleEditor />
        </section>
    }
}
