//! A compact binary form for values the same build writes and reads: the tutorials
//! `sdl-content`'s `build.rs` embeds, and the messages between the page and the engine's
//! Web Worker. Serde's derives with a text format compiled to several times more wasm
//! than this, for values that never leave the build that wrote them.
//!
//! Layout: an unsigned integer is LEB128 (`i64` zigzag-encoded first), an `f64` its 8
//! little-endian bytes (NaN and infinities as they are), a string its byte length and
//! UTF-8 bytes, a `bool` or the tag of an `Option`, `Result` or enum one byte, a `Vec`,
//! array or `BTreeMap` its length and then its items, a struct its fields in the order
//! `codec_struct!` lists them. Both ends are the same build, so the format carries no
//! version. Reading never panics: bytes that do not hold a value give `None`.
//!
//! Self-contained (only `std`), so `sdl-content`'s build script includes this file.

use std::collections::BTreeMap;

/// The most a `Vec` reserves before its items decode (see `Vec::decode`).
const MAX_RESERVE_BYTES: usize = 64 * 1024;

/// Reads values from bytes; every read checks what is left.
pub struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        Reader { bytes }
    }

    pub fn byte(&mut self) -> Option<u8> {
        let (first, rest) = self.bytes.split_first()?;
        self.bytes = rest;
        Some(*first)
    }

    pub fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if n > self.bytes.len() {
            return None;
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Some(head)
    }

    pub fn uint(&mut self) -> Option<u64> {
        let mut value = 0u64;
        let mut shift = 0;
        loop {
            let b = self.byte()?;
            if shift >= 64 {
                return None;
            }
            value |= u64::from(b & 0x7f) << shift;
            if b < 0x80 {
                return Some(value);
            }
            shift += 7;
        }
    }

    /// A length: at most the bytes left, since every item takes at least one.
    pub fn len(&mut self) -> Option<usize> {
        let n = usize::try_from(self.uint()?).ok()?;
        (n <= self.bytes.len()).then_some(n)
    }

    /// Whether every byte has been read.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }
}

pub fn write_uint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// A value in the compact form.
pub trait Codec: Sized {
    fn encode(&self, out: &mut Vec<u8>);
    fn decode(r: &mut Reader<'_>) -> Option<Self>;
}

/// The bytes of `value`.
pub fn encode<T: Codec>(value: &T) -> Vec<u8> {
    let mut out = Vec::new();
    value.encode(&mut out);
    out
}

/// The value in `bytes`, which must hold exactly one; `None` when they do not.
pub fn decode<T: Codec>(bytes: &[u8]) -> Option<T> {
    let mut r = Reader::new(bytes);
    let value = T::decode(&mut r)?;
    r.is_empty().then_some(value)
}

impl Codec for String {
    fn encode(&self, out: &mut Vec<u8>) {
        write_uint(out, self.len() as u64);
        out.extend_from_slice(self.as_bytes());
    }
    fn decode(r: &mut Reader<'_>) -> Option<Self> {
        let n = r.len()?;
        std::str::from_utf8(r.take(n)?).ok().map(String::from)
    }
}

impl Codec for bool {
    fn encode(&self, out: &mut Vec<u8>) {
        out.push(u8::from(*self));
    }
    fn decode(r: &mut Reader<'_>) -> Option<Self> {
        Some(r.byte()? != 0)
    }
}

/// Unsigned integers, as LEB128; a value too big for the type does not decode.
macro_rules! codec_uint {
    ($($ty:ty),*) => {$(
        impl Codec for $ty {
            fn encode(&self, out: &mut Vec<u8>) {
                write_uint(out, *self as u64);
            }
            fn decode(r: &mut Reader<'_>) -> Option<Self> {
                <$ty>::try_from(r.uint()?).ok()
            }
        }
    )*};
}
codec_uint!(u32, u64, usize);

impl Codec for i64 {
    fn encode(&self, out: &mut Vec<u8>) {
        write_uint(out, ((*self << 1) ^ (*self >> 63)) as u64);
    }
    fn decode(r: &mut Reader<'_>) -> Option<Self> {
        let z = r.uint()?;
        Some(((z >> 1) as i64) ^ -((z & 1) as i64))
    }
}

impl Codec for f64 {
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_le_bytes());
    }
    fn decode(r: &mut Reader<'_>) -> Option<Self> {
        let b: [u8; 8] = r.take(8)?.try_into().ok()?;
        Some(f64::from_le_bytes(b))
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
    fn decode(r: &mut Reader<'_>) -> Option<Self> {
        match r.byte()? {
            0 => Some(None),
            1 => T::decode(r).map(Some),
            _ => None,
        }
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
    fn decode(r: &mut Reader<'_>) -> Option<Self> {
        match r.byte()? {
            0 => T::decode(r).map(Ok),
            1 => String::decode(r).map(Err),
            _ => None,
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
    fn decode(r: &mut Reader<'_>) -> Option<Self> {
        let n = r.len()?;
        // A length is only known to be at most the bytes left, each item's value may be
        // a hundred times larger: reserving it all let a few MB of bad bytes ask for GBs
        // (on wasm32 past `isize::MAX`, a panic). Reserve a little; the rest grows as
        // items actually decode.
        let mut out =
            Vec::with_capacity(n.min(MAX_RESERVE_BYTES / std::mem::size_of::<T>().max(1)));
        for _ in 0..n {
            out.push(T::decode(r)?);
        }
        Some(out)
    }
}

impl<T: Codec, const N: usize> Codec for [T; N] {
    fn encode(&self, out: &mut Vec<u8>) {
        for v in self {
            v.encode(out);
        }
    }
    fn decode(r: &mut Reader<'_>) -> Option<Self> {
        let mut items = Vec::with_capacity(N);
        for _ in 0..N {
            items.push(T::decode(r)?);
        }
        items.try_into().ok()
    }
}

impl<A: Codec, B: Codec> Codec for (A, B) {
    fn encode(&self, out: &mut Vec<u8>) {
        self.0.encode(out);
        self.1.encode(out);
    }
    fn decode(r: &mut Reader<'_>) -> Option<Self> {
        let a = A::decode(r)?;
        Some((a, B::decode(r)?))
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
    fn decode(r: &mut Reader<'_>) -> Option<Self> {
        // Inserted one by one (the keys come sorted): collecting would sort them again
        // with one more copy of the sort code in the bundle.
        let mut map = BTreeMap::new();
        for _ in 0..r.len()? {
            let k = String::decode(r)?;
            map.insert(k, V::decode(r)?);
        }
        Some(map)
    }
}

/// `codec_struct!(Type { field, … })`: a struct as its fields in this order (both ends
/// of the form expand the same list).
#[macro_export]
macro_rules! codec_struct {
    ($ty:ident { $($field:ident),* $(,)? }) => {
        impl $crate::codec::Codec for $ty {
            fn encode(&self, out: &mut Vec<u8>) {
                $( $crate::codec::Codec::encode(&self.$field, out); )*
            }
            fn decode(r: &mut $crate::codec::Reader<'_>) -> Option<Self> {
                Some($ty { $( $field: $crate::codec::Codec::decode(r)?, )* })
            }
        }
    };
}

/// `codec_enum!(Type { Unit, Tuple(a, b), Struct { x, y }, … })`: an enum as the index
/// of its variant in this list (one byte), then the variant's fields in order. The
/// names in a tuple variant only bind its fields. The list must name every variant (a
/// match checks it), in an order both ends share.
#[macro_export]
macro_rules! codec_enum {
    ($ty:ident { $( $variant:ident $( ( $($t:ident),+ ) )? $( { $($f:ident),+ } )? ),* $(,)? }) => {
        #[allow(unused_variables)]
        const _: fn(&$ty) = |v| match v {
            $( $ty::$variant $( ( $($t),+ ) )? $( { $($f),+ } )? => {} ),*
        };
        impl $crate::codec::Codec for $ty {
            #[allow(unused_assignments, irrefutable_let_patterns)]
            fn encode(&self, out: &mut Vec<u8>) {
                let mut tag = 0u8;
                $(
                    if let $ty::$variant $( ( $($t),+ ) )? $( { $($f),+ } )? = self {
                        out.push(tag);
                        $( $( $crate::codec::Codec::encode($t, out); )+ )?
                        $( $( $crate::codec::Codec::encode($f, out); )+ )?
                        return;
                    }
                    tag += 1;
                )*
            }
            #[allow(unused_assignments)]
            fn decode(r: &mut $crate::codec::Reader<'_>) -> Option<Self> {
                let want = r.byte()?;
                let mut tag = 0u8;
                $(
                    if want == tag {
                        return Some($ty::$variant
                            $( ( $( $crate::codec::__field!($t, r) ),+ ) )?
                            $( { $( $f: $crate::codec::Codec::decode(r)? ),+ } )?
                        );
                    }
                    tag += 1;
                )*
                None
            }
        }
    };
}

/// One field of a tuple variant, decoded (`codec_enum!`'s helper: the name is unused).
#[doc(hidden)]
#[macro_export]
macro_rules! __codec_field {
    ($t:ident, $r:ident) => {
        $crate::codec::Codec::decode($r)?
    };
}

pub use crate::__codec_field as __field;
pub use crate::{codec_enum, codec_struct};

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, PartialEq)]
    enum Shape {
        Dot,
        Line(u64, String),
        Box { w: f64, tags: Vec<String> },
    }
    crate::codec_enum!(Shape {
        Dot,
        Line(a, b),
        Box { w, tags }
    });

    #[derive(Debug, Clone, PartialEq)]
    struct Drawing {
        name: String,
        shapes: Vec<Shape>,
    }
    crate::codec_struct!(Drawing { name, shapes });

    #[test]
    fn enums_and_structs_come_back() {
        let d = Drawing {
            name: "d".into(),
            shapes: vec![
                Shape::Line(7, "x".into()),
                Shape::Dot,
                Shape::Box {
                    w: 2.5,
                    tags: vec!["a".into()],
                },
            ],
        };
        assert_eq!(decode::<Drawing>(&encode(&d)), Some(d));
        assert_eq!(encode(&Shape::Dot), [0]);
        assert!(decode::<Shape>(&[3]).is_none(), "no fourth variant");
    }

    type Mixed = (Vec<Option<f64>>, BTreeMap<String, (u64, i64)>);

    #[test]
    fn values_come_back_and_broken_bytes_give_none() {
        let value: Mixed = (
            vec![Some(f64::NAN), None, Some(f64::NEG_INFINITY), Some(-0.5)],
            [
                ("a".to_string(), (u64::MAX, i64::MIN)),
                ("é".into(), (0, -1)),
            ]
            .into_iter()
            .fold(BTreeMap::new(), |mut m, (k, v)| {
                m.insert(k, v);
                m
            }),
        );
        let bytes = encode(&value);
        let back: Mixed = decode(&bytes).expect("decodes");
        assert!(back.0[0].unwrap().is_nan());
        assert_eq!(back.0[1..], value.0[1..]);
        assert_eq!(back.1, value.1);
        // Every truncation, a byte too many and a huge length are refused, never a panic.
        for cut in 0..bytes.len() {
            assert!(decode::<Mixed>(&bytes[..cut]).is_none());
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(decode::<Mixed>(&longer).is_none());
        assert!(decode::<Vec<u64>>(&[0xff, 0xff, 0xff, 0xff, 0x0f]).is_none());
        assert!(decode::<u64>(&[0xff; 11]).is_none());
        assert!(decode::<u32>(&encode(&(u64::from(u32::MAX) + 1))).is_none());
        assert!(decode::<String>(&[2, 0xc3, 0x28]).is_none(), "not UTF-8");
        assert!(decode::<Option<bool>>(&[7]).is_none(), "no such tag");
    }
}
