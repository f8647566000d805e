//! The tutorials' prose file as the page reads it (`tutorials-<hash>.json`, written by
//! content's build.rs). These tests embed the prose (feature `embed-prose`), so the
//! library already has it; the reader and its messages are what is checked here.

use sdl_app::prose::{parse, provide};
use wasm_bindgen_test::wasm_bindgen_test;

#[wasm_bindgen_test]
fn the_prose_file_reads_into_files_and_their_strings() {
    let text = "[[\"tutorials/a/01-x.toml\",[\"Objective\",\"Step <b>one<\\/b>\\n\",\"\"]],\n[\"tutorials/a/02-y.toml\",[]]]\n";
    let files = parse("tutorials-0123456789abcdef.json", text).unwrap();
    assert_eq!(
        files,
        vec![
            (
                "tutorials/a/01-x.toml".to_string(),
                vec![
                    "Objective".to_string(),
                    "Step <b>one</b>\n".to_string(),
                    String::new()
                ]
            ),
            ("tutorials/a/02-y.toml".to_string(), vec![]),
        ]
    );
}

#[wasm_bindgen_test]
fn a_broken_prose_file_is_named_with_what_is_wrong() {
    let file = "tutorials-0123456789abcdef.json";
    for (text, says) in [
        ("<html>", "is not the tutorials' prose"),
        ("{}", "is not the tutorials' prose"),
        (
            "[[\"a.toml\"]]",
            "[0] has 1 items, not a file and its prose",
        ),
        ("[[\"a.toml\", [1]]]", "`a.toml`"),
        ("[[7, []]]", "[0][0]"),
    ] {
        let e = parse(file, text).unwrap_err();
        assert!(e.starts_with(file) && e.contains(says), "{text}: {e}");
    }
}

#[wasm_bindgen_test]
fn with_the_prose_embedded_there_is_nothing_to_load() {
    // The tests' build embeds the prose: nothing is asked of the page, and giving the
    // library prose again changes nothing.
    assert!(content::PROSE_FILE.is_none() && content::has_prose());
    assert!(provide("x.json", "[]").is_ok());
    let t = content::find("latency-baseline").expect("embedded");
    assert!(!t.steps[0].text.is_empty() && !t.objectives[0].is_empty());
}
