//! JSON for the files the lab reads and writes (lab configurations, the learner's
//! progress, series exports, the catalogue's prose): a value type, a strict parser and a
//! writer, in place of `serde_json` and the (de)serialisers it instantiates per type,
//! which were 13 KB of the browser's gzipped wasm.
//!
//! - The parser follows RFC 8259 exactly (no comments, no trailing commas, no leading
//!   zeros, escapes only as listed, `\uXXXX` surrogates only in pairs) and refuses
//!   nesting deeper than [`MAX_DEPTH`] before it could exhaust the stack. It never
//!   panics; an [`Error`] says what is wrong and where (line and column, from 1).
//! - Numbers are kept as written: a whole number without `.` or exponent is an integer
//!   (`u64`, or `i64` when negative), anything else an `f64`, as `serde_json` reads them.
//! - Objects keep their members in the order written or built, duplicates included;
//!   [`Value::get`] answers with the last one, as a map would hold it. The caller builds
//!   objects in the order its format has always used ([`object_sorted`] for the formats
//!   that had their keys sorted).
//! - The writer produces exactly `serde_json`'s text: compact, or pretty with two-space
//!   indents; floats as the shortest text that reads back to the same bits (`0.1`,
//!   `3.0`, `1e+16`, `1.5e-7`); NaN and infinities as `null`
//!   (`tests/fixtures/json/` pins it).
//! - [`Fields`] reads an object as a record: unknown fields refused with the list of
//!   those allowed, missing ones named, each value's type checked with a message
//!   naming what was found and what was expected.

use std::fmt;

/// Arrays and objects nested deeper than this are refused (as `serde_json` does).
pub const MAX_DEPTH: usize = 128;

/// A JSON value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Number(Number),
    String(String),
    Array(Vec<Value>),
    /// Members in order; a key may repeat (the last one counts, see [`Value::get`]).
    Object(Vec<(String, Value)>),
}

/// A JSON number as written: a whole number, or a float.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Number {
    /// A whole number from 0 to `u64::MAX`.
    Unsigned(u64),
    /// A negative whole number from `i64::MIN`.
    Negative(i64),
    /// Any other number: with a fraction or exponent, or out of the integer ranges.
    Float(f64),
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl From<u64> for Value {
    fn from(n: u64) -> Self {
        Value::Number(Number::Unsigned(n))
    }
}

impl From<u32> for Value {
    fn from(n: u32) -> Self {
        Value::Number(Number::Unsigned(u64::from(n)))
    }
}

/// NaN and infinities become `null`, as `serde_json` writes them.
impl From<f64> for Value {
    fn from(x: f64) -> Self {
        if x.is_finite() {
            Value::Number(Number::Float(x))
        } else {
            Value::Null
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(s.to_string())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(s)
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

/// An object of `entries` with its keys in byte order (stable: a repeated key keeps its
/// place among its twins), the order `serde_json`'s own map gave every object it built.
pub fn object_sorted(mut entries: Vec<(String, Value)>) -> Value {
    crate::order::sort_by(&mut entries, |a, b| a.0 < b.0);
    Value::Object(entries)
}

/// A string array.
pub fn strings<'a>(items: impl IntoIterator<Item = &'a String>) -> Value {
    Value::Array(
        items
            .into_iter()
            .map(|s| Value::String(s.clone()))
            .collect(),
    )
}

/// An object of string values, in the order given.
pub fn string_map<'a>(items: impl IntoIterator<Item = (&'a String, &'a String)>) -> Value {
    Value::Object(
        items
            .into_iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect(),
    )
}

impl Value {
    /// The member `key` of an object (the last, if it repeats); `None` for a missing key
    /// or a value that is not an object.
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Object(m) => m.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// What the value is, for messages: `string "x"`, `integer `3``, `a sequence`…
    /// (the words `serde` used, so messages read as they did).
    pub fn describe(&self) -> String {
        match self {
            Value::Null => "null".into(),
            Value::Bool(b) => format!("boolean `{b}`"),
            Value::Number(Number::Float(x)) => format!("floating point `{}`", number_text(*x)),
            Value::Number(_) => format!("integer `{}`", self.to_compact()),
            Value::String(s) => format!("string {}", quoted(s)),
            Value::Array(_) => "sequence".into(),
            Value::Object(_) => "map".into(),
        }
    }

    fn invalid(&self, expected: &str) -> String {
        format!("invalid type: {}, expected {expected}", self.describe())
    }

    pub fn as_str(&self) -> Result<&str, String> {
        match self {
            Value::String(s) => Ok(s),
            _ => Err(self.invalid("a string")),
        }
    }

    pub fn as_bool(&self) -> Result<bool, String> {
        match self {
            Value::Bool(b) => Ok(*b),
            _ => Err(self.invalid("a boolean")),
        }
    }

    /// A whole number from 0 to `u64::MAX` (`3.0` is a float, refused as `serde` did).
    pub fn as_u64(&self) -> Result<u64, String> {
        match self {
            Value::Number(Number::Unsigned(n)) => Ok(*n),
            Value::Number(Number::Negative(n)) => Err(format!(
                "invalid value: integer `{n}`, expected a whole number from 0 to {}",
                u64::MAX
            )),
            _ => Err(self.invalid("a whole number")),
        }
    }

    /// A whole number from 0 to `u32::MAX`.
    pub fn as_u32(&self) -> Result<u32, String> {
        match self.as_u64() {
            Ok(n) => u32::try_from(n).map_err(|_| {
                format!(
                    "invalid value: integer `{n}`, expected a whole number from 0 to {}",
                    u32::MAX
                )
            }),
            Err(_) if matches!(self, Value::Number(Number::Negative(_))) => Err(format!(
                "invalid value: {}, expected a whole number from 0 to {}",
                self.describe(),
                u32::MAX
            )),
            Err(e) => Err(e),
        }
    }

    /// Any number, as `f64`.
    pub fn as_f64(&self) -> Result<f64, String> {
        match self {
            Value::Number(Number::Unsigned(n)) => Ok(*n as f64),
            Value::Number(Number::Negative(n)) => Ok(*n as f64),
            Value::Number(Number::Float(x)) => Ok(*x),
            _ => Err(self.invalid("a number")),
        }
    }

    pub fn as_array(&self) -> Result<&[Value], String> {
        match self {
            Value::Array(a) => Ok(a),
            _ => Err(self.invalid("a sequence")),
        }
    }

    /// An object's members in order, repeats included.
    pub fn as_object(&self) -> Result<&[(String, Value)], String> {
        match self {
            Value::Object(m) => Ok(m),
            _ => Err(self.invalid("a map")),
        }
    }

    /// The value as compact JSON text (`serde_json::to_string`).
    pub fn to_compact(&self) -> String {
        let mut out = String::new();
        write(&mut out, self, None);
        out
    }

    /// The value as indented JSON text (`serde_json::to_string_pretty`).
    pub fn to_pretty(&self) -> String {
        let mut out = String::new();
        write(&mut out, self, Some(0));
        out
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_compact())
    }
}

/// An object read as a record of known fields.
pub struct Fields<'a> {
    members: &'a [(String, Value)],
}

impl<'a> Fields<'a> {
    /// Reads `value` as an object whose keys are all in `allowed`; a key that is not is
    /// refused, naming it and listing those allowed.
    pub fn of(value: &'a Value, allowed: &[&str]) -> Result<Fields<'a>, String> {
        let members = value.as_object()?;
        if let Some((k, _)) = members.iter().find(|(k, _)| !allowed.contains(&k.as_str())) {
            return Err(format!("unknown field `{k}`, expected {}", one_of(allowed)));
        }
        Ok(Fields { members })
    }

    /// The field `name`, if given (the last, if given twice).
    pub fn get(&self, name: &str) -> Option<&'a Value> {
        self.members
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }

    /// The field `name`, which must be given.
    pub fn required(&self, name: &str) -> Result<&'a Value, String> {
        self.get(name)
            .ok_or_else(|| format!("missing field `{name}`"))
    }

    /// `read(value)` for a given field, `default` for a missing one; a problem is
    /// prefixed with the field's name.
    pub fn read_or<T>(
        &self,
        name: &str,
        default: T,
        read: impl FnOnce(&'a Value) -> Result<T, String>,
    ) -> Result<T, String> {
        match self.get(name) {
            None => Ok(default),
            Some(v) => read(v).map_err(|e| in_field(name, e)),
        }
    }

    /// `read(value)` for a field that must be given.
    pub fn read<T>(
        &self,
        name: &str,
        read: impl FnOnce(&'a Value) -> Result<T, String>,
    ) -> Result<T, String> {
        read(self.required(name)?).map_err(|e| in_field(name, e))
    }
}

/// `e` said of the field or element `name`.
pub fn in_field(name: &str, e: String) -> String {
    format!("`{name}`: {e}")
}

/// Refuses an object, at any depth, that gives one key twice: what a file says must not
/// depend on which copy a reader takes. The one rule for every file the lab reads (lab
/// configurations, progress); the message names where (`` `params`: duplicate field `x` ``).
pub fn no_duplicate_keys(v: &Value) -> Result<(), String> {
    match v {
        Value::Object(members) => {
            let repeat = first_repeat(members);
            for (i, (k, child)) in members.iter().enumerate() {
                if repeat == Some(i) {
                    return Err(format!("duplicate field `{k}`"));
                }
                no_duplicate_keys(child).map_err(|e| in_field(k, e))?;
            }
            Ok(())
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                no_duplicate_keys(item).map_err(|e| format!("[{i}]: {e}"))?;
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// The position of the first member whose key an earlier member has. Sorted, not each
/// key compared with every earlier one: a lab file of the largest size read, 60,000
/// distinct keys, took seconds that way (the page froze on its import).
fn first_repeat(members: &[(String, Value)]) -> Option<usize> {
    let mut order: Vec<usize> = (0..members.len()).collect();
    // Stable: members with the same key stay in document order.
    crate::order::sort_by(&mut order, |a, b| members[*a].0 < members[*b].0);
    order
        .windows(2)
        .filter(|w| members[w[0]].0 == members[w[1]].0)
        .map(|w| w[1])
        .min()
}

/// `` `a` ``, `` `a` or `b` `` or `` one of `a`, `b`, `c` `` (as `serde` listed them).
fn one_of(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    match quoted.len() {
        0 => "no fields".into(),
        1 => quoted[0].clone(),
        2 => format!("{} or {}", quoted[0], quoted[1]),
        _ => format!("one of {}", quoted.join(", ")),
    }
}

/// `null` for a missing or null field, else `read(value)`.
pub fn optional<'a, T>(
    v: &'a Value,
    read: impl FnOnce(&'a Value) -> Result<T, String>,
) -> Result<Option<T>, String> {
    match v {
        Value::Null => Ok(None),
        v => read(v).map(Some),
    }
}

/// `s` as a JSON string literal (quotes and escapes).
pub fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    write_str(&mut out, s);
    out
}

fn write(out: &mut String, v: &Value, indent: Option<usize>) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(Number::Unsigned(n)) => out.push_str(&n.to_string()),
        Value::Number(Number::Negative(n)) => out.push_str(&n.to_string()),
        Value::Number(Number::Float(x)) => out.push_str(&number_text(*x)),
        Value::String(s) => write_str(out, s),
        Value::Array(items) => write_seq(out, '[', ']', items.len(), indent, |out, i, inner| {
            write(out, &items[i], inner)
        }),
        Value::Object(members) => {
            write_seq(out, '{', '}', members.len(), indent, |out, i, inner| {
                let (k, v) = &members[i];
                write_str(out, k);
                out.push_str(if inner.is_some() { ": " } else { ":" });
                write(out, v, inner)
            })
        }
    }
}

/// An array or object: `open`, `n` items each written by `item`, `close`; pretty
/// (`indent` = the depth) with one item a line, empty ones as `[]` and `{}`.
fn write_seq(
    out: &mut String,
    open: char,
    close: char,
    n: usize,
    indent: Option<usize>,
    mut item: impl FnMut(&mut String, usize, Option<usize>),
) {
    out.push(open);
    let inner = indent.map(|d| d + 1);
    for i in 0..n {
        if i > 0 {
            out.push(',');
        }
        if let Some(d) = inner {
            newline(out, d);
        }
        item(out, i, inner);
    }
    if let (Some(d), true) = (indent, n > 0) {
        newline(out, d);
    }
    out.push(close);
}

fn newline(out: &mut String, depth: usize) {
    out.push('\n');
    for _ in 0..depth {
        out.push_str("  ");
    }
}

fn write_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if c < ' ' => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                let b = c as usize;
                out.push_str("\\u00");
                out.push(HEX[b >> 4] as char);
                out.push(HEX[b & 15] as char);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A finite float as `serde_json` writes it: the shortest digits that read back to the
/// same bits; plain from 1e-5 up to below 1e16 (`0.00001`, `12.5`, `3.0`), otherwise
/// with an exponent (`1e+16`, `1.5e-7`). NaN and infinities are `null`.
pub fn number_text(x: f64) -> String {
    if !x.is_finite() {
        return "null".into();
    }
    // Rust's `{:e}` gives the shortest round-trip digits: `-1.5e-7`, `1e16`, `0e0`.
    let sci = format!("{x:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => ("-", m),
        None => ("", mantissa),
    };
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let mut out = String::from(sign);
    if (-5..=15).contains(&exp) {
        if exp < 0 {
            out.push_str("0.");
            for _ in 0..(-exp - 1) {
                out.push('0');
            }
            out.push_str(&digits);
        } else {
            let point = exp as usize + 1;
            if digits.len() <= point {
                out.push_str(&digits);
                for _ in digits.len()..point {
                    out.push('0');
                }
                out.push_str(".0");
            } else {
                out.push_str(&digits[..point]);
                out.push('.');
                out.push_str(&digits[point..]);
            }
        }
    } else {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('e');
        out.push(if exp < 0 { '-' } else { '+' });
        out.push_str(&exp.unsigned_abs().to_string());
    }
    out
}

/// Why a text is not JSON, and where: `line` and `column` count from 1 (the column in
/// characters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub message: String,
    pub line: usize,
    pub column: usize,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} at line {} column {}",
            self.message, self.line, self.column
        )
    }
}

impl std::error::Error for Error {}

/// Parses one JSON value (surrounded by optional whitespace) from `text`.
pub fn parse(text: &str) -> Result<Value, Error> {
    let mut p = Parser {
        text,
        bytes: text.as_bytes(),
        pos: 0,
    };
    let v = p.value(0).map_err(|e| p.error(e))?;
    p.skip_ws();
    if p.pos < p.bytes.len() {
        return Err(p.error(format!("unexpected {} after the value", p.found())));
    }
    Ok(v)
}

struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
}

type Step<T> = Result<T, String>;

impl Parser<'_> {
    /// `message` at the current position.
    fn error(&self, message: String) -> Error {
        let before = self.text.get(..self.pos).unwrap_or(self.text);
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        Error {
            message,
            line: before.matches('\n').count() + 1,
            column: before[line_start..].chars().count() + 1,
        }
    }

    /// What is at the current position, for messages.
    fn found(&self) -> String {
        match self.text.get(self.pos..).and_then(|s| s.chars().next()) {
            None => "end of input".into(),
            Some(c) if c.is_control() || c.is_whitespace() || c == '\u{feff}' => {
                format!("character U+{:04X}", c as u32)
            }
            Some(c) => format!("`{c}`"),
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    /// Consumes `b` (after whitespace) or says what was expected instead.
    fn expect(&mut self, b: u8, what: &str) -> Step<()> {
        self.skip_ws();
        if self.peek() == Some(b) {
            self.pos += 1;
            Ok(())
        } else {
            Err(format!("expected {what}, found {}", self.found()))
        }
    }

    fn value(&mut self, depth: usize) -> Step<Value> {
        self.skip_ws();
        match self.peek() {
            Some(b'n') => self.word("null", Value::Null),
            Some(b't') => self.word("true", Value::Bool(true)),
            Some(b'f') => self.word("false", Value::Bool(false)),
            Some(b'"') => self.string().map(Value::String),
            Some(b'-' | b'0'..=b'9') => self.number().map(Value::Number),
            Some(b'[') => {
                let depth = self.enter(depth)?;
                let mut items = Vec::new();
                self.pos += 1;
                if self.closes(b']') {
                    return Ok(Value::Array(items));
                }
                loop {
                    items.push(self.value(depth)?);
                    if self.after_item(b']', "`,` or `]`")? {
                        return Ok(Value::Array(items));
                    }
                }
            }
            Some(b'{') => {
                let depth = self.enter(depth)?;
                let mut members = Vec::new();
                self.pos += 1;
                if self.closes(b'}') {
                    return Ok(Value::Object(members));
                }
                loop {
                    self.skip_ws();
                    if self.peek() != Some(b'"') {
                        return Err(format!(
                            "expected a member name (a string), found {}",
                            self.found()
                        ));
                    }
                    let key = self.string()?;
                    self.expect(b':', "`:` after the member name")?;
                    members.push((key, self.value(depth)?));
                    if self.after_item(b'}', "`,` or `}`")? {
                        return Ok(Value::Object(members));
                    }
                }
            }
            _ => Err(format!("expected a value, found {}", self.found())),
        }
    }

    /// One level deeper, refused past `MAX_DEPTH`.
    fn enter(&self, depth: usize) -> Step<usize> {
        if depth >= MAX_DEPTH {
            Err(format!("nested more than {MAX_DEPTH} levels deep"))
        } else {
            Ok(depth + 1)
        }
    }

    /// Consumes `close` if it comes next (an empty array or object).
    fn closes(&mut self, close: u8) -> bool {
        self.skip_ws();
        let hit = self.peek() == Some(close);
        if hit {
            self.pos += 1;
        }
        hit
    }

    /// After an item: `,` (then another item must follow) or `close` (true: done).
    fn after_item(&mut self, close: u8, what: &str) -> Step<bool> {
        self.skip_ws();
        match self.peek() {
            Some(b',') => {
                self.pos += 1;
                self.skip_ws();
                if matches!(self.peek(), Some(b']' | b'}')) {
                    Err(format!("trailing comma before {}", self.found()))
                } else {
                    Ok(false)
                }
            }
            Some(b) if b == close => {
                self.pos += 1;
                Ok(true)
            }
            _ => Err(format!("expected {what}, found {}", self.found())),
        }
    }

    fn word(&mut self, word: &str, v: Value) -> Step<Value> {
        if self.bytes[self.pos..].starts_with(word.as_bytes()) {
            self.pos += word.len();
            Ok(v)
        } else {
            Err(format!("expected a value, found {}", self.found()))
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
        self.pos - start
    }

    fn number(&mut self) -> Step<Number> {
        let start = self.pos;
        let negative = self.peek() == Some(b'-');
        if negative {
            self.pos += 1;
        }
        let int_start = self.pos;
        match self.digits() {
            0 => return Err(format!("expected a digit, found {}", self.found())),
            n if n > 1 && self.bytes[int_start] == b'0' => {
                self.pos = int_start + 1;
                return Err("a number may not start with 0 followed by digits".into());
            }
            _ => {}
        }
        let mut float = false;
        if self.peek() == Some(b'.') {
            float = true;
            self.pos += 1;
            if self.digits() == 0 {
                return Err(format!(
                    "expected a digit after the decimal point, found {}",
                    self.found()
                ));
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            float = true;
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return Err(format!(
                    "expected a digit in the exponent, found {}",
                    self.found()
                ));
            }
        }
        let text = &self.text[start..self.pos];
        if !float {
            if negative {
                match text.parse::<i64>() {
                    Ok(0) => return Ok(Number::Float(-0.0)),
                    Ok(n) => return Ok(Number::Negative(n)),
                    Err(_) => {}
                }
            } else if let Ok(n) = text.parse::<u64>() {
                return Ok(Number::Unsigned(n));
            }
        }
        match text.parse::<f64>() {
            Ok(x) if x.is_finite() => Ok(Number::Float(x)),
            _ => {
                self.pos = start;
                Err(format!("number {text} is out of range"))
            }
        }
    }

    fn hex4(&mut self) -> Step<u32> {
        let mut n = 0;
        for _ in 0..4 {
            let d = self
                .peek()
                .and_then(|b| (b as char).to_digit(16))
                .ok_or_else(|| {
                    format!(
                        "expected 4 hexadecimal digits after \\u, found {}",
                        self.found()
                    )
                })?;
            n = n * 16 + d;
            self.pos += 1;
        }
        Ok(n)
    }

    fn string(&mut self) -> Step<String> {
        self.pos += 1; // the opening quote
        let mut out = String::new();
        loop {
            let start = self.pos;
            while let Some(b) = self.peek() {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.pos += 1;
            }
            // Stops only at ASCII bytes, so both ends are character boundaries.
            out.push_str(&self.text[start..self.pos]);
            match self.peek() {
                None => return Err("unexpected end of input in a string".into()),
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.pos += 1;
                    let c = match self.peek() {
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'/') => '/',
                        Some(b'b') => '\u{8}',
                        Some(b'f') => '\u{c}',
                        Some(b'n') => '\n',
                        Some(b'r') => '\r',
                        Some(b't') => '\t',
                        Some(b'u') => {
                            self.pos += 1;
                            let at = self.pos - 2;
                            let c = self.unicode_escape().inspect_err(|_| {
                                if self.pos > at + 6 {
                                    self.pos = at;
                                }
                            })?;
                            out.push(c);
                            continue;
                        }
                        _ => {
                            return Err(format!("invalid escape: \\ followed by {}", self.found()))
                        }
                    };
                    self.pos += 1;
                    out.push(c);
                }
                Some(_) => {
                    return Err(format!(
                        "{} in a string (control characters must be escaped)",
                        self.found()
                    ))
                }
            }
        }
    }

    /// After `\u`: one character, from a pair of escapes for one beyond U+FFFF.
    fn unicode_escape(&mut self) -> Step<char> {
        let first = self.hex4()?;
        let code = match first {
            0xD800..=0xDBFF => {
                if !self.bytes[self.pos..].starts_with(b"\\u") {
                    return Err(format!(
                        "unpaired surrogate \\u{first:04X} (a high surrogate must be followed by \\uDC00 to \\uDFFF)"
                    ));
                }
                self.pos += 2;
                let second = self.hex4()?;
                if !(0xDC00..=0xDFFF).contains(&second) {
                    return Err(format!(
                        "unpaired surrogate \\u{first:04X} (followed by \\u{second:04X}, not \\uDC00 to \\uDFFF)"
                    ));
                }
                0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
            }
            0xDC00..=0xDFFF => {
                return Err(format!(
                    "unpaired surrogate \\u{first:04X} (a low surrogate must follow a high one)"
                ))
            }
            c => c,
        };
        char::from_u32(code).ok_or_else(|| format!("invalid character code {code:X}"))
    }
}

#[cfg(test)]
mod tests;
