//! The combined report: every runner's results side by side in one table (speed, ratio to
//! the engine, mean wait against queueing theory), the memory runs, the browser figures
//! and the targets of issues 2 and 7 — printed, written as `bench/results/latest.json`
//! and as `docs/benchmarks.md`.

use crate::models::Models;
use crate::results::{BundleResult, ModelResult, RunnerResults};
use crate::table::{ms, pct, si, sig3, Table};
use serde_json::json;

/// Everything after this line in `docs/benchmarks.md` is written by hand and kept when
/// the file is regenerated.
pub const HAND_WRITTEN_MARKER: &str =
    "<!-- Hand-written below this line: kept when the bench regenerates this file. -->";

/// Mean wait within this share of theory counts as faithful (issue 7).
const FIDELITY_TOLERANCE: f64 = 0.02;

pub struct Report {
    pub models: Models,
    pub mode: String,
    pub date: Option<String>,
    pub commit: Option<String>,
    /// The engine natively first, then the other runners.
    pub runners: Vec<RunnerResults>,
    pub bundle: Option<BundleResult>,
}

/// A target from the issues, measured (never asserted as a timed test).
pub struct Target {
    pub what: String,
    pub goal: String,
    pub measured: String,
    /// Some(true) met, Some(false) missed, None not measured or not judged.
    pub met: Option<bool>,
    /// Why a measured target is not judged (a smoke run, too few requests).
    pub unjudged: Option<String>,
}

impl Target {
    fn status(&self) -> String {
        match (self.met, &self.unjudged) {
            (Some(true), _) => "met".into(),
            (Some(false), _) => "MISSED".into(),
            (None, Some(why)) => why.clone(),
            (None, None) => "not measured".into(),
        }
    }
}

fn ratio(x: f64) -> String {
    if !x.is_finite() || x <= 0.0 {
        "—".into()
    } else if x >= 0.1 {
        format!("{}×", sig3(x))
    } else {
        format!("1/{}", sig3(1.0 / x))
    }
}

impl Report {
    fn engine(&self) -> Option<&RunnerResults> {
        self.runners.iter().find(|r| r.runner == "engine-native")
    }

    fn result<'a>(&'a self, runner: &str, model: &str) -> Option<&'a ModelResult> {
        self.runners
            .iter()
            .find(|r| r.runner == runner)?
            .results
            .iter()
            .find(|m| m.model == model)
    }

    fn theory(&self, model: &str) -> Option<f64> {
        self.models
            .models
            .iter()
            .find(|m| m.id == model)?
            .theory_wait_s()
    }

    /// The one table: per model, each runner's speed, its ratio to the engine, and its
    /// mean wait against theory.
    pub fn main_table(&self) -> Table {
        let mut t = Table::new(&[
            "model",
            "runner",
            "requests>",
            "CPU %>",
            "events/s>",
            "requests/s>",
            "× engine>",
            "wait ms>",
            "±95% ms>",
            "theory ms>",
            "error>",
            "latency ms>",
        ]);
        for m in &self.models.models {
            let engine_rps = self
                .result("engine-native", &m.id)
                .map(|r| r.requests_per_s);
            let theory = m.theory_wait_s();
            for runner in &self.runners {
                let Some(r) = runner.results.iter().find(|x| x.model == m.id) else {
                    continue;
                };
                let error = theory.map(|th| (r.wait_mean_s - th) / th);
                let mut runner_name = runner.title.clone();
                if r.note.is_some() {
                    runner_name.push_str(" *");
                }
                t.row(vec![
                    m.id.clone(),
                    runner_name,
                    si(r.requests as f64),
                    r.cpu_s
                        .map_or("—".into(), |c| format!("{:.0}", 100.0 * c / r.wall_s)),
                    r.events_per_s.map_or("—".into(), si),
                    si(r.requests_per_s),
                    engine_rps.map_or("—".into(), |e| ratio(r.requests_per_s / e)),
                    ms(r.wait_mean_s),
                    r.wait_ci95_s.map_or("—".into(), ms),
                    theory.map_or("—".into(), ms),
                    error.map_or("—".into(), pct),
                    ms(r.latency_mean_s),
                ]);
            }
        }
        t
    }

    /// How runners' models differ from the engine's, one line per runner and note.
    fn notes(&self) -> Vec<String> {
        let mut out: Vec<(String, Vec<String>, String)> = Vec::new();
        for runner in &self.runners {
            for r in &runner.results {
                let Some(n) = &r.note else { continue };
                match out
                    .iter_mut()
                    .find(|(t, _, text)| *t == runner.title && text == n)
                {
                    Some((_, models, _)) => models.push(r.model.clone()),
                    None => out.push((runner.title.clone(), vec![r.model.clone()], n.clone())),
                }
            }
        }
        out.into_iter()
            .map(|(title, models, n)| format!("{title} on {}: {n}", models.join(", ")))
            .collect()
    }

    pub fn memory_table(&self) -> Table {
        let mut t = Table::new(&[
            "simulated",
            "rate req/s>",
            "requests>",
            "events>",
            "wall s>",
            "peak RSS MB>",
            "before summary MB>",
            "at start MB>",
        ]);
        if let Some(e) = self.engine() {
            for m in &e.memory {
                t.row(vec![
                    format!("{} min", sig3(m.simulated_s as f64 / 60.0)),
                    si(m.arrival_rate_rps),
                    si(m.requests as f64),
                    si(m.events as f64),
                    sig3(m.wall_s),
                    sig3(m.peak_rss_kb as f64 / 1024.0),
                    m.peak_rss_before_summary_kb
                        .map_or("—".into(), |kb| sig3(kb as f64 / 1024.0)),
                    sig3(m.baseline_rss_kb as f64 / 1024.0),
                ]);
            }
        }
        t
    }

    pub fn bundle_table(&self) -> Option<Table> {
        let b = self.bundle.as_ref().filter(|b| !b.files.is_empty())?;
        let mut t = Table::new(&["file", "bytes>", "gzip -9 bytes>"]);
        for f in &b.files {
            t.row(vec![
                f.path.clone(),
                f.bytes.to_string(),
                f.gzip_bytes.to_string(),
            ]);
        }
        t.row(vec![
            "total".into(),
            b.total_bytes().to_string(),
            b.total_gzip_bytes().to_string(),
        ]);
        Some(t)
    }

    pub fn browser_table(&self) -> Option<Table> {
        let page = self.runners.iter().find_map(|r| r.page.as_ref())?;
        let mut t = Table::new(&["figure", "value>"]);
        let mut row = |name: &str, v: Option<f64>, unit: &str| {
            t.row(vec![
                name.into(),
                v.map_or("—".into(), |v| format!("{} {unit}", sig3(v))),
            ])
        };
        row("first chart after navigation", page.first_chart_ms, "ms");
        row(
            "p95 frame time, 10k req/s at 10×",
            page.frame_time_p95_ms,
            "ms",
        );
        row("p50 frame time, same load", page.frame_time_p50_ms, "ms");
        row(
            "longest frame time, same load",
            page.frame_time_max_ms,
            "ms",
        );
        row(
            "p95 interval between frames, same load (60 Hz: 16.7)",
            page.frame_interval_p95_ms,
            "ms",
        );
        row(
            "frames that missed a vsync (> 25 ms), same load",
            page.long_frames_pct,
            "%",
        );
        row(
            "virtual s per wall s, same load (10 = keeps up)",
            page.virtual_s_per_wall_s,
            "",
        );
        row(
            "virtual s per wall s over the long run",
            page.virtual_s_per_wall_s_long_run,
            "",
        );
        let after = page
            .long_run_s
            .map_or("after the long run".to_string(), |s| {
                format!("after {} s", sig3(s))
            });
        row("JS heap at start", page.js_heap_start_mb, "MB");
        row(&format!("JS heap {after}"), page.js_heap_10min_mb, "MB");
        row("page wasm memory at start", page.wasm_memory_start_mb, "MB");
        row(
            &format!("page wasm memory {after}"),
            page.wasm_memory_end_mb,
            "MB",
        );
        if page.engine_in_worker == Some(true) {
            row(
                "engine worker wasm memory at start",
                page.engine_wasm_memory_start_mb,
                "MB",
            );
            row(
                &format!("engine worker wasm memory {after}"),
                page.engine_wasm_memory_end_mb,
                "MB",
            );
            row(
                "engine worker JS heap at start",
                page.engine_js_heap_start_mb,
                "MB",
            );
            row(
                &format!("engine worker JS heap {after}"),
                page.engine_js_heap_end_mb,
                "MB",
            );
        }
        // Memory over the long run once its buffers filled (after the first 5 minutes):
        // the lowest and highest readings; a flat run has them equal or close.
        let settled: Vec<_> = page
            .memory_samples
            .iter()
            .filter(|m| m.t_s >= 300.0)
            .collect();
        let mut range =
            |name: &str, pick: &dyn Fn(&crate::results::MemorySample) -> Option<f64>| {
                let vs: Vec<f64> = settled.iter().filter_map(|m| pick(m)).collect();
                if vs.len() >= 2 {
                    let lo = vs.iter().copied().fold(f64::INFINITY, f64::min);
                    let hi = vs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                    t.row(vec![
                        format!("{name}, from 5 min to the end ({} readings)", vs.len()),
                        format!("{}–{} MB", sig3(lo), sig3(hi)),
                    ]);
                }
            };
        range("page JS heap", &|m| m.js_heap_mb);
        range("page wasm memory", &|m| m.wasm_mb);
        range("engine worker wasm memory", &|m| m.engine_wasm_mb);
        range("engine worker JS heap", &|m| m.engine_js_heap_mb);
        Some(t)
    }

    pub fn targets(&self) -> Vec<Target> {
        let quick = self.mode == "quick";
        let mut out = Vec::new();
        let engine_mm1 = self.result("engine-native", "mm1");
        out.push(Target {
            what: "engine events/s natively, M/M/1 ρ = 0.9, metrics on (issue 2)".into(),
            goal: "≥ 10 M/s".into(),
            measured: engine_mm1
                .and_then(|r| r.events_per_s.map(|v| (r, v)))
                .map_or("—".into(), |(r, v)| match r.cpu_s {
                    // On a busy machine, also say what a CPU-second of it does.
                    Some(cpu) if cpu < 0.9 * r.wall_s => format!(
                        "{}/s ({}/s per CPU-second)",
                        si(v),
                        si(r.events.unwrap_or(0) as f64 / cpu)
                    ),
                    _ => format!("{}/s", si(v)),
                }),
            met: engine_mm1.and_then(|r| r.events_per_s).map(|v| v >= 10e6),
            unjudged: None,
        });
        let vs = |runner: &str| {
            let e = engine_mm1?;
            let p = self.result(runner, "mm1")?;
            Some(e.requests_per_s / p.requests_per_s)
        };
        let simpy = vs("simpy");
        // The same ratio per CPU-second, when a busy machine skewed the wall clock.
        let simpy_cpu = (|| {
            let e = engine_mm1?;
            let p = self.result("simpy", "mm1")?;
            let (ec, pc) = (e.cpu_s?, p.cpu_s?);
            let skewed = ec < 0.9 * e.wall_s || pc < 0.9 * p.wall_s;
            skewed.then(|| (e.requests as f64 / ec) / (p.requests as f64 / pc))
        })();
        out.push(Target {
            what: "engine vs SimPy, requests/s on M/M/1 (issue 7)".into(),
            goal: "≥ 100×".into(),
            measured: match (simpy, simpy_cpu) {
                (Some(x), Some(c)) => format!("{}× ({}× per CPU-second)", sig3(x), sig3(c)),
                (Some(x), None) => format!("{}×", sig3(x)),
                _ => "—".into(),
            },
            met: simpy.map(|x| x >= 100.0),
            unjudged: None,
        });
        let wasm = vs("engine-wasm").map(|x| 1.0 / x);
        out.push(Target {
            what: "engine as WebAssembly in Chromium vs native, M/M/1 (issue 7)".into(),
            goal: "≥ 0.5×".into(),
            measured: wasm.map_or("—".into(), |x| format!("{}×", sig3(x))),
            met: wasm.map(|x| x >= 0.5),
            unjudged: None,
        });
        let page = self.runners.iter().find_map(|r| r.page.as_ref());
        let first = page.and_then(|p| p.first_chart_ms);
        out.push(Target {
            what: "first chart drawn after navigation, localhost (issue 7)".into(),
            goal: "≤ 1 s".into(),
            measured: first.map_or("—".into(), |v| format!("{} ms", sig3(v))),
            met: first.map(|v| v <= 1000.0),
            unjudged: None,
        });
        let frame = page.and_then(|p| p.frame_time_p95_ms);
        out.push(Target {
            what: "p95 frame time, `web` at 10k req/s, 10×, three scenarios (issue 4)".into(),
            goal: "≤ 16.7 ms".into(),
            measured: frame.map_or("—".into(), |v| format!("{} ms", sig3(v))),
            met: frame.map(|v| v <= 16.7),
            unjudged: None,
        });
        let gz = self
            .bundle
            .as_ref()
            .filter(|b| !b.files.is_empty())
            .map(|b| b.total_gzip_bytes());
        out.push(Target {
            what: "bundle (wasm + js + css), gzipped (issue 7)".into(),
            goal: "≤ 600 KB".into(),
            measured: gz.map_or("—".into(), |b| format!("{} KB", sig3(b as f64 / 1024.0))),
            met: gz.map(|b| b <= 600 * 1024),
            unjudged: None,
        });
        for runner in &self.runners {
            for r in &runner.results {
                let Some(th) = self.theory(&r.model) else {
                    continue;
                };
                let err = (r.wait_mean_s - th) / th;
                let within = err.abs() <= FIDELITY_TOLERANCE;
                // Theory inside a confidence interval wider than the tolerance: the run
                // was too short to tell, which is not the model's fault.
                let too_short = r
                    .wait_ci95_s
                    .is_some_and(|ci| (r.wait_mean_s - th).abs() <= ci);
                let unjudged = if quick {
                    Some("not judged (quick)".to_string())
                } else if !within && too_short {
                    Some(format!(
                        "inconclusive (±{:.1}% CI)",
                        r.wait_ci95_s.unwrap_or(0.0) / th * 100.0
                    ))
                } else {
                    None
                };
                out.push(Target {
                    what: format!("{}: mean wait on {} vs theory", runner.title, r.model),
                    goal: "within 2%".into(),
                    measured: pct(err),
                    met: if unjudged.is_some() {
                        None
                    } else {
                        Some(within)
                    },
                    unjudged,
                });
            }
        }
        // The metric history (`history_len` samples per series, an hour at the default
        // 1 s interval) fills during the first hour; bounded means nothing grows after
        // it: the longest run against the one before.
        let mem = self.engine().map(|e| &e.memory);
        let bounded = mem.filter(|m| m.len() >= 2).map(|m| {
            let (prev, last) = (&m[m.len() - 2], &m[m.len() - 1]);
            (prev, last)
        });
        out.push(Target {
            what: "peak RSS stays bounded: longest run vs the one before (issue 7)".into(),
            goal: "≤ 1.05×".into(),
            measured: bounded.map_or("—".into(), |(a, b)| {
                format!(
                    "{} min {} MB → {} min {} MB",
                    sig3(a.simulated_s as f64 / 60.0),
                    sig3(a.peak_rss_kb as f64 / 1024.0),
                    sig3(b.simulated_s as f64 / 60.0),
                    sig3(b.peak_rss_kb as f64 / 1024.0)
                )
            }),
            met: bounded
                .filter(|_| !quick)
                .map(|(a, b)| b.peak_rss_kb as f64 <= a.peak_rss_kb as f64 * 1.05),
            unjudged: quick.then(|| "not judged (quick)".to_string()),
        });
        out
    }

    fn targets_table(&self) -> Table {
        let mut t = Table::new(&["target", "goal", "measured", "status"]);
        for x in self.targets() {
            let status = x.status();
            t.row(vec![x.what, x.goal, x.measured, status]);
        }
        t
    }

    fn runners_line(&self) -> String {
        self.runners
            .iter()
            .map(|r| {
                format!(
                    "{} {} (best of {})",
                    r.title,
                    r.version.as_deref().unwrap_or("?"),
                    r.reps
                )
            })
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// The terminal version.
    pub fn text(&self) -> String {
        let mut out = format!(
            "Systems Design Lab benchmarks ({} mode) — {}\n{}\n\n",
            self.mode,
            host_line(),
            self.runners_line()
        );
        out.push_str(&self.main_table().text());
        for n in self.notes() {
            out.push_str(&format!("  * {n}\n"));
        }
        let mem = self.memory_table();
        if !mem.is_empty() {
            out.push_str(
                "\nPeak memory of the engine, `web` at 10k req/s (each run in its own process)\n",
            );
            out.push_str(&mem.text());
        }
        if let Some(b) = self.bundle_table() {
            out.push_str("\nBundle (dist/)\n");
            out.push_str(&b.text());
        }
        match self.browser_table() {
            Some(b) => {
                out.push_str("\nBrowser\n");
                out.push_str(&b.text());
            }
            None => out.push_str(
                "\nPage figures (first chart, frame time, JS heap): not measured, no page bench yet (see docs/benchmarks.md)\n",
            ),
        }
        out.push_str("\nTargets\n");
        out.push_str(&self.targets_table().text());
        out
    }

    /// `bench/results/latest.json`.
    pub fn json(&self) -> serde_json::Value {
        let theory: serde_json::Map<String, serde_json::Value> = self
            .models
            .models
            .iter()
            .map(|m| (m.id.clone(), json!(m.theory_wait_s())))
            .collect();
        let targets: Vec<_> = self
            .targets()
            .into_iter()
            .map(
                |t| json!({"target": t.what, "goal": t.goal, "measured": t.measured, "met": t.met}),
            )
            .collect();
        json!({
            "mode": self.mode,
            "date": self.date,
            "commit": self.commit,
            "host": host_line(),
            "models": self.models.models.iter().map(|m| json!({
                "id": m.id, "title": m.title, "system": m.system,
                "params": m.params, "scenarios": m.scenarios,
            })).collect::<Vec<_>>(),
            "theory_wait_s": theory,
            "runners": self.runners,
            "bundle": self.bundle,
            "targets": targets,
        })
    }

    /// `docs/benchmarks.md`; the hand-written tail of `previous` (after the marker) is
    /// kept.
    pub fn markdown(&self, previous: Option<&str>) -> String {
        let mut out = String::new();
        out.push_str("# Benchmarks\n\n");
        out.push_str(
            "Is the engine right, and is it fast? The same models run in the engine (natively, \
             and as WebAssembly in headless Chromium), in \
             [SimPy](https://simpy.readthedocs.io/) and in [Ciw](https://ciw.readthedocs.io/), \
             and each one's mean waiting time is set against queueing theory.\n\n",
        );
        out.push_str(
            "_Generated by `scripts/bench.sh` — do not edit above the hand-written marker; \
             rerun it instead._\n\n",
        );
        out.push_str(&format!(
            "- run: {} mode{}{}\n- machine: {}\n- runners: {}\n\n",
            self.mode,
            self.date
                .as_deref()
                .map(|d| format!(", {d}"))
                .unwrap_or_default(),
            self.commit
                .as_deref()
                .map(|c| format!(", commit `{c}`"))
                .unwrap_or_default(),
            host_line(),
            self.runners_line(),
        ));
        out.push_str("## Speed and fidelity\n\n");
        out.push_str(&self.main_table().markdown());
        out.push('\n');
        for n in self.notes() {
            out.push_str(&format!("\\* {n}\n\n"));
        }
        out.push_str(
            "- **requests**: requests completed in the timed run, warm-up included. \
             **events/s**, **requests/s**: per wall-clock second of the fastest repetition, \
             counting setup and simulation but not the statistics afterwards (every runner \
             alike). **CPU %**: CPU time the runner got over that wall time; well below 100 \
             means other work on the machine took the CPU away and the speed figures are \
             low by about that much. SimPy's events are the events it scheduled; Ciw's are the events its \
             main loop handled.\n\
             - **× engine**: this runner's requests/s over the native engine's (1/63 = 63 \
             times slower).\n\
             - **wait**: mean time a request queued before service (in `web`, before a \
             worker), over requests arriving after the warm-up (5% of the run), pooled over \
             the repetitions. **±95%**: half-width of its confidence interval by batch \
             means (20 batches a run). **theory**: Erlang C for M/M/c, Pollaczek–Khinchine \
             for M/D/1; `web` has none, so compare the runners with each other. **error**: \
             (wait − theory) / theory. Where the interval is wider than 2% of theory, the \
             run is too short to say more than that.\n\n",
        );
        let mem = self.memory_table();
        if !mem.is_empty() {
            out.push_str("## Memory\n\n");
            out.push_str(
                "Peak resident set (`VmHWM`) of the engine running `web` at 10k requests/s \
                 (50 instances) with metrics, logs and traces on, each length in a process \
                 of its own. Everything is bounded: the metric history keeps the last hour \
                 (3600 samples a series), logs and traces sit in ring buffers, and latencies \
                 past 4 M requests go to a fixed-size histogram. So memory grows while the \
                 first hour's history fills, then stays flat.\n\n",
            );
            out.push_str(&mem.markdown());
            out.push('\n');
        }
        out.push_str("## Browser figures\n\n");
        match (self.browser_table(), self.bundle_table()) {
            (None, None) => out.push_str(
                "Not measured in this run: no built site in `dist/` and no browser bench. \
                 See *How the browser figures plug in* below.\n\n",
            ),
            (page, bundle) => {
                if let Some(b) = bundle {
                    out.push_str("Bundle size of `dist/` (`.wasm`, `.js`, `.css`):\n\n");
                    out.push_str(&b.markdown());
                    out.push('\n');
                }
                match page {
                    Some(p) => {
                        out.push_str(&p.markdown());
                        out.push('\n');
                    }
                    None => out
                        .push_str("Page figures: not measured in this run (no browser bench).\n\n"),
                }
            }
        }
        out.push_str("## Targets\n\n");
        out.push_str(
            "From issues 2 and 7. Measured, never asserted as timed tests: a slow CI machine \
             must not fail the build.\n\n",
        );
        out.push_str(&self.targets_table().markdown());
        out.push('\n');
        out.push_str(REPRODUCE);
        out.push('\n');
        out.push_str(HAND_WRITTEN_MARKER);
        out.push('\n');
        if let Some((_, tail)) = previous.and_then(|p| p.split_once(HAND_WRITTEN_MARKER)) {
            let tail = tail.trim_start_matches('\n');
            if !tail.is_empty() {
                out.push('\n');
                out.push_str(tail);
            }
        }
        out
    }
}

const REPRODUCE: &str = "## How to reproduce

```sh
scripts/bench.sh            # full run: minutes; rewrites this page and bench/results/latest.json
scripts/bench.sh --quick    # smoke run for CI: about a minute with the builds; writes bench/results/raw/ only
scripts/bench.sh --bundle   # the gzipped bundle of the built dist/ against the 600 KB target, in a second
scripts/lighthouse.sh       # Lighthouse, mobile and desktop, against dist/ served gzipped (also part of a full run)
cargo run --release -p sdl-bench -- --quick   # the engine alone, natively
```

`scripts/lighthouse.sh` installs Lighthouse 12.2.3 from npm into `.tools/` when missing
(13 wants Node 22), serves `dist/` gzipped as a static host would
(`scripts/serve-gzip.py`: python's `http.server` compresses nothing), and runs the
default mobile profile (simulated Slow 4G, 4× CPU slowdown) and the desktop preset
against the Chromium the bootstrap installs. It prints one line per profile and writes
`bench/results/raw/lighthouse.json`; a full `scripts/bench.sh` runs it when `dist/` is
built.

`scripts/bench.sh` creates `bench/.venv` with `python3 -m venv`, installs `simpy` and `ciw`
from PyPI into it (once; pinned in `bench/peers/requirements.txt`), builds the workspace
in release mode, runs the engine bench (`bench/src`), the peers
(`bench/peers/simpy_peer.py`, `bench/peers/ciw_peer.py`), the engine as WebAssembly in
headless Chromium (`bench/wasm/run.sh`: the same crate built for wasm32 with the
profile the site ships, `wasm-release`, timed by the page with `performance.now()`),
and, when present, the page bench; then it prints one table and writes the results.

All runners read the models from `bench/models.json`: rates, workers, service-time
distributions and sizes are defined once. The engine runs each model three times
(seeds 1–3) and reports the fastest; the peers, 20 to 300 times slower, run each model
once on fewer requests. The machine's load average is in the
header: other work on it slows every runner, so compare runs from quiet machines.

### How the browser figures are measured

The engine's own speed in the browser is measured by `bench/wasm/run.sh` (no app
needed). The learner-facing figures need the built site: `scripts/bench.sh` runs
`playwright/bench.sh OUT.json` (or the command in `$SDL_BROWSER_BENCH`), which builds
`dist/` if it is missing, serves it on localhost and runs `playwright/bench/page.bench.ts`
in Debian's Chromium (`--enable-precise-memory-info`):

- *first chart*: navigation start to the first throughput line with two points drawn
  (the page opens at 10×, so the first sample lands 100 ms of wall time in), median of
  5 warm loads after one load that fills the cache;
- *frame time*: the main thread's work on each animation frame over 15 s while `web`
  simulates 10k requests/s on 50 instances with `fixed-latency`, `cache-stampede` and
  `error-burst` on, at 10× speed — from the frame's start to the first task after its
  rendering (a message posted from the frame callback) — p95, p50 and the longest; with
  it the p95 interval between frames and the share of frames that missed a vsync (the
  interval reads 16.6–16.8 ms at 60 Hz whatever the work, so its p95 cannot show
  headroom), and the virtual seconds simulated per wall second (the engine runs in a
  Web Worker, so the page only draws);
- *memory*: the page's JS heap (`performance.memory`) and WebAssembly memory, and the
  engine worker's WebAssembly memory (which it reports) and JS heap (through the
  DevTools protocol), at the start and after 30 minutes of that load (5 s in
  `--quick`), read every minute along the way.

It writes one JSON file in the runners' format (`bench/src/results.rs`):

```json
{
  \"runner\": \"browser-page\", \"title\": \"site (Chromium)\", \"version\": \"…\",
  \"mode\": \"full\", \"reps\": 5, \"results\": [],
  \"page\": { \"first_chart_ms\": 0.0, \"frame_time_p95_ms\": 0.0, \"frame_time_p50_ms\": 0.0,
            \"js_heap_start_mb\": 0.0, \"js_heap_10min_mb\": 0.0,
            \"wasm_memory_start_mb\": 0.0, \"wasm_memory_end_mb\": 0.0,
            \"engine_wasm_memory_start_mb\": 0.0, \"engine_wasm_memory_end_mb\": 0.0,
            \"long_run_s\": 1800, \"virtual_s_per_wall_s\": 10.0, \"browser\": \"…\" }
}
```

Frame times and the first chart depend on the machine being otherwise idle: a loaded
machine (see the load average in the header) stretches both.

The page figures fill the browser targets. The gzipped bundle size needs no browser: when
`dist/` exists, `scripts/bench.sh` measures `gzip -9` of its `.wasm`, `.js` and `.css`.
";

/// CPU model and core count, for the record.
pub fn host_line() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_else(|| std::env::consts::ARCH.to_string());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    // Other work on the machine slows every runner: say how busy it was.
    let load = std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(str::to_string))
        .map(|l| format!(", load average {l} at the report"))
        .unwrap_or_default();
    format!("{cpu}, {cores} cores, {}{load}", std::env::consts::OS)
}
