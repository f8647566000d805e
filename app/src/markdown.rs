//! A small Markdown reader for the catalogue's and tutorials' prose: headings,
//! paragraphs, lists, code spans, fenced code, emphasis, links and tables. It builds
//! views node by node — text is always text, never HTML — and a link is kept only if it
//! is http(s) or relative (`javascript:`, `data:` and other schemes become plain text).
//!
//! `parse` gives the blocks (pure, no web APIs); `render` turns them into a view.

use leptos::prelude::*;

/// A piece of running text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inline {
    Text(String),
    Code(String),
    Strong(Vec<Inline>),
    Emphasis(Vec<Inline>),
    /// A link with a safe target.
    Link {
        href: String,
        children: Vec<Inline>,
    },
}

/// A block of a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// Level 1..=6.
    Heading(u8, Vec<Inline>),
    Paragraph(Vec<Inline>),
    List {
        ordered: bool,
        items: Vec<Vec<Inline>>,
    },
    /// Fenced code (its info string, e.g. `text`, and its lines as written).
    Code {
        lang: String,
        text: String,
    },
    Table {
        head: Vec<Vec<Inline>>,
        rows: Vec<Vec<Vec<Inline>>>,
    },
}

/// True for targets a link may have: `http://`, `https://`, or relative (`./x`,
/// `?view=catalog`, `#part`, `page.html`) — never another scheme.
pub fn safe_href(href: &str) -> bool {
    let h = href.trim();
    if h.is_empty() || h.chars().any(|c| c.is_control() || c == '\\') {
        return false;
    }
    let lower = h.to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") {
        return true;
    }
    // A scheme is letters, digits, + - . before the first `:` ahead of any / ? #.
    match h.find([':', '/', '?', '#']) {
        Some(i) => h.as_bytes()[i] != b':' && !h.starts_with("//"),
        None => true,
    }
}

/// Reads Markdown into blocks.
pub fn parse(src: &str) -> Vec<Block> {
    let lines: Vec<&str> = src.lines().collect();
    let mut blocks = Vec::new();
    let mut para: Vec<&str> = Vec::new();
    let flush = |para: &mut Vec<&str>, blocks: &mut Vec<Block>| {
        if !para.is_empty() {
            blocks.push(Block::Paragraph(inline(&para.join(" "))));
            para.clear();
        }
    };
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let t = line.trim_start();
        if let Some(fence) = ["```", "~~~"].into_iter().find(|f| t.starts_with(f)) {
            flush(&mut para, &mut blocks);
            let lang = t[fence.len()..].trim().to_string();
            let mut text = Vec::new();
            i += 1;
            while i < lines.len() && !lines[i].trim_start().starts_with(fence) {
                text.push(lines[i]);
                i += 1;
            }
            blocks.push(Block::Code {
                lang,
                text: text.join("\n"),
            });
            i += 1;
            continue;
        }
        if t.is_empty() {
            flush(&mut para, &mut blocks);
            i += 1;
            continue;
        }
        let hashes = t.bytes().take_while(|b| *b == b'#').count();
        if (1..=6).contains(&hashes) && t[hashes..].starts_with(' ') {
            flush(&mut para, &mut blocks);
            blocks.push(Block::Heading(hashes as u8, inline(t[hashes..].trim())));
            i += 1;
            continue;
        }
        if let Some((ordered, _)) = list_marker(t) {
            flush(&mut para, &mut blocks);
            let mut items: Vec<String> = Vec::new();
            while i < lines.len() {
                let l = lines[i].trim_start();
                match list_marker(l) {
                    Some((o, rest)) if o == ordered => items.push(rest.to_string()),
                    // An indented line continues the item above.
                    None if !l.is_empty()
                        && lines[i].starts_with([' ', '\t'])
                        && !items.is_empty() =>
                    {
                        if let Some(last) = items.last_mut() {
                            last.push(' ');
                            last.push_str(l);
                        }
                    }
                    _ => break,
                }
                i += 1;
            }
            blocks.push(Block::List {
                ordered,
                items: items.iter().map(|s| inline(s)).collect(),
            });
            continue;
        }
        if t.starts_with('|') && lines.get(i + 1).is_some_and(|l| is_table_rule(l)) {
            flush(&mut para, &mut blocks);
            let head = cells(t);
            i += 2;
            let mut rows = Vec::new();
            while i < lines.len() && lines[i].trim_start().starts_with('|') {
                rows.push(cells(lines[i].trim()));
                i += 1;
            }
            blocks.push(Block::Table { head, rows });
            continue;
        }
        para.push(t.trim_end());
        i += 1;
    }
    flush(&mut para, &mut blocks);
    blocks
}

fn list_marker(t: &str) -> Option<(bool, &str)> {
    for m in ["- ", "* ", "+ "] {
        if let Some(rest) = t.strip_prefix(m) {
            return Some((false, rest));
        }
    }
    let digits = t.bytes().take_while(u8::is_ascii_digit).count();
    if digits > 0 && digits < 10 {
        if let Some(rest) = t[digits..].strip_prefix(". ") {
            return Some((true, rest));
        }
    }
    None
}

fn is_table_rule(line: &str) -> bool {
    let t = line.trim();
    t.starts_with('|') && t.contains('-') && t.chars().all(|c| matches!(c, '|' | '-' | ':' | ' '))
}

fn cells(line: &str) -> Vec<Vec<Inline>> {
    let inner = line.trim().trim_start_matches('|');
    let inner = inner.strip_suffix('|').unwrap_or(inner);
    inner.split('|').map(|c| inline(c.trim())).collect()
}

/// Reads running text: `code`, **strong**, *emphasis* / _emphasis_, [text](href).
pub fn inline(src: &str) -> Vec<Inline> {
    let chars: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut text = String::new();
    let mut i = 0;
    let push_text = |text: &mut String, out: &mut Vec<Inline>| {
        if !text.is_empty() {
            out.push(Inline::Text(std::mem::take(text)));
        }
    };
    let find = |from: usize, pat: &[char]| -> Option<usize> {
        (from..chars.len().saturating_sub(pat.len() - 1)).find(|&j| chars[j..].starts_with(pat))
    };
    while i < chars.len() {
        let c = chars[i];
        match c {
            '`' => {
                if let Some(end) = find(i + 1, &['`']) {
                    push_text(&mut text, &mut out);
                    out.push(Inline::Code(chars[i + 1..end].iter().collect()));
                    i = end + 1;
                    continue;
                }
            }
            '*' | '_' if chars.get(i + 1) == Some(&c) => {
                if let Some(end) = find(i + 2, &[c, c]).filter(|e| *e > i + 2) {
                    push_text(&mut text, &mut out);
                    let inner: String = chars[i + 2..end].iter().collect();
                    out.push(Inline::Strong(inline(&inner)));
                    i = end + 2;
                    continue;
                }
            }
            '*' | '_' => {
                // `_` inside a word (snake_case) is not emphasis.
                let word_before = i > 0 && chars[i - 1].is_alphanumeric();
                let opens = chars.get(i + 1).is_some_and(|n| !n.is_whitespace());
                if opens && !(c == '_' && word_before) {
                    let close = (i + 1..chars.len()).find(|&j| {
                        chars[j] == c
                            && !chars[j - 1].is_whitespace()
                            && (c == '*' || !chars.get(j + 1).is_some_and(|n| n.is_alphanumeric()))
                    });
                    if let Some(end) = close.filter(|e| *e > i + 1) {
                        push_text(&mut text, &mut out);
                        let inner: String = chars[i + 1..end].iter().collect();
                        out.push(Inline::Emphasis(inline(&inner)));
                        i = end + 1;
                        continue;
                    }
                }
            }
            '[' => {
                if let Some(mid) = find(i + 1, &[']', '(']) {
                    if let Some(end) = find(mid + 2, &[')']) {
                        let label: String = chars[i + 1..mid].iter().collect();
                        let href: String = chars[mid + 2..end].iter().collect();
                        push_text(&mut text, &mut out);
                        if safe_href(&href) {
                            out.push(Inline::Link {
                                href: href.trim().to_string(),
                                children: inline(&label),
                            });
                        } else {
                            // The words stay; the unsafe target does not become a link.
                            out.extend(inline(&label));
                        }
                        i = end + 1;
                        continue;
                    }
                }
            }
            _ => {}
        }
        text.push(c);
        i += 1;
    }
    push_text(&mut text, &mut out);
    out
}

/// Plain text of inline content (for search and labels).
pub fn plain_text(inlines: &[Inline]) -> String {
    inlines
        .iter()
        .map(|i| match i {
            Inline::Text(t) | Inline::Code(t) => t.clone(),
            Inline::Strong(c) | Inline::Emphasis(c) | Inline::Link { children: c, .. } => {
                plain_text(c)
            }
        })
        .collect()
}

/// Markdown as a view. Headings are shifted by `heading_offset` levels (a document's
/// `#` under a page's own `h1` becomes `h2` with an offset of 1), capped at `h6`.
pub fn render(src: &str) -> impl IntoView {
    render_with(src, 0)
}

/// Heading offset for tutorial prose: it sits under the panel's `h4`, so its `#` is `h5`.
pub const TEXT_HEADINGS: u8 = 4;

/// One paragraph's worth of Markdown inline (quiz prompts, short notes): line breaks
/// become spaces, block syntax is not interpreted.
pub fn render_inline(src: &str) -> impl IntoView {
    let joined: Vec<&str> = src.split_whitespace().collect();
    inlines_view(inline(&joined.join(" ")))
}

/// A code block or diagram: labelled with its language for screen readers, scrollable
/// and focusable so a keyboard can scroll it.
pub fn code_view(lang: &str, text: &str) -> impl IntoView {
    let label = if lang == "text" || lang.is_empty() {
        "Diagram or example".to_string()
    } else {
        format!("Code ({lang})")
    };
    view! {
        <pre class="md-code" tabindex="0" role="region" aria-label=label>
            <code data-lang=lang.to_string()>{text.to_string()}</code>
        </pre>
    }
}

pub fn render_with(src: &str, heading_offset: u8) -> impl IntoView {
    parse(src)
        .into_iter()
        .map(|b| block_view(b, heading_offset))
        .collect_view()
}

fn block_view(block: Block, offset: u8) -> AnyView {
    match block {
        Block::Heading(level, content) => {
            let c = inlines_view(content);
            match (level + offset).min(6) {
                1 => view! { <h1>{c}</h1> }.into_any(),
                2 => view! { <h2>{c}</h2> }.into_any(),
                3 => view! { <h3>{c}</h3> }.into_any(),
                4 => view! { <h4>{c}</h4> }.into_any(),
                5 => view! { <h5>{c}</h5> }.into_any(),
                _ => view! { <h6>{c}</h6> }.into_any(),
            }
        }
        Block::Paragraph(content) => view! { <p>{inlines_view(content)}</p> }.into_any(),
        Block::List { ordered, items } => {
            let items = items
                .into_iter()
                .map(|i| view! { <li>{inlines_view(i)}</li> })
                .collect_view();
            if ordered {
                view! { <ol>{items}</ol> }.into_any()
            } else {
                view! { <ul>{items}</ul> }.into_any()
            }
        }
        Block::Code { lang, text } => code_view(&lang, &text).into_any(),
        Block::Table { head, rows } => view! {
            <div class="md-table" tabindex="0" role="region" aria-label="Table">
                <table>
                    <thead>
                        <tr>
                            {head.into_iter().map(|c| view! { <th scope="col">{inlines_view(c)}</th> }).collect_view()}
                        </tr>
                    </thead>
                    <tbody>
                        {rows
                            .into_iter()
                            .map(|r| {
                                view! {
                                    <tr>
                                        {r.into_iter().map(|c| view! { <td>{inlines_view(c)}</td> }).collect_view()}
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </tbody>
                </table>
            </div>
        }
        .into_any(),
    }
}

fn inlines_view(inlines: Vec<Inline>) -> AnyView {
    inlines
        .into_iter()
        .map(|i| match i {
            Inline::Text(t) => t.into_any(),
            Inline::Code(t) => view! { <code>{t}</code> }.into_any(),
            Inline::Strong(c) => view! { <strong>{inlines_view(c)}</strong> }.into_any(),
            Inline::Emphasis(c) => view! { <em>{inlines_view(c)}</em> }.into_any(),
            Inline::Link { href, children } => {
                let external = href.starts_with("http");
                view! {
                    <a href=href rel=external.then_some("noopener noreferrer")>{inlines_view(children)}</a>
                }
                .into_any()
            }
        })
        .collect_view()
        .into_any()
}
