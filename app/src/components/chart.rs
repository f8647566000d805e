//! A live line chart: title, unit, current values as text (also its text alternative), an
//! SVG plot over the chosen span of virtual time (`Sim::range`), shaded bands (alerts
//! pending or firing), and a crosshair. Pointer hover or the arrow keys on the focused
//! plot pick an instant; its values show in a tooltip and are read out through a polite
//! live region.
//!
//! The chart draws whatever `data` holds, one point list per entry of `lines`; `baseline`
//! adds a kept run's points for the same lines, drawn dashed on the same time axis.

use crate::sim::Sim;
use engine::golden::Signal as GoldenSignal;
use leptos::prelude::*;
use sdl_host::format::{nice_ceiling, virtual_time, Quantity};
use std::sync::Arc;
use wasm_bindgen::JsCast;

/// Plot area in SVG user units; the SVG stretches to its box.
const W: f64 = 300.0;
const H: f64 = 100.0;
/// Above this many points a line is drawn from each plot column's minimum and maximum,
/// so spikes survive and an hour of samples stays cheap to draw.
const MAX_DRAWN_POINTS: usize = 600;
/// Arrow keys with Shift (or Page Up/Down) move the crosshair this many samples.
const BIG_STEP: usize = 10;

/// `(virtual time in ns, value)` samples of one line, oldest first; shared, so a golden
/// signal's column goes from the page's readout to its chart without a copy.
pub type Points = Arc<[(u64, f64)]>;

/// One line of a chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub label: String,
    /// CSS class giving its colour and dash.
    pub class: &'static str,
    /// `data-testid` of its current value, if tests look it up.
    pub value_testid: Option<String>,
    /// The golden signal it draws, if any: names its baseline line (`baseline-line-NAME`).
    pub signal: Option<GoldenSignal>,
}

impl Line {
    pub fn new(label: impl Into<String>, class: &'static str) -> Line {
        Line {
            label: label.into(),
            class,
            value_testid: None,
            signal: None,
        }
    }

    pub fn golden(mut self, signal: GoldenSignal) -> Line {
        self.signal = Some(signal);
        self
    }

    pub fn testid(mut self, id: impl Into<String>) -> Line {
        self.value_testid = Some(id.into());
        self
    }
}

/// A stretch of virtual time shaded on a chart, e.g. an alert pending or firing.
#[derive(Debug, Clone, PartialEq)]
pub struct Band {
    pub from_ns: u64,
    /// `None` while it lasts.
    pub to_ns: Option<u64>,
    /// CSS class: `pending` or `firing`.
    pub class: &'static str,
    /// What it is, for its tooltip (`<title>`).
    pub label: String,
}

/// The latest sample at or before `t`.
fn value_at(points: &[(u64, f64)], t: u64) -> Option<(u64, f64)> {
    let i = points.partition_point(|p| p.0 <= t);
    i.checked_sub(1).map(|i| points[i])
}

/// The visible span `(x0, x1)` in ns: the chosen range ending at the latest sample (or
/// starting at 0 until the run is that long), or everything held for "All".
fn span(data: &[Points], range: Option<u64>) -> (u64, u64) {
    let last = data.iter().filter_map(|p| p.last().map(|p| p.0)).max();
    let first = data.iter().filter_map(|p| p.first().map(|p| p.0)).min();
    match range {
        Some(r) => {
            let end = last.unwrap_or(0).max(r);
            (end - r, end)
        }
        None => {
            let x0 = first.unwrap_or(0);
            let x1 = last.unwrap_or(0).max(x0 + 1_000_000_000);
            (x0, x1)
        }
    }
}

/// SVG path data for one line over `[x0, x1]`, thinned to column extremes when long.
fn path(points: &[(u64, f64)], x0: u64, x1: u64, y: impl Fn(f64) -> f64) -> String {
    let w = (x1 - x0).max(1) as f64;
    let x = |t: u64| (t.saturating_sub(x0)) as f64 / w * W;
    let visible: Vec<(u64, f64)> = points.iter().copied().filter(|p| p.0 >= x0).collect();
    let mut d = String::new();
    let mut push = |t: u64, v: f64| {
        let cmd = if d.is_empty() { 'M' } else { 'L' };
        d.push_str(&format!("{cmd}{:.1} {:.1}", x(t), y(v)));
    };
    if visible.len() <= MAX_DRAWN_POINTS {
        for (t, v) in visible {
            push(t, v);
        }
        return d;
    }
    let columns = MAX_DRAWN_POINTS / 2;
    let mut i = 0;
    while i < visible.len() {
        let col = (x(visible[i].0) / W * columns as f64) as usize;
        let mut j = i;
        let (mut lo, mut hi) = (visible[i], visible[i]);
        while j < visible.len() && (x(visible[j].0) / W * columns as f64) as usize == col {
            if visible[j].1 < lo.1 {
                lo = visible[j];
            }
            if visible[j].1 > hi.1 {
                hi = visible[j];
            }
            j += 1;
        }
        let (a, b) = if lo.0 <= hi.0 { (lo, hi) } else { (hi, lo) };
        push(a.0, a.1);
        if b != a {
            push(b.0, b.1);
        }
        i = j;
    }
    d
}

#[component]
pub fn Chart(
    #[prop(into)] testid: String,
    #[prop(into)] title: String,
    quantity: Quantity,
    lines: Vec<Line>,
    /// Points of each line, in the order of `lines`.
    #[prop(into)]
    data: Signal<Vec<Points>>,
    /// A fixed top of the scale in display units (e.g. 100 % for utilisation).
    #[prop(optional)]
    fixed_max: Option<f64>,
    /// Shaded stretches of time (alerts).
    #[prop(optional, into)]
    bands: Option<Signal<Vec<Band>>>,
    /// A sentence under the title saying what the chart measures.
    #[prop(optional, into)]
    note: Option<&'static str>,
    /// What the chart counts, in more words, behind a disclosure under the title (it
    /// may change with the running system: a golden signal's meaning there).
    #[prop(optional, into)]
    about: Option<Signal<&'static str>>,
    /// A kept run's points for the same lines (see `compare`), drawn dashed.
    #[prop(optional, into)]
    baseline: Option<Signal<Vec<Points>>>,
) -> impl IntoView {
    let sim = Sim::expect();
    let unit = quantity.unit();
    let title_id = format!("{testid}-title");
    let labelled_by = title_id.clone();
    let hover_testid = format!("{testid}-hover");
    let lines = StoredValue::new(lines);
    let title = StoredValue::new(title);
    // The instant under the crosshair (virtual ns), if any.
    let cursor = RwSignal::new(None::<u64>);

    let window = Memo::new(move |_| data.with(|d| span(d, sim.range.get().span_ns())));
    let current =
        move |i: usize| data.with(|d| d.get(i).and_then(|p| p.last()).map_or(f64::NAN, |p| p.1));
    let plot = Memo::new(move |_| {
        let (x0, x1) = window.get();
        data.with(|d| {
            let base = baseline.map(|b| b.get()).unwrap_or_default();
            let top = fixed_max.unwrap_or_else(|| {
                let peak = d
                    .iter()
                    .chain(base.iter())
                    .flat_map(|p| p.iter().filter(|p| p.0 >= x0 && p.0 <= x1))
                    .map(|p| quantity.scaled(p.1))
                    .filter(|v| v.is_finite())
                    .fold(0.0, f64::max);
                nice_ceiling(peak)
            });
            let y = |v: f64| {
                let v = if v.is_finite() { v } else { 0.0 };
                H - (quantity.scaled(v) / top).clamp(0.0, 1.02) * H
            };
            let paths = d.iter().map(|p| path(p, x0, x1, y)).collect::<Vec<_>>();
            // A kept run may be longer than this one: only its part on this axis.
            let base_paths = base
                .iter()
                .map(|p| {
                    let inside: Vec<_> = p.iter().copied().filter(|p| p.0 <= x1).collect();
                    path(&inside, x0, x1, y)
                })
                .collect::<Vec<_>>();
            (top, paths, base_paths)
        })
    });
    let x_of = move |t: u64| {
        let (x0, x1) = window.get();
        (t.saturating_sub(x0)) as f64 / (x1 - x0).max(1) as f64 * W
    };
    // The sample times the crosshair can stop at: those of the longest line.
    let grid = move || {
        data.with(|d| {
            d.iter()
                .max_by_key(|p| p.len())
                .map(|p| p.iter().map(|p| p.0).collect::<Vec<_>>())
                .unwrap_or_default()
        })
    };
    // The snapped instant under the crosshair, while it is inside the plot.
    let hovered = move || {
        let t = cursor.get()?;
        let (x0, _) = window.get();
        data.with(|d| {
            d.iter()
                .filter_map(|p| value_at(p, t).map(|p| p.0))
                .max()
                .filter(|t| *t >= x0)
        })
    };
    let hover_text = move || {
        let t = hovered()?;
        let values = lines.with_value(|ls| {
            ls.iter()
                .enumerate()
                .map(|(i, l)| {
                    let v = data.with(|d| d.get(i).and_then(|p| value_at(p, t)).map(|p| p.1));
                    format!("{} {}", l.label, quantity.format(v.unwrap_or(f64::NAN)))
                })
                .collect::<Vec<_>>()
                .join(", ")
        });
        Some(format!("At {}: {values}", virtual_time(t)))
    };
    let on_key = move |ev: web_sys::KeyboardEvent| {
        let times = grid();
        if times.is_empty() {
            return;
        }
        let at = cursor
            .get_untracked()
            .map(|t| times.partition_point(|s| *s <= t).saturating_sub(1))
            .unwrap_or(times.len() - 1);
        let step = if ev.shift_key() { BIG_STEP } else { 1 };
        let next = match ev.key().as_str() {
            "ArrowLeft" => Some(at.saturating_sub(step)),
            "ArrowRight" => Some((at + step).min(times.len() - 1)),
            "PageUp" => Some(at.saturating_sub(BIG_STEP)),
            "PageDown" => Some((at + BIG_STEP).min(times.len() - 1)),
            "Home" => Some(0),
            "End" => Some(times.len() - 1),
            "Escape" => {
                cursor.set(None);
                return;
            }
            _ => return,
        };
        ev.prevent_default();
        if let Some(i) = next {
            let (x0, _) = window.get_untracked();
            let i = if times[i] < x0 {
                times.partition_point(|s| *s < x0).min(times.len() - 1)
            } else {
                i
            };
            cursor.set(Some(times[i]));
        }
    };
    let on_pointer = move |ev: web_sys::PointerEvent| {
        let Some(el) = ev
            .current_target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        else {
            return;
        };
        let rect = el.get_bounding_client_rect();
        if rect.width() <= 0.0 {
            return;
        }
        let frac = ((f64::from(ev.client_x()) - rect.left()) / rect.width()).clamp(0.0, 1.0);
        let (x0, x1) = window.get_untracked();
        cursor.set(Some(x0 + (frac * (x1 - x0) as f64) as u64));
    };
    let aria_label = move || {
        let values = lines.with_value(|ls| {
            ls.iter()
                .enumerate()
                .map(|(i, l)| format!("{} {}", l.label, quantity.format(current(i))))
                .collect::<Vec<_>>()
                .join(", ")
        });
        let (x0, x1) = window.get();
        format!(
            "{} from {} to {} of virtual time; now {values}",
            title.get_value(),
            virtual_time(x0),
            virtual_time(x1)
        )
    };
    let plot_help = "Arrow keys move a crosshair through the samples and read out their values; Escape hides it.";

    view! {
        <figure
            class="chart"
            data-testid=testid.clone()
            data-span-ns=move || { let (a, b) = window.get(); (b - a).to_string() }
            aria-labelledby=labelled_by
        >
            <figcaption>
                <h3 id=title_id>
                    {title.get_value()}
                    {(!unit.is_empty()).then(|| view! { <span class="unit">" (" {unit} ")"</span> })}
                </h3>
                {note.map(|n| view! { <p class="chart-note">{n}</p> })}
                {about.map(|a| view! {
                    <details class="chart-about">
                        <summary>"What it counts"</summary>
                        <p>{move || a.get()}</p>
                    </details>
                })}
            </figcaption>
            <dl class="values">
                {lines
                    .get_value()
                    .into_iter()
                    .enumerate()
                    .map(|(i, l)| {
                        view! {
                            <div class="value">
                                <dt>
                                    <span class=format!("swatch {}", l.class) aria-hidden="true"></span>
                                    {l.label.clone()}
                                </dt>
                                <dd
                                    data-testid=l.value_testid.clone()
                                    data-value=move || current(i).to_string()
                                >
                                    {move || quantity.format(current(i))}
                                </dd>
                            </div>
                        }
                    })
                    .collect_view()}
            </dl>
            <div
                class="plot"
                tabindex="0"
                role="group"
                aria-label=move || format!("{} plot. {plot_help}", title.get_value())
                data-testid=format!("{testid}-plot")
                on:pointermove=on_pointer
                on:pointerleave=move |_| cursor.set(None)
                on:keydown=on_key
                on:blur=move |_| cursor.set(None)
            >
                <span class="axis axis-top" aria-hidden="true">
                    {move || quantity.axis_label(plot.with(|p| p.0))}
                </span>
                <svg
                    viewBox=format!("0 0 {W} {H}")
                    preserveAspectRatio="none"
                    role="img"
                    aria-label=aria_label
                >
                    {move || {
                        bands
                            .map(|b| b.get())
                            .unwrap_or_default()
                            .into_iter()
                            .filter_map(|b| {
                                let (x0, x1) = window.get();
                                let end = b.to_ns.unwrap_or(x1).min(x1);
                                if end < x0 {
                                    return None;
                                }
                                let a = x_of(b.from_ns.max(x0));
                                let w = (x_of(end) - a).max(0.8);
                                Some(view! {
                                    <rect class=format!("band {}", b.class) x=a y="0" width=w height=H>
                                        <title>{b.label}</title>
                                    </rect>
                                })
                            })
                            .collect_view()
                    }}
                    <line class="grid" x1="0" y1="0" x2=W y2="0"></line>
                    <line class="grid" x1="0" y1=H / 2.0 x2=W y2=H / 2.0></line>
                    <line class="grid axis-base" x1="0" y1=H x2=W y2=H></line>
                    {lines
                        .get_value()
                        .into_iter()
                        .enumerate()
                        .map(|(i, l)| {
                            view! {
                                <path
                                    class=format!("series {}", l.class)
                                    d=move || plot.with(|p| p.1.get(i).cloned().unwrap_or_default())
                                ></path>
                            }
                        })
                        .collect_view()}
                    {baseline
                        .is_some()
                        .then(|| {
                            lines
                                .get_value()
                                .into_iter()
                                .enumerate()
                                .map(|(i, l)| {
                                    view! {
                                        <path
                                            class=format!("series baseline {}", l.class)
                                            data-testid=l.signal.map(|s| format!("baseline-line-{}", s.name()))
                                            d=move || plot.with(|p| p.2.get(i).cloned().unwrap_or_default())
                                        ></path>
                                    }
                                })
                                .collect_view()
                        })}
                    {move || {
                        hovered()
                            .map(|t| {
                                let x = x_of(t);
                                view! {
                                    <line class="crosshair" x1=x y1="0" x2=x y2=H></line>
                                }
                            })
                    }}
                </svg>
                {move || {
                    hover_text()
                        .zip(hovered())
                        .map(|(text, t)| {
                            let left = (x_of(t) / W * 100.0).clamp(0.0, 100.0);
                            let side = if left > 50.0 { "tooltip tooltip-left" } else { "tooltip" };
                            view! {
                                <div class=side style:left=format!("{left:.1}%") aria-hidden="true">
                                    {text}
                                </div>
                            }
                        })
                }}
                <span class="axis axis-bottom" aria-hidden="true">
                    // The virtual time at each edge of the plot.
                    <span>{move || virtual_time(window.get().0)}</span>
                    <span>{move || virtual_time(window.get().1)}</span>
                </span>
            </div>
            <p class="visually-hidden" aria-live="polite" data-testid=hover_testid>
                {hover_text}
            </p>
        </figure>
    }
}
