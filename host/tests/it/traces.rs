//! The trace panel's lists: newest first, slowest first (ties newest first), or only the
//! erroring ones, never more than `LISTED`.

use engine::observe::Trace;
use sdl_host::traces::{pick, LISTED};

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

/// The sampled traces of a run where the payment resolver fails now and then.
fn traces() -> Vec<Trace> {
    let mut cfg = engine::LabConfig::new("web");
    cfg.seed = 3;
    cfg.enable("dns-resolution-failure").unwrap();
    let mut lab = engine::Lab::new(&cfg).unwrap();
    lab.advance(60_000_000_000);
    lab.traces().cloned().collect()
}

#[test]
fn each_view_lists_what_it_says_best_first() {
    let all = traces();
    assert!(all.len() > LISTED, "{} traces", all.len());
    assert!(all.iter().any(Trace::is_error), "some traces err");

    let recent = pick(&all, "recent");
    assert_eq!(recent.len(), LISTED);
    let newest: Vec<u64> = all.iter().rev().take(LISTED).map(|t| t.trace_id).collect();
    assert_eq!(
        recent.iter().map(|t| t.trace_id).collect::<Vec<_>>(),
        newest
    );

    let slowest = pick(&all, "slowest");
    assert_eq!(slowest.len(), LISTED);
    assert!(slowest
        .windows(2)
        .all(|w| w[0].duration_ns() >= w[1].duration_ns()));
    let longest = all.iter().map(Trace::duration_ns).max().unwrap();
    assert_eq!(slowest[0].duration_ns(), longest);

    let errors = pick(&all, "errors");
    assert!(!errors.is_empty() && errors.len() <= LISTED);
    assert!(errors.iter().all(|t| t.is_error()));
    assert!(pick(&[], "slowest").is_empty());
}
