//! What the `inference` system declares and scenarios name: its metrics and the hops it
//! strikes (each hop's endpoint and what a scenario's effect does there).

use crate::metrics::{MetricSpec, LATENCY_BUCKETS};

pub const BATCH_SIZE: MetricSpec = MetricSpec::histogram(
    "inference_batch_size",
    "Requests per batch sent to a GPU (static batching), or running together when a request starts (continuous).",
    &[],
    &[1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0],
);
pub const QUEUE_SECONDS: MetricSpec = MetricSpec::histogram(
    "inference_queue_seconds",
    "Time a request waited in the batcher before its batch started on the GPU.",
    &[],
    LATENCY_BUCKETS,
);
pub const GPU_MEMORY: MetricSpec = MetricSpec::gauge(
    "gpu_memory_bytes",
    "GPU memory in use per worker: the weights plus the running items' memory.",
    &["worker"],
);
pub const GPU_OOM: MetricSpec = MetricSpec::counter(
    "gpu_oom_total",
    "Batches (or requests) that failed with a CUDA out-of-memory error.",
    &[],
);
pub const MODEL_LOAD: MetricSpec = MetricSpec::histogram(
    "model_load_seconds",
    "Time a worker took to load the model's weights (a cold start).",
    &[],
    LATENCY_BUCKETS,
);
pub const WORKERS: MetricSpec = MetricSpec::gauge(
    "inference_workers",
    "GPU workers now, by state: serving or loading.",
    &["state"],
);
pub const STALENESS: MetricSpec = MetricSpec::gauge(
    "feature_staleness_seconds",
    "Age of the data in the online feature store: now − the last refresh's data.",
    &[],
);
pub const FALLBACKS: MetricSpec = MetricSpec::counter(
    "feature_fallbacks_total",
    "Feature reads older than feature_ttl_s, computed on demand from the source instead.",
    &[],
);
pub const MODEL_VERSION: MetricSpec = MetricSpec::gauge(
    "model_version",
    "The model version each worker serves.",
    &["worker"],
);
pub const DRIFT: MetricSpec = MetricSpec::gauge(
    "model_drift_score",
    "How far the live inputs have drifted from the data the model was trained on (0 = none).",
    &[],
);
pub const QUALITY: MetricSpec = MetricSpec::gauge(
    "prediction_quality",
    "Mean expected accuracy of the predictions answered over the last sample interval.",
    &[],
);
pub(super) const SERVICE: &str = "inference";
pub(super) const ENDPOINT: &str = "POST /predict";
/// Model hop per request as it joins a batcher: `work_factor` is its length (× work),
/// `ModelEffect::item_memory_factor` its memory.
pub const PREDICT_HOP: &str = "predict";
/// Model hop per batch sent to a GPU: `work_factor` slows the whole batch.
pub const BATCH_HOP: &str = "batch";
/// Model hop when a batch window opens: `delay_ns` holds it open longer.
pub const BATCHER_HOP: &str = "batcher";
/// Model hop when a worker loads the weights: `work_factor`, `delay_ns` on the load.
pub const LOAD_HOP: &str = "load";
/// Model hop once per sample per worker: `ModelEffect::version`.
pub const VERSION_HOP: &str = "version";
/// Model hop once per sample: `ModelEffect::drift_per_s`.
pub const DRIFT_HOP: &str = "drift";
/// Database hop per request: the feature store read (`delay_ns`, `fail_status`).
pub const FEATURES_HOP: &str = "features";
/// Database hop per refresh of the online store: `fail_status` skips it, `delay_ns` is
/// how far behind the data it lands is.
pub const INGEST_HOP: &str = "ingest";

/// Accuracy lost to stale features at most, and its time constant.
pub(super) const STALE_LOSS_MAX: f64 = 0.4;
pub(super) const STALE_TAU_S: f64 = 300.0;
/// Accuracy lost to drift at most (drift score d costs `DRIFT_LOSS_MAX · (1 − e^−d)`).
pub(super) const DRIFT_LOSS_MAX: f64 = 0.4;
pub(super) const GB: f64 = 1e9;
