//! The embedded library: every file loads, every series has tutorials.

#[test]
fn embedded_content_has_no_errors() {
    let errors: Vec<String> = content::errors().iter().map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "content errors:\n{}", errors.join("\n"));
    assert!(!content::tutorials().is_empty());
    assert!(content::find("latency-baseline").is_some());
}
