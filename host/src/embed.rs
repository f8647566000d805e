//! Embedding the lab in other pages: the query parameters that describe a lab
//! (`LinkState`: read, written), the `<iframe>` snippet the "Embed" button hands out, and
//! the message an embedded lab posts to its parent when its height changes. Pure (no
//! browser API, no running lab), so it is tested and fuzzed natively
//! (`tests/it/embed.rs`, `tests/it/fuzz.rs`); the app reads a running lab into a
//! `LinkState` and applies one to it (the app's `embed`).
//!
//! Query parameters (all optional; unknown ones are ignored, bad ones are reported):
//!
//! | name | value | meaning |
//! | --- | --- | --- |
//! | `embed` | `1` | the compact, chrome-less lab for an `<iframe>` |
//! | `scenario` | a scenario id | the scenario the embed features (its switch is shown) |
//! | `mitigation` | a mitigation id | a second switch shown next to it |
//! | `s`, `m`, `on` | a scenario id, a mitigation id, ids comma-separated | switches on at start |
//! | `seed` | integer | the run's seed |
//! | `speed` | `1`, `10`, `100`, `max` | virtual seconds per wall second |
//! | `paused` | `1` | start paused |
//! | `<id>.<param>` | value | a scenario's or mitigation's parameter |
//!
//! The height message (posted to `window.parent` whenever the embed's height changes):
//! `{ "type": "sdl-embed:height", "height": <CSS pixels, integer>, "scenario": <id or ""> }`.
//! A host page sets the `<iframe>`'s height from it; `static/embed-example.html` does.
//!
//! The full lab's address is `url_state`'s (`engine::share`); an embed keeps its own
//! query (it must not be rewritten), with the same keys for what both carry (`seed`,
//! `speed`, `s`, `m`, `<id>.<param>`, `paused`), so "Open in full lab" is a link the full
//! lab reads.

use crate::protocol::Speed;
use engine::catalog::{self, find_switch};
use std::collections::BTreeMap;

/// The `type` of the message an embed posts to its parent with its height.
pub const HEIGHT_MESSAGE: &str = "sdl-embed:height";
/// The scenario an embed features when none is asked for.
pub const DEFAULT_EMBED_SCENARIO: &str = "retry-storm";
/// The `<iframe>` height the snippet starts with, before the first height message.
pub const SNIPPET_HEIGHT_PX: u32 = 640;

/// What a lab link or an embed URL describes.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LinkState {
    pub embed: bool,
    pub scenario: Option<&'static str>,
    pub mitigation: Option<&'static str>,
    /// Switches on at start, in the order given.
    pub on: Vec<&'static str>,
    pub seed: Option<u64>,
    pub speed: Option<Speed>,
    pub paused: bool,
    /// `(switch id, parameter, raw value)` in query order.
    pub params: Vec<(&'static str, String, String)>,
}

impl LinkState {
    /// Reads a query string (`?a=b&c=d` or without `?`). Returns the state and one
    /// message per parameter that was refused (naming it and what is allowed).
    pub fn parse(query: &str) -> (LinkState, Vec<String>) {
        let mut state = LinkState::default();
        let mut problems = Vec::new();
        for (key, value) in parse_query(query) {
            match key.as_str() {
                "embed" => state.embed = value != "0",
                "scenario" => match catalog::find_scenario(&value) {
                    Ok(s) => state.scenario = Some(s.id),
                    Err(e) => problems.push(format!("`scenario`: {e}")),
                },
                "mitigation" => match catalog::find_mitigation(&value) {
                    Ok(m) => state.mitigation = Some(m.id),
                    Err(e) => problems.push(format!("`mitigation`: {e}")),
                },
                "on" | "s" | "m" => {
                    for id in value.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                        match find_switch(id) {
                            Ok(s) if !state.on.contains(&s.id()) => state.on.push(s.id()),
                            Ok(_) => {}
                            Err(e) => problems.push(format!("`{key}`: {e}")),
                        }
                    }
                }
                "seed" => match value.trim().parse::<u64>() {
                    Ok(seed) => state.seed = Some(seed),
                    Err(_) => problems.push(format!(
                        "invalid value `{value}` for `seed`: expected a whole number in 0..={}",
                        u64::MAX
                    )),
                },
                "speed" => match Speed::parse(value.trim()) {
                    Some(speed) => state.speed = Some(speed),
                    None => problems.push(format!(
                        "invalid value `{value}` for `speed`: expected one of 1, 10, 100, max"
                    )),
                },
                "paused" => state.paused = value != "0",
                other => {
                    if let Some((id, name)) = other.split_once('.') {
                        match find_switch(id) {
                            Ok(s) => match s.params().iter().find(|p| p.name == name) {
                                Some(spec) => match spec.parse_as(other, &value) {
                                    Ok(_) => {
                                        state.params.push((s.id(), spec.name.to_string(), value))
                                    }
                                    Err(e) => problems.push(e.to_string()),
                                },
                                None => problems.push(format!(
                                    "unknown parameter `{other}`: `{id}` has {}",
                                    s.params()
                                        .iter()
                                        .map(|p| p.name)
                                        .collect::<Vec<_>>()
                                        .join(", ")
                                )),
                            },
                            Err(e) => problems.push(format!("`{other}`: {e}")),
                        }
                    }
                    // Anything else (tracking tags a host adds, other helpers' keys) is
                    // not ours to judge.
                }
            }
        }
        (state, problems)
    }

    /// The scenario an embed features: the one asked for, else the first switched on,
    /// else the default.
    pub fn featured_scenario(&self) -> &'static str {
        self.scenario
            .or_else(|| {
                self.on
                    .iter()
                    .copied()
                    .find(|id| catalog::find_scenario(id).is_ok())
            })
            .unwrap_or(DEFAULT_EMBED_SCENARIO)
    }

    /// The query string (with `?`) for this state: what is set (the seed whenever it is),
    /// and `embed`, `paused` only when on; `LinkState::parse` reads it back to this state.
    pub fn to_query(&self) -> String {
        let mut pairs: Vec<(String, String)> = Vec::new();
        if self.embed {
            pairs.push(("embed".into(), "1".into()));
        }
        if let Some(s) = self.scenario {
            pairs.push(("scenario".into(), s.into()));
        }
        if let Some(m) = self.mitigation {
            pairs.push(("mitigation".into(), m.into()));
        }
        // Written whenever set, the default too: `seed=1` left out read back as no seed
        // (found by `tests/it/fuzz.rs`); like a lab link, an embed says what it runs.
        if let Some(seed) = self.seed {
            pairs.push(("seed".into(), seed.to_string()));
        }
        if let Some(speed) = self.speed {
            pairs.push(("speed".into(), speed.value()));
        }
        for id in &self.on {
            let key = if catalog::find_scenario(id).is_ok() {
                "s"
            } else {
                "m"
            };
            pairs.push((key.into(), (*id).into()));
        }
        if self.paused {
            pairs.push(("paused".into(), "1".into()));
        }
        for (id, name, value) in &self.params {
            pairs.push((format!("{id}.{name}"), value.clone()));
        }
        if pairs.is_empty() {
            return String::new();
        }
        let body: Vec<String> = pairs
            .iter()
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect();
        format!("?{}", body.join("&"))
    }

    /// The `<iframe>` a page author pastes to embed this lab, with `page` the URL of the
    /// lab's page without query. Plain text: shown in a text field, never as HTML.
    pub fn iframe_snippet(&self, page: &str) -> String {
        let scenario = self.featured_scenario();
        let title = catalog::find_scenario(scenario).map_or(scenario, |s| s.title);
        let src = format!("{page}{}", self.to_query());
        format!(
            "<iframe src=\"{}\" title=\"Systems Design Lab: {}\" width=\"100%\" height=\"{SNIPPET_HEIGHT_PX}\" loading=\"lazy\"></iframe>",
            escape_attr(&src),
            escape_attr(title),
        )
    }
}

/// Splits a query string into decoded `(key, value)` pairs, in order.
pub fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .trim_start_matches('?')
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(k), decode(v))
        })
        .collect()
}

/// Percent-decodes a query component (`+` is a space); the lab link's own decoder.
pub use engine::share::decode;

/// Percent-encodes a query component: letters, digits and `-._~,` stay.
pub fn encode(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for b in raw.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~,".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Escapes text for a double-quoted HTML attribute in the snippet.
fn escape_attr(raw: &str) -> String {
    raw.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A switch's title, for labels.
pub fn switch_title(id: &str) -> &'static str {
    match find_switch(id) {
        Ok(catalog::Switch::Scenario(s)) => s.title,
        Ok(catalog::Switch::Mitigation(m)) => m.title,
        Err(_) => "",
    }
}

/// The parameters a switch was given, by name (for tests and the snippet).
pub fn params_of(state: &LinkState, id: &str) -> BTreeMap<String, String> {
    state
        .params
        .iter()
        .filter(|(s, _, _)| *s == id)
        .map(|(_, k, v)| (k.clone(), v.clone()))
        .collect()
}
