//! What each `sdl` command prints.

use crate::args::{
    self, Command, ListFormat, Parsed, QueryCommand, RunArgs, RunFormat, UsageError,
};
use engine::catalog::{self, ItemDescription, ItemKind};
use engine::params::ParamKind;
use engine::time::{ns_to_secs, NS_PER_SEC};
use engine::{Lab, LabConfig, RunSpec};
use serde_json::{json, Map, Value};
use std::fmt::Write as _;

/// Runs the command line; `Ok` holds what to print on stdout.
pub fn dispatch(argv: &[String]) -> Result<String, UsageError> {
    let command = match args::parse(argv)? {
        Parsed::Print(text) => return Ok(text),
        Parsed::Command(c) => c,
    };
    match *command {
        Command::List { format } => Ok(list(format)),
        Command::Describe { id, format } => describe(&id, format),
        Command::Run(r) => {
            let a = r.options.resolve()?;
            let mut lab = run_lab(&a)?;
            if let Some(path) = &r.traces {
                let otlp = engine::export::otlp_traces_json(lab.traces(), r.epoch);
                std::fs::write(path, otlp).map_err(|e| {
                    UsageError(format!("cannot write --traces {}: {e}", path.display()))
                })?;
            }
            run(&a, &mut lab, r.format, r.epoch)
        }
        Command::Export(x) => {
            let a = x.options.resolve()?;
            let lab = run_lab(&a)?;
            Ok(match x.what {
                args::ExportWhat::Rules => {
                    engine::export::alert_rules_yaml(lab.alerts().alerts().iter().map(|a| &a.rule))
                }
                args::ExportWhat::Dashboard => sdl_host::grafana::dashboard(
                    &a.system,
                    &sdl_host::engine_host::switched_metrics(&lab),
                    x.epoch,
                    a.duration_ns / NS_PER_SEC,
                ),
                args::ExportWhat::Traces => engine::export::otlp_traces_json(lab.traces(), x.epoch),
                args::ExportWhat::Openmetrics => engine::export::openmetrics(&lab, x.epoch),
            })
        }
        Command::Query(q) => query(&q),
        Command::Tutorial { command } => crate::tutorial::run(&command),
        Command::Gameday { command } => crate::gameday::run(&command),
        Command::Completions { shell } => {
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut args::command(), "sdl", &mut out);
            Ok(String::from_utf8_lossy(&out).into_owned())
        }
        Command::Man => {
            let mut out = Vec::new();
            clap_mangen::Man::new(args::command())
                .render(&mut out)
                .map_err(|e| UsageError(format!("writing the man page: {e}")))?;
            Ok(String::from_utf8_lossy(&out).into_owned())
        }
    }
}

fn to_json<T: serde::Serialize>(v: &T) -> String {
    let mut s =
        serde_json::to_string_pretty(v).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
    s.push('\n');
    s
}

fn list(format: ListFormat) -> String {
    let items = catalog::list();
    if format == ListFormat::Json {
        return to_json(&items);
    }
    let mut out = String::new();
    let _ = writeln!(out, "{:<10} {:<28} {:<12} TITLE", "KIND", "ID", "CATEGORY");
    for i in &items {
        let kind = match i.kind {
            ItemKind::System => "system",
            ItemKind::Scenario => "scenario",
            ItemKind::Mitigation => "mitigation",
        };
        let _ = writeln!(
            out,
            "{kind:<10} {:<28} {:<12} {}",
            i.id, i.category, i.title
        );
    }
    out
}

fn describe(id: &str, format: ListFormat) -> Result<String, UsageError> {
    let d = catalog::describe(id)?;
    if format == ListFormat::Json {
        return Ok(to_json(&d));
    }
    Ok(describe_text(&d))
}

fn describe_text(d: &ItemDescription) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{} — {} ({})\n", d.id, d.title, d.category);
    let _ = writeln!(out, "{}\n", d.doc);
    let _ = writeln!(out, "PARAMETERS (set with --set KEY=VALUE)");
    for p in &d.params {
        let default = p.spec.default_value();
        let unit = if p.spec.unit.is_empty() {
            String::new()
        } else {
            format!(" {}", p.spec.unit)
        };
        let range = match p.spec.kind {
            ParamKind::Choice { .. } | ParamKind::Bool { .. } => {
                format!("one of {}", p.spec.range_text())
            }
            _ => format!("range {}{unit}", p.spec.range_text()),
        };
        let _ = writeln!(
            out,
            "  {:<34} {:<6} default {default}{unit}; {range}\n  {:<34} {}",
            p.key,
            p.spec.type_name(),
            "",
            p.spec.help
        );
    }
    if !d.golden.is_empty() {
        let _ = writeln!(
            out,
            "\nGOLDEN SIGNALS (series every query and alert may read)"
        );
        for g in &d.golden {
            let _ = writeln!(out, "  {:<16} {}", g.signal.name(), g.meaning);
        }
    }
    let _ = writeln!(out, "\nMETRICS");
    for m in &d.metrics {
        let labels = if m.labels.is_empty() {
            String::new()
        } else {
            format!("{{{}}}", m.labels.join(","))
        };
        let _ = writeln!(
            out,
            "  {}{labels} ({})  {}",
            m.name,
            m.kind.as_str(),
            m.help
        );
        if !m.buckets.is_empty() {
            let b: Vec<String> = m.buckets.iter().map(|b| b.to_string()).collect();
            let _ = writeln!(out, "      buckets: {}", b.join(", "));
        }
    }
    if !d.strikes.is_empty() {
        let _ = writeln!(out, "\nSTRIKES: {}", d.strikes.join(", "));
        if let Some(fault) = d.fault {
            let _ = writeln!(out, "KIND OF FAULT: {fault}");
        }
    }
    if !d.mitigations.is_empty() {
        let _ = writeln!(out, "MITIGATIONS: {}", d.mitigations.join(", "));
    }
    out
}

/// At most this many metric samples per run (4 virtual hours at 1 s): with the web
/// system's ~400 series that keeps a run's history under 50 MB at any length.
pub const MAX_SAMPLES: u64 = 14_400;

/// The run the arguments describe.
pub fn spec(a: &RunArgs) -> RunSpec {
    let mut spec = RunSpec::new(&a.system)
        .seed(a.seed)
        .warmup_ns(a.warmup_ns)
        .until_ns(a.duration_ns);
    // The sample grid follows the run's time scale (issue 24): 1 s up to 4 virtual hours,
    // then whole seconds such that a run holds at most `MAX_SAMPLES` samples. So a
    // queueing exercise written in seconds (λ = 0.9/s for 4,000,000 s) costs what the
    // same exercise in milliseconds does: the work is its events, not its empty seconds.
    // Every sample is kept (CSV, OpenMetrics, queries).
    let interval = a
        .duration_ns
        .div_ceil(MAX_SAMPLES)
        .div_ceil(NS_PER_SEC)
        .max(1)
        * NS_PER_SEC;
    spec = spec.sample_interval_ns(interval);
    let samples = (a.duration_ns / interval) as usize + 1;
    spec = spec.history_len(samples.min(engine::sim::MAX_HISTORY_LEN));
    for id in &a.scenarios {
        spec = spec.scenario(id);
    }
    for id in &a.mitigations {
        spec = spec.mitigation(id);
    }
    for (k, v) in &a.sets {
        spec = spec.param(k, v);
    }
    for rule in &a.rules {
        spec = spec.rule(rule);
    }
    spec
}

/// Builds the configuration the arguments describe, validating every value.
pub fn config(a: &RunArgs) -> Result<LabConfig, UsageError> {
    Ok(spec(a).build()?)
}

/// The run the arguments describe, run to its end.
fn run_lab(a: &RunArgs) -> Result<Lab, UsageError> {
    let cfg = config(a)?;
    let mut lab = Lab::new(&cfg)?;
    lab.run_until(a.duration_ns);
    Ok(lab)
}

fn run(a: &RunArgs, lab: &mut Lab, format: RunFormat, epoch: u64) -> Result<String, UsageError> {
    let cfg = lab.config().clone();
    match format {
        RunFormat::Prom => Ok(lab.prometheus_text()),
        RunFormat::Csv => Ok(lab.csv()),
        RunFormat::Openmetrics => Ok(engine::export::openmetrics(lab, epoch)),
        RunFormat::Json => {
            let mut params = Map::new();
            for (k, v) in cfg.effective_params()? {
                params.insert(k, serde_json::to_value(v).unwrap_or(Value::Null));
            }
            let summary = lab.summary();
            let doc = json!({
                "system": cfg.system,
                "scenario": cfg.enabled_scenarios().collect::<Vec<_>>(),
                "mitigation": cfg.enabled_mitigations().collect::<Vec<_>>(),
                "seed": cfg.seed,
                "duration_s": ns_to_secs(a.duration_ns),
                "warmup_s": ns_to_secs(a.warmup_ns),
                "params": params,
                "summary": summary,
                "events": lab.events(),
                "sample_interval_s": cfg.sample_interval_ns / NS_PER_SEC,
                "digest": lab.digest(),
                "rules": lab.alerts().alerts().iter().map(|a| a.rule.to_text()).collect::<Vec<_>>(),
                "alerts": lab.alerts().history().collect::<Vec<_>>(),
                "error_budget": lab.error_budget(),
            });
            Ok(to_json(&doc))
        }
    }
}

/// `sdl query`: runs the lab as far as the query needs (its `--at` or `--end`, else the
/// run's duration) and answers as Prometheus's API does. A query that does not parse or
/// names an undeclared metric is a usage error; one that fails to evaluate (many-to-many
/// matching) prints Prometheus's error document and exits 2.
fn query(q: &QueryCommand) -> Result<String, UsageError> {
    let query = engine::query::Query::parse(&q.expr).map_err(|e| UsageError(e.to_string()))?;
    query.validate().map_err(|e| UsageError(e.to_string()))?;
    let mut a = q.options.resolve()?;
    if let Some(t) = q.at.or(q.end) {
        a.duration_ns = a.duration_ns.max(t);
    }
    let cfg = config(&a)?;
    let mut lab = Lab::new(&cfg)?;
    lab.run_until(a.duration_ns);
    let answer = match (q.start, q.end, q.step) {
        (Some(start), Some(end), Some(step)) => {
            engine::export::range_query_json(&lab, &query, start, end, step, q.epoch)
        }
        _ => {
            engine::export::instant_query_json(&lab, &query, q.at.unwrap_or(a.duration_ns), q.epoch)
        }
    };
    match answer {
        Ok(mut json) => {
            json.push('\n');
            Ok(json)
        }
        Err(json) => Err(UsageError(json)),
    }
}
