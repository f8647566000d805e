//! The `inference` system's parameters and what its golden series measure.

use crate::golden::{GoldenSeries, Signal};
use crate::params::ParamSpec;

pub(super) static GOLDEN: [GoldenSeries; Signal::COUNT] = {
    const LATENCY: &str = "Time from a request's arrival to its prediction over the last 5 s: \
        feature read, batcher and GPU.";
    [
        GoldenSeries {
            signal: Signal::ThroughputRps,
            meaning: "Predictions answered successfully per second over the last 5 s.",
        },
        GoldenSeries {
            signal: Signal::ErrorRate,
            meaning: "Share of requests over the last 5 s that failed (out of memory, timed out, no worker).",
        },
        GoldenSeries {
            signal: Signal::LatencyP50S,
            meaning: LATENCY,
        },
        GoldenSeries {
            signal: Signal::LatencyP95S,
            meaning: LATENCY,
        },
        GoldenSeries {
            signal: Signal::LatencyP99S,
            meaning: LATENCY,
        },
        GoldenSeries {
            signal: Signal::QueueDepth,
            meaning: "Requests waiting in the workers' batchers, now.",
        },
        GoldenSeries {
            signal: Signal::Utilization,
            meaning: "Share of the GPU workers running a batch over the last sample interval.",
        },
        GoldenSeries {
            signal: Signal::InFlight,
            meaning: "Requests inside the server (feature read, batcher, GPU), now.",
        },
    ]
};

#[rustfmt::skip]
pub(super) const PARAMS: &[ParamSpec] = &[
    ParamSpec::float("arrival_rate_rps", "req/s", 160.0, 0.01, 100_000.0, "Mean rate of prediction requests (Poisson)."),
    ParamSpec::int("workers", "GPUs", 4, 1, 64, "GPU workers, one model replica each."),
    ParamSpec::int("max_batch_size", "requests", 8, 1, 256, "Most requests in one batch (Triton's max_batch_size); with continuous batching, most running at once."),
    ParamSpec::float("max_queue_delay_ms", "ms", 5.0, 0.0, 10_000.0, "How long the batcher holds a batch open for more requests (Triton's max_queue_delay_microseconds)."),
    ParamSpec::choice("batching", "static", &["static", "continuous"], "Static: a batch runs to its longest item, nothing joins it. Continuous (Orca, vLLM): requests join and leave per iteration."),
    ParamSpec::float("batch_overhead_ms", "ms", 20.0, 0.0, 60_000.0, "Fixed GPU time of a batch (kernel launches, weights read once per step)."),
    ParamSpec::float("item_ms", "ms", 10.0, 0.01, 60_000.0, "GPU time each item of a batch adds."),
    ParamSpec::float("gpu_memory_gb", "GB", 40.0, 1.0, 1024.0, "Memory of each GPU (an A100 has 40 or 80 GB)."),
    ParamSpec::float("weights_gb", "GB", 14.0, 0.01, 1024.0, "Size of the model's weights (7B parameters × 2 bytes in fp16 ≈ 14 GB)."),
    ParamSpec::float("item_memory_gb", "GB", 2.0, 0.0, 1024.0, "GPU memory per running item (activations, KV cache)."),
    ParamSpec::float("load_gb_per_s", "GB/s", 0.5, 0.001, 100.0, "How fast a worker reads the weights when it starts (object storage ~0.1-1, local NVMe a few GB/s)."),
    ParamSpec::boolean("preload", false, "A replaced worker's successor loads the weights beside it first; the old one serves until it is ready."),
    ParamSpec::float("timeout_ms", "ms", 2000.0, 1.0, 600_000.0, "The client gives up after this long: the answer counts as a 504."),
    ParamSpec::int("max_queue", "requests", 512, 1, 1_000_000, "Most requests waiting in one worker's batcher; past it, 503."),
    ParamSpec::float("feature_read_ms", "ms", 2.0, 0.0, 10_000.0, "Time of a read from the online feature store."),
    ParamSpec::float("feature_refresh_s", "s", 10.0, 0.1, 86_400.0, "How often the pipeline refreshes the online store."),
    ParamSpec::float("feature_ttl_s", "s", 0.0, 0.0, 86_400.0, "Features older than this are computed on demand from the source instead (0 = always use the store)."),
    ParamSpec::float("on_demand_ms", "ms", 50.0, 0.0, 60_000.0, "Time to compute a request's features on demand from the source."),
    ParamSpec::int("model_version", "version", 1, 1, 1000, "The deployed model version (the one the features are built for)."),
    ParamSpec::boolean("version_routing", false, "Route requests only to workers that serve the deployed version."),
    ParamSpec::float("version_mismatch_loss", "accuracy", 0.3, 0.0, 1.0, "Accuracy lost by a prediction from a model version the features were not built for."),
    ParamSpec::float("base_quality", "accuracy", 0.92, 0.0, 1.0, "Expected accuracy with fresh features, no drift and the right version."),
    ParamSpec::float("retrain_every_s", "s", 0.0, 0.0, 86_400_000.0, "Retrain on recent data and redeploy this often, which resets the drift (0 = never)."),
    ParamSpec::float("price_vcpu_hour", "$/GPU-h", 4.10, 0.0, 1000.0, "Price of one GPU worker per hour, billed as compute whether busy or not."),
];
