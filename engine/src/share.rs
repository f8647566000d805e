//! The lab's state as a link and as a file: `LabState` (system, seed, speed, switched-on
//! scenarios and mitigations with their parameters, system parameters, the virtual time
//! to run to, paused) read from and written to a URL query string
//! (`system=web&seed=7&s=retry-storm&retry-storm.retries=3&m=breaker&t=120`)
//! and to a versioned configuration file (`ConfigFile`, `{"format":"sdl-lab-config",
//! "version":1,...}`).
//!
//! Reading a link never fails: what cannot be used is left out, with the engine's message
//! saying why, and the rest is kept (a lenient `RunSpec` build). Reading a file is all or nothing: a configuration
//! is either exactly what it says or refused with every problem named. The file is
//! read and written here through `crate::json`, by the page and by anything else that
//! handles these files: one reader, one writer (`read_config_file`,
//! `ConfigFile::to_json`).

use crate::catalog::{find_switch, find_system, in_switch_order, Switch};
use crate::json::{self, optional, Fields, Value};
use crate::run::RunSpec;
pub use crate::time::format_seconds;
use crate::time::{parse_duration, Nanos, NS_PER_SEC};
use crate::{LabConfig, LabError};
use std::collections::BTreeMap;

pub use crate::run::{DEFAULT_SEED, DEFAULT_SYSTEM};

/// Speeds a lab link may ask for (virtual time per wall time; `max` = as fast as possible).
pub const SPEEDS: [&str; 4] = ["1", "10", "100", "max"];
pub const DEFAULT_SPEED: &str = "10";
/// The furthest a link may ask the lab to run before showing it (one virtual day).
pub const MAX_T_NS: Nanos = 86_400 * NS_PER_SEC;
/// The largest lab configuration file read (one the lab writes is a few KB): checked
/// before anything is parsed, and by the page before the file is even read.
pub const MAX_CONFIG_BYTES: usize = 1_000_000;
/// Longer query strings are refused outright (a link is a few hundred bytes).
pub const MAX_QUERY_LEN: usize = 16 * 1024;
/// At most this many problems are listed; the rest are counted.
const MAX_PROBLEMS: usize = 20;

/// `format` of a lab configuration file.
pub const CONFIG_FORMAT: &str = "sdl-lab-config";
/// The configuration file version this engine writes and reads.
pub const CONFIG_VERSION: u32 = 1;

/// A switched-on scenario or mitigation and the parameter values set on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SwitchOn {
    pub id: String,
    /// Absent from a file: none.
    pub params: BTreeMap<String, String>,
}

/// Everything that decides what a lab shows: the same state gives the same numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabState {
    pub system: String,
    pub seed: u64,
    /// One of `SPEEDS`.
    pub speed: String,
    pub paused: bool,
    /// Virtual time to run to before showing the lab.
    pub t_ns: Option<Nanos>,
    /// System parameters set away from their defaults.
    pub params: BTreeMap<String, String>,
    /// Switched-on scenarios then mitigations, in catalogue order.
    pub switches: Vec<SwitchOn>,
    /// The learner's own alert rules (`Rule::parse` text), in the order added.
    pub rules: Vec<String>,
}

impl Default for LabState {
    fn default() -> Self {
        LabState {
            system: DEFAULT_SYSTEM.to_string(),
            seed: DEFAULT_SEED,
            speed: DEFAULT_SPEED.to_string(),
            paused: false,
            t_ns: None,
            params: BTreeMap::new(),
            switches: Vec::new(),
            rules: Vec::new(),
        }
    }
}

/// A lab link read: the state it describes, the page view it asks for (`view`, `item`),
/// and what was ignored, one message each.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ParsedLink {
    pub state: LabState,
    pub view: Option<String>,
    pub item: Option<String>,
    pub ignored: Vec<String>,
}

impl LabState {
    /// The run this state describes (the speed and whether it is paused are the page's,
    /// not the run's). Its parameters go in as written: a key under `params` is a
    /// system parameter or objective, even if it reads `ID.name`.
    pub fn spec(&self) -> RunSpec {
        let mut spec = RunSpec::new(&self.system).seed(self.seed);
        spec.until_ns = self.t_ns;
        spec.params = self
            .params
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        for sw in &self.switches {
            spec = spec.switch(&sw.id);
            for (k, v) in &sw.params {
                spec = spec.switch_param(&sw.id, k, v);
            }
        }
        for rule in &self.rules {
            spec = spec.rule(rule);
        }
        spec
    }

    /// The state of a run `spec` (its switches in catalogue order, as `switches` keeps
    /// them, whatever order the spec gives; a switch's parameters under it), shown at
    /// `speed`, paused or not.
    pub fn from_spec(spec: &RunSpec, speed: &str, paused: bool) -> LabState {
        let mut switches: Vec<SwitchOn> = Vec::new();
        for sw in &spec.switches {
            if switches.iter().any(|s| s.id == sw.id) {
                continue;
            }
            let params = spec
                .switch_params
                .iter()
                .filter(|(id, _, _)| *id == sw.id)
                .map(|(_, name, v)| (name.clone(), v.clone()));
            switches.push(SwitchOn {
                id: sw.id.clone(),
                params: crate::order::to_map(params),
            });
        }
        LabState {
            system: spec.system.clone(),
            seed: spec.seed,
            speed: speed.to_string(),
            paused,
            t_ns: spec.until_ns,
            params: crate::order::to_map(spec.params.iter().cloned()),
            // In the spec's order its link and file would read back in another.
            switches: in_switch_order(switches, |s: &SwitchOn| &s.id),
            rules: spec.rules.clone(),
        }
    }

    /// The run configuration this state describes (`spec` built strictly).
    pub fn config(&self) -> Result<LabConfig, LabError> {
        self.spec().build()
    }

    /// The state as a query string (no leading `?`): defaults are left out except the
    /// system and seed, so a link always says what it runs.
    pub fn to_query(&self) -> String {
        let mut pairs: Vec<(String, String)> = vec![
            ("system".into(), self.system.clone()),
            ("seed".into(), self.seed.to_string()),
        ];
        if self.speed != DEFAULT_SPEED {
            pairs.push(("speed".into(), self.speed.clone()));
        }
        for (k, v) in &self.params {
            pairs.push((k.clone(), v.clone()));
        }
        for (key, kind) in [("s", 0u8), ("m", 1u8)] {
            for sw in self.switches.iter().filter(|s| switch_kind(&s.id) == kind) {
                pairs.push((key.into(), sw.id.clone()));
                for (k, v) in &sw.params {
                    pairs.push((format!("{}.{k}", sw.id), v.clone()));
                }
            }
        }
        for rule in &self.rules {
            pairs.push(("rule".into(), rule.clone()));
        }
        if let Some(t) = self.t_ns {
            pairs.push(("t".into(), format_seconds(t)));
        }
        if self.paused {
            pairs.push(("paused".into(), "1".into()));
        }
        pairs
            .iter()
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect::<Vec<_>>()
            .join("&")
    }

    /// The state as a configuration file's contents.
    pub fn to_file(&self) -> ConfigFile {
        let (scenarios, mitigations) = self
            .switches
            .iter()
            .cloned()
            .partition(|s| switch_kind(&s.id) == 0);
        ConfigFile {
            format: CONFIG_FORMAT.to_string(),
            version: CONFIG_VERSION,
            system: self.system.clone(),
            seed: self.seed,
            speed: self.speed.clone(),
            paused: self.paused,
            t_ns: self.t_ns,
            params: self.params.clone(),
            scenarios,
            mitigations,
            rules: self.rules.clone(),
        }
    }
}

fn switch_kind(id: &str) -> u8 {
    find_switch(id).map_or(2, |s| s.rank().0)
}

/// Reads a lab link's query string (with or without the leading `?`). Never fails:
/// every key or value that cannot be used is left out with a message in `ignored`.
pub fn parse_query(query: &str) -> ParsedLink {
    let mut out = ParsedLink::default();
    let query = query.strip_prefix('?').unwrap_or(query);
    if query.len() > MAX_QUERY_LEN {
        out.ignored.push(format!(
            "the link is {} characters long (allowed: up to {MAX_QUERY_LEN}); it was ignored as a whole",
            query.len()
        ));
        return out;
    }
    let mut problems = Problems::default();
    let mut system_params: Vec<(String, String)> = Vec::new();
    let mut switch_ids: Vec<String> = Vec::new();
    let mut switch_params: Vec<(String, String, String)> = Vec::new();
    let mut rules: Vec<String> = Vec::new();
    let state = &mut out.state;
    for part in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = match part.split_once('=') {
            Some((k, v)) => (decode(k), decode(v)),
            None => {
                problems.push(format!(
                    "`{}` has no value (expected KEY=VALUE)",
                    decode(part)
                ));
                continue;
            }
        };
        match key.as_str() {
            "system" => match find_system(value.trim()) {
                Ok(meta) => state.system = meta.id.to_string(),
                Err(e) => problems.push(format!("{e}; showing `{DEFAULT_SYSTEM}`")),
            },
            "seed" => match value.trim().parse::<u64>() {
                Ok(seed) => state.seed = seed,
                Err(_) => problems.push(format!(
                    "invalid value `{value}` for `seed`: expected a whole number in 0..={}",
                    u64::MAX
                )),
            },
            "speed" => match SPEEDS.iter().find(|s| **s == value.trim()) {
                Some(s) => state.speed = s.to_string(),
                None => problems.push(format!(
                    "invalid value `{value}` for `speed`: expected one of {}",
                    SPEEDS.join(", ")
                )),
            },
            "t" => match parse_t(&value) {
                Ok(t) => state.t_ns = Some(t),
                Err(e) => problems.push(e),
            },
            "paused" => match value.trim() {
                "1" | "true" | "yes" => state.paused = true,
                "0" | "false" | "no" => state.paused = false,
                _ => problems.push(format!(
                    "invalid value `{value}` for `paused`: expected 1 or 0"
                )),
            },
            "rule" => rules.push(value),
            "view" => out.view = Some(value),
            "item" => out.item = Some(value),
            // A tutorial deep link (`?tutorial=<id>&step=<n>`), read by the app's tutorial
            // panel; a SCORM package's launch adds the tutorial's `series` (scripts/scorm.py).
            "tutorial" | "step" | "series" => {}
            // `scenario` and `mitigation` are the embed's names for the same thing: one
            // vocabulary for links, whichever page they open.
            "s" | "m" | "scenario" | "mitigation" => {
                for id in value.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                    match find_switch(id) {
                        Ok(sw) if switch_ids.iter().any(|s| s == sw.id()) => {}
                        Ok(sw) => switch_ids.push(sw.id().to_string()),
                        Err(e) => problems.push(e.to_string()),
                    }
                }
            }
            // The objectives are set like system parameters (`slo.latency_ms=300`).
            _ if key.starts_with("slo.") => system_params.push((key, value)),
            _ => match key.split_once('.') {
                Some((id, name)) => {
                    switch_params.push((id.to_string(), name.to_string(), value));
                }
                None => system_params.push((key, value)),
            },
        }
    }

    // Build the run leniently (switches in catalogue order); whatever the configuration
    // refuses is left out, with why.
    let mut spec = RunSpec::new(&state.system).seed(state.seed);
    spec.until_ns = state.t_ns;
    spec.params = system_params;
    for id in in_switch_order(switch_ids, |id| id) {
        spec = spec.switch(&id);
    }
    spec.switch_params = switch_params;
    spec.rules = rules;
    let built = spec.lenient();
    for refusal in &built.refused {
        problems.push(refusal.to_string());
    }
    *state = LabState::from_spec(&built.kept, &state.speed, state.paused);
    out.ignored = problems.finish();
    out
}

#[derive(Default)]
struct Problems {
    list: Vec<String>,
    more: usize,
}

impl Problems {
    fn push(&mut self, message: String) {
        if self.list.len() < MAX_PROBLEMS {
            self.list.push(message);
        } else {
            self.more += 1;
        }
    }
    fn finish(mut self) -> Vec<String> {
        if self.more > 0 {
            self.list.push(format!("… and {} more", self.more));
        }
        self.list
    }
}

fn parse_t(raw: &str) -> Result<Nanos, String> {
    let s = raw.trim();
    let bad = || {
        format!(
            "invalid value `{raw}` for `t`: expected virtual seconds such as 120 or 90.5 (or a duration such as 2m) up to {}",
            MAX_T_NS / NS_PER_SEC
        )
    };
    let ns = if s.ends_with(|c: char| c.is_ascii_alphabetic())
        && s.starts_with(|c: char| c.is_ascii_digit())
    {
        parse_duration(s).map_err(|e| format!("{e} (for `t`)"))?
    } else {
        let (int, frac) = s.split_once('.').unwrap_or((s, ""));
        let digits = |d: &str| d.bytes().all(|b| b.is_ascii_digit());
        if int.is_empty() || int.len() > 12 || frac.len() > 9 || !digits(int) || !digits(frac) {
            return Err(bad());
        }
        let whole: u64 = int.parse().map_err(|_| bad())?;
        let mut frac_ns: u64 = 0;
        for i in 0..9 {
            let d = frac.as_bytes().get(i).map_or(0, |b| u64::from(b - b'0'));
            frac_ns = frac_ns * 10 + d;
        }
        whole
            .checked_mul(NS_PER_SEC)
            .and_then(|w| w.checked_add(frac_ns))
            .ok_or_else(bad)?
    };
    if ns > MAX_T_NS {
        return Err(format!(
            "value `{raw}` for `t` is out of range (allowed: 0..={} virtual seconds)",
            MAX_T_NS / NS_PER_SEC
        ));
    }
    Ok(ns)
}

/// Percent-encodes everything but unreserved characters (RFC 3986) and `,`.
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b',' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Decodes `%XX` and `+` (a space); a malformed escape is kept as written.
pub fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = |b: u8| (b as char).to_digit(16);
                match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                    (Some(h), Some(l)) => {
                        out.push((h * 16 + l) as u8);
                        i += 2;
                    }
                    _ => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Checks a configuration file's `format` and `version` (given as read from JSON).
pub fn check_header(format: Option<&str>, version: Option<u64>) -> Result<(), String> {
    match format {
        Some(CONFIG_FORMAT) => {}
        Some(other) => {
            return Err(format!(
                "this is not a lab configuration: `format` is `{other}` (expected `{CONFIG_FORMAT}`)"
            ))
        }
        None => {
            return Err(format!(
                "this is not a lab configuration: it has no `format` field (expected `\"format\": \"{CONFIG_FORMAT}\"`)"
            ))
        }
    }
    match version {
        Some(v) if v == u64::from(CONFIG_VERSION) => Ok(()),
        Some(v) => Err(format!(
            "unknown configuration version {v} (this lab reads version {CONFIG_VERSION})"
        )),
        None => Err(format!(
            "the configuration has no `version` field (expected `\"version\": {CONFIG_VERSION}`)"
        )),
    }
}

/// A lab configuration file, version 1: `{"format": "sdl-lab-config", "version": 1,
/// "system": …, "seed": …}` and the optional fields, written in this order (see
/// `ConfigFile::to_json`); a field not listed here is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigFile {
    pub format: String,
    pub version: u32,
    pub system: String,
    pub seed: u64,
    /// Absent: `DEFAULT_SPEED`.
    pub speed: String,
    pub paused: bool,
    /// `null` or absent: none.
    pub t_ns: Option<Nanos>,
    pub params: BTreeMap<String, String>,
    pub scenarios: Vec<SwitchOn>,
    pub mitigations: Vec<SwitchOn>,
    /// The learner's own alert rules (`NAME: CONDITION for DURATION SEVERITY`); files
    /// written before rules existed have none, and a file without rules leaves the
    /// field out.
    pub rules: Vec<String>,
}

/// The fields of a configuration file, in the order they are written.
const CONFIG_FIELDS: [&str; 11] = [
    "format",
    "version",
    "system",
    "seed",
    "speed",
    "paused",
    "t_ns",
    "params",
    "scenarios",
    "mitigations",
    "rules",
];

/// Reads a configuration file's text: the format and version first, so another file or
/// version is named as such, then every field, then every value as a run's
/// configuration would check it. Used whole or not at all.
pub fn read_config_file(text: &str) -> Result<LabState, Vec<String>> {
    if text.len() > MAX_CONFIG_BYTES {
        return Err(vec![format!(
            "the file is {} bytes; lab configurations are at most {MAX_CONFIG_BYTES} bytes",
            text.len()
        )]);
    }
    ConfigFile::from_json(text)
        .map_err(|e| vec![e])?
        .into_state()
}

/// A map of string values (`params`).
fn read_string_map(v: &Value) -> Result<BTreeMap<String, String>, String> {
    let mut map = BTreeMap::new();
    for (k, v) in v.as_object()? {
        let v = v.as_str().map_err(|e| json::in_field(k, e))?;
        map.insert(k.clone(), v.to_string());
    }
    Ok(map)
}

fn read_switches(v: &Value) -> Result<Vec<SwitchOn>, String> {
    let mut out = Vec::new();
    for (i, item) in v.as_array()?.iter().enumerate() {
        let read = || -> Result<SwitchOn, String> {
            // (A key given twice anywhere was refused with the whole file.)
            let f = Fields::of(item, &["id", "params"])?;
            Ok(SwitchOn {
                id: f.read("id", Value::as_str)?.to_string(),
                params: f.read_or("params", BTreeMap::new(), read_string_map)?,
            })
        };
        out.push(read().map_err(|e| format!("[{i}]: {e}"))?);
    }
    Ok(out)
}

fn read_strings(v: &Value) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    for (i, item) in v.as_array()?.iter().enumerate() {
        out.push(
            item.as_str()
                .map_err(|e| format!("[{i}]: {e}"))?
                .to_string(),
        );
    }
    Ok(out)
}

fn switches_json(list: &[SwitchOn]) -> Value {
    Value::Array(
        list.iter()
            .map(|s| {
                Value::Object(vec![
                    ("id".into(), Value::from(s.id.as_str())),
                    ("params".into(), json::string_map(&s.params)),
                ])
            })
            .collect(),
    )
}

impl ConfigFile {
    /// The file's text, indented (as earlier builds wrote it with `serde_json`, byte for
    /// byte): fields in the order of `CONFIG_FIELDS`, `rules` left out when empty.
    pub fn to_json(&self) -> String {
        let mut doc = vec![
            ("format".to_string(), Value::from(self.format.as_str())),
            ("version".into(), Value::from(self.version)),
            ("system".into(), Value::from(self.system.as_str())),
            ("seed".into(), Value::from(self.seed)),
            ("speed".into(), Value::from(self.speed.as_str())),
            ("paused".into(), Value::from(self.paused)),
            ("t_ns".into(), Value::from(self.t_ns)),
            ("params".into(), json::string_map(&self.params)),
            ("scenarios".into(), switches_json(&self.scenarios)),
            ("mitigations".into(), switches_json(&self.mitigations)),
        ];
        if !self.rules.is_empty() {
            doc.push(("rules".into(), json::strings(&self.rules)));
        }
        Value::Object(doc).to_pretty()
    }

    /// Reads a configuration file's text: not JSON, another format or version, an
    /// unknown, repeated or missing field, or a value of the wrong type is refused with
    /// a message that names it. The values themselves are checked by `into_state`.
    pub fn from_json(text: &str) -> Result<ConfigFile, String> {
        let doc = json::parse(text)
            .map_err(|e| format!("the file is not a lab configuration (JSON): {e}"))?;
        let not_config = |e: String| format!("this is not a lab configuration: {e}");
        doc.as_object().map_err(not_config)?;
        // The header first, so another file or version is named as such.
        let format = match doc.get("format") {
            None | Some(Value::Null) => None,
            Some(v) => Some(
                v.as_str()
                    .map_err(|e| not_config(json::in_field("format", e)))?,
            ),
        };
        let version = match doc.get("version") {
            None | Some(Value::Null) => None,
            Some(v) => Some(v.as_u64().map_err(|e| json::in_field("version", e))?),
        };
        check_header(format, version)?;
        let f = Fields::of(&doc, &CONFIG_FIELDS)?;
        json::no_duplicate_keys(&doc)?;
        Ok(ConfigFile {
            format: f.read("format", Value::as_str)?.to_string(),
            version: f.read("version", Value::as_u32)?,
            system: f.read("system", Value::as_str)?.to_string(),
            seed: f.read("seed", Value::as_u64)?,
            speed: f
                .read_or("speed", DEFAULT_SPEED, Value::as_str)?
                .to_string(),
            paused: f.read_or("paused", false, Value::as_bool)?,
            t_ns: f.read_or("t_ns", None, |v| optional(v, Value::as_u64))?,
            params: f.read_or("params", BTreeMap::new(), read_string_map)?,
            scenarios: f.read_or("scenarios", Vec::new(), read_switches)?,
            mitigations: f.read_or("mitigations", Vec::new(), read_switches)?,
            rules: f.read_or("rules", Vec::new(), read_strings)?,
        })
    }

    /// The state the file describes, or every problem in it (a file is used whole or
    /// not at all).
    pub fn into_state(self) -> Result<LabState, Vec<String>> {
        let mut problems = Problems::default();
        if let Err(e) = check_header(Some(&self.format), Some(u64::from(self.version))) {
            problems.push(e);
        }
        if !SPEEDS.contains(&self.speed.as_str()) {
            problems.push(format!(
                "invalid value `{}` for `speed`: expected one of {}",
                self.speed,
                SPEEDS.join(", ")
            ));
        }
        if let Some(t) = self.t_ns.filter(|t| *t > MAX_T_NS) {
            problems.push(format!(
                "value `{t}` for `t_ns` is out of range (allowed: 0..={MAX_T_NS})"
            ));
        }
        for (list, kind, field) in [
            (&self.scenarios, 0u8, "scenarios"),
            (&self.mitigations, 1u8, "mitigations"),
        ] {
            for sw in list {
                match find_switch(&sw.id) {
                    Ok(s) if s.rank().0 != kind => problems.push(format!(
                        "`{}` is listed under `{field}` but is a {}",
                        sw.id,
                        if matches!(s, Switch::Scenario(_)) {
                            "scenario"
                        } else {
                            "mitigation"
                        }
                    )),
                    Ok(_) => {}
                    Err(e) => problems.push(format!("in `{field}`: {e}")),
                }
            }
        }
        let switches = in_switch_order(
            self.scenarios.into_iter().chain(self.mitigations).collect(),
            |s: &SwitchOn| &s.id,
        );
        let state = LabState {
            system: self.system,
            seed: self.seed,
            speed: self.speed,
            paused: self.paused,
            t_ns: self.t_ns,
            params: self.params,
            switches,
            rules: self.rules,
        };
        let problems = problems.finish();
        if !problems.is_empty() {
            return Err(problems);
        }
        // Every value goes through the same checks as a run's configuration.
        state.config().map_err(|e| vec![e.to_string()])?;
        Ok(state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(q: &str) -> ParsedLink {
        parse_query(q)
    }

    /// Issue 25: the embed's `scenario=` and `mitigation=` open the full lab too, and a
    /// misspelt key is answered with the nearest allowed ones, not all 59.
    #[test]
    fn the_embeds_names_work_in_the_full_lab_and_misspellings_get_the_nearest() {
        let parsed = link("scenario=retry-storm&mitigation=retry-backoff");
        assert!(parsed.ignored.is_empty(), "{:?}", parsed.ignored);
        let ids: Vec<&str> = parsed
            .state
            .switches
            .iter()
            .map(|s| s.id.as_str())
            .collect();
        assert_eq!(ids, ["retry-storm", "retry-backoff"]);
        let typo = link("arrival_rate=300");
        let message = typo.ignored.join(" ");
        assert!(
            message.contains("unknown parameter `arrival_rate` (allowed: arrival_rate_rps, "),
            "{message}"
        );
        assert!(message.contains("more)"), "{message}");
        assert!(message.len() < 200, "{message}");
    }

    #[test]
    fn a_full_link_round_trips() {
        let q = "system=web&seed=7&speed=100&workers=4&s=retry-storm&retry-storm.retries=3&m=breaker&t=120.5&paused=1";
        let parsed = link(q);
        assert!(parsed.ignored.is_empty(), "{:?}", parsed.ignored);
        let s = &parsed.state;
        assert_eq!(s.system, "web");
        assert_eq!(s.seed, 7);
        assert_eq!(s.speed, "100");
        assert_eq!(s.t_ns, Some(120_500_000_000));
        assert!(s.paused);
        assert_eq!(s.params.get("workers").map(String::as_str), Some("4"));
        let ids: Vec<&str> = s.switches.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, ["retry-storm", "breaker"]);
        assert_eq!(
            s.switches[0].params.get("retries").map(String::as_str),
            Some("3")
        );
        let again = link(&s.to_query());
        assert_eq!(&again.state, s);
        assert!(again.ignored.is_empty());
        assert_eq!(link(&again.state.to_query()).state.to_query(), s.to_query());
        s.config().expect("a parsed link is a valid configuration");
    }

    #[test]
    fn an_empty_link_is_the_default_lab() {
        for q in ["", "?", "&&&"] {
            let parsed = link(q);
            assert_eq!(parsed.state, LabState::default(), "{q}");
            assert!(parsed.ignored.is_empty(), "{q}");
        }
        assert_eq!(LabState::default().to_query(), "system=web&seed=1");
    }

    #[test]
    fn the_same_link_gives_the_same_run() {
        let parsed = link("?seed=42&s=fixed-latency&fixed-latency.delay_ms=200&t=30");
        let run = |cfg: &LabConfig| {
            let mut lab = crate::Lab::new(cfg).unwrap();
            lab.run_until(parsed.state.t_ns.unwrap());
            lab.digest()
        };
        let cfg = parsed.state.config().unwrap();
        let again = link(&parsed.state.to_query()).state.config().unwrap();
        assert_eq!(cfg, again);
        assert_eq!(run(&cfg), run(&again));
        let mut plain = LabConfig::new("web");
        plain.seed = 42;
        assert_ne!(run(&cfg), run(&plain), "the scenario must change the run");
    }

    #[test]
    fn a_tutorial_deep_link_is_left_to_the_tutorial_panel() {
        let parsed = link("tutorial=latency-inject&step=2&seed=7");
        assert_eq!(parsed.ignored, Vec::<String>::new());
        assert_eq!(parsed.state.seed, 7);
        assert!(parsed.state.params.is_empty());
    }

    #[test]
    fn bad_parts_are_ignored_with_the_engines_message_and_the_rest_kept() {
        let parsed = link(
            "system=web&seed=banana&s=no-such-scenario,fixed-latency&fixed-latency.delay_ms=-5\
             &workers=0&speed=3&t=soon&paused=maybe&nosuch=1&justakey&breaker.nope=1&m=breaker",
        );
        let all = parsed.ignored.join("\n");
        for needle in [
            "invalid value `banana` for `seed`",
            "unknown scenario or mitigation `no-such-scenario`",
            "fixed-latency.delay_ms",
            "`workers`",
            "invalid value `3` for `speed`",
            "invalid value `soon` for `t`",
            "invalid value `maybe` for `paused`",
            "unknown parameter `nosuch`",
            "`justakey` has no value",
            "unknown parameter `breaker.nope`",
        ] {
            assert!(all.contains(needle), "missing `{needle}` in:\n{all}");
        }
        let s = &parsed.state;
        assert_eq!(s.seed, DEFAULT_SEED);
        assert_eq!(s.speed, DEFAULT_SPEED);
        assert!(s.params.is_empty());
        let ids: Vec<&str> = s.switches.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, ["fixed-latency", "breaker"]);
        assert!(s.switches[0].params.is_empty(), "the bad delay is not kept");
        s.config().expect("what is kept is valid");
    }

    #[test]
    fn an_unknown_system_falls_back_to_the_default() {
        let parsed = link("system=mainframe&seed=3");
        assert_eq!(parsed.state.system, DEFAULT_SYSTEM);
        assert_eq!(parsed.state.seed, 3);
        assert!(parsed.ignored[0].contains("unknown system `mainframe`"));
    }

    #[test]
    fn a_parameter_of_a_switch_that_is_off_is_named() {
        let parsed = link("retry-storm.retries=3");
        assert_eq!(parsed.ignored.len(), 1);
        assert!(
            parsed.ignored[0].contains("not switched on"),
            "{:?}",
            parsed.ignored
        );
        assert!(parsed.state.switches.is_empty());
    }

    #[test]
    fn a_switch_that_does_not_fit_the_system_is_left_off() {
        let parsed = link("system=queue&s=cache-stampede");
        assert!(parsed.state.switches.is_empty());
        assert!(
            parsed.ignored[0].contains("cache-stampede"),
            "{:?}",
            parsed.ignored
        );
        assert!(parsed.ignored[0].contains("left off"));
    }

    #[test]
    fn t_is_exact_to_the_nanosecond_and_bounded() {
        assert_eq!(parse_t("0"), Ok(0));
        assert_eq!(parse_t("1.000000001"), Ok(1_000_000_001));
        assert_eq!(parse_t("2m"), Ok(120 * NS_PER_SEC));
        for bad in [
            "",
            "-1",
            "1.0000000001",
            "1e3",
            "nan",
            "1.2.3",
            "99999999999999999999",
        ] {
            assert!(parse_t(bad).is_err(), "{bad}");
        }
        assert!(parse_t("86401").unwrap_err().contains("out of range"));
        for ns in [
            0,
            1,
            999_999_999,
            120 * NS_PER_SEC,
            90_500_000_000,
            MAX_T_NS,
        ] {
            assert_eq!(parse_t(&format_seconds(ns)), Ok(ns));
        }
    }

    #[test]
    fn garbage_never_panics_and_always_leaves_a_valid_lab() {
        let long = "a".repeat(MAX_QUERY_LEN + 1);
        let inputs = [
            "%",
            "%%",
            "%zz=%",
            "=",
            "==",
            "&=&=",
            "s=",
            "s=,,,",
            "t=%FF",
            "seed=%E2%82%AC",
            "system=%00",
            "\u{1F600}=\u{1F600}",
            ".=.",
            "a.b.c=d",
            "s=retry-storm&s=retry-storm",
            long.as_str(),
        ];
        for q in inputs {
            let parsed = link(q);
            parsed.state.config().unwrap_or_else(|e| panic!("{q}: {e}"));
            let again = link(&parsed.state.to_query());
            assert_eq!(again.state, parsed.state, "{q}");
        }
        assert_eq!(link(&long).ignored.len(), 1);
        let many: String = (0..50).map(|i| format!("x{i}=1&")).collect();
        let parsed = link(&many);
        assert_eq!(parsed.ignored.len(), MAX_PROBLEMS + 1);
        assert!(parsed.ignored.last().unwrap().contains("30 more"));
    }

    #[test]
    fn values_are_encoded_and_decoded() {
        assert_eq!(encode("a b&c=d%"), "a%20b%26c%3Dd%25");
        assert_eq!(decode("a%20b+c%26"), "a b c&");
        assert_eq!(decode("%"), "%");
        assert_eq!(decode("%4"), "%4");
        assert_eq!(decode("100%"), "100%");
        assert_eq!(decode(&encode("ünïcode ✓")), "ünïcode ✓");
    }

    #[test]
    fn view_and_item_are_read() {
        let parsed = link("view=catalog&item=retry-storm");
        assert_eq!(parsed.view.as_deref(), Some("catalog"));
        assert_eq!(parsed.item.as_deref(), Some("retry-storm"));
        assert!(parsed.ignored.is_empty());
    }

    fn read_file(json: &str) -> Result<LabState, Vec<String>> {
        read_config_file(json)
    }

    fn write_file(state: &LabState) -> String {
        state.to_file().to_json()
    }

    #[test]
    fn a_configuration_file_round_trips() {
        let state = link("system=web&seed=9&s=retry-storm&retry-storm.retries=3&m=breaker&t=60&paused=1&workers=4").state;
        let json = write_file(&state);
        assert!(
            json.starts_with("{\n  \"format\": \"sdl-lab-config\",\n  \"version\": 1,\n"),
            "{json}"
        );
        assert_eq!(read_file(&json), Ok(state));
    }

    #[test]
    fn slos_and_alert_rules_travel_in_links_and_files() {
        let rule = "SlowDb: histogram_quantile(0.99, sum by (le) (rate(db_query_duration_seconds_bucket[1m]))) > 0.1 for 30s critical";
        let q = format!(
            "seed=3&slo.latency_ms=400&slo.availability_pct=99.5&rule={}&rule={}",
            encode(rule),
            encode("Busy: utilization > 0.8")
        );
        let parsed = link(&q);
        assert!(parsed.ignored.is_empty(), "{:?}", parsed.ignored);
        let s = &parsed.state;
        assert_eq!(s.rules, [rule, "Busy: utilization > 0.8"]);
        assert_eq!(
            s.params.get("slo.latency_ms").map(String::as_str),
            Some("400")
        );
        let cfg = s.config().unwrap();
        assert_eq!(cfg.slo.latency_p99_s, 0.4);
        assert_eq!(cfg.custom_rules().len(), 2);
        assert_eq!(&link(&s.to_query()).state, s);
        let json = write_file(s);
        assert!(json.contains("\"rules\": ["), "{json}");
        assert_eq!(read_file(&json).as_ref(), Ok(s));
        // A file from before rules existed still reads.
        let old = r#"{"format":"sdl-lab-config","version":1,"system":"web","seed":1}"#;
        assert_eq!(read_file(old).map(|s| s.rules), Ok(vec![]));
        // Fields that may be left out, or (t_ns) null, take their defaults.
        let null_t = r#"{"format":"sdl-lab-config","version":1,"system":"web","seed":1,"t_ns":null,"scenarios":[{"id":"retry-storm"}]}"#;
        let read = read_file(null_t).unwrap();
        assert_eq!(
            (read.t_ns, read.speed.as_str(), read.paused),
            (None, DEFAULT_SPEED, false)
        );
        assert_eq!(read.switches[0].params, BTreeMap::new());
    }

    #[test]
    fn a_bad_rule_or_slo_in_a_link_is_left_out_with_why() {
        let parsed = link(&format!(
            "slo.latency_ms=-3&rule={}&rule={}&rule={}",
            encode("Ok: utilization > 0.5"),
            encode("Broken: nope_total > 1"),
            encode("Saturation: utilization > 0.1"),
        ));
        assert_eq!(parsed.state.rules, ["Ok: utilization > 0.5"]);
        assert!(parsed.state.params.is_empty());
        let all = parsed.ignored.join(" | ");
        assert!(all.contains("slo.latency_ms"), "{all}");
        assert!(all.contains("unknown metric `nope_total`"), "{all}");
        assert!(all.contains("belongs to a default rule"), "{all}");
        assert!(all.contains("the rule was left out"), "{all}");
    }

    /// The link the fixture `lab-config-v1.json` was written from.
    fn fixture_state() -> LabState {
        let parsed = link(&format!(
            "system=web&seed=9&speed=100&s=retry-storm&retry-storm.retries=3&m=breaker&t=60.5&paused=1&workers=4&slo.latency_ms=400&rule={}",
            encode("Busy: utilization > 0.8 for 30s critical")
        ));
        assert!(parsed.ignored.is_empty(), "{:?}", parsed.ignored);
        parsed.state
    }

    /// Files saved by earlier builds (serde_json, commit 15ad606) read back to the state
    /// they were saved from, and this build writes the same state byte for byte.
    #[test]
    fn configuration_files_saved_by_earlier_builds_still_load_and_are_written_the_same() {
        let cases = [
            (
                include_str!("../tests/fixtures/json/lab-config-v1.json"),
                fixture_state(),
            ),
            (
                include_str!("../tests/fixtures/json/lab-config-default-v1.json"),
                LabState::default(),
            ),
        ];
        for (saved, state) in cases {
            assert_eq!(read_file(saved).as_ref(), Ok(&state), "{saved}");
            assert_eq!(write_file(&state), saved);
        }
    }

    #[test]
    fn a_bad_configuration_file_is_refused_with_what_is_wrong() {
        let cases = [
            (r#"{"format":"other","version":1}"#, "`format` is `other`"),
            (r#"{"version":1}"#, "no `format` field"),
            (
                r#"{"format":"sdl-lab-config","version":2,"new":true}"#,
                "unknown configuration version 2",
            ),
            (r#"{"format":"sdl-lab-config"}"#, "no `version` field"),
            (
                r#"{"format":"sdl-lab-config","version":1,"system":"web","seed":1,"colour":"red"}"#,
                "unknown field `colour`",
            ),
            (
                r#"{"format":"sdl-lab-config","version":1,"system":"web","seed":"one"}"#,
                "invalid type",
            ),
            (
                r#"{"format":"sdl-lab-config","version":1,"system":"web","seed":1,"scenarios":[{"id":"nope"}]}"#,
                "unknown scenario or mitigation `nope`",
            ),
            (
                r#"{"format":"sdl-lab-config","version":1,"system":"web","seed":1,"mitigations":[{"id":"retry-storm"}]}"#,
                "is a scenario",
            ),
            (
                r#"{"format":"sdl-lab-config","version":1,"system":"mars","seed":1}"#,
                "unknown system `mars`",
            ),
            (
                r#"{"format":"sdl-lab-config","version":1,"system":"web","seed":1,"params":{"workers":"0"}}"#,
                "out of range",
            ),
            (
                r#"{"format":"sdl-lab-config","version":1,"system":"web","seed":1,"speed":"7"}"#,
                "`speed`",
            ),
            (
                r#"{"format":"sdl-lab-config","version":1,"system":"web","seed":1,"t_ns":99999999999999999}"#,
                "`t_ns`",
            ),
            ("not json", "expected"),
            (
                "{\"format\":\"sdl-lab-config\",\n \"version\":1,,}",
                "not a lab configuration (JSON): expected a member name (a string), found `,` at line 2 column 14",
            ),
            ("[1]", "invalid type: sequence, expected a map"),
            (
                r#"{"format":1,"version":1}"#,
                "`format`: invalid type: integer `1`, expected a string",
            ),
            (
                r#"{"format":"sdl-lab-config","version":"1"}"#,
                "`version`: invalid type: string \"1\"",
            ),
            (
                r#"{"format":"sdl-lab-config","version":1,"seed":1}"#,
                "missing field `system`",
            ),
            (
                r#"{"format":"sdl-lab-config","version":1,"system":"web"}"#,
                "missing field `seed`",
            ),
            (
                r#"{"format":"sdl-lab-config","version":1,"system":"web","seed":1,"colour":"red"}"#,
                "expected one of `format`, `version`, `system`, `seed`, `speed`, `paused`, `t_ns`, `params`, `scenarios`, `mitigations`, `rules`",
            ),
            (
                r#"{"format":"sdl-lab-config","version":1,"system":"web","seed":1,"seed":2}"#,
                "duplicate field `seed`",
            ),
            (
                r#"{"format":"sdl-lab-config","version":1,"system":"web","seed":1.0}"#,
                "`seed`: invalid type: floating point `1.0`",
            ),
            (
                r#"{"format":"sdl-lab-config","version":1,"system":"web","seed":-1}"#,
                "`seed`: invalid value: integer `-1`",
            ),
            (
                r#"{"format":"sdl-lab-config","version":1,"system":"web","seed":1,"speed":null}"#,
                "`speed`: invalid type: null, expected a string",
            ),
            (
                r#"{"format":"sdl-lab-config","version":1,"system":"web","seed":1,"paused":1}"#,
                "`paused`: invalid type: integer `1`, expected a boolean",
            ),
            (
                r#"{"format":"sdl-lab-config","version":1,"system":"web","seed":1,"params":{"workers":4}}"#,
                "`params`: `workers`: invalid type: integer `4`, expected a string",
            ),
            (
                r#"{"format":"sdl-lab-config","version":1,"system":"web","seed":1,"scenarios":[{"id":"retry-storm","param":{}}]}"#,
                "`scenarios`: [0]: unknown field `param`, expected `id` or `params`",
            ),
            (
                r#"{"format":"sdl-lab-config","version":1,"system":"web","seed":1,"mitigations":[{"params":{}}]}"#,
                "`mitigations`: [0]: missing field `id`",
            ),
            (
                r#"{"format":"sdl-lab-config","version":1,"system":"web","seed":1,"rules":["a",2]}"#,
                "`rules`: [1]: invalid type: integer `2`, expected a string",
            ),
        ];
        for (json, needle) in cases {
            let problems = read_file(json).expect_err(json).join("\n");
            assert!(
                problems.contains(needle),
                "{json}: `{needle}` not in {problems}"
            );
        }
    }

    /// A SCORM launch (`?series=<id>&tutorial=<id>`, scripts/scorm.py) is a tutorial
    /// deep link, not a lab with an unknown parameter (issue 18: every LMS learner saw
    /// "unknown parameter `series`").
    #[test]
    fn a_scorm_launch_link_is_read_without_complaint() {
        let parsed = parse_query("?series=queueing&tutorial=little-law");
        assert!(parsed.ignored.is_empty(), "{:?}", parsed.ignored);
        assert_eq!(parsed.state, LabState::default());
    }

    /// A lab configuration larger than any the lab writes is refused before it is parsed
    /// (issue 18: a 5 MB import froze the page), with its size and the limit.
    #[test]
    fn an_oversized_configuration_is_refused_before_parsing() {
        let huge = format!("{{\"pad\": \"{}\"}}", "x".repeat(MAX_CONFIG_BYTES));
        let err = read_config_file(&huge).unwrap_err();
        assert_eq!(
            err,
            vec![format!(
                "the file is {} bytes; lab configurations are at most {MAX_CONFIG_BYTES} bytes",
                huge.len()
            )]
        );
        // One the lab writes is far below the limit.
        assert!(LabState::default().to_file().to_json().len() < MAX_CONFIG_BYTES / 100);
    }
}
