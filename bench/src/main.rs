//! `sdl-bench`: how fast the engine is and how close to queueing theory, natively, and —
//! through `report` — side by side with its peers (SimPy, Ciw) and the browser build.
//!
//! ```text
//! sdl-bench [--quick] [--json PATH] [--reps N] [--models mm1,web] [--no-memory]
//! sdl-bench report [--quick] --runner PATH… [--bundle PATH] [--json OUT] [--markdown OUT]
//!                  [--date TEXT] [--commit TEXT]
//! ```
//!
//! `scripts/bench.sh` runs the whole suite; see `docs/benchmarks.md`. Built for wasm32,
//! the same crate is the engine's browser bench (`wasm.rs`, `bench/wasm/`).

// On wasm32 only the exports in `wasm.rs` are used; the rest is the native driver.
#![cfg_attr(target_arch = "wasm32", allow(dead_code))]

mod models;
mod native;
mod report;
mod results;
mod stats;
mod table;
#[cfg(target_arch = "wasm32")]
mod wasm;

use models::Models;
use report::Report;
use results::{BundleResult, RunnerResults};
use std::process::ExitCode;

const USAGE: &str = "usage:
  sdl-bench [--quick] [--json PATH] [--reps N] [--models ID,ID…] [--no-memory]
      measure the engine natively and print a table (--quick: small sizes, for CI;
      --no-memory: skip the long memory runs, e.g. when profiling one model)
  sdl-bench report [--quick] --runner PATH… [--bundle PATH] [--json OUT] [--markdown OUT]
                   [--date TEXT] [--commit TEXT]
      combine runners' results (the engine's first) into one table and write them";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let outcome = match args.first().map(String::as_str) {
        Some("memory-child") => memory_child(&args[1..]),
        Some("report") => report(&args[1..]),
        Some("-h" | "--help") => {
            println!("{USAGE}");
            Ok(())
        }
        _ => engine(&args),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("sdl-bench: {e}");
            ExitCode::from(2)
        }
    }
}

/// Command-line flags: `--name value` pairs and bare switches, in order.
struct Flags {
    pairs: Vec<(String, Option<String>)>,
}

impl Flags {
    fn parse(args: &[String], switches: &[&str], valued: &[&str]) -> Result<Flags, String> {
        let mut pairs = Vec::new();
        let mut it = args.iter();
        while let Some(a) = it.next() {
            if switches.contains(&a.as_str()) {
                pairs.push((a.clone(), None));
            } else if valued.contains(&a.as_str()) {
                let v = it
                    .next()
                    .ok_or_else(|| format!("{a} needs a value\n{USAGE}"))?;
                pairs.push((a.clone(), Some(v.clone())));
            } else {
                return Err(format!("unknown argument `{a}`\n{USAGE}"));
            }
        }
        Ok(Flags { pairs })
    }
    fn has(&self, name: &str) -> bool {
        self.pairs.iter().any(|(n, _)| n == name)
    }
    fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .and_then(|(_, v)| v.as_deref())
    }
    fn all(&self, name: &str) -> Vec<&str> {
        self.pairs
            .iter()
            .filter(|(n, _)| n == name)
            .filter_map(|(_, v)| v.as_deref())
            .collect()
    }
}

fn write(path: &str, text: &str) -> Result<(), String> {
    if let Some(dir) = std::path::Path::new(path).parent() {
        if !dir.as_os_str().is_empty() {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
    }
    std::fs::write(path, text).map_err(|e| format!("{path}: {e}"))
}

fn mode(quick: bool) -> String {
    if quick { "quick" } else { "full" }.to_string()
}

fn engine(args: &[String]) -> Result<(), String> {
    let flags = Flags::parse(
        args,
        &["--quick", "--no-memory"],
        &["--json", "--reps", "--models"],
    )?;
    let quick = flags.has("--quick");
    let reps = match flags.get("--reps") {
        Some(r) => r
            .parse::<u32>()
            .ok()
            .filter(|&n| n >= 1)
            .ok_or_else(|| format!("--reps: `{r}` is not a whole number ≥ 1"))?,
        None => 3,
    };
    let models = Models::load()?;
    let only: Option<Vec<String>> = flags
        .get("--models")
        .map(|s| s.split(',').map(|x| x.trim().to_string()).collect());
    if let Some(ids) = &only {
        for id in ids {
            if !models.models.iter().any(|m| &m.id == id) {
                let known: Vec<&str> = models.models.iter().map(|m| m.id.as_str()).collect();
                return Err(format!(
                    "--models: unknown model `{id}` (known: {})",
                    known.join(", ")
                ));
            }
        }
    }
    let memory = !flags.has("--no-memory");
    let results = native::run_all(&models, quick, reps, only.as_deref(), memory, &mut |msg| {
        eprintln!("{msg}")
    })?;
    if let Some(path) = flags.get("--json") {
        let text = serde_json::to_string_pretty(&results).map_err(|e| e.to_string())?;
        write(path, &text)?;
    }
    let report = Report {
        models,
        mode: mode(quick),
        date: None,
        commit: None,
        runners: vec![results],
        bundle: None,
    };
    print!("{}", report.text());
    Ok(())
}

fn read_json<T: serde::de::DeserializeOwned>(path: &str) -> Result<T, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    serde_json::from_str(&text).map_err(|e| format!("{path}: {e}"))
}

fn report(args: &[String]) -> Result<(), String> {
    let flags = Flags::parse(
        args,
        &["--quick"],
        &[
            "--runner",
            "--bundle",
            "--json",
            "--markdown",
            "--date",
            "--commit",
        ],
    )?;
    let mut runners = Vec::new();
    for path in flags.all("--runner") {
        runners.push(read_json::<RunnerResults>(path)?);
    }
    if !runners.iter().any(|r| r.runner == "engine-native") {
        return Err("report needs the engine's results: --runner PATH of engine-native".into());
    }
    // The engine first, then the browser build, then the peers.
    runners.sort_by_key(|r| match r.runner.as_str() {
        "engine-native" => 0,
        "engine-wasm" => 1,
        _ => 2,
    });
    let bundle = match flags.get("--bundle") {
        Some(p) => Some(read_json::<BundleResult>(p)?),
        None => None,
    };
    let report = Report {
        models: Models::load()?,
        mode: mode(flags.has("--quick")),
        date: flags.get("--date").map(str::to_string),
        commit: flags.get("--commit").map(str::to_string),
        runners,
        bundle,
    };
    print!("{}", report.text());
    if let Some(path) = flags.get("--json") {
        let text = serde_json::to_string_pretty(&report.json()).map_err(|e| e.to_string())?;
        write(path, &format!("{text}\n"))?;
    }
    if let Some(path) = flags.get("--markdown") {
        let previous = std::fs::read_to_string(path).ok();
        write(path, &report.markdown(previous.as_deref()))?;
    }
    Ok(())
}

/// Internal: one memory run in a process of its own (see `native::memory_runs`).
fn memory_child(args: &[String]) -> Result<(), String> {
    let secs: u64 = args
        .first()
        .and_then(|s| s.parse().ok())
        .ok_or("memory-child needs the simulated seconds")?;
    let r = native::memory_child(&Models::load()?, secs)?;
    println!("{}", serde_json::to_string(&r).map_err(|e| e.to_string())?);
    Ok(())
}
