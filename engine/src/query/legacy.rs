//! The lab's query dialect from before it spoke PromQL, read from what learners saved
//! (alert rules in configuration files of version 1) and rewritten as the PromQL that
//! means the same: a selector or range function used as a number was the sum of its
//! series (now `sum(…)`), a histogram's name read its count (now `_count`), and
//! `histogram_quantile(q, h[w])` took the bucket increases over the window (now
//! `histogram_quantile(q, sum by (le) (rate(h_bucket[w])))`).

use super::ast::{to_promql, Agg, Expr, Func, Grouping, RangeFn, Selector};
use super::parse::Parser;
use super::{resolve, Resolved};
use crate::metrics::{prom_num, MetricKind};

/// `text` (a condition, `QUERY OP NUMBER`) in the old dialect, rewritten as PromQL; `None`
/// if it does not read as one.
pub fn upgrade_condition(text: &str) -> Option<String> {
    let text = text.trim();
    let mut p = Parser::new(text);
    p.legacy = true;
    let expr = p.expr().ok()?;
    p.skip_ws();
    if p.pos < p.src.len() {
        return None;
    }
    let Expr::Bin {
        lhs,
        op: super::ast::BinOp::Cmp(cmp),
        rhs,
        boolean: false,
        matching: None,
        ..
    } = expr
    else {
        return None;
    };
    let Expr::Num(threshold) = *rhs else {
        return None;
    };
    Some(format!(
        "{} {} {}",
        to_promql(&modernise(*lhs, false)),
        cmp.as_str(),
        prom_num(threshold)
    ))
}

fn is_histogram(sel: &Selector) -> bool {
    matches!(resolve(&sel.name), Resolved::Plain(s) if s.kind == MetricKind::Histogram)
}

fn is_golden(sel: &Selector) -> bool {
    matches!(resolve(&sel.name), Resolved::Golden)
}

fn summed(e: Expr) -> Expr {
    Expr::Agg(
        Agg::Sum,
        Grouping {
            without: false,
            labels: Vec::new(),
        },
        Box::new(e),
    )
}

/// The old reading of `e` as PromQL; `aggregated` when an aggregation already sums it.
fn modernise(e: Expr, aggregated: bool) -> Expr {
    match e {
        Expr::Call(Func::HistogramQuantile, args) => {
            let mut args = args.into_iter();
            let q = args.next().map(|q| modernise(q, true));
            let v = args.next();
            match (q, v) {
                (Some(q), Some(Expr::Range(RangeFn::Rate | RangeFn::Increase, mut sel, w)))
                    if is_histogram(&sel) =>
                {
                    sel.name.push_str("_bucket");
                    let buckets = Expr::Agg(
                        Agg::Sum,
                        Grouping {
                            without: false,
                            labels: vec!["le".into()],
                        },
                        Box::new(Expr::Range(RangeFn::Rate, sel, w)),
                    );
                    Expr::Call(Func::HistogramQuantile, vec![q, buckets])
                }
                (q, v) => Expr::Call(
                    Func::HistogramQuantile,
                    q.into_iter().chain(v.map(|v| modernise(v, true))).collect(),
                ),
            }
        }
        Expr::Range(f, mut sel, w) => {
            let golden = is_golden(&sel);
            if is_histogram(&sel) {
                sel.name.push_str("_count");
            }
            let r = Expr::Range(f, sel, w);
            if golden || aggregated {
                r
            } else {
                summed(r)
            }
        }
        Expr::Vector(mut sel) => {
            let golden = is_golden(&sel);
            if is_histogram(&sel) {
                sel.name.push_str("_count");
            }
            let v = Expr::Vector(sel);
            if golden || aggregated {
                v
            } else {
                summed(v)
            }
        }
        Expr::Agg(a, g, inner) => Expr::Agg(a, g, Box::new(modernise(*inner, true))),
        Expr::Neg(inner) => Expr::Neg(Box::new(modernise(*inner, aggregated))),
        Expr::Call(f, args) => Expr::Call(
            f,
            args.into_iter().map(|a| modernise(a, aggregated)).collect(),
        ),
        Expr::Bin {
            lhs,
            op,
            rhs,
            boolean,
            matching,
            at,
        } => Expr::Bin {
            lhs: Box::new(modernise(*lhs, aggregated)),
            op,
            rhs: Box::new(modernise(*rhs, aggregated)),
            boolean,
            matching,
            at,
        },
        Expr::Num(x) => Expr::Num(x),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::Condition;

    #[test]
    fn old_conditions_read_as_the_promql_that_means_the_same() {
        for (old, new) in [
            (
                "histogram_quantile(0.99, db_query_duration_seconds[1m]) > 0.1",
                "histogram_quantile(0.99, sum by (le) (rate(db_query_duration_seconds_bucket[1m]))) > 0.1",
            ),
            (
                "histogram_quantile(0.5, rate(http_request_duration_seconds{endpoint=\"GET /product\"}[5s])) < 0.02",
                "histogram_quantile(0.5, sum by (le) (rate(http_request_duration_seconds_bucket{endpoint=\"GET /product\"}[5s]))) < 0.02",
            ),
            (
                "rate(http_requests_total{status=~\"5..\"}[1m]) / rate(http_request_duration_seconds[1m]) > 0.01",
                "sum(rate(http_requests_total{status=~\"5..\"}[1m])) / sum(rate(http_request_duration_seconds_count[1m])) > 0.01",
            ),
            ("max(db_pool_in_use) >= 10", "max(db_pool_in_use) >= 10"),
            (
                "avg_over_time(latency_p99_s[1m]) > 0.5",
                "avg_over_time(latency_p99_s[1m]) > 0.5",
            ),
            ("utilization > 0.9", "utilization > 0.9"),
        ] {
            let got = upgrade_condition(old).unwrap_or_else(|| panic!("{old}"));
            assert_eq!(got, new);
            Condition::parse(&got)
                .unwrap()
                .query()
                .validate()
                .unwrap_or_else(|e| panic!("{got}: {e}"));
        }
        assert_eq!(upgrade_condition("latency_p99_s"), None);
        assert_eq!(upgrade_condition("rate(x[5m]) > 1 garbage"), None);
    }
}
