//! A heatmap of a histogram metric over the chosen span of virtual time: one column per
//! stretch of samples, one row per bucket, shaded by how many observations fell there
//! (log scale). It shows what percentile lines hide: two modes (most requests fast, some
//! stuck at a timeout), a whole distribution drifting. Drawn on a canvas, only while it is
//! open (its grid asked of the engine at each new sample); a sentence listing where the
//! observations fell is its text alternative.

use crate::format::{virtual_time, Quantity};
use crate::protocol::{Answer, Ask};
use crate::sim::{Asker, Sim};
use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// At most this many columns, however long the span (each then covers several samples).
pub const MAX_COLUMNS: usize = 120;
/// Canvas pixels per cell (the canvas is scaled to its box with crisp edges).
const CELL_W: u32 = 4;
const CELL_H: u32 = 6;
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

fn draw(canvas: &web_sys::HtmlCanvasElement, grid: &HeatGrid) {
    let (cols, rows) = (grid.counts.len() as u32, grid.rows() as u32);
    canvas.set_width((cols * CELL_W).max(1));
    canvas.set_height((rows * CELL_H).max(1));
    let Some(cx) = canvas
        .get_context("2d")
        .ok()
        .flatten()
        .and_then(|c| c.dyn_into::<web_sys::CanvasRenderingContext2d>().ok())
    else {
        return;
    };
    // The cells take the canvas's CSS colour, so they follow the light or dark theme.
    let colour = window()
        .get_computed_style(canvas)
        .ok()
        .flatten()
        .and_then(|s| s.get_property_value("color").ok())
        .unwrap_or_else(|| "#1d4ed8".to_string());
    cx.set_fill_style_str(&colour);
    let peak = grid.counts.iter().flatten().copied().max().unwrap_or(0);
    let scale = (1.0 + peak as f64).ln();
    for (c, column) in grid.counts.iter().enumerate() {
        for (r, &n) in column.iter().enumerate() {
            if n == 0 || scale <= 0.0 {
                continue;
            }
            cx.set_global_alpha((0.15 + 0.85 * (1.0 + n as f64).ln() / scale).min(1.0));
            // Row 0 (the fastest bucket) at the bottom.
            let y = (rows - 1 - r as u32) * CELL_H;
            cx.fill_rect(
                f64::from(c as u32 * CELL_W),
                f64::from(y),
                f64::from(CELL_W),
                f64::from(CELL_H),
            );
        }
    }
    cx.set_global_alpha(1.0);
}

/// The heatmap of histogram `metric` (a family the run registers) over `Sim::range`.
#[component]
pub fn Heatmap(
    metric: &'static str,
    quantity: Quantity,
    #[prop(into)] testid: String,
) -> impl IntoView {
    let sim = Sim::expect();
    let canvas = NodeRef::<html::Canvas>::new();
    let grid = RwSignal::new(HeatGrid::default());
    let asker = Asker::new();
    Effect::new(move |_| {
        let span = sim.readout.with(|r| {
            let times = r.series("throughput_rps");
            times.first().zip(times.last()).map(|(a, b)| (a.0, b.0))
        });
        let Some((from_ns, to_ns)) = span else {
            grid.set(HeatGrid::default());
            return;
        };
        let ask = Ask::Heatmap {
            metric: metric.to_string(),
            from_ns,
            to_ns,
        };
        asker.ask(sim, ask, move |answer| {
            let next = match answer {
                Answer::Heatmap(g) => g,
                Answer::Stale => return,
                _ => HeatGrid::default(),
            };
            if grid.with_untracked(|g| *g != next) {
                grid.set(next);
            }
        });
    });
    Effect::new(move |_| {
        let g = grid.get();
        if let Some(el) = canvas.get() {
            draw(&el, &g);
        }
    });
    let label = move || grid.with(|g| g.summary(quantity));
    let top = move || {
        grid.with(|g| {
            g.rows()
                .checked_sub(1)
                .map(|r| g.row_label(r, quantity))
                .unwrap_or_default()
        })
    };
    let bottom = move || {
        grid.with(|g| {
            if g.rows() > 0 {
                g.row_label(0, quantity)
            } else {
                String::new()
            }
        })
    };
    let times = move || grid.with(|g| (virtual_time(g.from_ns), virtual_time(g.to_ns)));
    view! {
        <figure class="heatmap" data-testid=testid>
            <div class="heatmap-plot">
                <div class="heatmap-y muted" aria-hidden="true">
                    <span>{top}</span>
                    <span>{bottom}</span>
                </div>
                // The caption below says in words what the canvas shows.
                <canvas node_ref=canvas aria-hidden="true"></canvas>
            </div>
            <div class="heatmap-x muted" aria-hidden="true">
                <span>{move || times().0}</span>
                <span>{move || times().1}</span>
            </div>
            <figcaption data-testid="heatmap-summary">{label}</figcaption>
        </figure>
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
