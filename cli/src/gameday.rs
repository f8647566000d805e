//! `sdl gameday list | run ID [--seed N] [--fix-at D] | score CODE…`: the incident pool
//! for instructors, an incident played headless (what the learner would not see: the
//! faults and when they began), and completion codes checked into a table.

use crate::args::{GamedayCommand, UsageError};
use content::gameday::code::{decode_any, Code};
use content::gameday::score::{mitigated_at, recovery_conditions, HOLD_S};
use content::gameday::{find, pool, Herring, Play};
use engine::time::{Nanos, NS_PER_SEC};
use std::fmt::Write as _;

pub fn run(cmd: &GamedayCommand) -> Result<String, UsageError> {
    match cmd {
        GamedayCommand::List => Ok(list()),
        GamedayCommand::Run { id, seed, fix_at } => play(id, *seed, *fix_at),
        GamedayCommand::Score { codes } => score(codes),
    }
}

fn list() -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{:<28} {:<7} {:>4}  PAGE", "ID", "SYSTEM", "DIFF");
    for i in pool() {
        let _ = writeln!(
            out,
            "{:<28} {:<7} {:>4}  {}",
            i.id, i.system, i.difficulty, i.title
        );
    }
    out
}

fn secs(ns: Nanos) -> String {
    format!("{:.0} s", ns as f64 / NS_PER_SEC as f64)
}

fn play(id: &str, seed: u64, fix_at: Option<Nanos>) -> Result<String, UsageError> {
    let incident = find(id).ok_or_else(|| {
        UsageError(format!(
            "unknown incident `{id}` (see `sdl gameday list`; {} in the pool)",
            pool().len()
        ))
    })?;
    let play = Play::new(incident, seed);
    let config = play.lab_config().map_err(UsageError)?;
    let mut lab = engine::Lab::new(&config).map_err(|e| UsageError(e.to_string()))?;
    let fix_ns = fix_at.map(|d| play.first_fault_ns() + d);
    if let Some(t) = fix_ns.filter(|t| *t < play.duration_ns()) {
        play.run_until(&mut lab, t);
        play.apply_fix(&mut lab).map_err(UsageError)?;
    }
    play.run_until(&mut lab, play.duration_ns());

    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} — {} (difficulty {}, seed {seed})",
        incident.id, incident.title, incident.difficulty
    );
    let _ = writeln!(out, "system {}, {} s", incident.system, incident.duration_s);
    for (f, start) in incident.faults.iter().zip(&play.starts) {
        let params: Vec<String> = f.params.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let _ = writeln!(
            out,
            "fault   {} from {start} s {}",
            f.scenario,
            params.join(" ")
        );
    }
    match incident.herring {
        Some(Herring::Change {
            at_s,
            switch_on,
            note,
        }) => {
            let _ = writeln!(out, "herring {switch_on} switched on at {at_s} s: {note}");
        }
        Some(Herring::Alert { rule, note }) => {
            let _ = writeln!(out, "herring alert `{rule}`: {note}");
        }
        None => {}
    }
    let _ = writeln!(
        out,
        "cause   {} / {}: {}",
        incident.component, incident.kind, incident.cause
    );
    let fix = incident.fix.steps();
    let _ = writeln!(out, "fix     {}", fix.join(", "));
    let _ = writeln!(out, "alerts that fired and resolved:");
    let fired = lab.alerts().history().filter(|t| {
        matches!(
            t.change,
            engine::alerts::Change::Firing | engine::alerts::Change::Resolved
        )
    });
    for t in fired {
        let _ = writeln!(
            out,
            "  {:>6}  {:<9} {}",
            secs(t.t_ns),
            t.change.to_string(),
            t.alert
        );
    }
    let conditions = recovery_conditions(&play, &lab);
    match fix_ns {
        Some(t) => match mitigated_at(&lab, &conditions, t) {
            Some(at) => {
                let _ = writeln!(
                    out,
                    "fixed at {}: recovered at {} and held {HOLD_S} s",
                    secs(t),
                    secs(at)
                );
            }
            None => {
                let _ = writeln!(
                    out,
                    "fixed at {}: not recovered and held {HOLD_S} s by the end",
                    secs(t)
                );
            }
        },
        None => {
            let _ = writeln!(out, "not fixed (--fix-at applies the recommended fix)");
        }
    }
    Ok(out)
}

fn score(codes: &[String]) -> Result<String, UsageError> {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<28} {:>10} {:>5}  {:>9}  CODE",
        "INCIDENT", "SEED", "SCORE", "MITIGATED"
    );
    let mut refused = Vec::new();
    for code in codes {
        match decode_any(code) {
            Ok(Code::Certificate(c)) => {
                let _ = writeln!(
                    out,
                    "{:<28} {:>10} {:>5}  {:>9}  {}",
                    format!("certificate: {}", c.series.id),
                    c.date(),
                    c.score,
                    "-",
                    code.trim()
                );
            }
            Ok(Code::Gameday(c)) => {
                let time = c
                    .mitigated_s
                    .map_or("no".to_string(), |s| format!("{}:{:02}", s / 60, s % 60));
                let _ = writeln!(
                    out,
                    "{:<28} {:>10} {:>5}  {:>9}  {}",
                    c.incident.id,
                    c.seed,
                    c.score,
                    time,
                    code.trim()
                );
            }
            Err(e) => refused.push(e),
        }
    }
    if !refused.is_empty() {
        return Err(UsageError(format!(
            "{} of {} code(s) refused; first: {}",
            refused.len(),
            codes.len(),
            refused[0]
        )));
    }
    let _ = writeln!(
        out,
        "A certificate's SEED column is its date; its code matches only the name printed on it."
    );
    let _ = writeln!(
        out,
        "A code's checksum catches typing mistakes and casual edits; it is not a signature."
    );
    Ok(out)
}
