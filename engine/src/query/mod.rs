//! Queries over a running lab in PromQL, Prometheus's query language, evaluated on the
//! sampled history of the metrics registry and the golden series. Alerts, tutorial
//! checks and dashboard panels all read the simulation through it, so what a panel shows
//! is what a check tests, and what a learner pastes into Prometheus or Grafana gives the
//! same answer there.
//!
//! ```text
//! expr     := expr binop modifiers expr | '-' expr | '+' expr | primary
//! binop    := '^' | '*' | '/' | '%' | '+' | '-' | '==' | '!=' | '>' | '<' | '>=' | '<='
//!           | 'and' | 'unless' | 'or'                   (PromQL's precedence, loosest last)
//! modifiers:= ['bool'] [('on' | 'ignoring') labels [('group_left' | 'group_right') [labels]]]
//! primary  := number | '(' expr ')' | selector | rangefn '(' selector '[' duration ']' ')'
//!           | func '(' args ')' | agg [grouping] '(' expr ')' [grouping]
//! selector := name ['{' matcher (',' matcher)* '}'] ['offset' duration]
//! matcher  := label ('=' | '!=' | '=~' | '!~') string
//! rangefn  := rate | irate | increase | delta | avg_over_time | max_over_time
//!           | min_over_time | sum_over_time | count_over_time | last_over_time
//! func     := histogram_quantile | abs | ceil | floor | sqrt | clamp | clamp_min
//!           | clamp_max | vector | scalar | time | absent
//! agg      := sum | avg | min | max | count | group;  grouping := ('by' | 'without') labels
//! ```
//!
//! Semantics are Prometheus 3's: an instant selector reads each series' latest sample
//! within 5 minutes; a range function sees the samples in `(t - range, t]`; `rate`,
//! `increase` and `delta` extrapolate towards the window's edges and handle counter
//! resets; a histogram is its `<name>_bucket` (cumulative, with `le`), `<name>_count`
//! and `<name>_sum` series, and a quantile is
//! `histogram_quantile(0.99, sum by (le) (rate(<name>_bucket[5m])))`; arithmetic between
//! vectors matches elements with identical labels (less `__name__`) unless `on`/`ignoring`
//! says otherwise; a comparison filters, or with `bool` gives 0/1; `sum` of nothing is
//! nothing (write `… or vector(0)` where nothing means zero). Regular expressions are
//! anchored and support literals, `.`, `[...]` classes, `*`, `+`, `?`, `|` and groups.
//! Subqueries and `@` are not supported; a query using them is refused.
//!
//! The golden series (`latency_p99_s`, `error_rate`, …, see `GOLDEN_SERIES`) are named
//! like recording rules: series without labels that the lab computes from its own
//! 5-second windows. Prometheus has them only where a recording rule defines them.
//!
//! Parentheses, unary minus, calls and aggregations nest at most `MAX_NESTING` (64) deep.
//!
//! `Query::evaluate_at` gives the labelled result; `Query::eval_at` its single number
//! (NaN for an empty vector or one with several elements: wrap it in `sum()`). A
//! `Condition` (`query > 0.5`) holds when any element of the query passes, as a
//! Prometheus alert fires; without data (an empty result or only NaN) it neither holds
//! nor fails: `holds` returns `None`.

mod ast;
mod eval;
pub mod legacy;
mod parse;
mod regex;
mod run;
#[cfg(test)]
mod tests;

pub use ast::{Cmp, QueryError};
pub use eval::{Labels, Sample, Value, LOOKBACK_NS};
pub use parse::MAX_NESTING;
pub use run::{latest_sample, Run, RunView};

use crate::catalog;
use crate::golden::GOLDEN_SERIES;
use crate::metrics::{self, MetricKind, MetricSpec};
use crate::time::Nanos;
use ast::{walk_selectors, BinOp, Expr, Use};
use eval::eval;
use parse::Parser;
use std::fmt;

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

/// What a selector's name refers to in the catalogue: a golden series, a counter or
/// gauge, or one of a histogram's `_bucket`, `_count` and `_sum` series.
enum Resolved {
    Golden,
    Plain(&'static MetricSpec),
    HistogramPart(&'static MetricSpec, &'static str),
    Unknown,
}

fn resolve(name: &str) -> Resolved {
    if GOLDEN_SERIES.contains(&name) {
        return Resolved::Golden;
    }
    if let Some(spec) = catalog::find_metric(name) {
        return Resolved::Plain(spec);
    }
    for suffix in ["_bucket", "_count", "_sum"] {
        if let Some(spec) = name
            .strip_suffix(suffix)
            .and_then(catalog::find_metric)
            .filter(|s| s.kind == MetricKind::Histogram)
        {
            return Resolved::HistogramPart(spec, suffix);
        }
    }
    Resolved::Unknown
}

impl Query {
    /// Parses `source`; the error names the column and what was expected there.
    pub fn parse(source: &str) -> Result<Query, QueryError> {
        // Parsed trimmed, so every position (a parse error's, a selector's for
        // validation) is a column of the text the query keeps and errors quote.
        let source = source.trim();
        let mut p = Parser::new(source);
        let expr = p.expr()?;
        p.skip_ws();
        if p.pos < p.src.len() {
            return Err(p.err("expected an operator or the end of the query"));
        }
        Ok(Query {
            source: source.to_string(),
            expr,
        })
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    /// The parsed tree in a canonical text (see `ast::canonical`), for checking that
    /// another PromQL parser reads the query the same way.
    pub fn canonical(&self) -> String {
        ast::canonical(&self.expr)
    }

    /// The metric families the query reads (a histogram's `_bucket`, `_count` and `_sum`
    /// as the histogram's name; not the golden series), sorted, unique.
    pub fn metric_names(&self) -> Vec<String> {
        let mut out = Vec::new();
        walk_selectors(&self.expr, &mut |s, _| match resolve(&s.name) {
            Resolved::Golden => {}
            Resolved::HistogramPart(spec, _) => out.push(spec.name.to_string()),
            _ => out.push(s.name.clone()),
        });
        crate::order::sort(&mut out);
        out.dedup();
        out
    }

    /// The golden series the query reads (`latency_p99_s`, …), sorted, unique: what a
    /// dashboard needs to put an alert on the chart of the series it watches.
    pub fn golden_series(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        walk_selectors(&self.expr, &mut |s, _| {
            if let Some(g) = GOLDEN_SERIES.iter().find(|g| **g == s.name) {
                out.push(*g);
            }
        });
        crate::order::sort(&mut out);
        out.dedup();
        out
    }

    /// Checks every name against the catalogue's declared metrics, each function against
    /// the metric's type (`rate` of a gauge is an error), and each label matcher against
    /// the metric's labels. A histogram's own name is refused with its series' names.
    pub fn validate(&self) -> Result<(), QueryError> {
        let mut first: Option<QueryError> = None;
        walk_selectors(&self.expr, &mut |sel, use_| {
            if first.is_none() {
                first = validate_selector(sel, use_)
                    .err()
                    .map(|message| QueryError {
                        source: self.source.clone(),
                        position: sel.at,
                        message,
                    });
            }
        });
        if first.is_none() {
            first = quantiles_read_buckets(&self.expr).map(|(sel, message)| QueryError {
                source: self.source.clone(),
                position: sel.at,
                message,
            });
        }
        first.map_or(Ok(()), Err)
    }

    /// The labelled result at the latest sample at or before `t`.
    pub fn evaluate_at(&self, run: &impl Run, t: Nanos) -> Result<Value, QueryError> {
        eval(&self.expr, run.view(), t).map_err(|message| QueryError {
            source: self.source.clone(),
            position: 0,
            message,
        })
    }

    /// The value at the run's latest sample (NaN before the first sample; see `eval_at`).
    pub fn eval(&self, run: &impl Run) -> f64 {
        match run.view().latest_sample() {
            Some(t) => self.eval_at(run, t),
            None => f64::NAN,
        }
    }

    /// The single number the query gives at `t`: a scalar, or the value of a vector's one
    /// element. NaN for an empty vector, several elements, or an evaluation error.
    pub fn eval_at(&self, run: &impl Run, t: Nanos) -> f64 {
        match self.evaluate_at(run, t) {
            Ok(Value::Scalar(x)) => x,
            Ok(Value::Vector(v)) if v.len() == 1 => v[0].value,
            _ => f64::NAN,
        }
    }
}

/// The first selector inside a `histogram_quantile` that is not a histogram's
/// `_bucket` series (it would have no `le` label: an empty answer), with the reason.
fn quantiles_read_buckets(e: &Expr) -> Option<(&ast::Selector, String)> {
    match e {
        Expr::Call(ast::Func::HistogramQuantile, args) => {
            let mut bad = None;
            if let Some(v) = args.get(1) {
                walk_selectors(v, &mut |sel, _| {
                    if bad.is_none()
                        && !matches!(resolve(&sel.name), Resolved::HistogramPart(_, "_bucket"))
                    {
                        bad = Some((sel, format!(
                            "histogram_quantile() reads a histogram's cumulative buckets, e.g. histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[5m]))); `{}` is not a histogram's `_bucket` series",
                            sel.name
                        )));
                    }
                });
            }
            bad.or_else(|| args.iter().find_map(quantiles_read_buckets))
        }
        Expr::Call(_, args) => args.iter().find_map(quantiles_read_buckets),
        Expr::Agg(_, _, inner) | Expr::Neg(inner) => quantiles_read_buckets(inner),
        Expr::Bin { lhs, rhs, .. } => {
            quantiles_read_buckets(lhs).or_else(|| quantiles_read_buckets(rhs))
        }
        Expr::Num(_) | Expr::Vector(_) | Expr::Range(..) => None,
    }
}

fn validate_selector(sel: &ast::Selector, use_: Use) -> Result<(), String> {
    let counter_fn = matches!(use_, Use::Range(f) if f.wants_counter());
    let (spec, extra_label) = match resolve(&sel.name) {
        Resolved::Golden => {
            if counter_fn {
                return Err(format!(
                    "`{}` is a golden series (already a rate or a gauge); rate(), irate() and increase() need a counter — use avg_over_time, max_over_time or min_over_time",
                    sel.name
                ));
            }
            if let Some(m) = sel.matchers.first() {
                return Err(format!(
                    "`{}` is a golden series and has no labels (not even `{}`)",
                    sel.name, m.label
                ));
            }
            return Ok(());
        }
        Resolved::Unknown => {
            return Err(format!(
                "unknown metric `{}` (allowed: a golden series ({}) or a declared metric; `sdl describe ID` lists a scenario's)",
                sel.name,
                eval::golden_names()
            ))
        }
        Resolved::Plain(spec) if spec.kind == MetricKind::Histogram => {
            let n = spec.name;
            return Err(format!(
                "`{n}` is a histogram; Prometheus stores it as {n}_bucket (with an `le` label), {n}_count and {n}_sum: for a quantile write histogram_quantile(0.99, sum by (le) (rate({n}_bucket[5m]))), for its request rate rate({n}_count[5m])"
            ));
        }
        Resolved::Plain(spec) => {
            if counter_fn && spec.kind == MetricKind::Gauge {
                return Err(format!(
                    "`{}` is a gauge; rate(), irate() and increase() need a counter (for a gauge use delta, avg_over_time, max_over_time or min_over_time)",
                    sel.name
                ));
            }
            (spec, None)
        }
        Resolved::HistogramPart(spec, suffix) => (spec, (suffix == "_bucket").then_some("le")),
    };
    for m in &sel.matchers {
        if !spec.labels.contains(&m.label.as_str()) && extra_label != Some(m.label.as_str()) {
            let mut labels: Vec<&str> = spec.labels.to_vec();
            labels.extend(extra_label);
            return Err(format!(
                "`{}` has no label `{}` (its labels: {})",
                sel.name,
                m.label,
                if labels.is_empty() {
                    "none".to_string()
                } else {
                    labels.join(", ")
                }
            ));
        }
    }
    Ok(())
}

/// `expr OP threshold`, e.g. `latency_p99_s > 0.4`: the form of alert rules and tutorial
/// checks. It holds when any element of `expr` passes.
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
        // Trimmed first: the query's text starts where the condition's does, so the
        // query's positions are columns of its own text (see `Query::parse`).
        let source = source.trim();
        let whole = Query::parse(source)?;
        let want = "a condition is a query, a comparison (>, >=, <, <=, ==, !=) and a number, e.g. latency_p99_s > 0.4";
        let err = |position: usize, message: String| QueryError {
            source: source.to_string(),
            position,
            message,
        };
        let Expr::Bin {
            lhs,
            op,
            rhs,
            boolean,
            matching,
            at,
        } = whole.expr
        else {
            return Err(err(
                source.len(),
                format!(
                    "expected a comparison (>, >=, <, <=, ==, !=) followed by a number: {want}"
                ),
            ));
        };
        let BinOp::Cmp(cmp) = op else {
            return Err(err(
                at,
                format!("expected a comparison here, not another operator: {want}"),
            ));
        };
        let Expr::Num(threshold) = *rhs else {
            return Err(err(
                at,
                format!("expected a number after the comparison: {want}"),
            ));
        };
        if boolean || matching.is_some() {
            return Err(err(
                at,
                format!("no `bool`, `on` or `ignoring` in a condition: {want}"),
            ));
        }
        // The comparison must be the text's own, not one inside parentheses: the query
        // is everything before it and only the number follows.
        let mut rest = Parser::new(source);
        rest.pos = at;
        let tail_ok = rest.cmp() == Some(cmp) && {
            rest.skip_ws();
            let neg = rest.eat('-');
            let n = rest.number();
            rest.skip_ws();
            n.map(|n| if neg { -n } else { n }) == Some(threshold) && rest.pos == source.len()
        };
        if !tail_ok || Query::parse(&source[..at]).is_err() {
            return Err(err(
                at,
                format!("the comparison must stand outside any parentheses: {want}"),
            ));
        }
        Ok(Condition {
            query: Query {
                source: source[..at].trim_end().to_string(),
                expr: *lhs,
            },
            cmp,
            threshold,
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
        let t = run.view().latest_sample()?;
        self.holds_at(run, t)
    }

    /// Whether it holds at the latest sample at or before `t`: any element passes.
    pub fn holds_at(&self, run: &impl Run, t: Nanos) -> Option<bool> {
        self.judge_at(run, t).0
    }

    /// The query's value that decides the condition at `t`: the largest element against
    /// `>`/`>=`, the smallest against `<`/`<=`, else the first that passes (or the first).
    /// NaN without data.
    pub fn value_at(&self, run: &impl Run, t: Nanos) -> f64 {
        self.judge_at(run, t).1
    }

    /// `holds_at` and `value_at` from one evaluation (what alerts read every sample).
    pub fn judge_at(&self, run: &impl Run, t: Nanos) -> (Option<bool>, f64) {
        let values = self.values_at(run, t);
        if values.is_empty() {
            return (None, f64::NAN);
        }
        let holds = values.iter().any(|&v| self.cmp.test(v, self.threshold));
        let pick = match self.cmp {
            Cmp::Gt | Cmp::Ge => values.iter().copied().reduce(f64::max),
            Cmp::Lt | Cmp::Le => values.iter().copied().reduce(f64::min),
            Cmp::Eq | Cmp::Ne => values
                .iter()
                .copied()
                .find(|&v| self.cmp.test(v, self.threshold))
                .or(values.first().copied()),
        };
        (Some(holds), pick.unwrap_or(f64::NAN))
    }

    /// The query's numbers at `t` (not NaN). A golden series on its own is read
    /// directly: the default alert rules are that, evaluated at every sample.
    fn values_at(&self, run: &impl Run, t: Nanos) -> Vec<f64> {
        if let Some(v) = eval::golden_value(&self.query.expr, run.view(), t) {
            return v.filter(|x| !x.is_nan()).into_iter().collect();
        }
        match self.query.evaluate_at(run, t) {
            Ok(Value::Scalar(x)) => vec![x],
            Ok(Value::Vector(v)) => v.into_iter().map(|s| s.value).collect(),
            Err(_) => Vec::new(),
        }
        .into_iter()
        .filter(|v| !v.is_nan())
        .collect()
    }

    /// Applies the comparison to a value of the query; `None` for NaN.
    pub fn test(&self, v: f64) -> Option<bool> {
        (!v.is_nan()).then(|| self.cmp.test(v, self.threshold))
    }
}
