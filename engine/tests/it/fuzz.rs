//! Fuzzing the engine's readers of outside input (issue 18, "Fuzzing that keeps it so"):
//! lab links (`share::parse_query`), the lenient and strict `RunSpec` builds behind them,
//! lab configuration files (`share::read_config_file`), the JSON they are written in,
//! the query language (`Query`, `Condition`, `Rule`) and the binary codec. Inputs are
//! structured (valid documents built from the catalogue, then mutated), not only noise.
//! None may panic, and whatever the lab writes must read back exactly.
//!
//! `cargo test` runs a smoke of each target; `make fuzz` runs them all with
//! `SDL_FUZZ_CASES` cases each (see `fuzzkit`).

use crate::fuzzkit::{fuzz, Gen, SMOKE};
use engine::alerts::{Rule, SLO_PARAMS};
use engine::catalog;
use engine::codec::{self, Codec};
use engine::json::{self, Value};
use engine::params::{ParamKind, ParamSpec};
use engine::query::{Condition, Query, QueryError};
use engine::run::{SwitchKind, SwitchSpec};
use engine::share::{
    self, encode, parse_query, read_config_file, ConfigFile, LabState, SwitchOn, MAX_T_NS, SPEEDS,
};
use engine::{Lab, LabConfig, RunSpec, GOLDEN_SERIES};
use std::collections::BTreeMap;

// ---- generators ----

/// Every switch id in the catalogue.
fn switch_ids() -> Vec<&'static str> {
    catalog::scenarios()
        .iter()
        .map(|s| s.id)
        .chain(catalog::mitigations().iter().map(|m| m.id))
        .collect()
}

/// A value for `spec`: in range, at a bound, just past one, or not a value at all.
fn param_value(g: &mut Gen, spec: &ParamSpec) -> String {
    if g.chance(0.15) {
        return g.text();
    }
    let mut v = match spec.kind {
        ParamKind::Int { default, min, max } => match g.below(6) {
            0 => default.to_string(),
            1 => min.to_string(),
            2 => max.to_string(),
            3 => min.saturating_sub(1).to_string(),
            4 => max.saturating_add(1).to_string(),
            _ => {
                let span = (max.saturating_sub(min) as u64).saturating_add(1);
                (min.saturating_add((g.u64() % span.max(1)) as i64)).to_string()
            }
        },
        ParamKind::Float { default, min, max } => match g.below(7) {
            0 => default.to_string(),
            1 => min.to_string(),
            2 => max.to_string(),
            3 => (min - 1.0).to_string(),
            4 => (max * 2.0 + 1.0).to_string(),
            5 => format!("{:e}", g.float()),
            _ => (min + (max - min) * (g.below(1001) as f64 / 1000.0)).to_string(),
        },
        ParamKind::Bool { .. } => g
            .pick(&["true", "false", "1", "0", "TRUE", "on"])
            .to_string(),
        ParamKind::Choice { default, allowed } => match g.below(3) {
            0 => default.to_string(),
            1 => g.pick(allowed).to_string(),
            _ => g.pick(allowed).to_uppercase(),
        },
    };
    if g.chance(0.1) {
        v = format!(" {v}\t");
    }
    v
}

/// A metric name, its labels and kind from the catalogue (or a name it does not have).
fn metric(g: &mut Gen) -> (String, Vec<&'static str>) {
    let specs = catalog::metric_specs();
    if g.chance(0.1) {
        return (format!("{}_total", g.word(8).replace('-', "_")), vec!["x"]);
    }
    let spec = g.pick(&specs);
    (spec.name.to_string(), spec.labels.to_vec())
}

fn quoted(g: &mut Gen, s: &str) -> String {
    let q = if g.chance(0.8) { '"' } else { '\'' };
    let escaped: String = s
        .chars()
        .flat_map(|c| {
            if c == q || c == '\\' {
                vec!['\\', c]
            } else {
                vec![c]
            }
        })
        .collect();
    format!("{q}{escaped}{q}")
}

/// A label-value regular expression, valid or nearly so.
fn regex(g: &mut Gen, depth: usize) -> String {
    let mut out = String::new();
    for _ in 0..g.range(1, 4) {
        let atom = match g.below(if depth > 3 { 4 } else { 6 }) {
            0 => g.word(4),
            1 => ".".into(),
            2 => g
                .pick(&["[0-9]", "[^5]", "[a-z_]", "[\\]]", "[z-a]", "[", "]"])
                .to_string(),
            3 => g.pick(&["\\.", "\\", "*", "+", "?", "|", ")"]).to_string(),
            _ => format!("({}|{})", regex(g, depth + 1), regex(g, depth + 1)),
        };
        out.push_str(&atom);
        if g.chance(0.3) {
            out.push(*g.pick(&['*', '+', '?']));
        }
    }
    out
}

fn selector(g: &mut Gen) -> String {
    let (name, labels) = metric(g);
    if g.chance(0.5) {
        return name;
    }
    let mut matchers = Vec::new();
    for _ in 0..g.range(0, 3) {
        let label = if labels.is_empty() || g.chance(0.1) {
            g.word(6).replace('-', "_")
        } else {
            g.pick(&labels).to_string()
        };
        let op = *g.pick(&["=", "!=", "=~", "!~"]);
        let value = if op.ends_with('~') {
            regex(g, 0)
        } else if g.chance(0.8) {
            g.word(6)
        } else {
            g.odd()
        };
        let value = quoted(g, &value);
        matchers.push(format!("{label}{op}{value}"));
    }
    format!("{name}{{{}}}", matchers.join(", "))
}

fn duration(g: &mut Gen) -> String {
    let n = match g.below(4) {
        0 => g.below(120).to_string(),
        1 => format!("{}.{}", g.below(10), g.below(10)),
        2 => g
            .pick(&["0", "1e20", "1e-12", "0.0000001", "99999999999"])
            .to_string(),
        _ => g.number().to_string(),
    };
    format!("{n}{}", g.pick(&["s", "ms", "m", "h", "d", "", "S"]))
}

fn number_text(g: &mut Gen) -> String {
    match g.below(4) {
        0 => g.below(1000).to_string(),
        1 => format!("0.{}", g.below(1000)),
        2 => format!("{:e}", g.finite()),
        _ => g
            .pick(&["1e308", "1e309", "0.5e-3", "5.", ".5", "1.2.3", "1e", "00"])
            .to_string(),
    }
}

/// A query in the language's grammar (`engine::query`), from the catalogue's metrics.
fn expr(g: &mut Gen, depth: usize) -> String {
    let leaf = depth > 4 || g.chance(0.3);
    let choice = if leaf { g.below(3) } else { g.below(9) };
    match choice {
        0 => number_text(g),
        1 => g.pick(&GOLDEN_SERIES).to_string(),
        2 => selector(g),
        3 => {
            let f = g.pick(&[
                "rate",
                "increase",
                "avg_over_time",
                "max_over_time",
                "min_over_time",
            ]);
            format!("{f}({}[{}])", selector(g), duration(g))
        }
        4 => {
            let q = g
                .pick(&["0.5", "0.99", "1", "0", "1.5", "-0.1", "0.999"])
                .to_string();
            let inner = if g.chance(0.5) {
                format!("rate({}[{}])", selector(g), duration(g))
            } else {
                format!("{}[{}]", selector(g), duration(g))
            };
            format!("histogram_quantile({q}, {inner})")
        }
        5 => {
            let a = g.pick(&["sum", "max", "min", "avg", "count"]);
            format!("{a}({})", expr(g, depth + 1))
        }
        6 => format!("-{}", expr(g, depth + 1)),
        7 => format!("({})", expr(g, depth + 1)),
        _ => {
            let op = g.pick(&[" + ", " - ", " * ", " / ", "+", "*"]);
            format!("{}{op}{}", expr(g, depth + 1), expr(g, depth + 1))
        }
    }
}

fn condition(g: &mut Gen) -> String {
    let cmp = g.pick(&[">", ">=", "<", "<=", "==", "!=", " > ", "=", "<>"]);
    let neg = if g.chance(0.2) { "-" } else { "" };
    format!("{}{cmp}{neg}{}", expr(g, 0), number_text(g))
}

fn rule(g: &mut Gen) -> String {
    let name = match g.below(6) {
        0 => g.word(10),
        1 => format!("A{}", g.word(70).replace('-', "_")),
        _ => g.pick(&["Busy", "SlowDb", "HighErrors", "X_1"]).to_string(),
    };
    let mut text = format!("{name}: {}", condition(g));
    if g.chance(0.4) {
        text.push_str(" for ");
        text.push_str(&duration(g));
    }
    if g.chance(0.3) {
        text.push(' ');
        let severity: &&str = g.pick(&["critical", "warning", "page"]);
        text.push_str(severity);
    }
    text
}

/// A query, condition or rule: grammatical, mutated, or deeply nested.
fn query_text(g: &mut Gen, make: fn(&mut Gen) -> String) -> String {
    let mut text = make(g);
    if g.chance(0.1) {
        text = format!(
            "{}{text}{}",
            g.pick(&[" ", "  ", "\t", "\n "]),
            g.pick(&["", " "])
        );
    }
    match g.below(10) {
        0..=5 => text,
        6..=8 => g.mutate_text(&text),
        _ => {
            let depth = *g.pick(&[50, 200, 1000, 10_000, 100_000]);
            let (open, close) = *g.pick(&[("(", ")"), ("-", ""), ("sum(", ")"), ("- (", ")")]);
            format!("{}{text}{}", open.repeat(depth), close.repeat(depth))
        }
    }
}

/// One `KEY=VALUE` of a lab link.
fn link_pair(g: &mut Gen) -> (String, String) {
    let systems = catalog::systems();
    let ids = switch_ids();
    match g.below(16) {
        0 => ("system".into(), {
            if g.chance(0.8) {
                g.pick(systems).id.to_string()
            } else {
                g.text()
            }
        }),
        1 => ("seed".into(), {
            if g.chance(0.7) {
                g.number().to_string()
            } else {
                g.odd()
            }
        }),
        2 => ("speed".into(), {
            if g.chance(0.7) {
                g.pick(&SPEEDS).to_string()
            } else {
                g.text()
            }
        }),
        3 => ("t".into(), {
            match g.below(5) {
                0 => share::format_seconds(g.u64() % (MAX_T_NS + 2)),
                1 => duration(g),
                2 => g.number().to_string(),
                3 => format!("{}.{}", g.below(100_000), g.number()),
                _ => g.odd(),
            }
        }),
        4 => (
            "paused".into(),
            g.pick(&["1", "0", "true", "no", "maybe", ""]).to_string(),
        ),
        5..=7 => {
            let key = g.pick(&["s", "m"]).to_string();
            let mut list: Vec<String> = (0..g.range(1, 3))
                .map(|_| {
                    if g.chance(0.85) {
                        g.pick(&ids).to_string()
                    } else {
                        g.text()
                    }
                })
                .collect();
            if g.chance(0.1) {
                list.push(String::new());
            }
            (key, list.join(","))
        }
        8..=10 => {
            let id = g.pick(&ids);
            let sw = catalog::find_switch(id).expect("a catalogue id");
            let params = sw.params();
            if params.is_empty() || g.chance(0.1) {
                (format!("{id}.{}", g.word(8)), g.text())
            } else {
                let spec = g.pick(&params);
                (format!("{id}.{}", spec.name), param_value(g, spec))
            }
        }
        11 | 12 => {
            let sys = g.pick(systems);
            if sys.params.is_empty() || g.chance(0.1) {
                (g.word(10), g.text())
            } else {
                let spec = g.pick(sys.params);
                (spec.name.to_string(), param_value(g, spec))
            }
        }
        13 => {
            let spec = g.pick(SLO_PARAMS);
            (format!("slo.{}", spec.name), param_value(g, spec))
        }
        14 => ("rule".into(), rule(g)),
        _ => {
            let key = g
                .pick(&["view", "item", "tutorial", "step", "series", ""])
                .to_string();
            (key, g.text())
        }
    }
}

/// A lab link's query: pairs encoded as the lab encodes them (or not at all), then
/// sometimes mutated as a whole.
fn link(g: &mut Gen) -> String {
    let n = g.range(0, 12);
    let mut parts = Vec::new();
    for _ in 0..n {
        let (k, v) = link_pair(g);
        let part = match g.below(5) {
            0 => format!("{k}={v}"),
            1 => k.clone(),
            _ => format!("{}={}", encode(&k), encode(&v)),
        };
        parts.push(part);
    }
    let mut q = parts.join(if g.chance(0.95) { "&" } else { "&&" });
    if g.chance(0.3) {
        q.insert(0, '?');
    }
    if g.chance(0.2) {
        q = g.mutate_text(&q);
    }
    q
}

/// A lab state as the lab holds it: read from a link, so it is one the lab can reach.
fn reachable_state(g: &mut Gen) -> LabState {
    let mut state = parse_query(&link(g)).state;
    state.speed = g.pick(&SPEEDS).to_string();
    state.paused = g.chance(0.5);
    state
}

// ---- link ----

fn check_link(q: &str, run: bool) -> bool {
    let parsed = parse_query(q);
    let state = &parsed.state;
    assert!(parsed.ignored.len() <= 21, "{:?}", parsed.ignored);
    // What a link keeps is a valid lab, which runs (a few thousand events of it, in
    // one case of ten: building a lab costs more than the rest of a case).
    let cfg = state
        .config()
        .unwrap_or_else(|e| panic!("kept state is refused: {e}"));
    if run {
        let mut lab = Lab::new(&cfg).unwrap_or_else(|e| panic!("kept state does not run: {e}"));
        lab.advance_bounded(state.t_ns.unwrap_or(2 * engine::time::NS_PER_SEC), 3000);
        let _ = lab.summary();
    }
    assert!(state.t_ns.is_none_or(|t| t <= MAX_T_NS));
    // The link the lab writes for it reads back to the same state, with nothing ignored.
    let written = state.to_query();
    let again = parse_query(&written);
    assert_eq!(again.state, *state, "link round trip: {written}");
    assert!(again.ignored.is_empty(), "{written}: {:?}", again.ignored);
    // So does its file.
    let file = state.to_file().to_json();
    assert_eq!(
        read_config_file(&file).as_ref(),
        Ok(state),
        "file round trip: {file}"
    );
    // And its run: the spec gives back the state.
    let spec = state.spec();
    assert_eq!(
        LabState::from_spec(&spec, &state.speed, state.paused),
        *state
    );
    assert!(spec.lenient().refused.is_empty());
    parsed.ignored.is_empty()
}

#[test]
fn fuzz_link() {
    fuzz(
        "engine::link",
        SMOKE,
        |g| (link(g), g.chance(0.1)),
        |(q, run)| check_link(q, *run),
    );
}

// ---- run spec: strict and lenient ----

fn spec(g: &mut Gen) -> RunSpec {
    let systems = catalog::systems();
    let ids = switch_ids();
    let system = if g.chance(0.9) {
        g.pick(systems).id.to_string()
    } else {
        g.text()
    };
    let mut spec = RunSpec::new(&system).seed(g.u64());
    if g.chance(0.3) {
        spec = spec.until_ns(g.u64() % (MAX_T_NS + 1));
    }
    for _ in 0..g.range(0, 4) {
        let (k, v) = link_pair(g);
        match k.as_str() {
            "s" | "m" => {
                for id in v.split(',') {
                    let kind = match g.below(3) {
                        0 => SwitchKind::Either,
                        1 => SwitchKind::Scenario,
                        _ => SwitchKind::Mitigation,
                    };
                    spec.switches.push(SwitchSpec {
                        id: id.to_string(),
                        kind,
                    });
                }
            }
            "rule" => spec = spec.rule(&v),
            "system" | "seed" | "speed" | "t" | "paused" | "view" | "item" => {}
            _ => spec = spec.param(&k, &v),
        }
    }
    if g.chance(0.2) {
        let id = g.pick(&ids).to_string();
        spec = spec.switch_param(&id, &g.word(6), g.text());
    }
    spec
}

fn check_spec(spec: &RunSpec) -> bool {
    let lenient = spec.lenient();
    // What was kept builds strictly to the same configuration.
    assert_eq!(lenient.kept.build().as_ref(), Ok(&lenient.config));
    for r in &lenient.refused {
        assert!(!r.to_string().is_empty());
    }
    match spec.try_build() {
        Ok(cfg) => {
            assert!(lenient.refused.is_empty(), "{:?}", lenient.refused);
            assert_eq!(cfg, lenient.config);
        }
        // The strict build stops at the first input the lenient one refuses.
        Err(refusal) => assert_eq!(lenient.refused.first(), Some(&refusal)),
    }
    // The run that was built, shared: its link and its file read back to it.
    let state = LabState::from_spec(&lenient.kept, "100", true);
    let link = parse_query(&state.to_query());
    assert_eq!(link.state, state);
    assert!(link.ignored.is_empty(), "{:?}", link.ignored);
    assert_eq!(link.state.config().as_ref(), Ok(&lenient.config));
    assert_eq!(read_config_file(&state.to_file().to_json()), Ok(state));
    lenient.refused.is_empty()
}

#[test]
fn fuzz_run_spec() {
    fuzz("engine::run_spec", SMOKE, spec, check_spec);
}

// ---- lab configuration files ----

fn switches_json(list: &[SwitchOn]) -> String {
    let items: Vec<String> = list
        .iter()
        .map(|s| {
            let params: Vec<String> = s
                .params
                .iter()
                .map(|(k, v)| format!("{}: {}", json::quoted(k), json::quoted(v)))
                .collect();
            format!(
                "{{\"id\": {}, \"params\": {{{}}}}}",
                json::quoted(&s.id),
                params.join(", ")
            )
        })
        .collect();
    format!("[{}]", items.join(", "))
}

/// A lab file: one the lab writes, or one written by hand (members in any order, some
/// left out, some repeated, values of other types), often mutated.
fn lab_file(g: &mut Gen) -> String {
    let state = reachable_state(g);
    if g.chance(0.3) {
        let text = state.to_file().to_json();
        return if g.chance(0.5) {
            text
        } else {
            g.mutate_text(&text)
        };
    }
    let file = state.to_file();
    let (scen, mitig): (Vec<SwitchOn>, Vec<SwitchOn>) = (file.scenarios, file.mitigations);
    let params: Vec<String> = file
        .params
        .iter()
        .map(|(k, v)| format!("{}: {}", json::quoted(k), json::quoted(v)))
        .collect();
    let mut members: Vec<(String, String)> = vec![
        ("format".into(), json::quoted(share::CONFIG_FORMAT)),
        ("version".into(), "1".into()),
        ("system".into(), json::quoted(&file.system)),
        ("seed".into(), file.seed.to_string()),
        ("speed".into(), json::quoted(&file.speed)),
        ("paused".into(), file.paused.to_string()),
        (
            "t_ns".into(),
            file.t_ns.map_or("null".into(), |t| t.to_string()),
        ),
        ("params".into(), format!("{{{}}}", params.join(", "))),
        ("scenarios".into(), switches_json(&scen)),
        ("mitigations".into(), switches_json(&mitig)),
        ("rules".into(), json::strings(&file.rules).to_compact()),
    ];
    for _ in 0..g.range(0, 3) {
        let i = g.below(members.len());
        match g.below(7) {
            0 => {
                members.remove(i);
            }
            1 => {
                let m = members[i].clone();
                members.push(m);
            }
            2 => members[i].1 = g.pick(&share_odd_values()).to_string(),
            3 => members[i].1 = g.pick(crate::fuzzkit::ODD).to_string(),
            4 => members.push((g.text(), "1".into())),
            5 => {
                let j = g.below(members.len());
                members.swap(i, j);
            }
            _ => members[i].1 = json::quoted(&g.text()),
        }
    }
    let body: Vec<String> = members
        .iter()
        .map(|(k, v)| format!("{}:{v}", json::quoted(k)))
        .collect();
    let text = format!("{{{}}}", body.join(","));
    if g.chance(0.3) {
        g.mutate_text(&text)
    } else {
        text
    }
}

fn share_odd_values() -> Vec<&'static str> {
    vec![
        "null",
        "true",
        "0",
        "-1",
        "1.0",
        "1e3",
        "18446744073709551615",
        "18446744073709551616",
        "99999999999999999999999",
        "\"\"",
        "\"1\"",
        "[]",
        "{}",
        "[null]",
        "{\"id\":\"retry-storm\"}",
        "[{\"id\":\"retry-storm\",\"id\":\"breaker\"}]",
        "[{\"id\":\"breaker\",\"params\":{\"x\":1}}]",
        "\"\\ud800\"",
        "\"\\u0000\"",
        "86400000000000",
        "86400000000001",
    ]
}

fn check_lab_file(text: &str) -> bool {
    match read_config_file(text) {
        Ok(state) => {
            state
                .config()
                .unwrap_or_else(|e| panic!("a file read is refused: {e}"));
            let again = state.to_file().to_json();
            assert_eq!(read_config_file(&again).as_ref(), Ok(&state), "{again}");
            // A file read is written back the same way the lab writes it.
            assert_eq!(
                ConfigFile::from_json(&again).map(|f| f.to_json()),
                Ok(again)
            );
            true
        }
        Err(problems) => {
            assert!(!problems.is_empty());
            assert!(problems.iter().all(|p| !p.is_empty()));
            false
        }
    }
}

#[test]
fn fuzz_lab_file() {
    fuzz("engine::lab_file", SMOKE, lab_file, |t| check_lab_file(t));
}

// ---- JSON ----

fn json_value(g: &mut Gen, depth: usize) -> Value {
    let leaf = depth > 5 || g.chance(0.4);
    match if leaf { g.below(6) } else { g.below(8) } {
        0 => Value::Null,
        1 => Value::Bool(g.chance(0.5)),
        2 => Value::from(g.number()),
        3 => match g.number() {
            0 => Value::from(0u64),
            n => Value::Number(json::Number::Negative(-((n >> 1) as i64) - 1)),
        },
        4 => Value::from(g.float()),
        5 => Value::String(g.text()),
        6 => Value::Array(
            (0..g.range(0, 4))
                .map(|_| json_value(g, depth + 1))
                .collect(),
        ),
        _ => Value::Object(
            (0..g.range(0, 5))
                .map(|_| {
                    let key = if g.chance(0.5) {
                        g.pick(&["a", "b", "c", "format"]).to_string()
                    } else {
                        g.text()
                    };
                    (key, json_value(g, depth + 1))
                })
                .collect(),
        ),
    }
}

fn json_text(g: &mut Gen) -> String {
    let v = json_value(g, 0);
    let text = if g.chance(0.5) {
        v.to_compact()
    } else {
        v.to_pretty()
    };
    if g.chance(0.5) {
        g.mutate_text(&text)
    } else {
        text
    }
}

/// `json::no_duplicate_keys` as it was written first: each key compared with every
/// earlier one (too slow for large files, the reference for what it must answer).
fn naive_no_duplicate_keys(v: &Value) -> Result<(), String> {
    match v {
        Value::Object(members) => {
            for (i, (k, child)) in members.iter().enumerate() {
                if members[..i].iter().any(|(j, _)| j == k) {
                    return Err(format!("duplicate field `{k}`"));
                }
                naive_no_duplicate_keys(child).map_err(|e| format!("`{k}`: {e}"))?;
            }
            Ok(())
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                naive_no_duplicate_keys(item).map_err(|e| format!("[{i}]: {e}"))?;
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

fn check_json(text: &str) -> bool {
    match json::parse(text) {
        Ok(v) => {
            // What the writer writes, the parser reads back to the same value.
            for written in [v.to_compact(), v.to_pretty()] {
                let back = json::parse(&written).unwrap_or_else(|e| panic!("{written}: {e}"));
                assert_eq!(back, v, "{written}");
            }
            assert_eq!(json::no_duplicate_keys(&v), naive_no_duplicate_keys(&v));
            true
        }
        Err(e) => {
            assert!(e.line >= 1 && e.column >= 1);
            assert!(e.line <= text.lines().count() + 1, "{e}");
            false
        }
    }
}

#[test]
fn fuzz_json() {
    fuzz("engine::json", SMOKE, json_text, |t| check_json(t));
}

// ---- the query language ----

/// A position in an error is a character boundary of the text it quotes.
fn check_position(e: &QueryError) {
    assert!(
        e.position <= e.source.len() && e.source.is_char_boundary(e.position),
        "{e}: position {} in {} bytes",
        e.position,
        e.source.len()
    );
}

/// A lab that has run a little, with most metrics registered, for queries to read.
fn query_lab() -> Lab {
    let mut cfg = LabConfig::new("web");
    for id in ["retry-storm", "cache-stampede", "breaker"] {
        cfg.enable(id).expect("a web switch");
    }
    let mut lab = Lab::new(&cfg).expect("the web lab builds");
    lab.run_until(20 * engine::time::NS_PER_SEC);
    lab
}

/// A validation error points at the metric it names (`unknown metric `x``, `` `x` is a
/// gauge ``…) in the text it quotes.
fn check_points_at_its_metric(e: &QueryError) {
    check_position(e);
    if let Some(name) = e.message.split('`').nth(1) {
        assert!(
            e.source[e.position..].starts_with(name),
            "{e}: column {} is not at `{name}`",
            e.position + 1
        );
    }
}

fn check_query(text: &str, lab: &Lab) -> bool {
    let mut accepted = false;
    match Query::parse(text) {
        Ok(q) => {
            let again = Query::parse(q.source()).expect("a query's own text parses");
            assert_eq!(again.source(), q.source());
            assert_eq!(again.metric_names(), q.metric_names());
            match q.validate() {
                Ok(()) => {
                    accepted = true;
                    let t = lab.now_ns();
                    let _ = q.eval(lab);
                    let _ = q.eval_at(lab, t / 2);
                }
                Err(e) => check_points_at_its_metric(&e),
            }
        }
        Err(e) => check_position(&e),
    }
    match Condition::parse(text) {
        Ok(c) => {
            // The text a condition is shown as reads back to the same condition.
            let shown = c.to_string();
            let again = Condition::parse(&shown).unwrap_or_else(|e| panic!("{shown}: {e}"));
            assert_eq!(again.to_string(), shown);
            assert_eq!(again.cmp(), c.cmp());
            assert_eq!(again.threshold().to_bits(), c.threshold().to_bits());
            match c.query().validate() {
                Ok(()) => accepted = true,
                Err(e) => check_points_at_its_metric(&e),
            }
        }
        Err(e) => check_position(&e),
    }
    if let Ok(rule) = Rule::parse(text) {
        // A rule's text (what links and files carry) reads back to the same rule.
        let written = rule.to_text();
        let again = Rule::parse(&written).unwrap_or_else(|e| panic!("{written}: {e}"));
        assert_eq!(again.to_text(), written);
        assert_eq!(again.summary, rule.summary);
        assert_eq!((again.for_ns, again.severity), (rule.for_ns, rule.severity));
        let mut cfg = LabConfig::new("web");
        if cfg.add_rule(text).is_ok() {
            assert_eq!(cfg.custom_rules().last(), Some(&written));
        }
    }
    accepted
}

#[test]
fn fuzz_query() {
    let lab = query_lab();
    fuzz(
        "engine::query",
        SMOKE,
        |g| match g.below(3) {
            0 => query_text(g, |g| expr(g, 0)),
            1 => query_text(g, condition),
            _ => query_text(g, rule),
        },
        |text| check_query(text, &lab),
    );
}

// ---- the binary codec ----

type Nested = (
    Vec<Option<f64>>,
    (
        BTreeMap<String, (u64, i64)>,
        Vec<(String, Result<[u32; 2], String>)>,
    ),
);

fn nested(g: &mut Gen) -> Nested {
    let floats = (0..g.range(0, 4))
        .map(|_| g.chance(0.7).then(|| g.float()))
        .collect();
    let mut map = BTreeMap::new();
    for _ in 0..g.range(0, 3) {
        map.insert(g.text(), (g.number(), g.u64() as i64));
    }
    let items = (0..g.range(0, 3))
        .map(|_| {
            let r = if g.chance(0.5) {
                Ok([g.number() as u32, g.u64() as u32])
            } else {
                Err(g.text())
            };
            (g.text(), r)
        })
        .collect();
    (floats, (map, items))
}

fn codec_case(g: &mut Gen) -> (Nested, Vec<u8>) {
    let value = nested(g);
    let bytes = codec::encode(&value);
    let bytes = match g.below(4) {
        0 => bytes,
        1 => g.bytes(64),
        _ => g.mutate_bytes(&bytes),
    };
    (value, bytes)
}

/// Decoding `bytes` as `T` does not panic; what decodes encodes to bytes that decode to
/// the same bytes again.
fn decodes_or_not<T: Codec>(bytes: &[u8]) -> bool {
    let Some(v) = codec::decode::<T>(bytes) else {
        return false;
    };
    let again = codec::encode(&v);
    let back: T = codec::decode(&again).expect("an encoding decodes");
    assert_eq!(codec::encode(&back), again);
    true
}

fn check_codec((value, bytes): &(Nested, Vec<u8>)) -> bool {
    // Every value comes back bit for bit.
    let encoded = codec::encode(value);
    let back: Nested = codec::decode(&encoded).expect("an encoded value decodes");
    assert_eq!(codec::encode(&back), encoded);
    // Any bytes, as any type: a value or `None`.
    let accepted = decodes_or_not::<Nested>(bytes);
    decodes_or_not::<String>(bytes);
    decodes_or_not::<Vec<Vec<String>>>(bytes);
    decodes_or_not::<Vec<Option<bool>>>(bytes);
    decodes_or_not::<BTreeMap<String, Vec<u64>>>(bytes);
    decodes_or_not::<(i64, [f64; 3])>(bytes);
    decodes_or_not::<Result<usize, String>>(bytes);
    accepted
}

#[test]
fn fuzz_codec() {
    fuzz("engine::codec", SMOKE, codec_case, check_codec);
}

// ---- what fuzzing found, kept as regression tests ----

/// A query nested thousands deep (a link's `rule=` can carry one) overflowed the
/// parser's stack and aborted the process; it is refused with the limit named, and
/// nesting up to the limit still parses.
#[test]
fn deeply_nested_queries_are_refused_with_the_limit() {
    use engine::query::MAX_NESTING;
    // Each repetition of `open` is one level, but `- (`, which is two (a minus, then a
    // parenthesis).
    for (open, close, levels) in [
        ("(", ")", 1),
        ("-", "", 1),
        ("abs(", ")", 1),
        ("- (", ")", 2),
    ] {
        // The innermost term: a number, or for a function of vectors a vector (one more
        // level: its argument).
        let (inner, inner_levels) = if open == "abs(" {
            ("vector(1)", 2)
        } else {
            ("1", 1)
        };
        let deep = format!("{}{inner}{}", open.repeat(100_000), close.repeat(100_000));
        let e = Query::parse(&deep).expect_err("too deep");
        assert!(
            e.message.contains("nests too deeply") && e.message.contains("up to 64"),
            "{e}"
        );
        check_position(&e);
        assert!(Condition::parse(&format!("{deep} > 1")).is_err());
        let rule = format!("Deep: {deep} > 1");
        assert!(Rule::parse(&rule).unwrap_err().contains("nests too deeply"));
        // A link is at most 16 KB: as deep as one can carry.
        let deep = format!("{}1{}", open.repeat(1000), close.repeat(1000));
        let link = parse_query(&format!("rule={}", encode(&format!("Deep: {deep} > 1"))));
        assert!(
            link.ignored[0].contains("nests too deeply"),
            "{:?}",
            link.ignored
        );
        // The deepest allowed: each level is one `unary`, the innermost number included.
        let n = (MAX_NESTING - inner_levels) / levels;
        let ok = format!("{}{inner}{}", open.repeat(n), close.repeat(n));
        Query::parse(&ok).unwrap_or_else(|e| panic!("{open}: {e}"));
        let over = format!("{}{inner}{}", open.repeat(n + 1), close.repeat(n + 1));
        assert!(Query::parse(&over).is_err(), "{over}");
    }
}

/// A validation error's column counted the whitespace before the query, which the
/// quoted text leaves out: `  nope_total > 1` said "at column 3" of `nope_total`.
#[test]
fn a_validation_error_points_at_the_metric_it_names() {
    for text in [
        "  histogram_quantile(0.5, sum by (le) (rate(dependency_hung_calls_total[1h])))",
        "\n nope_total",
        "\tlatency_p99_s + nope_total",
    ] {
        let e = Query::parse(text).unwrap().validate().unwrap_err();
        check_points_at_its_metric(&e);
        let c = Condition::parse(&format!("{text} > 1")).unwrap();
        check_points_at_its_metric(&c.query().validate().unwrap_err());
    }
    let e = Query::parse("  nope_total")
        .unwrap()
        .validate()
        .unwrap_err();
    assert_eq!((e.source.as_str(), e.position), ("nope_total", 0), "{e}");
    // A parse error's column is one of the text quoted as well.
    let e = Query::parse("   rate(x)").unwrap_err();
    assert!(e.source[e.position..].starts_with(')'), "{e}");
}

/// A lab file of the largest size read, with 60,000 distinct keys, took 2.6 s to check
/// for repeated keys (each compared with every earlier one), seconds more in the
/// browser: the freeze the size limit was meant to prevent. It is now read at once, and
/// the repeat named is still the first in the document.
#[test]
fn a_file_of_many_keys_is_checked_for_repeats_at_once() {
    let keys: Vec<String> = (0..60_000).map(|i| format!("\"k{i}\":\"\"")).collect();
    let text = format!(
        "{{\"format\":\"sdl-lab-config\",\"version\":1,\"system\":\"web\",\"seed\":1,\"params\":{{{}}}}}",
        keys.join(",")
    );
    assert!(text.len() < share::MAX_CONFIG_BYTES);
    let start = std::time::Instant::now();
    let problems = read_config_file(&text).unwrap_err();
    assert!(
        problems[0].contains("unknown parameter `k0`"),
        "{problems:?}"
    );
    let took = start.elapsed();
    assert!(took.as_millis() < 500, "took {took:?}");
    let v = json::parse(&format!("{{{},\"k7\":1}}", keys.join(","))).unwrap();
    assert_eq!(
        json::no_duplicate_keys(&v),
        Err("duplicate field `k7`".into())
    );
    let v = json::parse(r#"{"b": 1, "a": {"y": 1, "y": 2}, "b": 2, "a": 2}"#).unwrap();
    assert_eq!(
        json::no_duplicate_keys(&v),
        Err("`a`: duplicate field `y`".into())
    );
    let v = json::parse(r#"{"b": 1, "a": 1, "c": [], "b": 2, "a": 2}"#).unwrap();
    assert_eq!(
        json::no_duplicate_keys(&v),
        Err("duplicate field `b`".into())
    );
}

/// A vector's length is checked against the bytes left, but its items' values may be
/// far larger than their bytes, and all of it was reserved before any item decoded: a
/// few MB asked for hundreds of GB (natively an abort; on wasm32, past `isize::MAX`, a
/// "capacity overflow" panic). Bad bytes are now refused without it.
#[test]
fn a_vector_length_does_not_reserve_more_than_its_bytes_can_hold() {
    type Big = [u64; 1 << 12]; // 32 KB a value, 4096 bytes at least encoded.
    let mut bytes = Vec::new();
    engine::codec::write_uint(&mut bytes, 1 << 24); // 512 GB of them.
    bytes.extend(std::iter::repeat_n(0xff, 1 << 24));
    assert!(codec::decode::<Vec<Big>>(&bytes).is_none());
    // What fits still comes back.
    let small: Vec<[u64; 3]> = vec![[1, 2, 3]; 5000];
    assert_eq!(codec::decode(&codec::encode(&small)), Some(small));
}

/// The state of a run whose switches were given out of catalogue order kept that order,
/// so its own link and file read back as another state (the same run): the order a
/// `LabState` promises is now the one it has.
#[test]
fn the_state_of_a_run_keeps_its_switches_in_catalogue_order() {
    let spec = RunSpec::new("web")
        .mitigation("autoscaling")
        .switch("write-behind-cache-lag")
        .switch("coalescing");
    let kept = spec.lenient().kept;
    let state = LabState::from_spec(&kept, "10", false);
    let ids: Vec<&str> = state.switches.iter().map(|s| s.id.as_str()).collect();
    let read = parse_query(&state.to_query());
    assert!(read.ignored.is_empty(), "{:?}", read.ignored);
    assert_eq!(read.state, state, "{ids:?}");
    assert_eq!(read_config_file(&state.to_file().to_json()), Ok(state));
}
