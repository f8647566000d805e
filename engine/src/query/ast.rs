//! A parsed query: its syntax tree (selectors with label matchers, range functions,
//! quantiles, aggregations, arithmetic), comparisons, parse errors, and the walk over a
//! tree's selectors that validation and evaluation share.

use super::regex::Regex;
use crate::golden::GOLDEN_SERIES;
use crate::time::Nanos;
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
pub(super) enum MatchOp {
    Eq,
    Ne,
    Re,
    NotRe,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) struct Matcher {
    pub(super) label: String,
    pub(super) op: MatchOp,
    pub(super) value: String,
    pub(super) regex: Option<Regex>,
}

impl Matcher {
    pub(super) fn matches(&self, v: &str) -> bool {
        match self.op {
            MatchOp::Eq => v == self.value,
            MatchOp::Ne => v != self.value,
            MatchOp::Re => self.regex.as_ref().is_some_and(|r| r.is_match(v)),
            MatchOp::NotRe => !self.regex.as_ref().is_some_and(|r| r.is_match(v)),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(super) struct Selector {
    pub(super) name: String,
    pub(super) matchers: Vec<Matcher>,
    /// Byte offset of the name (for validation errors).
    pub(super) at: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum RangeFn {
    Rate,
    Increase,
    AvgOverTime,
    MaxOverTime,
    MinOverTime,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Agg {
    Sum,
    Max,
    Min,
    Avg,
    Count,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Expr {
    Num(f64),
    Golden(&'static str),
    Instant(Selector),
    Range(RangeFn, Selector, Nanos),
    Quantile(f64, Selector, Nanos),
    Agg(Agg, Box<Expr>),
    Neg(Box<Expr>),
    Bin(Box<Expr>, BinOp, Box<Expr>),
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

/// `latency_p99_s[1m]` and the like: a golden series inside a range function.
pub(super) fn is_golden(sel: &Selector) -> bool {
    sel.matchers.is_empty() && GOLDEN_SERIES.contains(&sel.name.as_str())
}

#[derive(Clone, Copy)]
pub(super) enum Use {
    Instant,
    OverTime,
    Counter,
    Histogram,
}

pub(super) fn walk_selectors(e: &Expr, f: &mut impl FnMut(&Selector, Use)) {
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
