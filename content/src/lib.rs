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

/// The embedded library (read and validated on first use). Content that failed
/// validation is left out and listed in `errors()`; the native tests keep that list empty.
pub fn library() -> &'static Library {
    static LIB: OnceLock<Library> = OnceLock::new();
    LIB.get_or_init(|| {
        // Written by `build.rs` in this build with the same reader's field lists.
        let (series, files): raw_codec::Embedded =
            codec::decode(EMBEDDED).expect("build.rs embeds the library in the codec form");
        let (names, tutorials): (Vec<String>, Vec<_>) = files.into_iter().unzip();
        load::load_raw(
            series,
            names.iter().map(String::as_str).zip(tutorials).collect(),
        )
    })
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
