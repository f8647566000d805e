//! The library and the checker on this target: natively and, under wasm-bindgen-test,
//! in headless Chromium — the browser parses the same embedded files and reaches the
//! same verdicts (the engine's digest test pins the numbers themselves).

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

#[test]
fn the_embedded_library_loads_on_this_target() {
    assert!(
        content::errors().is_empty(),
        "{:?}",
        content::errors().first()
    );
    assert!(content::series().len() >= 7);
    assert!(content::tutorials().len() >= 24);
    for s in content::series() {
        assert!(content::tutorials_in(&s.id).count() >= 3, "{}", s.id);
    }
}

#[test]
fn a_tutorial_replays_on_this_target() {
    let t = content::find("latency-mitigate").expect("embedded");
    for s in &t.steps {
        let r = content::check::replay(s).expect("the step's lab builds");
        assert!(r.ok(), "step {}: {}", s.number, r.outcome.message);
    }
}
