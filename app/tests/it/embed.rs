//! Lab links and embeds: the query parser names what it refuses, a link made from a
//! running lab reads back to the same state and applies to a new lab, the snippet is
//! escaped text, and the LMS adapter stays silent with no LMS.

use leptos::prelude::*;
use sdl_app::embed::{decode, encode, parse_query, LinkState};
use sdl_app::lms;
use sdl_app::sim::Sim;
use sdl_host::protocol::Speed;
use wasm_bindgen_test::wasm_bindgen_test;

#[wasm_bindgen_test]
fn query_components_decode_and_encode() {
    assert_eq!(decode("a%20b+c%2Cd"), "a b c,d");
    assert_eq!(decode("100%"), "100%", "a bad escape stays as typed");
    assert_eq!(decode("%zz%4"), "%zz%4");
    assert_eq!(encode("a b&c=<d>"), "a%20b%26c%3D%3Cd%3E");
    assert_eq!(
        parse_query("?embed=1&&x&scenario=retry-storm"),
        vec![
            ("embed".to_string(), "1".to_string()),
            ("x".to_string(), String::new()),
            ("scenario".to_string(), "retry-storm".to_string()),
        ]
    );
}

#[wasm_bindgen_test]
fn bad_parameters_are_named_with_what_is_allowed() {
    let (state, problems) =
        LinkState::parse("?scenario=nope&seed=-1&speed=7&on=retry-storm,zzz&fixed-latency.delay_ms=abc&fixed-latency.nope=1&utm_source=x");
    assert_eq!(state.scenario, None);
    assert_eq!(state.on, vec!["retry-storm"]);
    let all = problems.join("\n");
    for needle in [
        "`scenario`",
        "nope",
        "`seed`",
        "`speed`: expected one of 1, 10, 100, max",
        "`on`",
        "zzz",
        "fixed-latency.delay_ms",
        "unknown parameter `fixed-latency.nope`",
    ] {
        assert!(all.contains(needle), "{needle} not in:\n{all}");
    }
    assert_eq!(problems.len(), 6, "{all}");
    assert_eq!(
        state.featured_scenario(),
        "retry-storm",
        "first scenario switched on"
    );
}

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
fn the_snippet_is_escaped_text() {
    let (mut state, _) = LinkState::parse("?scenario=retry-storm&seed=3");
    state.embed = true;
    let snippet = state.iframe_snippet("https://example.org/a\"b/index.html");
    assert_eq!(
        snippet,
        "<iframe src=\"https://example.org/a&quot;b/index.html?embed=1&amp;scenario=retry-storm&amp;seed=3\" \
         title=\"Systems Design Lab: Retry storm\" width=\"100%\" height=\"640\" loading=\"lazy\"></iframe>"
    );
}

#[wasm_bindgen_test]
fn without_an_lms_the_adapter_does_nothing() {
    assert!(!lms::connect());
    assert_eq!(lms::version(), None);
    assert!(!lms::save_progress("x"));
    assert_eq!(lms::saved_progress(), None);
    lms::report_progress(true, Some(90.0));
    lms::finish();
}
