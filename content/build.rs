//! Embeds every tutorial: writes `$OUT_DIR/embedded.rs`, a sorted list of
//! `(path, include_str!(…))` for `series.toml` and each `tutorials/<series>/<nn>-<id>.toml`,
//! so adding a tutorial is adding a file.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let dir = root.join("tutorials");
    println!("cargo:rerun-if-changed=series.toml");
    println!("cargo:rerun-if-changed=tutorials");
    let mut files = Vec::new();
    collect(&dir, &mut files);
    files.sort();
    let mut out = String::from("/// Embedded tutorial files: path relative to `content/`, text.\n");
    out.push_str("pub static TUTORIAL_FILES: &[(&str, &str)] = &[\n");
    for f in &files {
        let rel = f
            .strip_prefix(&root)
            .expect("under the crate")
            .to_string_lossy()
            .replace('\\', "/");
        println!("cargo:rerun-if-changed={}", f.display());
        writeln!(
            out,
            "    ({rel:?}, include_str!({:?})),",
            f.display().to_string()
        )
        .unwrap();
    }
    out.push_str("];\n");
    writeln!(
        out,
        "/// `series.toml`.\npub static SERIES_FILE: &str = include_str!({:?});",
        root.join("series.toml").display().to_string()
    )
    .unwrap();
    let dest = PathBuf::from(std::env::var("OUT_DIR").expect("set by cargo")).join("embedded.rs");
    std::fs::write(dest, out).expect("OUT_DIR is writable");
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(&p, files);
        } else if p.extension().is_some_and(|x| x == "toml") {
            files.push(p);
        }
    }
}
