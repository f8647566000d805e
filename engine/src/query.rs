//! Queries over a running lab: a small subset of PromQL, evaluated on the sampled
//! history of the metrics registry and the golden series. Alerts, tutorial checks and
//! dashboard panels all read the simulation through it, so what a panel shows is what a
//! check tests.
//!
//! ```text
//! expr      := term (('+' | '-') term)*
//! term      := unary (('*' | '/') unary)*
//! unary     := '-' unary | primary
//! primary   := number | '(' expr ')' | call | selector
//! call      := ('rate' | 'increase' | 'avg_over_time' | 'max_over_time'
//!               | 'min_over_time') '(' selector '[' duration ']' ')'
//!            | 'histogram_quantile' '(' number ',' (selector '[' duration ']'
//!               | ('rate' | 'increase') '(' selector '[' duration ']' ')') ')'
//!            | ('sum' | 'max' | 'min' | 'avg' | 'count') '(' vector ')'
//! selector  := name ('{' matcher (',' matcher)* '}')?
//! matcher   := label ('=' | '!=' | '=~' | '!~') "string"
//! condition := expr ('>' | '>=' | '<' | '<=' | '==' | '!=') number
//! ```
//!
//! A bare name is a golden series (`latency_p99_s`, `error_rate`, …, see
//! `GOLDEN_SERIES`) or a metric. A selector or a range function gives one value per
//! matching series; used as a number it is their sum, like `sum(...)`. A range
//! function sees the samples in `[t - window, t]`. `histogram_quantile` adds the bucket
//! increases of every matching series (Prometheus's `sum by (le)`). Regular expressions
//! are anchored and support literals, `.`, `[...]` classes, `*`, `+`, `?`, `|` and groups.
//!
//! No data is NaN: a metric nobody registered yet, or no sample before `t`. A registered
//! family whose series all fail the label matchers sums to 0 (nothing of that kind
//! happened). A `Condition` on NaN neither holds nor fails: `holds` returns `None`.

use crate::catalog;
use crate::golden::{Series, GOLDEN_SERIES};
use crate::metrics::{self, MetricKind, Registry};
use crate::time::{Nanos, NS_PER_MS, NS_PER_SEC};
use std::cell::Cell;
use std::fmt;

/// A parse or validation error: where in the source, and what was expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryError {
    pub source: String,
    /// Byte offset in `source` (its length for "unexpected end").
    pub position: usize,
    pub message: String,
}

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "in query `{}` at column {}: {}",
            self.source,
            self.position + 1,
            self.message
        )
    }
}

impl std::error::Error for QueryError {}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MatchOp {
    Eq,
    Ne,
    Re,
    NotRe,
}

#[derive(Debug, Clone, PartialEq)]
struct Matcher {
    label: String,
    op: MatchOp,
    value: String,
    regex: Option<Regex>,
}

impl Matcher {
    fn matches(&self, v: &str) -> bool {
        match self.op {
            MatchOp::Eq => v == self.value,
            MatchOp::Ne => v != self.value,
            MatchOp::Re => self.regex.as_ref().is_some_and(|r| r.is_match(v)),
            MatchOp::NotRe => !self.regex.as_ref().is_some_and(|r| r.is_match(v)),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
struct Selector {
    name: String,
    matchers: Vec<Matcher>,
    /// Byte offset of the name (for validation errors).
    at: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RangeFn {
    Rate,
    Increase,
    AvgOverTime,
    MaxOverTime,
    MinOverTime,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Agg {
    Sum,
    Max,
    Min,
    Avg,
    Count,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
}

#[derive(Debug, Clone, PartialEq)]
enum Expr {
    Num(f64),
    Golden(&'static str),
    Instant(Selector),
    Range(RangeFn, Selector, Nanos),
    Quantile(f64, Selector, Nanos),
    Agg(Agg, Box<Expr>),
    Neg(Box<Expr>),
    Bin(Box<Expr>, BinOp, Box<Expr>),
}

/// A parsed query.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    source: String,
    expr: Expr,
}

impl fmt::Display for Query {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

impl Query {
    /// Parses `source`; the error names the column and what was expected there.
    pub fn parse(source: &str) -> Result<Query, QueryError> {
        let mut p = Parser::new(source);
        let expr = p.expr()?;
        p.skip_ws();
        if p.pos < p.src.len() {
            return Err(p.err("expected an operator (+ - * /) or the end of the query"));
        }
        Ok(Query {
            source: source.trim().to_string(),
            expr,
        })
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    /// The metric names the query reads (not the golden series), sorted, unique.
    pub fn metric_names(&self) -> Vec<String> {
        let mut out = Vec::new();
        walk_selectors(&self.expr, &mut |s, _| out.push(s.name.clone()));
        crate::order::sort(&mut out);
        out.dedup();
        out
    }

    /// The golden series the query reads (`latency_p99_s`, …), sorted, unique: what a
    /// dashboard needs to put an alert on the chart of the series it watches.
    pub fn golden_series(&self) -> Vec<&'static str> {
        fn walk(e: &Expr, out: &mut Vec<&'static str>) {
            match e {
                Expr::Golden(name) => out.push(name),
                Expr::Instant(s) | Expr::Range(_, s, _) | Expr::Quantile(_, s, _) => {
                    if is_golden(s) {
                        if let Some(g) = GOLDEN_SERIES.iter().find(|g| **g == s.name) {
                            out.push(g);
                        }
                    }
                }
                Expr::Num(_) => {}
                Expr::Agg(_, inner) | Expr::Neg(inner) => walk(inner, out),
                Expr::Bin(a, _, b) => {
                    walk(a, out);
                    walk(b, out);
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.expr, &mut out);
        crate::order::sort(&mut out);
        out.dedup();
        out
    }

    /// Checks every name against the catalogue's declared metrics and each function
    /// against the metric's type (`rate` of a gauge, a quantile of a counter are errors).
    pub fn validate(&self) -> Result<(), QueryError> {
        let mut first: Option<QueryError> = None;
        walk_selectors(&self.expr, &mut |sel, use_| {
            if first.is_some() {
                return;
            }
            let err = |message: String| QueryError {
                source: self.source.clone(),
                position: sel.at,
                message,
            };
            if is_golden(sel) {
                first = Some(err(format!(
                    "`{}` is a golden series (already a rate or a gauge); rate() and increase() need a counter — use avg_over_time, max_over_time or min_over_time",
                    sel.name
                )));
                return;
            }
            let Some(spec) = catalog::find_metric(&sel.name) else {
                first = Some(err(format!(
                    "unknown metric `{}` (allowed: a golden series ({}) or a declared metric; `sdl describe ID` lists a scenario's)",
                    sel.name,
                    GOLDEN_SERIES.join(", ")
                )));
                return;
            };
            let kind_ok = match use_ {
                Use::Instant | Use::OverTime => true,
                Use::Counter => spec.kind != MetricKind::Gauge,
                Use::Histogram => spec.kind == MetricKind::Histogram,
            };
            if !kind_ok {
                first = Some(err(format!(
                    "`{}` is a {}; {}",
                    sel.name,
                    spec.kind.as_str(),
                    match use_ {
                        Use::Counter => "rate() and increase() need a counter or a histogram",
                        _ => "histogram_quantile() needs a histogram",
                    }
                )));
                return;
            }
            for m in &sel.matchers {
                if !spec.labels.contains(&m.label.as_str()) {
                    first = Some(err(format!(
                        "`{}` has no label `{}` (its labels: {})",
                        sel.name,
                        m.label,
                        if spec.labels.is_empty() {
                            "none".to_string()
                        } else {
                            spec.labels.join(", ")
                        }
                    )));
                    return;
                }
            }
        });
        first.map_or(Ok(()), Err)
    }

    /// The value at the run's latest sample (NaN before the first sample).
    pub fn eval(&self, run: &impl Run) -> f64 {
        let run = run.view();
        match run.latest_sample() {
            Some(t) => scalar(eval(&self.expr, run, t)),
            None => f64::NAN,
        }
    }

    /// The value at the latest sample at or before `t`.
    pub fn eval_at(&self, run: &impl Run, t: Nanos) -> f64 {
        scalar(eval(&self.expr, run.view(), t))
    }
}

/// Something a run can be read from: a `Lab` (`sim` implements this), or a `RunView`
/// of its parts. Queries take it by reference so `&Lab`, `&mut Lab` and `&RunView`
/// all do.
pub trait Run {
    fn view(&self) -> RunView<'_>;
}

/// A run as queries read it: its metrics registry and its golden series (in
/// `GOLDEN_SERIES` order). `Lab::run` gives one.
#[derive(Clone, Copy)]
pub struct RunView<'a> {
    pub metrics: &'a Registry,
    pub golden: &'a [Series],
}

impl<'a> RunView<'a> {
    /// A golden series by name (see `GOLDEN_SERIES`).
    pub fn series(&self, name: &str) -> Option<&'a Series> {
        GOLDEN_SERIES
            .iter()
            .position(|n| *n == name)
            .and_then(|i| self.golden.get(i))
    }

    /// Time of the run's latest sample.
    pub fn latest_sample(&self) -> Option<Nanos> {
        self.series(GOLDEN_SERIES[0])
            .and_then(|s| s.last())
            .map(|p| p.0)
    }
}

impl Run for RunView<'_> {
    fn view(&self) -> RunView<'_> {
        *self
    }
}

/// Time of the run's latest sample.
pub fn latest_sample(run: &impl Run) -> Option<Nanos> {
    run.view().latest_sample()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
    Gt,
    Ge,
    Lt,
    Le,
    Eq,
    Ne,
}

impl Cmp {
    pub fn as_str(self) -> &'static str {
        match self {
            Cmp::Gt => ">",
            Cmp::Ge => ">=",
            Cmp::Lt => "<",
            Cmp::Le => "<=",
            Cmp::Eq => "==",
            Cmp::Ne => "!=",
        }
    }

    pub fn test(self, a: f64, b: f64) -> bool {
        match self {
            Cmp::Gt => a > b,
            Cmp::Ge => a >= b,
            Cmp::Lt => a < b,
            Cmp::Le => a <= b,
            Cmp::Eq => a == b,
            Cmp::Ne => a != b,
        }
    }
}

/// `expr OP threshold`, e.g. `latency_p99_s > 0.4`.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    query: Query,
    cmp: Cmp,
    threshold: f64,
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {}",
            self.query,
            self.cmp.as_str(),
            metrics::prom_num(self.threshold)
        )
    }
}

impl Condition {
    pub fn parse(source: &str) -> Result<Condition, QueryError> {
        let mut p = Parser::new(source);
        let expr = p.expr()?;
        let lhs_end = p.pos;
        p.skip_ws();
        let cmp = p.cmp().ok_or_else(|| {
            p.err("expected a comparison (>, >=, <, <=, ==, !=) followed by a number")
        })?;
        p.skip_ws();
        let neg = p.eat('-');
        let threshold = p
            .number()
            .ok_or_else(|| p.err("expected a number after the comparison"))?;
        p.skip_ws();
        if p.pos < p.src.len() {
            return Err(p.err("expected the end of the condition after the number"));
        }
        Ok(Condition {
            query: Query {
                source: source[..lhs_end].trim().to_string(),
                expr,
            },
            cmp,
            threshold: if neg { -threshold } else { threshold },
        })
    }

    pub fn new(query: Query, cmp: Cmp, threshold: f64) -> Condition {
        Condition {
            query,
            cmp,
            threshold,
        }
    }

    pub fn query(&self) -> &Query {
        &self.query
    }
    pub fn cmp(&self) -> Cmp {
        self.cmp
    }
    pub fn threshold(&self) -> f64 {
        self.threshold
    }

    /// Whether the condition holds at the latest sample; `None` while there is no data.
    pub fn holds(&self, run: &impl Run) -> Option<bool> {
        self.test(self.query.eval(run))
    }

    /// Whether it holds at the latest sample at or before `t`.
    pub fn holds_at(&self, run: &impl Run, t: Nanos) -> Option<bool> {
        self.test(self.query.eval_at(run, t))
    }

    /// Applies the comparison to a value of the query; `None` for NaN.
    pub fn test(&self, v: f64) -> Option<bool> {
        (!v.is_nan()).then(|| self.cmp.test(v, self.threshold))
    }
}

// ---- evaluation ----

enum Value {
    Scalar(f64),
    /// One value per matching series; `family` says whether the metric exists at all.
    Vector {
        values: Vec<f64>,
        family: bool,
    },
}

fn scalar(v: Value) -> f64 {
    match v {
        Value::Scalar(x) => x,
        Value::Vector { values, family } => {
            if values.is_empty() {
                if family {
                    0.0
                } else {
                    f64::NAN
                }
            } else {
                values.iter().sum()
            }
        }
    }
}

/// The series of `sel`'s family that pass its matchers. `None` if the family is not
/// registered (yet) in this run.
fn matching(reg: &Registry, sel: &Selector) -> Option<(MetricKind, Vec<usize>)> {
    let (spec, series) = reg.family_series(&sel.name)?;
    let names = spec.labels;
    let keep = series
        .into_iter()
        .filter(|(_, values)| {
            sel.matchers.iter().all(|m| {
                let v = names
                    .iter()
                    .position(|n| *n == m.label)
                    .and_then(|i| values.get(i))
                    .map_or("", |s| s.as_str());
                m.matches(v)
            })
        })
        .map(|(i, _)| i)
        .collect();
    Some((spec.kind, keep))
}

fn eval(e: &Expr, run: RunView, t: Nanos) -> Value {
    let reg = run.metrics;
    match e {
        Expr::Num(x) => Value::Scalar(*x),
        Expr::Golden(name) => Value::Scalar(
            run.series(name)
                .and_then(|s| s.at(t))
                .map_or(f64::NAN, |p| p.1),
        ),
        Expr::Instant(sel) => match matching(reg, sel) {
            None => Value::Vector {
                values: Vec::new(),
                family: false,
            },
            Some((_, series)) => Value::Vector {
                values: series
                    .iter()
                    .filter_map(|&s| reg.value_at(s, t).map(|p| p.1))
                    .collect(),
                family: true,
            },
        },
        Expr::Range(f, sel, window) if is_golden(sel) => {
            let start = t.saturating_sub(*window);
            let pts: Vec<(Nanos, f64)> = run
                .series(&sel.name)
                .map(|s| s.iter().filter(|p| p.0 >= start && p.0 <= t).collect())
                .unwrap_or_default();
            Value::Scalar(over_time(*f, &pts, t, *window).unwrap_or(f64::NAN))
        }
        Expr::Range(f, sel, window) => match matching(reg, sel) {
            None => Value::Vector {
                values: Vec::new(),
                family: false,
            },
            Some((_, series)) => {
                let start = t.saturating_sub(*window);
                let values = series
                    .iter()
                    .filter_map(|&s| {
                        let pts = reg.values_between(s, start, t);
                        over_time(*f, &pts, t, *window)
                    })
                    .collect();
                Value::Vector {
                    values,
                    family: true,
                }
            }
        },
        Expr::Quantile(q, sel, window) => {
            let Some((MetricKind::Histogram, series)) = matching(reg, sel) else {
                return Value::Scalar(f64::NAN);
            };
            let Some(spec) = reg.spec(&sel.name) else {
                return Value::Scalar(f64::NAN);
            };
            let mut sum = vec![0u64; spec.buckets.len() + 1];
            let start = t.saturating_sub(*window);
            for s in series {
                let Some((_, now)) = reg.buckets_at(s, t) else {
                    continue;
                };
                // The window is (start, t], as for rate(): subtract the sample at its
                // start (the latest at or before it), else nothing was counted yet.
                let before = reg.buckets_at(s, start).map(|p| p.1);
                for (j, c) in now.iter().enumerate() {
                    let b = before.as_ref().and_then(|v| v.get(j)).copied().unwrap_or(0);
                    if let Some(slot) = sum.get_mut(j) {
                        *slot += c.saturating_sub(b);
                    }
                }
            }
            Value::Scalar(metrics::histogram_quantile(*q, spec.buckets, &sum))
        }
        Expr::Agg(agg, inner) => match eval(inner, run, t) {
            Value::Scalar(x) => Value::Scalar(x),
            Value::Vector { values, family } => {
                if values.is_empty() {
                    return Value::Scalar(match (agg, family) {
                        (Agg::Sum | Agg::Count, true) => 0.0,
                        _ => f64::NAN,
                    });
                }
                let n = values.len() as f64;
                Value::Scalar(match agg {
                    Agg::Sum => values.iter().sum(),
                    Agg::Max => values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
                    Agg::Min => values.iter().copied().fold(f64::INFINITY, f64::min),
                    Agg::Avg => values.iter().sum::<f64>() / n,
                    Agg::Count => n,
                })
            }
        },
        Expr::Neg(inner) => Value::Scalar(-scalar(eval(inner, run, t))),
        Expr::Bin(a, op, b) => {
            let (x, y) = (scalar(eval(a, run, t)), scalar(eval(b, run, t)));
            Value::Scalar(match op {
                BinOp::Add => x + y,
                BinOp::Sub => x - y,
                BinOp::Mul => x * y,
                BinOp::Div => x / y,
            })
        }
    }
}

/// A range function over one series' samples in the window; `None` without samples.
fn over_time(f: RangeFn, pts: &[(Nanos, f64)], t: Nanos, window: Nanos) -> Option<f64> {
    if pts.is_empty() {
        return None;
    }
    Some(match f {
        RangeFn::Rate => metrics::rate(pts, t, window),
        RangeFn::Increase => metrics::increase(pts, t, window),
        RangeFn::AvgOverTime => pts.iter().map(|p| p.1).sum::<f64>() / pts.len() as f64,
        RangeFn::MaxOverTime => pts.iter().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max),
        RangeFn::MinOverTime => pts.iter().map(|p| p.1).fold(f64::INFINITY, f64::min),
    })
}

/// `latency_p99_s[1m]` and the like: a golden series inside a range function.
fn is_golden(sel: &Selector) -> bool {
    sel.matchers.is_empty() && GOLDEN_SERIES.contains(&sel.name.as_str())
}

#[derive(Clone, Copy)]
enum Use {
    Instant,
    OverTime,
    Counter,
    Histogram,
}

fn walk_selectors(e: &Expr, f: &mut impl FnMut(&Selector, Use)) {
    match e {
        Expr::Num(_) | Expr::Golden(_) => {}
        Expr::Instant(s) => f(s, Use::Instant),
        Expr::Range(RangeFn::Rate | RangeFn::Increase, s, _) if is_golden(s) => f(s, Use::Counter),
        Expr::Range(_, s, _) if is_golden(s) => {}
        Expr::Range(RangeFn::Rate | RangeFn::Increase, s, _) => f(s, Use::Counter),
        Expr::Range(_, s, _) => f(s, Use::OverTime),
        Expr::Quantile(_, s, _) => f(s, Use::Histogram),
        Expr::Agg(_, inner) | Expr::Neg(inner) => walk_selectors(inner, f),
        Expr::Bin(a, _, b) => {
            walk_selectors(a, f);
            walk_selectors(b, f);
        }
    }
}

// ---- parsing ----

struct Parser<'a> {
    src: &'a str,
    pos: usize,
}

impl<'a> Parser<'a> {
    fn new(src: &'a str) -> Self {
        Parser { src, pos: 0 }
    }

    fn err(&self, message: &str) -> QueryError {
        QueryError {
            source: self.src.to_string(),
            position: self.pos,
            message: message.to_string(),
        }
    }

    fn peek(&self) -> Option<char> {
        self.src[self.pos..].chars().next()
    }

    fn skip_ws(&mut self) {
        while let Some(c) = self.peek() {
            if c.is_whitespace() {
                self.pos += c.len_utf8();
            } else {
                break;
            }
        }
    }

    fn eat(&mut self, c: char) -> bool {
        self.skip_ws();
        if self.peek() == Some(c) {
            self.pos += c.len_utf8();
            true
        } else {
            false
        }
    }

    fn expect(&mut self, c: char, what: &str) -> Result<(), QueryError> {
        if self.eat(c) {
            Ok(())
        } else {
            Err(self.err(&format!("expected `{c}` {what}")))
        }
    }

    fn ident(&mut self) -> Option<String> {
        self.skip_ws();
        let rest = &self.src[self.pos..];
        let len = rest
            .char_indices()
            .find(|&(i, c)| !(c == '_' || c.is_ascii_alphabetic() || (i > 0 && c.is_ascii_digit())))
            .map_or(rest.len(), |(i, _)| i);
        if len == 0 {
            return None;
        }
        self.pos += len;
        Some(rest[..len].to_string())
    }

    fn number(&mut self) -> Option<f64> {
        self.skip_ws();
        let rest = &self.src[self.pos..];
        let mut len = 0;
        let mut seen_e = false;
        for (i, c) in rest.char_indices() {
            let ok = c.is_ascii_digit()
                || c == '.'
                || (!seen_e && i > 0 && (c == 'e' || c == 'E') && {
                    let next = rest[i + 1..].chars().next();
                    matches!(next, Some(d) if d.is_ascii_digit() || d == '-' || d == '+')
                })
                || ((c == '-' || c == '+') && i > 0 && matches!(&rest[i - 1..i], "e" | "E"));
            if !ok {
                break;
            }
            if c == 'e' || c == 'E' {
                seen_e = true;
            }
            len = i + c.len_utf8();
        }
        if len == 0 {
            return None;
        }
        let v: f64 = rest[..len].parse().ok()?;
        self.pos += len;
        v.is_finite().then_some(v)
    }

    fn cmp(&mut self) -> Option<Cmp> {
        let rest = &self.src[self.pos..];
        let (cmp, len) = if rest.starts_with(">=") {
            (Cmp::Ge, 2)
        } else if rest.starts_with("<=") {
            (Cmp::Le, 2)
        } else if rest.starts_with("==") {
            (Cmp::Eq, 2)
        } else if rest.starts_with("!=") {
            (Cmp::Ne, 2)
        } else if rest.starts_with('>') {
            (Cmp::Gt, 1)
        } else if rest.starts_with('<') {
            (Cmp::Lt, 1)
        } else {
            return None;
        };
        self.pos += len;
        Some(cmp)
    }

    fn expr(&mut self) -> Result<Expr, QueryError> {
        let mut lhs = self.term()?;
        loop {
            let op = if self.eat('+') {
                BinOp::Add
            } else if self.eat('-') {
                BinOp::Sub
            } else {
                return Ok(lhs);
            };
            let rhs = self.term()?;
            lhs = Expr::Bin(Box::new(lhs), op, Box::new(rhs));
        }
    }

    fn term(&mut self) -> Result<Expr, QueryError> {
        let mut lhs = self.unary()?;
        loop {
            let op = if self.eat('*') {
                BinOp::Mul
            } else if self.eat('/') {
                BinOp::Div
            } else {
                return Ok(lhs);
            };
            let rhs = self.unary()?;
            lhs = Expr::Bin(Box::new(lhs), op, Box::new(rhs));
        }
    }

    fn unary(&mut self) -> Result<Expr, QueryError> {
        if self.eat('-') {
            return Ok(Expr::Neg(Box::new(self.unary()?)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Expr, QueryError> {
        self.skip_ws();
        if self.eat('(') {
            let e = self.expr()?;
            self.expect(')', "to close the parenthesis")?;
            return Ok(e);
        }
        if let Some(c) = self.peek() {
            if c.is_ascii_digit() || c == '.' {
                return self
                    .number()
                    .map(Expr::Num)
                    .ok_or_else(|| self.err("expected a number"));
            }
        }
        let at = self.pos;
        let Some(name) = self.ident() else {
            return Err(
                self.err("expected a number, a metric or golden series name, a function or `(`")
            );
        };
        let range_fn = match name.as_str() {
            "rate" => Some(RangeFn::Rate),
            "increase" => Some(RangeFn::Increase),
            "avg_over_time" => Some(RangeFn::AvgOverTime),
            "max_over_time" => Some(RangeFn::MaxOverTime),
            "min_over_time" => Some(RangeFn::MinOverTime),
            _ => None,
        };
        let agg = match name.as_str() {
            "sum" => Some(Agg::Sum),
            "max" => Some(Agg::Max),
            "min" => Some(Agg::Min),
            "avg" => Some(Agg::Avg),
            "count" => Some(Agg::Count),
            _ => None,
        };
        self.skip_ws();
        let call = self.peek() == Some('(');
        if call {
            if let Some(f) = range_fn {
                self.expect('(', "after the function name")?;
                let (sel, window) = self.range_selector()?;
                self.expect(')', &format!("to close {name}("))?;
                return Ok(Expr::Range(f, sel, window));
            }
            if let Some(a) = agg {
                self.expect('(', "after the aggregation")?;
                let inner = self.expr()?;
                self.expect(')', &format!("to close {name}("))?;
                return Ok(Expr::Agg(a, Box::new(inner)));
            }
            if name == "histogram_quantile" {
                self.expect('(', "after histogram_quantile")?;
                let q = self
                    .number()
                    .ok_or_else(|| self.err("expected the quantile, a number from 0 to 1"))?;
                if !(0.0..=1.0).contains(&q) {
                    return Err(self.err("the quantile must be between 0 and 1"));
                }
                self.expect(',', "after the quantile")?;
                // Both `h[30s]` and PromQL's `rate(h[30s])` read the same increases.
                let save = self.pos;
                let (sel, window) = match self.ident().as_deref() {
                    Some("rate" | "increase") if self.eat('(') => {
                        let r = self.range_selector()?;
                        self.expect(')', "to close rate(")?;
                        r
                    }
                    _ => {
                        self.pos = save;
                        self.range_selector()?
                    }
                };
                self.expect(')', "to close histogram_quantile(")?;
                return Ok(Expr::Quantile(q, sel, window));
            }
            self.pos = at;
            return Err(self.err(&format!(
                "unknown function `{name}` (allowed: rate, increase, histogram_quantile, avg_over_time, max_over_time, min_over_time, sum, max, min, avg, count)"
            )));
        }
        if range_fn.is_some() || agg.is_some() || name == "histogram_quantile" {
            return Err(self.err(&format!("expected `(` after `{name}`")));
        }
        if let Some(g) = GOLDEN_SERIES.iter().find(|g| **g == name) {
            if self.peek() != Some('{') {
                return Ok(Expr::Golden(g));
            }
        }
        let sel = self.selector_rest(name, at)?;
        self.skip_ws();
        if self.peek() == Some('[') {
            return Err(self.err(
                "a range `[…]` needs a function around it, e.g. rate(…[30s]) or avg_over_time(…[1m])",
            ));
        }
        Ok(Expr::Instant(sel))
    }

    fn range_selector(&mut self) -> Result<(Selector, Nanos), QueryError> {
        self.skip_ws();
        let at = self.pos;
        let name = self
            .ident()
            .ok_or_else(|| self.err("expected a metric name"))?;
        let sel = self.selector_rest(name, at)?;
        self.expect('[', "and a range such as [30s] after the metric")?;
        let window = self.duration()?;
        self.expect(']', "to close the range")?;
        Ok((sel, window))
    }

    fn selector_rest(&mut self, name: String, at: usize) -> Result<Selector, QueryError> {
        let mut matchers = Vec::new();
        if self.eat('{') {
            loop {
                if self.eat('}') {
                    break;
                }
                let label = self
                    .ident()
                    .ok_or_else(|| self.err("expected a label name"))?;
                self.skip_ws();
                let rest = &self.src[self.pos..];
                let (op, len) = if rest.starts_with("=~") {
                    (MatchOp::Re, 2)
                } else if rest.starts_with("!~") {
                    (MatchOp::NotRe, 2)
                } else if rest.starts_with("!=") {
                    (MatchOp::Ne, 2)
                } else if rest.starts_with('=') {
                    (MatchOp::Eq, 1)
                } else {
                    return Err(self.err("expected =, !=, =~ or !~ after the label name"));
                };
                self.pos += len;
                let value_at = self.pos;
                let value = self.string()?;
                let regex = match op {
                    MatchOp::Re | MatchOp::NotRe => {
                        Some(Regex::parse(&value).map_err(|m| QueryError {
                            source: self.src.to_string(),
                            position: value_at,
                            message: format!("bad regular expression: {m}"),
                        })?)
                    }
                    _ => None,
                };
                matchers.push(Matcher {
                    label,
                    op,
                    value,
                    regex,
                });
                if self.eat(',') {
                    continue;
                }
                self.expect('}', "or `,` after the label matcher")?;
                break;
            }
        }
        Ok(Selector { name, matchers, at })
    }

    fn string(&mut self) -> Result<String, QueryError> {
        self.skip_ws();
        let quote = match self.peek() {
            Some(q @ ('"' | '\'')) => q,
            _ => return Err(self.err("expected a quoted string")),
        };
        self.pos += 1;
        let mut out = String::new();
        let mut chars = self.src[self.pos..].char_indices();
        while let Some((i, c)) = chars.next() {
            if c == quote {
                self.pos += i + 1;
                return Ok(out);
            }
            if c == '\\' {
                match chars.next() {
                    Some((_, e)) => out.push(e),
                    None => break,
                }
            } else {
                out.push(c);
            }
        }
        self.pos = self.src.len();
        Err(self.err("unterminated string"))
    }

    fn duration(&mut self) -> Result<Nanos, QueryError> {
        let start = self.pos;
        let n = self
            .number()
            .ok_or_else(|| self.err("expected a duration such as 30s, 500ms, 5m or 1h"))?;
        let unit = match self.ident().as_deref() {
            Some("ms") => NS_PER_MS,
            Some("s") => NS_PER_SEC,
            Some("m") => 60 * NS_PER_SEC,
            Some("h") => 3600 * NS_PER_SEC,
            _ => {
                self.pos = start;
                return Err(self.err("expected a duration with a unit: ms, s, m or h"));
            }
        };
        let ns = n * unit as f64;
        if !(1.0..1e18).contains(&ns) {
            self.pos = start;
            return Err(self.err("the duration must be positive and at most a few years"));
        }
        Ok(ns as Nanos)
    }
}

// ---- a small anchored regular expression matcher (label values are short) ----

#[derive(Debug, Clone, PartialEq)]
struct Regex {
    alt: Vec<Vec<Piece>>,
}

#[derive(Debug, Clone, PartialEq)]
struct Piece {
    atom: Atom,
    min: usize,
    max: usize,
}

#[derive(Debug, Clone, PartialEq)]
enum Atom {
    Char(char),
    Any,
    Class {
        negated: bool,
        ranges: Vec<(char, char)>,
    },
    Group(Box<Regex>),
}

impl Regex {
    fn parse(src: &str) -> Result<Regex, String> {
        let chars: Vec<char> = src.chars().collect();
        let mut i = 0;
        let r = Regex::alternation(&chars, &mut i, 0)?;
        if i < chars.len() {
            return Err(format!("unexpected `{}`", chars[i]));
        }
        Ok(r)
    }

    fn alternation(c: &[char], i: &mut usize, depth: usize) -> Result<Regex, String> {
        if depth > 16 {
            return Err("groups nested too deeply".into());
        }
        let mut alt = vec![Vec::new()];
        while *i < c.len() {
            let ch = c[*i];
            let atom = match ch {
                '|' => {
                    *i += 1;
                    alt.push(Vec::new());
                    continue;
                }
                ')' => break,
                '(' => {
                    *i += 1;
                    let g = Regex::alternation(c, i, depth + 1)?;
                    if c.get(*i) != Some(&')') {
                        return Err("unclosed `(`".into());
                    }
                    *i += 1;
                    Atom::Group(Box::new(g))
                }
                '.' => {
                    *i += 1;
                    Atom::Any
                }
                '[' => {
                    *i += 1;
                    let negated = c.get(*i) == Some(&'^');
                    if negated {
                        *i += 1;
                    }
                    let mut ranges = Vec::new();
                    loop {
                        let Some(&a) = c.get(*i) else {
                            return Err("unclosed `[`".into());
                        };
                        if a == ']' && !ranges.is_empty() {
                            *i += 1;
                            break;
                        }
                        let a = if a == '\\' {
                            *i += 1;
                            *c.get(*i).ok_or("dangling `\\`")?
                        } else {
                            a
                        };
                        *i += 1;
                        if c.get(*i) == Some(&'-') && c.get(*i + 1).is_some_and(|&b| b != ']') {
                            let b = c[*i + 1];
                            *i += 2;
                            ranges.push((a, b));
                        } else {
                            ranges.push((a, a));
                        }
                    }
                    Atom::Class { negated, ranges }
                }
                '\\' => {
                    *i += 1;
                    let e = *c.get(*i).ok_or("dangling `\\`")?;
                    *i += 1;
                    Atom::Char(e)
                }
                '*' | '+' | '?' => return Err(format!("`{ch}` with nothing before it")),
                _ => {
                    *i += 1;
                    Atom::Char(ch)
                }
            };
            let (min, max) = match c.get(*i) {
                Some('*') => (0, usize::MAX),
                Some('+') => (1, usize::MAX),
                Some('?') => (0, 1),
                _ => (1, 1),
            };
            if (min, max) != (1, 1) {
                *i += 1;
            }
            if let Some(seq) = alt.last_mut() {
                seq.push(Piece { atom, min, max });
            }
        }
        Ok(Regex { alt })
    }

    fn is_match(&self, s: &str) -> bool {
        let chars: Vec<char> = s.chars().collect();
        let budget = Cell::new(100_000u32);
        self.match_at(&chars, 0, &mut |end| end == chars.len(), &budget)
    }

    /// Tries to match at `pos`; calls `k` with each end position until it accepts.
    fn match_at(
        &self,
        s: &[char],
        pos: usize,
        k: &mut dyn FnMut(usize) -> bool,
        budget: &Cell<u32>,
    ) -> bool {
        self.alt.iter().any(|seq| match_seq(seq, s, pos, k, budget))
    }
}

fn match_seq(
    seq: &[Piece],
    s: &[char],
    pos: usize,
    k: &mut dyn FnMut(usize) -> bool,
    budget: &Cell<u32>,
) -> bool {
    if budget.get() == 0 {
        return false;
    }
    budget.set(budget.get() - 1);
    let Some((first, rest)) = seq.split_first() else {
        return k(pos);
    };
    match_repeat(first, 0, rest, s, pos, k, budget)
}

fn match_repeat(
    p: &Piece,
    count: usize,
    rest: &[Piece],
    s: &[char],
    pos: usize,
    k: &mut dyn FnMut(usize) -> bool,
    budget: &Cell<u32>,
) -> bool {
    if budget.get() == 0 {
        return false;
    }
    budget.set(budget.get() - 1);
    // Greedy: one more repetition first, then stop here.
    if count < p.max {
        let more = match_atom(
            &p.atom,
            s,
            pos,
            &mut |end| end != pos && match_repeat(p, count + 1, rest, s, end, k, budget),
            budget,
        );
        if more {
            return true;
        }
    }
    count >= p.min && match_seq(rest, s, pos, k, budget)
}

fn match_atom(
    a: &Atom,
    s: &[char],
    pos: usize,
    k: &mut dyn FnMut(usize) -> bool,
    budget: &Cell<u32>,
) -> bool {
    match a {
        Atom::Char(c) => s.get(pos) == Some(c) && k(pos + 1),
        Atom::Any => pos < s.len() && k(pos + 1),
        Atom::Class { negated, ranges } => {
            s.get(pos)
                .is_some_and(|&ch| ranges.iter().any(|&(lo, hi)| lo <= ch && ch <= hi) != *negated)
                && k(pos + 1)
        }
        Atom::Group(g) => g.match_at(s, pos, k, budget),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::Lab;
    use crate::testkit;

    fn re(p: &str, s: &str) -> bool {
        Regex::parse(p).unwrap().is_match(s)
    }

    #[test]
    fn regex_is_anchored_and_supports_the_usual_pieces() {
        assert!(re("5..", "503"));
        assert!(!re("5..", "5030"));
        assert!(!re("5..", "200"));
        assert!(re("5..|429", "429"));
        assert!(re("[45][0-9][0-9]", "404"));
        assert!(!re("[^5].*", "500"));
        assert!(re("GET /(product|cart)", "GET /cart"));
        assert!(re("a*b+c?", "bb"));
        assert!(re(".*", ""));
        assert!(!re("a+", ""));
        assert!(Regex::parse("(a").is_err());
        assert!(Regex::parse("*a").is_err());
        assert!(Regex::parse("[a").is_err());
    }

    #[test]
    fn golden_series_lists_the_golden_names_a_query_reads() {
        let q = Query::parse(
            "avg_over_time(latency_p99_s[1m]) + error_rate * rate(http_requests_total[5s]) + latency_p99_s",
        )
        .unwrap();
        assert_eq!(q.golden_series(), vec!["error_rate", "latency_p99_s"]);
        assert_eq!(q.metric_names(), vec!["http_requests_total".to_string()]);
        let c = Condition::parse("utilization > 0.9").unwrap();
        assert_eq!(c.query().golden_series(), vec!["utilization"]);
    }

    #[test]
    fn parses_the_documented_forms() {
        for q in [
            "latency_p99_s",
            "error_rate * 100",
            "rate(http_requests_total[30s])",
            "rate(http_requests_total{status=~\"5..\"}[1m]) / rate(http_requests_total[1m])",
            "histogram_quantile(0.99, http_request_duration_seconds[30s])",
            "histogram_quantile(0.5, rate(http_request_duration_seconds{endpoint=\"GET /product\"}[5s]))",
            "max(db_pool_in_use)",
            "avg_over_time(latency_p99_s_not_golden[1m])",
            "-(1 - 2) * 3e-1",
            "sum(rate(cache_hits_total[10s])) / (sum(rate(cache_hits_total[10s])) + sum(rate(cache_misses_total[10s])))",
        ] {
            Query::parse(q).unwrap_or_else(|e| panic!("{q}: {e}"));
        }
    }

    #[test]
    fn parse_errors_name_the_column_and_what_was_expected() {
        let cases = [
            ("rate(http_requests_total)", "range"),
            ("rate(x[30])", "unit"),
            ("histogram_quantile(1.5, h[5s])", "between 0 and 1"),
            ("foo(x)", "unknown function"),
            ("x{a=b}", "quoted string"),
            ("x{a=~\"(\"}", "regular expression"),
            ("1 +", "expected a number"),
            ("x[5s]", "needs a function"),
            ("(1", "close the parenthesis"),
            ("x y", "operator"),
            ("", "expected a number"),
            ("x{a=\"b", "unterminated"),
        ];
        for (q, want) in cases {
            let e = Query::parse(q).expect_err(q);
            assert!(e.message.contains(want), "{q}: {e}");
            assert!(e.position <= q.len());
        }
        let e = Condition::parse("latency_p99_s 0.4").unwrap_err();
        assert!(e.message.contains("comparison"), "{e}");
        let e = Condition::parse("latency_p99_s > fast").unwrap_err();
        assert!(e.message.contains("number"), "{e}");
    }

    #[test]
    fn validate_checks_names_types_and_labels() {
        Query::parse("rate(http_requests_total{status=~\"5..\"}[30s])")
            .unwrap()
            .validate()
            .unwrap();
        let bad = [
            ("rate(no_such_metric[5s])", "unknown metric"),
            (
                "histogram_quantile(0.9, http_requests_total[5s])",
                "histogram",
            ),
            ("http_requests_total{colour=\"red\"}", "no label"),
        ];
        for (q, want) in bad {
            let e = Query::parse(q).unwrap().validate().unwrap_err();
            assert!(e.message.contains(want), "{q}: {e}");
        }
        assert_eq!(
            Query::parse("rate(a_total[5s]) + max(b)")
                .unwrap()
                .metric_names(),
            vec!["a_total".to_string(), "b".to_string()]
        );
    }

    #[test]
    fn agrees_with_the_golden_signals_and_the_registry() {
        let mut lab = testkit::run(&testkit::config("web", 3, &[], &[]), 30);
        let golden_p99 = Query::parse("latency_p99_s").unwrap().eval(&lab);
        assert_eq!(golden_p99, lab.golden().latency_p99_s);
        // The golden p99 is over the same 5 s window as this histogram_quantile; both are
        // interpolations inside the same buckets, so they agree closely.
        let hq = Query::parse("histogram_quantile(0.99, http_request_duration_seconds[5s])")
            .unwrap()
            .eval(&lab);
        assert!(
            hq > 0.0 && (hq / golden_p99 - 1.0).abs() < 0.35,
            "{hq} vs {golden_p99}"
        );
        // rate over the whole run equals the counter total over the elapsed time.
        let total = lab.metrics().family_total("http_requests_total");
        let t = latest_sample(&lab).unwrap();
        let inc = Query::parse("increase(http_requests_total[1h])")
            .unwrap()
            .eval(&lab);
        assert!(
            (inc - total).abs() <= total * 0.05 + 1.0,
            "{inc} vs {total} at {t}"
        );
        let r = Query::parse("rate(http_requests_total[10s])")
            .unwrap()
            .eval(&lab);
        assert!(
            r > 0.0 && (r / lab.golden().throughput_rps - 1.0).abs() < 0.3,
            "{r}"
        );
        // Nothing matches a 5xx status at baseline: 0, not NaN; an unregistered family: NaN.
        let five = Query::parse("rate(http_requests_total{status=~\"5..\"}[10s])").unwrap();
        assert_eq!(five.eval(&lab), 0.0);
        assert!(Query::parse("circuit_breaker_state")
            .unwrap()
            .eval(&lab)
            .is_nan());
        let _ = lab.summary();
    }

    /// A quantile's window is (t - w, t], like rate()'s: the bucket counts at t minus
    /// those of the sample at t - w, summed over the family's series.
    #[test]
    fn a_quantile_counts_exactly_the_window_of_samples() {
        let lab = testkit::run(&testkit::config("web", 2, &["slow-db-query"], &[]), 40);
        let t = latest_sample(&lab).unwrap();
        let reg = lab.metrics();
        let (spec, series) = reg.family_series("db_query_duration_seconds").unwrap();
        let mut sum = vec![0u64; spec.buckets.len() + 1];
        for (s, _) in series {
            let now = reg.buckets_at(s, t).unwrap().1;
            let before = reg
                .buckets_at(s, t - 5 * crate::time::NS_PER_SEC)
                .unwrap()
                .1;
            for (k, slot) in sum.iter_mut().enumerate() {
                *slot += now[k] - before[k];
            }
        }
        let want = metrics::histogram_quantile(0.9, spec.buckets, &sum);
        let got = Query::parse("histogram_quantile(0.9, db_query_duration_seconds[5s])")
            .unwrap()
            .eval(&lab);
        assert!(want.is_finite() && got == want, "{got} vs {want}");
    }

    #[test]
    fn conditions_hold_fail_or_wait_for_data() {
        let lab = testkit::run(&testkit::config("web", 1, &["retry-storm"], &[]), 60);
        let c = Condition::parse("error_rate >= 0").unwrap();
        assert_eq!(c.holds(&lab), Some(true));
        assert_eq!(c.to_string(), "error_rate >= 0");
        let c = Condition::parse("latency_p99_s < -1").unwrap();
        assert_eq!(c.holds(&lab), Some(false));
        assert_eq!(c.threshold(), -1.0);
        let c = Condition::parse("circuit_breaker_state > 0").unwrap();
        assert_eq!(c.holds(&lab), None);
        // Evaluated at an earlier time, a query sees only the samples up to then.
        let q = Query::parse("increase(http_requests_total[1h])").unwrap();
        assert!(q.eval_at(&lab, 10 * NS_PER_SEC) < q.eval(&lab));
        let max = Query::parse("max_over_time(latency_p99_s[1m])").unwrap();
        let min = Query::parse("min_over_time(latency_p99_s[1m])").unwrap();
        let now = lab.golden().latency_p99_s;
        assert!(max.eval(&lab) >= now && min.eval(&lab) <= now);
        assert!(max.metric_names().is_empty());
        max.validate().unwrap();
        let e = Query::parse("rate(error_rate[1m])")
            .unwrap()
            .validate()
            .unwrap_err();
        assert!(e.message.contains("golden"), "{e}");
        let fresh = Lab::new(&testkit::config("web", 1, &[], &[])).unwrap();
        assert_eq!(
            Condition::parse("error_rate < 1").unwrap().holds(&fresh),
            None
        );
    }

    #[test]
    fn pathological_regexes_terminate() {
        let r = Regex::parse("(a*)*b").unwrap();
        assert!(!r.is_match(&"a".repeat(40)));
    }
}
