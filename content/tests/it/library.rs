//! The embedded library: every file loads, every series has tutorials.

#[test]
fn embedded_content_has_no_errors() {
    let errors: Vec<String> = content::errors().iter().map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "content errors:\n{}", errors.join("\n"));
    assert!(!content::tutorials().is_empty());
    assert!(content::find("latency-baseline").is_some());
}

/// The embedded form (`build.rs` loads and validates, `model_codec` carries the result)
/// holds exactly what the files say: loading the TOML files from disk gives the same
/// library.
#[cfg(not(target_arch = "wasm32"))]
#[test]
fn embedded_library_equals_the_files_on_disk() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut paths = Vec::new();
    let mut dirs = vec![root.join("tutorials")];
    while let Some(dir) = dirs.pop() {
        for e in std::fs::read_dir(&dir)
            .expect("tutorials/ is readable")
            .flatten()
        {
            let p = e.path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "toml") {
                paths.push(p);
            }
        }
    }
    paths.sort();
    let files: Vec<(String, String)> = paths
        .iter()
        .map(|p| {
            let rel = p.strip_prefix(root).expect("under content/");
            let rel = rel.to_string_lossy().replace('\\', "/");
            (rel, std::fs::read_to_string(p).expect("readable"))
        })
        .collect();
    let borrowed: Vec<(&str, &str)> = files
        .iter()
        .map(|(f, t)| (f.as_str(), t.as_str()))
        .collect();
    let series = std::fs::read_to_string(root.join("series.toml")).expect("readable");
    let from_disk = content::load::load(&series, &borrowed);
    let embedded = content::library();
    assert_eq!(from_disk.series, embedded.series);
    assert_eq!(from_disk.tutorials, embedded.tutorials);
    assert_eq!(from_disk.errors, embedded.errors);
    assert_eq!(embedded.tutorials.len(), paths.len());
}

/// Every kind of value survives the embedded form, edge cases included.
#[test]
fn the_codec_round_trips_every_kind_of_value() {
    use content::{Action, Answer, Choice, ContentError, Question};
    use engine::codec::{decode, encode};
    let action = Action {
        system: "web ✓".into(),
        seed: u64::MAX,
        speed: -0.0,
        scenarios: vec![String::new(), "retry-storm".into()],
        mitigations: vec![],
        params: vec![
            ("a".into(), "true".into()),
            ("b".into(), "-9223372036854775808".into()),
        ],
        run_for_s: f64::INFINITY,
    };
    assert_eq!(decode::<Action>(&encode(&action)), Some(action));
    for answer in [
        Answer::Single(vec![Choice {
            text: "x".into(),
            correct: true,
            explanation: String::new(),
        }]),
        Answer::Multiple(vec![]),
        Answer::Numeric {
            value: f64::MIN_POSITIVE,
            tolerance: 0.0,
            unit: "ms".into(),
            explanation: "é".into(),
        },
    ] {
        let q = Question {
            number: usize::MAX,
            prompt: "p".into(),
            answer,
        };
        assert_eq!(decode::<Question>(&encode(&q)), Some(q));
    }
    let e = ContentError::new("tutorials/x.toml", "quiz[2]", "bad").at_step(3);
    assert_eq!(decode::<ContentError>(&encode(&e)), Some(e));
}

/// The index order: series by `order` (then id), tutorials by their series' position and
/// then their number.
#[test]
fn series_and_tutorials_are_in_index_order() {
    let series = content::series();
    for w in series.windows(2) {
        assert!((w[0].order, &w[0].id) < (w[1].order, &w[1].id), "{w:?}");
    }
    let position = |id: &str| series.iter().position(|s| s.id == id).expect("known");
    let keys: Vec<(usize, u32)> = content::tutorials()
        .iter()
        .map(|t| (position(&t.series), t.number))
        .collect();
    assert!(keys.windows(2).all(|w| w[0] < w[1]), "{keys:?}");
}
