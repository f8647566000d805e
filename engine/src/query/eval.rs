//! Evaluating a query's tree at a time of a run: selectors against the registry's
//! sampled history (or a golden series), range functions over `[t - window, t]`,
//! quantiles from bucket increases, aggregations and arithmetic.

use super::ast::{is_golden, Agg, BinOp, Expr, RangeFn, Selector};
use super::run::RunView;
use crate::metrics::{self, MetricKind, Registry};
use crate::time::Nanos;

pub(super) enum Value {
    Scalar(f64),
    /// One value per matching series; `family` says whether the metric exists at all.
    Vector {
        values: Vec<f64>,
        family: bool,
    },
}

pub(super) fn scalar(v: Value) -> f64 {
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
pub(super) fn matching(reg: &Registry, sel: &Selector) -> Option<(MetricKind, Vec<usize>)> {
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

pub(super) fn eval(e: &Expr, run: RunView, t: Nanos) -> Value {
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
pub(super) fn over_time(f: RangeFn, pts: &[(Nanos, f64)], t: Nanos, window: Nanos) -> Option<f64> {
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
