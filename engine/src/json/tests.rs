//! The JSON reader's and writer's unit tests: what it accepts and refuses, and what it
//! writes, byte for byte.

use super::*;

#[test]
fn a_key_given_twice_is_refused_at_any_depth_with_where() {
    let ok = parse(r#"{"a": {"b": 1, "c": [{"d": 1}, {"d": 2}]}, "e": 2}"#).unwrap();
    assert_eq!(no_duplicate_keys(&ok), Ok(()));
    let top = parse(r#"{"a": 1, "a": 2}"#).unwrap();
    assert_eq!(no_duplicate_keys(&top), Err("duplicate field `a`".into()));
    let deep = parse(r#"{"t": {"x": [{"q": 1, "q": 2}]}}"#).unwrap();
    assert_eq!(
        no_duplicate_keys(&deep),
        Err("`t`: `x`: [0]: duplicate field `q`".into())
    );
}

fn err(text: &str) -> Error {
    parse(text).expect_err(text)
}

#[test]
fn values_parse_to_what_they_say() {
    let v = parse(" {\"a\": [1, -2, 3.5, 1e2, true, false, null, \"x\"], \"b\": {}} ").unwrap();
    assert_eq!(
        v,
        Value::Object(vec![
            (
                "a".into(),
                Value::Array(vec![
                    Value::Number(Number::Unsigned(1)),
                    Value::Number(Number::Negative(-2)),
                    Value::Number(Number::Float(3.5)),
                    Value::Number(Number::Float(100.0)),
                    Value::Bool(true),
                    Value::Bool(false),
                    Value::Null,
                    Value::String("x".into()),
                ])
            ),
            ("b".into(), Value::Object(vec![])),
        ])
    );
    assert_eq!(parse("[]").unwrap(), Value::Array(vec![]));
    assert_eq!(parse("\t\r\n 7 \n").unwrap(), Value::from(7u64));
}

#[test]
fn numbers_are_integers_or_floats_as_written() {
    let n = |t: &str| match parse(t).unwrap() {
        Value::Number(n) => n,
        v => panic!("{t}: {v:?}"),
    };
    assert_eq!(n("0"), Number::Unsigned(0));
    assert_eq!(n("18446744073709551615"), Number::Unsigned(u64::MAX));
    assert_eq!(
        n("18446744073709551616"),
        Number::Float(18446744073709551616.0)
    );
    assert_eq!(n("-9223372036854775808"), Number::Negative(i64::MIN));
    assert_eq!(
        n("-9223372036854775809"),
        Number::Float(-9223372036854775809.0)
    );
    assert_eq!(n("1.0"), Number::Float(1.0));
    assert_eq!(n("-0.5E-3"), Number::Float(-0.0005));
    assert_eq!(n("2e+3"), Number::Float(2000.0));
    assert!(matches!(n("-0"), Number::Float(z) if z == 0.0 && z.is_sign_negative()));
    assert_eq!(parse("1").unwrap().as_u64(), Ok(1));
    assert!(parse("1.0")
        .unwrap()
        .as_u64()
        .unwrap_err()
        .contains("invalid type: floating point `1.0`"));
    assert!(parse("-1")
        .unwrap()
        .as_u64()
        .unwrap_err()
        .contains("invalid value: integer `-1`"));
    assert!(parse("4294967296")
        .unwrap()
        .as_u32()
        .unwrap_err()
        .contains("4294967295"));
    assert!(parse("-1")
        .unwrap()
        .as_u32()
        .unwrap_err()
        .contains("invalid value: integer `-1`"));
    assert_eq!(parse("-3").unwrap().as_f64(), Ok(-3.0));
}

#[test]
fn strings_unescape_every_escape_and_surrogate_pairs() {
    let s = parse(r#""a\"b\\c\/d\be\ff\ng\rh\ti\u00e9\u2713\uD83D\uDE00\u0000""#).unwrap();
    assert_eq!(
        s,
        Value::String("a\"b\\c/d\u{8}e\u{c}f\ng\rh\ti\u{e9}\u{2713}\u{1F600}\0".into())
    );
    assert_eq!(parse("\"é✓😀\"").unwrap(), Value::from("é✓😀"));
    assert_eq!(
        parse(r#""\uD834\uDD1E""#).unwrap(),
        Value::from("\u{1D11E}")
    );
}

#[test]
fn every_error_names_what_is_wrong_and_where() {
    let cases: [(&str, &str, usize, usize); 28] = [
        ("", "expected a value, found end of input", 1, 1),
        ("   \n  ", "expected a value, found end of input", 2, 3),
        ("nul", "expected a value, found `n`", 1, 1),
        ("True", "expected a value, found `T`", 1, 1),
        ("[1,]", "trailing comma before `]`", 1, 4),
        ("{\"a\":1,}", "trailing comma before `}`", 1, 8),
        ("[1 2]", "expected `,` or `]`, found `2`", 1, 4),
        (
            "{\"a\" 1}",
            "expected `:` after the member name, found `1`",
            1,
            6,
        ),
        ("{\"a\":1 \"b\":2}", "expected `,` or `}`, found `\"`", 1, 8),
        (
            "{a:1}",
            "expected a member name (a string), found `a`",
            1,
            2,
        ),
        (
            "{1:1}",
            "expected a member name (a string), found `1`",
            1,
            2,
        ),
        ("[1", "expected `,` or `]`, found end of input", 1, 3),
        ("{\"a\":", "expected a value, found end of input", 1, 6),
        (
            "01",
            "a number may not start with 0 followed by digits",
            1,
            2,
        ),
        ("-", "expected a digit, found end of input", 1, 2),
        ("-a", "expected a digit, found `a`", 1, 2),
        (
            "1.",
            "expected a digit after the decimal point, found end of input",
            1,
            3,
        ),
        (
            "1.e5",
            "expected a digit after the decimal point, found `e`",
            1,
            3,
        ),
        (
            "1e",
            "expected a digit in the exponent, found end of input",
            1,
            3,
        ),
        ("1e400", "number 1e400 is out of range", 1, 1),
        ("\"abc", "unexpected end of input in a string", 1, 5),
        (
            "\"a\nb\"",
            "character U+000A in a string (control characters must be escaped)",
            1,
            3,
        ),
        ("\"\\x\"", "invalid escape: \\ followed by `x`", 1, 3),
        (
            "\"\\u12G4\"",
            "expected 4 hexadecimal digits after \\u, found `G`",
            1,
            6,
        ),
        ("\"\\uD83D\"", "unpaired surrogate \\uD83D", 1, 8),
        (
            "\"\\uD83D\\u0041\"",
            "unpaired surrogate \\uD83D (followed by \\u0041",
            1,
            2,
        ),
        (
            "\"\\uDE00\"",
            "unpaired surrogate \\uDE00 (a low surrogate",
            1,
            8,
        ),
        ("{} x", "unexpected `x` after the value", 1, 4),
    ];
    for (text, message, line, column) in cases {
        let e = err(text);
        assert!(e.message.starts_with(message), "{text:?}: {e}");
        assert_eq!((e.line, e.column), (line, column), "{text:?}: {e}");
        assert!(e
            .to_string()
            .ends_with(&format!("at line {line} column {column}")));
    }
    // Columns count characters, not bytes.
    let e = err("[\"é✓\", \n  \"😀\" x]");
    assert_eq!((e.line, e.column), (2, 7), "{e}");
    // Whitespace is only space, tab, CR and LF.
    assert!(err("\u{a0}1").message.contains("U+00A0"));
    assert!(err("\u{feff}{}").message.contains("found"));
}

#[test]
fn deep_nesting_is_refused_without_exhausting_the_stack() {
    let ok = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
    assert!(parse(&ok).is_ok());
    let deep = "[".repeat(MAX_DEPTH + 1) + &"]".repeat(MAX_DEPTH + 1);
    let e = err(&deep);
    assert!(e.message.contains("nested more than 128 levels"), "{e}");
    assert_eq!(e.column, MAX_DEPTH + 1);
    // Far deeper than any stack could recurse: refused at the same depth.
    for open in ["[", "{\"a\":"] {
        let huge = open.repeat(1_000_000);
        assert!(err(&huge).message.contains("nested more than"));
    }
}

#[test]
fn garbage_never_panics() {
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    let alphabet: Vec<char> = "{}[]\":,0123456789-+.eE \\/unltrfabsé😀\n\t\u{1}"
        .chars()
        .collect();
    for _ in 0..20_000 {
        let len = (x % 24) as usize;
        let text: String = (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                alphabet[(x % alphabet.len() as u64) as usize]
            })
            .collect();
        if let Ok(v) = parse(&text) {
            assert_eq!(parse(&v.to_compact()).as_ref(), Ok(&v), "{text:?}");
        }
    }
}

#[test]
fn floats_are_written_as_serde_json_wrote_them() {
    let fixture = include_str!("../../tests/fixtures/json/floats.txt");
    let mut n = 0;
    for line in fixture.lines() {
        let (bits, text) = line.split_once(' ').unwrap();
        let x = f64::from_bits(u64::from_str_radix(bits, 16).unwrap());
        assert_eq!(number_text(x), text, "{bits}");
        assert_eq!(Value::from(x).to_compact(), text);
        // And read back to the same bits.
        assert_eq!(
            parse(text).unwrap().as_f64().map(f64::to_bits),
            Ok(x.to_bits()),
            "{text}"
        );
        n += 1;
    }
    assert!(n > 1000, "{n} floats");
    assert_eq!(Value::from(f64::NAN), Value::Null);
    assert_eq!(number_text(f64::INFINITY), "null");
}

#[test]
fn strings_and_layout_are_written_as_serde_json_wrote_them() {
    let fixture = include_str!("../../tests/fixtures/json/strings.txt");
    let (compact, pretty) = fixture.split_once('\n').unwrap();
    let s: String =
        (0u32..0x80).filter_map(char::from_u32).collect::<String>() + "é✓😀\u{2028}\u{7f}";
    assert_eq!(quoted(&s), compact);
    assert_eq!(parse(compact).unwrap(), Value::String(s.clone()));
    let doc = Value::Object(vec![
        ("a".into(), Value::Array(vec![])),
        ("b".into(), Value::Object(vec![])),
        (
            "c".into(),
            Value::Array(vec![
                Value::from(1u64),
                Value::Object(vec![("d".into(), Value::Null)]),
            ]),
        ),
        ("e".into(), Value::String(s)),
    ]);
    assert_eq!(doc.to_pretty() + "\n", pretty);
    assert_eq!(parse(pretty).unwrap(), doc);
    assert_eq!(
        doc.to_compact(),
        format!("{{\"a\":[],\"b\":{{}},\"c\":[1,{{\"d\":null}}],\"e\":{compact}}}")
    );
}

#[test]
fn printing_and_parsing_round_trip() {
    let doc = parse(
        r#"{"z": [1, -1, 0.1, 1e-7, 123456789012345678, "line\nbreak", {"": []}], "a": {"b": {"c": [[], {}]}}, "z": null}"#,
    )
    .unwrap();
    for text in [doc.to_compact(), doc.to_pretty()] {
        assert_eq!(parse(&text).as_ref(), Ok(&doc), "{text}");
    }
    assert_eq!(
        doc.get("z"),
        Some(&Value::Null),
        "the last of a repeated key"
    );
    assert_eq!(doc.get("nope"), None);
    assert_eq!(Value::Null.get("z"), None);
}

#[test]
fn object_sorted_orders_keys_as_text() {
    let v = object_sorted(vec![
        ("2".into(), Value::Null),
        ("10".into(), Value::Null),
        ("b".into(), Value::Null),
        ("1".into(), Value::Null),
    ]);
    assert_eq!(v.to_compact(), r#"{"1":null,"10":null,"2":null,"b":null}"#);
}

#[test]
fn fields_refuse_unknown_and_missing_and_wrong_types() {
    let v = parse(r#"{"id": "x", "n": 3, "on": true, "n2": null}"#).unwrap();
    let f = Fields::of(&v, &["id", "n", "on", "n2", "later"]).unwrap();
    assert_eq!(f.read("id", Value::as_str), Ok("x"));
    assert_eq!(f.read("n", Value::as_u32), Ok(3));
    assert_eq!(f.read_or("later", 9, Value::as_u32), Ok(9));
    assert_eq!(
        f.read_or("n2", Some(1), |v| optional(v, Value::as_u64)),
        Ok(None)
    );
    assert_eq!(
        f.read("later", Value::as_u32),
        Err("missing field `later`".into())
    );
    assert_eq!(
        f.read("on", Value::as_str),
        Err("`on`: invalid type: boolean `true`, expected a string".into())
    );
    assert_eq!(
        f.read("id", Value::as_u64),
        Err("`id`: invalid type: string \"x\", expected a whole number".into())
    );
    let e = Fields::of(&v, &["id", "n", "on"]).err().unwrap();
    assert_eq!(e, "unknown field `n2`, expected one of `id`, `n`, `on`");
    assert_eq!(
        Fields::of(&v, &["id", "n"]).err().unwrap(),
        "unknown field `on`, expected `id` or `n`"
    );
    assert_eq!(
        Fields::of(&Value::from(1u64), &["id"]).err().unwrap(),
        "invalid type: integer `1`, expected a map"
    );
    let twice = parse(r#"{"id": "a", "id": "b"}"#).unwrap();
    let f = Fields::of(&twice, &["id"]).unwrap();
    assert_eq!(f.read("id", Value::as_str), Ok("b"));
    assert_eq!(
        no_duplicate_keys(&twice),
        Err("duplicate field `id`".into())
    );
    assert_eq!(no_duplicate_keys(&v), Ok(()));
}
