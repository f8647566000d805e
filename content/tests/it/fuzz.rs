//! Fuzzing the tutorial loader (issue 18, "Fuzzing that keeps it so"): the real tutorial
//! files and `series.toml`, mutated as text (truncation, byte flips, repeated and
//! deleted lines, odd unicode, deep nesting) and as TOML (values swapped for huge, odd
//! or wrongly typed ones, keys repeated, tables nested), must give an error or a
//! tutorial, never a panic; what loads is a tutorial the embedded library's compact form
//! carries exactly. Natively only (the TOML reader is native); `make fuzz` scales it with
//! `SDL_FUZZ_CASES` (see `fuzzkit`).

use crate::fuzzkit::{fuzz, Gen, ODD, SMOKE};
use content::load::{load, parse_series, parse_tutorial};
use content::{Series, Tutorial};
use engine::codec;
use std::path::Path;

/// Every tutorial file (`tutorials/<series>/<nn>-<id>.toml`, relative to `content/`)
/// with its text, and `series.toml`'s text.
fn sources() -> (Vec<(String, String)>, String) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    let mut dirs: Vec<_> = std::fs::read_dir(root.join("tutorials"))
        .expect("content/tutorials")
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    for dir in dirs {
        let mut paths: Vec<_> = std::fs::read_dir(&dir)
            .expect("a series folder")
            .map(|e| e.expect("a directory entry").path())
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        paths.sort();
        for p in paths {
            let rel = p.strip_prefix(root).expect("under content/");
            let rel = rel.to_string_lossy().replace('\\', "/");
            files.push((rel, std::fs::read_to_string(&p).expect("a tutorial file")));
        }
    }
    assert!(files.len() > 10, "{} tutorial files", files.len());
    let series = std::fs::read_to_string(root.join("series.toml")).expect("series.toml");
    (files, series)
}

/// Values a TOML document may hold where another was expected.
const VALUES: &[&str] = &[
    "0",
    "-1",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775809",
    "1e308",
    "1e400",
    "-0.0",
    "nan",
    "+inf",
    "-inf",
    "0x7fffffffffffffff",
    "0b1",
    "1_000",
    "true",
    "\"\"",
    "\"\\u0000\"",
    "\"\\uD800\"",
    "\"😀\"",
    "'''multi\nline'''",
    "\"\"\"\n\"\"\"",
    "[]",
    "[1, \"a\"]",
    "{}",
    "{ a = 1, a = 2 }",
    "1979-05-27T07:32:00Z",
    "07:32:00",
];

/// One line's value replaced, a line repeated or removed, a table repeated or nested:
/// mutations that keep the text TOML-shaped.
fn mutate_toml(g: &mut Gen, text: &str) -> String {
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    for _ in 0..g.range(1, 3) {
        if lines.is_empty() {
            break;
        }
        let i = g.below(lines.len());
        match g.below(8) {
            0 | 1 => {
                if let Some((key, _)) = lines[i].split_once(" = ") {
                    let value = if g.chance(0.8) {
                        g.pick(VALUES).to_string()
                    } else {
                        format!("\"{}\"", g.odd().replace(['"', '\\'], ""))
                    };
                    lines[i] = format!("{key} = {value}");
                }
            }
            2 => {
                let line = lines[i].clone();
                lines.insert(i, line);
            }
            3 => {
                lines.remove(i);
            }
            4 => {
                let depth = *g.pick(&[10, 100, 1000, 10_000]);
                let (open, close) = *g.pick(&[("[", "]"), ("{ a = ", " }")]);
                lines.insert(
                    i,
                    format!("deep = {}1{}", open.repeat(depth), close.repeat(depth)),
                );
            }
            5 => {
                let table = g.pick(&[
                    "[lab]",
                    "[[steps]]",
                    "[steps.action]",
                    "[steps.expect]",
                    "[[quiz]]",
                    "[a.b.c.d]",
                ]);
                lines.insert(i, table.to_string());
            }
            6 => {
                let key = g.pick(&[
                    "minutes",
                    "seed",
                    "speed",
                    "run_for_s",
                    "within_s",
                    "value",
                    "tolerance",
                ]);
                lines.insert(i, format!("{key} = {}", g.pick(VALUES)));
            }
            _ => {
                let odd = g.pick(ODD);
                let at = lines[i].len() / 2;
                let mut line = lines[i].clone();
                if line.is_char_boundary(at) {
                    line.insert_str(at, odd);
                }
                lines[i] = line;
            }
        }
    }
    let mut out = lines.join("\n");
    out.push('\n');
    out
}

/// A tutorial file as it is, mutated as TOML or as text, or noise.
fn tutorial_text(g: &mut Gen, files: &[(String, String)]) -> (String, String) {
    let (file, text) = g.pick(files);
    let text = match g.below(10) {
        0 => text.clone(),
        1..=5 => mutate_toml(g, text),
        6..=8 => g.mutate_text(text),
        _ => String::from_utf8_lossy(&g.bytes(200)).into_owned(),
    };
    // Sometimes under another name: the file's name must match its id and series.
    let file = if g.chance(0.05) {
        format!("tutorials/{}/{}.toml", g.word(8), g.word(10))
    } else {
        file.clone()
    };
    (file, text)
}

/// A tutorial that loaded: everything the loader promises holds, and the compact form
/// the library is embedded in carries it exactly.
fn check_tutorial(t: &Tutorial) {
    assert!(!t.steps.is_empty() && !t.quiz.is_empty());
    for (i, s) in t.steps.iter().enumerate() {
        assert_eq!(s.number, i + 1);
        s.lab_config().expect("a loaded step builds its lab");
        for c in &s.expect.conditions {
            content::check::validate_condition(c).expect("a loaded condition is valid");
        }
    }
    let bytes = codec::encode(t);
    let back: Tutorial = codec::decode(&bytes).expect("a tutorial decodes");
    assert_eq!(&back, t);
}

#[test]
fn fuzz_tutorial_loader() {
    let (files, series_text) = sources();
    let series: Vec<Series> = parse_series("series.toml", &series_text).expect("series.toml loads");
    fuzz(
        "content::tutorial",
        // A case parses a tutorial file and builds the lab of each of its steps.
        SMOKE / 2,
        |g| tutorial_text(g, &files),
        |(file, text)| match parse_tutorial(file, text, &series) {
            Ok(t) => {
                check_tutorial(&t);
                true
            }
            Err(errors) => {
                assert!(!errors.is_empty());
                for e in &errors {
                    assert_eq!(&e.file, file);
                    assert!(!e.message.is_empty(), "{e:?}");
                }
                false
            }
        },
    );
}

#[test]
fn fuzz_series_and_library() {
    let (files, series_text) = sources();
    fuzz(
        "content::series",
        // A case loads a library of up to three tutorial files.
        SMOKE / 10,
        |g| {
            let series = match g.below(3) {
                0 => series_text.clone(),
                1 => mutate_toml(g, &series_text),
                _ => g.mutate_text(&series_text),
            };
            // A few tutorial files, some of them broken, some twice.
            let picked: Vec<(String, String)> = (0..g.range(0, 4))
                .map(|_| {
                    let (file, text) = g.pick(&files).clone();
                    if g.chance(0.5) {
                        (file, mutate_toml(g, &text))
                    } else {
                        (file, text)
                    }
                })
                .collect();
            (series, picked)
        },
        |(series, picked)| {
            let parsed = parse_series("series.toml", series);
            let refs: Vec<(&str, &str)> = picked
                .iter()
                .map(|(f, t)| (f.as_str(), t.as_str()))
                .collect();
            let lib = load(series, &refs);
            for t in &lib.tutorials {
                check_tutorial(t);
            }
            assert!(lib.tutorials.len() <= picked.len());
            if let Ok(s) = &parsed {
                assert_eq!(&lib.series, s);
            }
            parsed.is_ok()
        },
    );
}
