//! Finding a scenario or mitigation among a hundred by typing (the lab's palette): by
//! id, title, what it does, its category, the kind of fault, the parts it strikes and the
//! metrics it declares, so a learner finds `retry-storm` by "retry", "storm",
//! "overloaded" or "client_retries_total". Every word typed must match somewhere; a match
//! in the id or title ranks above one in the summary, and those above the rest.

use engine::catalog::{self, Switch};

/// One switch the palette can offer, with the text it is found by.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub id: &'static str,
    pub title: &'static str,
    pub summary: &'static str,
    pub scenario: bool,
    /// Lower-case: category, kind of fault, struck parts, metric names.
    more: String,
}

/// Every scenario, then every mitigation, in catalogue order.
pub fn entries() -> Vec<Entry> {
    let mut out = Vec::new();
    for s in catalog::scenarios() {
        let mut more = vec![s.category.to_string(), s.kind.as_str().to_string()];
        more.extend(s.strikes.iter().map(|c| c.as_str().replace('_', " ")));
        more.extend(s.metrics.iter().map(|m| m.name.to_string()));
        out.push(Entry {
            id: s.id,
            title: s.title,
            summary: s.summary,
            scenario: true,
            more: more.join(" ").to_lowercase(),
        });
    }
    for m in catalog::mitigations() {
        let mut more = vec![m.category.to_string()];
        more.extend(m.acts_on.iter().map(|c| c.as_str().replace('_', " ")));
        more.extend(m.metrics.iter().map(|x| x.name.to_string()));
        out.push(Entry {
            id: m.id,
            title: m.title,
            summary: m.summary,
            scenario: false,
            more: more.join(" ").to_lowercase(),
        });
    }
    out
}

/// How well one lower-case word matches an entry: 0 not at all; higher is better.
fn word_score(e: &Entry, word: &str) -> u32 {
    let id = e.id;
    let title = e.title.to_lowercase();
    if id == word {
        return 100;
    }
    if id.starts_with(word) || id.split('-').any(|p| p.starts_with(word)) {
        return 60;
    }
    if title
        .split(|c: char| !c.is_alphanumeric())
        .any(|w| w.starts_with(word))
    {
        return 50;
    }
    if id.contains(word) || title.contains(word) {
        return 30;
    }
    if e.summary.to_lowercase().contains(word) {
        return 15;
    }
    if e.more.contains(word) {
        return 10;
    }
    0
}

/// The entries matching every word of `query` (case-insensitive), best first (ties in
/// catalogue order); all of them, in order, for an empty query.
pub fn find<'a>(entries: &'a [Entry], query: &str) -> Vec<&'a Entry> {
    let words: Vec<String> = query
        .to_lowercase()
        .split_whitespace()
        .map(str::to_string)
        .collect();
    let mut scored: Vec<(u32, usize)> = entries
        .iter()
        .enumerate()
        .filter_map(|(i, e)| {
            let mut total = 0;
            for w in &words {
                let s = word_score(e, w);
                if s == 0 {
                    return None;
                }
                total += s;
            }
            Some((total, i))
        })
        .collect();
    engine::order::sort_by(&mut scored, |a, b| a.0 > b.0);
    scored.into_iter().map(|(_, i)| &entries[i]).collect()
}

/// Whether `id` is a scenario (not a mitigation).
pub fn is_scenario(id: &str) -> bool {
    matches!(catalog::find_switch(id), Ok(Switch::Scenario(_)))
}
