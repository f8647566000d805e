//! The page's run configuration (`engine_host::build_config`, on a lenient
//! `engine::RunSpec` build) gives the same configuration, the same switches left off and
//! the same messages as the code it replaced, kept here as `build_config_before`.

use engine::LabConfig;
use sdl_host::engine_host::build_config;
use sdl_host::protocol::Recipe;
use std::collections::BTreeMap;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

type Built = Result<(LabConfig, BTreeMap<String, String>), String>;

/// The page's build_config before RunSpec (app/src/engine_host.rs at bb2bb47).
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
