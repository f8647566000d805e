//! The catalogue's prose in the browser: the wasm carries only each item's source path,
//! and the page fills the doc in from `docs.json`.

use engine::catalog;
use sdl_app::docs::{fill, parse};
use wasm_bindgen_test::wasm_bindgen_test;

#[wasm_bindgen_test]
fn the_wasm_carries_paths_not_prose() {
    for item in catalog::list() {
        let d = catalog::describe(item.id).unwrap();
        assert!(d.doc.is_empty(), "{}: prose left out of the wasm", d.id);
        assert!(
            d.doc_path.ends_with(".rs") && !d.doc_path.starts_with('/'),
            "{}: source path {}",
            d.id,
            d.doc_path
        );
    }
}

#[wasm_bindgen_test]
fn docs_json_fills_the_doc_with_the_markers_stripped() {
    let mut d = catalog::describe("retry-storm").unwrap();
    let json = format!(
        "{{\"{}\": \"//! # Retry storm\\n//!\\n//! Clients retry.\\n\", \"other.rs\": \"//! x\\n\"}}",
        d.doc_path
    );
    let docs = parse(&json).unwrap();
    fill(&mut d, &docs);
    assert_eq!(d.doc, "# Retry storm\n\nClients retry.");
    // A doc already there is kept; a path not in the file leaves it empty.
    fill(&mut d, &parse("{}").unwrap());
    assert_eq!(d.doc, "# Retry storm\n\nClients retry.");
    let mut other = catalog::describe("queue").unwrap();
    fill(&mut other, &docs);
    assert!(other.doc.is_empty());
}

#[wasm_bindgen_test]
fn a_broken_docs_file_is_named_in_the_message() {
    let e = parse("[1, 2]").unwrap_err();
    assert!(e.contains("docs.json"), "{e}");
    assert!(parse("{\"a.rs\": 3}").is_err());
}
