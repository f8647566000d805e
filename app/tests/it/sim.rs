//! The simulation handle without a page: parameters are validated by the engine and a
//! refused value changes nothing; scenarios switch live; the frame loop respects speed.

use engine::catalog;
use leptos::prelude::*;
use sdl_app::sim::{Sim, DEFAULT_SYSTEM};
use sdl_host::protocol::Speed;
use wasm_bindgen_test::wasm_bindgen_test;

/// Runs `f` with a fresh reactive owner, as a component would.
fn with_sim<T>(f: impl FnOnce(Sim) -> T) -> T {
    let owner = Owner::new();
    owner.with(|| f(Sim::in_page()))
}

/// A clock that never runs out of frame budget.
fn frozen_clock() -> f64 {
    0.0
}

#[wasm_bindgen_test]
fn a_new_lab_runs_the_default_system() {
    with_sim(|sim| {
        assert_eq!(sim.system.get_untracked(), DEFAULT_SYSTEM);
        assert!(sim.run_error.get_untracked().is_none());
        // Ten 100 ms frames at 10× = 10 s of virtual time.
        sim.speed.set(Speed::Times(10));
        for _ in 0..10 {
            sim.frame(100.0, &frozen_clock);
        }
        sim.publish();
        assert_eq!(sim.now_ns.get_untracked(), 10_000_000_000);
        let g = sim.readout.get_untracked().golden;
        assert!(g.throughput_rps > 0.0, "{g:?}");
        assert!(
            g.latency_p99_s >= g.latency_p50_s && g.latency_p50_s > 0.0,
            "{g:?}"
        );
    });
}

#[wasm_bindgen_test]
fn paused_lab_does_not_move() {
    with_sim(|sim| {
        sim.playing.set(false);
        sim.frame(100.0, &frozen_clock);
        sim.publish();
        assert_eq!(sim.now_ns.get_untracked(), 0);
    });
}

#[wasm_bindgen_test]
fn refused_system_value_keeps_the_run() {
    with_sim(|sim| {
        sim.frame(100.0, &frozen_clock);
        let generation = sim.generation.get_untracked();
        let spec = sim
            .system_meta()
            .params
            .iter()
            .find(|p| p.name == "workers")
            .unwrap();
        let expected = spec.parse("0").unwrap_err().to_string();
        assert_eq!(sim.apply_system_param("workers", "0"), Err(expected));
        assert_eq!(
            sim.apply_system_param("workers", "eight")
                .map_err(|e| e.contains("workers")),
            Err(true)
        );
        assert_eq!(
            sim.generation.get_untracked(),
            generation,
            "a refused value must not reset"
        );
        assert!(sim.system_params.get_untracked().is_empty());
    });
}

#[wasm_bindgen_test]
fn valid_system_value_resets_with_it() {
    with_sim(|sim| {
        sim.frame(100.0, &frozen_clock);
        sim.publish();
        assert!(sim.now_ns.get_untracked() > 0);
        assert_eq!(sim.apply_system_param("workers", "8"), Ok(()));
        assert_eq!(sim.now_ns.get_untracked(), 0, "a new run starts at 0");
        assert_eq!(
            sim.system_params
                .get_untracked()
                .get("workers")
                .map(String::as_str),
            Some("8")
        );
    });
}

#[wasm_bindgen_test]
fn fixed_latency_lifts_p99_live() {
    with_sim(|sim| {
        sim.speed.set(Speed::Times(100));
        for _ in 0..20 {
            sim.frame(100.0, &frozen_clock);
        }
        sim.publish();
        let before = sim.readout.get_untracked().golden.latency_p99_s;
        let generation = sim.generation.get_untracked();
        sim.apply_switch_param("fixed-latency", "delay_ms", "300")
            .unwrap();
        sim.set_switch("fixed-latency", true).unwrap();
        for _ in 0..20 {
            sim.frame(100.0, &frozen_clock);
        }
        sim.publish();
        let after = sim.readout.get_untracked().golden.latency_p99_s;
        assert_eq!(
            sim.generation.get_untracked(),
            generation,
            "switching a scenario must not reset"
        );
        assert!(
            after > before + 0.2,
            "p99 before {before} s, after {after} s"
        );
    });
}

#[wasm_bindgen_test]
fn refused_scenario_value_is_not_applied() {
    with_sim(|sim| {
        let err = sim
            .apply_switch_param("fixed-latency", "delay_ms", "-5")
            .unwrap_err();
        assert!(err.contains("fixed-latency.delay_ms"), "{err}");
        let state = sim.switches.get_untracked();
        assert!(state["fixed-latency"].params.is_empty());
    });
}

#[wasm_bindgen_test]
fn switching_system_uses_its_schema() {
    with_sim(|sim| {
        sim.apply_system_param("workers", "8").unwrap();
        sim.set_system("queue").unwrap();
        assert_eq!(sim.system_meta().id, "queue");
        assert!(
            sim.system_params.get_untracked().is_empty(),
            "the old system's values are dropped"
        );
        assert!(sim.run_error.get_untracked().is_none());
        assert!(sim.set_system("nope").unwrap_err().contains("nope"));
        assert!(catalog::systems().iter().any(|s| s.id == "queue"));
    });
}

#[wasm_bindgen_test]
fn every_mitigation_switches_live_or_says_why_not() {
    with_sim(|sim| {
        let generation = sim.generation.get_untracked();
        for m in catalog::mitigations() {
            match sim.set_switch(m.id, true) {
                Ok(()) => assert!(sim.switches.get_untracked()[m.id].on, "{}", m.id),
                Err(message) => {
                    assert!(!message.is_empty());
                    assert_eq!(sim.switch_errors.get_untracked().get(m.id), Some(&message));
                    assert!(!sim.switches.get_untracked()[m.id].on);
                }
            }
            sim.frame(100.0, &frozen_clock);
            sim.set_switch(m.id, false).unwrap();
        }
        assert_eq!(
            sim.generation.get_untracked(),
            generation,
            "switches never reset the run"
        );
    });
}

#[wasm_bindgen_test]
fn a_link_time_is_reached_while_paused() {
    with_sim(|sim| {
        sim.playing.set(false);
        sim.run_to(25_000_000_000);
        assert!(sim.replaying.get_untracked());
        sim.frame(16.0, &frozen_clock);
        sim.publish();
        assert_eq!(sim.now_ns.get_untracked(), 25_000_000_000);
        assert!(!sim.replaying.get_untracked());
        // Every sample on the way reached the charts (the one at 0 is left out).
        assert_eq!(
            sim.readout.get_untracked().series("throughput_rps").len(),
            25
        );
    });
}

#[wasm_bindgen_test]
fn a_view_has_one_question_out_and_the_newest_waiting_wins() {
    use sdl_app::sim::Asker;
    use sdl_host::protocol::{Answer, Ask};
    use std::cell::RefCell;
    use std::rc::Rc;
    with_sim(|sim| {
        let asker = Asker::new();
        let heard = Rc::new(RefCell::new(Vec::new()));
        let ask = |names: &[&str]| Ask::Metrics {
            names: names.iter().map(|n| n.to_string()).collect(),
        };
        let log = heard.clone();
        asker.ask(sim, ask(&["http_requests_total"]), move |a| {
            log.borrow_mut().push(("first", a.clone()));
            // Asked while the first is still out: these wait, the newer replacing the
            // older, and go once it is answered.
            let older = log.clone();
            asker.ask(sim, ask(&["nope"]), move |a| {
                older.borrow_mut().push(("older", a));
            });
            let newer = log.clone();
            asker.ask(sim, ask(&["nope", "http_requests_total"]), move |a| {
                newer.borrow_mut().push(("newer", a));
            });
        });
        assert_eq!(
            *heard.borrow(),
            vec![
                ("first", Answer::Metrics(vec![true])),
                ("newer", Answer::Metrics(vec![false, true])),
            ]
        );
    });
}
