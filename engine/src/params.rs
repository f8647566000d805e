//! Typed parameter schemas: every system, scenario and mitigation declares its parameters
//! (type, unit, default, range, help) and every value is validated against them with a
//! message that names the parameter and what is allowed.

use crate::LabError;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;

/// What values a parameter takes, with its default.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ParamKind {
    Int {
        default: i64,
        min: i64,
        max: i64,
    },
    Float {
        default: f64,
        min: f64,
        max: f64,
    },
    Bool {
        default: bool,
    },
    Choice {
        default: &'static str,
        allowed: &'static [&'static str],
    },
}

/// One declared parameter.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ParamSpec {
    pub name: &'static str,
    pub unit: &'static str,
    pub help: &'static str,
    #[serde(flatten)]
    pub kind: ParamKind,
}

/// A validated parameter value.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum ParamValue {
    Int(i64),
    Float(f64),
    Bool(bool),
    Choice(String),
}

impl fmt::Display for ParamValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParamValue::Int(v) => write!(f, "{v}"),
            ParamValue::Float(v) => write!(f, "{v}"),
            ParamValue::Bool(v) => write!(f, "{v}"),
            ParamValue::Choice(v) => write!(f, "{v}"),
        }
    }
}

impl ParamValue {
    pub fn as_f64(&self) -> f64 {
        match self {
            ParamValue::Int(v) => *v as f64,
            ParamValue::Float(v) => *v,
            ParamValue::Bool(v) => f64::from(u8::from(*v)),
            ParamValue::Choice(_) => 0.0,
        }
    }
}

impl ParamSpec {
    pub const fn int(
        name: &'static str,
        unit: &'static str,
        default: i64,
        min: i64,
        max: i64,
        help: &'static str,
    ) -> Self {
        ParamSpec {
            name,
            unit,
            help,
            kind: ParamKind::Int { default, min, max },
        }
    }
    pub const fn float(
        name: &'static str,
        unit: &'static str,
        default: f64,
        min: f64,
        max: f64,
        help: &'static str,
    ) -> Self {
        ParamSpec {
            name,
            unit,
            help,
            kind: ParamKind::Float { default, min, max },
        }
    }
    pub const fn boolean(name: &'static str, default: bool, help: &'static str) -> Self {
        ParamSpec {
            name,
            unit: "",
            help,
            kind: ParamKind::Bool { default },
        }
    }
    pub const fn choice(
        name: &'static str,
        default: &'static str,
        allowed: &'static [&'static str],
        help: &'static str,
    ) -> Self {
        ParamSpec {
            name,
            unit: "",
            help,
            kind: ParamKind::Choice { default, allowed },
        }
    }

    pub fn default_value(&self) -> ParamValue {
        match self.kind {
            ParamKind::Int { default, .. } => ParamValue::Int(default),
            ParamKind::Float { default, .. } => ParamValue::Float(default),
            ParamKind::Bool { default } => ParamValue::Bool(default),
            ParamKind::Choice { default, .. } => ParamValue::Choice(default.to_string()),
        }
    }

    /// The allowed values as people write them: `1..=256`, `0..=1`, `true|false`, `a|b`.
    pub fn range_text(&self) -> String {
        match self.kind {
            ParamKind::Int { min, max, .. } => format!("{min}..={max}"),
            ParamKind::Float { min, max, .. } => format!("{min}..={max}"),
            ParamKind::Bool { .. } => "true|false".to_string(),
            ParamKind::Choice { allowed, .. } => allowed.join("|"),
        }
    }

    /// The type name used in schemas and messages.
    pub fn type_name(&self) -> &'static str {
        match self.kind {
            ParamKind::Int { .. } => "int",
            ParamKind::Float { .. } => "float",
            ParamKind::Bool { .. } => "bool",
            ParamKind::Choice { .. } => "choice",
        }
    }

    /// Reads and validates a raw value; `key` is how the caller named the parameter
    /// (`workers` or `fixed-latency.delay_ms`) so the message can repeat it.
    pub fn parse_as(&self, key: &str, raw: &str) -> Result<ParamValue, LabError> {
        let raw_t = raw.trim();
        let invalid = |expected: String| LabError::InvalidValue {
            key: key.to_string(),
            value: raw.to_string(),
            expected,
        };
        let out_of_range = || LabError::OutOfRange {
            key: key.to_string(),
            value: raw.to_string(),
            allowed: self.range_text(),
        };
        match self.kind {
            ParamKind::Int { min, max, .. } => {
                let v: i64 = raw_t
                    .parse()
                    .map_err(|_| invalid(format!("an integer in {}", self.range_text())))?;
                if v < min || v > max {
                    return Err(out_of_range());
                }
                Ok(ParamValue::Int(v))
            }
            ParamKind::Float { min, max, .. } => {
                let v: f64 = raw_t
                    .parse()
                    .map_err(|_| invalid(format!("a number in {}", self.range_text())))?;
                if !v.is_finite() {
                    return Err(invalid(format!("a finite number in {}", self.range_text())));
                }
                if v < min || v > max {
                    return Err(out_of_range());
                }
                Ok(ParamValue::Float(v))
            }
            ParamKind::Bool { .. } => match raw_t {
                "true" | "1" | "on" | "yes" => Ok(ParamValue::Bool(true)),
                "false" | "0" | "off" | "no" => Ok(ParamValue::Bool(false)),
                _ => Err(invalid("true or false".to_string())),
            },
            ParamKind::Choice { allowed, .. } => allowed
                .iter()
                .find(|a| **a == raw_t)
                .map(|a| ParamValue::Choice(a.to_string()))
                .ok_or_else(|| invalid(format!("one of {}", allowed.join(", ")))),
        }
    }

    /// Validates a raw value under the parameter's own name.
    pub fn parse(&self, raw: &str) -> Result<ParamValue, LabError> {
        self.parse_as(self.name, raw)
    }
}

/// The effective values of one item's parameters (defaults filled in), by name.
/// A `BTreeMap` so iteration (and so output) has a fixed order.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ParamSet {
    values: BTreeMap<String, ParamValue>,
}

impl ParamSet {
    /// Every parameter at its default.
    pub fn defaults<'a>(specs: impl IntoIterator<Item = &'a ParamSpec>) -> ParamSet {
        // One insert per parameter rather than `collect`, which would sort them first
        // with one more copy of the standard library's sort in the browser bundle.
        let mut values = BTreeMap::new();
        values.extend(
            specs
                .into_iter()
                .map(|s| (s.name.to_string(), s.default_value())),
        );
        ParamSet { values }
    }

    pub fn insert(&mut self, name: &str, value: ParamValue) {
        self.values.insert(name.to_string(), value);
    }

    pub fn get(&self, name: &str) -> Option<&ParamValue> {
        self.values.get(name)
    }

    /// Debug builds refuse a name the set does not hold: every set holds each declared
    /// parameter (at its default if not given), so a miss is a misspelt name in code.
    #[inline]
    fn declared(&self, name: &str) {
        debug_assert!(
            self.values.contains_key(name),
            "parameter `{name}` is not declared (misspelt?)"
        );
    }

    /// A numeric parameter as f64 (0 if absent: callers only ask for declared names).
    pub fn f64(&self, name: &str) -> f64 {
        self.declared(name);
        self.values.get(name).map_or(0.0, ParamValue::as_f64)
    }

    /// An integer parameter (0 if absent).
    pub fn i64(&self, name: &str) -> i64 {
        self.declared(name);
        match self.values.get(name) {
            Some(ParamValue::Int(v)) => *v,
            Some(v) => v.as_f64() as i64,
            None => 0,
        }
    }

    pub fn bool(&self, name: &str) -> bool {
        self.declared(name);
        matches!(self.values.get(name), Some(ParamValue::Bool(true)))
    }

    /// A choice parameter ("" if absent).
    pub fn choice(&self, name: &str) -> &str {
        self.declared(name);
        match self.values.get(name) {
            Some(ParamValue::Choice(v)) => v,
            _ => "",
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &ParamValue)> {
        self.values.iter().map(|(k, v)| (k.as_str(), v))
    }
}

/// Finds `name` among `specs` or says which names exist.
pub fn find_spec<'a>(
    specs: impl IntoIterator<Item = &'a ParamSpec> + Clone,
    name: &str,
    key: &str,
) -> Result<&'a ParamSpec, LabError> {
    specs
        .clone()
        .into_iter()
        .find(|s| s.name == name)
        .ok_or_else(|| LabError::UnknownParam {
            key: key.to_string(),
            allowed: specs.into_iter().map(|s| s.name.to_string()).collect(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    const WORKERS: ParamSpec = ParamSpec::int("workers", "workers", 4, 1, 256, "servers");

    #[test]
    fn out_of_range_names_parameter_and_range() {
        let e = WORKERS.parse("0").unwrap_err().to_string();
        assert!(e.contains("workers") && e.contains("1..=256"), "{e}");
        let e = WORKERS.parse("four").unwrap_err().to_string();
        assert!(e.contains("integer"), "{e}");
        assert_eq!(WORKERS.parse(" 8 ").unwrap(), ParamValue::Int(8));
    }
}
