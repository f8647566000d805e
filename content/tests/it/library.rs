//! The embedded library: every file loads, every series has tutorials.

#[test]
fn embedded_content_has_no_errors() {
    let errors: Vec<String> = content::errors().iter().map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "content errors:\n{}", errors.join("\n"));
    assert!(!content::tutorials().is_empty());
    assert!(content::find("latency-baseline").is_some());
}

/// The embedded form (`build.rs` → `raw_codec` → `load_raw`) carries exactly what the files
/// say: loading the TOML files from disk gives the same library.
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
    use content::raw::{RawLab, RawParam};
    use engine::codec::{decode, encode};
    let lab = RawLab {
        system: Some("web ✓".into()),
        seed: Some(u64::MAX),
        speed: Some(-0.0),
        params: [
            ("a".to_string(), RawParam::Bool(true)),
            ("b".to_string(), RawParam::Int(i64::MIN)),
            ("c".to_string(), RawParam::Int(-1)),
            ("d".to_string(), RawParam::Float(f64::INFINITY)),
            ("e".to_string(), RawParam::Text(String::new())),
        ]
        .into_iter()
        .collect(),
    };
    assert_eq!(decode::<RawLab>(&encode(&lab)), Some(lab));
    let outcome: Result<Vec<Option<u32>>, String> = Err("TOML at byte 3: bad".into());
    assert_eq!(
        decode::<Result<Vec<Option<u32>>, String>>(&encode(&outcome)),
        Some(outcome)
    );
    let ok: Result<Vec<Option<u32>>, String> = Ok(vec![None, Some(0), Some(u32::MAX)]);
    assert_eq!(
        decode::<Result<Vec<Option<u32>>, String>>(&encode(&ok)),
        Some(ok)
    );
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
