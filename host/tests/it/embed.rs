//! An embed's query, the pure part: components decode and encode, refused parameters are
//! named with what is allowed, what is written reads back, and the snippet is escaped
//! text. Natively and in headless Chromium; reading a running lab into a query and
//! applying one is the app's (`app/tests/it/embed.rs`).

use sdl_host::embed::{decode, encode, params_of, parse_query, LinkState};
use sdl_host::protocol::Speed;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

#[test]
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

#[test]
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

#[test]
fn what_is_written_reads_back() {
    let query = "?embed=1&scenario=fixed-latency&seed=42&speed=100&s=fixed-latency&m=timeouts&paused=1&fixed-latency.delay_ms=300";
    let (state, problems) = LinkState::parse(query);
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(state.speed, Some(Speed::Times(100)));
    assert_eq!(
        params_of(&state, "fixed-latency")
            .get("delay_ms")
            .map(String::as_str),
        Some("300")
    );
    assert_eq!(state.to_query(), query);
    assert_eq!(LinkState::parse(&state.to_query()), (state, vec![]));
}

/// The default seed was left out of the query it was read from, so `seed=1` read back
/// as no seed at all (found by `fuzz.rs`); an embed now says what it runs.
#[test]
fn the_default_seed_is_written_too() {
    let (state, problems) = LinkState::parse("?seed=1");
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(state.seed, Some(1));
    assert_eq!(state.to_query(), "?seed=1");
    assert_eq!(LinkState::parse(&state.to_query()).0, state);
    assert_eq!(LinkState::default().to_query(), "");
}

#[test]
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
