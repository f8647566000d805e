//! Extracts the `//!` documentation of every source file under `src/` into
//! `$OUT_DIR/docs/<path>.md`, so catalogue entries embed their prose (`doc_of!`) without
//! the whole file: the browser bundle carries the catalogue, not the code twice.

use std::fs;
use std::path::{Path, PathBuf};

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            walk(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn main() {
    println!("cargo:rerun-if-changed=src");
    let src = Path::new("src");
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let mut files = Vec::new();
    walk(src, &mut files);
    for file in files {
        let text = fs::read_to_string(&file).unwrap_or_default();
        let doc: String = text
            .lines()
            .map_while(|l| l.strip_prefix("//!"))
            .map(|l| format!("//!{l}\n"))
            .collect();
        let rel = file.strip_prefix(src).expect("walked under src");
        let target = out_dir.join("docs").join(rel).with_extension("rs.md");
        if let Some(parent) = target.parent() {
            fs::create_dir_all(parent).expect("create docs dir");
        }
        fs::write(&target, doc).expect("write doc");
    }
}
