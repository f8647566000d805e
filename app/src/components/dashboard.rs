//! The golden-signal dashboard: one chart per signal, and a polite live region that reads
//! the current values out now and then (on pause, on reset, every few seconds while
//! playing; not every frame, which would drown a screen reader).

use crate::components::chart::{Chart, Line};
use crate::components::integrity::IntegrityPanel;
use crate::format::{virtual_time, Quantity};
use crate::sim::Sim;
use leptos::prelude::*;

#[component]
pub fn Dashboard() -> impl IntoView {
    let sim = Sim::expect();
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
        <section class="dashboard" aria-labelledby="dashboard-title">
            <h2 id="dashboard-title">"Golden signals"</h2>
            <p class="visually-hidden" aria-live="polite" data-testid="live-status">{live_text}</p>
            <div class="charts">
                <Chart
                    testid="chart-throughput"
                    title="Throughput"
                    quantity=Quantity::Rate
                    lines=vec![Line { series: "throughput_rps", label: "ok", class: "s1", value_testid: "value-throughput" }]
                />
                <Chart
                    testid="chart-error-rate"
                    title="Error rate"
                    quantity=Quantity::Ratio
                    lines=vec![Line { series: "error_rate", label: "errors", class: "s4", value_testid: "value-error-rate" }]
                />
                <Chart
                    testid="chart-latency"
                    title="Latency"
                    quantity=Quantity::Seconds
                    lines=vec![
                        Line { series: "latency_p50_s", label: "p50", class: "s1", value_testid: "value-p50" },
                        Line { series: "latency_p95_s", label: "p95", class: "s2", value_testid: "value-p95" },
                        Line { series: "latency_p99_s", label: "p99", class: "s3", value_testid: "value-p99" },
                    ]
                />
                <Chart
                    testid="chart-queue-depth"
                    title="Queue depth"
                    quantity=Quantity::Count
                    lines=vec![Line { series: "queue_depth", label: "waiting", class: "s2", value_testid: "value-queue-depth" }]
                />
                <Chart
                    testid="chart-utilization"
                    title="Utilisation"
                    quantity=Quantity::Ratio
                    fixed_max=100.0
                    lines=vec![Line { series: "utilization", label: "busy", class: "s1", value_testid: "value-utilization" }]
                />
            </div>
            <IntegrityPanel />
        </section>
    }
}
