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

/// The palette's filters: by category, by the component a switch strikes or acts on, and
/// by kind, each alone and combined with the words typed.
#[test]
fn filters_narrow_the_matches_and_combine_with_the_words() {
    use engine::strike::Component;
    use sdl_host::search::{categories, components, find_filtered, Filter, Kind};
    let all = entries();
    // No filter: the same as `find`.
    assert_eq!(
        find_filtered(&all, "pool", &Filter::default()),
        find(&all, "pool")
    );
    // By component: only switches that strike or act on it, and some of both kinds.
    let cache = Filter {
        component: Some(Component::Cache),
        ..Filter::default()
    };
    let found = find_filtered(&all, "", &cache);
    assert!(!found.is_empty());
    assert!(found
        .iter()
        .all(|e| e.components.contains(&Component::Cache)));
    assert!(found.iter().any(|e| e.id == "cache-stampede"));
    assert!(found.iter().any(|e| e.scenario) && found.iter().any(|e| !e.scenario));
    assert!(found.len() < all.len());
    // By kind.
    let mitigations = Filter {
        kind: Some(Kind::Mitigation),
        ..Filter::default()
    };
    let found = find_filtered(&all, "", &mitigations);
    assert!(!found.is_empty() && found.iter().all(|e| !e.scenario));
    assert!(find_filtered(&all, "storm", &mitigations)
        .iter()
        .all(|e| e.id != "retry-storm"));
    // By category, with words: every match is in the category and matches the words.
    let caching = Filter {
        category: Some("caching"),
        ..Filter::default()
    };
    let found = find_filtered(&all, "stamp", &caching);
    assert_eq!(found.first().map(|e| e.id), Some("cache-stampede"));
    assert!(found.iter().all(|e| e.category == "caching"));
    // All three at once keep only what passes each.
    let three = Filter {
        category: Some("caching"),
        component: Some(Component::Cache),
        kind: Some(Kind::Scenario),
    };
    for e in find_filtered(&all, "", &three) {
        assert!(e.category == "caching" && e.scenario && e.components.contains(&Component::Cache));
    }
    // A filter nothing passes leaves nothing.
    let none = Filter {
        category: Some("no-such-category"),
        ..Filter::default()
    };
    assert!(find_filtered(&all, "", &none).is_empty());
    // The choices offered: every category and component some switch has, each once.
    let cats = categories(&all);
    assert!(cats.contains(&"caching") && cats.windows(2).all(|w| w[0] < w[1]));
    assert!(all.iter().all(|e| cats.contains(&e.category)));
    let comps = components(&all);
    assert!(comps.contains(&Component::Cache) && comps.contains(&Component::Client));
    assert!(all
        .iter()
        .all(|e| e.components.iter().all(|c| comps.contains(c))));
    assert_eq!(Kind::parse("mitigation"), Some(Kind::Mitigation));
    assert_eq!(Kind::parse("x"), None);
}
