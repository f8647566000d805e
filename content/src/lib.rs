//! Systems Design Lab tutorials as data: the format (`content/README.md`), the library
//! embedded at compile time from `content/series.toml` and `content/tutorials/` (parsed
//! by `build.rs` and embedded as compact data, `codec`, so the browser gets no TOML
//! parser), its validation (`load`) and the step checker (`check`).
//!
//! ```no_run
//! let t = content::find("latency-baseline").expect("exists");
//! let step = &t.steps[0];
//! let mut lab = engine::Lab::new(&step.lab_config().unwrap()).unwrap();
//! lab.run_until(step.action.run_for_ns());
//! ```

pub mod check;
use engine::codec;
pub mod error;
pub mod gameday;
pub mod load;
pub mod model;
mod model_codec;
pub mod raw;

pub use error::ContentError;
pub use load::Library;
pub use model::*;

use std::sync::OnceLock;

/// The library as `build.rs` loaded and validated it, in the form of `model_codec`.
static EMBEDDED: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/embedded.bin"));

/// The file beside the page that holds the tutorials' prose, when this build left it
/// out of the embedded library: the browser build, where it was a third of the data in
/// the wasm (`build.rs`). `None` when the prose is embedded: native builds, and the
/// app's tests (feature `embed-prose`).
pub const PROSE_FILE: Option<&str> = option_env!("SDL_TUTORIAL_PROSE");

/// The library with its prose, once `provide_prose` has put it back.
static WITH_PROSE: OnceLock<Library> = OnceLock::new();

/// The embedded library (read on first use). Content that failed validation is left
/// out and listed in `errors()`; the native tests keep that list empty. Without its
/// prose until `provide_prose` (see `has_prose`).
pub fn library() -> &'static Library {
    static LIB: OnceLock<Library> = OnceLock::new();
    if let Some(lib) = WITH_PROSE.get() {
        return lib;
    }
    LIB.get_or_init(embedded)
}

/// The embedded library.
fn embedded() -> Library {
    // Written by `build.rs` in this build with the same field lists.
    codec::decode(EMBEDDED).expect("build.rs embeds the library in the codec form")
}

/// Whether every tutorial's prose is in `library()`: always, except in the browser
/// build before `provide_prose`.
pub fn has_prose() -> bool {
    PROSE_FILE.is_none() || WITH_PROSE.get().is_some()
}

/// Puts the tutorials' prose back into the library: `files` is what `PROSE_FILE` holds,
/// each tutorial's file with its prose strings in `Tutorial::prose_mut`'s order.
/// Refused (the library stays as it was) when they do not fit this build's tutorials.
pub fn provide_prose(files: Vec<(String, Vec<String>)>) -> Result<(), String> {
    if has_prose() {
        return Ok(());
    }
    // Decoded again rather than cloned: once per page, and the reader is already in the
    // bundle where `Clone` for every tutorial type would not be.
    let mut lib = embedded();
    fill_prose(&mut lib.tutorials, files)?;
    // Set once; a second call found `has_prose()` true above.
    let _ = WITH_PROSE.set(lib);
    Ok(())
}

/// Fills the prose of `tutorials` (left empty by `build.rs`) from `prose`: the same
/// files in the same order, each with exactly as many strings as it has prose fields.
/// On error `tutorials` may be partly filled.
pub fn fill_prose(
    tutorials: &mut [Tutorial],
    prose: Vec<(String, Vec<String>)>,
) -> Result<(), String> {
    if prose.len() != tutorials.len() {
        return Err(format!(
            "it has the prose of {} tutorials; this build has {}",
            prose.len(),
            tutorials.len()
        ));
    }
    for (t, (file, texts)) in tutorials.iter_mut().zip(prose) {
        if file != t.file {
            return Err(format!("it has `{file}` where this build has `{}`", t.file));
        }
        let fields = t.prose_mut();
        if fields.len() != texts.len() {
            return Err(format!(
                "`{file}` has {} prose strings; this build's has {} fields",
                texts.len(),
                fields.len()
            ));
        }
        for (field, text) in fields.into_iter().zip(texts) {
            *field = text;
        }
    }
    Ok(())
}

/// Every series, in index order.
pub fn series() -> &'static [Series] {
    &library().series
}

/// Every tutorial, by series order then number.
pub fn tutorials() -> &'static [Tutorial] {
    &library().tutorials
}

/// The tutorials of one series, in order.
pub fn tutorials_in(series_id: &str) -> impl Iterator<Item = &'static Tutorial> + '_ {
    tutorials().iter().filter(move |t| t.series == series_id)
}

/// The tutorial with this id.
pub fn find(id: &str) -> Option<&'static Tutorial> {
    tutorials().iter().find(|t| t.id == id)
}

/// Problems in the embedded content (empty in a release: the tests fail otherwise).
pub fn errors() -> &'static [ContentError] {
    &library().errors
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The library with its prose taken out, as `build.rs` does for the browser, and
    /// that prose.
    fn without_prose() -> (Vec<Tutorial>, Vec<(String, Vec<String>)>) {
        let mut tutorials = library().tutorials.clone();
        let prose = tutorials
            .iter_mut()
            .map(|t| {
                let texts = t.prose_mut().into_iter().map(std::mem::take).collect();
                (t.file.clone(), texts)
            })
            .collect();
        (tutorials, prose)
    }

    #[test]
    fn the_prose_goes_and_comes_back_to_the_same_tutorials() {
        let (mut bare, prose) = without_prose();
        let bytes: usize = prose.iter().flat_map(|(_, p)| p).map(String::len).sum();
        assert!(bytes > 50_000, "only {bytes} bytes of prose");
        for (b, full) in bare.iter().zip(&library().tutorials) {
            // What the index and the step checker need stays.
            assert_eq!(
                (&b.id, &b.title, b.minutes),
                (&full.id, &full.title, full.minutes)
            );
            for (s, f) in b.steps.iter().zip(&full.steps) {
                assert_eq!(
                    (&s.title, s.kind, &s.action, &s.expect),
                    (&f.title, f.kind, &f.action, &f.expect)
                );
                assert!(
                    s.text.is_empty() && s.hints.iter().all(String::is_empty),
                    "{}",
                    b.id
                );
            }
            assert!(b.objectives.iter().all(String::is_empty), "{}", b.id);
        }
        fill_prose(&mut bare, prose).expect("this build's prose");
        assert_eq!(bare, library().tutorials);
    }

    #[test]
    fn prose_of_another_build_is_refused_with_the_reason() {
        let (bare, prose) = without_prose();

        let e = fill_prose(&mut bare.clone(), prose[1..].to_vec()).unwrap_err();
        assert!(e.contains("tutorials; this build has"), "{e}");

        let mut renamed = prose.clone();
        renamed[0].0 = "tutorials/elsewhere.toml".into();
        let e = fill_prose(&mut bare.clone(), renamed).unwrap_err();
        assert!(
            e.contains("`tutorials/elsewhere.toml` where this build has"),
            "{e}"
        );

        let mut short = prose;
        short[2].1.pop();
        let e = fill_prose(&mut bare.clone(), short).unwrap_err();
        assert!(e.contains("prose strings; this build's has"), "{e}");
    }
}
