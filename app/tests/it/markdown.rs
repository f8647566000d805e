//! The Markdown renderer: what it reads, and that it never makes HTML from text or a
//! link to anything but http(s) and relative addresses.

use leptos::prelude::*;
use sdl_app::markdown::{
    inline, parse, render, render_inline, render_with, safe_href, Block, Inline, TEXT_HEADINGS,
};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::wasm_bindgen_test;

fn text(s: &str) -> Inline {
    Inline::Text(s.to_string())
}

#[wasm_bindgen_test]
fn blocks_are_read() {
    let doc = "# Title\n\nA *para* with `code`\nover two lines.\n\n- one\n- two\n  continued\n\n1. first\n2. second\n\n```text\n a ──▶ b\n```\n\n| k | v |\n|---|---|\n| `x` | 1 |\n";
    let blocks = parse(doc);
    assert_eq!(blocks[0], Block::Heading(1, vec![text("Title")]));
    assert_eq!(
        blocks[1],
        Block::Paragraph(vec![
            text("A "),
            Inline::Emphasis(vec![text("para")]),
            text(" with "),
            Inline::Code("code".into()),
            text(" over two lines."),
        ])
    );
    assert_eq!(
        blocks[2],
        Block::List {
            ordered: false,
            items: vec![vec![text("one")], vec![text("two continued")]]
        }
    );
    assert!(matches!(&blocks[3], Block::List { ordered: true, items } if items.len() == 2));
    assert_eq!(
        blocks[4],
        Block::Code {
            lang: "text".into(),
            text: " a ──▶ b".into()
        }
    );
    match &blocks[5] {
        Block::Table { head, rows } => {
            assert_eq!(head.len(), 2);
            assert_eq!(rows[0][0], vec![Inline::Code("x".into())]);
        }
        other => panic!("not a table: {other:?}"),
    }
    assert_eq!(blocks.len(), 6);
}

#[wasm_bindgen_test]
fn emphasis_leaves_snake_case_and_lone_stars_alone() {
    assert_eq!(
        inline("client_timeout_ms and a * b"),
        vec![text("client_timeout_ms and a * b")]
    );
    assert_eq!(
        inline("**strong** _em_"),
        vec![
            Inline::Strong(vec![text("strong")]),
            text(" "),
            Inline::Emphasis(vec![text("em")])
        ]
    );
    // Unclosed markers stay as written.
    assert_eq!(inline("`open and **open"), vec![text("`open and **open")]);
}

#[wasm_bindgen_test]
fn only_safe_links_become_links() {
    for ok in [
        "https://example.org/x",
        "http://a.b",
        "?view=catalog&item=x",
        "#part",
        "page.html",
        "./a/b",
        "/a:b",
    ] {
        assert!(safe_href(ok), "{ok}");
    }
    for bad in [
        "javascript:alert(1)",
        " JavaScript:alert(1)",
        "java\tscript:x",
        "data:text/html,x",
        "vbscript:x",
        "//evil.example",
        "mailto:a@b",
        "",
    ] {
        assert!(!safe_href(bad), "{bad}");
    }
    assert_eq!(
        inline("[go](javascript:alert(1)) [ok](?view=catalog)"),
        vec![
            text("go"),
            text(") "),
            Inline::Link {
                href: "?view=catalog".into(),
                children: vec![text("ok")]
            }
        ]
    );
}

#[wasm_bindgen_test]
fn html_in_the_text_stays_text() {
    let document = document();
    let host = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&host).unwrap();
    let src = "<img src=x onerror=alert(1)> **<b>bold</b>**\n\n```\n<script>alert(1)</script>\n```\n\n[<i>x</i>](javascript:alert(1))";
    let handle = leptos::mount::mount_to(host.clone().unchecked_into(), move || render(src));
    assert_eq!(
        host.query_selector_all("img, b, script, i")
            .unwrap()
            .length(),
        0
    );
    assert!(host
        .text_content()
        .unwrap()
        .contains("<img src=x onerror=alert(1)>"));
    assert!(host
        .text_content()
        .unwrap()
        .contains("<script>alert(1)</script>"));
    assert_eq!(host.query_selector_all("a").unwrap().length(), 0);
    assert_eq!(host.query_selector_all("strong").unwrap().length(), 1);
    drop(handle);
    host.remove();
}

#[wasm_bindgen_test]
fn tutorial_prose_headings_nest_and_inline_text_stays_one_line() {
    let document = document();
    let host = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&host).unwrap();
    let handle = leptos::mount::mount_to(host.clone().unchecked_into(), move || {
        view! {
            <div class="a">{render_with("# Step\n\n```rust\nlet x = 1;\n```", TEXT_HEADINGS)}</div>
            <p class="b">{render_inline("p99 above\n**400 ms**\n\n# not a heading")}</p>
        }
    });
    let a = host.query_selector(".a").unwrap().unwrap();
    assert_eq!(a.query_selector_all("h5").unwrap().length(), 1);
    assert_eq!(a.query_selector_all("h1").unwrap().length(), 0);
    let code = a.query_selector("pre code").unwrap().unwrap();
    assert_eq!(code.get_attribute("data-lang").as_deref(), Some("rust"));
    let b = host.query_selector(".b").unwrap().unwrap();
    assert_eq!(b.query_selector_all("h1, h5, p").unwrap().length(), 0);
    assert_eq!(b.query_selector_all("strong").unwrap().length(), 1);
    assert_eq!(
        b.text_content().unwrap(),
        "p99 above 400 ms # not a heading"
    );
    drop(handle);
    host.remove();
}
