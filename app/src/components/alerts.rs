//! Alerts and SLOs as the run raises them (`engine::alerts`, evaluated inside the engine on
//! the sample grid): each rule with its state, the recent transitions, the availability
//! error budget with its burn rates, and the pending/firing stretches as bands for the
//! charts whose series a rule watches.

use crate::components::chart::Band;
use crate::format::{sig, virtual_time, Quantity};
use crate::sim::Sim;
use engine::alerts::{AlertState, Change, ErrorBudget, Slo, Transition};
use leptos::prelude::*;

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
    pub value: f64,
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

/// The alerts of the page's run, read again at every new sample. Provided by the
/// dashboard as context.
#[derive(Clone, Copy)]
pub struct AlertFeed(pub Memo<AlertsView>);

impl AlertFeed {
    pub fn new(sim: Sim) -> AlertFeed {
        AlertFeed(Memo::new(move |_| {
            sim.readout.track();
            sim.with_lab(|lab| AlertsView {
                rules: lab
                    .alerts()
                    .alerts()
                    .iter()
                    .map(|a| RuleView {
                        name: a.rule.name.clone(),
                        severity: a.rule.severity.as_str(),
                        state: a.state,
                        condition: a.rule.condition.to_string(),
                        summary: a.rule.summary.clone(),
                        value: a.value,
                        active_since: a.active_since,
                        metrics: a
                            .rule
                            .condition
                            .query()
                            .golden_series()
                            .into_iter()
                            .map(str::to_string)
                            .collect(),
                    })
                    .collect(),
                history: lab.alerts().history().cloned().collect(),
                budget: lab.error_budget(),
                slo: lab.config().slo,
            })
            .unwrap_or_default()
        }))
    }

    /// Pending and firing stretches of the rules that read any of `series`.
    pub fn bands(self, series: &'static [&'static str]) -> Signal<Vec<Band>> {
        let feed = self.0;
        Signal::derive(move || {
            feed.with(|v| {
                let watched: Vec<&str> = v
                    .rules
                    .iter()
                    .filter(|r| r.metrics.iter().any(|m| series.contains(&m.as_str())))
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
                for tr in v
                    .history
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
    }
}

fn state_text(s: AlertState) -> &'static str {
    match s {
        AlertState::Inactive => "OK",
        AlertState::Pending => "Pending",
        AlertState::Firing => "Firing",
    }
}

/// The alerts list, the transitions and the error-budget panel.
#[component]
pub fn AlertsPanel() -> impl IntoView {
    let feed = expect_context::<AlertFeed>().0;
    let firing = move || {
        feed.with(|v| {
            v.rules
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
                        {move || feed.with(|v| v.rules.iter().map(|rule| view! {
                            <li
                                class=format!("rule state-{}", state_text(rule.state).to_ascii_lowercase())
                                data-testid=format!("alert-{}", rule.name)
                                data-state=state_text(rule.state).to_ascii_lowercase()
                            >
                                <span class="rule-state">{state_text(rule.state)}</span>
                                " "
                                <strong>{rule.name.clone()}</strong>
                                <span class="muted">" · " {rule.severity}</span>
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
                        when=move || feed.with(|v| !v.history.is_empty())
                        fallback=|| view! { <p class="muted">"None yet."</p> }
                    >
                        <ol class="transitions" data-testid="alert-history" reversed>
                            {move || {
                                feed.with(|v| {
                                    v.history
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
                        feed.with(|v| {
                            let target = format!(
                                "Availability SLO {} of requests without a 5xx; latency SLO p99 ≤ {}.",
                                Quantity::Ratio.format(v.slo.availability),
                                Quantity::Seconds.format(v.slo.latency_p99_s),
                            );
                            match v.budget {
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
        </section>
    }
}
