//! Which of the run's sampled traces the trace panel lists: the newest, the slowest or
//! the erroring ones, at most `LISTED`. The page draws the list (`components::traces` in
//! the app).

use engine::observe::Trace;

/// Traces listed at most per view.
pub const LISTED: usize = 50;

/// The traces of a view, best first: newest, slowest, or erroring newest.
pub fn pick<'a>(traces: &'a [Trace], view: &str) -> Vec<&'a Trace> {
    let mut out: Vec<&Trace> = match view {
        "errors" => traces.iter().rev().filter(|t| t.is_error()).collect(),
        _ => traces.iter().rev().collect(),
    };
    if view == "slowest" {
        // Stable: equal durations keep newest first.
        engine::order::sort_by_key(&mut out, |t| std::cmp::Reverse(t.duration_ns()));
    }
    out.truncate(LISTED);
    out
}
