//! The `inference` system's diagram: clients, the API, the feature store, the batcher
//! and the GPU workers, and how each is read.

use super::metrics::SERVICE;
use crate::diagram::{
    all, pct, read_service, secs, Diagram, EdgeSpec, NodeSpec, Options, Readings, Verdict,
};
use crate::scenario::Component;

pub static DIAGRAM: Diagram = Diagram {
    layout: diagram_layout,
    read_node: diagram_node,
    read_edge: diagram_edge,
};

const CLIENTS: NodeSpec = NodeSpec {
    id: "clients",
    label: "Clients",
    components: &[Component::Client],
    services: &[SERVICE],
    col: 0,
    row: 0,
    signals: "http_requests_total: request rate",
    metrics: &["http_requests_total"],
};
const ROUTER: NodeSpec = NodeSpec {
    id: "router",
    label: "Inference API",
    components: &[Component::Service],
    services: &[SERVICE],
    col: 1,
    row: 0,
    signals: "http_requests_total{status=~\"5..\"}: failures; http_request_duration_seconds: p99",
    metrics: &["http_request_duration_seconds", "service_utilization_ratio"],
};
const FEATURES: NodeSpec = NodeSpec {
    id: "feature_store",
    label: "Feature store",
    components: &[Component::Database],
    services: &[SERVICE],
    col: 1,
    row: 1,
    signals: "feature_staleness_seconds: age of the online store's data",
    metrics: &["feature_staleness_seconds", "feature_fallbacks_total"],
};
const BATCHER: NodeSpec = NodeSpec {
    id: "batcher",
    label: "Dynamic batcher",
    components: &[Component::Model],
    services: &[SERVICE],
    col: 2,
    row: 0,
    signals: "inference_batch_size: batch sizes; inference_queue_seconds: p99 wait",
    metrics: &["inference_batch_size", "inference_queue_seconds"],
};
const GPUS: NodeSpec = NodeSpec {
    id: "gpu_workers",
    label: "GPU workers",
    components: &[Component::Model],
    services: &[SERVICE],
    col: 3,
    row: 0,
    signals: "gpu_oom_total: out of memory; inference_workers{state=\"loading\"}: cold starts; prediction_quality: accuracy",
    metrics: &[
        "gpu_memory_bytes",
        "gpu_oom_total",
        "model_load_seconds",
        "inference_workers",
        "model_version",
        "model_drift_score",
        "prediction_quality",
    ],
};

fn diagram_layout(_: &Options<'_>) -> (Vec<NodeSpec>, Vec<EdgeSpec>) {
    let e = |from, to, rate_of| EdgeSpec { from, to, rate_of };
    (
        vec![CLIENTS, ROUTER, FEATURES, BATCHER, GPUS],
        vec![
            e("clients", "router", "http_requests_total"),
            e("router", "feature_store", "http_requests_total"),
            e("router", "batcher", "http_requests_total"),
            e("batcher", "gpu_workers", "inference_batch_size"),
        ],
    )
}

fn diagram_node(q: &Readings<'_>, spec: &NodeSpec, details: &mut Vec<String>) -> Verdict {
    let total = q.rate("http_requests_total", &all);
    match spec.id {
        "clients" => {
            details.push(format!("{total:.1} req/s"));
            Verdict::new(total > 0.0)
        }
        "router" => read_service(q, details),
        "feature_store" => {
            let age = q.gauges("feature_staleness_seconds", &all);
            let age = age.first().copied().unwrap_or(0.0);
            details.push(format!("data {} old", secs(age)));
            let mut v = Verdict::new(total > 0.0);
            v.above("staleness", age, 60.0, 300.0, secs);
            v
        }
        "batcher" => {
            let wait = q.quantile(0.99, "inference_queue_seconds", &all);
            let batches = q.rate("inference_batch_size", &all);
            let mut v = Verdict::new(total > 0.0);
            details.push(format!("{batches:.1} batches/s"));
            if wait.is_finite() {
                details.push(format!("wait p99 {}", secs(wait)));
            }
            v.above("wait p99", wait, 0.5, 2.0, secs);
            v
        }
        "gpu_workers" => {
            let oom = q.rate("gpu_oom_total", &all);
            let loading = q
                .gauges("inference_workers", &|l: &[String]| {
                    l.first().is_some_and(|s| s == "loading")
                })
                .into_iter()
                .sum::<f64>();
            let quality = q
                .gauges("prediction_quality", &all)
                .first()
                .copied()
                .unwrap_or(f64::NAN);
            let mut v = Verdict::new(total > 0.0);
            if quality.is_finite() {
                details.push(format!("quality {}", pct(quality)));
            }
            details.push(format!("{loading:.0} loading"));
            v.above("out of memory", oom, 0.01, 1.0, |x| format!("{x:.2}/s"));
            v.above("loading", loading, 1.0, 2.0, |x| format!("{x:.0}"));
            v.below("quality", quality, 0.85, 0.7, pct);
            v
        }
        _ => Verdict::new(false),
    }
}

fn diagram_edge(q: &Readings<'_>, spec: &EdgeSpec) -> f64 {
    q.rate(spec.rate_of, &all)
}
