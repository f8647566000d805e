//! The query language's parser (grammar in `mod.rs`): a hand-written recursive descent
//! over the source, every error naming the column and what was expected there.

use super::ast::{Agg, BinOp, Cmp, Expr, MatchOp, Matcher, QueryError, RangeFn, Selector};
use super::regex::Regex;
use crate::golden::GOLDEN_SERIES;
use crate::time::{Nanos, NS_PER_MS, NS_PER_SEC};

/// Parentheses, unary minus and aggregations nested deeper than this are refused: each
/// level is a recursive call, and a query from a link or a file could nest thousands
/// deep and exhaust the stack (found by `engine/tests/it/fuzz.rs`).
pub const MAX_NESTING: usize = 64;

pub(super) struct Parser<'a> {
    pub(super) src: &'a str,
    pub(super) pos: usize,
    /// How many `unary`s are open (each level of nesting opens one).
    depth: usize,
}

impl<'a> Parser<'a> {
    pub(super) fn new(src: &'a str) -> Self {
        Parser {
            src,
            pos: 0,
            depth: 0,
        }
    }

    pub(super) fn err(&self, message: &str) -> QueryError {
        QueryError {
            source: self.src.to_string(),
            position: self.pos,
            message: message.to_string(),
        }
    }

    pub(super) fn peek(&self) -> Option<char> {
        self.src[self.pos..].chars().next()
    }

    pub(super) fn skip_ws(&mut self) {
        while let Some(c) = self.peek() {
            if c.is_whitespace() {
                self.pos += c.len_utf8();
            } else {
                break;
            }
        }
    }

    pub(super) fn eat(&mut self, c: char) -> bool {
        self.skip_ws();
        if self.peek() == Some(c) {
            self.pos += c.len_utf8();
            true
        } else {
            false
        }
    }

    pub(super) fn expect(&mut self, c: char, what: &str) -> Result<(), QueryError> {
        if self.eat(c) {
            Ok(())
        } else {
            Err(self.err(&format!("expected `{c}` {what}")))
        }
    }

    pub(super) fn ident(&mut self) -> Option<String> {
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

    pub(super) fn number(&mut self) -> Option<f64> {
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

    pub(super) fn cmp(&mut self) -> Option<Cmp> {
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

    pub(super) fn expr(&mut self) -> Result<Expr, QueryError> {
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

    pub(super) fn term(&mut self) -> Result<Expr, QueryError> {
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

    pub(super) fn unary(&mut self) -> Result<Expr, QueryError> {
        if self.depth >= MAX_NESTING {
            self.skip_ws();
            return Err(self.err(&format!(
                "the query nests too deeply (allowed: up to {MAX_NESTING} levels of parentheses, unary minus and aggregations)"
            )));
        }
        self.depth += 1;
        let e = if self.eat('-') {
            self.unary().map(|e| Expr::Neg(Box::new(e)))
        } else {
            self.primary()
        };
        self.depth -= 1;
        e
    }

    pub(super) fn primary(&mut self) -> Result<Expr, QueryError> {
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

    pub(super) fn range_selector(&mut self) -> Result<(Selector, Nanos), QueryError> {
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

    pub(super) fn selector_rest(
        &mut self,
        name: String,
        at: usize,
    ) -> Result<Selector, QueryError> {
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

    pub(super) fn string(&mut self) -> Result<String, QueryError> {
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

    pub(super) fn duration(&mut self) -> Result<Nanos, QueryError> {
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
