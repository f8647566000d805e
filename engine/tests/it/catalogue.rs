//! Walks the whole catalogue: every system and scenario has a doc, a parameter schema
//! whose defaults validate, declared metrics with sane names, and runs with defaults.

use engine::catalog;
use engine::metrics::MetricKind;
use engine::params::ParamKind;
use engine::scenario::ScenarioMeta;
use engine::{Lab, LabConfig};

#[test]
fn every_item_is_documented_and_its_schema_is_sound() {
    let mut ids = std::collections::BTreeSet::new();
    for item in catalog::list() {
        assert!(ids.insert(item.id), "duplicate id {}", item.id);
        let d = catalog::describe(item.id).unwrap();
        assert!(d.doc.len() > 200, "{}: doc too short", d.id);
        assert!(
            d.doc.contains("What to look at"),
            "{}: doc lacks 'What to look at'",
            d.id
        );
        assert!(!d.metrics.is_empty(), "{}: no metrics", d.id);
        for p in &d.params {
            assert!(!p.spec.help.is_empty(), "{}: {} has no help", d.id, p.key);
            let default = p.spec.default_value().to_string();
            assert!(
                p.spec.parse(&default).is_ok(),
                "{}: default of {} does not validate",
                d.id,
                p.key
            );
            match p.spec.kind {
                ParamKind::Int { default, min, max } => assert!(min <= default && default <= max),
                ParamKind::Float { default, min, max } => assert!(min <= default && default <= max),
                ParamKind::Choice { default, allowed } => assert!(allowed.contains(&default)),
                ParamKind::Bool { .. } => {}
            }
        }
        for m in &d.metrics {
            assert!(
                m.name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
                "{}: metric name {}",
                d.id,
                m.name
            );
            match m.kind {
                MetricKind::Counter => assert!(
                    m.name.ends_with("_total"),
                    "counter {} must end in _total",
                    m.name
                ),
                MetricKind::Histogram => {
                    assert!(!m.buckets.is_empty(), "histogram {} has no buckets", m.name);
                    assert!(
                        m.buckets.windows(2).all(|w| w[0] < w[1]),
                        "buckets of {} not ascending",
                        m.name
                    );
                }
                MetricKind::Gauge => {}
            }
        }
    }
}

/// Calls `f` with each scenario switched on alone, with its defaults, on every system it
/// applies to: the system's id, the scenario, its lab run for `secs` virtual seconds.
fn each_scenario_alone(secs: u64, mut f: impl FnMut(&str, &ScenarioMeta, &Lab)) {
    for system in catalog::systems() {
        for scenario in catalog::scenarios() {
            let mut cfg = LabConfig::new(system.id);
            if cfg.enable_scenario(scenario.id).is_err() {
                continue;
            }
            let mut lab = Lab::new(&cfg).unwrap();
            lab.run_until(secs * engine::time::NS_PER_SEC);
            f(system.id, scenario, &lab);
        }
    }
}

#[test]
fn every_scenario_runs_on_every_system_it_applies_to() {
    each_scenario_alone(5, |system, scenario, lab| {
        assert!(lab.events() > 0, "{} on {system}", scenario.id);
    });
}

#[test]
fn one_metric_name_one_type() {
    let mut seen = std::collections::BTreeMap::new();
    let specs = catalog::systems()
        .iter()
        .flat_map(|s| s.metrics.iter())
        .chain(catalog::scenarios().iter().flat_map(|s| s.metrics.iter()));
    for m in specs {
        let prev = seen.insert(m.name, (m.kind, m.labels));
        if let Some(prev) = prev {
            assert_eq!(
                prev,
                (m.kind, m.labels),
                "{} declared twice differently",
                m.name
            );
        }
    }
}

/// Scenario id → the text of the file declaring it (`id: "…"` in its META).
fn scenario_sources() -> std::collections::BTreeMap<String, String> {
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let p = entry.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|e| e == "rs") {
                out.push(p);
            }
        }
    }
    let mut files = Vec::new();
    walk(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/scenarios"),
        &mut files,
    );
    let mut by_id = std::collections::BTreeMap::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        if let Some(rest) = text.split("    id: \"").nth(1) {
            let id = rest.split('"').next().unwrap().to_string();
            by_id.insert(id, text);
        }
    }
    by_id
}

#[test]
fn every_scenario_ships_its_three_tests_in_its_file() {
    // The bar: declared metrics move (and stay quiet when off); the symptom
    // appears; the mitigation reduces it (or, with none, the diagnosis signal shows it).
    let sources = scenario_sources();
    for s in catalog::scenarios() {
        let source = sources
            .get(s.id)
            .unwrap_or_else(|| panic!("no file declares {}", s.id));
        assert!(
            source.contains("fn declared_metrics_move_only_when_on()"),
            "{}",
            s.id
        );
        assert!(source.contains("fn symptom_appears()"), "{}", s.id);
        assert!(
            source.contains("fn mitigation_reduces_symptom()")
                || source.contains("fn diagnosis_signal_identifies_it()"),
            "{}",
            s.id
        );
        assert!(
            s.doc().starts_with("# "),
            "{}: the doc opens with a title",
            s.id
        );
        for m in s.mitigations {
            assert!(
                catalog::find_mitigation(m).is_ok(),
                "{} names unknown mitigation {m}",
                s.id
            );
        }
    }
}

/// `in_switch_order` gives what a stable sort by `Switch::rank` gives (unknown ids
/// last, equal ids in their order), which links and config files relied on before.
#[test]
fn in_switch_order_is_a_stable_sort_by_rank() {
    let mut items: Vec<(String, usize)> = Vec::new();
    let ids = catalog::scenarios()
        .iter()
        .map(|s| s.id)
        .chain(catalog::mitigations().iter().map(|m| m.id))
        .chain(["no-such-switch", "another-unknown"]);
    for (i, id) in ids.enumerate() {
        // Scrambled, with some ids twice.
        let copies = 1 + usize::from(i % 3 == 0);
        for c in 0..copies {
            items.push((id.to_string(), (i * 7919 + c * 31) % 1000));
        }
    }
    items.sort_by_key(|(_, scramble)| *scramble);
    let mut expected = items.clone();
    expected.sort_by_key(|(id, _)| catalog::find_switch(id).map_or((2, usize::MAX), |s| s.rank()));
    assert_eq!(catalog::in_switch_order(items, |(id, _)| id), expected);
}

/// "Every metric a scenario declares appears in the exposition while it is on (0 until
/// something happens)": each scenario, switched on alone on every system it applies to
/// with its default parameters, shows each of its declared metric families in the
/// Prometheus text after one sample, whether or not its fault has struck yet.
#[test]
fn every_declared_metric_of_every_scenario_is_exposed_while_it_is_on() {
    let mut missing = Vec::new();
    each_scenario_alone(2, |system, scenario, lab| {
        let text = lab.prometheus_text();
        for m in scenario.metrics {
            let exposed = text.lines().any(|l| {
                !l.starts_with('#')
                    && l.strip_prefix(m.name).is_some_and(|rest| {
                        rest.starts_with('{')
                            || rest.starts_with(' ')
                            || rest.starts_with("_bucket")
                            || rest.starts_with("_count")
                            || rest.starts_with("_sum")
                    })
            });
            if !exposed {
                missing.push(format!("{} on {system}: `{}`", scenario.id, m.name));
            }
        }
    });
    assert!(
        missing.is_empty(),
        "declared metrics missing from the exposition while the scenario is on:\n{}",
        missing.join("\n")
    );
}

/// A system's golden series are the same signals everywhere, in display order, each
/// saying what it measures there; `sdl describe <system>` lists them.
#[test]
fn every_system_says_what_each_golden_signal_measures_there() {
    for system in catalog::systems() {
        let names: Vec<&str> = system.golden.iter().map(|g| g.signal.name()).collect();
        assert_eq!(names, engine::GOLDEN_SERIES, "{}", system.id);
        for g in system.golden {
            // One line of prose (a stray `\\` at a line's end in the source leaves a
            // backslash and the indentation in the text).
            assert!(
                !g.meaning.contains(['\\', '\n']) && !g.meaning.contains("  "),
                "{}: {} reads badly: {:?}",
                system.id,
                g.signal.name(),
                g.meaning
            );
            assert!(
                g.meaning.len() > 20 && g.meaning.ends_with('.'),
                "{}: {} says too little: {:?}",
                system.id,
                g.signal.name(),
                g.meaning
            );
        }
        let d = catalog::describe(system.id).unwrap();
        assert_eq!(d.golden.as_slice(), system.golden.as_slice());
    }
}
