//! The engine as the page talks to it (`engine_host`, `protocol`), without a worker:
//! messages survive the wire form (NaN and infinities included) and the names in them come back
//! as the engine's own; a host keeps up with the wall clock, owes what it cannot catch
//! up and says so, reports each sample once and runs a link to its time even when
//! paused; its answers are what the engine computes directly; a paused log tail filters
//! the lines held when it was paused; and the page's mirror of the configuration refuses
//! exactly what a running lab refuses, with the same message.

use engine::catalog;
use engine::query::Query;
use engine::{Lab, LabConfig};
use sdl_host::engine_host::{build_config, switch_config, switch_lab, EngineHost, HISTORY_SAMPLES};
use sdl_host::event_store::EventStoreW;
use sdl_host::figures::Figures;
use sdl_host::protocol::{
    decode, encode, intern, Answer, Ask, Command, ConsoleData, FromEngine, LogFilter, LogLineW,
    Operation, Recipe, Speed, Tick, TopologyW,
};
use sdl_host::setup::setup_for;
use std::collections::BTreeMap;

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

/// A clock that never runs out of budget.
fn frozen() -> f64 {
    0.0
}

fn recipe(switches: &[&str]) -> Recipe {
    Recipe {
        system: "web".into(),
        seed: 3,
        history_len: HISTORY_SAMPLES,
        system_params: BTreeMap::new(),
        switches: switches
            .iter()
            .map(|id| (id.to_string(), BTreeMap::new()))
            .collect(),
        rules: Vec::new(),
        scheduled: Vec::new(),
    }
}

fn host(recipe: Recipe) -> EngineHost {
    let mut host = EngineHost::new();
    host.apply(Command::Reset {
        run: 1,
        recipe: Some(recipe),
    });
    host
}

/// The same run straight from the engine.
fn lab(recipe: &Recipe) -> Lab {
    let (cfg, refused) = build_config(recipe).unwrap();
    assert!(refused.is_empty(), "{refused:?}");
    Lab::new(&cfg).unwrap()
}

fn same_bits(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

#[test]
fn messages_survive_the_wire_nan_and_all() {
    let tick = Tick {
        run: 4,
        has_run: true,
        now_ns: 12_000_000_001,
        events: 99,
        lagging: true,
        replaying: false,
        halted: Some("stopped".into()),
        samples: vec![engine::Golden {
            t_ns: 12_000_000_000,
            throughput_rps: f64::NAN,
            error_rate: 0.25,
            latency_p50_s: f64::INFINITY,
            latency_p95_s: f64::NEG_INFINITY,
            latency_p99_s: 1e-300,
            queue_depth: 0.0,
            utilization: -3.5,
            in_flight: 7.0,
        }],
        anomalies: Some(vec![("lost_update".into(), f64::NAN)]),
        bill: Some(sdl_host::cost::Bill {
            lines: vec![sdl_host::cost::BillLine {
                resource: "compute".into(),
                per_hour: 0.768,
                total: f64::NAN,
            }],
            requests: 12.0,
        }),
    };
    let text = encode(&FromEngine::Tick(tick.clone()));
    let Ok(FromEngine::Tick(back)) = decode::<FromEngine>(&text) else {
        panic!("{text:?}");
    };
    assert_eq!(
        (back.run, back.now_ns, back.events),
        (4, 12_000_000_001, 99)
    );
    let (bill, back_bill) = (tick.bill.clone().unwrap(), back.bill.clone().unwrap());
    assert_eq!(back_bill.lines[0].resource, "compute");
    assert_eq!(back_bill.lines[0].per_hour, bill.lines[0].per_hour);
    assert!(back_bill.lines[0].total.is_nan());
    let (a, b) = (tick.samples[0], back.samples[0]);
    assert_eq!(a.t_ns, b.t_ns);
    for name in engine::GOLDEN_SERIES {
        let (x, y) = (a.get(name).unwrap(), b.get(name).unwrap());
        assert!(same_bits(x, y), "{name}: {x:?} became {y:?} via {text:?}");
    }
    assert!(back.anomalies.unwrap()[0].1.is_nan());

    let commands = vec![
        Command::Reset {
            run: 2,
            recipe: Some(recipe(&["fixed-latency"])),
        },
        Command::Speed(Speed::Max),
        Command::Ask {
            id: 7,
            ask: Ask::Check {
                tutorial: "x".into(),
                step: 1,
            },
        },
    ];
    let bytes = encode(&commands);
    assert_eq!(decode::<Vec<Command>>(&bytes), Ok(commands));
    // Cut short or with a byte too many, a message is refused with a reason, not a panic.
    assert!(decode::<Vec<Command>>(&bytes[..bytes.len() - 1]).is_err());
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(decode::<Vec<Command>>(&longer).is_err());
    assert!(decode::<FromEngine>(&[0xff]).is_err());
}

#[test]
fn names_come_back_as_the_engines_own() {
    let owned = String::from("pay") + "ment";
    assert!(std::ptr::eq(intern("payment"), intern(&owned)));

    let mut lab = lab(&recipe(&["502-bad-gateway"]));
    lab.advance(20_000_000_000);
    let record = lab.logs().last().unwrap().clone();
    let wire: LogLineW = decode(&encode(&LogLineW::of(&record, (record.t_ns, 0), true))).unwrap();
    assert_eq!(wire.record(), record);
    let trace = lab.traces().last().unwrap().clone();
    let wire = sdl_host::protocol::TraceW::of(&trace);
    assert_eq!(
        decode::<sdl_host::protocol::TraceW>(&encode(&wire))
            .unwrap()
            .trace(),
        trace
    );
    // The topology is rebuilt from the run's layout: the same view.
    let view = engine::topology::snapshot(&lab);
    let wire: TopologyW = decode(&encode(&TopologyW::of(&view))).unwrap();
    let layout = sdl_host::engine_host::layout_of(lab.config());
    assert_eq!(wire.view(&layout), view);
}

#[test]
fn a_host_keeps_up_and_reports_each_sample_once() {
    let mut host = host(recipe(&[]));
    // Ten 100 ms frames at 10× = 10 s of virtual time.
    for _ in 0..10 {
        host.step(100.0, 8.0, &frozen);
    }
    let tick = host.tick().expect("a tick after stepping");
    assert_eq!(tick.now_ns, 10_000_000_000);
    assert!(!tick.lagging);
    let times: Vec<u64> = tick.samples.iter().map(|s| s.t_ns).collect();
    assert_eq!(
        times,
        (0..=10).map(|s| s * 1_000_000_000).collect::<Vec<_>>()
    );
    assert!(tick.anomalies.is_some());
    assert_eq!(host.tick(), None, "nothing changed since");

    host.step(100.0, 8.0, &frozen);
    let tick = host.tick().unwrap();
    assert_eq!(
        tick.samples.iter().map(|s| s.t_ns).collect::<Vec<_>>(),
        [11_000_000_000]
    );

    // Paused, or off screen: the run waits, however long the wall clock runs.
    host.apply(Command::Play(false));
    host.step(100.0, 8.0, &frozen);
    host.apply(Command::Play(true));
    host.apply(Command::Visible(false));
    host.step(100.0, 8.0, &frozen);
    assert_eq!(host.tick().unwrap().now_ns, 11_000_000_000);
}

#[test]
fn time_the_run_cannot_catch_up_is_owed_then_let_go() {
    let mut busy_recipe = recipe(&[]);
    busy_recipe
        .system_params
        .insert("arrival_rate_rps".into(), "10000".into());
    let mut host = host(busy_recipe);
    host.apply(Command::Speed(Speed::Times(100)));
    // A clock that says each frame's budget is spent after one engine call.
    let t = std::cell::Cell::new(0.0);
    let busy = || {
        t.set(t.get() + 10.0);
        t.get()
    };
    for _ in 0..5 {
        host.step(16.0, 4.0, &busy);
    }
    let tick = host.tick().unwrap();
    assert!(tick.now_ns < 8_000_000_000, "{}", tick.now_ns);
    assert!(!tick.lagging, "owing a little is not lagging");
    assert!(host.behind(), "it owes time and knows it");
    for _ in 0..40 {
        host.step(16.0, 4.0, &busy);
    }
    assert!(
        host.tick().unwrap().lagging,
        "past the bound it lets time go and says it cannot keep up"
    );
    // At a speed it can hold, it stops lagging a second later.
    host.apply(Command::Speed(Speed::Times(1)));
    for _ in 0..11 {
        host.step(100.0, 1e9, &frozen);
    }
    assert!(!host.tick().unwrap().lagging);
    assert!(!host.behind());
}

#[test]
fn a_link_runs_to_its_time_while_paused() {
    let mut host = host(recipe(&[]));
    host.apply(Command::Play(false));
    host.apply(Command::RunTo {
        target_ns: 30_000_000_000,
    });
    host.step(0.0, 1e9, &frozen);
    let tick = host.tick().unwrap();
    assert_eq!(tick.now_ns, 30_000_000_000);
    assert!(!tick.replaying);
    assert_eq!(tick.samples.len(), 31);
    host.step(100.0, 8.0, &frozen);
    assert_eq!(host.tick(), None, "paused, it stays there");
}

#[test]
fn answers_are_what_the_engine_computes() {
    let recipe = recipe(&["fixed-latency", "cache-stampede"]);
    let mut host = host(recipe.clone());
    host.apply(Command::RunTo {
        target_ns: 40_000_000_000,
    });
    host.step(0.0, 1e9, &frozen);
    let mut direct = lab(&recipe);
    direct.advance(40_000_000_000);

    let expr =
        "histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[5s])))"
            .to_string();
    let Answer::Panels(points) = host.answer(&Ask::Panels {
        from_ns: 10_000_000_000,
        to_ns: 40_000_000_000,
        exprs: vec![(expr.clone(), None), (expr.clone(), Some(35_000_000_000))],
    }) else {
        panic!("panels");
    };
    let q = Query::parse(&expr).unwrap();
    let want: Vec<(u64, f64)> = (10..=40)
        .map(|s| s * 1_000_000_000)
        .map(|t| (t, q.eval_at(&direct, t)))
        .collect();
    let got: Vec<(u64, f64)> = points[0].clone();
    assert_eq!(got, want);
    assert_eq!(
        points[1].len(),
        5,
        "only the samples after the last one held"
    );

    assert_eq!(
        host.answer(&Ask::Summary),
        Answer::Summary(Figures::of(&direct.summary()))
    );
    let Answer::Text(prom) = host.answer(&Ask::Export(sdl_host::protocol::ExportKind::Prometheus))
    else {
        panic!("export");
    };
    assert_eq!(prom, direct.prometheus_text());
    let Answer::Metrics(present) = host.answer(&Ask::Metrics {
        names: vec!["cache_hit_rate".into(), "no_such_metric".into()],
    }) else {
        panic!("metrics");
    };
    assert_eq!(present, [true, false]);
}

/// The series export is the file earlier builds wrote (serde_json, commit 15ad606) for
/// the same run, byte for byte.
#[test]
fn the_series_export_is_written_as_before() {
    let mut host = host(recipe(&[]));
    host.apply(Command::RunTo {
        target_ns: 5_000_000_000,
    });
    host.step(0.0, 1e9, &frozen);
    let Answer::Text(json) =
        host.answer(&Ask::Export(sdl_host::protocol::ExportKind::SeriesJson {
            lab: "system=web&seed=3".into(),
        }))
    else {
        panic!("export");
    };
    assert_eq!(json, include_str!("fixtures/series-v1.json"));
}

#[test]
fn a_tutorial_check_is_the_same_asked_or_direct() {
    let tutorial = &content::tutorials()[0];
    let step = &tutorial.steps[0];
    let setup = setup_for(&step.action);
    let recipe = Recipe {
        system: setup.system.clone(),
        seed: setup.seed,
        history_len: HISTORY_SAMPLES,
        system_params: setup.system_params.clone(),
        switches: setup.switches.clone(),
        rules: Vec::new(),
        scheduled: Vec::new(),
    };
    let mut host = host(recipe.clone());
    host.apply(Command::RunTo {
        target_ns: step.action.run_for_ns(),
    });
    host.step(0.0, 1e9, &frozen);
    let mut direct = lab(&recipe);
    direct.advance(step.action.run_for_ns());
    let want = content::check::evaluate(&direct, &step.expect);
    assert_eq!(
        host.answer(&Ask::Check {
            tutorial: tutorial.id.clone(),
            step: 0,
        }),
        Answer::Check {
            passed: want.passed,
            message: want.message,
        }
    );
    assert_eq!(
        host.answer(&Ask::Check {
            tutorial: "no-such-tutorial".into(),
            step: 0,
        }),
        Answer::Nothing
    );
}

fn logs(host: &mut EngineHost, text: &str, frozen: Option<u32>) -> sdl_host::protocol::LogsW {
    let ask = Ask::Console {
        logs: Some(LogFilter {
            min_level: engine::observe::Level::Debug,
            text: text.into(),
            focus: None,
            frozen,
            max: 200,
        }),
        traces: false,
        topology: false,
    };
    match host.answer(&ask) {
        Answer::Console(ConsoleData { logs: Some(l), .. }) => l,
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_paused_tail_filters_the_lines_held_when_it_paused() {
    let mut host = host(recipe(&["502-bad-gateway"]));
    for _ in 0..20 {
        host.step(100.0, 1e9, &frozen);
    }
    let live = logs(&mut host, "", None);
    assert!(live.lines.len() > 10 && live.matching == live.held);
    let newest = live.lines[0].key;
    // The run goes on, and a newer snapshot is taken (the page paused while it was on
    // its way); the paused tail still lists the one it showed, filtered anew.
    for _ in 0..20 {
        host.step(100.0, 1e9, &frozen);
    }
    let newer = logs(&mut host, "", None);
    assert!(newer.lines[0].key > newest && newer.snapshot != live.snapshot);
    let paused = logs(&mut host, "", Some(live.snapshot));
    assert_eq!(paused.lines[0].key, newest);
    let text = paused.lines[0].message.to_lowercase();
    let narrowed = logs(&mut host, &text, Some(live.snapshot));
    assert!(narrowed.matching > 0 && narrowed.matching <= paused.matching);
    assert!(narrowed
        .lines
        .iter()
        .all(|l| l.key <= newest && l.message.to_lowercase().contains(&text)));
    assert!(
        logs(&mut host, "", None).lines[0].key > newest,
        "live again"
    );
}

/// Every scenario and mitigation, switched on (with its parameters at their defaults,
/// then at a value it may refuse) and off again, on each system: the mirror and a
/// running lab agree on the outcome, the message and the configuration after it.
#[test]
fn the_mirror_refuses_what_the_running_lab_refuses() {
    let mut refusals = 0;
    for system in catalog::systems() {
        let cfg = LabConfig::new(system.id);
        let mut lab = Lab::new(&cfg).unwrap();
        let mut mirror = lab.config().clone();
        let switches: Vec<catalog::Switch> = catalog::scenarios()
            .iter()
            .map(|s| catalog::Switch::Scenario(s))
            .chain(
                catalog::mitigations()
                    .iter()
                    .map(|m| catalog::Switch::Mitigation(m)),
            )
            .collect();
        for sw in switches {
            let defaults: BTreeMap<String, String> = sw
                .params()
                .iter()
                .map(|p| (p.name.to_string(), p.default_value().to_string()))
                .collect();
            let zeros: BTreeMap<String, String> = sw
                .params()
                .iter()
                .map(|p| (p.name.to_string(), "0".to_string()))
                .collect();
            for (on, params) in [(true, &defaults), (true, &zeros), (false, &defaults)] {
                let by_lab = switch_lab(&mut lab, sw.id(), on, params).map_err(|e| e.to_string());
                let by_mirror =
                    switch_config(&mut mirror, sw.id(), on, params).map_err(|e| e.to_string());
                assert_eq!(by_mirror, by_lab, "{} {} on={on}", system.id, sw.id());
                assert_eq!(&mirror, lab.config(), "{} {} on={on}", system.id, sw.id());
                refusals += usize::from(by_lab.is_err());
            }
        }
    }
    assert!(refusals > 0, "some switch or value is refused somewhere");
}

/// The alert rules' names and states the host reports.
fn alert_rules(host: &mut EngineHost) -> Vec<(String, String)> {
    match host.answer(&Ask::Alerts) {
        Answer::Alerts(a) => a
            .rules
            .into_iter()
            .map(|r| (r.name, format!("{:?}", r.state)))
            .collect(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_learners_rules_and_objectives_travel_in_the_recipe_and_apply_live() {
    // A rule in the recipe is evaluated from the start.
    let mut with_rule = recipe(&[]);
    with_rule.rules = vec!["Busy: throughput_rps > 1".into()];
    with_rule
        .system_params
        .insert("slo.latency_ms".into(), "400".into());
    let mut host = host(with_rule);
    host.apply(Command::RunTo {
        target_ns: 20_000_000_000,
    });
    host.step(0.0, 1e9, &frozen);
    let rules = alert_rules(&mut host);
    assert!(
        rules.iter().any(|(n, s)| n == "Busy" && s == "Firing"),
        "{rules:?}"
    );
    let Answer::Alerts(a) = host.answer(&Ask::Alerts) else {
        panic!("alerts");
    };
    assert_eq!(a.slo.latency_p99_s, 0.4);

    // Added live, it fires over the history already held; removed, it is gone.
    host.apply(Command::AddRule {
        text: "Quiet: throughput_rps < 0 for 5s critical".into(),
    });
    host.apply(Command::RemoveRule {
        name: "Busy".into(),
    });
    host.apply(Command::SetParam {
        key: "slo.latency_ms".into(),
        raw: "120".into(),
    });
    let names: Vec<String> = alert_rules(&mut host).into_iter().map(|(n, _)| n).collect();
    assert!(names.contains(&"Quiet".to_string()), "{names:?}");
    assert!(!names.contains(&"Busy".to_string()), "{names:?}");
    let Answer::Alerts(a) = host.answer(&Ask::Alerts) else {
        panic!("alerts");
    };
    assert_eq!(a.slo.latency_p99_s, 0.12);

    // A recipe with a rule the engine refuses builds no run (the page validates first).
    let mut bad = recipe(&[]);
    bad.rules = vec!["no colon here".into()];
    assert!(build_config(&bad).is_err());
}

/// Whatever the lab shows, it can share and read back: its clock stops at the longest
/// time a link or a lab file can replay (issue 18: past 24 h the address bar said
/// `t=90464`, which the link reader then refused). Run at full speed far past that, a
/// host stops there, and the state there round-trips through a link and a lab file.
#[test]
fn the_lab_stops_where_a_link_and_a_lab_file_can_still_take_it() {
    use engine::share::{parse_query, read_config_file, LabState};
    use sdl_host::engine_host::MAX_RUN_NS;
    // A light queue run, so a day of virtual time is quick.
    let mut light = recipe(&[]);
    light.system = "queue".into();
    light
        .system_params
        .insert("arrival_rate_rps".into(), "0.5".into());
    let mut host = host(light);
    host.apply(Command::Speed(Speed::Max));
    host.apply(Command::Play(true));
    // Each step "spends" its budget after a fixed number of clock readings.
    let readings = std::cell::Cell::new(0u32);
    let clock = || {
        readings.set(readings.get() + 1);
        if readings.get().is_multiple_of(200) {
            1e9
        } else {
            0.0
        }
    };
    let mut now = 0;
    for _ in 0..2_000 {
        host.step(16.0, 8.0, &clock);
        if let Some(t) = host.tick() {
            now = t.now_ns;
        }
        if now >= MAX_RUN_NS {
            break;
        }
    }
    assert_eq!(now, MAX_RUN_NS, "the clock stops at the limit");
    for _ in 0..10 {
        host.step(16.0, 8.0, &clock);
        assert!(host.tick().is_none_or(|t| t.now_ns == MAX_RUN_NS));
    }

    let state = LabState {
        system: "queue".into(),
        t_ns: Some(now),
        ..LabState::default()
    };
    let link = parse_query(&state.to_query());
    assert!(link.ignored.is_empty(), "{:?}", link.ignored);
    assert_eq!(link.state.t_ns, Some(now));
    let file = read_config_file(&state.to_file().to_json());
    assert_eq!(file.map(|s| s.t_ns), Ok(Some(now)));
}

/// Issue 18, defect 5: a hostile but valid link (a million requests a second on a
/// million workers) grew the worker past a gigabyte. Past its memory ceiling the run
/// stops where it is, says why, and moves no further; Reset starts afresh.
#[test]
fn a_run_past_its_memory_ceiling_stops_and_says_why() {
    let mut hostile = recipe(&[]);
    for (k, v) in [
        ("arrival_rate_rps", "1000000"),
        ("instances", "256"),
        ("workers", "4096"),
    ] {
        hostile.system_params.insert(k.into(), v.into());
    }
    // Whatever else the test binary holds now, plus 64 MB for the run.
    let ceiling = sdl_host::heap::live_bytes() + (64 << 20);
    let mut host = EngineHost::with_memory_ceiling(ceiling);
    host.apply(Command::Reset {
        run: 1,
        recipe: Some(hostile),
    });
    host.apply(Command::RunTo {
        target_ns: 3_600_000_000_000,
    });
    // A clock that moves a millisecond each time it is read: every step is short.
    let ms = std::cell::Cell::new(0.0);
    let ticking = || {
        ms.set(ms.get() + 1.0);
        ms.get()
    };
    let mut steps = 0;
    while host.halted().is_none() && steps < 100_000 {
        host.step(16.0, 8.0, &ticking);
        steps += 1;
    }
    let message = host.halted().expect("the run stops").to_string();
    assert!(
        message.contains("more than") && message.contains("MB of memory"),
        "{message}"
    );
    assert!(message.contains("Reset"), "{message}");
    assert!(!host.moving() && !host.behind());
    let tick = host.tick().expect("a tick says so");
    assert_eq!(tick.halted.as_deref(), Some(message.as_str()));
    assert!(!tick.replaying, "the replay ends with it");
    let now = tick.now_ns;
    host.apply(Command::Play(true));
    host.step(16.0, 8.0, &ticking);
    assert_eq!(
        host.tick().map(|t| t.now_ns),
        Some(now),
        "it moves no further"
    );

    host.apply(Command::Reset {
        run: 2,
        recipe: Some(recipe(&[])),
    });
    assert_eq!(host.halted(), None);
    host.step(16.0, 8.0, &frozen);
    assert!(host
        .tick()
        .is_some_and(|t| t.halted.is_none() && t.now_ns > 0));
}

/// A replay can be stopped where it is (Stop, Pause or Reset on the page send this).
#[test]
fn a_replay_stops_where_it_is() {
    let mut host = host(recipe(&[]));
    host.apply(Command::Play(false));
    host.apply(Command::RunTo {
        target_ns: 86_400_000_000_000,
    });
    let ms = std::cell::Cell::new(0.0);
    let ticking = || {
        ms.set(ms.get() + 1.0);
        ms.get()
    };
    host.step(16.0, 8.0, &ticking);
    assert!(host.tick().is_some_and(|t| t.replaying));
    host.apply(Command::StopRunTo);
    assert!(!host.moving());
    let tick = host.tick().unwrap();
    assert!(!tick.replaying);
    let now = tick.now_ns;
    host.step(16.0, 8.0, &ticking);
    assert_eq!(host.tick().map_or(now, |t| t.now_ns), now);
}

fn event_store(host: &mut EngineHost, filter: Option<u32>, order: Option<u32>) -> EventStoreW {
    let ask = Ask::EventStore {
        tail: true,
        filter,
        order,
        projections: true,
    };
    let Some((_, answer)) = host.apply(Command::Ask { id: 1, ask }) else {
        panic!("a question is answered");
    };
    // What the page gets is what the worker sent.
    let back: Answer = decode(&encode(&answer)).unwrap();
    assert_eq!(back, answer);
    match answer {
        Answer::EventStore(Some(store)) => store,
        other => panic!("no event store: {other:?}"),
    }
}

#[test]
fn the_event_store_views_read_an_orders_run_and_rebuild_a_projection_on_command() {
    let mut host = host(Recipe {
        system: "orders".into(),
        ..recipe(&[])
    });
    host.apply(Command::RunTo {
        target_ns: 20_000_000_000,
    });
    host.step(16.0, f64::INFINITY, &frozen);
    let store = event_store(&mut host, None, None);
    let tail = store.tail.unwrap();
    assert_eq!(tail.events.len(), 50);
    assert_eq!(tail.events[0].position, store.head - 1);
    assert_eq!(tail.matching, store.head);
    // Filtered by the newest event's order: its events only, and its history folds
    // to its state.
    let order = tail.events[0].order;
    let own = event_store(&mut host, Some(order), Some(order));
    let own_tail = own.tail.unwrap();
    assert!(own_tail.events.iter().all(|e| e.order == order));
    let history = own.history.unwrap();
    assert_eq!(history.version as usize, history.steps.len());
    assert_eq!(history.steps.len(), own_tail.events.len());
    assert_eq!(history.steps[0].event.kind, "OrderPlaced");
    assert_eq!(history.steps[0].state, "placed");
    // An order that does not exist: no history, no events, no panic.
    let none = event_store(&mut host, Some(u32::MAX), Some(u32::MAX));
    assert!(none.history.is_none() && none.tail.unwrap().events.is_empty());

    let names: Vec<&str> = store.projections.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["order_summary", "order_history", "analytics"]);
    assert!(store.projections.iter().all(|p| p.lag_events < 100));
    host.apply(Command::Operate {
        op: Operation::RebuildProjections {
            projection: Some("analytics".into()),
        },
    });
    let rebuilding = event_store(&mut host, None, None).projections;
    assert_eq!(rebuilding[2].checkpoint, 0);
    assert_eq!(rebuilding[2].lag_events, store.head);
    assert!(rebuilding[2].lag_seconds > 15.0);
    assert!(rebuilding[2]
        .rebuild
        .as_ref()
        .is_some_and(|r| r.beside.is_none()));
    assert!(rebuilding[0].rebuild.is_none());
    host.apply(Command::RunTo {
        target_ns: 30_000_000_000,
    });
    host.step(16.0, f64::INFINITY, &frozen);
    let caught_up = event_store(&mut host, None, None).projections;
    assert!(caught_up[2].rebuild.is_none());
    assert!(caught_up[2].lag_events < 100, "{}", caught_up[2].lag_events);
}

#[test]
fn a_run_without_an_event_store_answers_none() {
    let mut host = host(recipe(&[]));
    host.step(16.0, f64::INFINITY, &frozen);
    let ask = Ask::EventStore {
        tail: true,
        filter: None,
        order: Some(0),
        projections: true,
    };
    assert_eq!(
        host.apply(Command::Ask { id: 1, ask }),
        Some((1, Answer::EventStore(None)))
    );
    // The operation is refused by the run, and the host carries on.
    host.apply(Command::Operate {
        op: Operation::RebuildProjections { projection: None },
    });
    assert!(host.tick().is_some());
}
