//! Checks on the engine's own source (after rust-analyzer's `tidy`): the invariants in
//! ARCHITECTURE.md hold — no HashMap (iteration order), no wall clock, no web imports,
//! no thread_rng/SmallRng, every file starts with `//!` — and the app's engine host
//! (what the browser's worker runs) uses no browser API either. Then the structure:
//! no import loops between the files of any crate (beyond `KNOWN_LOOPS`), and every
//! file uses only what its row of ARCHITECTURE.md's codemap says it may depend on.

use std::collections::BTreeMap;
use std::path::Path;

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// Issue 16: a newcomer reads a file whole. No engine file passes 1,200 lines; one that
/// would is split by what its parts are about (`strike.rs` from `scenario.rs`, a
/// module's tests into its `tests.rs`).
#[test]
fn no_engine_file_is_over_1200_lines() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    let long: Vec<String> = files
        .iter()
        .filter_map(|f| {
            let n = std::fs::read_to_string(f).ok()?.lines().count();
            (n > 1200).then(|| format!("{} ({n} lines)", f.display()))
        })
        .collect();
    assert!(long.is_empty(), "over 1,200 lines: {long:?}");
}

#[test]
fn engine_source_keeps_its_invariants() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    assert!(files.len() > 10);
    let forbidden = [
        (
            "HashMap",
            "iteration order must not reach output: use BTreeMap",
        ),
        (
            "HashSet",
            "iteration order must not reach output: use BTreeSet",
        ),
        ("Instant::now", "no wall clock in the engine"),
        ("SystemTime", "no wall clock in the engine"),
        ("thread_rng", "use the seeded Xoshiro256PlusPlus streams"),
        ("SmallRng", "use the seeded Xoshiro256PlusPlus streams"),
        ("web_sys", "the engine knows nothing of the web"),
        ("wasm_bindgen", "the engine knows nothing of the web"),
        (
            "include_str!(\"",
            "embed a file's //! doc with doc_of!, not the whole file (bundle size)",
        ),
        (
            ".unwrap()",
            "the engine never panics on input: return LabError",
        ),
    ];
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        assert!(
            text.starts_with("//!"),
            "{} must start with a //! line",
            f.display()
        );
        // Unit tests may unwrap: inside a file, after `#[cfg(test)]`, or a module's
        // `tests.rs` (declared `#[cfg(test)] mod tests;`).
        let test_module = f.file_name().is_some_and(|n| n == "tests.rs");
        let code = if test_module {
            ""
        } else {
            text.split("#[cfg(test)]").next().unwrap()
        };
        for (needle, why) in forbidden {
            assert!(
                !code.contains(needle),
                "{} contains `{needle}`: {why}",
                f.display()
            );
        }
    }
}

/// Which file of a crate imports which: a small reader of Rust source, enough to follow
/// `use` trees and inline paths (`crate::a::b`, `super::x`, a child module's `x::y`) to
/// the module file they name, and from there through re-exports to where the item is
/// defined. A path may also start with a name a `use` binds (`fmt::` after
/// `use std::fmt;`). A `mod x;` declaration is not an import, and an item under
/// `#[cfg(test)]` is skipped: unit tests may reach anywhere.
mod imports {
    use std::collections::{BTreeMap, BTreeSet};
    use std::path::Path;

    /// A module path inside a crate: `[]` is the crate root, `["systems", "web"]` is
    /// `crate::systems::web`.
    pub type ModPath = Vec<String>;

    #[derive(Clone, Debug, PartialEq)]
    enum Tok {
        Ident(String),
        /// `::`
        Colons,
        Punct(char),
    }

    /// Source without comments, string and char literals (each replaced by a space;
    /// newlines kept, so line numbers stay right).
    fn strip(src: &str) -> String {
        let c: Vec<char> = src.chars().collect();
        let mut out = String::with_capacity(src.len());
        let mut i = 0;
        let is_ident = |ch: char| ch.is_alphanumeric() || ch == '_';
        // Skips to `end` (exclusive of what follows), keeping newlines.
        let blank = |out: &mut String, from: usize, to: usize| {
            out.push(' ');
            out.extend(c[from..to.min(c.len())].iter().filter(|&&ch| ch == '\n'));
        };
        while i < c.len() {
            let next = c.get(i + 1).copied().unwrap_or(' ');
            let prev_ident = i > 0 && is_ident(c[i - 1]);
            if c[i] == '/' && next == '/' {
                while i < c.len() && c[i] != '\n' {
                    i += 1;
                }
            } else if c[i] == '/' && next == '*' {
                let (start, mut depth) = (i, 0);
                while i < c.len() {
                    if c[i] == '/' && c.get(i + 1) == Some(&'*') {
                        depth += 1;
                        i += 2;
                    } else if c[i] == '*' && c.get(i + 1) == Some(&'/') {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        i += 1;
                    }
                }
                blank(&mut out, start, i);
            } else if c[i] == 'r' && !prev_ident && (next == '"' || next == '#') {
                // A raw string r"…" or r#"…"#, else an identifier starting with r.
                let mut j = i + 1;
                while c.get(j) == Some(&'#') {
                    j += 1;
                }
                if c.get(j) != Some(&'"') {
                    out.push(c[i]);
                    i += 1;
                    continue;
                }
                let hashes = j - i - 1;
                let start = i;
                i = j + 1;
                while i < c.len() {
                    if c[i] == '"' && (0..hashes).all(|h| c.get(i + 1 + h) == Some(&'#')) {
                        i += 1 + hashes;
                        break;
                    }
                    i += 1;
                }
                blank(&mut out, start, i);
            } else if c[i] == '"' {
                let start = i;
                i += 1;
                while i < c.len() && c[i] != '"' {
                    i += if c[i] == '\\' { 2 } else { 1 };
                }
                i += 1;
                blank(&mut out, start, i);
            } else if c[i] == '\'' && (next == '\\' || c.get(i + 2) == Some(&'\'')) {
                // A char literal ('a', '\n', '\u{..}'); otherwise a lifetime, kept.
                let start = i;
                i += 1;
                while i < c.len() && c[i] != '\'' {
                    i += if c[i] == '\\' { 2 } else { 1 };
                }
                i += 1;
                blank(&mut out, start, i);
            } else {
                out.push(c[i]);
                i += 1;
            }
        }
        out
    }

    fn tokens(src: &str) -> Vec<(Tok, usize)> {
        let mut out = Vec::new();
        for (n, line) in strip(src).lines().enumerate() {
            let c: Vec<char> = line.chars().collect();
            let mut i = 0;
            while i < c.len() {
                if c[i].is_alphanumeric() || c[i] == '_' {
                    let start = i;
                    while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_') {
                        i += 1;
                    }
                    out.push((Tok::Ident(c[start..i].iter().collect()), n + 1));
                } else if c[i] == ':' && c.get(i + 1) == Some(&':') {
                    out.push((Tok::Colons, n + 1));
                    i += 2;
                } else {
                    if !c[i].is_whitespace() {
                        out.push((Tok::Punct(c[i]), n + 1));
                    }
                    i += 1;
                }
            }
        }
        // Sentinels, so the parser may look a few tokens ahead without checks.
        out.extend(std::iter::repeat_n((Tok::Punct(';'), 0), 4));
        out
    }

    /// One path a file names: a `use` leaf (`use a::{b, c as d}` gives `a::b` and
    /// `a::c`, bound as `b` and `d`) or an inline path, as written, with the inline
    /// module it is written in (relative to the file's module).
    #[derive(Clone, Debug)]
    pub struct Named {
        pub path: Vec<String>,
        pub scope: Vec<String>,
        pub line: usize,
        pub is_use: bool,
        pub is_pub: bool,
        /// The name a `use` leaf binds (`None` for globs and `as _`).
        pub binds: Option<String>,
    }

    #[derive(Debug, Default)]
    pub struct Parsed {
        pub named: Vec<Named>,
        /// `mod x;` and `mod x { … }`, by the inline scope they are declared in.
        pub mods: BTreeMap<Vec<String>, BTreeSet<String>>,
        /// Items defined here (fn, struct, const, …, macro_rules!).
        pub defines: BTreeSet<String>,
        /// `#[macro_export]` macros (they live at the crate root).
        pub exported_macros: Vec<String>,
    }

    fn ident(t: &Tok) -> Option<&str> {
        match t {
            Tok::Ident(s) => Some(s),
            _ => None,
        }
    }

    /// Reads one use tree from `toks[i]`, pushing its leaves; returns the index after it.
    fn use_tree(
        toks: &[(Tok, usize)],
        mut i: usize,
        prefix: &[String],
        leaves: &mut Vec<(Vec<String>, Option<String>)>,
    ) -> usize {
        let mut path = prefix.to_vec();
        if toks[i].0 == Tok::Colons {
            i += 1;
        }
        loop {
            match &toks[i].0 {
                Tok::Ident(s) => {
                    path.push(s.clone());
                    i += 1;
                    if toks[i].0 == Tok::Colons {
                        i += 1;
                        continue;
                    }
                    let mut binds = Some(s.clone());
                    if toks[i].0 == Tok::Ident("as".into()) {
                        binds = ident(&toks[i + 1].0)
                            .filter(|a| *a != "_")
                            .map(String::from);
                        i += 2;
                    }
                    if path.last().is_some_and(|l| l == "self") {
                        path.pop();
                        if binds.as_deref() == Some("self") {
                            binds = path.last().cloned();
                        }
                    }
                    leaves.push((path, binds));
                    return i;
                }
                Tok::Punct('*') => {
                    leaves.push((path, None));
                    return i + 1;
                }
                Tok::Punct('{') => {
                    i += 1;
                    while toks[i].0 != Tok::Punct('}') && toks[i].1 != 0 {
                        i = use_tree(toks, i, &path, leaves);
                        if toks[i].0 == Tok::Punct(',') {
                            i += 1;
                        }
                    }
                    return i + 1;
                }
                _ => return i + 1,
            }
        }
    }

    /// At `#[cfg(test)]`, the index after the item it marks (`mod tests { … }`,
    /// `mod testkit;`, a `use` or a function): unit tests may reach anywhere.
    fn test_only_item(toks: &[(Tok, usize)], i: usize) -> Option<usize> {
        let attr = ["#", "[", "cfg", "(", "test", ")", "]"];
        let is_attr = attr.iter().enumerate().all(|(k, a)| match toks.get(i + k) {
            Some((Tok::Ident(s), _)) => s == a,
            Some((Tok::Punct(c), _)) => a.len() == 1 && a.starts_with(*c),
            _ => false,
        });
        if !is_attr {
            return None;
        }
        let mut j = i + attr.len();
        let mut depth = 0;
        while j < toks.len() && toks[j].1 != 0 {
            match toks[j].0 {
                Tok::Punct('{') => depth += 1,
                Tok::Punct('}') => {
                    depth -= 1;
                    if depth == 0 {
                        return Some(j + 1);
                    }
                }
                Tok::Punct(';') if depth == 0 => return Some(j + 1),
                _ => {}
            }
            j += 1;
        }
        Some(j)
    }

    pub fn parse(src: &str) -> Parsed {
        let toks = tokens(src);
        let mut p = Parsed::default();
        // Inline modules open at the current point, with the brace depth inside each.
        let mut scope: Vec<(String, usize)> = Vec::new();
        let mut depth = 0;
        let mut i = 0;
        let is = |i: usize, s: &str| toks[i].0 == Tok::Ident(s.into());
        while i + 4 < toks.len() {
            if let Some(end) = test_only_item(&toks, i) {
                i = end;
                continue;
            }
            let here: Vec<String> = scope.iter().map(|(m, _)| m.clone()).collect();
            let prev = if i > 0 { Some(&toks[i - 1].0) } else { None };
            match &toks[i].0 {
                Tok::Punct('{') => depth += 1,
                Tok::Punct('}') => {
                    depth -= 1;
                    if scope.last().is_some_and(|(_, d)| *d > depth) {
                        scope.pop();
                    }
                }
                Tok::Ident(kw) if kw == "use" => {
                    let is_pub = matches!(prev, Some(Tok::Ident(p)) if p == "pub")
                        || prev == Some(&Tok::Punct(')'));
                    let mut leaves = Vec::new();
                    let end = use_tree(&toks, i + 1, &[], &mut leaves);
                    for (path, binds) in leaves {
                        p.named.push(Named {
                            path,
                            scope: here.clone(),
                            line: toks[i].1,
                            is_use: true,
                            is_pub,
                            binds,
                        });
                    }
                    i = end;
                    continue;
                }
                Tok::Ident(kw) if kw == "mod" => {
                    if let Some(name) = ident(&toks[i + 1].0) {
                        p.mods.entry(here.clone()).or_default().insert(name.into());
                        p.defines.insert(name.into());
                        if toks[i + 2].0 == Tok::Punct('{') {
                            scope.push((name.into(), depth + 1));
                        }
                    }
                }
                Tok::Ident(kw) if kw == "macro_rules" && toks[i + 1].0 == Tok::Punct('!') => {
                    if let Some(name) = ident(&toks[i + 2].0) {
                        p.defines.insert(name.into());
                        if i >= 2 && is(i - 2, "macro_export") {
                            p.exported_macros.push(name.into());
                        }
                    }
                }
                Tok::Ident(kw)
                    if matches!(
                        kw.as_str(),
                        "fn" | "struct" | "enum" | "const" | "static" | "type" | "trait" | "union"
                    ) =>
                {
                    if let Some(name) = ident(&toks[i + 1].0) {
                        p.defines.insert(name.into());
                    }
                }
                Tok::Ident(first)
                    if toks[i + 1].0 == Tok::Colons
                        && !matches!(prev, Some(Tok::Colons | Tok::Punct('$' | '.')))
                        && first.starts_with(|c: char| c.is_ascii_lowercase()) =>
                {
                    let line = toks[i].1;
                    let mut path = vec![first.clone()];
                    i += 1;
                    while toks[i].0 == Tok::Colons {
                        match ident(&toks[i + 1].0) {
                            Some(s) => path.push(s.into()),
                            None => break,
                        }
                        i += 2;
                    }
                    p.named.push(Named {
                        path,
                        scope: here,
                        line,
                        is_use: false,
                        is_pub: false,
                        binds: None,
                    });
                    continue;
                }
                _ => {}
            }
            i += 1;
        }
        p
    }

    pub struct File {
        /// Relative to the crate's `src/`.
        pub rel: String,
        pub module: ModPath,
        pub lines: Vec<String>,
        pub parsed: Parsed,
    }

    /// Where a path a file names leads.
    #[derive(Debug, PartialEq)]
    pub enum Target {
        /// A module file of the same crate (its module path).
        Local(ModPath),
        /// Another crate (`std`, `serde`, `engine`, …).
        External(String),
    }

    pub struct Crate {
        /// `std`, `core`, `alloc` and the crate's dependencies (as Rust names): an
        /// inline path starting with one of them (`serde_json::to_string`) is a use.
        pub externals: BTreeSet<String>,
        pub files: BTreeMap<ModPath, File>,
    }

    impl Crate {
        /// A crate from `(path relative to src/, text)` pairs. With both `lib.rs` and
        /// `main.rs`, `main.rs` is a separate crate that imports the library by name: left out.
        pub fn new(sources: &[(String, String)]) -> Crate {
            let has_lib = sources.iter().any(|(r, _)| r == "lib.rs");
            let mut files = BTreeMap::new();
            for (rel, text) in sources {
                if has_lib && rel == "main.rs" {
                    continue;
                }
                let stem = rel.trim_end_matches(".rs");
                let mut module: ModPath = stem.split('/').map(String::from).collect();
                if matches!(stem, "lib" | "main") || module.last().is_some_and(|l| l == "mod") {
                    module.pop();
                }
                let file = File {
                    rel: rel.clone(),
                    module: module.clone(),
                    lines: text.lines().map(String::from).collect(),
                    parsed: parse(text),
                };
                files.insert(module, file);
            }
            let externals = ["std", "core", "alloc"].map(String::from).into();
            Crate { externals, files }
        }

        pub fn from_dir(src: &Path) -> Crate {
            let mut paths = Vec::new();
            super::rust_files(src, &mut paths);
            let sources: Vec<(String, String)> = paths
                .iter()
                .map(|p| {
                    let rel = p
                        .strip_prefix(src)
                        .unwrap()
                        .to_string_lossy()
                        .replace('\\', "/");
                    (rel, std::fs::read_to_string(p).unwrap())
                })
                .collect();
            let mut krate = Crate::new(&sources);
            let manifest = std::fs::read_to_string(src.join("../Cargo.toml")).unwrap();
            let mut in_deps = false;
            for line in manifest.lines().map(str::trim) {
                if line.starts_with('[') {
                    in_deps = line.ends_with("dependencies]");
                } else if let Some((key, _)) = line.split_once('=').filter(|_| in_deps) {
                    krate.externals.insert(key.trim().replace('-', "_"));
                }
            }
            krate
        }

        /// The absolute module path a path written in `file` (inside its inline module
        /// `scope`) names, or the external crate it starts with.
        fn absolute(
            &self,
            file: &File,
            scope: &[String],
            path: &[String],
        ) -> Result<ModPath, String> {
            let first = path.first().map(String::as_str).unwrap_or("");
            let bound = file
                .parsed
                .named
                .iter()
                .find(|n| n.is_use && n.binds.as_deref() == Some(first) && n.path.len() > 1);
            match bound {
                // `fmt::Display` after `use std::fmt;`, `metrics::rate` after
                // `use crate::metrics::{self, …}`: the name a use binds, then the rest.
                Some(n) if !matches!(first, "crate" | "self" | "super") => {
                    let mut abs = self.absolute_as_written(file, &n.scope, &n.path)?;
                    abs.extend(path[1..].iter().cloned());
                    Ok(abs)
                }
                _ => self.absolute_as_written(file, scope, path),
            }
        }

        fn absolute_as_written(
            &self,
            file: &File,
            scope: &[String],
            path: &[String],
        ) -> Result<ModPath, String> {
            let mut here: ModPath = file.module.iter().chain(scope).cloned().collect();
            let first = path.first().map(String::as_str).unwrap_or("");
            let local_mod = file
                .parsed
                .mods
                .get(scope)
                .is_some_and(|m| m.contains(first));
            match first {
                "crate" => Ok(path[1..].to_vec()),
                "self" => Ok(here.into_iter().chain(path[1..].iter().cloned()).collect()),
                "super" => {
                    let supers = path.iter().take_while(|s| *s == "super").count();
                    for _ in 0..supers {
                        here.pop();
                    }
                    Ok(here
                        .into_iter()
                        .chain(path[supers..].iter().cloned())
                        .collect())
                }
                _ if local_mod => Ok(here.into_iter().chain(path.iter().cloned()).collect()),
                _ => Err(first.to_string()),
            }
        }

        /// Where the item `name`, looked up in module file `module`, is defined: followed
        /// through that file's imports (`use x::Item`, globs, the root's exported macros).
        fn follow(&self, module: &ModPath, name: &str) -> Option<ModPath> {
            let file = &self.files[module];
            if file.parsed.defines.contains(name) {
                return None;
            }
            if module.is_empty() {
                for f in self.files.values() {
                    if f.parsed.exported_macros.iter().any(|m| m == name) {
                        return Some(f.module.iter().cloned().chain([name.into()]).collect());
                    }
                }
            }
            let uses = file.parsed.named.iter().filter(|n| n.is_use);
            for n in uses.clone() {
                if n.binds.as_deref() == Some(name) {
                    return self.absolute(file, &n.scope, &n.path).ok();
                }
            }
            for n in uses.filter(|n| n.binds.is_none()) {
                if let Ok(glob) = self.absolute(file, &n.scope, &n.path) {
                    if self
                        .files
                        .get(&glob)
                        .is_some_and(|g| g.parsed.defines.contains(name))
                    {
                        return Some(glob.into_iter().chain([name.into()]).collect());
                    }
                }
            }
            None
        }

        /// The module file an absolute path leads to: the deepest existing module file
        /// along it (`a/b.rs`, `a/b/mod.rs`, `a.rs`, `a/mod.rs`, the root), then through
        /// re-exports to where the item is defined.
        pub fn resolve(&self, path: &[String]) -> ModPath {
            let mut path = path.to_vec();
            for _ in 0..8 {
                let k = (0..=path.len())
                    .rev()
                    .find(|k| self.files.contains_key(&path[..*k]))
                    .unwrap();
                let module = path[..k].to_vec();
                match path.get(k).and_then(|name| self.follow(&module, name)) {
                    Some(mut next) if next != path[..k + 1] => {
                        next.extend(path[k + 1..].iter().cloned());
                        path = next;
                    }
                    _ => return module,
                }
            }
            Vec::new()
        }

        /// Every path `file` names, resolved, with the line it is written on. The crate
        /// root's `pub use`s are its public face, not something it depends on.
        pub fn targets(&self, file: &File) -> Vec<(Target, usize)> {
            let mut out = Vec::new();
            for n in &file.parsed.named {
                if n.is_pub && n.is_use && file.module.is_empty() {
                    continue;
                }
                match self.absolute(file, &n.scope, &n.path) {
                    Ok(abs) => out.push((Target::Local(self.resolve(&abs)), n.line)),
                    Err(ext) if n.is_use || self.externals.contains(&ext) => {
                        out.push((Target::External(ext), n.line))
                    }
                    Err(_) => {}
                }
            }
            out
        }

        /// The graph file → file (by `rel`), with one example line per edge.
        pub fn graph(&self) -> BTreeMap<String, BTreeMap<String, String>> {
            let mut g: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
            for file in self.files.values() {
                let edges = g.entry(file.rel.clone()).or_default();
                for (t, line) in self.targets(file) {
                    if let Target::Local(m) = t {
                        let to = &self.files[&m].rel;
                        if *to != file.rel && !edges.contains_key(to) {
                            let text = file.lines[line - 1].trim().to_string();
                            edges.insert(to.clone(), format!("{}:{line}: {text}", file.rel));
                        }
                    }
                }
            }
            g
        }
    }

    /// Tarjan's strongly connected components of more than one node, each sorted.
    pub fn loops(g: &BTreeMap<String, BTreeMap<String, String>>) -> Vec<Vec<String>> {
        struct State<'a> {
            g: &'a BTreeMap<String, BTreeMap<String, String>>,
            index: BTreeMap<&'a str, usize>,
            low: BTreeMap<&'a str, usize>,
            stack: Vec<&'a str>,
            on_stack: BTreeSet<&'a str>,
            out: Vec<Vec<String>>,
        }
        fn visit<'a>(s: &mut State<'a>, v: &'a str) {
            let n = s.index.len();
            s.index.insert(v, n);
            s.low.insert(v, n);
            s.stack.push(v);
            s.on_stack.insert(v);
            for w in s.g.get(v).into_iter().flat_map(|e| e.keys()) {
                let w = w.as_str();
                if !s.index.contains_key(w) {
                    visit(s, w);
                    let lw = s.low[w];
                    let lv = s.low.get_mut(v).unwrap();
                    *lv = (*lv).min(lw);
                } else if s.on_stack.contains(w) {
                    let iw = s.index[w];
                    let lv = s.low.get_mut(v).unwrap();
                    *lv = (*lv).min(iw);
                }
            }
            if s.low[v] == s.index[v] {
                let mut comp = Vec::new();
                loop {
                    let w = s.stack.pop().unwrap();
                    s.on_stack.remove(w);
                    comp.push(w.to_string());
                    if w == v {
                        break;
                    }
                }
                if comp.len() > 1 {
                    comp.sort();
                    s.out.push(comp);
                }
            }
        }
        let mut s = State {
            g,
            index: BTreeMap::new(),
            low: BTreeMap::new(),
            stack: Vec::new(),
            on_stack: BTreeSet::new(),
            out: Vec::new(),
        };
        for v in g.keys() {
            if !s.index.contains_key(v.as_str()) {
                visit(&mut s, v);
            }
        }
        s.out.sort();
        s.out
    }
}

/// Import loops tolerated while their files are being rewritten (each entry: the sorted
/// files of one loop, as `<crate>/src/<path>`). Empty now; should one ever be listed, the
/// list may only shrink: the test fails on a loop not listed and on a listed loop that
/// no longer exists.
const KNOWN_LOOPS: &[&[&str]] = &[];

fn workspace_crate(name: &str) -> imports::Crate {
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(name)
        .join("src");
    imports::Crate::from_dir(&src)
}

const CRATES: [&str; 6] = ["engine", "cli", "content", "bench", "host", "app"];

/// No file imports, through other files, something that imports it back (except the
/// loops in `KNOWN_LOOPS`): each module can be read, tested and moved after the ones
/// it uses.
#[test]
fn no_import_loops() {
    let mut found = Vec::new();
    let mut report = String::new();
    for name in CRATES {
        let krate = workspace_crate(name);
        let g = krate.graph();
        for comp in imports::loops(&g) {
            let files: Vec<String> = comp.iter().map(|f| format!("{name}/src/{f}")).collect();
            let known = KNOWN_LOOPS.iter().any(|k| k.iter().eq(files.iter()));
            if !known {
                report += &format!("\nimport loop in {name}: {}\n", files.join(", "));
                for from in &comp {
                    for (to, example) in &g[from] {
                        if comp.contains(to) {
                            report += &format!("  {from} -> {to}   ({example})\n");
                        }
                    }
                }
            }
            found.push(files);
        }
    }
    for k in KNOWN_LOOPS {
        if !found.iter().any(|f| k.iter().eq(f.iter())) {
            let now: Vec<&Vec<String>> = found
                .iter()
                .filter(|f| f.iter().any(|file| k.contains(&file.as_str())))
                .collect();
            report += &format!(
                "\nKNOWN_LOOPS lists a loop that no longer exists: {k:?}\n  \
                 remove it, or replace it by what is left of it: {now:?}\n"
            );
        }
    }
    assert!(report.is_empty(), "{report}");
}

/// A crate from inline sources, for the resolver's own tests.
fn krate(files: &[(&str, &str)]) -> imports::Crate {
    let owned: Vec<(String, String)> = files
        .iter()
        .map(|(p, t)| (p.to_string(), t.to_string()))
        .collect();
    imports::Crate::new(&owned)
}

fn edges(c: &imports::Crate) -> Vec<(String, String)> {
    c.graph()
        .into_iter()
        .flat_map(|(from, to)| to.into_keys().map(move |t| (from.clone(), t)))
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[test]
fn imports_resolve_to_the_deepest_module_file() {
    let c = krate(&[
        ("lib.rs", "mod a; mod b; pub use a::Thing;"),
        ("a.rs", "pub struct Thing;"),
        ("b/mod.rs", "mod c; use crate::a::{self};"),
        (
            "b/c.rs",
            "pub fn f() { crate::b::d::e::g(); super::super::a::Thing; }",
        ),
    ]);
    assert_eq!(
        edges(&c),
        pairs(&[
            ("b/c.rs", "a.rs"),
            ("b/c.rs", "b/mod.rs"),
            ("b/mod.rs", "a.rs")
        ])
    );
}

#[test]
fn imports_follow_re_exports_and_exported_macros() {
    let c = krate(&[
        ("lib.rs", "mod m; mod n; mod o; pub use m::Thing;"),
        (
            "m.rs",
            "pub struct Thing; #[macro_export] macro_rules! mk { () => {} }",
        ),
        ("n/mod.rs", "mod inner; pub use inner::*;"),
        ("n/inner.rs", "pub const X: u8 = 1;"),
        (
            "o.rs",
            "use crate::Thing; fn f() { crate::mk!(); crate::n::X; }",
        ),
    ]);
    assert_eq!(
        edges(&c),
        pairs(&[
            ("n/mod.rs", "n/inner.rs"),
            ("o.rs", "m.rs"),
            ("o.rs", "n/inner.rs")
        ])
    );
}

#[test]
fn imports_skip_declarations_comments_strings_tests_and_other_crates() {
    let c = krate(&[
        ("main.rs", "mod a; mod b; use std::fmt; use serde::Serialize;"),
        (
            "a.rs",
            "// use crate::b::X;\nconst S: &str = \"crate::b::X\"; const R: &str = r#\"super::b\"#;\n\
             fn f() { let c = '\\''; }\n#[cfg(test)]\nmod tests { use crate::b::X; }",
        ),
        ("b.rs", "pub struct X;"),
    ]);
    assert_eq!(edges(&c), Vec::<(String, String)>::new());
}

#[test]
fn inline_modules_and_child_paths_resolve() {
    let c = krate(&[
        ("lib.rs", "pub mod s;"),
        (
            "s/mod.rs",
            "pub mod cat { pub mod one; } fn f() { cat::one::go(); }",
        ),
        ("s/cat/one.rs", "use super::super::Meta; pub fn go() {}"),
    ]);
    assert_eq!(
        edges(&c),
        pairs(&[("s/cat/one.rs", "s/mod.rs"), ("s/mod.rs", "s/cat/one.rs")])
    );
    assert_eq!(
        imports::loops(&c.graph()),
        vec![vec!["s/cat/one.rs".to_string(), "s/mod.rs".to_string()]]
    );
}

/// What a file uses, by the name ARCHITECTURE.md's codemap gives it: a module of its own
/// crate by its top-level name (`metrics`, `systems`), another crate by its Rust name
/// (`serde`, `engine`); with one example line each. Its own top-level module, the
/// crate root and `std`/`core`/`alloc` are left out.
fn uses_of(krate: &imports::Crate, file: &imports::File) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (target, line) in krate.targets(file) {
        let name = match target {
            imports::Target::Local(m) => match m.first() {
                Some(top) if file.module.first() != Some(top) => top.clone(),
                _ => continue,
            },
            imports::Target::External(c) if !["std", "core", "alloc"].contains(&c.as_str()) => c,
            imports::Target::External(_) => continue,
        };
        out.entry(name)
            .or_insert_with(|| format!("{}:{line}: {}", file.rel, file.lines[line - 1].trim()));
    }
    out
}

/// One row of ARCHITECTURE.md's codemap: the paths it covers and what they may use.
struct Row {
    /// Paths from the repository root; `<x>` stands for any one path component and a
    /// trailing `/` for everything under the folder.
    paths: Vec<String>,
    may_use: Vec<String>,
    text: String,
}

/// The rows of the table under `## Codemap` in `text` (ARCHITECTURE.md's form).
fn parse_codemap(text: &str) -> Vec<Row> {
    let section = text.split("## Codemap").nth(1).unwrap_or("");
    let section = section.split("\n## ").next().unwrap();
    let ticked = |cell: &str| -> Vec<String> {
        cell.split('`')
            .skip(1)
            .step_by(2)
            .map(String::from)
            .collect()
    };
    let mut rows = Vec::new();
    for line in section.lines().filter(|l| l.starts_with('|')) {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        if cells.len() < 5 || cells[1] == "path" || cells[1].starts_with("---") {
            continue;
        }
        let listed = ticked(cells[1]);
        let Some(first) = listed.first() else {
            continue;
        };
        // Later paths of a cell are relative to the first one's folder.
        let dir = match first.rfind('/') {
            Some(i) if !first.ends_with('/') => &first[..=i],
            _ => "",
        };
        let paths = listed
            .iter()
            .enumerate()
            .map(|(i, p)| {
                if i == 0 {
                    p.clone()
                } else {
                    format!("{dir}{p}")
                }
            })
            .collect();
        rows.push(Row {
            paths,
            may_use: ticked(cells[3]),
            text: line.to_string(),
        });
    }
    rows
}

/// How closely `pattern` names `path` (longer is closer), or `None`.
fn covers(pattern: &str, path: &str) -> Option<usize> {
    if let Some(dir) = pattern.strip_suffix('/') {
        return path
            .starts_with(&format!("{dir}/"))
            .then_some(pattern.len());
    }
    let (p, f): (Vec<&str>, Vec<&str>) = (pattern.split('/').collect(), path.split('/').collect());
    let same = p.len() == f.len()
        && p.iter().zip(&f).all(|(p, f)| {
            p == f || (p.starts_with('<') && (p.ends_with('>') || p.ends_with(">.rs")))
        });
    same.then_some(1000 + pattern.len())
}

/// ARCHITECTURE.md's "may depend on" column is true: every file of every crate is
/// covered by a codemap row, and uses only modules of its crate and crates its row
/// names (a row naming its own crate, or covering a whole crate, allows all the
/// crate's modules; a file may always use the other files of its row).
#[test]
fn codemap_dependencies_hold() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let rows = parse_codemap(&std::fs::read_to_string(root.join("ARCHITECTURE.md")).unwrap());
    assert!(rows.len() > 10);
    let report: String = CRATES
        .iter()
        .map(|name| codemap_violations(&rows, name, &workspace_crate(name)))
        .collect();
    assert!(report.is_empty(), "{report}");
}

/// What in crate `name` its codemap rows do not allow (empty: all is well).
fn codemap_violations(rows: &[Row], name: &str, krate: &imports::Crate) -> String {
    let mut report = String::new();
    let row_of = |path: &str| {
        rows.iter()
            .filter_map(|r| {
                r.paths
                    .iter()
                    .filter_map(|p| covers(p, path))
                    .max()
                    .map(|s| (s, r))
            })
            .max_by_key(|(s, _)| *s)
            .map(|(_, r)| r)
    };
    for file in krate.files.values() {
        let path = format!("{name}/src/{}", file.rel);
        let Some(row) = row_of(&path) else {
            report += &format!("\n{path}: no codemap row covers it\n");
            continue;
        };
        // Its own crate's modules: all when the row covers the whole crate or names
        // it ("the rest of `engine`"), else those it names and those of its own row.
        let any_local =
            row.paths.contains(&format!("{name}/")) || row.may_use.iter().any(|u| u == name);
        let in_row = |m: &str| {
            krate.files.values().any(|f| {
                f.module.first().is_some_and(|top| top == m)
                    && row_of(&format!("{name}/src/{}", f.rel))
                        .is_some_and(|r| std::ptr::eq(r, row))
            })
        };
        for (used, example) in uses_of(krate, file) {
            let local = krate.files.keys().any(|m| m.first() == Some(&used));
            if !(row.may_use.contains(&used) || local && (any_local || in_row(&used))) {
                let row_start: String = row.text.chars().take(100).collect();
                report += &format!(
                    "\n{path} uses `{used}`, which its codemap row does not allow:\n  {example}\n  row: {row_start}…\n"
                );
            }
        }
    }
    report
}

#[test]
fn codemap_check_flags_what_a_row_does_not_allow() {
    let rows = parse_codemap(
        "## Codemap\n\n| path | what | may depend on |\n| --- | --- | --- |\n\
         | `k/src/a.rs`, `b.rs`, `lib.rs` | three | `serde` (derives) |\n\
         | `k/src/c/` | the rest | the rest of `k` |\n\n## Next\n",
    );
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].paths, ["k/src/a.rs", "k/src/b.rs", "k/src/lib.rs"]);
    let krate = krate(&[
        ("lib.rs", "mod a; mod b; mod c; mod d;"),
        ("a.rs", "use crate::b::X; use serde::Serialize;"),
        (
            "b.rs",
            "pub struct X; use crate::c::Y; fn f() { std::mem::drop(()); }",
        ),
        ("c/mod.rs", "pub struct Y; use crate::a::Z; mod e;"),
        ("c/e.rs", "use super::Y; use toml::Value;"),
        ("d.rs", ""),
    ]);
    let report = codemap_violations(&rows, "k", &krate);
    let flagged: Vec<&str> = report.lines().filter(|l| l.starts_with("k/src")).collect();
    assert_eq!(
        flagged,
        [
            "k/src/b.rs uses `c`, which its codemap row does not allow:",
            "k/src/c/e.rs uses `toml`, which its codemap row does not allow:",
            "k/src/d.rs: no codemap row covers it",
        ],
        "{report}"
    );
}

#[test]
fn only_the_item_under_cfg_test_is_skipped() {
    let c = krate(&[
        ("lib.rs", "mod a; mod b; mod c;"),
        (
            "a.rs",
            "#[cfg(test)]\npub mod t;\n#[cfg(test)]\nfn f() { crate::c::g(); }\nuse crate::b::X;",
        ),
        ("b.rs", "pub struct X;"),
        ("c.rs", "pub fn g() {}"),
    ]);
    assert_eq!(edges(&c), pairs(&[("a.rs", "b.rs")]));
}

/// The branches a system-name test would flag in `code` for system ids `ids`: a
/// comparison with the id (`== "web"`, `"web" !=`) or a match arm on it (`"web" =>`,
/// `"web" |`). Only code before `#[cfg(test)]` counts (tests may name a system).
fn system_name_branches(code: &str, ids: &[&str]) -> Vec<String> {
    let code = code.split("#[cfg(test)]").next().unwrap_or("");
    let mut found = Vec::new();
    for (n, line) in code.lines().enumerate() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("//") {
            continue;
        }
        for id in ids {
            let lit = format!("\"{id}\"");
            let mut from = 0;
            while let Some(at) = line[from..].find(&lit) {
                let start = from + at;
                let end = start + lit.len();
                let before = line[..start].trim_end();
                let after = line[end..].trim_start();
                let compared = before.ends_with("==") || before.ends_with("!=");
                let branches = after.starts_with("==")
                    || after.starts_with("!=")
                    || after.starts_with("=>")
                    || (after.starts_with('|') && !after.starts_with("||"));
                if compared || branches {
                    found.push(format!("{}: {}", n + 1, line.trim()));
                }
                from = end;
            }
        }
    }
    found
}

#[test]
fn system_name_branches_are_found() {
    let ids = ["web", "queue"];
    let flagged = "fn f(s: &str) { if s == \"web\" {} match s { \"queue\" => {} _ => {} } }";
    assert_eq!(system_name_branches(flagged, &ids).len(), 2);
    let fine =
        "const DEFAULT: &str = \"web\";\nfn g() { h(\"queue\"); }\n// \"web\" => in a comment";
    assert!(system_name_branches(fine, &ids).is_empty());
    let in_test = "fn x() {}\n#[cfg(test)]\nmod tests { fn t(s: &str) -> bool { s == \"web\" } }";
    assert!(system_name_branches(in_test, &ids).is_empty());
}

/// ARCHITECTURE.md, "Systems are catalogue items": what a system is (its parameters,
/// golden series, diagram, parts) comes from its `SystemMeta`, so nothing outside a
/// system's own folder (`engine/src/systems/<id>.rs` or `systems/<id>/`) branches on
/// its name, in any crate.
#[test]
fn nothing_outside_a_system_branches_on_its_name() {
    let ids: Vec<&str> = engine::systems::ALL.iter().map(|s| s.id).collect();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut problems = Vec::new();
    for krate in CRATES {
        let dir = if krate == "engine" {
            root.join("engine/src")
        } else {
            root.join(krate).join("src")
        };
        let mut files = Vec::new();
        rust_files(&dir, &mut files);
        for f in files {
            let rel = f
                .strip_prefix(&root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            let own = ids.iter().any(|id| {
                rel == format!("engine/src/systems/{id}.rs")
                    || rel.starts_with(&format!("engine/src/systems/{id}/"))
            });
            if own {
                continue;
            }
            let text = std::fs::read_to_string(&f).unwrap();
            for hit in system_name_branches(&text, &ids) {
                problems.push(format!("{rel}:{hit}"));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "branches on a system's name outside its folder (read it from its SystemMeta):\n{}",
        problems.join("\n")
    );
}
