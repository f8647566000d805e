//! Game day between the page and the engine: the lab setup of a play (`setup_for`:
//! its faults as switches the page never shows, the red herring's rule, and the
//! switch the herring turns on later, scheduled in the recipe so the engine makes the
//! change at its exact virtual time), and a learner's acts scored on the engine's run
//! (`score`), with the completion code.

use crate::protocol::{GamedayAct, LineW, ScoreW, Speed};
use crate::setup::Setup;
use content::gameday::code::{encode, Completion};
use content::gameday::score::{self, Score};
use content::gameday::{Act, Herring, Play, Timeline};
use engine::time::NS_PER_SEC;
use engine::Lab;
use std::collections::BTreeMap;

impl GamedayAct {
    fn act(&self) -> Act {
        match self {
            GamedayAct::Ack => Act::Ack,
            GamedayAct::Hint => Act::Hint,
            GamedayAct::Change { what } => Act::Change { what: what.clone() },
            GamedayAct::Diagnose { component, kind } => Act::Diagnose {
                component: component.clone(),
                kind: kind.clone(),
            },
        }
    }
}

/// What a play starts with: its lab as a setup (every fault a switch with its
/// parameters and start), the red herring's alert rule, and the switches to turn on
/// later with their virtual time.
#[derive(Debug, Clone, PartialEq)]
pub struct GamedaySetup {
    pub setup: Setup,
    pub rules: Vec<String>,
    pub scheduled: Vec<(u64, String)>,
}

/// The setup of `play`.
pub fn setup_for(play: &Play) -> GamedaySetup {
    let i = play.incident;
    let mut switches: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for (f, start) in i.faults.iter().zip(&play.starts) {
        let params = switches.entry(f.scenario.to_string()).or_default();
        params.insert("start_s".into(), start.to_string());
        for (k, v) in f.params {
            params.insert(k.to_string(), v.to_string());
        }
    }
    let system_params =
        engine::order::to_map(i.setup.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let mut rules = Vec::new();
    let mut scheduled = Vec::new();
    match i.herring {
        Some(Herring::Alert { rule, .. }) => rules.push(rule.to_string()),
        Some(Herring::Change {
            at_s, switch_on, ..
        }) => {
            scheduled.push((u64::from(at_s) * NS_PER_SEC, switch_on.to_string()));
        }
        None => {}
    }
    GamedaySetup {
        setup: Setup {
            system: i.system.to_string(),
            seed: play.seed,
            speed: Some(Speed::Times(10)),
            system_params,
            switches,
        },
        rules,
        scheduled,
    }
}

/// Scores `acts` (virtual time, act) on `lab`, the run of `play`.
pub fn score(play: &Play, lab: &Lab, acts: &[(u64, GamedayAct)]) -> ScoreW {
    let mut timeline = Timeline::default();
    for (t, a) in acts {
        timeline.push(*t, a.act());
    }
    let s: Score = score::score(play, lab, &timeline);
    let first = play.first_fault_ns();
    let mitigated_s = s
        .mitigated_ns
        .map(|t| (t.saturating_sub(first) / NS_PER_SEC) as u32);
    let code = encode(&Completion {
        incident: play.incident,
        seed: play.seed as u32,
        score: s.total.min(100) as u8,
        mitigated_s,
    });
    ScoreW {
        total: s.total,
        lines: s
            .lines
            .iter()
            .map(|l| LineW {
                label: l.label.to_string(),
                points: i64::from(l.points),
                max: i64::from(l.max),
                detail: l.detail.clone(),
            })
            .collect(),
        first_alert_ns: s.first_alert_ns,
        mitigated_ns: s.mitigated_ns,
        mitigated_s,
        code,
    }
}

/// What the learner wrote in the postmortem.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Notes {
    pub impact: String,
    pub root_cause: String,
    pub went_well: String,
    pub action_items: String,
}

/// The postmortem as Markdown: what happened when (faults revealed, the red herring,
/// alerts fired and resolved, each of the learner's acts), the true cause and fix, the
/// score line by line, and the learner's own sections.
pub fn postmortem_markdown(
    play: &Play,
    score: &ScoreW,
    acts: &[(u64, GamedayAct)],
    alerts: &[engine::alerts::Transition],
    notes: &Notes,
) -> String {
    use crate::format::virtual_time;
    use std::fmt::Write as _;
    let i = play.incident;
    let mut timeline: Vec<(u64, String)> = Vec::new();
    for (f, start) in i.faults.iter().zip(&play.starts) {
        timeline.push((
            u64::from(*start) * NS_PER_SEC,
            format!("Fault began (revealed): `{}`", f.scenario),
        ));
    }
    match i.herring {
        Some(Herring::Change {
            at_s,
            switch_on,
            note,
        }) => timeline.push((
            u64::from(at_s) * NS_PER_SEC,
            format!("Change: `{switch_on}` switched on (a red herring: {note})"),
        )),
        Some(Herring::Alert { rule, note }) => timeline.push((
            0,
            format!("Alert rule in place: `{rule}` (a red herring: {note})"),
        )),
        None => {}
    }
    for t in alerts {
        use engine::alerts::Change;
        let what = match t.change {
            Change::Firing => "fired",
            Change::Resolved => "resolved",
            _ => continue,
        };
        timeline.push((t.t_ns, format!("Alert `{}` {what}", t.alert)));
    }
    for (t, a) in acts {
        let what = match a {
            GamedayAct::Ack => "You acknowledged the page".to_string(),
            GamedayAct::Hint => "You asked for a hint".to_string(),
            GamedayAct::Change { what } => format!("You changed: {what}"),
            GamedayAct::Diagnose { component, kind } => {
                let verdict = if i.is_cause(component, kind) {
                    "right"
                } else {
                    "wrong"
                };
                format!("You diagnosed: the {component} is {kind} ({verdict})")
            }
        };
        timeline.push((*t, what));
    }
    if let Some(t) = score.mitigated_ns {
        timeline.push((t, "Recovered (held 60 s from here)".to_string()));
    }
    engine::order::sort_by_key(&mut timeline, |(t, _)| *t);
    let section = |text: &str| {
        if text.trim().is_empty() {
            "_(not written)_".to_string()
        } else {
            text.trim().to_string()
        }
    };
    let mut out = String::new();
    let _ = writeln!(out, "# Postmortem: {}\n", i.title);
    let _ = writeln!(
        out,
        "Game day incident `{}` (difficulty {}), seed {}, system `{}`. Score **{} / 100**; completion code `{}`.\n",
        i.id, i.difficulty, play.seed, i.system, score.total, score.code
    );
    let _ = writeln!(out, "## Impact\n\n{}\n", section(&notes.impact));
    let _ = writeln!(out, "## Timeline (virtual time)\n");
    for (t, what) in &timeline {
        let _ = writeln!(out, "- {}: {what}", virtual_time(*t));
    }
    let _ = writeln!(out, "\n## Root cause\n\n{}\n", section(&notes.root_cause));
    let fix: Vec<String> = i.fix.steps().iter().map(|s| format!("`{s}`")).collect();
    let _ = writeln!(
        out,
        "**The true cause** (the {} is {}): {}\n\nRecommended fix: {}.\n",
        i.component,
        i.kind,
        i.cause,
        fix.join(", ")
    );
    let _ = writeln!(out, "## What went well\n\n{}\n", section(&notes.went_well));
    let _ = writeln!(out, "## Action items\n\n{}\n", section(&notes.action_items));
    let _ = writeln!(
        out,
        "## Score\n\n| | points | of | |\n| --- | ---: | ---: | --- |"
    );
    for l in &score.lines {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            l.label,
            l.points,
            if l.max > 0 {
                l.max.to_string()
            } else {
                "–".into()
            },
            l.detail.replace('|', "/")
        );
    }
    let _ = writeln!(out, "| **Total** | **{}** | 100 | |", score.total);
    out
}
