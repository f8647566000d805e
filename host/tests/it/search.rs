//! Issue 25: any scenario is found by a few letters of its name, its symptom or its
//! metric, among the whole catalogue.

use sdl_host::search::{entries, find};

fn first(query: &str) -> &'static str {
    let all = entries();
    find(&all, query).first().map(|e| e.id).unwrap_or("")
}

#[test]
fn a_few_letters_find_the_switch() {
    assert_eq!(first("retry-storm"), "retry-storm");
    assert_eq!(first("storm"), "retry-storm");
    assert_eq!(first("stamp"), "cache-stampede");
    assert_eq!(first("dead"), "deadlock");
    assert_eq!(first("n plus"), "n-plus-one-query");
    assert_eq!(first("breaker"), "breaker");
    // Every word must match: two words narrow.
    let all = entries();
    let pool = find(&all, "pool");
    assert!(pool.len() > 1);
    assert!(find(&all, "pool leak")
        .iter()
        .all(|e| e.id.contains("leak") || e.summary.to_lowercase().contains("leak")));
    // By kind of fault and by metric.
    assert!(find(&all, "leaking").iter().any(|e| e.id == "memory-leak"));
    assert!(find(&all, "connection_pool_wait_seconds")
        .iter()
        .any(|e| e.id == "connection-pool-exhaustion"));
    assert!(find(&all, "zzzz").is_empty());
    assert_eq!(find(&all, "").len(), all.len());
}

/// Every scenario's and mitigation's own id finds it first.
#[test]
fn every_id_finds_itself_first() {
    let all = entries();
    for e in &all {
        assert_eq!(find(&all, e.id).first().map(|x| x.id), Some(e.id));
    }
    assert!(all.len() >= 70, "{} switches", all.len());
}

/// The palette's Playwright test types these; the native test pins what they find first.
#[test]
fn the_typed_words_of_the_page_test_find_their_scenarios_first() {
    for (typed, id) in [
        ("storm", "retry-storm"),
        ("stamp", "cache-stampede"),
        ("n plus", "n-plus-one-query"),
        ("leaking", "memory-leak"),
        ("slow db", "slow-db-query"),
    ] {
        assert_eq!(first(typed), id, "{typed}");
    }
}
