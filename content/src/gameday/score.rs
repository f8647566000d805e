//! A game day's score, from the run and what the learner did, explained line by line.
//!
//! Out of 100:
//! - **Acknowledge** (10): full within 2 min of the first alert firing, nothing after
//!   10 min.
//! - **Diagnose** (30): a correct diagnosis within 10 min of the first fault is worth
//!   30, within 30 min 15; each wrong diagnosis before it costs 10 (a wrong one gets no
//!   answer, as on a real call).
//! - **Mitigate** (40): the incident counts as mitigated at the first sample from which
//!   its recovery conditions (the SLO, unless the incident names others) hold for
//!   `HOLD_S` without a break, after the learner's first change. Within 15 min of the
//!   first fault 40, within 45 min 20, never 0.
//! - **Error budget** (10): the share of the availability budget left at the end.
//! - **Changes that made it worse**: 5 each. A change made it worse when the minute
//!   after it is worse than the minute before it by more than a fifth (p99 against the
//!   latency objective, errors against 1 %).
//! - **Hints**: 5 each.

use super::{Act, Play, Timeline};
use engine::query::Condition;
use engine::time::{Nanos, NS_PER_SEC};
use engine::{Golden, Lab};

/// How long the recovery conditions must hold for the incident to count as mitigated.
pub const HOLD_S: u64 = 60;

/// One line of the score.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub label: &'static str,
    pub points: i32,
    pub max: i32,
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Score {
    /// 0 to 100.
    pub total: u32,
    pub lines: Vec<Line>,
    /// When the first alert fired, the learner acknowledged, diagnosed right, and the
    /// incident was mitigated (virtual time).
    pub first_alert_ns: Option<Nanos>,
    pub acked_ns: Option<Nanos>,
    pub diagnosed_ns: Option<Nanos>,
    pub mitigated_ns: Option<Nanos>,
    pub wrong_diagnoses: u32,
    pub worse_changes: u32,
    pub hints: u32,
}

/// Points for a time: `full` within `fast`, falling linearly to `late_points` at
/// `slow`, nothing after (or never).
fn timed(
    t: Option<Nanos>,
    from: Nanos,
    fast_s: u64,
    slow_s: u64,
    full: i32,
    late_points: i32,
) -> i32 {
    let Some(t) = t else { return 0 };
    let took = t.saturating_sub(from) / NS_PER_SEC;
    if took <= fast_s {
        full
    } else if took <= slow_s {
        let f = (took - fast_s) as f64 / (slow_s - fast_s) as f64;
        (f64::from(full) - f * f64::from(full - late_points)).round() as i32
    } else {
        0
    }
}

fn mm_ss(ns: Nanos) -> String {
    let s = ns / NS_PER_SEC;
    format!("{}:{:02}", s / 60, s % 60)
}

/// The conditions that say the incident is mitigated.
pub fn recovery_conditions(play: &Play, lab: &Lab) -> Vec<Condition> {
    let slo = lab.config().slo;
    let default = [
        format!("latency_p99_s < {}", slo.latency_p99_s),
        "error_rate < 0.01".to_string(),
    ];
    let texts: Vec<String> = if play.incident.recovered.is_empty() {
        default.to_vec()
    } else {
        play.incident
            .recovered
            .iter()
            .map(|s| s.to_string())
            .collect()
    };
    texts
        .iter()
        .filter_map(|t| Condition::parse(t).ok())
        .collect()
}

/// The first sample at or after `from` from which every condition holds for `HOLD_S`
/// (the run must have reached the end of that window).
pub fn mitigated_at(lab: &Lab, conditions: &[Condition], from: Nanos) -> Option<Nanos> {
    let times: Vec<Nanos> = lab
        .golden_history()
        .times()
        .filter(|&t| t >= from)
        .collect();
    let hold = HOLD_S * NS_PER_SEC;
    let mut start: Option<Nanos> = None;
    for t in times {
        let ok = conditions.iter().all(|c| c.holds_at(lab, t) == Some(true));
        match (ok, start) {
            (true, None) => start = Some(t),
            (true, Some(s)) if t >= s + hold => return Some(s),
            (false, _) => start = None,
            _ => {}
        }
    }
    None
}

/// How bad a sample is against the SLO: the larger of p99 over its objective and the
/// error rate over 1 % (1 = at the line).
fn badness(g: &Golden, latency_objective_s: f64) -> f64 {
    (g.latency_p99_s / latency_objective_s.max(1e-9)).max(g.error_rate / 0.01)
}

/// Whether a change at `t` made things worse: the minute after it is worse than the
/// minute before by more than a fifth, and over the line.
fn made_worse(lab: &Lab, t: Nanos) -> bool {
    let h = lab.golden_history();
    let objective = lab.config().slo.latency_p99_s;
    let minute = 60 * NS_PER_SEC;
    let mean = |from: Nanos, to: Nanos| {
        let v: Vec<f64> = h
            .window(from, to)
            .map(|g| badness(&g, objective))
            .filter(|b| b.is_finite())
            .collect();
        (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
    };
    match (mean(t.saturating_sub(minute), t), mean(t + 1, t + minute)) {
        (Some(before), Some(after)) => after > 1.0 && after > before * 1.2,
        _ => false,
    }
}

/// Scores a play: `lab` is the play's run (as far as it went), `timeline` what the
/// learner did in it.
pub fn score(play: &Play, lab: &Lab, timeline: &Timeline) -> Score {
    let first_fault = play.first_fault_ns();
    let first_alert_ns = lab
        .alerts()
        .history()
        .find(|t| t.change == engine::alerts::Change::Firing && t.t_ns >= first_fault)
        .map(|t| t.t_ns);
    let acked_ns = timeline
        .acts
        .iter()
        .find(|(_, a)| *a == Act::Ack)
        .map(|(t, _)| *t);
    let mut wrong_diagnoses = 0;
    let mut diagnosed_ns = None;
    for (t, a) in &timeline.acts {
        if let Act::Diagnose { component, kind } = a {
            if play.incident.is_cause(component, kind) {
                diagnosed_ns = Some(*t);
                break;
            }
            wrong_diagnoses += 1;
        }
    }
    let changes: Vec<Nanos> = timeline
        .acts
        .iter()
        .filter(|(_, a)| matches!(a, Act::Change { .. }))
        .map(|(t, _)| *t)
        .collect();
    let hints = timeline
        .acts
        .iter()
        .filter(|(_, a)| *a == Act::Hint)
        .count() as u32;
    let worse_changes = changes.iter().filter(|&&t| made_worse(lab, t)).count() as u32;
    let conditions = recovery_conditions(play, lab);
    let mitigated_ns = changes
        .first()
        .and_then(|&t| mitigated_at(lab, &conditions, t));

    let mut lines = Vec::new();
    let ack_from = first_alert_ns.unwrap_or(first_fault);
    let ack = timed(acked_ns, ack_from, 120, 600, 10, 0);
    lines.push(Line {
        label: "Acknowledge",
        points: ack,
        max: 10,
        detail: match acked_ns {
            Some(t) => format!(
                "acknowledged {} after {} (full marks within 2:00, none after 10:00)",
                mm_ss(t.saturating_sub(ack_from)),
                if first_alert_ns.is_some() {
                    "the first alert fired"
                } else {
                    "the fault began (no alert fired)"
                }
            ),
            None => "never acknowledged".into(),
        },
    });
    let diagnosis =
        (timed(diagnosed_ns, first_fault, 600, 1800, 30, 15) - 10 * wrong_diagnoses as i32).max(0);
    lines.push(Line {
        label: "Diagnose",
        points: diagnosis,
        max: 30,
        detail: match diagnosed_ns {
            Some(t) => format!(
                "the right cause {} after the fault began, after {wrong_diagnoses} wrong diagnosis(es) at 10 points each",
                mm_ss(t.saturating_sub(first_fault))
            ),
            None => format!("no correct diagnosis; {wrong_diagnoses} wrong"),
        },
    });
    let mitigation = timed(mitigated_ns, first_fault, 900, 2700, 40, 20);
    lines.push(Line {
        label: "Mitigate",
        points: mitigation,
        max: 40,
        detail: match mitigated_ns {
            Some(t) => format!(
                "recovered {} after the fault began and held for {HOLD_S} s (full marks within 15:00)",
                mm_ss(t.saturating_sub(first_fault))
            ),
            None => format!("not recovered and held for {HOLD_S} s"),
        },
    });
    let budget = lab
        .error_budget()
        .map_or(1.0, |b| b.remaining.clamp(0.0, 1.0));
    let budget_points = (budget * 10.0).round() as i32;
    lines.push(Line {
        label: "Error budget",
        points: budget_points,
        max: 10,
        detail: format!("{:.0} % of the availability budget left", budget * 100.0),
    });
    lines.push(Line {
        label: "Changes that made it worse",
        points: -5 * worse_changes as i32,
        max: 0,
        detail: format!("{worse_changes} of {} change(s)", changes.len()),
    });
    lines.push(Line {
        label: "Hints",
        points: -5 * hints as i32,
        max: 0,
        detail: format!("{hints} used"),
    });
    let total = lines.iter().map(|l| l.points).sum::<i32>().clamp(0, 100) as u32;
    Score {
        total,
        lines,
        first_alert_ns,
        acked_ns,
        diagnosed_ns,
        mitigated_ns,
        wrong_diagnoses,
        worse_changes,
        hints,
    }
}
