//! Evaluating a query's tree at a time of a run, with Prometheus's semantics: a selector
//! reads each matching series' latest sample in the 5-minute lookback (a histogram is
//! its `_bucket`, `_count` and `_sum` series); range functions see the samples in
//! `(t - range, t]`; `rate`/`increase` extrapolate as Prometheus does; aggregations group
//! by labels; binary operators match elements by their labels.

use super::ast::{Agg, BinOp, Expr, Func, Grouping, MatchOp, Matching, RangeFn, Selector};
use super::run::RunView;
use crate::golden::{Series, GOLDEN_SERIES};
use crate::metrics::{self, last_at_or_before, MetricKind, Part};
use crate::time::{ns_to_secs, Nanos, NS_PER_SEC};
use std::collections::BTreeMap;

/// How far back an instant selector looks for a series' latest sample (Prometheus's
/// default lookback delta).
pub const LOOKBACK_NS: Nanos = 300 * NS_PER_SEC;

/// A series' labels, sorted by name; `__name__` holds the metric name until an operation
/// drops it. Labels with empty values are absent, as in Prometheus.
pub type Labels = Vec<(String, String)>;

/// One element of an instant vector.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub labels: Labels,
    pub value: f64,
}

/// What a query evaluates to.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Scalar(f64),
    Vector(Vec<Sample>),
}

/// Where a selected series' samples come from.
#[derive(Clone, Copy)]
enum Source<'a> {
    Registry(usize, Part),
    Golden(&'a Series),
}

impl Source<'_> {
    fn len(&self, run: RunView) -> usize {
        match self {
            Source::Registry(s, _) => run.metrics.sample_count(*s),
            Source::Golden(g) => g.len(),
        }
    }

    fn point(&self, run: RunView, i: usize) -> Option<(Nanos, f64)> {
        match self {
            Source::Registry(s, part) => run.metrics.part_point(*s, *part, i),
            Source::Golden(g) => g.get(i),
        }
    }

    /// The latest sample at or before `t` that is not older than the lookback.
    fn at(&self, run: RunView, t: Nanos) -> Option<f64> {
        let i = last_at_or_before(self.len(run), |i| self.point(run, i).map(|p| p.0), t)?;
        let (ts, v) = self.point(run, i)?;
        (ts + LOOKBACK_NS > t).then_some(v)
    }

    /// The samples with `start < time <= end`, oldest first (`start` may be before 0).
    fn range(&self, run: RunView, start: i128, end: Nanos) -> Vec<(Nanos, f64)> {
        match self {
            Source::Registry(s, part) => run.metrics.part_between(*s, *part, start, end),
            Source::Golden(g) => {
                let Some(last) = last_at_or_before(g.len(), |i| g.get(i).map(|p| p.0), end) else {
                    return Vec::new();
                };
                let mut out = Vec::new();
                for i in (0..=last).rev() {
                    match g.get(i) {
                        Some(p) if p.0 as i128 > start => out.push(p),
                        _ => break,
                    }
                }
                out.reverse();
                out
            }
        }
    }
}

/// The histogram family a `_bucket`, `_count` or `_sum` name belongs to, with the part.
fn histogram_part(name: &str) -> Option<(&str, Option<Part>)> {
    for (suffix, part) in [
        ("_bucket", None),
        ("_count", Some(Part::Count)),
        ("_sum", Some(Part::Sum)),
    ] {
        if let Some(base) = name.strip_suffix(suffix) {
            return Some((base, part));
        }
    }
    None
}

/// The series `sel` matches, with their labels (incl. `__name__`).
fn select<'a>(run: RunView<'a>, sel: &Selector) -> Vec<(Labels, Source<'a>)> {
    let mut out = Vec::new();
    let name_label = || ("__name__".to_string(), sel.name.clone());
    let keep = |labels: &Labels| {
        sel.matchers.iter().all(|m| {
            let v = labels
                .iter()
                .find(|(n, _)| *n == m.label)
                .map_or("", |(_, v)| v.as_str());
            m.matches(v)
        })
    };
    if let Some(g) = run.series(&sel.name) {
        let labels = vec![name_label()];
        if keep(&labels) {
            out.push((labels, Source::Golden(g)));
        }
        return out;
    }
    let reg = run.metrics;
    let base_of = |labels: &[&str], values: &[String]| {
        let mut l: Labels = labels
            .iter()
            .zip(values)
            .filter(|(_, v)| !v.is_empty())
            .map(|(n, v)| (n.to_string(), v.clone()))
            .collect();
        l.push(name_label());
        l
    };
    if let Some((spec, series)) = reg.family_series(&sel.name) {
        if spec.kind == MetricKind::Histogram {
            // A histogram has no series of its own name in Prometheus.
            return out;
        }
        for (s, values) in series {
            let mut labels = base_of(spec.labels, values);
            sort_labels(&mut labels);
            if keep(&labels) {
                out.push((labels, Source::Registry(s, Part::Value)));
            }
        }
        return out;
    }
    let Some((base, part)) = histogram_part(&sel.name) else {
        return out;
    };
    let Some((spec, series)) = reg.family_series(base) else {
        return out;
    };
    if spec.kind != MetricKind::Histogram {
        return out;
    }
    for (s, values) in series {
        match part {
            Some(part) => {
                let mut labels = base_of(spec.labels, values);
                sort_labels(&mut labels);
                if keep(&labels) {
                    out.push((labels, Source::Registry(s, part)));
                }
            }
            None => {
                for j in 0..=spec.buckets.len() {
                    let le = spec
                        .buckets
                        .get(j)
                        .map_or_else(|| "+Inf".to_string(), |b| metrics::prom_num(*b));
                    let mut labels = base_of(spec.labels, values);
                    labels.push(("le".into(), le));
                    sort_labels(&mut labels);
                    if keep(&labels) {
                        out.push((labels, Source::Registry(s, Part::Bucket(j))));
                    }
                }
            }
        }
    }
    out
}

fn sort_labels(l: &mut Labels) {
    crate::order::sort_by(l, |a, b| a.0 < b.0);
}

fn drop_name(mut l: Labels) -> Labels {
    l.retain(|(n, _)| n != "__name__");
    l
}

pub(super) type Eval = Result<Value, String>;

/// For a golden series on its own (`latency_p99_s`, no matchers, no offset): its value at
/// `t` (`Some(None)` without a sample in the lookback) without building labels; `None`
/// for any other expression.
pub(super) fn golden_value(e: &Expr, run: RunView, t: Nanos) -> Option<Option<f64>> {
    match e {
        Expr::Vector(sel) if sel.matchers.is_empty() && sel.offset == 0 => {
            run.series(&sel.name).map(|g| Source::Golden(g).at(run, t))
        }
        _ => None,
    }
}

pub(super) fn eval(e: &Expr, run: RunView, t: Nanos) -> Eval {
    Ok(match e {
        Expr::Num(x) => Value::Scalar(*x),
        Expr::Vector(sel) => {
            let at = t.saturating_sub(sel.offset);
            Value::Vector(
                select(run, sel)
                    .into_iter()
                    .filter_map(|(labels, src)| {
                        src.at(run, at).map(|value| Sample { labels, value })
                    })
                    .collect(),
            )
        }
        Expr::Range(f, sel, window) => {
            let end = t.saturating_sub(sel.offset);
            let start = end as i128 - *window as i128;
            let mut out = Vec::new();
            for (labels, src) in select(run, sel) {
                let pts = src.range(run, start, end);
                if let Some(value) = over_range(*f, &pts, end, *window) {
                    let labels = if *f == RangeFn::LastOverTime {
                        labels
                    } else {
                        drop_name(labels)
                    };
                    out.push(Sample { labels, value });
                }
            }
            Value::Vector(out)
        }
        Expr::Call(f, args) => call(*f, args, run, t)?,
        Expr::Agg(agg, grouping, inner) => match eval(inner, run, t)? {
            Value::Vector(v) => Value::Vector(aggregate(*agg, grouping, v)),
            Value::Scalar(_) => return Err("an aggregation needs an instant vector".into()),
        },
        Expr::Neg(inner) => match eval(inner, run, t)? {
            Value::Scalar(x) => Value::Scalar(-x),
            Value::Vector(v) => Value::Vector(
                v.into_iter()
                    .map(|s| Sample {
                        labels: drop_name(s.labels),
                        value: -s.value,
                    })
                    .collect(),
            ),
        },
        Expr::Bin {
            lhs,
            op,
            rhs,
            boolean,
            matching,
            ..
        } => {
            let l = eval(lhs, run, t)?;
            let r = eval(rhs, run, t)?;
            binary(*op, *boolean, matching.as_ref(), l, r)?
        }
    })
}

/// A range function over one series' samples in the window; `None` drops the series
/// (too few samples), as Prometheus does.
pub(super) fn over_range(
    f: RangeFn,
    pts: &[(Nanos, f64)],
    end: Nanos,
    window: Nanos,
) -> Option<f64> {
    let values = || pts.iter().map(|p| p.1);
    let first = pts.first()?.1;
    let v = match f {
        RangeFn::Rate => metrics::extrapolated_delta(pts, end, window, true, true),
        RangeFn::Increase => metrics::extrapolated_delta(pts, end, window, true, false),
        RangeFn::Delta => metrics::extrapolated_delta(pts, end, window, false, false),
        RangeFn::Irate => {
            let [.., (t0, a), (t1, b)] = pts else {
                return None;
            };
            let d = if b < a { *b } else { b - a };
            d / ns_to_secs(t1 - t0)
        }
        RangeFn::AvgOverTime => values().sum::<f64>() / pts.len() as f64,
        RangeFn::MaxOverTime => {
            values().fold(first, |m, v| if v > m || m.is_nan() { v } else { m })
        }
        RangeFn::MinOverTime => {
            values().fold(first, |m, v| if v < m || m.is_nan() { v } else { m })
        }
        RangeFn::SumOverTime => values().sum(),
        RangeFn::CountOverTime => pts.len() as f64,
        RangeFn::LastOverTime => pts.last()?.1,
    };
    if matches!(f, RangeFn::Rate | RangeFn::Increase | RangeFn::Delta) && pts.len() < 2 {
        return None;
    }
    Some(v)
}

fn scalar_arg(args: &[Expr], i: usize, run: RunView, t: Nanos) -> Result<f64, String> {
    match args.get(i).map(|a| eval(a, run, t)).transpose()? {
        Some(Value::Scalar(x)) => Ok(x),
        _ => Err(format!("argument {} must be a number", i + 1)),
    }
}

fn vector_arg(args: &[Expr], i: usize, run: RunView, t: Nanos) -> Result<Vec<Sample>, String> {
    match args.get(i).map(|a| eval(a, run, t)).transpose()? {
        Some(Value::Vector(v)) => Ok(v),
        _ => Err(format!("argument {} must be an instant vector", i + 1)),
    }
}

fn map_values(v: Vec<Sample>, f: impl Fn(f64) -> f64) -> Value {
    Value::Vector(
        v.into_iter()
            .map(|s| Sample {
                labels: drop_name(s.labels),
                value: f(s.value),
            })
            .collect(),
    )
}

fn call(f: Func, args: &[Expr], run: RunView, t: Nanos) -> Eval {
    Ok(match f {
        Func::Time => Value::Scalar(ns_to_secs(t)),
        Func::Vector => Value::Vector(vec![Sample {
            labels: Vec::new(),
            value: scalar_arg(args, 0, run, t)?,
        }]),
        Func::Scalar => {
            let v = vector_arg(args, 0, run, t)?;
            Value::Scalar(match v.as_slice() {
                [one] => one.value,
                _ => f64::NAN,
            })
        }
        Func::Abs => map_values(vector_arg(args, 0, run, t)?, f64::abs),
        Func::Ceil => map_values(vector_arg(args, 0, run, t)?, f64::ceil),
        Func::Floor => map_values(vector_arg(args, 0, run, t)?, f64::floor),
        Func::Sqrt => map_values(vector_arg(args, 0, run, t)?, f64::sqrt),
        Func::ClampMin => {
            let lo = scalar_arg(args, 1, run, t)?;
            map_values(
                vector_arg(args, 0, run, t)?,
                |x| if x < lo { lo } else { x },
            )
        }
        Func::ClampMax => {
            let hi = scalar_arg(args, 1, run, t)?;
            map_values(
                vector_arg(args, 0, run, t)?,
                |x| if x > hi { hi } else { x },
            )
        }
        Func::Clamp => {
            let (lo, hi) = (scalar_arg(args, 1, run, t)?, scalar_arg(args, 2, run, t)?);
            if lo > hi {
                return Ok(Value::Vector(Vec::new()));
            }
            map_values(vector_arg(args, 0, run, t)?, |x| x.max(lo).min(hi))
        }
        Func::Absent => {
            if !vector_arg(args, 0, run, t)?.is_empty() {
                return Ok(Value::Vector(Vec::new()));
            }
            // The labels an equality matcher of the argument's selector names.
            let mut labels = Labels::new();
            if let Some(Expr::Vector(sel)) = args.first() {
                for m in &sel.matchers {
                    if m.op == MatchOp::Eq && !labels.iter().any(|(n, _)| *n == m.label) {
                        labels.push((m.label.clone(), m.value.clone()));
                    }
                }
                sort_labels(&mut labels);
            }
            Value::Vector(vec![Sample { labels, value: 1.0 }])
        }
        Func::HistogramQuantile => {
            let q = scalar_arg(args, 0, run, t)?;
            Value::Vector(histogram_quantile(q, vector_arg(args, 1, run, t)?))
        }
    })
}

/// `histogram_quantile(q, v)`: `v`'s elements grouped by their labels other than `le`,
/// each group's buckets read as a cumulative histogram (Prometheus's `bucketQuantile`).
fn histogram_quantile(q: f64, v: Vec<Sample>) -> Vec<Sample> {
    let mut groups: BTreeMap<Labels, Vec<(f64, f64)>> = BTreeMap::new();
    for s in v {
        let Some(le) = s
            .labels
            .iter()
            .find(|(n, _)| n == "le")
            .and_then(|(_, v)| parse_le(v))
        else {
            continue;
        };
        let key: Labels = s
            .labels
            .into_iter()
            .filter(|(n, _)| n != "le" && n != "__name__")
            .collect();
        groups.entry(key).or_default().push((le, s.value));
    }
    groups
        .into_iter()
        .map(|(labels, buckets)| Sample {
            labels,
            value: metrics::bucket_quantile(q, buckets),
        })
        .collect()
}

fn parse_le(v: &str) -> Option<f64> {
    match v {
        "+Inf" | "Inf" | "+inf" | "inf" => Some(f64::INFINITY),
        _ => v.parse().ok(),
    }
}

/// The labels that identify a group: only those listed (`by`), or all but those and
/// the name (`without`).
fn group_key(labels: &Labels, g: &Grouping) -> Labels {
    labels
        .iter()
        .filter(|(n, _)| {
            if g.without {
                n != "__name__" && !g.labels.contains(n)
            } else {
                g.labels.contains(n)
            }
        })
        .cloned()
        .collect()
}

fn aggregate(agg: Agg, g: &Grouping, v: Vec<Sample>) -> Vec<Sample> {
    // (sum, count, min, max) per group, in label order.
    let mut groups: BTreeMap<Labels, (f64, f64, f64, f64)> = BTreeMap::new();
    for s in v {
        let key = group_key(&s.labels, g);
        let x = s.value;
        let acc = groups.entry(key).or_insert((0.0, 0.0, x, x));
        acc.0 += x;
        acc.1 += 1.0;
        if x < acc.2 || acc.2.is_nan() {
            acc.2 = x;
        }
        if x > acc.3 || acc.3.is_nan() {
            acc.3 = x;
        }
    }
    groups
        .into_iter()
        .map(|(labels, (sum, n, min, max))| Sample {
            labels,
            value: match agg {
                Agg::Sum => sum,
                Agg::Avg => sum / n,
                Agg::Count => n,
                Agg::Min => min,
                Agg::Max => max,
                Agg::Group => 1.0,
            },
        })
        .collect()
}

/// `a op b` for two numbers; for a comparison, `Some(a)` when it holds.
fn apply(op: BinOp, a: f64, b: f64) -> Option<f64> {
    Some(match op {
        BinOp::Add => a + b,
        BinOp::Sub => a - b,
        BinOp::Mul => a * b,
        BinOp::Div => a / b,
        BinOp::Mod => a % b,
        BinOp::Pow => a.powf(b),
        BinOp::Cmp(c) => return c.test(a, b).then_some(a),
        BinOp::And | BinOp::Or | BinOp::Unless => return None,
    })
}

/// The labels two elements are matched on.
fn signature(labels: &Labels, m: Option<&Matching>) -> Labels {
    labels
        .iter()
        .filter(|(n, _)| match m {
            Some(m) if m.on => m.labels.contains(n),
            Some(m) => n != "__name__" && !m.labels.contains(n),
            None => n != "__name__",
        })
        .cloned()
        .collect()
}

fn binary(op: BinOp, boolean: bool, m: Option<&Matching>, l: Value, r: Value) -> Eval {
    let is_cmp = matches!(op, BinOp::Cmp(_));
    let drops_name = !is_cmp || boolean;
    let result = |x: Option<f64>| -> Option<f64> {
        match (is_cmp && boolean, x) {
            (true, x) => Some(if x.is_some() { 1.0 } else { 0.0 }),
            (false, x) => x,
        }
    };
    Ok(match (l, r) {
        (Value::Scalar(a), Value::Scalar(b)) => {
            Value::Scalar(result(apply(op, a, b)).unwrap_or(f64::NAN))
        }
        (Value::Vector(v), Value::Scalar(b)) => {
            Value::Vector(with_scalar(v, |x| result(apply(op, x, b)), drops_name))
        }
        (Value::Scalar(a), Value::Vector(v)) => Value::Vector(with_scalar(
            v,
            |x| {
                // A comparison keeps the vector's value, on whichever side it is.
                result(apply(op, a, x).map(|y| if is_cmp { x } else { y }))
            },
            drops_name,
        )),
        (Value::Vector(lv), Value::Vector(rv)) => {
            if op.is_set() {
                return Ok(Value::Vector(set_op(op, m, lv, rv)));
            }
            Value::Vector(vector_op(op, boolean, drops_name, m, lv, rv)?)
        }
    })
}

/// A vector against a number: `value` gives each element's new value (`None` drops it).
fn with_scalar(
    v: Vec<Sample>,
    value: impl Fn(f64) -> Option<f64>,
    drops_name: bool,
) -> Vec<Sample> {
    v.into_iter()
        .filter_map(|s| {
            let value = value(s.value)?;
            let labels = if drops_name {
                drop_name(s.labels)
            } else {
                s.labels
            };
            Some(Sample { labels, value })
        })
        .collect()
}

fn set_op(op: BinOp, m: Option<&Matching>, lv: Vec<Sample>, rv: Vec<Sample>) -> Vec<Sample> {
    let right: Vec<Labels> = rv.iter().map(|s| signature(&s.labels, m)).collect();
    match op {
        BinOp::And => lv
            .into_iter()
            .filter(|s| right.contains(&signature(&s.labels, m)))
            .collect(),
        BinOp::Unless => lv
            .into_iter()
            .filter(|s| !right.contains(&signature(&s.labels, m)))
            .collect(),
        _ => {
            let left: Vec<Labels> = lv.iter().map(|s| signature(&s.labels, m)).collect();
            let mut out = lv;
            out.extend(
                rv.into_iter()
                    .filter(|s| !left.contains(&signature(&s.labels, m))),
            );
            out
        }
    }
}

fn vector_op(
    op: BinOp,
    boolean: bool,
    drops_name: bool,
    m: Option<&Matching>,
    lv: Vec<Sample>,
    rv: Vec<Sample>,
) -> Result<Vec<Sample>, String> {
    let group = m.and_then(|m| m.group.as_ref());
    // The "one" side, by signature; the other side may have many per signature only
    // with group_left/group_right.
    let right_is_one = group.is_none_or(|g| g.left);
    let (many, one) = if right_is_one { (lv, rv) } else { (rv, lv) };
    let mut index: BTreeMap<Labels, Sample> = BTreeMap::new();
    for s in one {
        let sig = signature(&s.labels, m);
        if index.insert(sig, s).is_some() {
            return Err(format!(
                "many-to-many matching is not allowed: several series on the {} side have the same matching labels (use on(…)/ignoring(…), or aggregate first)",
                if right_is_one { "right" } else { "left" }
            ));
        }
    }
    let mut seen: Vec<Labels> = Vec::new();
    let mut out = Vec::new();
    for s in many {
        let sig = signature(&s.labels, m);
        let Some(o) = index.get(&sig) else {
            continue;
        };
        if group.is_none() {
            if seen.contains(&sig) {
                return Err(
                    "several series on the left side match one on the right: many-to-one matching must be explicit (group_left)".into(),
                );
            }
            seen.push(sig.clone());
        }
        let (a, b) = if right_is_one {
            (s.value, o.value)
        } else {
            (o.value, s.value)
        };
        let x = apply(op, a, b);
        let value = match (boolean, x) {
            (true, x) => {
                if x.is_some() {
                    1.0
                } else {
                    0.0
                }
            }
            (false, Some(v)) => v,
            (false, None) => continue,
        };
        let mut labels = if drops_name {
            drop_name(s.labels)
        } else {
            s.labels
        };
        match (m, group) {
            (Some(m), None) if m.on => labels.retain(|(n, _)| m.labels.contains(n)),
            (Some(m), None) => labels.retain(|(n, _)| !m.labels.contains(n)),
            (_, Some(g)) => {
                for name in &g.include {
                    labels.retain(|(n, _)| n != name);
                    if let Some(l) = o.labels.iter().find(|(n, _)| n == name) {
                        labels.push(l.clone());
                    }
                }
                sort_labels(&mut labels);
            }
            (None, None) => {}
        }
        out.push(Sample { labels, value });
    }
    Ok(out)
}

/// Every golden series' name (for messages).
pub(super) fn golden_names() -> String {
    GOLDEN_SERIES.join(", ")
}
