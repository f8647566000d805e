//! Embeds every tutorial without shipping a TOML parser to the browser: parses
//! `series.toml` and each `tutorials/<series>/<nn>-<id>.toml` here (natively) into the
//! raw types of `src/raw.rs`, and writes them to `$OUT_DIR/embedded.bin` in the compact
//! form of `src/raw_codec.rs`, which the crate reads back on first use. A file that does not
//! parse is embedded as its error message, so the library reports it (with the file
//! name) instead of failing the build. Validation happens at run time in `load.rs`, the
//! same for every caller.

#[path = "src/raw.rs"]
#[allow(dead_code)]
mod raw;

#[path = "../engine/src/codec.rs"]
#[allow(dead_code, unused_imports, unused_macros)]
mod codec;

#[path = "src/raw_codec.rs"]
#[allow(dead_code)]
mod raw_codec;

use raw::*;
use std::path::{Path, PathBuf};

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    println!("cargo:rerun-if-changed=series.toml");
    println!("cargo:rerun-if-changed=tutorials");
    println!("cargo:rerun-if-changed=src/raw.rs");
    println!("cargo:rerun-if-changed=src/raw_codec.rs");
    println!("cargo:rerun-if-changed=../engine/src/codec.rs");
    let mut files = Vec::new();
    collect(&root.join("tutorials"), &mut files);
    files.sort();

    let series = parsed::<RawSeriesFile>(&read(&root.join("series.toml")));
    let tutorials: Vec<(String, Result<RawTutorial, String>)> = files
        .iter()
        .map(|f| {
            println!("cargo:rerun-if-changed={}", f.display());
            let rel = f
                .strip_prefix(&root)
                .expect("under the crate")
                .to_string_lossy()
                .replace('\\', "/");
            (rel, parsed::<RawTutorial>(&read(f)))
        })
        .collect();
    let embedded: raw_codec::Embedded = (series, tutorials);
    let dest = PathBuf::from(std::env::var("OUT_DIR").expect("set by cargo")).join("embedded.bin");
    std::fs::write(dest, codec::encode(&embedded)).expect("OUT_DIR is writable");
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| format!("# unreadable: {e}\n!"))
}

fn parsed<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, String> {
    toml::from_str::<T>(text).map_err(|e| {
        let at = e
            .span()
            .map(|s| format!("TOML at byte {}: ", s.start))
            .unwrap_or_default();
        format!("{at}{}", e.message())
    })
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
