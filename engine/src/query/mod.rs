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
//! Parentheses, unary minus and aggregations nest at most `MAX_NESTING` (64) deep.
//!
//! No data is NaN: a metric nobody registered yet, or no sample before `t`. A registered
//! family whose series all fail the label matchers sums to 0 (nothing of that kind
//! happened). A `Condition` on NaN neither holds nor fails: `holds` returns `None`.

mod ast;
mod eval;
mod parse;
mod regex;
mod run;

pub use ast::{Cmp, QueryError};
pub use parse::MAX_NESTING;
pub use run::{latest_sample, Run, RunView};

use crate::catalog;
use crate::golden::GOLDEN_SERIES;
use crate::metrics::{self, MetricKind};
use crate::time::Nanos;
use ast::{is_golden, walk_selectors, Expr, Use};
use eval::{eval, scalar};
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
            return Err(p.err("expected an operator (+ - * /) or the end of the query"));
        }
        Ok(Query {
            source: source.to_string(),
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
        // Trimmed first: the query's text starts where the condition's does, so the
        // query's positions are columns of its own text (see `Query::parse`).
        let source = source.trim();
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
                source: source[..lhs_end].trim_end().to_string(),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::Lab;
    use crate::testkit;
    use crate::time::NS_PER_SEC;
    use regex::Regex;

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
