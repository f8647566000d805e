//! Alerts and SLOs, the way Prometheus and an SRE team use them: rules (a `Condition` from
//! `engine::query`, a `for` duration, a severity, a summary) evaluated by the `Lab` at every
//! metrics sample, so the same run always raises the same alerts at the same virtual
//! times. A rule whose condition holds goes pending; if it still holds `for` later it fires;
//! when it stops holding it resolves (or, if it never fired, goes back to inactive). Each
//! change is a `Transition` kept in a bounded history.
//!
//! `Slo` holds the service-level objectives (availability and p99 latency, settable as
//! `slo.availability_pct` and `slo.latency_ms` on a `LabConfig`); `default_rules` turns
//! them into the default rule set, and `ErrorBudget` reads the availability budget left and
//! its burn rate over 5 min and 1 h windows.

use crate::error::LabError;
use crate::params::ParamSpec;
use crate::query::{Condition, Query, Run};
use crate::time::{Nanos, NS_PER_SEC};
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::fmt;

/// Transitions kept per run; older ones are dropped first.
pub const HISTORY_CAP: usize = 256;
/// Rules of their own a learner may add to a run, beside the defaults.
pub const MAX_CUSTOM_RULES: usize = 20;
/// The longest `for` a rule may wait before it fires (one virtual day).
pub const MAX_FOR_NS: Nanos = 86_400 * NS_PER_SEC;
/// The longest rule name.
const MAX_NAME_LEN: usize = 64;

/// The SLO parameters, set as `slo.<name>` (e.g. `slo.latency_ms=300`).
pub const SLO_PARAMS: &[ParamSpec] = &[
    ParamSpec::float(
        "availability_pct",
        "%",
        99.9,
        50.0,
        99.9999,
        "Share of requests that must not fail with a 5xx (the availability SLO).",
    ),
    ParamSpec::float(
        "latency_ms",
        "ms",
        250.0,
        0.1,
        600_000.0,
        "The p99 latency the service promises; the latency alert fires above it.",
    ),
];

/// Service-level objectives of a run.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Slo {
    /// Target share of requests answered without a 5xx, e.g. 0.999.
    pub availability: f64,
    /// p99 latency objective in seconds.
    pub latency_p99_s: f64,
}

impl Default for Slo {
    fn default() -> Self {
        Slo {
            availability: 0.999,
            latency_p99_s: 0.25,
        }
    }
}

impl Slo {
    /// Sets `slo.<name>` from text, validated against `SLO_PARAMS`.
    pub fn set(&mut self, name: &str, raw: &str) -> Result<(), LabError> {
        let key = format!("slo.{name}");
        let spec =
            SLO_PARAMS
                .iter()
                .find(|s| s.name == name)
                .ok_or_else(|| LabError::UnknownParam {
                    key: key.clone(),
                    allowed: SLO_PARAMS
                        .iter()
                        .map(|s| format!("slo.{}", s.name))
                        .collect(),
                })?;
        let v = spec.parse_as(&key, raw)?.as_f64();
        match name {
            "availability_pct" => self.availability = v / 100.0,
            _ => self.latency_p99_s = v / 1000.0,
        }
        Ok(())
    }
}

/// How urgent an alert is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Warning,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        }
    }
}

/// An alerting rule: `condition` held for at least `for_ns` fires the alert.
#[derive(Debug, Clone)]
pub struct Rule {
    pub name: String,
    pub condition: Condition,
    pub for_ns: Nanos,
    pub severity: Severity,
    pub summary: String,
}

impl Rule {
    /// A rule from the text of its condition (`latency_p99_s > 0.25`); a condition that
    /// does not parse is reported with its position.
    pub fn new(
        name: &str,
        condition: &str,
        for_ns: Nanos,
        severity: Severity,
        summary: &str,
    ) -> Result<Rule, String> {
        let condition =
            Condition::parse(condition).map_err(|e| format!("alert rule `{name}`: {e}"))?;
        Ok(Rule {
            name: name.to_string(),
            condition,
            for_ns,
            severity,
            summary: summary.to_string(),
        })
    }

    /// Reads a rule written as one line, Prometheus-style:
    /// `NAME: CONDITION [for DURATION] [warning|critical]`, e.g.
    /// `SlowOrders: histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[1m]))) > 0.5 for 1m critical`.
    /// The condition's metrics must exist in the catalogue; `for` defaults to 0 (fire at
    /// once) and the severity to warning. Every refusal names what is wrong.
    pub fn parse(text: &str) -> Result<Rule, String> {
        let text = text.trim();
        let Some((name, rest)) = text.split_once(':') else {
            return Err(format!(
                "alert rule `{text}`: expected `NAME: CONDITION [for DURATION] [warning|critical]`, e.g. `SlowP99: latency_p99_s > 0.5 for 30s`"
            ));
        };
        let name = name.trim();
        check_rule_name(name)?;
        let mut body = rest.trim();
        let mut severity = Severity::Warning;
        for s in [Severity::Warning, Severity::Critical] {
            if let Some(head) = body.strip_suffix(s.as_str()) {
                if head.ends_with(char::is_whitespace) {
                    severity = s;
                    body = head.trim_end();
                }
            }
        }
        let mut for_ns = 0;
        if let Some(at) = body.rfind(" for ") {
            let raw = body[at + 5..].trim();
            for_ns = crate::time::parse_duration(raw)
                .map_err(|e| format!("alert rule `{name}`: {e} (after `for`)"))?;
            if for_ns > MAX_FOR_NS {
                return Err(format!(
                    "alert rule `{name}`: `for {raw}` is too long (allowed: up to 24h)"
                ));
            }
            body = body[..at].trim_end();
        }
        if body.is_empty() {
            return Err(format!(
                "alert rule `{name}`: the condition is missing (e.g. `latency_p99_s > 0.5`)"
            ));
        }
        let condition = Condition::parse(body).map_err(|e| format!("alert rule `{name}`: {e}"))?;
        condition
            .query()
            .validate()
            .map_err(|e| format!("alert rule `{name}`: {e}"))?;
        let summary = if for_ns == 0 {
            format!("{condition}")
        } else {
            format!("{condition} for {}", duration_text(for_ns))
        };
        Ok(Rule {
            name: name.to_string(),
            condition,
            for_ns,
            severity,
            summary,
        })
    }

    /// A rule saved in the lab's query dialect from before PromQL (configuration files of
    /// version 1, old links), rewritten with the PromQL condition that means the same
    /// (`query::legacy`); `None` when its condition does not read as the old dialect.
    pub fn upgrade_legacy(text: &str) -> Option<String> {
        let (name, rest) = text.trim().split_once(':')?;
        let mut body = rest.trim();
        let mut tail = String::new();
        for s in [Severity::Warning, Severity::Critical] {
            if let Some(head) = body.strip_suffix(s.as_str()) {
                if head.ends_with(char::is_whitespace) {
                    tail = format!(" {}", s.as_str());
                    body = head.trim_end();
                }
            }
        }
        if let Some(at) = body.rfind(" for ") {
            tail = format!("{}{tail}", &body[at..]);
            body = body[..at].trim_end();
        }
        let condition = crate::query::legacy::upgrade_condition(body)?;
        Some(format!("{}: {condition}{tail}", name.trim()))
    }

    /// The rule as `Rule::parse` reads it (`NAME: CONDITION for DURATION SEVERITY`).
    pub fn to_text(&self) -> String {
        let mut out = format!("{}: {}", self.name, self.condition);
        if self.for_ns > 0 {
            out.push_str(" for ");
            out.push_str(&duration_text(self.for_ns));
        }
        if self.severity != Severity::Warning {
            out.push(' ');
            out.push_str(self.severity.as_str());
        }
        out
    }
}

/// A duration as `parse_duration` reads it back exactly (`2h`, `5m`, `30s`, `1.5s`).
fn duration_text(ns: Nanos) -> String {
    const MIN: Nanos = 60 * NS_PER_SEC;
    if ns > 0 && ns % (60 * MIN) == 0 {
        format!("{}h", ns / (60 * MIN))
    } else if ns > 0 && ns % MIN == 0 {
        format!("{}m", ns / MIN)
    } else {
        format!("{}s", crate::time::format_seconds(ns))
    }
}

/// A rule name is a Prometheus alert name: a letter, then letters, digits and `_`.
fn check_rule_name(name: &str) -> Result<(), String> {
    let ok = name.len() <= MAX_NAME_LEN
        && name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "alert rule name `{name}` is not allowed (allowed: a letter, then letters, digits or `_`, up to {MAX_NAME_LEN} characters)"
        ))
    }
}

/// Names of the default rules, which a learner's rule may not reuse.
pub const DEFAULT_RULE_NAMES: [&str; 3] = ["LatencySLOBreach", "HighErrorRate", "Saturation"];

/// The default rules for `slo`: p99 over the latency objective, more than 1 % errors,
/// utilisation over 90 %.
pub fn default_rules(slo: &Slo) -> Vec<Rule> {
    let [latency, errors, saturation] = DEFAULT_RULE_NAMES;
    let specs = [
        (
            latency,
            format!("latency_p99_s > {}", slo.latency_p99_s),
            30 * NS_PER_SEC,
            Severity::Warning,
            format!(
                "p99 latency has been above the {} ms objective for 30 s",
                slo.latency_p99_s * 1000.0
            ),
        ),
        (
            errors,
            "error_rate > 0.01".to_string(),
            30 * NS_PER_SEC,
            Severity::Critical,
            "More than 1 % of requests have been failing for 30 s".to_string(),
        ),
        (
            saturation,
            "utilization > 0.9".to_string(),
            60 * NS_PER_SEC,
            Severity::Warning,
            "Workers have been more than 90 % busy for 1 min".to_string(),
        ),
    ];
    specs
        .into_iter()
        .filter_map(|(name, cond, for_ns, severity, summary)| {
            // The conditions are fixed text over golden series: they always parse.
            Rule::new(name, &cond, for_ns, severity, &summary).ok()
        })
        .collect()
}

/// Where an alert stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertState {
    Inactive,
    Pending,
    Firing,
}

/// What an alert did at a sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    /// The condition started to hold.
    Pending,
    /// It held for the rule's `for` duration.
    Firing,
    /// A firing alert's condition stopped holding.
    Resolved,
    /// A pending alert's condition stopped holding before it fired.
    Cleared,
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Change::Pending => "pending",
            Change::Firing => "firing",
            Change::Resolved => "resolved",
            Change::Cleared => "cleared",
        })
    }
}

/// One change of one alert, at a sample time, with the value that caused it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Transition {
    pub t_ns: Nanos,
    pub alert: String,
    pub severity: Severity,
    pub change: Change,
    /// The condition's expression at `t_ns` (NaN without data).
    pub value: f64,
}

/// A rule and where it stands.
#[derive(Debug, Clone)]
pub struct Alert {
    pub rule: Rule,
    pub state: AlertState,
    /// When the condition started to hold (pending and firing).
    pub active_since: Option<Nanos>,
    /// When it fired (firing only).
    pub firing_since: Option<Nanos>,
    /// The expression's value at the last evaluation.
    pub value: f64,
}

/// The alerts of a run: rules, their states and a bounded history of transitions.
#[derive(Debug, Clone, Default)]
pub struct Alerts {
    alerts: Vec<Alert>,
    history: VecDeque<Transition>,
    dropped: u64,
}

impl Alerts {
    pub fn new(rules: Vec<Rule>) -> Alerts {
        Alerts {
            alerts: rules
                .into_iter()
                .map(|rule| Alert {
                    rule,
                    state: AlertState::Inactive,
                    active_since: None,
                    firing_since: None,
                    value: f64::NAN,
                })
                .collect(),
            history: VecDeque::new(),
            dropped: 0,
        }
    }

    /// Evaluates every rule at the run's latest sample, taken at `t`.
    pub fn evaluate(&mut self, run: &impl Run, t: Nanos) {
        let run = &run.view();
        for a in &mut self.alerts {
            let (holds, value) = a.rule.condition.judge_at(run, t);
            a.value = value;
            let holds = holds.unwrap_or(false);
            let change = match (a.state, holds) {
                (AlertState::Inactive, true) => {
                    a.active_since = Some(t);
                    if a.rule.for_ns == 0 {
                        a.state = AlertState::Firing;
                        a.firing_since = Some(t);
                        Some(Change::Firing)
                    } else {
                        a.state = AlertState::Pending;
                        Some(Change::Pending)
                    }
                }
                (AlertState::Pending, true) => {
                    let since = a.active_since.unwrap_or(t);
                    if t.saturating_sub(since) >= a.rule.for_ns {
                        a.state = AlertState::Firing;
                        a.firing_since = Some(t);
                        Some(Change::Firing)
                    } else {
                        None
                    }
                }
                (AlertState::Pending, false) => {
                    a.state = AlertState::Inactive;
                    a.active_since = None;
                    Some(Change::Cleared)
                }
                (AlertState::Firing, false) => {
                    a.state = AlertState::Inactive;
                    a.active_since = None;
                    a.firing_since = None;
                    Some(Change::Resolved)
                }
                (AlertState::Inactive, false) | (AlertState::Firing, true) => None,
            };
            if let Some(change) = change {
                if self.history.len() == HISTORY_CAP {
                    self.history.pop_front();
                    self.dropped += 1;
                }
                self.history.push_back(Transition {
                    t_ns: t,
                    alert: a.rule.name.clone(),
                    severity: a.rule.severity,
                    change,
                    value: a.value,
                });
            }
        }
    }

    /// The rules and their current states, in rule order.
    pub fn alerts(&self) -> &[Alert] {
        &self.alerts
    }

    /// Transitions, oldest first (at most `HISTORY_CAP`).
    pub fn history(&self) -> impl DoubleEndedIterator<Item = &Transition> + '_ {
        self.history.iter()
    }

    /// Transitions dropped from the front of the history.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    pub fn firing(&self) -> impl Iterator<Item = &Alert> + '_ {
        self.alerts.iter().filter(|a| a.state == AlertState::Firing)
    }
}

/// The availability error budget: how much of it is left over the run so far, and how
/// fast it burns over the last 5 min and 1 h (1 = exactly on budget; above 1 the budget
/// runs out before the SLO period ends).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ErrorBudget {
    /// The availability objective, e.g. 0.999.
    pub target: f64,
    /// Share of answered requests that failed with a 5xx over the run.
    pub bad_ratio: f64,
    /// 1 − bad_ratio / (1 − target): 1 untouched, 0 spent, negative overspent.
    pub remaining: f64,
    pub burn_rate_5m: f64,
    pub burn_rate_1h: f64,
}

/// 5xx answers over `window`, as a share of all answers (NaN without any). No 5xx
/// series at all is a share of 0 (`or vector(0)`), not no data.
fn bad_ratio_query(window: &str) -> String {
    if window.is_empty() {
        r#"(sum(http_requests_total{status=~"5.."}) or vector(0)) / sum(http_requests_total)"#
            .to_string()
    } else {
        format!(
            r#"(sum(increase(http_requests_total{{status=~"5.."}}[{window}])) or vector(0)) / sum(increase(http_requests_total[{window}]))"#
        )
    }
}

impl ErrorBudget {
    /// Reads the budget from the run's metrics at its latest sample; `None` before any
    /// request was answered.
    pub fn of(run: &impl Run, slo: &Slo) -> Option<ErrorBudget> {
        let run = &run.view();
        let eval = |window: &str| {
            Query::parse(&bad_ratio_query(window))
                .map(|q| q.eval(run))
                .unwrap_or(f64::NAN)
        };
        let allowed = (1.0 - slo.availability).max(1e-12);
        let bad_ratio = eval("");
        if !bad_ratio.is_finite() {
            return None;
        }
        let burn = |r: f64| if r.is_finite() { r / allowed } else { 0.0 };
        Some(ErrorBudget {
            target: slo.availability,
            bad_ratio,
            remaining: 1.0 - bad_ratio / allowed,
            burn_rate_5m: burn(eval("5m")),
            burn_rate_1h: burn(eval("1h")),
        })
    }
}

// On the wire between the page and the engine's worker (`codec`).
crate::codec_enum!(Severity { Warning, Critical });
crate::codec_struct!(Slo {
    availability,
    latency_p99_s
});
crate::codec_struct!(Transition {
    t_ns,
    alert,
    severity,
    change,
    value
});
crate::codec_struct!(ErrorBudget {
    target,
    bad_ratio,
    remaining,
    burn_rate_5m,
    burn_rate_1h
});
crate::codec_enum!(AlertState {
    Inactive,
    Pending,
    Firing
});
crate::codec_enum!(Change {
    Pending,
    Firing,
    Resolved,
    Cleared
});
#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::{Lab, LabConfig};

    fn lab_with(scenario: Option<&str>) -> Lab {
        let mut cfg = LabConfig::new("web");
        if let Some(id) = scenario {
            cfg.enable(id).unwrap();
        }
        Lab::new(&cfg).unwrap()
    }

    fn changes(lab: &Lab, alert: &str) -> Vec<(Nanos, Change)> {
        lab.alerts()
            .history()
            .filter(|t| t.alert == alert)
            .map(|t| (t.t_ns, t.change))
            .collect()
    }

    /// A rule on p99 and a 250 ms fixed latency to switch on and off under it.
    fn slow_rule(for_ns: Nanos) -> Rule {
        Rule::new(
            "Slow",
            "latency_p99_s > 0.2",
            for_ns,
            Severity::Warning,
            "p99 over 200 ms",
        )
        .unwrap()
    }

    fn set_slow(lab: &mut Lab, on: bool) {
        lab.set_enabled("fixed-latency", on).unwrap();
        if on {
            lab.set_param("fixed-latency.delay_ms", "250").unwrap();
        }
    }

    #[test]
    fn a_rule_goes_pending_then_fires_after_for_then_resolves() {
        let mut lab = lab_with(None);
        lab.set_alert_rules(vec![slow_rule(10 * NS_PER_SEC)]);
        lab.advance(20 * NS_PER_SEC);
        assert!(changes(&lab, "Slow").is_empty(), "quiet before the fault");
        set_slow(&mut lab, true);
        lab.advance(30 * NS_PER_SEC);
        let seen = changes(&lab, "Slow");
        assert_eq!(seen.len(), 2, "{seen:?}");
        let (pending_at, c) = seen[0];
        assert_eq!(c, Change::Pending);
        assert!(pending_at > 20 * NS_PER_SEC);
        assert_eq!(seen[1], (pending_at + 10 * NS_PER_SEC, Change::Firing));
        assert_eq!(lab.alerts().alerts()[0].state, AlertState::Firing);
        assert_eq!(lab.alerts().firing().count(), 1);

        set_slow(&mut lab, false);
        lab.advance(30 * NS_PER_SEC);
        let seen = changes(&lab, "Slow");
        assert_eq!(seen.len(), 3, "{seen:?}");
        assert_eq!(seen[2].1, Change::Resolved);
        assert_eq!(seen[2].0 % NS_PER_SEC, 0, "on the sample grid");
        assert!(seen[2].0 > 50 * NS_PER_SEC);
        assert_eq!(lab.alerts().alerts()[0].state, AlertState::Inactive);
    }

    #[test]
    fn a_condition_that_stops_before_for_clears_without_firing() {
        let mut lab = lab_with(None);
        lab.set_alert_rules(vec![slow_rule(3600 * NS_PER_SEC)]);
        set_slow(&mut lab, true);
        lab.advance(20 * NS_PER_SEC);
        set_slow(&mut lab, false);
        lab.advance(30 * NS_PER_SEC);
        let seen: Vec<Change> = changes(&lab, "Slow").into_iter().map(|c| c.1).collect();
        assert_eq!(seen, vec![Change::Pending, Change::Cleared]);
    }

    /// Every transition to firing so far.
    fn firings(lab: &Lab) -> Vec<&Transition> {
        lab.alerts()
            .history()
            .filter(|t| t.change == Change::Firing)
            .collect()
    }

    #[test]
    fn default_rules_stay_quiet_at_baseline() {
        let mut lab = lab_with(None);
        lab.advance(180 * NS_PER_SEC);
        let fired = firings(&lab);
        assert!(fired.is_empty(), "{fired:?}");
        let budget = ErrorBudget::of(&lab, &Slo::default()).expect("requests answered");
        assert!(budget.remaining > 0.5, "{budget:?}");
    }

    /// The retry-storm scenario's own setting: a service near capacity with deep queues
    /// and a 1 s client timeout, where a short slowdown turns into a lasting collapse.
    fn storm_lab(on: bool) -> Lab {
        let mut cfg = LabConfig::new("web");
        for (k, v) in [
            ("arrival_rate_rps", "600"),
            ("instances", "2"),
            ("workers", "8"),
            ("queue_capacity", "0"),
            ("client_timeout_ms", "1000"),
            ("cache_enabled", "false"),
        ] {
            cfg.set(k, v).unwrap();
        }
        if on {
            cfg.enable("retry-storm").unwrap();
        }
        Lab::new(&cfg).unwrap()
    }

    #[test]
    fn default_rules_stay_quiet_near_capacity_without_the_storm() {
        let mut lab = storm_lab(false);
        lab.advance(120 * NS_PER_SEC);
        let fired = firings(&lab);
        assert!(fired.is_empty(), "{fired:?}");
    }

    #[test]
    fn default_rules_fire_under_a_retry_storm() {
        let mut lab = storm_lab(true);
        lab.advance(120 * NS_PER_SEC);
        let fired: Vec<&str> = lab
            .alerts()
            .history()
            .filter(|t| t.change == Change::Firing)
            .map(|t| t.alert.as_str())
            .collect();
        assert!(fired.contains(&"LatencySLOBreach"), "{fired:?}");
        assert!(fired.contains(&"Saturation"), "{fired:?}");
    }

    #[test]
    fn error_bursts_fire_the_error_rate_alert_and_burn_the_budget() {
        // One long burst a minute: the error rate stays over 1 % for longer than `for`.
        let mut cfg = LabConfig::new("web");
        cfg.enable("error-burst").unwrap();
        cfg.set("error-burst.burst_s", "45").unwrap();
        cfg.set("error-burst.every_s", "60").unwrap();
        let mut lab = Lab::new(&cfg).unwrap();
        lab.advance(180 * NS_PER_SEC);
        let fired: Vec<&str> = lab
            .alerts()
            .history()
            .filter(|t| t.change == Change::Firing)
            .map(|t| t.alert.as_str())
            .collect();
        assert!(fired.contains(&"HighErrorRate"), "{fired:?}");
        let budget = lab.error_budget().unwrap();
        assert!(budget.bad_ratio > 0.001, "{budget:?}");
        assert!(budget.remaining < 0.0, "overspent: {budget:?}");
        assert!(budget.burn_rate_5m > 1.0, "{budget:?}");
        assert!(budget.burn_rate_1h > 1.0, "{budget:?}");
    }

    #[test]
    fn same_seed_same_transitions() {
        let run = || {
            let mut lab = storm_lab(true);
            lab.advance(90 * NS_PER_SEC);
            lab.alerts().history().cloned().collect::<Vec<_>>()
        };
        let (a, b) = (run(), run());
        assert_eq!(format!("{a:?}"), format!("{b:?}"));
    }

    #[test]
    fn slo_settings_are_validated() {
        let mut cfg = LabConfig::new("web");
        cfg.set("slo.latency_ms", "400").unwrap();
        assert_eq!(cfg.slo.latency_p99_s, 0.4);
        cfg.set("slo.availability_pct", "99.5").unwrap();
        assert!((cfg.slo.availability - 0.995).abs() < 1e-12);
        let e = cfg
            .set("slo.availability_pct", "100")
            .unwrap_err()
            .to_string();
        assert!(e.contains("slo.availability_pct"), "{e}");
        let e = cfg.set("slo.nope", "1").unwrap_err().to_string();
        assert!(e.contains("slo.latency_ms"), "{e}");
        let lab = Lab::new(&cfg).unwrap();
        let rule = &lab.alerts().alerts()[0].rule;
        assert_eq!(rule.condition.to_string(), "latency_p99_s > 0.4");
    }

    #[test]
    fn a_rule_reads_from_one_line_and_writes_back_the_same() {
        let r = Rule::parse(
            "SlowDb: histogram_quantile(0.99, sum by (le) (rate(db_query_duration_seconds_bucket[1m]))) > 0.1 for 90s critical",
        )
        .unwrap();
        assert_eq!(r.name, "SlowDb");
        assert_eq!(r.for_ns, 90 * NS_PER_SEC);
        assert_eq!(r.severity, Severity::Critical);
        assert_eq!(r.condition.threshold(), 0.1);
        let text = r.to_text();
        assert!(text.ends_with("for 90s critical"), "{text}");
        assert_eq!(Rule::parse(&text).unwrap().to_text(), text);

        let plain = Rule::parse("  Busy :utilization>0.5 ").unwrap();
        assert_eq!((plain.for_ns, plain.severity), (0, Severity::Warning));
        assert_eq!(plain.to_text(), "Busy: utilization > 0.5");
        assert_eq!(
            Rule::parse("Slow: latency_p99_s > 1 for 2m")
                .unwrap()
                .to_text(),
            "Slow: latency_p99_s > 1 for 2m"
        );
    }

    #[test]
    fn a_bad_rule_is_refused_with_what_is_wrong() {
        let cases = [
            ("latency_p99_s > 1", "expected `NAME: CONDITION"),
            ("9lives: latency_p99_s > 1", "name `9lives` is not allowed"),
            ("Bad Name: latency_p99_s > 1", "is not allowed"),
            ("X: ", "the condition is missing"),
            ("X: latency_p99_s > 1 for soon", "bad duration `soon`"),
            ("X: latency_p99_s > 1 for 48h", "too long"),
            ("X: nope_total > 1", "unknown metric `nope_total`"),
            ("X: rate(db_pool_in_use[1m]) > 1", "gauge"),
            ("X: latency_p99_s", "alert rule `X`"),
        ];
        for (text, want) in cases {
            let e = Rule::parse(text).unwrap_err();
            assert!(e.contains(want), "{text}: {e}");
        }
    }

    #[test]
    fn a_learners_rule_fires_like_a_default_one() {
        let mut cfg = LabConfig::new("web");
        cfg.add_rule("Slow: latency_p99_s > 0.2 for 10s critical")
            .unwrap();
        let mut lab = Lab::new(&cfg).unwrap();
        lab.advance(20 * NS_PER_SEC);
        set_slow(&mut lab, true);
        lab.advance(30 * NS_PER_SEC);
        let seen = changes(&lab, "Slow");
        assert_eq!(
            seen.iter().map(|c| c.1).collect::<Vec<_>>(),
            [Change::Pending, Change::Firing]
        );
        let fired = firings(&lab);
        assert_eq!(fired[0].severity, Severity::Critical);
        assert_eq!(lab.alerts().alerts().len(), DEFAULT_RULE_NAMES.len() + 1);
    }

    #[test]
    fn a_rule_added_late_shows_what_it_would_have_done_from_the_start() {
        let rule = "Slow: latency_p99_s > 0.2 for 10s";
        let drive = |lab: &mut Lab| {
            lab.advance(20 * NS_PER_SEC);
            set_slow(lab, true);
            lab.advance(30 * NS_PER_SEC);
            set_slow(lab, false);
            lab.advance(30 * NS_PER_SEC);
        };
        let mut from_start = {
            let mut cfg = LabConfig::new("web");
            cfg.add_rule(rule).unwrap();
            Lab::new(&cfg).unwrap()
        };
        drive(&mut from_start);
        let mut late = lab_with(None);
        drive(&mut late);
        assert!(changes(&late, "Slow").is_empty());
        assert_eq!(late.add_rule(rule).unwrap(), "Slow");
        let want = changes(&from_start, "Slow");
        assert_eq!(want.len(), 3, "{want:?}");
        assert_eq!(changes(&late, "Slow"), want);
        assert_eq!(late.config().custom_rules(), [rule]);
        // The next samples go on from the replayed states.
        late.advance(5 * NS_PER_SEC);
        from_start.advance(5 * NS_PER_SEC);
        assert_eq!(changes(&late, "Slow"), changes(&from_start, "Slow"));

        assert!(late.remove_rule("Slow"));
        assert!(!late.remove_rule("Slow"));
        assert!(changes(&late, "Slow").is_empty());
    }

    #[test]
    fn rule_names_are_unique_and_the_defaults_are_kept() {
        let mut cfg = LabConfig::new("web");
        let e = cfg.add_rule("Saturation: utilization > 0.5").unwrap_err();
        assert!(e.to_string().contains("belongs to a default rule"), "{e}");
        cfg.add_rule("Busy: utilization > 0.5").unwrap();
        cfg.add_rule("Busy: utilization > 0.7 for 1m").unwrap();
        assert_eq!(cfg.custom_rules(), ["Busy: utilization > 0.7 for 1m"]);
        for i in 1..MAX_CUSTOM_RULES {
            cfg.add_rule(&format!("R{i}: utilization > 0.5")).unwrap();
        }
        let e = cfg.add_rule("OneTooMany: utilization > 0.5").unwrap_err();
        assert!(e.to_string().contains("at most"), "{e}");
        assert!(cfg.remove_rule("R3"));
        cfg.add_rule("OneTooMany: utilization > 0.5").unwrap();
    }

    #[test]
    fn changing_the_slo_live_moves_the_latency_alert_without_a_new_run() {
        let mut lab = lab_with(None);
        set_slow(&mut lab, true);
        lab.advance(60 * NS_PER_SEC);
        assert_eq!(
            changes(&lab, "LatencySLOBreach").last().map(|c| c.1),
            Some(Change::Firing)
        );
        let events = lab.events();
        lab.set_param("slo.latency_ms", "1000").unwrap();
        assert_eq!(lab.events(), events, "the run goes on");
        assert!(changes(&lab, "LatencySLOBreach").is_empty());
        assert_eq!(
            lab.alerts().alerts()[0].rule.condition.to_string(),
            "latency_p99_s > 1"
        );
        lab.set_param("slo.availability_pct", "99").unwrap();
        assert_eq!(lab.error_budget().unwrap().target, 0.99);
        assert!(lab.set_param("slo.latency_ms", "-1").is_err());
    }

    #[test]
    fn the_history_is_bounded() {
        let mut alerts = Alerts::new(vec![Rule::new(
            "Flip",
            "throughput_rps > 0",
            0,
            Severity::Warning,
            "",
        )
        .unwrap()]);
        let mut lab = lab_with(None);
        lab.advance(5 * NS_PER_SEC);
        for i in 0..(HISTORY_CAP as u64 + 10) {
            // Alternate between a time with data and one before any sample.
            let t = if i % 2 == 0 { 5 * NS_PER_SEC } else { 0 };
            alerts.evaluate(&lab, t);
        }
        assert_eq!(alerts.history().count(), HISTORY_CAP);
        assert!(alerts.dropped() > 0);
    }
}
