//! Errors a caller can act on: bad input to the engine (unknown ids, bad parameter values,
//! bad durations). Injected failures are never errors; they are metrics, logs and spans.

use std::fmt;

/// Something the caller asked for that the engine cannot do, with a message that names
/// the offending input and what is allowed instead.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum LabError {
    /// The system id is not in the catalogue.
    UnknownSystem { id: String, allowed: Vec<String> },
    /// The scenario id is not in the catalogue.
    UnknownScenario { id: String, allowed: Vec<String> },
    /// The id names no scenario or mitigation (in an `ID.name` key or a switch).
    UnknownSwitch { id: String, allowed: Vec<String> },
    /// The mitigation id is not in the catalogue.
    UnknownMitigation { id: String, allowed: Vec<String> },
    /// A parameter key names nothing the system or scenario declares.
    UnknownParam { key: String, allowed: Vec<String> },
    /// A scenario or mitigation parameter was set for one that is not switched on.
    ScenarioNotEnabled { key: String, scenario: String },
    /// A value could not be read as the parameter's type.
    InvalidValue {
        key: String,
        value: String,
        expected: String,
    },
    /// A value was read but lies outside the parameter's range.
    OutOfRange {
        key: String,
        value: String,
        allowed: String,
    },
    /// A duration string such as `600s` could not be read.
    BadDuration { input: String },
    /// A scenario strikes a component this system does not have.
    NotApplicable { key: String, detail: String },
    /// A system parameter changed while running; the run must be rebuilt to apply it.
    RequiresReset { key: String },
    /// An alert rule could not be read or added; `detail` names the rule and the problem.
    InvalidRule { detail: String },
}

/// What an "unknown …" message lists: every allowed name when there are few; when there
/// are many (the catalogue's 50-odd scenarios, a system's parameters), the few nearest
/// to what was asked and how many more there are, so the message stays readable.
fn allowed_text(asked: &str, allowed: &[String]) -> String {
    const ALL_UP_TO: usize = 25;
    const NEAREST: usize = 4;
    if allowed.len() <= ALL_UP_TO {
        return allowed.join(", ");
    }
    let asked = asked.to_ascii_lowercase();
    let mut ranked: Vec<(usize, usize)> = allowed
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let name = name.to_ascii_lowercase();
            let contains = !asked.is_empty() && (name.contains(&asked) || asked.contains(&name));
            let d = if contains {
                0
            } else {
                edit_distance(&asked, &name)
            };
            (d, i)
        })
        .collect();
    ranked.sort_unstable();
    let nearest: Vec<&str> = ranked[..NEAREST]
        .iter()
        .map(|&(_, i)| allowed[i].as_str())
        .collect();
    format!(
        "{}, … and {} more",
        nearest.join(", "),
        allowed.len() - NEAREST
    )
}

/// Levenshtein distance between two short names (bytes; names are ASCII).
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

impl fmt::Display for LabError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LabError::UnknownSystem { id, allowed } => {
                write!(f, "unknown system `{id}` (allowed: {})", allowed.join(", "))
            }
            LabError::UnknownScenario { id, allowed } => {
                write!(f, "unknown scenario `{id}` (allowed: {})", allowed_text(id, allowed))
            }
            LabError::UnknownSwitch { id, allowed } => write!(
                f,
                "unknown scenario or mitigation `{id}` (allowed: {})",
                allowed_text(id, allowed)
            ),
            LabError::UnknownMitigation { id, allowed } => {
                write!(f, "unknown mitigation `{id}` (allowed: {})", allowed_text(id, allowed))
            }
            LabError::UnknownParam { key, allowed } => {
                if allowed.is_empty() {
                    write!(f, "unknown parameter `{key}` (this item has no parameters)")
                } else {
                    write!(f, "unknown parameter `{key}` (allowed: {})", allowed_text(key, allowed))
                }
            }
            LabError::ScenarioNotEnabled { key, scenario } => write!(
                f,
                "parameter `{key}` belongs to `{scenario}`, which is not switched on (switch it on first, e.g. --scenario or --mitigation {scenario})"
            ),
            LabError::InvalidValue {
                key,
                value,
                expected,
            } => write!(f, "invalid value `{value}` for `{key}`: expected {expected}"),
            LabError::OutOfRange {
                key,
                value,
                allowed,
            } => write!(f, "value `{value}` for `{key}` is out of range (allowed: {allowed})"),
            LabError::BadDuration { input } => write!(
                f,
                "bad duration `{input}`: expected a number with a unit ms, s, m or h (e.g. 500ms, 60s, 10m, 1h)"
            ),
            LabError::NotApplicable { key, detail } => write!(f, "`{key}`: {detail}"),
            LabError::RequiresReset { key } => write!(
                f,
                "system parameter `{key}` applies on reset; change it in the configuration and start a new run"
            ),
            LabError::InvalidRule { detail } => f.write_str(detail),
        }
    }
}

impl std::error::Error for LabError {}
