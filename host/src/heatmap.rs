//! A heatmap's data: a histogram metric over a span of virtual time, one column per
//! stretch of samples, one row per bucket, with the counts of observations in each
//! (`HeatGrid::build`, the engine's answer to `Ask::Heatmap`), and its text alternative
//! (`HeatGrid::summary`). The page draws it (`components::heatmap` in the app).

use crate::format::Quantity;

/// At most this many columns, however long the span (each then covers several samples).
pub const MAX_COLUMNS: usize = 120;
/// Buckets holding less than this share of the span's observations are left out of the
/// text alternative.
const MENTION_SHARE: f64 = 0.01;

/// The heatmap's data: `counts[column][row]`, rows being the buckets from `first_row`
/// (the lowest bucket with an observation) up to the highest with one.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HeatGrid {
    pub bounds: Vec<f64>,
    pub first_row: usize,
    pub counts: Vec<Vec<u64>>,
    /// Virtual time at the start of the first column and the end of the last.
    pub from_ns: u64,
    pub to_ns: u64,
}

impl HeatGrid {
    /// Columns over the sample times `times` (ascending): each covers `(previous end,
    /// its end]`, several samples apiece when there are more than `max_columns`.
    pub fn build(lab: &engine::Lab, metric: &str, times: &[u64], max_columns: usize) -> HeatGrid {
        let reg = lab.metrics();
        let (Some(&first), Some(&last)) = (times.first(), times.last()) else {
            return HeatGrid::default();
        };
        let stride = times.len().div_ceil(max_columns.max(1)).max(1);
        // Column ends, newest kept whatever the stride.
        let mut ends: Vec<u64> = times.iter().rev().step_by(stride).copied().collect();
        ends.reverse();
        // The first column starts one stride before its end (the sample before the
        // span, if the run holds it).
        let start = first.saturating_sub(times.get(1).map_or(0, |t| t - first) * stride as u64);
        let mut bounds: &'static [f64] = &[];
        let mut columns = Vec::with_capacity(ends.len());
        let mut prev = start;
        for &end in &ends {
            if let Some((b, col)) = reg.family_buckets_between(metric, prev, end) {
                bounds = b;
                columns.push(col);
            }
            prev = end;
        }
        let used = |k: usize| {
            columns
                .iter()
                .any(|c: &Vec<u64>| c.get(k).is_some_and(|n| *n > 0))
        };
        let rows = bounds.len() + 1;
        let (Some(lo), Some(hi)) = ((0..rows).find(|&k| used(k)), (0..rows).rfind(|&k| used(k)))
        else {
            return HeatGrid {
                bounds: bounds.to_vec(),
                from_ns: start,
                to_ns: last,
                ..HeatGrid::default()
            };
        };
        HeatGrid {
            bounds: bounds.to_vec(),
            first_row: lo,
            counts: columns.into_iter().map(|c| c[lo..=hi].to_vec()).collect(),
            from_ns: start,
            to_ns: last,
        }
    }

    pub fn rows(&self) -> usize {
        self.counts.first().map_or(0, Vec::len)
    }

    pub fn total(&self) -> u64 {
        self.counts.iter().flatten().sum()
    }

    /// Row `r`'s bucket as text, e.g. `10 ms – 15 ms`, `over 30 s`.
    pub fn row_label(&self, r: usize, unit: Quantity) -> String {
        let k = self.first_row + r;
        let lower = k.checked_sub(1).and_then(|i| self.bounds.get(i)).copied();
        match (lower, self.bounds.get(k)) {
            (None, Some(&hi)) => format!("up to {}", unit.format(hi)),
            (Some(lo), Some(&hi)) => format!("{} – {}", unit.format(lo), unit.format(hi)),
            (Some(lo), None) => format!("over {}", unit.format(lo)),
            (None, None) => "all".to_string(),
        }
    }

    /// Where the observations fell, fastest bucket first, buckets under 1 % left out;
    /// a gap between two modes reads "then": `…, 50 ms – 75 ms: 2.4 %; then 5 s – 10 s: 1.4 %`.
    pub fn summary(&self, unit: Quantity) -> String {
        let total = self.total();
        if total == 0 {
            return "No observations in this span yet.".to_string();
        }
        let mut text = format!("{total} observations: ");
        let mut last: Option<usize> = None;
        for r in 0..self.rows() {
            let n: u64 = self.counts.iter().map(|c| c[r]).sum();
            if (n as f64) < MENTION_SHARE * total as f64 {
                continue;
            }
            match last {
                Some(l) if r > l + 1 => text.push_str("; then "),
                Some(_) => text.push_str(", "),
                None => {}
            }
            text.push_str(&format!(
                "{}: {}",
                self.row_label(r, unit),
                Quantity::Ratio.format(n as f64 / total as f64)
            ));
            last = Some(r);
        }
        text.push('.');
        text
    }
}

// On the wire from the engine's worker (`protocol`).
engine::codec_struct!(HeatGrid {
    bounds,
    first_row,
    counts,
    from_ns,
    to_ns
});
