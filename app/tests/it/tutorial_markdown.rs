//! The tutorial Markdown renderer: blocks and inline runs parse as written, links other
//! than https/relative are dropped to text, and HTML in content is shown, never run.

use leptos::prelude::*;
use sdl_app::tutorial_markdown::{inlines, parse, render, safe_url, Block, Inline};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::wasm_bindgen_test;

#[wasm_bindgen_test]
fn blocks_parse_as_written() {
    let src = "# Title\n\nFirst line\nsecond line.\n\n- a\n- b\n  more b\n\n1. one\n2. two\n\n```rust\nlet x = 1;\n\nlet y = 2;\n```\nafter";
    let blocks = parse(src);
    assert_eq!(
        blocks,
        vec![
            Block::Heading(vec![Inline::Text("Title".into())]),
            Block::Paragraph(vec![Inline::Text("First line second line.".into())]),
            Block::List {
                ordered: false,
                items: vec![
                    vec![Inline::Text("a".into())],
                    vec![Inline::Text("b more b".into())]
                ]
            },
            Block::List {
                ordered: true,
                items: vec![
                    vec![Inline::Text("one".into())],
                    vec![Inline::Text("two".into())]
                ]
            },
            Block::Code {
                lang: "rust".into(),
                text: "let x = 1;\n\nlet y = 2;".into()
            },
            Block::Paragraph(vec![Inline::Text("after".into())]),
        ]
    );
}

#[wasm_bindgen_test]
fn inline_runs_and_links() {
    assert_eq!(
        inlines("p99 **above 400 ms**, see `rate()` and *the* [SRE book](https://sre.google/) or [x](javascript:alert(1))"),
        vec![
            Inline::Text("p99 ".into()),
            Inline::Strong("above 400 ms".into()),
            Inline::Text(", see ".into()),
            Inline::Code("rate()".into()),
            Inline::Text(" and ".into()),
            Inline::Em("the".into()),
            Inline::Text(" ".into()),
            Inline::Link {
                text: "SRE book".into(),
                url: "https://sre.google/".into()
            },
            Inline::Text(" or ".into()),
            Inline::Text("x".into()),
            Inline::Text(")".into()),
        ]
    );
    // Unclosed markers and a lone star stay text; multi-byte text is kept whole.
    assert_eq!(
        inlines("2 * 3 = 6, `open, λ ≈ 200"),
        vec![Inline::Text("2 * 3 = 6, `open, λ ≈ 200".into())]
    );
}

#[wasm_bindgen_test]
fn only_https_and_relative_links_are_kept() {
    for ok in [
        "https://example.org/a",
        "docs/cli.md",
        "#top",
        "?tutorial=x&step=2",
    ] {
        assert!(safe_url(ok), "{ok}");
    }
    for bad in [
        "javascript:alert(1)",
        "http://example.org",
        "data:text/html,x",
        "//evil.example",
        "",
        "https://",
    ] {
        assert!(!safe_url(bad), "{bad}");
    }
}

#[wasm_bindgen_test]
fn html_in_content_is_shown_as_text() {
    let root: web_sys::HtmlElement = document().create_element("div").unwrap().unchecked_into();
    document().body().unwrap().append_child(&root).unwrap();
    let src = "<script>window.pwned = 1</script> and <img src=x onerror=alert(1)>\n\n```\n<b>code</b>\n```";
    let _handle = leptos::mount::mount_to(root.clone(), move || render(src).into_any());
    assert_eq!(
        root.query_selector_all("script, img, b").unwrap().length(),
        0
    );
    let text = root.text_content().unwrap();
    assert!(text.contains("<script>window.pwned = 1</script>"), "{text}");
    assert!(text.contains("<b>code</b>"), "{text}");
    root.remove();
}
