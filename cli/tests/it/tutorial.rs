//! `sdl tutorial list` and `sdl tutorial check [ID]`: authors replay tutorials from a
//! terminal; an unknown id is bad input (exit 2, naming the allowed ids).

use super::sdl;

#[test]
fn list_shows_every_tutorial() {
    let (code, out, err) = sdl(&["tutorial", "list"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("latency-baseline") && out.contains("queue-p99-saturation"));
    assert!(out.lines().count() > 24, "{out}");
}

#[test]
fn check_replays_one_tutorial_and_shows_its_numbers() {
    let (code, out, err) = sdl(&["tutorial", "check", "latency-mitigate"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("ok   3 mitigate"), "{out}");
    assert!(
        out.contains("with timeouts, timeouts.dependency_timeout_ms = 5000:"),
        "{out}"
    );
    assert!(out.contains("without timeouts:"), "{out}");
    assert!(out.trim_end().ends_with("4 passed, 0 failed"), "{out}");
}

#[test]
fn unknown_tutorial_and_bad_usage_exit_2() {
    let (code, _, err) = sdl(&["tutorial", "check", "no-such-tutorial"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("unknown tutorial `no-such-tutorial`") && err.contains("latency-baseline"),
        "{err}"
    );
    assert!(!err.contains("panicked"));
    let (code, _, err) = sdl(&["tutorial", "frobnicate"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("frobnicate") && err.contains("commands of `sdl tutorial`: list, check"),
        "{err}"
    );
}
