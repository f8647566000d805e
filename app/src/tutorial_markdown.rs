//! A small, safe Markdown renderer for tutorial text: paragraphs, `#` headings, `-`/`1.`
//! lists, fenced code, and inline `code`, **strong**, *emphasis* and [links](https://…).
//! Everything becomes Leptos elements and text nodes; nothing is ever inserted as HTML,
//! so `<script>` in content is shown as the characters it is. Links are kept only when
//! they are `https://` or relative; others render as their text.
//!
//! (Written for the tutorial panel; to be folded into `crate::markdown` once that lands.)

use leptos::prelude::*;

/// A block of Markdown.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    Heading(Vec<Inline>),
    Paragraph(Vec<Inline>),
    List {
        ordered: bool,
        items: Vec<Vec<Inline>>,
    },
    Code {
        lang: String,
        text: String,
    },
}

/// A run of text inside a block.
#[derive(Debug, Clone, PartialEq)]
pub enum Inline {
    Text(String),
    Code(String),
    Strong(String),
    Em(String),
    Link { text: String, url: String },
}

/// Splits Markdown into blocks.
pub fn parse(src: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut para: Vec<&str> = Vec::new();
    let mut list: Option<(bool, Vec<String>)> = None;
    let mut lines = src.lines().peekable();
    let flush_para = |para: &mut Vec<&str>, blocks: &mut Vec<Block>| {
        if !para.is_empty() {
            blocks.push(Block::Paragraph(inlines(&para.join(" "))));
            para.clear();
        }
    };
    let flush_list = |list: &mut Option<(bool, Vec<String>)>, blocks: &mut Vec<Block>| {
        if let Some((ordered, items)) = list.take() {
            blocks.push(Block::List {
                ordered,
                items: items.iter().map(|i| inlines(i)).collect(),
            });
        }
    };
    while let Some(line) = lines.next() {
        let trimmed = line.trim();
        if let Some(lang) = trimmed.strip_prefix("```") {
            flush_para(&mut para, &mut blocks);
            flush_list(&mut list, &mut blocks);
            let mut text = Vec::new();
            for code in lines.by_ref() {
                if code.trim_start().starts_with("```") {
                    break;
                }
                text.push(code);
            }
            blocks.push(Block::Code {
                lang: lang.trim().to_string(),
                text: text.join("\n"),
            });
        } else if trimmed.is_empty() {
            flush_para(&mut para, &mut blocks);
            flush_list(&mut list, &mut blocks);
        } else if let Some(h) = heading(trimmed) {
            flush_para(&mut para, &mut blocks);
            flush_list(&mut list, &mut blocks);
            blocks.push(Block::Heading(inlines(h)));
        } else if let Some((ordered, item)) = list_item(trimmed) {
            flush_para(&mut para, &mut blocks);
            match &mut list {
                Some((o, items)) if *o == ordered => items.push(item.to_string()),
                _ => {
                    flush_list(&mut list, &mut blocks);
                    list = Some((ordered, vec![item.to_string()]));
                }
            }
        } else if let Some((_, items)) = &mut list {
            // A continuation line of the last item.
            if let Some(last) = items.last_mut() {
                last.push(' ');
                last.push_str(trimmed);
            }
        } else {
            para.push(trimmed);
        }
    }
    flush_para(&mut para, &mut blocks);
    flush_list(&mut list, &mut blocks);
    blocks
}

fn heading(line: &str) -> Option<&str> {
    let rest = line.trim_start_matches('#');
    let level = line.len() - rest.len();
    (1..=6).contains(&level).then_some(())?;
    rest.strip_prefix(' ').map(str::trim)
}

fn list_item(line: &str) -> Option<(bool, &str)> {
    if let Some(rest) = line.strip_prefix("- ").or_else(|| line.strip_prefix("* ")) {
        return Some((false, rest.trim()));
    }
    let digits = line.bytes().take_while(u8::is_ascii_digit).count();
    if digits > 0 && digits < 4 {
        if let Some(rest) = line[digits..].strip_prefix(". ") {
            return Some((true, rest.trim()));
        }
    }
    None
}

/// Splits a line of text into inline runs.
pub fn inlines(text: &str) -> Vec<Inline> {
    let mut out = Vec::new();
    let mut plain = String::new();
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        let found = match c {
            '`' => delimited(rest, "`").map(|(inner, after)| (Inline::Code(inner.into()), after)),
            '*' if rest.starts_with("**") => {
                delimited(rest, "**").map(|(inner, after)| (Inline::Strong(inner.into()), after))
            }
            '*' | '_' => delimited(rest, if c == '*' { "*" } else { "_" })
                .filter(|(inner, _)| !inner.starts_with(' '))
                .map(|(inner, after)| (Inline::Em(inner.into()), after)),
            '[' => link(rest),
            _ => None,
        };
        match found {
            Some((inline, after)) => {
                if !plain.is_empty() {
                    out.push(Inline::Text(std::mem::take(&mut plain)));
                }
                out.push(inline);
                rest = after;
            }
            None => {
                plain.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    if !plain.is_empty() {
        out.push(Inline::Text(plain));
    }
    out
}

/// `<d>inner<d>rest` → (inner, rest); inner must not be empty.
fn delimited<'a>(text: &'a str, d: &str) -> Option<(&'a str, &'a str)> {
    let body = text.strip_prefix(d)?;
    let end = body.find(d)?;
    (end > 0).then(|| (&body[..end], &body[end + d.len()..]))
}

fn link(text: &str) -> Option<(Inline, &str)> {
    let body = text.strip_prefix('[')?;
    let close = body.find("](")?;
    let label = &body[..close];
    let after = &body[close + 2..];
    let end = after.find(')')?;
    let url = after[..end].trim();
    let rest = &after[end + 1..];
    let inline = if safe_url(url) {
        Inline::Link {
            text: label.to_string(),
            url: url.to_string(),
        }
    } else {
        Inline::Text(label.to_string())
    };
    Some((inline, rest))
}

/// `https://…` or a relative link with no scheme.
pub fn safe_url(url: &str) -> bool {
    if let Some(rest) = url.strip_prefix("https://") {
        return !rest.is_empty() && !rest.contains(char::is_whitespace);
    }
    !url.is_empty()
        && !url.contains(':')
        && !url.starts_with("//")
        && !url.contains(char::is_whitespace)
}

/// Renders Markdown as elements and text nodes.
pub fn render(src: &str) -> impl IntoView {
    parse(src).into_iter().map(block_view).collect_view()
}

/// Renders one paragraph's worth of Markdown inline (for legends and short notes):
/// line breaks become spaces, block syntax is not interpreted.
pub fn render_inline(src: &str) -> impl IntoView {
    let joined: Vec<&str> = src.split_whitespace().collect();
    inline_views(inlines(&joined.join(" ")))
}

fn block_view(block: Block) -> AnyView {
    match block {
        Block::Heading(i) => view! { <h5>{inline_views(i)}</h5> }.into_any(),
        Block::Paragraph(i) => view! { <p>{inline_views(i)}</p> }.into_any(),
        Block::List { ordered, items } => {
            let items = items
                .into_iter()
                .map(|i| view! { <li>{inline_views(i)}</li> })
                .collect_view();
            if ordered {
                view! { <ol>{items}</ol> }.into_any()
            } else {
                view! { <ul>{items}</ul> }.into_any()
            }
        }
        Block::Code { lang, text } => code_view(&lang, &text).into_any(),
    }
}

/// A code block, labelled with its language for screen readers and scrollable by
/// keyboard.
pub fn code_view(lang: &str, text: &str) -> impl IntoView {
    let label = if lang.is_empty() {
        "Code".to_string()
    } else {
        format!("Code ({lang})")
    };
    view! {
        <pre class="md-code" tabindex="0" role="region" aria-label=label>
            <code data-lang=lang.to_string()>{text.to_string()}</code>
        </pre>
    }
}

fn inline_views(items: Vec<Inline>) -> impl IntoView {
    items
        .into_iter()
        .map(|i| match i {
            Inline::Text(t) => t.into_any(),
            Inline::Code(t) => view! { <code>{t}</code> }.into_any(),
            Inline::Strong(t) => view! { <strong>{t}</strong> }.into_any(),
            Inline::Em(t) => view! { <em>{t}</em> }.into_any(),
            Inline::Link { text, url } => view! { <a href=url>{text}</a> }.into_any(),
        })
        .collect_view()
}
