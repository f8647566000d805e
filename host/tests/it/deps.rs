//! "The page only draws" (ARCHITECTURE.md), kept by the compiler: the engine's host
//! depends on nothing browser-side, so no view, signal or browser API can creep into what
//! it computes. Checked on the dependency graph Cargo resolves (normal dependencies,
//! every target), not by reading sources.

use engine::json::{parse, Value};
use std::collections::BTreeSet;
use std::process::Command;

/// Crates of the page's side: the UI framework and the browser bindings.
fn browser_side(name: &str) -> bool {
    name.starts_with("leptos")
        || name.starts_with("wasm-bindgen")
        || name == "web-sys"
        || name == "js-sys"
}

/// The workspace's resolved dependency graph (`cargo metadata`).
fn metadata() -> Value {
    let out = Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata runs");
    assert!(
        out.status.success(),
        "cargo metadata: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    parse(&String::from_utf8(out.stdout).unwrap()).expect("cargo metadata writes JSON")
}

fn str_of<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key)
        .and_then(|s| s.as_str().ok())
        .unwrap_or_else(|| panic!("no string `{key}` in {}", v.describe()))
}

fn array_of<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v.get(key)
        .and_then(|a| a.as_array().ok())
        .unwrap_or_else(|| panic!("no array `{key}` in {}", v.describe()))
}

/// The names of the packages `package` depends on, directly or not, through normal
/// dependencies (not dev or build ones), on any target.
fn normal_closure(meta: &Value, package: &str) -> BTreeSet<String> {
    let name_of = |id: &str| {
        array_of(meta, "packages")
            .iter()
            .find(|p| str_of(p, "id") == id)
            .map(|p| str_of(p, "name").to_string())
            .unwrap_or_else(|| panic!("no package {id}"))
    };
    let resolve = meta.get("resolve").expect("a resolved graph");
    let nodes = array_of(resolve, "nodes");
    let root = array_of(meta, "packages")
        .iter()
        .find(|p| str_of(p, "name") == package)
        .map(|p| str_of(p, "id").to_string())
        .unwrap_or_else(|| panic!("no package {package} in the workspace"));
    let mut seen = BTreeSet::new();
    let mut todo = vec![root];
    while let Some(id) = todo.pop() {
        if !seen.insert(id.clone()) {
            continue;
        }
        let node = nodes
            .iter()
            .find(|n| str_of(n, "id") == id)
            .unwrap_or_else(|| panic!("{id} is not in the resolved graph"));
        for dep in array_of(node, "deps") {
            let normal = array_of(dep, "dep_kinds")
                .iter()
                .any(|k| matches!(k.get("kind"), Some(Value::Null) | None));
            if normal {
                todo.push(str_of(dep, "pkg").to_string());
            }
        }
    }
    seen.iter().map(|id| name_of(id)).collect()
}

#[test]
fn the_engine_host_depends_on_nothing_of_the_web() {
    let meta = metadata();
    let host = normal_closure(&meta, "sdl-host");
    assert!(
        host.contains("sdl-engine") && host.contains("sdl-content"),
        "{host:?}"
    );
    let web: Vec<&String> = host.iter().filter(|n| browser_side(n)).collect();
    assert!(
        web.is_empty(),
        "sdl-host depends on {web:?}: the engine's host uses no browser API (views, signals \
         and transport belong to the app)"
    );
    // The check can see such a dependency: the app has them.
    let app = normal_closure(&meta, "sdl-app");
    assert!(
        app.iter().any(|n| n == "leptos") && app.iter().any(|n| n == "web-sys"),
        "{app:?}"
    );
}
