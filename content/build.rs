//! Embeds every tutorial without shipping a TOML parser to the browser: parses
//! `series.toml` and each `tutorials/<series>/<nn>-<id>.toml` here (natively) into the
//! raw types of `src/raw.rs`, and writes them to `$OUT_DIR/embedded.bin` in the compact
//! form of `src/raw_codec.rs`, which the crate reads back on first use. A file that does not
//! parse is embedded as its error message, so the library reports it (with the file
//! name) instead of failing the build. Validation happens at run time in `load.rs`, the
//! same for every caller.
//!
//! For the browser (target wasm32, without the `embed-prose` feature) the tutorials'
//! prose (`RawTutorial::prose_mut`: step texts, hints, code, exercises, quiz text) is
//! left out of `embedded.bin` and written to `$OUT_DIR/tutorials-<hash>.json`, whose
//! name the crate gets as `SDL_TUTORIAL_PROSE`; `scripts/postbuild.py` copies it beside
//! the page, which loads it when a tutorial opens (`content::provide_prose`). The hash
//! of the text is in the name, so a page never reads another build's prose.

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
    let mut tutorials = tutorials;
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("set by cargo"));
    let browser = std::env::var("CARGO_CFG_TARGET_ARCH").is_ok_and(|a| a == "wasm32")
        && std::env::var_os("CARGO_FEATURE_EMBED_PROSE").is_none();
    if browser {
        let prose: Vec<(String, Vec<String>)> = tutorials
            .iter_mut()
            .filter_map(|(file, t)| {
                let t = t.as_mut().ok()?;
                let texts = t.prose_mut().into_iter().map(std::mem::take).collect();
                Some((file.clone(), texts))
            })
            .collect();
        let json = prose_json(&prose);
        let name = format!("tutorials-{:016x}.json", fnv1a(json.as_bytes()));
        std::fs::write(out.join(&name), json).expect("OUT_DIR is writable");
        println!("cargo:rustc-env=SDL_TUTORIAL_PROSE={name}");
    }
    println!("cargo:rerun-if-env-changed=CARGO_FEATURE_EMBED_PROSE");
    let embedded: raw_codec::Embedded = (series, tutorials);
    std::fs::write(out.join("embedded.bin"), codec::encode(&embedded))
        .expect("OUT_DIR is writable");
}

/// `[["file", ["prose", …]], …]` as JSON, with `</` written `<\/` so the text can sit
/// in the single-file build's data block as it is.
fn prose_json(prose: &[(String, Vec<String>)]) -> String {
    fn string(s: &str, out: &mut String) {
        out.push('"');
        let mut prev = '\0';
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\t' => out.push_str("\\t"),
                '\r' => out.push_str("\\r"),
                '/' if prev == '<' => out.push_str("\\/"),
                c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
                c => out.push(c),
            }
            prev = c;
        }
        out.push('"');
    }
    let mut out = String::from("[");
    for (i, (file, texts)) in prose.iter().enumerate() {
        if i > 0 {
            out.push_str(",\n");
        }
        out.push('[');
        string(file, &mut out);
        out.push_str(",[");
        for (j, t) in texts.iter().enumerate() {
            if j > 0 {
                out.push(',');
            }
            string(t, &mut out);
        }
        out.push_str("]]");
    }
    out.push_str("]\n");
    out
}

/// FNV-1a, 64 bits: names the prose file after its text.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
    })
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
