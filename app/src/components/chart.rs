//! A live line chart of golden series: title, unit, current values as text (which is
//! also its text alternative) and an SVG plot of the last `CHART_WINDOW_S` virtual
//! seconds.

use crate::components::compare::BaselineStore;
use crate::format::{nice_ceiling, virtual_time, Quantity};
use crate::sim::{Sim, CHART_WINDOW_S};
use leptos::prelude::*;

/// Plot area in SVG user units; the SVG stretches to its box.
const W: f64 = 300.0;
const H: f64 = 100.0;

/// One line of a chart.
#[derive(Debug, Clone, Copy)]
pub struct Line {
    /// Golden series name (`engine::GOLDEN_SERIES`).
    pub series: &'static str,
    pub label: &'static str,
    /// CSS class giving its colour and dash.
    pub class: &'static str,
    /// `data-testid` of its current value.
    pub value_testid: &'static str,
}

#[component]
pub fn Chart(
    testid: &'static str,
    title: &'static str,
    quantity: Quantity,
    lines: Vec<Line>,
    /// A fixed top of the scale in display units (e.g. 100 % for utilisation).
    #[prop(optional)]
    fixed_max: Option<f64>,
) -> impl IntoView {
    let sim = Sim::expect();
    let baseline = use_context::<BaselineStore>();
    let unit = quantity.unit();
    let title_id = format!("{testid}-title");
    let labelled_by = title_id.clone();
    let lines = StoredValue::new(lines);

    let current =
        move |series: &'static str| sim.readout.with(|r| r.golden.get(series)).unwrap_or(0.0);
    let plot = Memo::new(move |_| {
        sim.readout.with(|r| {
            let last_t = lines.with_value(|ls| {
                ls.iter()
                    .filter_map(|l| r.series(l.series).last().map(|p| p.0))
                    .max()
                    .unwrap_or(0)
            });
            let window_ns = CHART_WINDOW_S * 1_000_000_000;
            let x0 = last_t.saturating_sub(window_ns);
            let top = fixed_max.unwrap_or_else(|| {
                let peak = lines.with_value(|ls| {
                    ls.iter()
                        .flat_map(|l| r.series(l.series).iter())
                        .map(|p| quantity.scaled(p.1))
                        .fold(0.0, f64::max)
                });
                let base_peak = baseline.map_or(0.0, |b| {
                    b.0.with(|b| {
                        b.as_ref().map_or(0.0, |b| {
                            lines.with_value(|ls| {
                                ls.iter()
                                    .flat_map(|l| b.readout.series(l.series).iter())
                                    .filter(|p| p.0 >= x0)
                                    .map(|p| quantity.scaled(p.1))
                                    .fold(0.0, f64::max)
                            })
                        })
                    })
                });
                let peak = peak.max(base_peak);
                nice_ceiling(peak)
            });
            let paths = lines.with_value(|ls| {
                ls.iter()
                    .map(|l| {
                        let mut d = String::new();
                        for (i, (t, v)) in r.series(l.series).iter().enumerate() {
                            let x = (t - x0) as f64 / window_ns as f64 * W;
                            let y = H - (quantity.scaled(*v) / top).clamp(0.0, 1.02) * H;
                            let cmd = if i == 0 { 'M' } else { 'L' };
                            d.push_str(&format!("{cmd}{x:.1} {y:.1}"));
                        }
                        d
                    })
                    .collect::<Vec<_>>()
            });
            // The kept baseline's lines, on the same virtual-time axis (dashed).
            let base_paths = baseline
                .and_then(|b| {
                    b.0.with(|b| {
                        b.as_ref().map(|b| {
                            lines.with_value(|ls| {
                                ls.iter()
                                    .map(|l| {
                                        path_of(
                                            b.readout.series(l.series),
                                            x0,
                                            window_ns,
                                            quantity,
                                            top,
                                        )
                                    })
                                    .collect::<Vec<_>>()
                            })
                        })
                    })
                })
                .unwrap_or_default();
            (top, paths, x0, base_paths)
        })
    });
    let aria_label = move || {
        let values = lines.with_value(|ls| {
            ls.iter()
                .map(|l| format!("{} {}", l.label, quantity.format(current(l.series))))
                .collect::<Vec<_>>()
                .join(", ")
        });
        format!("{title} over the last {CHART_WINDOW_S} s of virtual time; now {values}")
    };

    view! {
        <figure class="chart" data-testid=testid aria-labelledby=labelled_by>
            <figcaption>
                <h3 id=title_id>{title} <span class="unit">" (" {unit} ")"</span></h3>
            </figcaption>
            <dl class="values">
                {lines
                    .get_value()
                    .into_iter()
                    .map(|l| {
                        view! {
                            <div class="value">
                                <dt>
                                    <span class=format!("swatch {}", l.class) aria-hidden="true"></span>
                                    {l.label}
                                </dt>
                                <dd
                                    data-testid=l.value_testid
                                    data-value=move || current(l.series).to_string()
                                >
                                    {move || quantity.format(current(l.series))}
                                </dd>
                            </div>
                        }
                    })
                    .collect_view()}
            </dl>
            <div class="plot">
                <span class="axis axis-top" aria-hidden="true">
                    {move || quantity.axis_label(plot.with(|p| p.0))}
                </span>
                <svg
                    viewBox=format!("0 0 {W} {H}")
                    preserveAspectRatio="none"
                    role="img"
                    aria-label=aria_label
                >
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
                    {lines
                        .get_value()
                        .into_iter()
                        .enumerate()
                        .map(|(i, l)| {
                            view! {
                                <path
                                    class=format!("series baseline {}", l.class)
                                    data-testid=format!("baseline-line-{}", l.series)
                                    d=move || plot.with(|p| p.3.get(i).cloned().unwrap_or_default())
                                ></path>
                            }
                        })
                        .collect_view()}
                </svg>
                <span class="axis axis-bottom" aria-hidden="true">
                    // The virtual time at each edge of the plot.
                    <span>{move || virtual_time(plot.with(|p| p.2))}</span>
                    <span>
                        {move || {
                            virtual_time(plot.with(|p| p.2) + CHART_WINDOW_S * 1_000_000_000)
                        }}
                    </span>
                </span>
            </div>
        </figure>
    }
}

/// SVG path data of a series on a plot starting at `x0` (points before it are left out).
fn path_of(points: &[(u64, f64)], x0: u64, window_ns: u64, quantity: Quantity, top: f64) -> String {
    let mut d = String::new();
    for (t, v) in points.iter().filter(|p| p.0 >= x0 && p.0 - x0 <= window_ns) {
        let x = (t - x0) as f64 / window_ns as f64 * W;
        let y = H - (quantity.scaled(*v) / top).clamp(0.0, 1.02) * H;
        let cmd = if d.is_empty() { 'M' } else { 'L' };
        d.push_str(&format!("{cmd}{x:.1} {y:.1}"));
    }
    d
}
