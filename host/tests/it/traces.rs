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

/// A traced order's command leads to the projections that applied its event and to its
/// payment saga, through the spans' links, both ways.
#[test]
fn a_command_trace_leads_to_what_followed_it_and_back() {
    let mut cfg = engine::LabConfig::new("orders");
    cfg.seed = 5;
    let mut lab = engine::Lab::new(&cfg).unwrap();
    lab.advance(30_000_000_000);
    let all: Vec<Trace> = lab.traces().cloned().collect();
    let placed = all
        .iter()
        .rev()
        .find(|t| {
            t.root().is_some_and(|r| r.operation == "POST /orders")
                && !sdl_host::traces::linked(&all, t).followed_by.is_empty()
        })
        .expect("a traced PlaceOrder with what followed it");
    let links = sdl_host::traces::linked(&all, placed);
    assert!(links.follows_from.is_empty());
    let ops: Vec<&str> = links
        .followed_by
        .iter()
        .filter_map(|id| all.iter().find(|t| t.trace_id == *id))
        .filter_map(|t| t.root().map(|r| r.operation))
        .collect();
    assert!(ops.contains(&"apply OrderPlaced"), "{ops:?}");
    assert!(ops.contains(&"payment saga"), "{ops:?}");
    // Each follower links back to the command's append span.
    let append = placed
        .spans
        .iter()
        .find(|s| s.operation == "append")
        .unwrap()
        .span_id;
    for id in &links.followed_by {
        let t = all.iter().find(|t| t.trace_id == *id).unwrap();
        let back = sdl_host::traces::linked(&all, t);
        assert_eq!(back.follows_from, vec![placed.trace_id]);
        assert!(t.spans[0].links.contains(&(placed.trace_id, append)));
    }
    // The saga's trace has a span per step.
    let saga = links
        .followed_by
        .iter()
        .filter_map(|id| all.iter().find(|t| t.trace_id == *id))
        .find(|t| t.root().is_some_and(|r| r.operation == "payment saga"))
        .unwrap();
    let steps: Vec<&str> = saga.spans.iter().skip(1).map(|s| s.operation).collect();
    assert_eq!(
        &steps[..2],
        &["reserve stock", "charge payment"],
        "{steps:?}"
    );
}
