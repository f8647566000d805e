//! The query language's parser (grammar in `mod.rs`): a hand-written recursive descent
//! over the source, every error naming the column and what was expected there. The
//! lab's old dialect (`histogram_quantile(0.99, h[30s])`) is refused with the standard
//! form in the message.

use super::ast::{
    Agg, BinOp, Cmp, Expr, Func, Group, Grouping, MatchOp, Matcher, Matching, QueryError, RangeFn,
    Selector, Type,
};
use super::regex::Regex;
use crate::time::{Nanos, NS_PER_MS, NS_PER_SEC};

/// Parentheses, unary minus, calls and aggregations nested deeper than this are
/// refused (each opens one `unary`): each level is a recursive call, and a query from a link or a file could
/// nest thousands deep and exhaust the stack (found by `engine/tests/it/fuzz.rs`).
pub const MAX_NESTING: usize = 64;

const KEYWORDS: [&str; 11] = [
    "and",
    "or",
    "unless",
    "bool",
    "on",
    "ignoring",
    "group_left",
    "group_right",
    "by",
    "without",
    "offset",
];

pub(super) struct Parser<'a> {
    pub(super) src: &'a str,
    pub(super) pos: usize,
    /// How many levels are open (each level of nesting opens one).
    depth: usize,
    /// Reading the lab's old dialect (saved before PromQL): `histogram_quantile(q, h[w])`
    /// reads as `histogram_quantile(q, rate(h[w]))`, for `legacy::upgrade` to rewrite.
    pub(super) legacy: bool,
}

impl<'a> Parser<'a> {
    pub(super) fn new(src: &'a str) -> Self {
        Parser {
            src,
            pos: 0,
            depth: 0,
            legacy: false,
        }
    }

    pub(super) fn err(&self, message: &str) -> QueryError {
        self.err_at(self.pos, message)
    }

    fn err_at(&self, position: usize, message: &str) -> QueryError {
        QueryError {
            source: self.src.to_string(),
            position,
            message: message.to_string(),
        }
    }

    pub(super) fn peek(&self) -> Option<char> {
        self.src[self.pos..].chars().next()
    }

    fn rest(&self) -> &'a str {
        &self.src[self.pos..]
    }

    pub(super) fn skip_ws(&mut self) {
        loop {
            match self.peek() {
                Some(c) if c.is_whitespace() => self.pos += c.len_utf8(),
                // A comment runs to the end of the line, as in PromQL.
                Some('#') => {
                    let end = self
                        .rest()
                        .find('\n')
                        .map_or(self.src.len(), |i| self.pos + i);
                    self.pos = end;
                }
                _ => break,
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

    /// A name: letters, digits (not first), `_` and (for metric names) `:`.
    pub(super) fn ident(&mut self) -> Option<String> {
        self.skip_ws();
        let rest = self.rest();
        let len = rest
            .char_indices()
            .find(|&(i, c)| {
                !(c == '_' || c == ':' || c.is_ascii_alphabetic() || (i > 0 && c.is_ascii_digit()))
            })
            .map_or(rest.len(), |(i, _)| i);
        if len == 0 {
            return None;
        }
        self.pos += len;
        Some(rest[..len].to_string())
    }

    /// The keyword `word` if it comes next as a whole word.
    fn keyword(&mut self, word: &str) -> bool {
        self.skip_ws();
        let save = self.pos;
        match self.ident() {
            Some(w) if w == word => true,
            _ => {
                self.pos = save;
                false
            }
        }
    }

    pub(super) fn number(&mut self) -> Option<f64> {
        self.skip_ws();
        let rest = self.rest();
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
        self.skip_ws();
        let rest = self.rest();
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

    fn enter(&mut self) -> Result<(), QueryError> {
        if self.depth >= MAX_NESTING {
            self.skip_ws();
            return Err(self.err(&format!(
                "the query nests too deeply (allowed: up to {MAX_NESTING} levels of parentheses, unary minus, calls and aggregations)"
            )));
        }
        self.depth += 1;
        Ok(())
    }

    /// A whole expression: `or` binds loosest.
    pub(super) fn expr(&mut self) -> Result<Expr, QueryError> {
        self.binary(0)
    }

    /// Binary operators by precedence level, loosest first: `or`; `and`, `unless`;
    /// comparisons; `+ -`; `* / %`. (`^` is in `power`.)
    fn binary(&mut self, level: u8) -> Result<Expr, QueryError> {
        if level == 5 {
            return self.unary();
        }
        let mut lhs = self.binary(level + 1)?;
        loop {
            let at = {
                self.skip_ws();
                self.pos
            };
            let op = match level {
                0 if self.keyword("or") => BinOp::Or,
                1 if self.keyword("and") => BinOp::And,
                1 if self.keyword("unless") => BinOp::Unless,
                2 => match self.cmp() {
                    Some(c) => BinOp::Cmp(c),
                    None => return Ok(lhs),
                },
                3 if self.eat('+') => BinOp::Add,
                3 if self.eat('-') => BinOp::Sub,
                4 if self.eat('*') => BinOp::Mul,
                4 if self.eat('/') => BinOp::Div,
                4 if self.eat('%') => BinOp::Mod,
                _ => return Ok(lhs),
            };
            let (boolean, matching) = self.modifiers(op)?;
            let rhs = self.binary(level + 1)?;
            lhs = self.combine(at, lhs, op, rhs, boolean, matching)?;
        }
    }

    /// `bool`, `on (…)`/`ignoring (…)` and `group_left (…)`/`group_right (…)` after a
    /// binary operator.
    fn modifiers(&mut self, op: BinOp) -> Result<(bool, Option<Matching>), QueryError> {
        let boolean = self.keyword("bool");
        if boolean && !matches!(op, BinOp::Cmp(_)) {
            return Err(self.err("`bool` goes only after a comparison (==, !=, >, <, >=, <=)"));
        }
        let on = if self.keyword("on") {
            true
        } else if self.keyword("ignoring") {
            false
        } else {
            return Ok((boolean, None));
        };
        let labels = self.label_list()?;
        let group = if self.keyword("group_left") {
            Some(true)
        } else if self.keyword("group_right") {
            Some(false)
        } else {
            None
        };
        let group = match group {
            None => None,
            Some(left) => {
                if op.is_set() {
                    return Err(self.err("no grouping allowed for `and`, `or` and `unless`"));
                }
                self.skip_ws();
                let include = if self.peek() == Some('(') {
                    self.label_list()?
                } else {
                    Vec::new()
                };
                Some(Group { left, include })
            }
        };
        Ok((boolean, Some(Matching { on, labels, group })))
    }

    /// Checks a binary operation's operand types as Prometheus does and builds it.
    fn combine(
        &self,
        at: usize,
        lhs: Expr,
        op: BinOp,
        rhs: Expr,
        boolean: bool,
        matching: Option<Matching>,
    ) -> Result<Expr, QueryError> {
        let scalars = lhs.kind() == Type::Scalar && rhs.kind() == Type::Scalar;
        let any_scalar = lhs.kind() == Type::Scalar || rhs.kind() == Type::Scalar;
        if op.is_set() && any_scalar {
            return Err(self.err_at(
                at,
                "`and`, `or` and `unless` need an instant vector on both sides",
            ));
        }
        if matches!(op, BinOp::Cmp(_)) && scalars && !boolean {
            return Err(self.err_at(
                at,
                "a comparison between two numbers needs `bool` (e.g. 1 > bool 0)",
            ));
        }
        if matching.is_some() && any_scalar {
            return Err(self.err_at(
                at,
                "`on`/`ignoring` match two instant vectors; one side here is a number",
            ));
        }
        Ok(Expr::Bin {
            lhs: Box::new(lhs),
            op,
            rhs: Box::new(rhs),
            boolean,
            matching,
            at,
        })
    }

    fn unary(&mut self) -> Result<Expr, QueryError> {
        self.enter()?;
        let e = if self.eat('-') {
            self.unary().map(|e| match e {
                Expr::Num(x) => Expr::Num(-x),
                e => Expr::Neg(Box::new(e)),
            })
        } else if self.eat('+') {
            self.unary()
        } else {
            self.power()
        };
        self.depth -= 1;
        e
    }

    /// `a ^ b`, right-associative and tighter than unary minus (`-2 ^ 2` is -4).
    fn power(&mut self) -> Result<Expr, QueryError> {
        let base = self.primary()?;
        self.skip_ws();
        let at = self.pos;
        if self.eat('^') {
            let (boolean, matching) = self.modifiers(BinOp::Pow)?;
            let exp = self.unary()?;
            return self.combine(at, base, BinOp::Pow, exp, boolean, matching);
        }
        Ok(base)
    }

    fn primary(&mut self) -> Result<Expr, QueryError> {
        self.skip_ws();
        if self.eat('(') {
            // One level of nesting: the `unary` that led here counted it.
            let e = self.expr()?;
            self.expect(')', "to close the parenthesis")?;
            return self.no_range_after(e);
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
        if KEYWORDS.contains(&name.as_str()) {
            return Err(self.err_at(
                at,
                &format!(
                    "`{name}` is a keyword here; expected a number, a name, a function or `(`"
                ),
            ));
        }
        if let Some((_, a)) = Agg::ALL.iter().find(|(n, _)| *n == name) {
            return self.aggregation(*a, &name);
        }
        let range_fn = RangeFn::ALL.iter().find(|(n, _)| *n == name).map(|p| p.1);
        let func = Func::ALL.iter().find(|(n, _)| *n == name).map(|p| p.1);
        self.skip_ws();
        if self.peek() == Some('(') {
            if let Some(f) = range_fn {
                self.expect('(', "after the function name")?;
                let (sel, window) = self.range_arg(&name)?;
                self.expect(')', &format!("to close {name}("))?;
                return Ok(Expr::Range(f, sel, window));
            }
            if let Some(f) = func {
                return self.call(f, &name);
            }
            return Err(self.err_at(
                at,
                &format!(
                    "unknown function `{name}` (allowed: {}, {} and the aggregations {})",
                    RangeFn::ALL.map(|p| p.0).join(", "),
                    Func::ALL.map(|p| p.0).join(", "),
                    Agg::ALL.map(|p| p.0).join(", ")
                ),
            ));
        }
        if range_fn.is_some() || func.is_some() {
            return Err(self.err(&format!("expected `(` after `{name}`")));
        }
        let sel = self.selector_rest(name, at)?;
        self.skip_ws();
        if self.peek() == Some('[') {
            return Err(self.err(
                "a range `[…]` needs a function around it, e.g. rate(…[30s]) or avg_over_time(…[1m])",
            ));
        }
        Ok(Expr::Vector(sel))
    }

    fn no_range_after(&mut self, e: Expr) -> Result<Expr, QueryError> {
        self.skip_ws();
        if self.peek() == Some('[') {
            return Err(self.err(
                "subqueries (`(…)[5m:1s]`) are not supported; a range goes after a metric name inside a function, e.g. rate(x[30s])",
            ));
        }
        Ok(e)
    }

    /// `sum by (l) (e)`, `sum (e) by (l)`, `sum without (l) (e)`, `sum (e)`.
    fn aggregation(&mut self, agg: Agg, name: &str) -> Result<Expr, QueryError> {
        let mut grouping = self.grouping()?;
        self.expect('(', &format!("after `{name}` (or a `by (…)` clause)"))?;
        let inner = self.expr()?;
        self.expect(')', &format!("to close {name}("))?;
        if grouping.is_none() {
            grouping = self.grouping()?;
        }
        if inner.kind() != Type::Vector {
            return Err(self.err(&format!(
                "{name}(…) aggregates an instant vector, not a number"
            )));
        }
        Ok(Expr::Agg(
            agg,
            grouping.unwrap_or(Grouping {
                without: false,
                labels: Vec::new(),
            }),
            Box::new(inner),
        ))
    }

    fn grouping(&mut self) -> Result<Option<Grouping>, QueryError> {
        let without = if self.keyword("by") {
            false
        } else if self.keyword("without") {
            true
        } else {
            return Ok(None);
        };
        Ok(Some(Grouping {
            without,
            labels: self.label_list()?,
        }))
    }

    /// `(label, label, …)`, possibly empty.
    fn label_list(&mut self) -> Result<Vec<String>, QueryError> {
        self.expect('(', "to open the list of labels")?;
        let mut out = Vec::new();
        loop {
            if self.eat(')') {
                return Ok(out);
            }
            let l = self
                .ident()
                .filter(|l| !l.contains(':'))
                .ok_or_else(|| self.err("expected a label name"))?;
            out.push(l);
            if self.eat(',') {
                continue;
            }
            self.expect(')', "or `,` after the label name")?;
            return Ok(out);
        }
    }

    fn call(&mut self, f: Func, name: &str) -> Result<Expr, QueryError> {
        self.expect('(', "after the function name")?;
        let want = f.args();
        let mut args = Vec::new();
        for (i, ty) in want.iter().enumerate() {
            if i > 0 {
                self.expect(',', &format!("between the arguments of {name}("))?;
            }
            self.skip_ws();
            let at = self.pos;
            let arg = self.expr();
            let arg = match (f, i, arg) {
                (Func::HistogramQuantile, 1, Err(e)) if e.message.starts_with("a range") => {
                    if !self.legacy {
                        return Err(self.dialect_quantile(at, &args));
                    }
                    self.pos = at;
                    let (sel, window) = self.range_arg("histogram_quantile")?;
                    Expr::Range(RangeFn::Rate, sel, window)
                }
                (_, _, arg) => arg?,
            };
            if arg.kind() != *ty {
                return Err(self.err_at(
                    at,
                    &format!(
                        "argument {} of {name}() must be {}",
                        i + 1,
                        match ty {
                            Type::Scalar => "a number (a scalar)",
                            Type::Vector => "an instant vector",
                        }
                    ),
                ));
            }
            args.push(arg);
        }
        self.expect(
            ')',
            &format!(
                "to close {name}( (it takes {} argument{})",
                want.len(),
                if want.len() == 1 { "" } else { "s" }
            ),
        )?;
        if let (Func::HistogramQuantile, Some(Expr::Num(q))) = (f, args.first()) {
            if !(0.0..=1.0).contains(q) {
                return Err(self.err("the quantile must be between 0 and 1"));
            }
        }
        Ok(Expr::Call(f, args))
    }

    /// The lab's old `histogram_quantile(0.99, h[30s])`: refused, with the PromQL form.
    fn dialect_quantile(&self, at: usize, args: &[Expr]) -> QueryError {
        let mut p = Parser::new(self.src);
        p.pos = at;
        let name = p.ident().unwrap_or_else(|| "h".into());
        let base = name.trim_end_matches("_bucket");
        let q = match args.first() {
            Some(Expr::Num(q)) => crate::metrics::prom_num(*q),
            _ => "0.99".into(),
        };
        let window = p
            .src
            .get(p.pos..)
            .and_then(|r| r.find('[').zip(r.find(']')))
            .and_then(|(a, b)| p.src.get(p.pos + a + 1..p.pos + b))
            .unwrap_or("5m")
            .to_string();
        self.err_at(
            at,
            &format!(
                "histogram_quantile takes the buckets' rates as an instant vector, as in Prometheus: histogram_quantile({q}, sum by (le) (rate({base}_bucket[{window}])))"
            ),
        )
    }

    /// A range function's argument: `name{…}[range] offset d`.
    fn range_arg(&mut self, func: &str) -> Result<(Selector, Nanos), QueryError> {
        self.skip_ws();
        let at = self.pos;
        let name = self.ident().ok_or_else(|| {
            self.err(&format!(
                "{func}() takes a metric with a range, e.g. {func}(http_requests_total[1m])"
            ))
        })?;
        if KEYWORDS.contains(&name.as_str())
            || RangeFn::ALL.iter().any(|p| p.0 == name)
            || Func::ALL.iter().any(|p| p.0 == name)
            || Agg::ALL.iter().any(|p| p.0 == name)
        {
            self.pos = at;
            return Err(self.err(&format!(
                "{func}() takes a metric with a range, e.g. {func}(http_requests_total[1m]); subqueries are not supported"
            )));
        }
        let mut sel = self.selector_rest(name, at)?;
        self.expect('[', "and a range such as [30s] after the metric")?;
        let window = self.duration()?;
        self.expect(']', "to close the range")?;
        sel.offset = self.offset()?;
        Ok((sel, window))
    }

    fn offset(&mut self) -> Result<Nanos, QueryError> {
        if self.keyword("offset") {
            self.duration()
        } else {
            Ok(0)
        }
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
                    .filter(|l| !l.contains(':'))
                    .ok_or_else(|| self.err("expected a label name"))?;
                if label == "__name__" {
                    return Err(
                        self.err("match the metric by its name before `{`, not by `__name__`")
                    );
                }
                self.skip_ws();
                let rest = self.rest();
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
                self.skip_ws();
                let value_at = self.pos;
                let value = self.string()?;
                let regex = match op {
                    MatchOp::Re | MatchOp::NotRe => Some(Regex::parse(&value).map_err(|m| {
                        self.err_at(value_at, &format!("bad regular expression: {m}"))
                    })?),
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
        let offset = {
            let save = self.pos;
            self.skip_ws();
            if self.peek() == Some('[') {
                self.pos = save;
                0
            } else {
                self.pos = save;
                self.offset()?
            }
        };
        Ok(Selector {
            name,
            matchers,
            offset,
            at,
        })
    }

    pub(super) fn string(&mut self) -> Result<String, QueryError> {
        self.skip_ws();
        let quote = match self.peek() {
            Some(q @ ('"' | '\'' | '`')) => q,
            _ => return Err(self.err("expected a quoted string")),
        };
        self.pos += 1;
        let mut out = String::new();
        let mut chars = self.rest().char_indices();
        while let Some((i, c)) = chars.next() {
            if c == quote {
                self.pos += i + 1;
                return Ok(out);
            }
            if c == '\\' && quote != '`' {
                match chars.next() {
                    Some((_, 'n')) => out.push('\n'),
                    Some((_, 't')) => out.push('\t'),
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

    /// A duration: one or more `<number><unit>` (`1h30m`), units ms, s, m, h, d, w, y.
    pub(super) fn duration(&mut self) -> Result<Nanos, QueryError> {
        self.skip_ws();
        let start = self.pos;
        let mut total: f64 = 0.0;
        let mut parts = 0;
        loop {
            let rest = self.rest();
            let digits = rest.chars().take_while(|c| c.is_ascii_digit()).count();
            if digits == 0 {
                break;
            }
            let n: f64 = rest[..digits].parse().unwrap_or(f64::INFINITY);
            let after = &rest[digits..];
            let (unit, len) = [
                ("ms", NS_PER_MS),
                ("s", NS_PER_SEC),
                ("m", 60 * NS_PER_SEC),
                ("h", 3600 * NS_PER_SEC),
                ("d", 86_400 * NS_PER_SEC),
                ("w", 7 * 86_400 * NS_PER_SEC),
                ("y", 365 * 86_400 * NS_PER_SEC),
            ]
            .iter()
            .find(|(u, _)| after.starts_with(u))
            .map(|(u, ns)| (*ns, u.len()))
            .unwrap_or((0, 0));
            if len == 0 {
                self.pos = start;
                return Err(self.err("expected a duration with a unit: ms, s, m, h, d, w or y"));
            }
            total += n * unit as f64;
            self.pos += digits + len;
            parts += 1;
        }
        if parts == 0 {
            return Err(self.err("expected a duration such as 30s, 500ms, 5m or 1h"));
        }
        if !(1.0..1e18).contains(&total) {
            self.pos = start;
            return Err(self.err("the duration must be positive and at most a few years"));
        }
        Ok(total as Nanos)
    }
}
