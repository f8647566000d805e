//! A heatmap of a histogram metric over the chosen span of virtual time: one column per
//! stretch of samples, one row per bucket, shaded by how many observations fell there
//! (log scale). It shows what percentile lines hide: two modes (most requests fast, some
//! stuck at a timeout), a whole distribution drifting. Drawn on a canvas, only while it is
//! open (its grid asked of the engine at each new sample); a sentence listing where the
//! observations fell is its text alternative.

use crate::sim::{Asker, Sim};
use leptos::html;
use leptos::prelude::*;
use sdl_host::format::{virtual_time, Quantity};
use sdl_host::heatmap::HeatGrid;
use sdl_host::protocol::{Answer, Ask};
use wasm_bindgen::JsCast;

/// Canvas pixels per cell (the canvas is scaled to its box with crisp edges).
const CELL_W: u32 = 4;
const CELL_H: u32 = 6;

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
        let span = sim.readout.with(|r| r.span());
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
        // Redrawn when the theme changes: the cells take a CSS colour.
        let _ = crate::components::theme::Theme::current();
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
