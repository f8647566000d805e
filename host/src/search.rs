//! Finding a scenario or mitigation among a hundred by typing (the lab's palette): by
//! id, title, what it does, its category, the kind of fault, the parts it strikes and the
//! metrics it declares, so a learner finds `retry-storm` by "retry", "storm",
//! "overloaded" or "client_retries_total". Every word typed must match somewhere; a match
//! in the id or title ranks above one in the summary, and those above the rest.
//! A `Filter` narrows the matches by category, by the component a switch strikes or acts
//! on, and by kind (scenario or mitigation); it combines with the words typed.

use engine::catalog::{self, Switch};
use engine::strike::Component;

/// One switch the palette can offer, with the text it is found by.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub id: &'static str,
    pub title: &'static str,
    pub summary: &'static str,
    pub scenario: bool,
    pub category: &'static str,
    /// The components it strikes (a scenario) or acts on (a mitigation).
    pub components: Vec<Component>,
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
            category: s.category,
            components: s.strikes.to_vec(),
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
            category: m.category,
            components: m.acts_on.to_vec(),
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

/// Scenarios or mitigations only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Scenario,
    Mitigation,
}

impl Kind {
    pub const ALL: [Kind; 2] = [Kind::Scenario, Kind::Mitigation];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Scenario => "scenario",
            Kind::Mitigation => "mitigation",
        }
    }

    /// A kind by its `as_str` name.
    pub fn parse(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

/// What the palette's filters narrow the matches to; `None` lets everything through.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Filter {
    pub category: Option<&'static str>,
    pub component: Option<Component>,
    pub kind: Option<Kind>,
}

impl Filter {
    /// Whether `e` passes every filter set.
    pub fn keeps(&self, e: &Entry) -> bool {
        self.category.is_none_or(|c| e.category == c)
            && self.component.is_none_or(|c| e.components.contains(&c))
            && self
                .kind
                .is_none_or(|k| e.scenario == (k == Kind::Scenario))
    }

    /// Whether no filter is set.
    pub fn is_empty(&self) -> bool {
        *self == Filter::default()
    }
}

/// `find`, then only the matches `filter` keeps (in the same order).
pub fn find_filtered<'a>(entries: &'a [Entry], query: &str, filter: &Filter) -> Vec<&'a Entry> {
    let mut found = find(entries, query);
    found.retain(|e| filter.keeps(e));
    found
}

/// The categories of `entries`, in alphabetical order, each once: the category filter's
/// choices.
pub fn categories(entries: &[Entry]) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = entries.iter().map(|e| e.category).collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// The components some entry strikes or acts on, in `Component::ALL`'s order: the
/// component filter's choices.
pub fn components(entries: &[Entry]) -> Vec<Component> {
    Component::ALL
        .into_iter()
        .filter(|c| entries.iter().any(|e| e.components.contains(c)))
        .collect()
}

/// Whether `id` is a scenario (not a mitigation).
pub fn is_scenario(id: &str) -> bool {
    matches!(catalog::find_switch(id), Ok(Switch::Scenario(_)))
}
