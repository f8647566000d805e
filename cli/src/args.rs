//! Command-line parsing for `sdl`, with clap: `--help` on every command, `--version`,
//! shell completions and a man page come with it. A usage error is still one line on
//! stderr naming the offending argument and what is allowed (clap's tips folded in),
//! with exit status 2.

use clap::{Args, Parser, Subcommand, ValueEnum};
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

/// What `sdl list` and `sdl describe` print.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Text,
    Json,
}

/// What `sdl run` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RunFormat {
    /// The run's summary, events, alerts and error budget.
    Json,
    /// The Prometheus text exposition of every metric at the end.
    Prom,
    /// Every sampled golden signal, one row per sample.
    Csv,
    /// The whole sampled history in OpenMetrics text, for `promtool tsdb
    /// create-blocks-from openmetrics`.
    Openmetrics,
}

#[derive(Debug, Parser)]
#[command(
    name = "sdl",
    version,
    about = "Systems Design Lab, headless: run systems and failure scenarios, query them in PromQL, replay tutorials.",
    after_help = "Exit status: 0 success, 2 bad input. `sdl help COMMAND` shows a command's options."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Lists the systems, scenarios and mitigations.
    List {
        #[arg(long, value_enum, default_value = "text")]
        format: ListFormat,
    },
    /// Documents one system, scenario or mitigation: parameters, metrics, golden signals.
    Describe {
        /// A system, scenario or mitigation id (see `sdl list`).
        id: String,
        #[arg(long, value_enum, default_value = "text")]
        format: ListFormat,
    },
    /// Runs a system, with scenarios and mitigations switched on, and prints the result.
    Run(RunCommand),
    /// Evaluates a PromQL query on a run, printed as Prometheus's HTTP API answers it.
    Query(QueryCommand),
    /// Writes what real tools read, for a run: a Prometheus rules file, a Grafana
    /// dashboard, OTLP traces or OpenMetrics (what the lab's Export panel offers).
    Export(ExportCommand),
    /// Lists the tutorials, or replays their steps and shows each check's numbers.
    Tutorial {
        #[command(subcommand)]
        command: TutorialCommand,
    },
    /// Game day for instructors: the incident pool, an incident played headless, and
    /// learners' completion codes checked.
    Gameday {
        #[command(subcommand)]
        command: GamedayCommand,
    },
    /// Prints a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Prints the man page (roff): `sdl man > sdl.1; man ./sdl.1`.
    Man,
}

#[derive(Debug, Subcommand, Clone, PartialEq)]
pub enum TutorialCommand {
    /// Lists the embedded tutorials.
    List,
    /// Replays a tutorial's steps (all tutorials without ID) and shows each check.
    Check {
        /// A tutorial id (see `sdl tutorial list`).
        id: Option<String>,
    },
}

#[derive(Debug, Subcommand, Clone, PartialEq)]
pub enum GamedayCommand {
    /// Lists the incidents: id, system, difficulty and what the pager says.
    List,
    /// Plays an incident headless and tells what happened: the hidden faults and when
    /// they began, the alerts, and (with --fix-at) whether its fix restored it.
    Run {
        /// An incident id (see `sdl gameday list`).
        id: String,
        /// The play's seed (a class code's number) [default: 1].
        #[arg(long, value_name = "N", default_value_t = 1)]
        seed: u64,
        /// Apply the incident's recommended fix this long after its first fault began
        /// (ms, s, m or h).
        #[arg(long, value_name = "DURATION", value_parser = duration)]
        fix_at: Option<u64>,
    },
    /// Checks learners' completion codes and series certificates' codes, as a table.
    Score {
        /// Completion codes (GD1-…) or certificate codes (CERT1-…), as learners hand them in.
        #[arg(required = true)]
        codes: Vec<String>,
    },
}

/// The run's configuration: the same options for `sdl run` and `sdl query`.
#[derive(Debug, Args, Clone, PartialEq)]
pub struct RunOptions {
    /// The system to run (see `sdl list`) [default: web].
    #[arg(long, value_name = "ID")]
    pub system: Option<String>,
    /// Scenarios to switch on (repeat, or separate with commas).
    #[arg(long = "scenario", value_name = "ID", value_delimiter = ',')]
    pub scenarios: Vec<String>,
    /// Mitigations to switch on (repeat, or separate with commas).
    #[arg(long = "mitigation", value_name = "ID", value_delimiter = ',')]
    pub mitigations: Vec<String>,
    /// A parameter: a system's by bare name (workers=4), a scenario's or mitigation's
    /// as ID.name (fixed-latency.delay_ms=200), an SLO as slo.latency_ms=300.
    #[arg(long = "set", value_name = "KEY=VALUE", value_parser = key_value)]
    pub sets: Vec<(String, String)>,
    /// An alert rule of your own: 'NAME: CONDITION [for 30s] [warning|critical]', the
    /// condition in PromQL, e.g. 'SlowDb: histogram_quantile(0.99, sum by (le)
    /// (rate(db_query_duration_seconds_bucket[1m]))) > 0.1 for 30s'.
    #[arg(long = "rule", value_name = "RULE")]
    pub rules: Vec<String>,
    /// The random seed [default: 1].
    #[arg(long, value_name = "N", allow_hyphen_values = true)]
    pub seed: Option<u64>,
    /// Virtual time to run (ms, s, m or h) [default: 600s].
    #[arg(long, value_name = "DURATION", value_parser = duration)]
    pub duration: Option<Nanos>,
    /// Virtual time left out of the summary's statistics.
    #[arg(long, value_name = "DURATION", value_parser = duration, default_value = "0s")]
    pub warmup: Nanos,
    /// A lab link from the page (its query string or the whole address): its system,
    /// seed, switches, parameters and `t`. The other options given add to it or
    /// override it.
    #[arg(long, value_name = "LINK", conflicts_with = "config")]
    pub link: Option<String>,
    /// A lab configuration file saved from the page (`lab.json`): read as a link is.
    #[arg(long, value_name = "FILE")]
    pub config: Option<std::path::PathBuf>,
}

#[derive(Debug, Args, Clone, PartialEq)]
pub struct RunCommand {
    #[command(flatten)]
    pub options: RunOptions,
    #[arg(long, value_enum, default_value = "json")]
    pub format: RunFormat,
    /// The Unix time virtual time 0 is written as in OpenMetrics [default: 2026-01-01].
    #[arg(long, value_name = "UNIX_S", default_value_t = engine::export::DEFAULT_EPOCH_S)]
    pub epoch: u64,
    /// Also write the sampled traces to FILE as OTLP JSON.
    #[arg(long, value_name = "FILE")]
    pub traces: Option<std::path::PathBuf>,
}

/// What `sdl export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportWhat {
    /// The alert rules (defaults and --rule) as a Prometheus rules file (`promtool check
    /// rules` accepts it).
    Rules,
    /// The dashboard as Grafana dashboard JSON, with the lab's PromQL.
    Dashboard,
    /// The sampled traces as OTLP JSON (an `ExportTraceServiceRequest`).
    Traces,
    /// The whole sampled history as OpenMetrics.
    Openmetrics,
}

#[derive(Debug, Args, Clone, PartialEq)]
pub struct ExportCommand {
    #[arg(value_enum)]
    pub what: ExportWhat,
    #[command(flatten)]
    pub options: RunOptions,
    /// The Unix time virtual time 0 is written as [default: 2026-01-01].
    #[arg(long, value_name = "UNIX_S", default_value_t = engine::export::DEFAULT_EPOCH_S)]
    pub epoch: u64,
}

#[derive(Debug, Args, Clone, PartialEq)]
pub struct QueryCommand {
    /// The PromQL query, e.g. 'sum by (status) (rate(http_requests_total[1m]))'.
    pub expr: String,
    /// Evaluate at this virtual time (an instant query) [default: the run's end].
    #[arg(long, value_name = "TIME", value_parser = duration, conflicts_with_all = ["start", "end", "step"])]
    pub at: Option<Nanos>,
    /// A range query's first time.
    #[arg(long, value_name = "TIME", value_parser = duration, requires_all = ["end", "step"])]
    pub start: Option<Nanos>,
    /// A range query's last time.
    #[arg(long, value_name = "TIME", value_parser = duration, requires_all = ["start", "step"])]
    pub end: Option<Nanos>,
    /// A range query's step.
    #[arg(long, value_name = "DURATION", value_parser = duration, requires_all = ["start", "end"])]
    pub step: Option<Nanos>,
    /// The Unix time virtual time 0 is answered as [default: 2026-01-01].
    #[arg(long, value_name = "UNIX_S", default_value_t = engine::export::DEFAULT_EPOCH_S)]
    pub epoch: u64,
    #[command(flatten)]
    pub options: RunOptions,
}

fn key_value(raw: &str) -> Result<(String, String), String> {
    let (k, v) = raw
        .split_once('=')
        .ok_or_else(|| format!("expected KEY=VALUE (e.g. workers=4), not `{raw}`"))?;
    Ok((k.trim().to_string(), v.to_string()))
}

fn duration(raw: &str) -> Result<Nanos, String> {
    parse_duration(raw).map_err(|e| e.to_string())
}

/// A run's arguments once the link and the options are merged.
#[derive(Debug, Clone, PartialEq)]
pub struct RunArgs {
    pub system: String,
    pub scenarios: Vec<String>,
    pub mitigations: Vec<String>,
    pub sets: Vec<(String, String)>,
    pub rules: Vec<String>,
    pub seed: u64,
    pub duration_ns: Nanos,
    pub warmup_ns: Nanos,
}

impl RunOptions {
    /// The run: the link's (if any), then the options (later values win).
    pub fn resolve(&self) -> Result<RunArgs, UsageError> {
        let mut run = RunArgs {
            system: "web".into(),
            scenarios: Vec::new(),
            mitigations: Vec::new(),
            sets: Vec::new(),
            rules: Vec::new(),
            seed: 1,
            duration_ns: 600 * engine::time::NS_PER_SEC,
            warmup_ns: self.warmup,
        };
        if let Some(link) = &self.link {
            apply_link(&mut run, link)?;
        }
        if let Some(path) = &self.config {
            let text = std::fs::read_to_string(path)
                .map_err(|e| UsageError(format!("cannot read --config {}: {e}", path.display())))?;
            let state = engine::share::read_config_file(&text).map_err(|problems| {
                UsageError(format!(
                    "bad --config {}: {}",
                    path.display(),
                    problems.join("; ")
                ))
            })?;
            apply_link(&mut run, &state.to_query())?;
        }
        if let Some(s) = &self.system {
            run.system = s.clone();
        }
        if let Some(s) = self.seed {
            run.seed = s;
        }
        if let Some(d) = self.duration {
            if d == 0 {
                return Err(UsageError("--duration must be longer than zero".into()));
            }
            run.duration_ns = d;
        }
        for id in self
            .scenarios
            .iter()
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
        {
            if !run.scenarios.iter().any(|s| s == id) {
                run.scenarios.push(id.to_string());
            }
        }
        for id in self
            .mitigations
            .iter()
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
        {
            if !run.mitigations.iter().any(|s| s == id) {
                run.mitigations.push(id.to_string());
            }
        }
        run.sets.extend(self.sets.iter().cloned());
        run.rules.extend(self.rules.iter().cloned());
        if run.warmup_ns >= run.duration_ns {
            return Err(UsageError(format!(
                "--warmup ({}) must be shorter than --duration ({})",
                engine::time::format_duration(run.warmup_ns),
                engine::time::format_duration(run.duration_ns)
            )));
        }
        Ok(run)
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

/// What parsing the command line gives: a command, or text to print and leave (help,
/// version: status 0), or a usage error (status 2).
pub enum Parsed {
    Command(Box<Command>),
    Print(String),
}

/// Parses `argv` (without the program name).
pub fn parse(argv: &[String]) -> Result<Parsed, UsageError> {
    let args = std::iter::once("sdl".to_string()).chain(argv.iter().cloned());
    match Cli::try_parse_from(args) {
        Ok(cli) => Ok(Parsed::Command(Box::new(cli.command))),
        Err(e) => match e.kind() {
            clap::error::ErrorKind::DisplayHelp
            | clap::error::ErrorKind::DisplayVersion
            | clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
                Ok(Parsed::Print(e.render().to_string()))
            }
            _ => Err(UsageError(one_line(&e, argv))),
        },
    }
}

/// A clap error as one line: its message and tips, without the usage block; an unknown
/// option lists the command's options.
fn one_line(e: &clap::Error, argv: &[String]) -> String {
    let text = e.render().to_string();
    let mut parts: Vec<String> = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with("Usage:") || line.starts_with("For more information")
        {
            continue;
        }
        if line.starts_with("sdl ") && !parts.is_empty() {
            continue;
        }
        let line = line.trim_start_matches("error: ").to_string();
        match parts.last_mut() {
            Some(last) if last.ends_with(':') => {
                last.push(' ');
                last.push_str(&line);
            }
            _ => parts.push(line),
        }
    }
    let mut out = parts.join("; ");
    if e.kind() == clap::error::ErrorKind::InvalidSubcommand {
        // The commands of the deepest command named so far.
        let mut cmd = command();
        let mut path = String::from("sdl");
        for a in argv {
            match cmd.find_subcommand(a).cloned() {
                Some(sub) => {
                    path = format!("{path} {}", sub.get_name());
                    cmd = sub;
                }
                None => break,
            }
        }
        let names: Vec<&str> = cmd.get_subcommands().map(|c| c.get_name()).collect();
        out.push_str(&format!(
            " (commands of `{path}`: {}, help)",
            names.join(", ")
        ));
    }
    if e.kind() == clap::error::ErrorKind::UnknownArgument {
        let cmd = command();
        if let Some(sub) = argv.first().and_then(|n| cmd.find_subcommand(n)) {
            let flags: Vec<String> = sub
                .get_arguments()
                .filter_map(|a| a.get_long())
                .filter(|l| *l != "help")
                .map(|l| format!("--{l}"))
                .collect();
            out.push_str(&format!(
                " (allowed for `sdl {}`: {})",
                sub.get_name(),
                flags.join(", ")
            ));
        }
    }
    out
}

/// The clap command, for completions and the man page.
pub fn command() -> clap::Command {
    <Cli as clap::CommandFactory>::command()
}
