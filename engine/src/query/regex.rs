//! A small anchored regular expression matcher for label values (they are short):
//! literals, `.`, `[...]` classes, `*`, `+`, `?`, `|` and groups.

use std::cell::Cell;

#[derive(Debug, Clone, PartialEq)]
pub(super) struct Regex {
    pub(super) alt: Vec<Vec<Piece>>,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) struct Piece {
    pub(super) atom: Atom,
    pub(super) min: usize,
    pub(super) max: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Atom {
    Char(char),
    Any,
    Class {
        negated: bool,
        ranges: Vec<(char, char)>,
    },
    Group(Box<Regex>),
}

impl Regex {
    pub(super) fn parse(src: &str) -> Result<Regex, String> {
        let chars: Vec<char> = src.chars().collect();
        let mut i = 0;
        let r = Regex::alternation(&chars, &mut i, 0)?;
        if i < chars.len() {
            return Err(format!("unexpected `{}`", chars[i]));
        }
        Ok(r)
    }

    pub(super) fn alternation(c: &[char], i: &mut usize, depth: usize) -> Result<Regex, String> {
        if depth > 16 {
            return Err("groups nested too deeply".into());
        }
        let mut alt = vec![Vec::new()];
        while *i < c.len() {
            let ch = c[*i];
            let atom = match ch {
                '|' => {
                    *i += 1;
                    alt.push(Vec::new());
                    continue;
                }
                ')' => break,
                '(' => {
                    *i += 1;
                    let g = Regex::alternation(c, i, depth + 1)?;
                    if c.get(*i) != Some(&')') {
                        return Err("unclosed `(`".into());
                    }
                    *i += 1;
                    Atom::Group(Box::new(g))
                }
                '.' => {
                    *i += 1;
                    Atom::Any
                }
                '[' => {
                    *i += 1;
                    let negated = c.get(*i) == Some(&'^');
                    if negated {
                        *i += 1;
                    }
                    let mut ranges = Vec::new();
                    loop {
                        let Some(&a) = c.get(*i) else {
                            return Err("unclosed `[`".into());
                        };
                        if a == ']' && !ranges.is_empty() {
                            *i += 1;
                            break;
                        }
                        let a = if a == '\\' {
                            *i += 1;
                            *c.get(*i).ok_or("dangling `\\`")?
                        } else {
                            a
                        };
                        *i += 1;
                        if c.get(*i) == Some(&'-') && c.get(*i + 1).is_some_and(|&b| b != ']') {
                            let b = c[*i + 1];
                            *i += 2;
                            ranges.push((a, b));
                        } else {
                            ranges.push((a, a));
                        }
                    }
                    Atom::Class { negated, ranges }
                }
                '\\' => {
                    *i += 1;
                    let e = *c.get(*i).ok_or("dangling `\\`")?;
                    *i += 1;
                    Atom::Char(e)
                }
                '*' | '+' | '?' => return Err(format!("`{ch}` with nothing before it")),
                _ => {
                    *i += 1;
                    Atom::Char(ch)
                }
            };
            let (min, max) = match c.get(*i) {
                Some('*') => (0, usize::MAX),
                Some('+') => (1, usize::MAX),
                Some('?') => (0, 1),
                _ => (1, 1),
            };
            if (min, max) != (1, 1) {
                *i += 1;
            }
            if let Some(seq) = alt.last_mut() {
                seq.push(Piece { atom, min, max });
            }
        }
        Ok(Regex { alt })
    }

    pub(super) fn is_match(&self, s: &str) -> bool {
        let chars: Vec<char> = s.chars().collect();
        let budget = Cell::new(100_000u32);
        self.match_at(&chars, 0, &mut |end| end == chars.len(), &budget)
    }

    /// Tries to match at `pos`; calls `k` with each end position until it accepts.
    pub(super) fn match_at(
        &self,
        s: &[char],
        pos: usize,
        k: &mut dyn FnMut(usize) -> bool,
        budget: &Cell<u32>,
    ) -> bool {
        self.alt.iter().any(|seq| match_seq(seq, s, pos, k, budget))
    }
}

pub(super) fn match_seq(
    seq: &[Piece],
    s: &[char],
    pos: usize,
    k: &mut dyn FnMut(usize) -> bool,
    budget: &Cell<u32>,
) -> bool {
    if budget.get() == 0 {
        return false;
    }
    budget.set(budget.get() - 1);
    let Some((first, rest)) = seq.split_first() else {
        return k(pos);
    };
    match_repeat(first, 0, rest, s, pos, k, budget)
}

pub(super) fn match_repeat(
    p: &Piece,
    count: usize,
    rest: &[Piece],
    s: &[char],
    pos: usize,
    k: &mut dyn FnMut(usize) -> bool,
    budget: &Cell<u32>,
) -> bool {
    if budget.get() == 0 {
        return false;
    }
    budget.set(budget.get() - 1);
    // Greedy: one more repetition first, then stop here.
    if count < p.max {
        let more = match_atom(
            &p.atom,
            s,
            pos,
            &mut |end| end != pos && match_repeat(p, count + 1, rest, s, end, k, budget),
            budget,
        );
        if more {
            return true;
        }
    }
    count >= p.min && match_seq(rest, s, pos, k, budget)
}

pub(super) fn match_atom(
    a: &Atom,
    s: &[char],
    pos: usize,
    k: &mut dyn FnMut(usize) -> bool,
    budget: &Cell<u32>,
) -> bool {
    match a {
        Atom::Char(c) => s.get(pos) == Some(c) && k(pos + 1),
        Atom::Any => pos < s.len() && k(pos + 1),
        Atom::Class { negated, ranges } => {
            s.get(pos)
                .is_some_and(|&ch| ranges.iter().any(|&(lo, hi)| lo <= ch && ch <= hi) != *negated)
                && k(pos + 1)
        }
        Atom::Group(g) => g.match_at(s, pos, k, budget),
    }
}
