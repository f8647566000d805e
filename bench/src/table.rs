//! A small table that prints as aligned text on a terminal and as Markdown in the docs,
//! and the number formats the tables share.

pub struct Table {
    headers: Vec<String>,
    /// Right-align this column (numbers).
    right: Vec<bool>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// Columns whose header ends in `>` are right-aligned (the `>` is not printed).
    pub fn new(headers: &[&str]) -> Table {
        Table {
            right: headers.iter().map(|h| h.ends_with('>')).collect(),
            headers: headers
                .iter()
                .map(|h| h.trim_end_matches('>').to_string())
                .collect(),
            rows: Vec::new(),
        }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    fn widths(&self) -> Vec<usize> {
        let mut w: Vec<usize> = self.headers.iter().map(|h| h.chars().count()).collect();
        for r in &self.rows {
            for (i, c) in r.iter().enumerate() {
                if i < w.len() {
                    w[i] = w[i].max(c.chars().count());
                }
            }
        }
        w
    }

    fn line(&self, cells: &[String], widths: &[usize], sep: &str) -> String {
        let parts: Vec<String> = widths
            .iter()
            .enumerate()
            .map(|(i, &w)| {
                let c = cells.get(i).map(String::as_str).unwrap_or("");
                let pad = w.saturating_sub(c.chars().count());
                if self.right[i] {
                    format!("{}{c}", " ".repeat(pad))
                } else {
                    format!("{c}{}", " ".repeat(pad))
                }
            })
            .collect();
        parts.join(sep)
    }

    pub fn text(&self) -> String {
        let w = self.widths();
        let mut out = self.line(&self.headers, &w, "  ").trim_end().to_string();
        out.push('\n');
        let rule: Vec<String> = w.iter().map(|&n| "─".repeat(n)).collect();
        out.push_str(&rule.join("  "));
        out.push('\n');
        for r in &self.rows {
            out.push_str(self.line(r, &w, "  ").trim_end());
            out.push('\n');
        }
        out
    }

    pub fn markdown(&self) -> String {
        let w = self.widths();
        let mut out = format!("| {} |\n", self.line(&self.headers, &w, " | "));
        let rule: Vec<String> = w
            .iter()
            .zip(&self.right)
            .map(|(&n, &r)| {
                if r {
                    format!("{}:", "-".repeat(n.max(3) - 1))
                } else {
                    "-".repeat(n.max(3))
                }
            })
            .collect();
        out.push_str(&format!("| {} |\n", rule.join(" | ")));
        for r in &self.rows {
            out.push_str(&format!("| {} |\n", self.line(r, &w, " | ")));
        }
        out
    }
}

/// A rate or count with an SI suffix: `12.3 M`, `845 k`, `97.1`.
pub fn si(v: f64) -> String {
    let (x, suffix) = if v >= 1e9 {
        (v / 1e9, " G")
    } else if v >= 1e6 {
        (v / 1e6, " M")
    } else if v >= 1e3 {
        (v / 1e3, " k")
    } else {
        (v, "")
    };
    format!("{}{suffix}", sig3(x))
}

/// Three significant digits, no exponent.
pub fn sig3(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return format!("{x}");
    }
    let digits = x.abs().log10().floor() as i32;
    let decimals = (2 - digits).clamp(0, 6) as usize;
    format!("{x:.decimals$}")
}

/// Seconds as milliseconds with three significant digits.
pub fn ms(s: f64) -> String {
    sig3(s * 1000.0)
}

/// A relative error in percent with its sign.
pub fn pct(rel: f64) -> String {
    format!("{:+.2}%", rel * 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_well() {
        assert_eq!(si(12_345_678.0), "12.3 M");
        assert_eq!(si(845_000.0), "845 k");
        assert_eq!(si(97.14), "97.1");
        assert_eq!(ms(0.09), "90.0");
        assert_eq!(ms(0.0201234), "20.1");
        assert_eq!(pct(-0.00412), "-0.41%");
    }

    #[test]
    fn markdown_has_one_row_per_entry_and_right_aligned_numbers() {
        let mut t = Table::new(&["model", "events/s>"]);
        t.row(vec!["mm1".into(), "12.3 M".into()]);
        let md = t.markdown();
        assert_eq!(md.lines().count(), 3);
        assert!(md.lines().nth(1).unwrap().contains("-:"));
    }
}
