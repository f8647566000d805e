//! The benchmark models (`bench/models.json`, shared with the Python peers so every
//! runner simulates the same thing) and what queueing theory says about them.

use serde::Deserialize;
use std::collections::BTreeMap;

/// The models file, compiled in so the bench and its child processes cannot disagree.
pub const MODELS_JSON: &str = include_str!("../models.json");

#[derive(Debug, Clone, Deserialize)]
pub struct Models {
    /// Warm-up as a share of the measured virtual time (requests / arrival rate).
    pub warmup_fraction: f64,
    pub models: Vec<Model>,
    pub memory: Memory,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Model {
    pub id: String,
    pub title: String,
    pub system: String,
    /// System parameters, set by bare name (`--set workers=4` in the CLI).
    pub params: BTreeMap<String, serde_json::Value>,
    /// Scenario id → its parameters (`ID.name`); the id `*` switches on every scenario
    /// in the engine's catalogue that applies to the system, with its defaults
    /// (parameters listed under their own id still apply).
    pub scenarios: BTreeMap<String, BTreeMap<String, serde_json::Value>>,
    /// Mitigation id → its parameters (`ID.name`).
    #[serde(default)]
    pub mitigations: BTreeMap<String, BTreeMap<String, serde_json::Value>>,
    /// `erlang_c`, `pollaczek_khinchine` or none.
    pub theory: Option<String>,
    /// Requests measured after the warm-up, per runner (`engine`, `simpy`, `ciw`) and for
    /// `quick` (the engine's smoke run; the peers' is `quick_peers`).
    pub requests: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Memory {
    pub system: String,
    pub params: BTreeMap<String, serde_json::Value>,
    /// Simulated seconds of each run, for `full` and `quick`.
    pub simulated_s: BTreeMap<String, Vec<u64>>,
}

impl Models {
    pub fn load() -> Result<Models, String> {
        serde_json::from_str(MODELS_JSON).map_err(|e| format!("bench/models.json: {e}"))
    }
}

/// A JSON parameter value as the text `LabConfig::set` takes.
pub fn param_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

impl Model {
    fn num(&self, key: &str) -> Option<f64> {
        self.params.get(key).and_then(|v| v.as_f64())
    }

    pub fn arrival_rate_rps(&self) -> f64 {
        self.num("arrival_rate_rps").unwrap_or(1.0)
    }

    /// Requests to measure for `runner` (`engine`, `simpy`, `ciw`), or in quick mode.
    pub fn requests_for(&self, runner: &str, quick: bool) -> Option<u64> {
        let key = if quick { "quick" } else { runner };
        self.requests.get(key).copied()
    }

    /// Virtual seconds measured for `requests` requests, and the warm-up before them.
    pub fn durations_s(&self, requests: u64, warmup_fraction: f64) -> (f64, f64) {
        let measured = requests as f64 / self.arrival_rate_rps();
        (measured, measured * warmup_fraction)
    }

    /// Mean waiting time (queued, before service) that queueing theory predicts, if it
    /// applies to this model.
    pub fn theory_wait_s(&self) -> Option<f64> {
        let lambda = self.arrival_rate_rps();
        let service_s = self.num("service_time_ms")? / 1000.0;
        let workers = self.num("workers")? as u32;
        let dist = self
            .params
            .get("service_time_distribution")
            .and_then(|v| v.as_str())
            .unwrap_or("exponential");
        match (self.theory.as_deref()?, dist) {
            ("erlang_c", "exponential") => mmc_wait_s(workers, lambda, service_s),
            ("pollaczek_khinchine", "deterministic") if workers == 1 => {
                mg1_wait_s(lambda, service_s, 0.0)
            }
            ("pollaczek_khinchine", "exponential") if workers == 1 => {
                mg1_wait_s(lambda, service_s, 1.0)
            }
            _ => None,
        }
    }
}

// The theory lives in the engine, shared with its fidelity tests.
use engine::theory::{mg1_wait_s, mmc_wait_s};

#[cfg(test)]
mod tests {
    use super::*;
    use engine::theory::erlang_c;

    #[test]
    fn theory_matches_textbook_values() {
        // M/M/1 at ρ = 0.9, E[S] = 10 ms: Wq = ρ/(μ − λ) = 0.9 / 10 = 90 ms.
        assert!((mmc_wait_s(1, 90.0, 0.01).unwrap() - 0.09).abs() < 1e-12);
        // M/D/1 at ρ = 0.8: Wq = ρ·E[S] / (2(1 − ρ)) = 8 ms / 0.4 = 20 ms.
        assert!((mg1_wait_s(80.0, 0.01, 0.0).unwrap() - 0.02).abs() < 1e-12);
        // M/M/1 through P-K (cv = 1) agrees with Erlang C.
        let pk = mg1_wait_s(90.0, 0.01, 1.0).unwrap();
        assert!((pk - 0.09).abs() < 1e-12);
        // M/M/2 at a = 1: C = 1/3.
        assert!((erlang_c(2, 1.0) - 1.0 / 3.0).abs() < 1e-12);
        assert!(mmc_wait_s(1, 100.0, 0.01).is_none());
    }

    #[test]
    fn models_file_parses_and_queue_models_have_theory() {
        let m = Models::load().unwrap();
        for id in ["mm1", "mm4", "md1"] {
            let model = m.models.iter().find(|x| x.id == id).unwrap();
            assert!(model.theory_wait_s().is_some(), "{id}");
        }
    }
}
