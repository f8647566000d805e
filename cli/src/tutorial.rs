//! `sdl tutorial list` and `sdl tutorial check [ID]`: list the embedded tutorials, and
//! replay their steps headless with the engine so authors see each check's numbers.

use crate::args::{TutorialCommand, UsageError};
use std::fmt::Write as _;

pub fn run(cmd: &TutorialCommand) -> Result<String, UsageError> {
    if let Some(e) = content::errors().first() {
        return Err(UsageError(format!(
            "the embedded tutorials have {} error(s); first: {e}",
            content::errors().len()
        )));
    }
    match cmd {
        TutorialCommand::List => Ok(list()),
        TutorialCommand::Check { id } => check(id.as_deref()),
    }
}

fn list() -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<14} {:<26} {:>4} {:>5}  TITLE",
        "SERIES", "ID", "MIN", "STEPS"
    );
    for t in content::tutorials() {
        let _ = writeln!(
            out,
            "{:<14} {:<26} {:>4} {:>5}  {}",
            t.series,
            t.id,
            t.minutes,
            t.steps.len(),
            t.title
        );
    }
    out
}

fn check(id: Option<&str>) -> Result<String, UsageError> {
    let selected: Vec<&content::Tutorial> = match id {
        Some(id) => vec![content::find(id).ok_or_else(|| {
            UsageError(format!(
                "unknown tutorial `{id}` (see `sdl tutorial list`; allowed: {})",
                content::tutorials()
                    .iter()
                    .map(|t| t.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })?],
        None => content::tutorials().iter().collect(),
    };
    let mut out = String::new();
    let (mut steps, mut failed) = (0, 0);
    for t in selected {
        let _ = writeln!(out, "{} — {}", t.id, t.title);
        for s in &t.steps {
            steps += 1;
            match content::check::replay(s) {
                Err(e) => {
                    failed += 1;
                    let _ = writeln!(out, "  FAIL {} {}: {e}", s.number, s.kind);
                }
                Ok(r) => {
                    let ok = r.ok();
                    failed += usize::from(!ok);
                    let _ = writeln!(
                        out,
                        "  {} {} {} ({} s, {}): {}",
                        if ok { "ok  " } else { "FAIL" },
                        s.number,
                        s.kind,
                        s.action.run_for_s,
                        s.expect.holds,
                        r.outcome.message
                    );
                    for (what, o) in &r.wrong {
                        let _ = writeln!(
                            out,
                            "       {what}: {}{}",
                            if o.passed { "STILL HOLDS — " } else { "" },
                            o.message
                        );
                    }
                    if let Some(w) = &r.without_mitigations {
                        let _ = writeln!(
                            out,
                            "       without {}: {}{}",
                            s.action.mitigations.join(", "),
                            if w.passed { "STILL HOLDS — " } else { "" },
                            w.message
                        );
                    }
                }
            }
        }
    }
    let _ = writeln!(out, "{} passed, {failed} failed", steps - failed);
    if failed > 0 {
        return Err(UsageError(out));
    }
    Ok(out)
}
