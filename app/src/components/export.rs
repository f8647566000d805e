//! Export and import: metrics as Prometheus text, series as CSV and JSON, and for real
//! tools the history as OpenMetrics, alert rules, a Grafana dashboard and OTLP traces (made by the
//! engine, saved when it answers), a chart as PNG, the lab configuration as a versioned
//! JSON file; importing a configuration file, with every problem named.

use crate::sim::Sim;
use crate::url_state::{apply_state, current_state, Share};
use crate::web_share::{self, PngLine};
use engine::golden::Signal as GoldenSignal;
use engine::share::{read_config_file, MAX_CONFIG_BYTES};
use leptos::prelude::*;
use leptos::task::spawn_local;
use sdl_host::format::{nice_ceiling, virtual_time, Quantity};
use sdl_host::protocol::{Answer, Ask, ExportKind};

/// A chart that can be saved as PNG: id, title, quantity, lines (golden signal, label,
/// colour variable).
type PngChart = (
    &'static str,
    &'static str,
    Quantity,
    &'static [(GoldenSignal, &'static str, &'static str)],
);

const PNG_CHARTS: [PngChart; 4] = [
    (
        "latency",
        "Latency",
        Quantity::Seconds,
        &[
            (GoldenSignal::LatencyP50S, "p50", "--s1"),
            (GoldenSignal::LatencyP95S, "p95", "--s2"),
            (GoldenSignal::LatencyP99S, "p99", "--s3"),
        ],
    ),
    (
        "throughput",
        "Throughput",
        Quantity::Rate,
        &[(GoldenSignal::ThroughputRps, "ok", "--s1")],
    ),
    (
        "error-rate",
        "Error rate",
        Quantity::Ratio,
        &[(GoldenSignal::ErrorRate, "errors", "--s4")],
    ),
    (
        "queue-depth",
        "Queue depth",
        Quantity::Count,
        &[(GoldenSignal::QueueDepth, "waiting", "--s2")],
    ),
];

/// The files for real tools: test id, what the engine makes, extension, type, label.
const TOOL_FILES: [(&str, ExportKind, &str, &str, &str); 4] = [
    (
        "export-openmetrics",
        ExportKind::OpenMetrics,
        "om.txt",
        "text/plain",
        "History (OpenMetrics)",
    ),
    (
        "export-rules",
        ExportKind::AlertRules,
        "rules.yml",
        "text/yaml",
        "Alert rules (Prometheus)",
    ),
    (
        "export-grafana",
        ExportKind::Grafana,
        "grafana.json",
        "application/json",
        "Dashboard (Grafana)",
    ),
    (
        "export-traces",
        ExportKind::Traces,
        "otlp.json",
        "application/json",
        "Traces (OTLP JSON)",
    ),
];

#[component]
pub fn ExportPanel() -> impl IntoView {
    let sim = Sim::expect();
    let share = Share::expect();
    let status = share.export_status;
    let import_errors = RwSignal::new(Vec::<String>::new());
    let chart = RwSignal::new("latency".to_string());

    let stem = move || {
        let s = current_state(sim, true);
        format!(
            "sdl-{}-seed{}-t{}",
            s.system,
            s.seed,
            engine::share::format_seconds(s.t_ns.unwrap_or(0))
        )
    };
    // Saves a file the page or the engine made, and says how it went.
    let deliver = move |name: String, mime: &str, text: Option<String>| {
        let result = text
            .ok_or_else(|| "there is no run to export".to_string())
            .and_then(|t| web_share::download(&name, mime, &t));
        status.set(match result {
            Ok(()) => format!("Saved {name}."),
            Err(e) => format!("Could not save: {e}."),
        });
    };
    let save = move |ext: &str, mime: &str, text: Option<String>| {
        deliver(format!("{}.{ext}", stem()), mime, text);
    };
    // The engine makes the file; it is saved once it has answered (named as the run was
    // when the button was pressed).
    let export = move |kind: ExportKind, ext: &'static str, mime: &'static str| {
        let name = format!("{}.{ext}", stem());
        sim.ask(Ask::Export(kind), move |answer| {
            let text = match answer {
                Answer::Text(t) => Some(t),
                _ => None,
            };
            deliver(name, mime, text);
        });
    };
    let save_png = move |_| {
        let id = chart.get_untracked();
        let Some((_, title, q, lines)) = PNG_CHARTS.iter().find(|c| c.0 == id) else {
            return;
        };
        let readout = sim.readout.get_untracked();
        let last_t = readout.golden.t_ns;
        // The span the chart shows: the chosen time range, or everything held.
        let window = sim.range.get_untracked().span_ns().unwrap_or(last_t.max(1));
        let x0 = last_t.saturating_sub(window);
        let peak = lines
            .iter()
            .flat_map(|(s, _, _)| readout.column(*s).iter())
            .map(|p| q.scaled(p.1))
            .fold(0.0, f64::max);
        let top = nice_ceiling(peak);
        let png_lines: Vec<PngLine> = lines
            .iter()
            .map(|(s, label, var)| PngLine {
                color: web_share::css_var(var),
                label: label.to_string(),
                points: readout
                    .column(*s)
                    .iter()
                    .map(|(t, v)| ((t - x0) as f64 / window as f64, q.scaled(*v) / top))
                    .collect(),
            })
            .collect();
        let name = format!("{}-{id}.png", stem());
        let result = web_share::download_chart_png(
            &name,
            &format!("{title} ({})", q.unit()),
            &q.axis_label(top),
            (&virtual_time(x0), &virtual_time(x0 + window)),
            &png_lines,
        );
        status.set(match result {
            Ok(()) => format!("Saved {name}."),
            Err(e) => format!("Could not save: {e}."),
        });
    };
    let save_config = move |_| {
        let file = current_state(sim, true).to_file();
        save("lab.json", "application/json", Some(file.to_json()))
    };
    let import = move |ev: leptos::ev::Event| {
        use wasm_bindgen::JsCast;
        let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        spawn_local(async move {
            let read =
                crate::web::read_chosen_file(&input, MAX_CONFIG_BYTES, "lab configurations").await;
            input.set_value("");
            match read {
                Err(e) => import_errors.set(vec![e]),
                Ok((name, text)) => match read_config_file(&text) {
                    Ok(state) => {
                        import_errors.set(Vec::new());
                        share.notice.set(Vec::new());
                        apply_state(sim, share, &state);
                        share.redraw.update(|n| *n += 1);
                        status.set(format!("Loaded {name}: a new run with its settings."));
                    }
                    Err(problems) => {
                        status.set(String::new());
                        import_errors.set(
                            std::iter::once(format!("`{name}` was not loaded:"))
                                .chain(problems)
                                .collect(),
                        );
                    }
                },
            }
        });
    };

    view! {
        <section class="panel export-panel" aria-labelledby="export-title" data-testid="export-panel">
            <h2 id="export-title">"Export and import"</h2>
            <p class="panel-note">"Files are made in this page and saved by your browser; nothing is uploaded."</p>
            <div class="button-row">
                <button
                    type="button"
                    data-testid="export-prometheus"
                    on:click=move |_| export(ExportKind::Prometheus, "prom", "text/plain")
                >
                    "Metrics (Prometheus text)"
                </button>
                <button
                    type="button"
                    data-testid="export-csv"
                    on:click=move |_| export(ExportKind::Csv, "csv", "text/csv")
                >
                    "Series (CSV)"
                </button>
                <button
                    type="button"
                    data-testid="export-json"
                    on:click=move |_| {
                        let lab = current_state(sim, true).to_query();
                        export(ExportKind::SeriesJson { lab }, "series.json", "application/json")
                    }
                >
                    "Series (JSON)"
                </button>
                <button type="button" data-testid="export-config" on:click=save_config>
                    "Lab configuration (JSON)"
                </button>
            </div>
            <p class="panel-note">
                "For real tools: the whole history for Prometheus (promtool tsdb create-blocks-from openmetrics), the alert rules for promtool check rules, the dashboard for Grafana with the same PromQL, the traces for Jaeger or Tempo (OTLP JSON)."
            </p>
            <div class="button-row">
                {TOOL_FILES
                    .iter()
                    .map(|(testid, kind, ext, mime, label)| {
                        let kind = kind.clone();
                        view! {
                            <button type="button" data-testid=*testid on:click=move |_| export(kind.clone(), ext, mime)>
                                {*label}
                            </button>
                        }
                    })
                    .collect_view()}
            </div>
            <div class="button-row">
                <label for="png-chart">"Chart"</label>
                <select id="png-chart" data-testid="png-chart" on:change=move |ev| chart.set(event_target_value(&ev))>
                    {PNG_CHARTS
                        .iter()
                        .map(|(id, title, _, _)| view! { <option value=*id>{*title}</option> })
                        .collect_view()}
                </select>
                <button type="button" data-testid="export-png" on:click=save_png>
                    "Save chart as PNG"
                </button>
            </div>
            <div class="import">
                <label for="import-config">"Import a lab configuration (JSON)"</label>
                <input
                    id="import-config"
                    type="file"
                    accept=".json,application/json"
                    data-testid="import-config"
                    aria-describedby="import-errors"
                    on:change=import
                />
            </div>
            <div id="import-errors" class="field-error" data-testid="import-errors" aria-live="polite">
                <ul>
                    {move || import_errors.get().into_iter().map(|e| view! { <li>{e}</li> }).collect_view()}
                </ul>
            </div>
            <p class="status" role="status" data-testid="export-status">{move || status.get()}</p>
        </section>
    }
}
