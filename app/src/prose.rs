//! The tutorials' prose in the browser. The wasm carries each tutorial's index (title,
//! objectives, steps' actions and expectations) but not its prose, a third of the data
//! in the bundle: the page loads that once, the first time a tutorial opens, from
//! `content::PROSE_FILE` beside the page (written by the content crate's build and
//! copied by `scripts/postbuild.py`), or in the single-file build, which fetches
//! nothing, from the page's own `sdl-prose` data block. The engine's worker never needs
//! it: it checks steps against their expectations, which stay in the wasm.

use leptos::prelude::*;
use std::cell::OnceCell;

/// The id of the single-file build's data block.
pub const INLINE_ID: &str = "sdl-prose";

/// Where the tutorials' prose stands.
#[derive(Debug, Clone, PartialEq)]
pub enum Prose {
    Loading,
    /// `content::library()` has it.
    Ready,
    /// Why it could not be loaded (the index and the lab still work).
    Failed(String),
}

/// Reads the prose file's text (`[["file", ["prose", …]], …]`, see content's build.rs).
pub fn parse(file: &str, text: &str) -> Result<Vec<(String, Vec<String>)>, String> {
    let bad = |e: String| format!("{file} is not the tutorials' prose ({e})");
    let doc = engine::json::parse(text).map_err(|e| bad(e.to_string()))?;
    let mut files = Vec::new();
    for (i, entry) in doc.as_array().map_err(bad)?.iter().enumerate() {
        let pair = entry.as_array().map_err(|e| bad(format!("[{i}]: {e}")))?;
        let [path, texts] = pair else {
            return Err(bad(format!(
                "[{i}] has {} items, not a file and its prose",
                pair.len()
            )));
        };
        let path = path.as_str().map_err(|e| bad(format!("[{i}][0]: {e}")))?;
        let texts = texts
            .as_array()
            .map_err(|e| bad(format!("`{path}`: {e}")))?;
        let texts = texts
            .iter()
            .map(|t| t.as_str().map(str::to_string))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| bad(format!("`{path}`: {e}")))?;
        files.push((path.to_string(), texts));
    }
    Ok(files)
}

/// Reads the prose file's text and gives it to the content library.
pub fn provide(file: &str, text: &str) -> Result<(), String> {
    content::provide_prose(parse(file, text)?)
        .map_err(|e| format!("{file} does not belong to this version of the lab: {e}"))
}

/// The prose's state, loading it on the first call (once per page; the signal is not
/// owned by the component that first asks, so it outlives it).
pub fn use_prose() -> ArcRwSignal<Prose> {
    thread_local! {
        static PROSE: OnceCell<ArcRwSignal<Prose>> = const { OnceCell::new() };
    }
    PROSE.with(|cell| {
        cell.get_or_init(|| {
            let Some(file) = content::PROSE_FILE.filter(|_| !content::has_prose()) else {
                return ArcRwSignal::new(Prose::Ready);
            };
            let state = ArcRwSignal::new(Prose::Loading);
            let target = state.clone();
            leptos::task::spawn_local(async move {
                let text = crate::web::site_data(INLINE_ID, file).await;
                target.set(match text.and_then(|t| provide(file, &t)) {
                    Ok(()) => Prose::Ready,
                    Err(e) => Prose::Failed(e),
                });
            });
            state
        })
        .clone()
    })
}
