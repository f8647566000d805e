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
pub mod load;
pub mod model;
pub mod raw;
mod raw_codec;

pub use error::ContentError;
pub use load::Library;
pub use model::*;

use std::sync::OnceLock;

/// The files as `build.rs` parsed them, in the form of `raw_codec`.
static EMBEDDED: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/embedded.bin"));

/// The file beside the page that holds the tutorials' prose, when this build left it
/// out of the embedded library: the browser build, where it was a third of the data in
/// the wasm (`build.rs`). `None` when the prose is embedded: native builds, and the
/// app's tests (feature `embed-prose`).
pub const PROSE_FILE: Option<&str> = option_env!("SDL_TUTORIAL_PROSE");

/// The library with its prose, once `provide_prose` has put it back.
static WITH_PROSE: OnceLock<Library> = OnceLock::new();

/// The embedded library (read and validated on first use). Content that failed
/// validation is left out and listed in `errors()`; the native tests keep that list empty.
/// Without its prose until `provide_prose` (see `has_prose`).
pub fn library() -> &'static Library {
    static LIB: OnceLock<Library> = OnceLock::new();
    if let Some(lib) = WITH_PROSE.get() {
        return lib;
    }
    LIB.get_or_init(|| {
        let (series, files) = embedded();
        let prose = match PROSE_FILE {
            Some(_) => load::Prose::Pending,
            None => load::Prose::Present,
        };
        load_files(series, files, prose)
    })
}

/// Whether every tutorial's prose is in `library()`: always, except in the browser
/// build before `provide_prose`.
pub fn has_prose() -> bool {
    PROSE_FILE.is_none() || WITH_PROSE.get().is_some()
}

/// Puts the tutorials' prose back into the library: `files` is what `PROSE_FILE` holds,
/// each embedded file's path with its prose strings in `RawTutorial::prose_mut`'s order.
/// Refused (the library stays as it was) when they do not fit this build's tutorials.
pub fn provide_prose(files: Vec<(String, Vec<String>)>) -> Result<(), String> {
    if has_prose() {
        return Ok(());
    }
    let (series, embedded) = embedded();
    let lib = load_files(series, with_prose(embedded, files)?, load::Prose::Present);
    // Set once; a second call found `has_prose()` true above.
    let _ = WITH_PROSE.set(lib);
    Ok(())
}

/// The embedded files: `series.toml`, then each tutorial file by its path.
fn embedded() -> raw_codec::Embedded {
    // Written by `build.rs` in this build with the same reader's field lists.
    codec::decode(EMBEDDED).expect("build.rs embeds the library in the codec form")
}

fn load_files(
    series: Result<raw::RawSeriesFile, String>,
    files: raw::RawFiles,
    prose: load::Prose,
) -> Library {
    let (names, tutorials): (Vec<String>, Vec<_>) = files.into_iter().unzip();
    load::load_raw_with(
        series,
        names.iter().map(String::as_str).zip(tutorials).collect(),
        prose,
    )
}

/// `files` (tutorials without prose) with the prose of `prose` filled in: the same
/// files in the same order, each with exactly as many strings as it has prose fields.
pub fn with_prose(
    mut files: raw::RawFiles,
    prose: Vec<(String, Vec<String>)>,
) -> Result<raw::RawFiles, String> {
    let parsed = files.iter().filter(|(_, t)| t.is_ok()).count();
    if prose.len() != parsed {
        return Err(format!(
            "it has the prose of {} tutorial files; this build has {parsed}",
            prose.len()
        ));
    }
    let mut prose = prose.into_iter();
    for (file, tutorial) in &mut files {
        let Ok(tutorial) = tutorial else { continue };
        let Some((path, texts)) = prose.next() else {
            break;
        };
        if path != *file {
            return Err(format!("it has `{path}` where this build has `{file}`"));
        }
        let fields = tutorial.prose_mut();
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
    Ok(files)
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

    /// The embedded files with their prose taken out, as `build.rs` does for the
    /// browser, and that prose.
    fn without_prose() -> (raw_codec::Embedded, Vec<(String, Vec<String>)>) {
        let (series, mut files) = embedded();
        let prose = files
            .iter_mut()
            .filter_map(|(file, t)| {
                let texts = t.as_mut().ok()?.prose_mut().into_iter().map(std::mem::take);
                Some((file.clone(), texts.collect()))
            })
            .collect();
        ((series, files), prose)
    }

    #[test]
    fn the_index_loads_without_prose_and_the_prose_restores_the_library() {
        let ((series, files), prose) = without_prose();
        let chars: usize = prose.iter().flat_map(|(_, p)| p).map(String::len).sum();
        assert!(chars > 50_000, "only {chars} bytes of prose");

        let index = load_files(series.clone(), files.clone(), load::Prose::Pending);
        assert!(index.errors.is_empty(), "{:?}", index.errors);
        assert_eq!(index.series, library().series);
        assert_eq!(index.tutorials.len(), library().tutorials.len());
        for (bare, full) in index.tutorials.iter().zip(&library().tutorials) {
            let index_of = |t: &Tutorial| {
                let steps: Vec<_> = t
                    .steps
                    .iter()
                    .map(|s| (s.title.clone(), s.kind, s.action.clone(), s.expect.clone()))
                    .collect();
                (
                    t.id.clone(),
                    t.title.clone(),
                    t.minutes,
                    t.prerequisites.clone(),
                    steps,
                )
            };
            assert_eq!(index_of(bare), index_of(full));
            assert!(bare.steps.iter().all(|s| s.text.is_empty()), "{}", bare.id);
            assert!(bare.objectives.iter().all(String::is_empty), "{}", bare.id);
        }

        let restored = load_files(
            series,
            with_prose(files, prose).expect("this build's prose"),
            load::Prose::Present,
        );
        assert!(restored.errors.is_empty(), "{:?}", restored.errors);
        assert_eq!(restored.tutorials, library().tutorials);
    }

    #[test]
    fn prose_of_another_build_is_refused_with_the_reason() {
        let ((_, files), prose) = without_prose();

        let fewer = prose[1..].to_vec();
        let e = with_prose(files.clone(), fewer).unwrap_err();
        assert!(e.contains("tutorial files; this build has"), "{e}");

        let mut renamed = prose.clone();
        renamed[0].0 = "tutorials/elsewhere.toml".into();
        let e = with_prose(files.clone(), renamed).unwrap_err();
        assert!(
            e.contains("`tutorials/elsewhere.toml` where this build has"),
            "{e}"
        );

        let mut short = prose;
        short[2].1.pop();
        let e = with_prose(files, short).unwrap_err();
        assert!(e.contains("prose strings; this build's has"), "{e}");
    }
}
