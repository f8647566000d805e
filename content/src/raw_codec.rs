//! The tutorial files (the `raw` types) in the compact form of `engine::codec`, in
//! which `build.rs` embeds them and `content::library()` reads them back on first use.
//! Generated Rust constructors for the same values compiled to several times more wasm
//! than the text they carry; as data, the bundle holds the text and one small reader.
//! `build.rs` includes this file and `engine/src/codec.rs` (as `codec`), so both ends
//! expand the same field lists.

use crate::codec::{Codec, Reader};
use crate::raw::*;

/// What `build.rs` embeds: `series.toml`, then each tutorial file by its path relative
/// to `content/`. `Err` holds a file's TOML error, reported by the loader.
pub type Embedded = (
    Result<RawSeriesFile, String>,
    Vec<(String, Result<RawTutorial, String>)>,
);

impl Codec for RawParam {
    fn encode(&self, out: &mut Vec<u8>) {
        match self {
            RawParam::Bool(b) => {
                out.push(0);
                b.encode(out);
            }
            RawParam::Int(i) => {
                out.push(1);
                i.encode(out);
            }
            RawParam::Float(f) => {
                out.push(2);
                f.encode(out);
            }
            RawParam::Text(s) => {
                out.push(3);
                s.encode(out);
            }
        }
    }
    fn decode(r: &mut Reader<'_>) -> Option<Self> {
        Some(match r.byte()? {
            0 => RawParam::Bool(bool::decode(r)?),
            1 => RawParam::Int(i64::decode(r)?),
            2 => RawParam::Float(f64::decode(r)?),
            3 => RawParam::Text(String::decode(r)?),
            _ => return None,
        })
    }
}

use crate::codec::codec_struct;

codec_struct!(RawSeriesFile { series });
codec_struct!(RawSeries {
    id,
    title,
    summary,
    order
});
codec_struct!(RawTutorial {
    id,
    series,
    title,
    objectives,
    prerequisites,
    minutes,
    lab,
    steps,
    code,
    exercises,
    quiz,
    reading
});
codec_struct!(RawLab {
    system,
    seed,
    speed,
    params
});
codec_struct!(RawStep {
    title,
    kind,
    text,
    action,
    expect,
    hints
});
codec_struct!(RawAction {
    system,
    seed,
    speed,
    scenarios,
    mitigations,
    params,
    run_for_s
});
codec_struct!(RawExpect {
    conditions,
    within_s,
    at_end
});
codec_struct!(RawCode {
    language,
    title,
    source
});
codec_struct!(RawExercise { prompt, solution });
codec_struct!(RawQuestion {
    kind,
    prompt,
    choices,
    value,
    tolerance,
    unit,
    explanation
});
codec_struct!(RawChoice {
    text,
    correct,
    explanation
});
codec_struct!(RawReading { title, url });
