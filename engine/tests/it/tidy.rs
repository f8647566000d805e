//! Checks on the engine's own source (after rust-analyzer's `tidy`): the invariants in
//! ARCHITECTURE.md hold — no HashMap (iteration order), no wall clock, no web imports,
//! no thread_rng/SmallRng, every file starts with `//!` — and the app's engine host
//! (what the browser's worker runs) uses no browser API either.

use std::path::Path;

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn engine_source_keeps_its_invariants() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    assert!(files.len() > 10);
    let forbidden = [
        (
            "HashMap",
            "iteration order must not reach output: use BTreeMap",
        ),
        (
            "HashSet",
            "iteration order must not reach output: use BTreeSet",
        ),
        ("Instant::now", "no wall clock in the engine"),
        ("SystemTime", "no wall clock in the engine"),
        ("thread_rng", "use the seeded Xoshiro256PlusPlus streams"),
        ("SmallRng", "use the seeded Xoshiro256PlusPlus streams"),
        ("web_sys", "the engine knows nothing of the web"),
        ("wasm_bindgen", "the engine knows nothing of the web"),
        (
            "include_str!(\"",
            "embed a file's //! doc with doc_of!, not the whole file (bundle size)",
        ),
        (
            ".unwrap()",
            "the engine never panics on input: return LabError",
        ),
    ];
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        assert!(
            text.starts_with("//!"),
            "{} must start with a //! line",
            f.display()
        );
        // Unit tests inside a file may unwrap.
        let code = text.split("#[cfg(test)]").next().unwrap();
        for (needle, why) in forbidden {
            assert!(
                !code.contains(needle),
                "{} contains `{needle}`: {why}",
                f.display()
            );
        }
    }
}

/// The engine's host in the app (what the worker runs, and the page when no worker
/// starts) and the messages it speaks know nothing of the web either (ARCHITECTURE.md,
/// "The page only draws").
#[test]
fn the_engine_host_knows_nothing_of_the_web() {
    let app = Path::new(env!("CARGO_MANIFEST_DIR")).join("../app/src");
    for name in ["engine_host.rs", "protocol.rs"] {
        let path = app.join(name);
        let text = std::fs::read_to_string(&path).unwrap();
        for needle in ["web_sys", "wasm_bindgen", "js_sys", "leptos", "window()"] {
            assert!(
                !text.contains(needle),
                "{} contains `{needle}`: the engine's host uses no browser API",
                path.display()
            );
        }
    }
}
