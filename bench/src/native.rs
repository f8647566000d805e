//! The engine measured natively: each model run best-of-N with the wall clock (the bench
//! is not the engine, so it may read one), its mean wait with a batch-means confidence
//! interval, and the peak memory of long `web` runs, each in a process of its own.

use crate::models::{param_text, Model, Models};
use crate::results::{MemoryResult, ModelResult, RunnerResults};
use engine::time::{secs_to_ns, Nanos};
use engine::{Lab, LabConfig};
use std::collections::BTreeMap;
use std::time::Instant;

/// Batches per repetition for the confidence interval.
const BATCHES: u64 = 20;

/// Scenario or mitigation id → its parameters.
pub type Switches = BTreeMap<String, BTreeMap<String, serde_json::Value>>;

/// A configuration of `system` with the given parameters, scenarios (`*` = every one in
/// the catalogue) and mitigations.
pub fn configure(
    system: &str,
    params: &BTreeMap<String, serde_json::Value>,
    scenarios: &Switches,
    mitigations: &Switches,
    seed: u64,
    warmup_ns: Nanos,
) -> Result<LabConfig, String> {
    let mut cfg = LabConfig::new(system);
    cfg.seed = seed;
    cfg.warmup_ns = warmup_ns;
    for (k, v) in params {
        cfg.set(k, &param_text(v)).map_err(|e| e.to_string())?;
    }
    if scenarios.contains_key("*") {
        // Every scenario that applies to the model's system (another system's own,
        // such as the order system's, cannot be on here).
        for meta in engine::scenarios::ALL {
            match cfg.enable_scenario(meta.id) {
                Ok(()) | Err(engine::LabError::NotApplicable { .. }) => {}
                Err(e) => return Err(format!("scenario {}: {e}", meta.id)),
            }
        }
    }
    for (id, ps) in scenarios.iter().filter(|(id, _)| *id != "*") {
        cfg.enable_scenario(id).map_err(|e| e.to_string())?;
        for (k, v) in ps {
            cfg.set(&format!("{id}.{k}"), &param_text(v))
                .map_err(|e| e.to_string())?;
        }
    }
    for (id, ps) in mitigations {
        cfg.enable_mitigation(id).map_err(|e| e.to_string())?;
        for (k, v) in ps {
            cfg.set(&format!("{id}.{k}"), &param_text(v))
                .map_err(|e| e.to_string())?;
        }
    }
    Ok(cfg)
}

/// `(count, sum)` of a histogram family over all its series.
fn histogram_totals(lab: &Lab, family: &str) -> (u64, f64) {
    lab.metrics()
        .family_histogram(family)
        .map_or((0, 0.0), |(_, cum, sum)| {
            (cum.last().copied().unwrap_or(0), sum)
        })
}

/// Runs `model` `reps` times (seeds 1..=reps) and reports the fastest repetition's speed
/// and the statistics pooled over all of them.
pub fn run_model(
    models: &Models,
    model: &Model,
    quick: bool,
    reps: u32,
) -> Result<ModelResult, String> {
    let requests = model
        .requests_for("engine", quick)
        .ok_or_else(|| format!("model {}: no engine size", model.id))?;
    let (measured_s, warmup_s) = model.durations_s(requests, models.warmup_fraction);
    let warmup_ns = secs_to_ns(warmup_s);
    let end_ns = secs_to_ns(warmup_s + measured_s);

    let mut best: Option<(f64, Option<f64>, u64, u64)> = None; // (wall, cpu, events, requests)
    let mut batches = Vec::new();
    let (mut measured, mut wait_sum, mut latency_sum, mut rejected) = (0u64, 0.0, 0.0, 0u64);
    for rep in 0..reps.max(1) {
        let cfg = configure(
            &model.system,
            &model.params,
            &model.scenarios,
            &model.mitigations,
            rep as u64 + 1,
            warmup_ns,
        )?;
        let cpu_start = thread_cpu_s();
        let start = Instant::now();
        let mut lab = Lab::new(&cfg).map_err(|e| e.to_string())?;
        lab.run_until(warmup_ns);
        let mut prev = histogram_totals(&lab, "service_queue_wait_seconds");
        for b in 1..=BATCHES {
            lab.run_until(warmup_ns + (end_ns - warmup_ns) * b / BATCHES);
            let cur = histogram_totals(&lab, "service_queue_wait_seconds");
            if cur.0 > prev.0 {
                batches.push((cur.1 - prev.1) / (cur.0 - prev.0) as f64);
            }
            prev = cur;
        }
        let wall_s = start.elapsed().as_secs_f64();
        // The kernel brings the count up to date at scheduler ticks, so only a run much
        // longer than a tick says anything.
        let cpu_s = thread_cpu_s()
            .zip(cpu_start)
            .map(|(b, a)| b - a)
            .filter(|_| wall_s >= 0.5);
        let events = lab.events();
        let done = histogram_totals(&lab, "http_request_duration_seconds").0;
        if best.is_none_or(|(w, _, _, _)| wall_s < w) {
            best = Some((wall_s, cpu_s, events, done));
        }
        let s = lab.summary();
        measured += s.requests_completed;
        wait_sum += s.wait_mean_s * s.requests_completed as f64;
        latency_sum += s.latency_mean_s * s.requests_completed as f64;
        rejected += s.errors_total;
    }
    let (wall_s, cpu_s, events, done) = best.unwrap_or((f64::NAN, None, 0, 0));
    let per = |x: f64| {
        if measured > 0 {
            x / measured as f64
        } else {
            0.0
        }
    };
    Ok(ModelResult {
        model: model.id.clone(),
        requests: done,
        measured_requests: measured,
        events: Some(events),
        wall_s,
        cpu_s,
        requests_per_s: done as f64 / wall_s,
        events_per_s: Some(events as f64 / wall_s),
        wait_mean_s: per(wait_sum),
        wait_ci95_s: crate::stats::ci95_half_width(&batches),
        latency_mean_s: per(latency_sum),
        rejected: Some(rejected),
        note: None,
    })
}

/// CPU time this thread has run, in seconds (Linux `schedstat`, nanoseconds); None
/// where the kernel does not say.
pub fn thread_cpu_s() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: u64 = text.split_whitespace().next()?.parse().ok()?;
    Some(ns as f64 * 1e-9)
}

/// Peak resident set size of this process so far (`VmHWM`), in kB; 0 where the kernel
/// does not say.
pub fn peak_rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}

/// The memory run itself, in the child process: `simulated_s` seconds of the memory
/// model, then its summary, as a real run would end.
pub fn memory_child(models: &Models, simulated_s: u64) -> Result<MemoryResult, String> {
    let baseline = peak_rss_kb();
    let m = &models.memory;
    let cfg = configure(
        &m.system,
        &m.params,
        &BTreeMap::new(),
        &BTreeMap::new(),
        1,
        0,
    )?;
    let start = Instant::now();
    let mut lab = Lab::new(&cfg).map_err(|e| e.to_string())?;
    lab.run_until(simulated_s * engine::time::NS_PER_SEC);
    let before_summary = peak_rss_kb();
    let s = lab.summary();
    let wall_s = start.elapsed().as_secs_f64();
    Ok(MemoryResult {
        simulated_s,
        arrival_rate_rps: m
            .params
            .get("arrival_rate_rps")
            .and_then(|v| v.as_f64())
            .unwrap_or(0.0),
        requests: s.requests_total,
        events: lab.events(),
        wall_s,
        peak_rss_kb: peak_rss_kb(),
        peak_rss_before_summary_kb: Some(before_summary),
        baseline_rss_kb: baseline,
    })
}

/// Runs each memory run in a fresh copy of this program, so each peak is its own.
pub fn memory_runs(models: &Models, quick: bool) -> Result<Vec<MemoryResult>, String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find own binary: {e}"))?;
    let key = if quick { "quick" } else { "full" };
    let lengths = models
        .memory
        .simulated_s
        .get(key)
        .cloned()
        .unwrap_or_default();
    let mut out = Vec::new();
    for secs in lengths {
        let child = std::process::Command::new(&exe)
            .args(["memory-child", &secs.to_string()])
            .output()
            .map_err(|e| format!("memory run of {secs} s: {e}"))?;
        if !child.status.success() {
            return Err(format!(
                "memory run of {secs} s failed: {}",
                String::from_utf8_lossy(&child.stderr).trim()
            ));
        }
        let r: MemoryResult = serde_json::from_slice(&child.stdout)
            .map_err(|e| format!("memory run of {secs} s printed bad JSON: {e}"))?;
        out.push(r);
    }
    Ok(out)
}

/// Every model (or those in `only`), then (if `memory`) the memory runs.
pub fn run_all(
    models: &Models,
    quick: bool,
    reps: u32,
    only: Option<&[String]>,
    memory: bool,
    progress: &mut dyn FnMut(&str),
) -> Result<RunnerResults, String> {
    let mut results = Vec::new();
    for m in &models.models {
        if only.is_some_and(|ids| !ids.contains(&m.id)) {
            continue;
        }
        progress(&format!("engine: {} …", m.id));
        results.push(run_model(models, m, quick, reps)?);
    }
    let memory = if memory {
        progress("engine: memory runs …");
        memory_runs(models, quick)?
    } else {
        Vec::new()
    };
    Ok(RunnerResults {
        runner: "engine-native".into(),
        title: "engine (native)".into(),
        version: Some(env!("CARGO_PKG_VERSION").into()),
        mode: if quick { "quick" } else { "full" }.into(),
        reps: reps.max(1),
        results,
        memory,
        page: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The engine renames or drops a parameter: the bench says so in `cargo test`, not
    /// halfway through a ten-minute run.
    #[test]
    fn every_model_configures_a_lab() {
        let models = Models::load().unwrap();
        for m in &models.models {
            let cfg = configure(&m.system, &m.params, &m.scenarios, &m.mitigations, 1, 0)
                .unwrap_or_else(|e| panic!("model {}: {e}", m.id));
            Lab::new(&cfg).unwrap_or_else(|e| panic!("model {}: {e}", m.id));
        }
        let mem = &models.memory;
        let none = BTreeMap::new();
        let cfg = configure(&mem.system, &mem.params, &none, &none, 1, 0).unwrap();
        Lab::new(&cfg).unwrap();
    }

    #[test]
    fn a_short_run_reports_speed_and_a_wait_near_theory() {
        let models = Models::load().unwrap();
        let md1 = models.models.iter().find(|m| m.id == "md1").unwrap();
        let r = run_model(&models, md1, true, 1).unwrap();
        assert!(r.events.unwrap() > 2 * 45_000, "{r:?}");
        assert!(r.requests_per_s > 0.0);
        let theory = md1.theory_wait_s().unwrap();
        // 50 k requests: within 10% (the full run's target is 2%).
        assert!((r.wait_mean_s - theory).abs() / theory < 0.10, "{r:?}");
    }
}
