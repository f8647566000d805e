//! Lab links and embeds on the page: a link made from a running lab reads back to the
//! same state and applies to a new lab, and the LMS adapter stays silent with no LMS.
//! (The query itself, its errors and the snippet are tested natively with the host:
//! `host/tests/it/embed.rs`.)

use leptos::prelude::*;
use sdl_app::embed::LinkState;
use sdl_app::lms;
use sdl_app::sim::Sim;
use sdl_host::protocol::Speed;
use wasm_bindgen_test::wasm_bindgen_test;

#[wasm_bindgen_test]
fn a_link_from_a_running_lab_restores_it() {
    Owner::new().with(|| {
        let sim = Sim::new();
        sim.set_seed(42);
        sim.speed.set(Speed::Times(100));
        sim.apply_switch_param("fixed-latency", "delay_ms", "300")
            .unwrap();
        sim.set_switch("fixed-latency", true).unwrap();
        sim.set_switch("timeouts", true).unwrap();
        sim.playing.set(false);
        let query = LinkState::of(&sim).to_query();
        assert_eq!(
            query,
            "?seed=42&speed=100&s=fixed-latency&m=timeouts&paused=1&fixed-latency.delay_ms=300",
            "the full lab's link keys (s, m), so Open in full lab reads it"
        );

        let (state, problems) = LinkState::parse(&query);
        assert!(problems.is_empty(), "{problems:?}");
        let other = Sim::new();
        assert!(state.apply(&other).is_empty());
        assert_eq!(other.seed.get_untracked(), 42);
        assert_eq!(other.speed.get_untracked(), Speed::Times(100));
        assert!(!other.playing.get_untracked());
        assert_eq!(LinkState::of(&other), LinkState::of(&sim));
    });
}

#[wasm_bindgen_test]
fn without_an_lms_the_adapter_does_nothing() {
    assert!(!lms::connect());
    assert_eq!(lms::version(), None);
    assert!(!lms::save_progress("x"));
    assert_eq!(lms::saved_progress(), None);
    lms::report_progress(true, 100.0, Some(90.0));
    lms::finish();
}
