//! A game day through the engine's host, as the page plays it: the play's setup and its
//! red herring scheduled in the recipe give the same run as the play natively (the same
//! score and completion code for the same acts), and the code reads back.

use content::gameday::{find, Play};
use engine::time::NS_PER_SEC;
use engine::Lab;
use sdl_host::engine_host::EngineHost;
use sdl_host::gameday::{score, setup_for};
use sdl_host::protocol::{Answer, Ask, Command, GamedayAct, Recipe};

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

#[test]
fn the_page_plays_the_same_incident_as_the_engine() {
    // A herring that switches a mitigation on mid-run, and a fault with a drawn start.
    let incident = find("orders-wrong-status").unwrap();
    let play = Play::new(incident, 5);
    let g = setup_for(&play);
    assert_eq!(g.scheduled.len(), 1);
    let recipe = Recipe {
        system: g.setup.system.clone(),
        seed: g.setup.seed,
        history_len: 3600,
        system_params: g.setup.system_params.clone(),
        switches: g.setup.switches.clone(),
        rules: g.rules.clone(),
        scheduled: g.scheduled.clone(),
    };
    let mut host = EngineHost::new();
    host.apply(Command::Reset {
        run: 1,
        recipe: Some(recipe),
    });
    let end = play.duration_ns();
    host.apply(Command::RunTo { target_ns: end });
    for _ in 0..10_000 {
        host.step(16.0, 1e9, &|| 0.0);
        if !host.behind() {
            break;
        }
    }
    let start = play.first_fault_ns();
    let acts = vec![
        (start + 20 * NS_PER_SEC, GamedayAct::Ack),
        (
            start + 40 * NS_PER_SEC,
            GamedayAct::Diagnose {
                component: "projection".into(),
                kind: "inconsistent".into(),
            },
        ),
    ];
    let ask = Ask::Gameday {
        incident: incident.id.into(),
        seed: 5,
        acts: acts.clone(),
    };
    let Some((_, Answer::Gameday(Some(from_host)))) = host.apply(Command::Ask { id: 1, ask })
    else {
        panic!("no score");
    };

    let mut lab = Lab::new(&play.lab_config().unwrap()).unwrap();
    play.run_until(&mut lab, end);
    let native = score(&play, &lab, &acts);
    assert_eq!(from_host, native);
    assert!(from_host.total > 0);
    let back = content::gameday::code::decode(&from_host.code).unwrap();
    assert_eq!((back.incident.id, back.seed), (incident.id, 5));
    assert_eq!(u32::from(back.score), from_host.total);

    // An unknown incident gets no score, not an error.
    let ask = Ask::Gameday {
        incident: "no-such".into(),
        seed: 1,
        acts: Vec::new(),
    };
    assert_eq!(
        host.apply(Command::Ask { id: 2, ask }),
        Some((2, Answer::Gameday(None)))
    );
}

/// A switch scheduled in the recipe goes on at its exact virtual time, however the
/// host's steps fall: the run equals one where it was switched on at that time.
#[test]
fn a_scheduled_switch_goes_on_at_its_time() {
    let at = 7_300_000_000; // between two frames' worth of time
    let recipe = Recipe {
        system: "web".into(),
        seed: 11,
        history_len: 3600,
        system_params: Default::default(),
        switches: [("fixed-latency".to_string(), Default::default())].into(),
        rules: Vec::new(),
        scheduled: vec![(at, "timeouts".into())],
    };
    let mut host = EngineHost::new();
    host.apply(Command::Reset {
        run: 1,
        recipe: Some(recipe.clone()),
    });
    // Frames of 16 ms wall at 10× (160 ms of virtual time each) never land on 7.3 s:
    // 50 of them cross it inside one.
    for _ in 0..50 {
        host.step(16.0, 1e9, &|| 0.0);
    }
    let end = 16_000_000_000;
    host.apply(Command::RunTo { target_ns: end });
    host.step(16.0, 1e9, &|| 0.0);
    let Some((_, Answer::Text(from_host))) = host.apply(Command::Ask {
        id: 1,
        ask: Ask::Export(sdl_host::protocol::ExportKind::Prometheus),
    }) else {
        panic!("no export");
    };
    let (cfg, _) = sdl_host::engine_host::build_config(&recipe).unwrap();
    let mut lab = Lab::new(&cfg).unwrap();
    lab.run_until(at);
    lab.set_enabled("timeouts", true).unwrap();
    lab.run_until(end);
    let native = lab.prometheus_text();
    assert!(native.contains("timeouts_total"), "the switch acted");
    assert!(
        from_host == native,
        "the host's run differs from the engine's"
    );
}

/// The postmortem tells the hidden cause, every act and alert in time order, the score
/// line by line, and the learner's own words.
#[test]
fn the_postmortem_tells_what_happened() {
    let incident = find("orders-unpaid").unwrap();
    let play = Play::new(incident, 2);
    let mut lab = Lab::new(&play.lab_config().unwrap()).unwrap();
    let start = play.first_fault_ns();
    play.run_until(&mut lab, start + 60 * NS_PER_SEC);
    play.apply_fix(&mut lab).unwrap();
    play.run_until(&mut lab, play.duration_ns());
    let acts = vec![
        (start + 30 * NS_PER_SEC, GamedayAct::Ack),
        (
            start + 50 * NS_PER_SEC,
            GamedayAct::Diagnose {
                component: "queue".into(),
                kind: "inconsistent".into(),
            },
        ),
        (
            start + 60 * NS_PER_SEC,
            GamedayAct::Change {
                what: "transactional-outbox on".into(),
            },
        ),
    ];
    let s = score(&play, &lab, &acts);
    let alerts: Vec<_> = lab.alerts().history().cloned().collect();
    let notes = sdl_host::gameday::Notes {
        impact: "Orders unpaid | for minutes".into(),
        ..Default::default()
    };
    let md = sdl_host::gameday::postmortem_markdown(&play, &s, &acts, &alerts, &notes);
    assert!(md.starts_with("# Postmortem: Finance"), "{md}");
    assert!(md.contains("Fault began (revealed): `dual-write`"), "{md}");
    assert!(
        md.contains("You diagnosed: the queue is inconsistent (right)"),
        "{md}"
    );
    assert!(
        md.contains("Recommended fix: `transactional-outbox`"),
        "{md}"
    );
    assert!(md.contains("Orders unpaid | for minutes"), "{md}");
    assert!(md.contains("_(not written)_"), "{md}");
    assert!(md.contains(&format!("**{}**", s.total)), "{md}");
    // The timeline is in time order.
    let times: Vec<&str> = md
        .lines()
        .filter(|l| l.starts_with("- ") && l.contains(": "))
        .collect();
    assert!(times.len() >= 5, "{md}");
}
