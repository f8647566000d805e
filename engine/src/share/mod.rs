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

use crate::alerts::Rule;
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
/// The configuration file version this engine writes. Version 1 (alert rules in the
/// lab's query dialect from before PromQL) is read too, its rules rewritten as the PromQL
/// that means the same (`Rule::upgrade_legacy`).
pub const CONFIG_VERSION: u32 = 2;

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
            // A link from before PromQL may carry a rule in the old dialect: read as the
            // PromQL that means the same.
            "rule" => rules.push(match Rule::parse(&value) {
                Err(_) => Rule::upgrade_legacy(&value)
                    .filter(|new| Rule::parse(new).is_ok())
                    .unwrap_or(value),
                Ok(_) => value,
            }),
            "view" => out.view = Some(value),
            "item" => out.item = Some(value),
            // A tutorial deep link (`?tutorial=<id>&step=<n>`), read by the app's tutorial
            // panel; a SCORM package's launch adds the tutorial's `series` (scripts/scorm.py).
            "tutorial" | "step" | "series" => {}
            // A cmi5 launch's parameters, read by the app's LMS layer (app/src/cmi5.rs).
            "endpoint" | "fetch" | "actor" | "registration" | "activityId" => {}
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
        Some(v) if v == 1 || v == u64::from(CONFIG_VERSION) => Ok(()),
        Some(v) => Err(format!(
            "unknown configuration version {v} (this lab reads versions 1 and {CONFIG_VERSION})"
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
        Ok(ConfigFile::upgraded(ConfigFile {
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
        }))
    }

    /// A version-1 file as version 2: its rules' conditions in PromQL.
    fn upgraded(mut self) -> ConfigFile {
        if self.version == 1 {
            for r in &mut self.rules {
                if let Some(new) = Rule::upgrade_legacy(r) {
                    *r = new;
                }
            }
            self.version = CONFIG_VERSION;
        }
        self
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
mod tests;
