//! The compact binary form in which `build.rs` embeds the tutorial files (the `raw`
//! types) and `content::library()` reads them back on first use. Generated Rust
//! constructors for the same values compiled to several times more wasm than the text
//! they carry; as data, the bundle holds the text and one small reader.
//!
//! Layout: an unsigned integer is LEB128 (`i64` zigzag-encoded first), an `f64` its 8
//! little-endian bytes, a string its byte length and UTF-8 bytes, a `bool` or the tag of
//! an `Option`, `Result` or `RawParam` one byte, a `Vec` or `BTreeMap` its length and
//! then its items, a struct its fields in declaration order. Written and read by the
//! same build (`build.rs` includes this file), so the format carries no version.

use crate::raw::*;
use std::collections::BTreeMap;

/// What `build.rs` embeds: `series.toml`, then each tutorial file by its path relative
/// to `content/`. `Err` holds a file's TOML error, reported by the loader.
pub type Embedded = (
    Result<RawSeriesFile, String>,
    Vec<(String, Result<RawTutorial, String>)>,
);

/// Reads values from the embedded bytes. They were written by `build.rs` in the same
/// build, so malformed input is a bug there: reading past the end panics.
pub struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        Reader { bytes }
    }

    fn byte(&mut self) -> u8 {
        let (first, rest) = self
            .bytes
            .split_first()
            .expect("embedded content ends early");
        self.bytes = rest;
        *first
    }

    fn take(&mut self, n: usize) -> &'a [u8] {
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        head
    }

    fn uint(&mut self) -> u64 {
        let mut value = 0u64;
        let mut shift = 0;
        loop {
            let b = self.byte();
            value |= u64::from(b & 0x7f) << shift;
            if b < 0x80 {
                return value;
            }
            shift += 7;
        }
    }

    /// Whether every byte has been read.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }
}

fn write_uint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// A value in the embedded form.
pub trait Codec: Sized {
    fn encode(&self, out: &mut Vec<u8>);
    fn decode(r: &mut Reader<'_>) -> Self;
}

/// The bytes of `value`.
pub fn encode<T: Codec>(value: &T) -> Vec<u8> {
    let mut out = Vec::new();
    value.encode(&mut out);
    out
}

/// The value in `bytes`, which must hold exactly one.
pub fn decode<T: Codec>(bytes: &[u8]) -> T {
    let mut r = Reader::new(bytes);
    let value = T::decode(&mut r);
    assert!(r.is_empty(), "embedded content has bytes left over");
    value
}

impl Codec for String {
    fn encode(&self, out: &mut Vec<u8>) {
        write_uint(out, self.len() as u64);
        out.extend_from_slice(self.as_bytes());
    }
    fn decode(r: &mut Reader<'_>) -> Self {
        let n = r.uint() as usize;
        String::from(std::str::from_utf8(r.take(n)).expect("embedded text is UTF-8"))
    }
}

impl Codec for bool {
    fn encode(&self, out: &mut Vec<u8>) {
        out.push(u8::from(*self));
    }
    fn decode(r: &mut Reader<'_>) -> Self {
        r.byte() != 0
    }
}

impl Codec for u32 {
    fn encode(&self, out: &mut Vec<u8>) {
        write_uint(out, u64::from(*self));
    }
    fn decode(r: &mut Reader<'_>) -> Self {
        r.uint() as u32
    }
}

impl Codec for u64 {
    fn encode(&self, out: &mut Vec<u8>) {
        write_uint(out, *self);
    }
    fn decode(r: &mut Reader<'_>) -> Self {
        r.uint()
    }
}

impl Codec for i64 {
    fn encode(&self, out: &mut Vec<u8>) {
        write_uint(out, ((*self << 1) ^ (*self >> 63)) as u64);
    }
    fn decode(r: &mut Reader<'_>) -> Self {
        let z = r.uint();
        ((z >> 1) as i64) ^ -((z & 1) as i64)
    }
}

impl Codec for f64 {
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_le_bytes());
    }
    fn decode(r: &mut Reader<'_>) -> Self {
        let mut b = [0u8; 8];
        b.copy_from_slice(r.take(8));
        f64::from_le_bytes(b)
    }
}

impl<T: Codec> Codec for Option<T> {
    fn encode(&self, out: &mut Vec<u8>) {
        match self {
            None => out.push(0),
            Some(v) => {
                out.push(1);
                v.encode(out);
            }
        }
    }
    fn decode(r: &mut Reader<'_>) -> Self {
        (r.byte() != 0).then(|| T::decode(r))
    }
}

impl<T: Codec> Codec for Result<T, String> {
    fn encode(&self, out: &mut Vec<u8>) {
        match self {
            Ok(v) => {
                out.push(0);
                v.encode(out);
            }
            Err(e) => {
                out.push(1);
                e.encode(out);
            }
        }
    }
    fn decode(r: &mut Reader<'_>) -> Self {
        if r.byte() == 0 {
            Ok(T::decode(r))
        } else {
            Err(String::decode(r))
        }
    }
}

impl<T: Codec> Codec for Vec<T> {
    fn encode(&self, out: &mut Vec<u8>) {
        write_uint(out, self.len() as u64);
        for v in self {
            v.encode(out);
        }
    }
    fn decode(r: &mut Reader<'_>) -> Self {
        let n = r.uint() as usize;
        (0..n).map(|_| T::decode(r)).collect()
    }
}

impl<A: Codec, B: Codec> Codec for (A, B) {
    fn encode(&self, out: &mut Vec<u8>) {
        self.0.encode(out);
        self.1.encode(out);
    }
    fn decode(r: &mut Reader<'_>) -> Self {
        let a = A::decode(r);
        (a, B::decode(r))
    }
}

impl<V: Codec> Codec for BTreeMap<String, V> {
    fn encode(&self, out: &mut Vec<u8>) {
        write_uint(out, self.len() as u64);
        for (k, v) in self {
            k.encode(out);
            v.encode(out);
        }
    }
    fn decode(r: &mut Reader<'_>) -> Self {
        // Inserted one by one (the keys come sorted): collecting would sort them again
        // with one more copy of the sort code in the bundle.
        let mut map = BTreeMap::new();
        for _ in 0..r.uint() {
            let k = String::decode(r);
            map.insert(k, V::decode(r));
        }
        map
    }
}

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
    fn decode(r: &mut Reader<'_>) -> Self {
        match r.byte() {
            0 => RawParam::Bool(bool::decode(r)),
            1 => RawParam::Int(i64::decode(r)),
            2 => RawParam::Float(f64::decode(r)),
            _ => RawParam::Text(String::decode(r)),
        }
    }
}

/// `codec_struct!(Type { field, … })`: the fields in this order, which must be the
/// struct's own so that `build.rs` and the reader agree.
macro_rules! codec_struct {
    ($ty:ident { $($field:ident),* $(,)? }) => {
        impl Codec for $ty {
            fn encode(&self, out: &mut Vec<u8>) {
                $( self.$field.encode(out); )*
            }
            fn decode(r: &mut Reader<'_>) -> Self {
                $ty { $( $field: Codec::decode(r), )* }
            }
        }
    };
}

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
