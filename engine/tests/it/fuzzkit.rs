//! A small structured fuzzer for the readers of outside input, shared by the engine's,
//! the host's and the content crate's `fuzz` tests (they include this file by path).
//! Cases are generated from the engine's own portable RNG (`engine::rng`), so a run is
//! the same on every machine and a failing case is named by its target, seed and index.
//!
//! - `fuzz(target, smoke, gen, check)`: generates `cases(smoke)` inputs with `gen` and
//!   runs `check` on each; a panic prints the target, the case and the input (`Debug`),
//!   then fails the test. Prints `fuzz <target>: <n> cases` (`make fuzz` adds them up).
//! - `SDL_FUZZ_CASES=N`: a target of ordinary cost runs N cases, a costlier one fewer in
//!   proportion to its smoke count (default: the smoke count, what `cargo test` runs);
//!   `SDL_FUZZ_SEED=S` picks another stream of cases.
//! - `Gen`: numbers, words, odd text (unicode, controls, escapes, huge numbers) and
//!   mutations of valid documents (truncation, byte flips, repeated and deleted slices,
//!   inserted odd text, deep nesting).

#![allow(dead_code)]

use engine::rng::Xoshiro256PlusPlus;
use std::fmt::Debug;
use std::panic::{self, AssertUnwindSafe};

/// The smoke count of a target of ordinary cost; costlier targets have smaller ones.
pub const SMOKE: u64 = 3000;

/// Cases a target runs: its smoke count, or with `SDL_FUZZ_CASES=N` N for a target of
/// ordinary cost and proportionally fewer for a costlier one (`N * smoke / SMOKE`).
pub fn cases(smoke: u64) -> u64 {
    match std::env::var("SDL_FUZZ_CASES") {
        Ok(v) => {
            let n: u64 = v.trim().parse().unwrap_or_else(|_| {
                panic!("SDL_FUZZ_CASES=`{v}`: expected a whole number of cases per target")
            });
            (n.saturating_mul(smoke) / SMOKE).max(1)
        }
        Err(_) => smoke,
    }
}

fn base_seed() -> u64 {
    match std::env::var("SDL_FUZZ_SEED") {
        Ok(v) => v
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("SDL_FUZZ_SEED=`{v}`: expected a whole number")),
        Err(_) => 0x5d1_f022,
    }
}

/// FNV-1a of the target's name: each target draws its own stream.
fn name_hash(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Runs `check` on `cases(smoke)` inputs made by `gen`; returns how many ran. `check`
/// says whether the reader accepted the input: a generator whose inputs are (nearly)
/// all accepted or all refused tests one side only, so from 500 cases on each side must
/// have at least 2 % of them.
pub fn fuzz<T: Debug>(
    target: &str,
    smoke: u64,
    mut gen: impl FnMut(&mut Gen) -> T,
    mut check: impl FnMut(&T) -> bool,
) -> u64 {
    let n = cases(smoke);
    let seed = base_seed();
    let mut g = Gen::new(seed ^ name_hash(target));
    let mut accepted = 0;
    for i in 0..n {
        let input = gen(&mut g);
        match panic::catch_unwind(AssertUnwindSafe(|| check(&input))) {
            Ok(ok) => accepted += u64::from(ok),
            Err(e) => {
                eprintln!(
                    "fuzz {target}: case {i} of {n} (SDL_FUZZ_SEED={seed}) failed on input:\n{input:?}"
                );
                panic::resume_unwind(e);
            }
        }
    }
    println!(
        "fuzz {target}: {n} cases ({accepted} accepted, {} refused)",
        n - accepted
    );
    if n >= 500 {
        let least = n / 50;
        assert!(
            accepted >= least && n - accepted >= least,
            "fuzz {target}: {accepted} of {n} inputs accepted; the generator should make both kinds"
        );
    }
    n
}

/// Text that readers trip over: unicode of every width, controls, escapes, numbers at
/// and past every limit, words of the formats.
pub const ODD: &[&str] = &[
    "",
    " ",
    "\t",
    "\n",
    "\r\n",
    "\0",
    "\u{7f}",
    "\u{a0}",
    "\u{feff}",
    "\u{200b}",
    "\u{202e}",
    "\u{fffd}",
    "\u{ffff}",
    "\u{10ffff}",
    "é",
    "e\u{301}",
    "ß",
    "İ",
    "日本",
    "😀",
    "👩‍👩‍👧",
    "\u{1F1FA}\u{1F1F8}",
    "%",
    "%%",
    "%0",
    "%00",
    "%zz",
    "%FF",
    "%C3%28",
    "%E2%82%AC",
    "%F0%9F%98%80",
    "+",
    "&",
    "=",
    "?",
    "#",
    ",",
    ".",
    "..",
    ":",
    ";",
    "\\",
    "\\u",
    "\\uD800",
    "\\uDC00",
    "\\ud83d\\ude00",
    "\"",
    "'",
    "`",
    "{",
    "}",
    "[",
    "]",
    "(",
    ")",
    "<",
    ">",
    "/",
    "*",
    "-",
    "0",
    "-0",
    "00",
    "01",
    "1",
    "-1",
    "0.5",
    ".5",
    "5.",
    "1e3",
    "1E-7",
    "1e",
    "1e+",
    "1e999",
    "-1e999",
    "1e-999",
    "4.9e-324",
    "1.7976931348623157e308",
    "NaN",
    "nan",
    "inf",
    "-inf",
    "Infinity",
    "4294967295",
    "4294967296",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775808",
    "-9223372036854775809",
    "18446744073709551615",
    "18446744073709551616",
    "99999999999999999999999999999999",
    "0x10",
    "1_000",
    "true",
    "false",
    "null",
    "yes",
    "max",
    "web",
    "queue",
];

/// The case generator: a seeded xoshiro256++ stream with helpers.
pub struct Gen {
    rng: Xoshiro256PlusPlus,
}

impl Gen {
    pub fn new(seed: u64) -> Gen {
        Gen {
            rng: Xoshiro256PlusPlus::stream(seed, 0xf022),
        }
    }

    pub fn u64(&mut self) -> u64 {
        self.rng.next_u64()
    }

    /// A number in `0..n` (0 for `n == 0`).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            self.rng.below(n as u64) as usize
        }
    }

    /// A number in `lo..=hi`.
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.rng.chance(p)
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// A number mostly small, sometimes at a limit.
    pub fn number(&mut self) -> u64 {
        match self.below(6) {
            0 => self.below(10) as u64,
            1 => self.below(1000) as u64,
            2 => *self.pick(&[
                u64::from(u32::MAX),
                u64::from(u32::MAX) + 1,
                i64::MAX as u64,
                u64::MAX,
                u64::MAX - 1,
                1 << 53,
            ]),
            _ => self.u64() >> self.below(64),
        }
    }

    /// Any finite or not float, bit patterns included.
    pub fn float(&mut self) -> f64 {
        match self.below(5) {
            0 => *self.pick(&[
                0.0,
                -0.0,
                1.0,
                0.1,
                f64::MIN_POSITIVE,
                5e-324,
                f64::MAX,
                f64::MIN,
                f64::EPSILON,
                1e16,
                1e-7,
                f64::NAN,
                f64::INFINITY,
                f64::NEG_INFINITY,
            ]),
            1 => f64::from_bits(self.u64()),
            2 => self.below(1000) as f64 / 8.0,
            _ => (self.rng.next_f64() - 0.5) * 10f64.powi(self.below(40) as i32 - 20),
        }
    }

    /// A finite float.
    pub fn finite(&mut self) -> f64 {
        let x = self.float();
        if x.is_finite() {
            x
        } else {
            self.below(100) as f64
        }
    }

    /// Lower-case letters, digits, `-` and `_`.
    pub fn word(&mut self, max: usize) -> String {
        const CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789-_";
        let n = self.range(1, max.max(1));
        (0..n).map(|_| *self.pick(CHARS) as char).collect()
    }

    /// One of `ODD`, or a run of random characters.
    pub fn odd(&mut self) -> String {
        if self.chance(0.8) {
            return self.pick(ODD).to_string();
        }
        let n = self.range(1, 8);
        (0..n)
            .map(|_| match self.below(4) {
                0 => char::from(self.below(0x80) as u8),
                1 => char::from_u32(self.below(0x800) as u32).unwrap_or('?'),
                2 => char::from_u32(self.below(0x11_0000) as u32).unwrap_or('\u{fffd}'),
                _ => *self.pick(&['a', '0', ' ', '%', '&', '=', '.', '"', '\\']),
            })
            .collect()
    }

    /// A value for a text field: usually a word or a number, sometimes odd text, a long
    /// run or a mixture.
    pub fn text(&mut self) -> String {
        match self.below(8) {
            0..=2 => self.word(12),
            3 => self.number().to_string(),
            4 | 5 => self.odd(),
            6 => {
                let unit = self.odd();
                unit.repeat(self.range(2, 300))
            }
            _ => format!("{}{}{}", self.word(4), self.odd(), self.word(4)),
        }
    }

    /// `s` with one to three mutations; whatever the bytes become is read as UTF-8 with
    /// replacement characters (the readers take `&str`).
    pub fn mutate_text(&mut self, s: &str) -> String {
        String::from_utf8_lossy(&self.mutate_bytes(s.as_bytes())).into_owned()
    }

    /// `b` with one to three mutations: cut short, a byte flipped or set to a limit, a
    /// slice deleted, repeated or moved, odd text inserted, deep nesting wrapped around.
    pub fn mutate_bytes(&mut self, b: &[u8]) -> Vec<u8> {
        let mut out = b.to_vec();
        for _ in 0..self.range(1, 3) {
            let len = out.len();
            let at = self.below(len + 1);
            match self.below(10) {
                0 => out.truncate(at),
                1 if len > 0 => {
                    let i = self.below(len);
                    out[i] ^= 1 << self.below(8);
                }
                2 if len > 0 => {
                    let i = self.below(len);
                    out[i] = *self.pick(&[0, 0x7f, 0x80, 0xbf, 0xc0, 0xff, b'"', b'\\', b'%']);
                }
                3 => {
                    let end = self.range(at, len.min(at + 16));
                    out.drain(at..end);
                }
                4 | 5 => {
                    let end = self.range(at, len.min(at + 64));
                    let slice = out[at..end].to_vec();
                    let times = self.range(1, 3);
                    for _ in 0..times {
                        out.splice(at..at, slice.iter().copied());
                    }
                }
                6 | 7 => {
                    let odd = self.odd();
                    out.splice(at..at, odd.bytes());
                }
                8 => {
                    let depth = *self.pick(&[2, 64, 127, 128, 129, 300, 5000]);
                    let (open, close) =
                        *self.pick(&[("[", "]"), ("{", "}"), ("(", ")"), ("-", "")]);
                    let end = self.range(at, len);
                    out.splice(end..end, close.repeat(depth).bytes());
                    out.splice(at..at, open.repeat(depth).bytes());
                }
                _ => {
                    let n = self.range(1, 8);
                    let noise: Vec<u8> = (0..n).map(|_| self.u64() as u8).collect();
                    out.splice(at..at, noise);
                }
            }
        }
        out
    }

    /// Random bytes, up to `max`.
    pub fn bytes(&mut self, max: usize) -> Vec<u8> {
        let n = self.below(max + 1);
        (0..n).map(|_| self.u64() as u8).collect()
    }
}
