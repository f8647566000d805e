//! A parsed query: PromQL's syntax tree (selectors with label matchers and offsets,
//! range and instant functions, aggregations with `by`/`without`, binary operators with
//! `bool`, `on`/`ignoring` and `group_left`/`group_right`), parse errors, and the walk
//! over a tree's selectors that validation and evaluation share.

use super::regex::Regex;
use crate::time::Nanos;
use std::fmt;

/// A parse, validation or evaluation error: where in the source, and what is wrong.
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

impl MatchOp {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            MatchOp::Eq => "=",
            MatchOp::Ne => "!=",
            MatchOp::Re => "=~",
            MatchOp::NotRe => "!~",
        }
    }
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

/// `name{matchers} offset d`: an instant vector selector, or inside a range function
/// with its range.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Selector {
    pub(super) name: String,
    pub(super) matchers: Vec<Matcher>,
    pub(super) offset: Nanos,
    /// Byte offset of the name (for validation errors).
    pub(super) at: usize,
}

/// Functions over a range of samples: `f(selector[range])`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum RangeFn {
    Rate,
    Irate,
    Increase,
    Delta,
    AvgOverTime,
    MaxOverTime,
    MinOverTime,
    SumOverTime,
    CountOverTime,
    LastOverTime,
}

impl RangeFn {
    pub(super) const ALL: [(&'static str, RangeFn); 10] = [
        ("rate", RangeFn::Rate),
        ("irate", RangeFn::Irate),
        ("increase", RangeFn::Increase),
        ("delta", RangeFn::Delta),
        ("avg_over_time", RangeFn::AvgOverTime),
        ("max_over_time", RangeFn::MaxOverTime),
        ("min_over_time", RangeFn::MinOverTime),
        ("sum_over_time", RangeFn::SumOverTime),
        ("count_over_time", RangeFn::CountOverTime),
        ("last_over_time", RangeFn::LastOverTime),
    ];

    /// Whether it reads a counter (`rate`, `irate`, `increase`).
    pub(super) fn wants_counter(self) -> bool {
        matches!(self, RangeFn::Rate | RangeFn::Irate | RangeFn::Increase)
    }
}

/// Functions of instant vectors and scalars.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Func {
    HistogramQuantile,
    Abs,
    Ceil,
    Floor,
    Sqrt,
    ClampMin,
    ClampMax,
    Clamp,
    Vector,
    Scalar,
    Time,
    Absent,
}

/// A function's argument types, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Type {
    Scalar,
    Vector,
}

impl Func {
    pub(super) const ALL: [(&'static str, Func); 12] = [
        ("histogram_quantile", Func::HistogramQuantile),
        ("abs", Func::Abs),
        ("ceil", Func::Ceil),
        ("floor", Func::Floor),
        ("sqrt", Func::Sqrt),
        ("clamp_min", Func::ClampMin),
        ("clamp_max", Func::ClampMax),
        ("clamp", Func::Clamp),
        ("vector", Func::Vector),
        ("scalar", Func::Scalar),
        ("time", Func::Time),
        ("absent", Func::Absent),
    ];

    pub(super) fn args(self) -> &'static [Type] {
        match self {
            Func::HistogramQuantile => &[Type::Scalar, Type::Vector],
            Func::Abs | Func::Ceil | Func::Floor | Func::Sqrt | Func::Scalar | Func::Absent => {
                &[Type::Vector]
            }
            Func::ClampMin | Func::ClampMax => &[Type::Vector, Type::Scalar],
            Func::Clamp => &[Type::Vector, Type::Scalar, Type::Scalar],
            Func::Vector => &[Type::Scalar],
            Func::Time => &[],
        }
    }

    pub(super) fn returns(self) -> Type {
        match self {
            Func::Scalar | Func::Time => Type::Scalar,
            _ => Type::Vector,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Agg {
    Sum,
    Max,
    Min,
    Avg,
    Count,
    Group,
}

impl Agg {
    pub(super) const ALL: [(&'static str, Agg); 6] = [
        ("sum", Agg::Sum),
        ("max", Agg::Max),
        ("min", Agg::Min),
        ("avg", Agg::Avg),
        ("count", Agg::Count),
        ("group", Agg::Group),
    ];
}

/// `by (labels)` or `without (labels)`; no clause is `without ()` with every label
/// gone — one group.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Grouping {
    pub(super) without: bool,
    pub(super) labels: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Pow,
    Cmp(Cmp),
    And,
    Or,
    Unless,
}

impl BinOp {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Mod => "%",
            BinOp::Pow => "^",
            BinOp::Cmp(c) => c.as_str(),
            BinOp::And => "and",
            BinOp::Or => "or",
            BinOp::Unless => "unless",
        }
    }

    pub(super) fn is_set(self) -> bool {
        matches!(self, BinOp::And | BinOp::Or | BinOp::Unless)
    }
}

/// Which vector elements a binary operator pairs: labels to match `on` (or all but those
/// `ignoring`), and for many-to-one which side is "many" and the labels copied from the
/// "one" side.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Matching {
    pub(super) on: bool,
    pub(super) labels: Vec<String>,
    pub(super) group: Option<Group>,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) struct Group {
    /// `group_left`: the left side has many elements per match.
    pub(super) left: bool,
    pub(super) include: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Expr {
    Num(f64),
    Vector(Selector),
    Range(RangeFn, Selector, Nanos),
    Call(Func, Vec<Expr>),
    Agg(Agg, Grouping, Box<Expr>),
    Neg(Box<Expr>),
    Bin {
        lhs: Box<Expr>,
        op: BinOp,
        rhs: Box<Expr>,
        /// The `bool` modifier of a comparison.
        boolean: bool,
        matching: Option<Matching>,
        /// Byte offset of the operator (a condition's query ends before it).
        at: usize,
    },
}

impl Expr {
    /// What the expression evaluates to.
    pub(super) fn kind(&self) -> Type {
        match self {
            Expr::Num(_) => Type::Scalar,
            Expr::Vector(_) | Expr::Range(..) | Expr::Agg(..) => Type::Vector,
            Expr::Call(f, _) => f.returns(),
            Expr::Neg(e) => e.kind(),
            Expr::Bin { lhs, rhs, .. } => {
                if lhs.kind() == Type::Scalar && rhs.kind() == Type::Scalar {
                    Type::Scalar
                } else {
                    Type::Vector
                }
            }
        }
    }
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

/// How a selector is read: as an instant vector, or by a range function.
#[derive(Clone, Copy)]
pub(super) enum Use {
    Instant,
    Range(RangeFn),
}

pub(super) fn walk_selectors<'a>(e: &'a Expr, f: &mut impl FnMut(&'a Selector, Use)) {
    match e {
        Expr::Num(_) => {}
        Expr::Vector(s) => f(s, Use::Instant),
        Expr::Range(r, s, _) => f(s, Use::Range(*r)),
        Expr::Call(_, args) => args.iter().for_each(|a| walk_selectors(a, f)),
        Expr::Agg(_, _, inner) | Expr::Neg(inner) => walk_selectors(inner, f),
        Expr::Bin { lhs, rhs, .. } => {
            walk_selectors(lhs, f);
            walk_selectors(rhs, f);
        }
    }
}

fn range_name(f: RangeFn) -> &'static str {
    RangeFn::ALL.iter().find(|p| p.1 == f).map_or("?", |p| p.0)
}

fn func_name(f: Func) -> &'static str {
    Func::ALL.iter().find(|p| p.1 == f).map_or("?", |p| p.0)
}

fn agg_name(a: Agg) -> &'static str {
    Agg::ALL.iter().find(|p| p.1 == a).map_or("?", |p| p.0)
}

/// The modifiers after a binary operator (`bool`, `on (…)`/`ignoring (…)`,
/// `group_left (…)`), each after `sep`, label lists written by `labels`: what the
/// canonical form and the printer share.
fn modifiers(
    boolean: bool,
    matching: Option<&Matching>,
    sep: &str,
    labels: &dyn Fn(&[String]) -> String,
) -> String {
    let mut mods = String::new();
    if boolean {
        mods.push_str(sep);
        mods.push_str("bool");
    }
    if let Some(m) = matching {
        let kw = if m.on { "on" } else { "ignoring" };
        mods.push_str(&format!("{sep}{kw}({})", labels(&m.labels)));
        if let Some(g) = &m.group {
            let side = if g.left { "group_left" } else { "group_right" };
            mods.push_str(&format!("{sep}{side}({})", labels(&g.include)));
        }
    }
    mods
}

/// The tree in a canonical text: what another PromQL parser's tree is compared with
/// (a native test checks every query the lab shows against the `promql-parser` crate).
/// Selectors as `sel(name{label op "value"…}@offset_ms)`, ranges as `range(sel,ms)`,
/// calls as `name(args)`, aggregations as `agg:op[by(l…)](e)`, unary minus as `neg(e)`
/// (a negative number is its value), binary operations as `bin:op[bool][on(l…)]
/// [group_left(l…)](lhs,rhs)`; label lists sorted.
pub(super) fn canonical(e: &Expr) -> String {
    fn sel(s: &Selector) -> String {
        let mut m: Vec<String> = s
            .matchers
            .iter()
            .map(|m| {
                let op = m.op.as_str();
                format!("{}{op}{:?}", m.label, m.value)
            })
            .collect();
        crate::order::sort(&mut m);
        format!(
            "sel({}{{{}}}@{})",
            s.name,
            m.join(","),
            s.offset / 1_000_000
        )
    }
    fn list(l: &[String]) -> String {
        let mut l = l.to_vec();
        crate::order::sort(&mut l);
        l.join(",")
    }
    match e {
        Expr::Num(x) => format!("{x}"),
        Expr::Vector(s) => sel(s),
        Expr::Range(f, s, w) => {
            let name = range_name(*f);
            format!("{name}(range({},{}))", sel(s), w / 1_000_000)
        }
        Expr::Call(f, args) => {
            let name = func_name(*f);
            let args: Vec<String> = args.iter().map(canonical).collect();
            format!("{name}({})", args.join(","))
        }
        Expr::Agg(a, g, inner) => {
            let name = agg_name(*a);
            let grouping = match (g.without, g.labels.is_empty()) {
                (false, true) => String::new(),
                (true, _) => format!("without({})", list(&g.labels)),
                (false, false) => format!("by({})", list(&g.labels)),
            };
            format!("agg:{name}[{grouping}]({})", canonical(inner))
        }
        Expr::Neg(inner) => format!("neg({})", canonical(inner)),
        Expr::Bin {
            lhs,
            op,
            rhs,
            boolean,
            matching,
            ..
        } => {
            let mods = modifiers(*boolean, matching.as_ref(), "", &list);
            format!(
                "bin:{}[{mods}]({},{})",
                op.as_str(),
                canonical(lhs),
                canonical(rhs)
            )
        }
    }
}

/// A duration as PromQL writes it: the largest unit that divides it (`90s`, `5m`, `1h`).
pub(super) fn duration_text(ns: Nanos) -> String {
    let ms = ns / 1_000_000;
    for (unit, size) in [("h", 3_600_000), ("m", 60_000), ("s", 1000)] {
        if ms >= size && ms % size == 0 {
            return format!("{}{unit}", ms / size);
        }
    }
    format!("{ms}ms")
}

/// The tree written back as PromQL text (binary operands in parentheses when they are
/// binary operations themselves, so precedence never changes the reading).
pub(super) fn to_promql(e: &Expr) -> String {
    fn sel(s: &Selector) -> String {
        let mut out = s.name.clone();
        if !s.matchers.is_empty() {
            let m: Vec<String> = s
                .matchers
                .iter()
                .map(|m| {
                    let op = m.op.as_str();
                    let v = m.value.replace('\\', "\\\\").replace('"', "\\\"");
                    format!("{}{op}\"{v}\"", m.label)
                })
                .collect();
            out.push_str(&format!("{{{}}}", m.join(", ")));
        }
        out
    }
    fn offset(s: &Selector) -> String {
        if s.offset == 0 {
            String::new()
        } else {
            format!(" offset {}", duration_text(s.offset))
        }
    }
    fn operand(e: &Expr) -> String {
        match e {
            Expr::Bin { .. } => format!("({})", to_promql(e)),
            _ => to_promql(e),
        }
    }
    match e {
        Expr::Num(x) => format!("{x}"),
        Expr::Vector(s) => format!("{}{}", sel(s), offset(s)),
        Expr::Range(f, s, w) => {
            let name = range_name(*f);
            format!("{name}({}[{}]{})", sel(s), duration_text(*w), offset(s))
        }
        Expr::Call(f, args) => {
            let name = func_name(*f);
            let args: Vec<String> = args.iter().map(to_promql).collect();
            format!("{name}({})", args.join(", "))
        }
        Expr::Agg(a, g, inner) => {
            let name = agg_name(*a);
            let grouping = match (g.without, g.labels.is_empty()) {
                (false, true) => String::new(),
                (without, _) => format!(
                    " {} ({})",
                    if without { "without" } else { "by" },
                    g.labels.join(", ")
                ),
            };
            let sep = if grouping.is_empty() { "" } else { " " };
            format!("{name}{grouping}{sep}({})", to_promql(inner))
        }
        Expr::Neg(inner) => format!("-{}", operand(inner)),
        Expr::Bin {
            lhs,
            op,
            rhs,
            boolean,
            matching,
            ..
        } => {
            let mods = modifiers(*boolean, matching.as_ref(), " ", &|l| l.join(", "));
            format!("{} {}{mods} {}", operand(lhs), op.as_str(), operand(rhs))
        }
    }
}
