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

/// Traces linked to one: those it follows from (its spans' links, whether or not they
/// are still among the sampled traces) and those that follow from it (sampled traces
/// with a span linking into it), each once, in the order met. The waterfall lists them
/// so a command's trace leads to the projections and the saga that acted on it later.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Linked {
    pub follows_from: Vec<u64>,
    pub followed_by: Vec<u64>,
}

pub fn linked(traces: &[Trace], trace: &Trace) -> Linked {
    let mut out = Linked::default();
    for s in &trace.spans {
        for (t, _) in &s.links {
            if *t != trace.trace_id && !out.follows_from.contains(t) {
                out.follows_from.push(*t);
            }
        }
    }
    for other in traces {
        let links_here = other
            .spans
            .iter()
            .any(|s| s.links.iter().any(|(t, _)| *t == trace.trace_id));
        if links_here
            && other.trace_id != trace.trace_id
            && !out.followed_by.contains(&other.trace_id)
        {
            out.followed_by.push(other.trace_id);
        }
    }
    out
}
