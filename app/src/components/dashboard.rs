//! The dashboard: the golden signals on top (traffic, errors, latency, saturation) over a
//! chosen span of virtual time, then the panels of the switched-on scenarios and
//! mitigations. A polite live region reads the current values out now and then (on
//! pause, on reset, every few seconds while playing; not every frame, which would drown
//! a screen reader).

use crate::components::alerts::{AlertFeed, AlertsPanel};
use crate::components::chart::{Chart, Line, Points};
use crate::components::compare::BaselineStore;
use crate::components::cost::CostPanel;
use crate::components::heatmap::Heatmap;
use crate::components::integrity::IntegrityPanel;
use crate::components::panels::ActivePanels;
use crate::sim::{Sim, TimeRange};
use engine::golden::Signal as GoldenSignal;
use leptos::prelude::*;
use sdl_host::format::{virtual_time, Quantity};

const LATENCY: &[GoldenSignal] = &GoldenSignal::LATENCY;

/// The kept baseline run's columns of the same signals (empty until one is kept).
fn baseline_data(signals: &'static [GoldenSignal]) -> Signal<Vec<Points>> {
    let store = use_context::<BaselineStore>();
    Memo::new(move |_| {
        let kept = |s: GoldenSignal| {
            store.and_then(|store| {
                store
                    .0
                    .with(|b| b.as_ref().map(|b| b.readout.column(s).clone()))
            })
        };
        signals
            .iter()
            .map(|s| kept(*s).unwrap_or_default())
            .collect()
    })
    .into()
}

/// The held columns of some golden signals, as chart data.
fn golden_data(sim: Sim, signals: &'static [GoldenSignal]) -> Signal<Vec<Points>> {
    Memo::new(move |_| {
        sim.readout
            .with(|r| signals.iter().map(|s| r.column(*s).clone()).collect())
    })
    .into()
}

/// What a golden signal measures in the running system (`SystemMeta::golden`).
fn meaning(sim: Sim, signal: GoldenSignal) -> Signal<&'static str> {
    Signal::derive(move || {
        sim.system.track();
        sim.system_meta().golden[signal.index()].meaning
    })
}

#[component]
pub fn Dashboard() -> impl IntoView {
    let sim = Sim::expect();
    let alerts = AlertFeed::new(sim);
    provide_context(alerts);
    // Drawn only while open: a closed heatmap costs nothing per sample.
    let heatmap_open = RwSignal::new(false);
    let live_text = move || {
        sim.announce.track();
        sim.playing.track();
        sim.generation.track();
        let g = sim.readout.with_untracked(|r| r.golden);
        format!(
            "At {}: throughput {}, errors {}, latency p50 {}, p95 {}, p99 {}, queue depth {}, utilisation {}.",
            virtual_time(g.t_ns),
            Quantity::Rate.format(g.throughput_rps),
            Quantity::Ratio.format(g.error_rate),
            Quantity::Seconds.format(g.latency_p50_s),
            Quantity::Seconds.format(g.latency_p95_s),
            Quantity::Seconds.format(g.latency_p99_s),
            Quantity::Count.format(g.queue_depth),
            Quantity::Ratio.format(g.utilization),
        )
    };

    view! {
        <div class="dashboard-column">
        <section class="dashboard" aria-labelledby="dashboard-title">
            <div class="dashboard-head">
                <h2 id="dashboard-title">"Golden signals"</h2>
                <div class="control">
                    <label for="time-range">"Time range"</label>
                    <select
                        id="time-range"
                        data-testid="time-range"
                        aria-keyshortcuts="T"
                        prop:value=move || sim.range.get().value()
                        on:change=move |ev| {
                            if let Some(r) = TimeRange::parse(&event_target_value(&ev)) {
                                sim.set_range(r);
                            }
                        }
                    >
                        {TimeRange::CHOICES
                            .into_iter()
                            .map(|r| view! { <option value=r.value()>{r.label()}</option> })
                            .collect_view()}
                    </select>
                </div>
            </div>
            <p class="visually-hidden" aria-live="polite" data-testid="live-status">{live_text}</p>
            <div class="charts">
                <Chart
                    testid="chart-throughput"
                    about=meaning(sim, GoldenSignal::ThroughputRps)
                    title="Throughput"
                    quantity=Quantity::Rate
                    lines=vec![Line::new("ok", "s1").golden(GoldenSignal::ThroughputRps).testid("value-throughput")]
                    data=golden_data(sim, &[GoldenSignal::ThroughputRps])
                    baseline=baseline_data(&[GoldenSignal::ThroughputRps])
                    bands=alerts.bands(&[GoldenSignal::ThroughputRps])
                />
                <Chart
                    testid="chart-error-rate"
                    about=meaning(sim, GoldenSignal::ErrorRate)
                    title="Error rate"
                    quantity=Quantity::Ratio
                    lines=vec![Line::new("errors", "s4").golden(GoldenSignal::ErrorRate).testid("value-error-rate")]
                    data=golden_data(sim, &[GoldenSignal::ErrorRate])
                    baseline=baseline_data(&[GoldenSignal::ErrorRate])
                    bands=alerts.bands(&[GoldenSignal::ErrorRate])
                />
                <Chart
                    testid="chart-latency"
                    about=meaning(sim, GoldenSignal::LatencyP50S)
                    title="Latency"
                    quantity=Quantity::Seconds
                    lines=vec![
                        Line::new("p50", "s1").golden(GoldenSignal::LatencyP50S).testid("value-p50"),
                        Line::new("p95", "s2").golden(GoldenSignal::LatencyP95S).testid("value-p95"),
                        Line::new("p99", "s3").golden(GoldenSignal::LatencyP99S).testid("value-p99"),
                    ]
                    data=golden_data(sim, LATENCY)
                    baseline=baseline_data(LATENCY)
                    bands=alerts.bands(LATENCY)
                />
                <Chart
                    testid="chart-queue-depth"
                    about=meaning(sim, GoldenSignal::QueueDepth)
                    title="Queue depth"
                    quantity=Quantity::Count
                    lines=vec![Line::new("waiting", "s2").golden(GoldenSignal::QueueDepth).testid("value-queue-depth")]
                    data=golden_data(sim, &[GoldenSignal::QueueDepth])
                    baseline=baseline_data(&[GoldenSignal::QueueDepth])
                    bands=alerts.bands(&[GoldenSignal::QueueDepth])
                />
                <Chart
                    testid="chart-utilization"
                    about=meaning(sim, GoldenSignal::Utilization)
                    title="Utilisation"
                    quantity=Quantity::Ratio
                    fixed_max=100.0
                    lines=vec![Line::new("busy", "s1").golden(GoldenSignal::Utilization).testid("value-utilization")]
                    data=golden_data(sim, &[GoldenSignal::Utilization])
                    baseline=baseline_data(&[GoldenSignal::Utilization])
                    bands=alerts.bands(&[GoldenSignal::Utilization])
                />
            </div>
            <details
                class="heatmap-details"
                data-testid="latency-heatmap-details"
                on:toggle=move |ev| {
                    use wasm_bindgen::JsCast;
                    let open = ev
                        .target()
                        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                        .is_some_and(|el| el.has_attribute("open"));
                    heatmap_open.set(open);
                }
            >
                <summary>"Latency heatmap: where every request's time fell"</summary>
                <Show when=move || heatmap_open.get()>
                    <Heatmap
                        metric="http_request_duration_seconds"
                        quantity=Quantity::Seconds
                        testid="latency-heatmap"
                    />
                </Show>
            </details>
            <CostPanel />
            <IntegrityPanel />
        </section>
        <AlertsPanel />
        <ActivePanels />
        </div>
    }
}
