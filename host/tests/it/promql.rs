//! Every query the lab shows a learner — tutorial checks, hints and prose, panel lines,
//! default alert rules, scenario and mitigation docs, the docs and the CLI's help — is
//! standard PromQL: the `promql-parser` crate (a port of Prometheus's own grammar)
//! parses it, and reads it as the same tree as the lab does (operators, precedence,
//! grouping, matching, selectors and ranges), compared through `Query::canonical`.

use engine::query::{Condition, Query};
use promql_parser::label::{MatchOp, Matchers};
use promql_parser::parser::{self, Expr, LabelModifier, VectorMatchCardinality, VectorSelector};
use std::path::Path;

/// `promql-parser`'s tree in the lab's canonical text (see `engine::query`'s
/// `ast::canonical`).
fn canonical(e: &Expr) -> String {
    fn list(l: &[String]) -> String {
        let mut l = l.to_vec();
        l.sort();
        l.join(",")
    }
    fn matchers(m: &Matchers) -> String {
        let mut out: Vec<String> = m
            .matchers
            .iter()
            .filter(|m| m.name != "__name__")
            .map(|m| {
                let op = match &m.op {
                    MatchOp::Equal => "=",
                    MatchOp::NotEqual => "!=",
                    MatchOp::Re(_) => "=~",
                    MatchOp::NotRe(_) => "!~",
                };
                format!("{}{op}{:?}", m.name, m.value)
            })
            .collect();
        out.sort();
        out.join(",")
    }
    fn sel(v: &VectorSelector) -> String {
        let offset = match &v.offset {
            Some(parser::Offset::Pos(d)) => d.as_millis() as i128,
            Some(parser::Offset::Neg(d)) => -(d.as_millis() as i128),
            None => 0,
        };
        format!(
            "sel({}{{{}}}@{offset})",
            v.name.as_deref().unwrap_or(""),
            matchers(&v.matchers)
        )
    }
    match e {
        Expr::NumberLiteral(n) => format!("{}", n.val),
        Expr::Paren(p) => canonical(&p.expr),
        Expr::VectorSelector(v) => sel(v),
        Expr::MatrixSelector(m) => format!("range({},{})", sel(&m.vs), m.range.as_millis()),
        Expr::Unary(u) => match &*u.expr {
            Expr::NumberLiteral(n) => format!("{}", -n.val),
            inner => format!("neg({})", canonical(inner)),
        },
        Expr::Call(c) => {
            let args: Vec<String> = c.args.args.iter().map(|a| canonical(a)).collect();
            format!("{}({})", c.func.name, args.join(","))
        }
        Expr::Aggregate(a) => {
            let grouping = match &a.modifier {
                None => String::new(),
                Some(LabelModifier::Include(l)) if l.labels.is_empty() => String::new(),
                Some(LabelModifier::Include(l)) => format!("by({})", list(&l.labels)),
                Some(LabelModifier::Exclude(l)) => format!("without({})", list(&l.labels)),
            };
            format!("agg:{}[{grouping}]({})", a.op, canonical(&a.expr))
        }
        Expr::Binary(b) => {
            let mut mods = String::new();
            if let Some(m) = &b.modifier {
                if m.return_bool {
                    mods.push_str("bool");
                }
                match &m.matching {
                    Some(LabelModifier::Include(l)) => {
                        mods.push_str(&format!("on({})", list(&l.labels)))
                    }
                    Some(LabelModifier::Exclude(l)) => {
                        mods.push_str(&format!("ignoring({})", list(&l.labels)))
                    }
                    None => {}
                }
                match &m.card {
                    VectorMatchCardinality::ManyToOne(l) => {
                        mods.push_str(&format!("group_left({})", list(&l.labels)))
                    }
                    VectorMatchCardinality::OneToMany(l) => {
                        mods.push_str(&format!("group_right({})", list(&l.labels)))
                    }
                    _ => {}
                }
            }
            format!(
                "bin:{}[{mods}]({},{})",
                b.op.to_string().to_lowercase(),
                canonical(&b.lhs),
                canonical(&b.rhs)
            )
        }
        other => format!("unsupported: {other:?}"),
    }
}

/// Both parsers read `q`, as the same tree. `Err` says how they differ.
fn agrees(q: &str) -> Result<(), String> {
    let ours = Query::parse(q).map_err(|e| format!("the lab refuses it: {e}"))?;
    let theirs = parser::parse(q).map_err(|e| format!("promql-parser refuses it: {e}"))?;
    let (a, b) = (ours.canonical(), canonical(&theirs));
    if a == b {
        Ok(())
    } else {
        Err(format!(
            "read differently:\n  lab:           {a}\n  promql-parser: {b}"
        ))
    }
}

/// The spans between backticks in `text`, outside fenced blocks, and the body of every
/// block fenced as ```promql (a query written over several lines).
fn backticked(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for (i, part) in text.split("```").enumerate() {
        if i % 2 == 1 {
            if let Some(body) = part.strip_prefix("promql\n") {
                out.push(body.trim());
            }
        } else {
            out.extend(part.split('`').skip(1).step_by(2));
        }
    }
    out
}

/// Whether a backticked span is written as a query (not code, a command, a metric's
/// label names in `name{label}` notation, or a word).
fn looks_like_query(span: &str) -> bool {
    let code = [
        "::", ";", "=>", "&", "->", "sdl ", "cargo", "--", "://", "fn ", "let ", "$",
    ];
    let notation = span.contains('{') && !span.contains('=') && !span.contains('~');
    let has_name = span
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .any(|w| w.contains('_'));
    (span.contains('(') || span.contains('[') || span.contains('{'))
        && has_name
        && !notation
        && !code.iter().any(|c| span.contains(c))
}

/// Whether `span` opens with a PromQL function or aggregation (`rate(`, `sum by`…).
fn starts_with_a_function(span: &str) -> bool {
    let word: String = span
        .chars()
        .take_while(|c| c.is_ascii_lowercase() || *c == '_')
        .collect();
    let rest = span[word.len()..].trim_start();
    let known = [
        "rate",
        "irate",
        "increase",
        "delta",
        "histogram_quantile",
        "sum",
        "avg",
        "min",
        "max",
        "count",
        "avg_over_time",
        "max_over_time",
        "min_over_time",
        "sum_over_time",
        "count_over_time",
        "last_over_time",
        "abs",
        "clamp_min",
        "clamp_max",
        "vector",
        "scalar",
    ];
    known.contains(&word.as_str())
        && (rest.starts_with('(') || rest.starts_with("by") || rest.starts_with("without"))
}

/// The longest start of `text` that the lab reads as a whole query and that ends at a
/// word's end (a hint such as "rate(x[1m]) against the order rate").
fn leading_query(text: &str) -> Option<&str> {
    let ends: Vec<usize> = text
        .char_indices()
        .filter(|&(i, _)| text[i..].starts_with(' '))
        .map(|(i, _)| i)
        .chain([text.len()])
        .collect();
    ends.into_iter()
        .rev()
        .map(|e| text[..e].trim_end_matches(['.', ',', ':']))
        .find(|q| (q.contains('(') || q.contains('{')) && Query::parse(q).is_ok())
}

fn files_under(dir: &Path, ext: &str, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let p = entry.path();
        if p.is_dir() {
            files_under(&p, ext, out);
        } else if p.extension().is_some_and(|e| e == ext) {
            out.push(p);
        }
    }
}

#[test]
fn every_query_the_lab_shows_is_standard_promql() {
    let mut checked = 0;
    let mut failures = Vec::new();
    let mut check = |where_: String, q: &str| {
        checked += 1;
        if let Err(e) = agrees(q) {
            failures.push(format!("{where_}: `{q}`: {e}"));
        }
    };
    for t in content::tutorials() {
        for s in &t.steps {
            let at = |what: &str| format!("{} step {} {what}", t.id, s.number);
            for c in &s.expect.conditions {
                Condition::parse(c).expect("the loader parsed it");
                check(at("check"), c);
            }
            for h in &s.hints {
                if let Some(q) = leading_query(h) {
                    check(at("hint"), q);
                }
            }
            for span in backticked(&s.text) {
                if looks_like_query(span) {
                    check(at("text"), span);
                }
            }
        }
        let mut prose: Vec<&str> = Vec::new();
        for e in &t.exercises {
            prose.extend([e.prompt.as_str(), e.solution.as_str()]);
        }
        for q in &t.quiz {
            prose.push(&q.prompt);
        }
        for text in prose {
            for span in backticked(text) {
                if looks_like_query(span) {
                    check(format!("{} exercise or quiz", t.id), span);
                }
            }
        }
    }
    for spec in engine::catalog::metric_specs() {
        for line in sdl_host::panels::panel_lines(spec).1 {
            check(format!("panel of {}", spec.name), &line.expr);
        }
    }
    // The Grafana dashboard's targets, with every declared metric's panel.
    let specs: Vec<&engine::metrics::MetricSpec> =
        engine::catalog::metric_specs().into_iter().collect();
    let dashboard = sdl_host::grafana::dashboard("web", &specs, 0, 600);
    let dashboard = engine::json::parse(&dashboard).expect("the dashboard is JSON");
    let panels = dashboard.get("panels").expect("panels");
    for panel in panels.as_array().expect("a list") {
        for target in panel
            .get("targets")
            .and_then(|t| t.as_array().ok())
            .unwrap_or(&[])
        {
            let expr = target
                .get("expr")
                .and_then(|e| e.as_str().ok())
                .expect("an expr");
            check("Grafana dashboard".into(), expr);
        }
    }
    for rule in engine::alerts::default_rules(&engine::alerts::Slo::default()) {
        check(format!("alert {}", rule.name), &rule.condition.to_string());
    }
    // The docs, the README and the scenario and mitigation docs the catalogue shows.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = vec![root.join("README.md"), root.join("cli/src/args.rs")];
    files_under(&root.join("docs"), "md", &mut files);
    files_under(&root.join("engine/src/scenarios"), "rs", &mut files);
    files_under(&root.join("engine/src/mitigations"), "rs", &mut files);
    for f in files {
        let mut text = std::fs::read_to_string(&f).unwrap();
        if f.extension().is_some_and(|e| e == "rs") {
            // A source file's docs: its `//!` and `///` lines.
            text = text
                .lines()
                .filter_map(|l| {
                    let l = l.trim_start();
                    l.strip_prefix("//!").or_else(|| l.strip_prefix("///"))
                })
                .collect::<Vec<_>>()
                .join("\n");
        }
        let name = f.strip_prefix(&root).unwrap_or(&f).display().to_string();
        for span in backticked(&text) {
            // A rule (`NAME: CONDITION for 30s`) or a `--rule '…'` shows its condition.
            let span = span.trim_start_matches("--rule ").trim_matches('\'');
            let span = match span.split_once(": ") {
                Some((name, rest)) if !name.contains(' ') && !name.contains('(') => rest,
                _ => span,
            };
            let span = span.split(" for ").next().unwrap_or(span);
            if looks_like_query(span)
                && (starts_with_a_function(span)
                    || Query::parse(span).is_ok()
                    || parser::parse(span).is_ok())
            {
                check(name.clone(), span);
            }
        }
    }
    eprintln!("{checked} queries checked");
    assert!(checked > 150, "only {checked} queries found");
    assert!(
        failures.is_empty(),
        "{} of {checked}:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The canonical comparison is not blind: it tells precedence, grouping and matching apart.
#[test]
fn the_comparison_tells_different_readings_apart() {
    agrees("sum by (le) (rate(h_bucket[5m]))").unwrap();
    agrees("a - b - c").unwrap();
    agrees("-2 ^ 2").unwrap();
    agrees("a / on(job) group_left(instance) b > bool 1").unwrap();
    let a = Query::parse("a - (b - c)").unwrap().canonical();
    let b = canonical(&parser::parse("a - b - c").unwrap());
    assert_ne!(a, b);
    let a = Query::parse("sum by (job) (x)").unwrap().canonical();
    let b = canonical(&parser::parse("sum by (instance) (x)").unwrap());
    assert_ne!(a, b);
    assert!(
        agrees("rate(x[5m])[10m:1m]").is_err(),
        "a subquery: the lab refuses it"
    );
}
