//! The catalogue's prose in the browser. The wasm leaves it out (`engine::doc_of!` keeps
//! only each file's path there: the prose was a sixth of the bundle), and the page loads
//! it once, the first time the catalogue opens: from `docs.json` beside the page
//! (written by `scripts/postbuild.py`: file path → its `//!` lines), or, in the
//! single-file build that fetches nothing, from the page's own `sdl-docs` data block.

use engine::catalog::ItemDescription;
use leptos::prelude::*;
use std::cell::OnceCell;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The file, relative to the page.
pub const FILE: &str = "docs.json";
/// The id of the single-file build's data block.
pub const INLINE_ID: &str = "sdl-docs";

/// Where the catalogue's prose stands.
#[derive(Debug, Clone, PartialEq)]
pub enum Docs {
    Loading,
    /// Source path (`DocSource::path`) → the file's `//!` lines.
    Ready(Arc<BTreeMap<String, String>>),
    /// Why they could not be loaded (the rest of the catalogue still works).
    Failed(String),
}

/// Reads `docs.json`'s text.
pub fn parse(text: &str) -> Result<BTreeMap<String, String>, String> {
    let bad = |e: String| format!("{FILE} is not a map of source file to text ({e})");
    let doc = engine::json::parse(text).map_err(|e| bad(e.to_string()))?;
    let mut docs = BTreeMap::new();
    for (path, text) in doc.as_object().map_err(bad)? {
        let text = text.as_str().map_err(|e| bad(format!("`{path}`: {e}")))?;
        docs.insert(path.clone(), text.to_string());
    }
    Ok(docs)
}

/// Gives `d` its doc from `docs` when the engine left it out.
pub fn fill(d: &mut ItemDescription, docs: &BTreeMap<String, String>) {
    if d.doc.is_empty() {
        if let Some(text) = docs.get(d.doc_path) {
            d.doc = engine::scenario::module_doc(text);
        }
    }
}

/// The prose's state, loading it on the first call (once per page; the signal is not
/// owned by the component that first asks, so it outlives it).
pub fn use_docs() -> ArcRwSignal<Docs> {
    thread_local! {
        static DOCS: OnceCell<ArcRwSignal<Docs>> = const { OnceCell::new() };
    }
    DOCS.with(|cell| {
        cell.get_or_init(|| {
            let state = ArcRwSignal::new(Docs::Loading);
            let target = state.clone();
            leptos::task::spawn_local(async move {
                let text = crate::web::site_data(INLINE_ID, FILE).await;
                target.set(match text.and_then(|t| parse(&t)) {
                    Ok(map) => Docs::Ready(Arc::new(map)),
                    Err(e) => Docs::Failed(e),
                });
            });
            state
        })
        .clone()
    })
}
