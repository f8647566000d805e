//! Command-line parsing for `sdl`: small enough to write out, so every message can name
//! the offending argument and what is allowed.

use engine::time::{parse_duration, Nanos};
use std::fmt;

/// A usage error: one line for the user.
#[derive(Debug, Clone, PartialEq)]
pub struct UsageError(pub String);

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<engine::LabError> for UsageError {
    fn from(e: engine::LabError) -> Self {
        UsageError(e.to_string())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    Prom,
    Csv,
}

impl Format {
    fn parse(raw: &str, allowed: &[Format]) -> Result<Format, UsageError> {
        let f = match raw {
            "text" => Format::Text,
            "json" => Format::Json,
            "prom" => Format::Prom,
            "csv" => Format::Csv,
            _ => return Err(bad_format(raw, allowed)),
        };
        if allowed.contains(&f) {
            Ok(f)
        } else {
            Err(bad_format(raw, allowed))
        }
    }
    fn name(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Json => "json",
            Format::Prom => "prom",
            Format::Csv => "csv",
        }
    }
}

fn bad_format(raw: &str, allowed: &[Format]) -> UsageError {
    UsageError(format!(
        "unknown format `{raw}` for --format (allowed: {})",
        allowed
            .iter()
            .map(|f| f.name())
            .collect::<Vec<_>>()
            .join(", ")
    ))
}

#[derive(Debug, Clone, PartialEq)]
pub struct RunArgs {
    pub system: String,
    pub scenarios: Vec<String>,
    pub mitigations: Vec<String>,
    pub sets: Vec<(String, String)>,
    /// Alert rules of the user's own (`NAME: CONDITION [for DURATION] [critical]`).
    pub rules: Vec<String>,
    pub seed: u64,
    pub duration_ns: Nanos,
    pub warmup_ns: Nanos,
    pub format: Format,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Help,
    Version,
    List { format: Format },
    Describe { id: String, format: Format },
    Run(RunArgs),
    Tutorial(TutorialCommand),
}

pub const USAGE: &str = "\
sdl — Systems Design Lab, headless

USAGE:
  sdl list [--format text|json]
  sdl describe ID [--format text|json]
  sdl run [--system queue|web] [--scenario ID[,ID…]] [--mitigation ID[,ID…]]
          [--set KEY=VALUE]… [--rule 'NAME: CONDITION [for 30s] [critical]']…
          [--seed N] [--duration 600s] [--warmup 60s] [--format json|prom|csv]
          [--link 'system=web&seed=7&s=retry-storm&t=120']
  sdl tutorial list
  sdl tutorial check [ID]      replay tutorial steps and show each check's numbers

  KEY is a system parameter by bare name (--set workers=4) or a scenario's or
  mitigation's parameter as ID.name (--set fixed-latency.delay_ms=200). Durations take ms, s, m or h.
  The SLOs are set the same way (--set slo.latency_ms=300, --set slo.availability_pct=99.5);
  --rule adds an alert rule beside the defaults, e.g.
  --rule 'SlowDb: histogram_quantile(0.99, sum by (le) (rate(db_query_duration_seconds_bucket[1m]))) > 0.1 for 30s'.
  --link takes a lab link from the page (its query string or the whole address):
  the same system, seed, switches and parameters, run for its `t` (the page shows
  the same summary). Flags after it override it.
  Exit status: 0 success, 2 bad input.
";

/// Walks `--flag value` / `--flag=value` pairs, refusing unknown flags.
struct Flags<'a> {
    args: &'a [String],
    i: usize,
}

impl<'a> Flags<'a> {
    fn next(&mut self) -> Result<Option<(&'a str, Option<String>)>, UsageError> {
        let Some(arg) = self.args.get(self.i) else {
            return Ok(None);
        };
        self.i += 1;
        if let Some(body) = arg.strip_prefix("--") {
            if let Some((k, v)) = body.split_once('=') {
                return Ok(Some((k, Some(v.to_string()))));
            }
            return Ok(Some((body, None)));
        }
        Ok(Some(("", Some(arg.clone()))))
    }

    fn value(&mut self, flag: &str, inline: Option<String>) -> Result<String, UsageError> {
        if let Some(v) = inline {
            return Ok(v);
        }
        let v = self
            .args
            .get(self.i)
            .ok_or_else(|| UsageError(format!("--{flag} needs a value")))?;
        self.i += 1;
        Ok(v.clone())
    }
}

fn unknown_flag(cmd: &str, flag: &str, allowed: &[&str]) -> UsageError {
    UsageError(format!(
        "unknown option `--{flag}` for `sdl {cmd}` (allowed: {})",
        allowed
            .iter()
            .map(|a| format!("--{a}"))
            .collect::<Vec<_>>()
            .join(", ")
    ))
}

pub fn parse(argv: &[String]) -> Result<Command, UsageError> {
    let Some(cmd) = argv.first() else {
        return Ok(Command::Help);
    };
    let rest = &argv[1..];
    match cmd.as_str() {
        "help" | "--help" | "-h" => Ok(Command::Help),
        "version" | "--version" | "-V" => Ok(Command::Version),
        "list" => {
            let mut format = Format::Text;
            let mut flags = Flags { args: rest, i: 0 };
            while let Some((k, v)) = flags.next()? {
                match k {
                    "format" => {
                        format = Format::parse(&flags.value(k, v)?, &[Format::Text, Format::Json])?
                    }
                    "" => {
                        return Err(UsageError(format!(
                            "unexpected argument `{}` for `sdl list`",
                            v.unwrap_or_default()
                        )))
                    }
                    other => return Err(unknown_flag("list", other, &["format"])),
                }
            }
            Ok(Command::List { format })
        }
        "describe" => {
            let mut format = Format::Text;
            let mut id = None;
            let mut flags = Flags { args: rest, i: 0 };
            while let Some((k, v)) = flags.next()? {
                match k {
                    "format" => {
                        format = Format::parse(&flags.value(k, v)?, &[Format::Text, Format::Json])?
                    }
                    "" if id.is_none() => id = v,
                    "" => {
                        return Err(UsageError(format!(
                            "unexpected argument `{}`: `sdl describe` takes one ID",
                            v.unwrap_or_default()
                        )))
                    }
                    other => return Err(unknown_flag("describe", other, &["format"])),
                }
            }
            let id =
                id.ok_or_else(|| UsageError("`sdl describe` needs an ID (see `sdl list`)".into()))?;
            Ok(Command::Describe { id, format })
        }
        "run" => parse_run(rest).map(Command::Run),
        "tutorial" => parse_tutorial(rest).map(Command::Tutorial),
        other => Err(UsageError(format!(
            "unknown command `{other}` (allowed: list, describe, run, tutorial, help, version)"
        ))),
    }
}

/// Takes a lab link (the page's query string, or the whole address) as the run's system,
/// seed, switches and parameters, and its `t` as the duration. Unlike the page, which
/// opens what it can, the CLI refuses a link with any part it cannot use.
fn apply_link(run: &mut RunArgs, raw: &str) -> Result<(), UsageError> {
    let query = raw.split_once('?').map_or(raw, |(_, q)| q);
    let query = query.split_once('#').map_or(query, |(q, _)| q);
    let parsed = engine::share::parse_query(query);
    if !parsed.ignored.is_empty() {
        return Err(UsageError(format!(
            "bad --link: {}",
            parsed.ignored.join("; ")
        )));
    }
    let state = parsed.state;
    run.system = state.system;
    run.seed = state.seed;
    run.sets.extend(state.params);
    run.rules.extend(state.rules);
    for sw in state.switches {
        let is_scenario = engine::catalog::find_scenario(&sw.id).is_ok();
        let list = if is_scenario {
            &mut run.scenarios
        } else {
            &mut run.mitigations
        };
        if !list.contains(&sw.id) {
            list.push(sw.id.clone());
        }
        run.sets.extend(
            sw.params
                .into_iter()
                .map(|(k, v)| (format!("{}.{k}", sw.id), v)),
        );
    }
    if let Some(t) = state.t_ns.filter(|t| *t > 0) {
        run.duration_ns = t;
    }
    Ok(())
}

fn parse_run(rest: &[String]) -> Result<RunArgs, UsageError> {
    let mut run = RunArgs {
        system: "web".into(),
        scenarios: Vec::new(),
        mitigations: Vec::new(),
        sets: Vec::new(),
        rules: Vec::new(),
        seed: 1,
        duration_ns: 600 * engine::time::NS_PER_SEC,
        warmup_ns: 0,
        format: Format::Json,
    };
    let mut flags = Flags { args: rest, i: 0 };
    while let Some((k, v)) = flags.next()? {
        match k {
            "system" => run.system = flags.value(k, v)?,
            "scenario" => {
                for id in flags
                    .value(k, v)?
                    .split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                {
                    if !run.scenarios.iter().any(|s| s == id) {
                        run.scenarios.push(id.to_string());
                    }
                }
            }
            "mitigation" => {
                for id in flags
                    .value(k, v)?
                    .split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                {
                    if !run.mitigations.iter().any(|s| s == id) {
                        run.mitigations.push(id.to_string());
                    }
                }
            }
            "set" => {
                let raw = flags.value(k, v)?;
                let (key, value) = raw.split_once('=').ok_or_else(|| {
                    UsageError(format!(
                        "bad --set `{raw}`: expected KEY=VALUE (e.g. workers=4)"
                    ))
                })?;
                run.sets.push((key.trim().to_string(), value.to_string()));
            }
            "seed" => {
                let raw = flags.value(k, v)?;
                run.seed = raw.trim().parse().map_err(|_| {
                    UsageError(format!(
                        "invalid seed `{raw}`: expected an integer in 0..={}",
                        u64::MAX
                    ))
                })?;
            }
            "duration" => {
                let raw = flags.value(k, v)?;
                run.duration_ns = parse_duration(&raw)?;
                if run.duration_ns == 0 {
                    return Err(UsageError(format!(
                        "--duration `{raw}` must be longer than zero"
                    )));
                }
            }
            "rule" => run.rules.push(flags.value(k, v)?),
            "link" => apply_link(&mut run, &flags.value(k, v)?)?,
            "warmup" => run.warmup_ns = parse_duration(&flags.value(k, v)?)?,
            "format" => {
                run.format = Format::parse(
                    &flags.value(k, v)?,
                    &[Format::Json, Format::Prom, Format::Csv],
                )?
            }
            "" => {
                return Err(UsageError(format!(
                    "unexpected argument `{}` for `sdl run`",
                    v.unwrap_or_default()
                )))
            }
            other => {
                return Err(unknown_flag(
                    "run",
                    other,
                    &[
                        "system",
                        "scenario",
                        "mitigation",
                        "set",
                        "rule",
                        "seed",
                        "duration",
                        "warmup",
                        "format",
                        "link",
                    ],
                ))
            }
        }
    }
    if run.warmup_ns >= run.duration_ns {
        return Err(UsageError(format!(
            "--warmup ({}) must be shorter than --duration ({})",
            engine::time::format_duration(run.warmup_ns),
            engine::time::format_duration(run.duration_ns)
        )));
    }
    Ok(run)
}
#[derive(Debug, Clone, PartialEq)]
pub enum TutorialCommand {
    List,
    Check { id: Option<String> },
}

/// `sdl tutorial …`'s arguments.
fn parse_tutorial(rest: &[String]) -> Result<TutorialCommand, UsageError> {
    let usage = || UsageError("`sdl tutorial` takes `list` or `check [ID]`".into());
    match rest.first().map(String::as_str) {
        Some("list") if rest.len() == 1 => Ok(TutorialCommand::List),
        Some("check") if rest.len() <= 2 => {
            if let Some(a) = rest.get(1).filter(|a| a.starts_with("--")) {
                return Err(UsageError(format!(
                    "unknown option `{a}` for `sdl tutorial check` (it takes an optional tutorial ID)"
                )));
            }
            Ok(TutorialCommand::Check {
                id: rest.get(1).cloned(),
            })
        }
        _ => Err(usage()),
    }
}
