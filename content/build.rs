//! Embeds every tutorial without shipping a TOML parser or the validation to the
//! browser: parses `series.toml` and each `tutorials/<series>/<nn>-<id>.toml` here
//! (natively), loads and validates them with the crate's own `load.rs` (against the
//! engine, a build dependency), and writes the resulting `Library` (its tutorials and
//! any errors) to `$OUT_DIR/embedded.bin` in the compact form of `src/model_codec.rs`,
//! which the crate reads back on first use. A file that does not parse or validate is
//! left out and listed in the library's errors, which the native tests keep empty.
//!
//! For the browser (target wasm32, without the `embed-prose` feature) the tutorials'
//! prose (`Tutorial::prose_mut`: objectives, step texts and hints, code, exercises,
//! quiz text, reading) is left out of `embedded.bin` and written to
//! `$OUT_DIR/tutorials-<hash>.json`, whose name the crate gets as `SDL_TUTORIAL_PROSE`;
//! `scripts/postbuild.py` copies it beside the page, which loads it when a tutorial
//! opens (`content::provide_prose`). The hash of the text is in the name, so a page
//! never reads another build's prose.

#[path = "src/check.rs"]
#[allow(dead_code)]
mod check;
#[path = "src/error.rs"]
#[allow(dead_code)]
mod error;
#[path = "src/load.rs"]
#[allow(dead_code)]
mod load;
#[path = "src/model.rs"]
#[allow(dead_code)]
mod model;
#[path = "src/model_codec.rs"]
mod model_codec;
#[path = "src/raw.rs"]
#[allow(dead_code)]
mod raw;

use std::path::{Path, PathBuf};

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    println!("cargo:rerun-if-changed=series.toml");
    println!("cargo:rerun-if-changed=tutorials");
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-env-changed=CARGO_FEATURE_EMBED_PROSE");
    let mut files = Vec::new();
    collect(&root.join("tutorials"), &mut files);
    files.sort();

    let series = read(&root.join("series.toml"));
    let texts: Vec<(String, String)> = files
        .iter()
        .map(|f| {
            println!("cargo:rerun-if-changed={}", f.display());
            let rel = f
                .strip_prefix(&root)
                .expect("under the crate")
                .to_string_lossy()
                .replace('\\', "/");
            (rel, read(f))
        })
        .collect();
    let refs: Vec<(&str, &str)> = texts
        .iter()
        .map(|(f, t)| (f.as_str(), t.as_str()))
        .collect();
    let mut library = load::load(&series, &refs);

    let out = PathBuf::from(std::env::var("OUT_DIR").expect("set by cargo"));
    let browser = std::env::var("CARGO_CFG_TARGET_ARCH").is_ok_and(|a| a == "wasm32")
        && std::env::var_os("CARGO_FEATURE_EMBED_PROSE").is_none();
    if browser {
        let prose: Vec<(String, Vec<String>)> = library
            .tutorials
            .iter_mut()
            .map(|t| {
                let texts = t.prose_mut().into_iter().map(std::mem::take).collect();
                (t.file.clone(), texts)
            })
            .collect();
        let json = prose_json(&prose);
        let name = format!("tutorials-{:016x}.json", fnv1a(json.as_bytes()));
        std::fs::write(out.join(&name), json).expect("OUT_DIR is writable");
        println!("cargo:rustc-env=SDL_TUTORIAL_PROSE={name}");
    }
    std::fs::write(out.join("embedded.bin"), engine::codec::encode(&library))
        .expect("OUT_DIR is writable");
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| format!("# unreadable: {e}\n!"))
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
/// `[["file", ["prose", …]], …]` as JSON (read back by the app's `prose::parse`).
fn prose_json(prose: &[(String, Vec<String>)]) -> String {
    use engine::json::{strings, Value};
    let files = prose
        .iter()
        .map(|(file, texts)| Value::Array(vec![Value::from(file.as_str()), strings(texts)]))
        .collect();
    Value::Array(files).to_compact()
}

/// FNV-1a, 64 bits: names the prose file after its text.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
    })
}
