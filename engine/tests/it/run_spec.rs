//! `RunSpec` as the page uses it: the page's `build_config` (app/src/engine_host.rs)
//! rewritten on a lenient `RunSpec` build gives the same configuration, the same
//! switches left off and the same messages as the code it replaces, kept here as
//! `build_config_before`.

use engine::{LabConfig, RunSpec};
use std::collections::BTreeMap;

/// `app::protocol::Recipe`, as the page sends it to the engine.
#[derive(Clone, Default)]
struct Recipe {
    system: String,
    seed: u64,
    history_len: usize,
    system_params: BTreeMap<String, String>,
    switches: BTreeMap<String, BTreeMap<String, String>>,
    rules: Vec<String>,
}

type Built = Result<(LabConfig, BTreeMap<String, String>), String>;

/// app/src/engine_host.rs::build_config at bb2bb47.
fn build_config_before(recipe: &Recipe) -> Built {
    let mut cfg = LabConfig::new(&recipe.system);
    cfg.seed = recipe.seed;
    cfg.history_len = recipe.history_len;
    for (name, raw) in &recipe.system_params {
        cfg.set(name, raw).map_err(|e| e.to_string())?;
    }
    cfg.system_param_set().map_err(|e| e.to_string())?;
    for text in &recipe.rules {
        cfg.add_rule(text).map_err(|e| e.to_string())?;
    }
    let mut refused = BTreeMap::new();
    for (id, params) in &recipe.switches {
        let mut trial = cfg.clone();
        let enabled = trial.enable(id).and_then(|()| {
            params
                .iter()
                .try_for_each(|(name, raw)| trial.set(&format!("{id}.{name}"), raw))
        });
        match enabled {
            Ok(()) => cfg = trial,
            Err(e) => {
                refused.insert(id.clone(), e.to_string());
            }
        }
    }
    Ok((cfg, refused))
}

/// The replacement: the body proposed for app/src/engine_host.rs::build_config.
fn build_config(recipe: &Recipe) -> Built {
    let mut spec = RunSpec::new(&recipe.system)
        .seed(recipe.seed)
        .history_len(recipe.history_len);
    // As written: a key here is a system parameter or objective.
    spec.params = recipe
        .system_params
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    for (id, params) in &recipe.switches {
        spec = spec.switch(id);
        for (name, raw) in params {
            spec = spec.switch_param(id, name, raw);
        }
    }
    for text in &recipe.rules {
        spec = spec.rule(text);
    }
    // The system, its parameters and the rules must all be right; a switch that cannot
    // be on, or one of whose values is refused, is left off with the first message.
    let (mut cfg, refusals) = spec.build_lenient();
    let mut refused = BTreeMap::new();
    for r in refusals {
        let Some(id) = r.input.switch_id() else {
            return Err(r.error.to_string());
        };
        cfg.disable(id);
        refused
            .entry(id.to_string())
            .or_insert_with(|| r.error.to_string());
    }
    Ok((cfg, refused))
}

fn recipe(system: &str) -> Recipe {
    Recipe {
        system: system.into(),
        seed: 7,
        history_len: 600,
        ..Recipe::default()
    }
}

fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn the_pages_build_config_on_run_spec_is_the_same_as_before() {
    let mut cases = vec![recipe("web"), recipe("queue"), recipe("mars")];
    let mut r = recipe("web");
    r.system_params = map(&[("workers", "6"), ("slo.latency_ms", "400")]);
    r.rules = vec!["Busy: utilization > 0.8 for 30s critical".into()];
    r.switches
        .insert("retry-storm".into(), map(&[("retries", "3")]));
    r.switches.insert("breaker".into(), map(&[]));
    cases.push(r.clone());
    // A switch with a bad value, one that is unknown, one that does not fit the system.
    let mut bad = r.clone();
    bad.switches
        .insert("fixed-latency".into(), map(&[("delay_ms", "-5")]));
    bad.switches.insert("nope".into(), map(&[("x", "1")]));
    bad.switches.insert(
        "timeouts".into(),
        map(&[("server_timeout_ms", "100"), ("zz", "1")]),
    );
    cases.push(bad.clone());
    let mut q = recipe("queue");
    q.switches.insert("cache-stampede".into(), map(&[]));
    q.switches.insert("fixed-latency".into(), map(&[]));
    cases.push(q);
    // Whole-run errors: a system parameter, an objective, a rule, a system.
    for (key, value) in [
        ("workers", "0"),
        ("slo.latency_ms", "-3"),
        ("nosuch", "1"),
        ("retry-storm.retries", "3"),
    ] {
        let mut e = bad.clone();
        e.system_params.insert(key.into(), value.into());
        cases.push(e);
    }
    let mut e = bad.clone();
    e.rules.push("Broken: nope_total > 1".into());
    cases.push(e);
    let mut e = r.clone();
    e.system = "mars".into();
    e.system_params.clear();
    cases.push(e);
    for (i, case) in cases.iter().enumerate() {
        assert_eq!(build_config(case), build_config_before(case), "case {i}");
    }
    let (_, refused) = build_config(&bad).unwrap();
    assert_eq!(
        refused.keys().map(String::as_str).collect::<Vec<_>>(),
        ["fixed-latency", "nope", "timeouts"]
    );
}
