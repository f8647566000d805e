//! The JSON every runner writes (the engine here, the Python peers, a browser run) and the
//! report reads: one row per model, measured the same way by each.

use serde::{Deserialize, Serialize};

/// One runner's measurements (`bench/results/raw/<runner>.json`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunnerResults {
    /// `engine-native`, `engine-wasm`, `simpy`, `ciw`.
    pub runner: String,
    /// What to call it in a table.
    pub title: String,
    /// Version of the library or runtime measured.
    #[serde(default)]
    pub version: Option<String>,
    /// `full` or `quick`.
    pub mode: String,
    /// Timed repetitions per model; the fastest is reported.
    pub reps: u32,
    pub results: Vec<ModelResult>,
    /// Peak memory of long runs (the engine only).
    #[serde(default)]
    pub memory: Vec<MemoryResult>,
    /// Page figures (the engine in a browser only).
    #[serde(default)]
    pub page: Option<PageResult>,
}

/// What a learner feels in the browser, measured by a headless-Chromium run of the built
/// site (see `docs/benchmarks.md`, "Browser figures"). Every field is optional so a
/// browser run can grow one figure at a time.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PageResult {
    /// Navigation to the first chart drawn, on localhost.
    #[serde(default)]
    pub first_chart_ms: Option<f64>,
    /// p95 of frame times while simulating 10k requests/s at 10× speed: the main
    /// thread's work on a frame, from its start to the first task after its rendering.
    #[serde(default)]
    pub frame_time_p95_ms: Option<f64>,
    /// The longest frame time under that load.
    #[serde(default)]
    pub frame_time_max_ms: Option<f64>,
    /// p95 of the intervals between frames under that load (at 60 Hz, 16.6–16.8 ms
    /// whenever no vsync is missed).
    #[serde(default)]
    pub frame_interval_p95_ms: Option<f64>,
    /// JS heap of the page at the start and after the long run of that.
    #[serde(default)]
    pub js_heap_start_mb: Option<f64>,
    #[serde(default)]
    pub js_heap_10min_mb: Option<f64>,
    /// Median frame time under the same load.
    #[serde(default)]
    pub frame_time_p50_ms: Option<f64>,
    /// Share of frames that missed a vsync under that load, in percent.
    #[serde(default)]
    pub long_frames_pct: Option<f64>,
    /// The page's WebAssembly linear memory at the start and at the end of the long run;
    /// it only grows, so a flat figure means bounded buffers. With the engine in its
    /// worker this is the page's own (charts, history); the engine's is below.
    #[serde(default)]
    pub wasm_memory_start_mb: Option<f64>,
    #[serde(default)]
    pub wasm_memory_end_mb: Option<f64>,
    /// Wall seconds of the long run (1800 in a full run).
    #[serde(default)]
    pub long_run_s: Option<f64>,
    /// Virtual seconds simulated per wall second while the frames were timed (10 when
    /// it keeps up), and over the long run.
    #[serde(default)]
    pub virtual_s_per_wall_s: Option<f64>,
    #[serde(default)]
    pub virtual_s_per_wall_s_long_run: Option<f64>,
    /// Whether the engine ran in its Web Worker (false: in the page).
    #[serde(default)]
    pub engine_in_worker: Option<bool>,
    /// The engine's worker: its WebAssembly memory and JS heap at the start and at the
    /// end of the long run.
    #[serde(default)]
    pub engine_wasm_memory_start_mb: Option<f64>,
    #[serde(default)]
    pub engine_wasm_memory_end_mb: Option<f64>,
    #[serde(default)]
    pub engine_js_heap_start_mb: Option<f64>,
    #[serde(default)]
    pub engine_js_heap_end_mb: Option<f64>,
    /// Memory read along the long run (every minute in a full run).
    #[serde(default)]
    pub memory_samples: Vec<MemorySample>,
    #[serde(default)]
    pub browser: Option<String>,
}

/// The page's and the engine worker's memory at one moment of the long run, in MB.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct MemorySample {
    /// Seconds into the long run.
    pub t_s: f64,
    #[serde(default)]
    pub js_heap_mb: Option<f64>,
    #[serde(default)]
    pub wasm_mb: Option<f64>,
    #[serde(default)]
    pub engine_wasm_mb: Option<f64>,
    #[serde(default)]
    pub engine_js_heap_mb: Option<f64>,
}

/// Sizes of the built site's files (`dist/`), as shipped and gzipped (`gzip -9`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct BundleResult {
    pub files: Vec<BundleFile>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BundleFile {
    pub path: String,
    pub bytes: u64,
    pub gzip_bytes: u64,
}

impl BundleResult {
    pub fn total_gzip_bytes(&self) -> u64 {
        self.files.iter().map(|f| f.gzip_bytes).sum()
    }
    pub fn total_bytes(&self) -> u64 {
        self.files.iter().map(|f| f.bytes).sum()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ModelResult {
    pub model: String,
    /// Requests completed in the timed run, warm-up included.
    pub requests: u64,
    /// Requests in the statistics (arrived after the warm-up, completed), summed over
    /// repetitions.
    pub measured_requests: u64,
    /// Events handled in the timed run, where the runner can count them.
    #[serde(default)]
    pub events: Option<u64>,
    /// Wall-clock seconds of the fastest repetition (setup and simulation; not the
    /// statistics afterwards).
    pub wall_s: f64,
    /// CPU time the runner's thread got in that repetition, where it can tell: below
    /// `wall_s` when other work on the machine took the CPU away.
    #[serde(default)]
    pub cpu_s: Option<f64>,
    pub requests_per_s: f64,
    #[serde(default)]
    pub events_per_s: Option<f64>,
    /// Mean time queued before service (for `web`: for a worker), after the warm-up.
    pub wait_mean_s: f64,
    /// Half-width of its 95% confidence interval (batch means).
    #[serde(default)]
    pub wait_ci95_s: Option<f64>,
    /// Mean time from arrival to response.
    pub latency_mean_s: f64,
    /// Requests turned away (a full queue), after the warm-up.
    #[serde(default)]
    pub rejected: Option<u64>,
    /// How this runner's model differs from the engine's, if it does.
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MemoryResult {
    pub simulated_s: u64,
    pub arrival_rate_rps: f64,
    pub requests: u64,
    pub events: u64,
    pub wall_s: f64,
    /// Peak resident set (VmHWM) of a process that did only this run, summary included.
    pub peak_rss_kb: u64,
    /// The same before the final summary (which copies the latency sample to sort it).
    #[serde(default)]
    pub peak_rss_before_summary_kb: Option<u64>,
    /// VmHWM of the same process before the run (binary, allocator, models).
    pub baseline_rss_kb: u64,
}
