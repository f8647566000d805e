//! # Model serving (GPU inference)
//!
//! An online prediction API served by a model on GPU workers, as NVIDIA Triton or vLLM
//! run one. Each request reads its features from a **feature store** (the online
//! store, refreshed by a pipeline every `feature_refresh_s`), then joins the **dynamic
//! batcher** of one GPU worker. The batcher sends a batch to the GPU when it holds
//! `max_batch_size` requests or when its oldest has waited `max_queue_delay_ms` (Triton's
//! `max_batch_size` and `max_queue_delay_microseconds`): a longer delay makes larger
//! batches (more throughput per GPU) and slower answers at low traffic. A batch takes a
//! fixed overhead plus a time per item, so the time per item falls as batches grow.
//!
//! ```text
//!   clients ──▶ router ──▶ feature store read ──▶ batcher (worker i) ──▶ GPU i: batch
//!                           (staleness: now −        max_batch_size,      weights + memory
//!                            last refresh)           max_queue_delay      per item; model
//!   feature pipeline ─ every feature_refresh_s ─▶ online store            version v
//!   replaced worker ──▶ load weights: weights_gb / load_gb_per_s (cold start)
//! ```
//!
//! - **Static batching** (`batching = static`): a batch runs until its longest item is
//!   done (the others are padded to it) and nothing joins it meanwhile.
//!   **Continuous batching** (`batching = continuous`, Orca, OSDI '22; vLLM) schedules
//!   per iteration: up to `max_batch_size` requests run at once, each leaves when its
//!   own work is done and a waiting one takes its place at once, never waiting for a
//!   batch window. The lab approximates an item's time as (overhead + per-item time ×
//!   the items running when it started) × its own length.
//! - **GPU memory**: the weights (`weights_gb`) plus `item_memory_gb` per item running
//!   (activations and KV cache). A batch that does not fit fails with a CUDA
//!   out-of-memory error (500); continuous batching admits a request only when its
//!   memory fits, as vLLM's scheduler does.
//! - **Cold start**: a worker replaced (a failed health check) loads the weights again,
//!   `weights_gb / load_gb_per_s` seconds, and serves nothing meanwhile; with
//!   `preload = on` the replacement loads beside the old worker, which serves until it
//!   is ready (make before break).
//! - **Quality**: each answered request has an expected accuracy: `base_quality` less a
//!   loss from the staleness of the features it read (up to 0.4, time constant 300 s),
//!   from the inputs' drift (up to 0.4) and from a model version that does not match the
//!   deployed one (`version_mismatch_loss`). `prediction_quality` is its mean over the
//!   last sample interval, the number a delayed-label evaluation would report. The
//!   lab's losses are assumptions, chosen to be visible, not measurements.
//!
//! Defaults: a 7-billion-parameter model in fp16 is about 14 GB of weights (2 bytes per
//! parameter); an NVIDIA A100 has 40 or 80 GB of HBM (40 here); loading from object
//! storage at 0.5 GB/s (an assumption: one S3 stream gives on the order of 100 MB/s,
//! parallel ranged reads more; a local NVMe drive reads a few GB/s) takes 28 s. The
//! batch timings (20 ms + 10 ms per item), 2 GB per item, a 10 s feature refresh and
//! base quality 0.92 are assumptions, and so is the 5 ms batch window (Triton's default
//! is no delay). A GPU-hour is priced at $4.10: AWS lists the
//! p4d.24xlarge (8 A100) at $32.77/h on demand in us-east-1.
//!
//! ## What to look at
//! - `inference_batch_size`: the batches the batcher forms; `inference_queue_seconds`:
//!   time in the batcher before the GPU.
//! - `gpu_memory_bytes{worker}` against the GPU's memory; `gpu_oom_total`.
//! - `model_load_seconds`, `inference_workers{state}`: loading and serving workers.
//! - `feature_staleness_seconds`, `feature_fallbacks_total`.
//! - `model_version{worker}`, `model_drift_score` and `prediction_quality`: quality can
//!   fall while the golden signals look fine.

mod diagram;
mod metrics;
mod params;
mod telemetry;

pub use diagram::DIAGRAM;
pub use metrics::*;

use super::{common, Core, Model, SystemMeta, UtilizationMeter};
use crate::metrics::{CounterId, GaugeId, HistogramId};
use crate::observe::Level;
use crate::params::ParamSet;
use crate::rng::Xoshiro256PlusPlus as Rng;
use crate::scenario::{Component, Hop, HEALTH_HOP};
use crate::systems::cost::{CostMeter, Usage};
use crate::time::{ms_to_ns, ns_to_secs, secs_to_ns, Nanos};
use params::{GOLDEN, PARAMS};
use std::collections::VecDeque;

pub static META: SystemMeta = SystemMeta {
    id: "inference",
    title: "Model serving (GPU workers, dynamic batching, feature store)",
    category: "ml",
    summary: "An online prediction API on GPU workers: a dynamic batcher per worker, static or continuous batching, GPU memory, weights loaded at a cold start, a feature store with freshness, model versions and a prediction-quality signal.",
    source: crate::doc_of!("systems/inference/mod.rs"),
    params: PARAMS,
    metrics: &[
        common::HTTP_REQUESTS,
        common::HTTP_DURATION,
        common::IN_FLIGHT,
        common::QUEUE_DEPTH,
        common::WORKERS_BUSY,
        common::UTILIZATION,
        BATCH_SIZE,
        QUEUE_SECONDS,
        GPU_MEMORY,
        GPU_OOM,
        MODEL_LOAD,
        WORKERS,
        STALENESS,
        FALLBACKS,
        MODEL_VERSION,
        DRIFT,
        QUALITY,
        crate::systems::cost::COST,
        crate::systems::cost::COST_RATE,
        crate::systems::cost::TRANSFER,
    ],
    components: &[Component::Service, Component::Database, Component::Model],
    build: |p, core| Box::new(InferenceModel::new(p, core)),
    diagram: &DIAGRAM,
    only_switches: Some(SWITCHES),
    golden: &GOLDEN,
};

/// The scenarios it runs (its parts take no other catalogue strikes).
const SWITCHES: &[&str] = &[
    "model-serving-cold-start",
    "inference-timeout",
    "feature-store-lag",
    "gpu-contention",
    "model-version-mismatch",
    "batch-inference-delay",
    "feature-drift",
    "model-memory-oom",
];

#[derive(Debug, Clone, Copy)]
enum Ev {
    Arrival,
    /// Request in slot `.0` (sequence `.1`) has its features: it joins its batcher.
    Enqueue(u32, u64),
    /// Worker `.0`'s batch window closes (stale unless `.1` is its window's number).
    Flush(u32, u64),
    /// Worker `.0`'s static batch `.1` is done.
    BatchDone(u32, u64),
    /// (Continuous) the item in slot `.1` (sequence `.2`) on worker `.0` is done.
    ItemDone(u32, u32, u64),
    /// Worker `.0` finished loading (stale unless `.1` is its epoch).
    Loaded(u32, u64),
    /// The feature pipeline refreshes the online store.
    Ingest,
}

#[derive(Debug, Clone, Copy)]
struct Req {
    seq: u64,
    arrival: Nanos,
    enqueued: Nanos,
    start: Nanos,
    /// Its length: a multiple of an item's usual work.
    length: f64,
    /// A multiple of an item's usual GPU memory.
    memory: f64,
    staleness_s: f64,
    fail: Option<u16>,
    worker: u32,
}

#[derive(Debug, Clone, Default)]
struct Worker {
    loading: bool,
    epoch: u64,
    queue: VecDeque<u32>,
    running: Vec<u32>,
    batch: u64,
    /// The open batch window's number and its length.
    window: u64,
    window_open: bool,
    window_ns: Nanos,
    version: u32,
    /// Memory of the running items, in bytes.
    item_bytes: f64,
}

struct Ids {
    ok: CounterId,
    failed: CounterId,
    unavailable: CounterId,
    timeout: CounterId,
    duration: HistogramId,
    in_flight: GaugeId,
    depth: GaugeId,
    busy: GaugeId,
    utilization: GaugeId,
    batch: HistogramId,
    queue: HistogramId,
    memory: Vec<GaugeId>,
    oom: CounterId,
    load: HistogramId,
    states: [GaugeId; 2],
    staleness: GaugeId,
    fallbacks: CounterId,
    versions: Vec<GaugeId>,
    drift: GaugeId,
    quality: GaugeId,
}

pub struct InferenceModel {
    events: crate::event::EventQueue<Ev>,
    rate: f64,
    max_batch: usize,
    queue_delay_ns: Nanos,
    continuous: bool,
    overhead_s: f64,
    item_s: f64,
    gpu_bytes: f64,
    weights_bytes: f64,
    item_bytes: f64,
    load_ns: Nanos,
    preload: bool,
    timeout_ns: Nanos,
    max_queue: usize,
    feature_ns: Nanos,
    refresh_ns: Nanos,
    ttl_ns: Nanos,
    on_demand_ns: Nanos,
    deployed: u32,
    version_routing: bool,
    mismatch_loss: f64,
    base_quality: f64,
    retrain_ns: Nanos,
    arrival_rng: Rng,
    workers: Vec<Worker>,
    reqs: Vec<Req>,
    free: Vec<u32>,
    next_worker: usize,
    /// The time the online store's data is as of.
    data_as_of: Nanos,
    drift: f64,
    last_sample: Nanos,
    quality_sum: f64,
    quality_n: u64,
    ids: Ids,
    meter: UtilizationMeter,
    cost: CostMeter,
    /// Workers running a batch.
    busy_workers: i64,
}

impl InferenceModel {
    pub fn new(p: &ParamSet, core: &mut Core) -> Self {
        let n = p.i64("workers").clamp(1, 64) as usize;
        let m = &mut core.metrics;
        let names: Vec<String> = (0..n).map(|i| format!("gpu-{i}")).collect();
        let ids = Ids {
            ok: m.counter(&common::HTTP_REQUESTS, &[SERVICE, ENDPOINT, "200"]),
            failed: m.counter(&common::HTTP_REQUESTS, &[SERVICE, ENDPOINT, "500"]),
            unavailable: m.counter(&common::HTTP_REQUESTS, &[SERVICE, ENDPOINT, "503"]),
            timeout: m.counter(&common::HTTP_REQUESTS, &[SERVICE, ENDPOINT, "504"]),
            duration: m.histogram(&common::HTTP_DURATION, &[SERVICE, ENDPOINT]),
            in_flight: m.gauge(&common::IN_FLIGHT, &[SERVICE]),
            depth: m.gauge(&common::QUEUE_DEPTH, &[SERVICE]),
            busy: m.gauge(&common::WORKERS_BUSY, &[SERVICE]),
            utilization: m.gauge(&common::UTILIZATION, &[SERVICE]),
            batch: m.histogram(&BATCH_SIZE, &[]),
            queue: m.histogram(&QUEUE_SECONDS, &[]),
            memory: names
                .iter()
                .map(|w| m.gauge(&GPU_MEMORY, &[w.as_str()]))
                .collect(),
            oom: m.counter(&GPU_OOM, &[]),
            load: m.histogram(&MODEL_LOAD, &[]),
            states: ["serving", "loading"].map(|s| m.gauge(&WORKERS, &[s])),
            staleness: m.gauge(&STALENESS, &[]),
            fallbacks: m.counter(&FALLBACKS, &[]),
            versions: names
                .iter()
                .map(|w| m.gauge(&MODEL_VERSION, &[w.as_str()]))
                .collect(),
            drift: m.gauge(&DRIFT, &[]),
            quality: m.gauge(&QUALITY, &[]),
        };
        let deployed = p.i64("model_version").clamp(1, 1000) as u32;
        let weights_gb = p.f64("weights_gb");
        let mut model = InferenceModel {
            events: Default::default(),
            rate: p.f64("arrival_rate_rps"),
            max_batch: p.i64("max_batch_size").clamp(1, 256) as usize,
            queue_delay_ns: ms_to_ns(p.f64("max_queue_delay_ms")),
            continuous: p.choice("batching") == "continuous",
            overhead_s: p.f64("batch_overhead_ms") / 1000.0,
            item_s: p.f64("item_ms") / 1000.0,
            gpu_bytes: p.f64("gpu_memory_gb") * GB,
            weights_bytes: weights_gb * GB,
            item_bytes: p.f64("item_memory_gb") * GB,
            load_ns: secs_to_ns(weights_gb / p.f64("load_gb_per_s")),
            preload: p.bool("preload"),
            timeout_ns: ms_to_ns(p.f64("timeout_ms")),
            max_queue: p.i64("max_queue").max(1) as usize,
            feature_ns: ms_to_ns(p.f64("feature_read_ms")),
            refresh_ns: secs_to_ns(p.f64("feature_refresh_s")).max(1),
            ttl_ns: secs_to_ns(p.f64("feature_ttl_s")),
            on_demand_ns: ms_to_ns(p.f64("on_demand_ms")),
            deployed,
            version_routing: p.bool("version_routing"),
            mismatch_loss: p.f64("version_mismatch_loss"),
            base_quality: p.f64("base_quality"),
            retrain_ns: secs_to_ns(p.f64("retrain_every_s")),
            arrival_rng: core.rng(1),
            workers: (0..n)
                .map(|_| Worker {
                    version: deployed,
                    ..Worker::default()
                })
                .collect(),
            reqs: Vec::new(),
            free: Vec::new(),
            next_worker: 0,
            data_as_of: 0,
            drift: 0.0,
            last_sample: 0,
            quality_sum: 0.0,
            quality_n: 0,
            ids,
            meter: UtilizationMeter::default(),
            cost: CostMeter::new(p, &mut core.metrics),
            busy_workers: 0,
        };
        let first = model.gap();
        model.events.schedule(first, Ev::Arrival);
        model.events.schedule(model.refresh_ns, Ev::Ingest);
        model
    }

    fn gap(&mut self) -> Nanos {
        secs_to_ns(crate::dist::standard_exponential(&mut self.arrival_rng) / self.rate).max(1)
    }

    fn strike(
        core: &mut Core,
        component: Component,
        i: u32,
        endpoint: &'static str,
        seq: Option<u64>,
    ) -> crate::scenario::Effect {
        let hop = Hop::new(component, i, endpoint);
        core.scenarios
            .strike(core.now, &hop, &mut core.metrics, &mut core.logs, seq)
            .effect()
    }

    /// The worker a new request goes to: the least loaded that serves (and, with
    /// version routing, serves the deployed version); `None` when none serves.
    fn route(&mut self) -> Option<u32> {
        let n = self.workers.len();
        let start = self.next_worker;
        self.next_worker = (start + 1) % n;
        let pick = |strict: bool| {
            (0..n)
                .map(|k| (start + k) % n)
                .filter(|&i| {
                    let w = &self.workers[i];
                    !w.loading && (!strict || w.version == self.deployed)
                })
                .min_by_key(|&i| self.workers[i].queue.len() + self.workers[i].running.len())
        };
        let strict = self.version_routing;
        pick(strict)
            .or_else(|| if strict { pick(false) } else { None })
            .map(|i| i as u32)
    }

    fn arrival(&mut self, core: &mut Core) {
        let next = core.now + self.gap();
        self.events.schedule(next, Ev::Arrival);
        let seq = core.arrive();
        let service = Self::strike(core, Component::Service, 0, ENDPOINT, Some(seq));
        let features = Self::strike(core, Component::Database, 0, FEATURES_HOP, Some(seq));
        let mut read = self.feature_ns.saturating_add(features.delay_ns);
        let mut staleness = core.now.saturating_sub(self.data_as_of);
        if self.ttl_ns > 0 && staleness > self.ttl_ns {
            // Too old: computed on demand from the source, fresh.
            read = read.saturating_add(self.on_demand_ns);
            staleness = 0;
            core.metrics.inc(self.ids.fallbacks);
        }
        let req = Req {
            seq,
            arrival: core.now,
            enqueued: 0,
            start: 0,
            length: 1.0,
            memory: 1.0,
            staleness_s: ns_to_secs(staleness),
            fail: service.fail_status.or(features.fail_status),
            worker: 0,
        };
        let slot = match self.free.pop() {
            Some(s) => {
                self.reqs[s as usize] = req;
                s
            }
            None => {
                self.reqs.push(req);
                self.reqs.len() as u32 - 1
            }
        };
        let at = core.now + read.saturating_add(service.delay_ns);
        self.events.schedule(at, Ev::Enqueue(slot, seq));
    }

    fn enqueue(&mut self, core: &mut Core, slot: u32) {
        let seq = self.reqs[slot as usize].seq;
        if self.reqs[slot as usize].fail.is_some() {
            self.finish(core, slot, false);
            return;
        }
        let Some(w) = self.route() else {
            self.reject(core, slot);
            return;
        };
        if self.workers[w as usize].queue.len() >= self.max_queue {
            self.reject(core, slot);
            return;
        }
        let e = Self::strike(core, Component::Model, w, PREDICT_HOP, Some(seq));
        let r = &mut self.reqs[slot as usize];
        r.enqueued = core.now;
        r.length = e.work_factor;
        r.memory = match e.model().item_memory_factor {
            f if f > 0.0 => f,
            _ => 1.0,
        };
        r.fail = e.fail_status;
        r.worker = w;
        self.join(core, w, slot);
    }

    /// A request joins worker `w`'s batcher.
    fn join(&mut self, core: &mut Core, w: u32, slot: u32) {
        self.workers[w as usize].queue.push_back(slot);
        self.try_dispatch(core, w);
    }

    fn reject(&mut self, core: &mut Core, slot: u32) {
        let r = self.reqs[slot as usize];
        core.metrics.inc(self.ids.unavailable);
        let b = core.depart(r.arrival, 0, false);
        core.metrics
            .observe_latency(self.ids.duration, b, ns_to_secs(core.now - r.arrival));
        self.free.push(slot);
    }

    /// Starts work on worker `w` if its batcher says so.
    fn try_dispatch(&mut self, core: &mut Core, w: u32) {
        if self.workers[w as usize].loading {
            return;
        }
        if self.continuous {
            self.admit(core, w);
            return;
        }
        let worker = &self.workers[w as usize];
        if !worker.running.is_empty() || worker.queue.is_empty() {
            return;
        }
        if !worker.window_open {
            // A batch window opens with the first request waiting.
            let e = Self::strike(core, Component::Model, w, BATCHER_HOP, None);
            let worker = &mut self.workers[w as usize];
            worker.window_open = true;
            worker.window += 1;
            worker.window_ns = self.queue_delay_ns.saturating_add(e.delay_ns);
            let oldest = self.reqs[worker.queue[0] as usize].enqueued;
            let at = oldest.saturating_add(worker.window_ns).max(core.now);
            let window = worker.window;
            self.events.schedule(at, Ev::Flush(w, window));
        }
        let worker = &self.workers[w as usize];
        let oldest = self.reqs[worker.queue[0] as usize].enqueued;
        if worker.queue.len() >= self.max_batch
            || core.now >= oldest.saturating_add(worker.window_ns)
        {
            self.run_batch(core, w);
        }
    }

    fn flush(&mut self, core: &mut Core, w: u32, window: u64) {
        let worker = &self.workers[w as usize];
        if !worker.window_open || worker.window != window {
            return;
        }
        if worker.running.is_empty() && !worker.loading && !worker.queue.is_empty() {
            self.run_batch(core, w);
        }
    }

    /// (Static) sends up to `max_batch` waiting requests to the GPU as one batch.
    fn run_batch(&mut self, core: &mut Core, w: u32) {
        let e = Self::strike(core, Component::Model, w, BATCH_HOP, None);
        let worker = &mut self.workers[w as usize];
        worker.window_open = false;
        let n = worker.queue.len().min(self.max_batch);
        let mut longest: f64 = 0.0;
        let mut bytes = 0.0;
        for _ in 0..n {
            let Some(s) = worker.queue.pop_front() else {
                break;
            };
            let r = &mut self.reqs[s as usize];
            r.start = core.now;
            longest = longest.max(r.length);
            bytes += self.item_bytes * r.memory;
            worker.running.push(s);
            core.metrics
                .observe(self.ids.queue, ns_to_secs(core.now - r.enqueued));
        }
        core.metrics.observe(self.ids.batch, n as f64);
        worker.batch += 1;
        let batch = worker.batch;
        let oom = self.weights_bytes + bytes > self.gpu_bytes;
        let secs = if oom {
            // The allocation fails at the start of the forward pass.
            self.overhead_s
        } else {
            (self.overhead_s + self.item_s * n as f64) * longest * e.work_factor
        };
        worker.item_bytes = if oom { 0.0 } else { bytes };
        if oom || e.fail_status.is_some() {
            let status = if oom { Some(500) } else { e.fail_status };
            for &s in &worker.running {
                self.reqs[s as usize].fail = self.reqs[s as usize].fail.or(status);
            }
            if oom {
                core.metrics.inc(self.ids.oom);
                let need = (self.weights_bytes + bytes) / GB;
                let fields = vec![
                    ("worker", format!("gpu-{w}")),
                    ("batch_size", n.to_string()),
                    ("needed_gb", format!("{need:.1}")),
                    ("gpu_memory_gb", format!("{:.1}", self.gpu_bytes / GB)),
                ];
                telemetry::log(
                    core,
                    Level::Error,
                    "CUDA out of memory: batch failed",
                    fields,
                    None,
                );
            }
        }
        self.busy_workers += 1;
        core.worker_busy(1);
        let at = core.now + secs_to_ns(secs).saturating_add(e.delay_ns).max(1);
        self.events.schedule(at, Ev::BatchDone(w, batch));
    }

    fn batch_done(&mut self, core: &mut Core, w: u32, batch: u64) {
        if self.workers[w as usize].batch != batch {
            return;
        }
        let running = std::mem::take(&mut self.workers[w as usize].running);
        self.workers[w as usize].item_bytes = 0.0;
        self.busy_workers -= 1;
        core.worker_busy(-1);
        for s in running {
            let ok = self.reqs[s as usize].fail.is_none();
            self.finish(core, s, ok);
        }
        self.try_dispatch(core, w);
    }

    /// (Continuous) starts waiting requests while a slot and memory are free.
    fn admit(&mut self, core: &mut Core, w: u32) {
        loop {
            let worker = &self.workers[w as usize];
            if worker.running.len() >= self.max_batch {
                return;
            }
            let Some(&s) = worker.queue.front() else {
                return;
            };
            let need = self.item_bytes * self.reqs[s as usize].memory;
            let fits = self.weights_bytes + worker.item_bytes + need <= self.gpu_bytes;
            if !fits && !worker.running.is_empty() {
                // Waits until running items leave and free their memory.
                return;
            }
            let e = Self::strike(core, Component::Model, w, BATCH_HOP, None);
            let worker = &mut self.workers[w as usize];
            worker.queue.pop_front();
            if worker.running.is_empty() {
                self.busy_workers += 1;
                core.worker_busy(1);
            }
            worker.running.push(s);
            let n = worker.running.len();
            let r = &mut self.reqs[s as usize];
            r.start = core.now;
            core.metrics
                .observe(self.ids.queue, ns_to_secs(core.now - r.enqueued));
            core.metrics.observe(self.ids.batch, n as f64);
            let secs = if fits {
                worker.item_bytes += need;
                (self.overhead_s + self.item_s * n as f64) * r.length * e.work_factor
            } else {
                core.metrics.inc(self.ids.oom);
                r.fail = r.fail.or(Some(500));
                let fields = vec![
                    ("worker", format!("gpu-{w}")),
                    (
                        "needed_gb",
                        format!("{:.1}", (self.weights_bytes + need) / GB),
                    ),
                    ("gpu_memory_gb", format!("{:.1}", self.gpu_bytes / GB)),
                ];
                let seq = r.seq;
                telemetry::log(
                    core,
                    Level::Error,
                    "CUDA out of memory: request failed",
                    fields,
                    Some(seq),
                );
                self.overhead_s
            };
            r.fail = r.fail.or(e.fail_status);
            let at = core.now + secs_to_ns(secs).saturating_add(e.delay_ns).max(1);
            let seq = r.seq;
            self.events.schedule(at, Ev::ItemDone(w, s, seq));
        }
    }

    fn item_done(&mut self, core: &mut Core, w: u32, slot: u32, seq: u64) {
        let worker = &mut self.workers[w as usize];
        let Some(pos) = worker.running.iter().position(|&s| s == slot) else {
            return;
        };
        if self.reqs[slot as usize].seq != seq {
            return;
        }
        worker.running.swap_remove(pos);
        let r = self.reqs[slot as usize];
        if r.fail.is_none() {
            worker.item_bytes = (worker.item_bytes - self.item_bytes * r.memory).max(0.0);
        }
        if worker.running.is_empty() {
            worker.item_bytes = 0.0;
            self.busy_workers -= 1;
            core.worker_busy(-1);
        }
        self.finish(core, slot, r.fail.is_none());
        self.try_dispatch(core, w);
    }

    /// A request leaves: answered, failed, or given up on by its client.
    fn finish(&mut self, core: &mut Core, slot: u32, ok: bool) {
        let r = self.reqs[slot as usize];
        self.free.push(slot);
        let latency = core.now - r.arrival;
        let timed_out = latency > self.timeout_ns;
        let (counter, good, seen) = if timed_out {
            (self.ids.timeout, false, self.timeout_ns)
        } else if ok {
            (self.ids.ok, true, latency)
        } else if r.fail == Some(503) {
            (self.ids.unavailable, false, latency)
        } else {
            (self.ids.failed, false, latency)
        };
        core.metrics.inc(counter);
        let wait = r.start.saturating_sub(r.arrival);
        core.depart(r.arrival, wait, good);
        core.metrics.observe(self.ids.duration, ns_to_secs(seen));
        let version = self.workers[r.worker as usize].version;
        if core.traces.wants(core.now, r.seq, !good) {
            let status = match (timed_out, ok, r.fail) {
                (true, _, _) => 504,
                (false, true, _) => 200,
                (false, false, Some(s)) => s,
                (false, false, None) => 500,
            };
            let path = telemetry::Path {
                seq: r.seq,
                arrival: r.arrival,
                enqueued: r.enqueued,
                start: r.start,
                status,
                worker: r.worker,
                version,
                staleness_s: r.staleness_s,
            };
            telemetry::trace(core, &path);
        }
        if timed_out {
            telemetry::log(
                core,
                Level::Warn,
                "client timed out before the prediction was ready",
                vec![
                    ("status", "504".into()),
                    ("latency_s", format!("{:.3}", ns_to_secs(latency))),
                    ("worker", format!("gpu-{}", r.worker)),
                ],
                Some(r.seq),
            );
        }
        if good {
            let q = self.quality(r.staleness_s, version);
            self.quality_sum += q;
            self.quality_n += 1;
        }
    }

    /// Expected accuracy of one prediction.
    fn quality(&self, staleness_s: f64, version: u32) -> f64 {
        let stale = STALE_LOSS_MAX * (1.0 - libm::exp(-staleness_s / STALE_TAU_S));
        let drift = DRIFT_LOSS_MAX * (1.0 - libm::exp(-self.drift));
        let mismatch = if version == self.deployed {
            0.0
        } else {
            self.mismatch_loss
        };
        (self.base_quality - stale - drift - mismatch).clamp(0.0, 1.0)
    }

    fn ingest(&mut self, core: &mut Core) {
        self.events.schedule(core.now + self.refresh_ns, Ev::Ingest);
        let e = Self::strike(core, Component::Database, 0, INGEST_HOP, None);
        if e.fail_status.is_none() {
            self.data_as_of = self.data_as_of.max(core.now.saturating_sub(e.delay_ns));
        } else {
            let age = ns_to_secs(core.now.saturating_sub(self.data_as_of));
            let fields = vec![("staleness_s", format!("{age:.0}"))];
            telemetry::log(
                core,
                Level::Error,
                "feature materialization failed: online store not refreshed",
                fields,
                None,
            );
        }
    }

    /// Worker `w` is replaced (its health check failed): the successor loads the weights.
    fn replace(&mut self, core: &mut Core, w: u32) {
        if self.workers[w as usize].loading {
            return;
        }
        let e = Self::strike(core, Component::Model, w, LOAD_HOP, None);
        let load = secs_to_ns(ns_to_secs(self.load_ns) * e.work_factor).saturating_add(e.delay_ns);
        core.metrics.observe(self.ids.load, ns_to_secs(load));
        let fields = vec![
            ("worker", format!("gpu-{w}")),
            ("weights_gb", format!("{:.1}", self.weights_bytes / GB)),
            ("load_s", format!("{:.1}", ns_to_secs(load))),
            ("preload", self.preload.to_string()),
        ];
        telemetry::log(
            core,
            Level::Warn,
            "health check failed: worker replaced, successor loading the model's weights",
            fields,
            None,
        );
        if self.preload {
            // Make before break: the successor loads beside it; no gap in serving.
            return;
        }
        let worker = &mut self.workers[w as usize];
        worker.loading = true;
        worker.epoch += 1;
        worker.window_open = false;
        let epoch = worker.epoch;
        let queued: Vec<u32> = worker.queue.drain(..).collect();
        self.events
            .schedule(core.now + load.max(1), Ev::Loaded(w, epoch));
        // The router sends what was waiting there to the workers that serve.
        for s in queued {
            match self.route() {
                Some(to) => {
                    self.reqs[s as usize].worker = to;
                    self.join(core, to, s);
                }
                None => self.workers[w as usize].queue.push_back(s),
            }
        }
    }

    fn loaded(&mut self, core: &mut Core, w: u32, epoch: u64) {
        let worker = &mut self.workers[w as usize];
        if worker.epoch != epoch || !worker.loading {
            return;
        }
        worker.loading = false;
        let fields = vec![("worker", format!("gpu-{w}"))];
        telemetry::log(
            core,
            Level::Info,
            "model loaded: worker serving",
            fields,
            None,
        );
        self.try_dispatch(core, w);
    }

    /// Once per sample: health checks, versions and drift, as the scenarios strike them.
    fn per_sample(&mut self, core: &mut Core) {
        let dt = ns_to_secs(core.now.saturating_sub(self.last_sample));
        let before = self.last_sample;
        self.last_sample = core.now;
        for w in 0..self.workers.len() as u32 {
            let health = Self::strike(core, Component::Model, w, HEALTH_HOP, None);
            if health.fail_status.is_some() {
                self.replace(core, w);
            }
            let v = Self::strike(core, Component::Model, w, VERSION_HOP, None);
            self.workers[w as usize].version = v.model().version.unwrap_or(self.deployed);
        }
        let d = Self::strike(core, Component::Model, 0, DRIFT_HOP, None);
        self.drift += d.model().drift_per_s.max(0.0) * dt;
        if self.retrain_ns > 0 && core.now / self.retrain_ns != before / self.retrain_ns {
            // Retrained on recent data and redeployed: the drift starts over.
            self.drift = 0.0;
        }
    }

    fn queued(&self) -> usize {
        self.workers.iter().map(|w| w.queue.len()).sum()
    }
}

impl Model for InferenceModel {
    fn peek_time(&self) -> Option<Nanos> {
        self.events.peek_time()
    }

    fn step_through(&mut self, core: &mut Core, last: Nanos) -> bool {
        let Some((t, ev)) = self.events.pop_through(last) else {
            return false;
        };
        core.now = t;
        match ev {
            Ev::Arrival => self.arrival(core),
            Ev::Enqueue(slot, seq) => {
                if self.reqs[slot as usize].seq == seq {
                    self.enqueue(core, slot)
                }
            }
            Ev::Flush(w, window) => self.flush(core, w, window),
            Ev::BatchDone(w, batch) => self.batch_done(core, w, batch),
            Ev::ItemDone(w, slot, seq) => self.item_done(core, w, slot, seq),
            Ev::Loaded(w, epoch) => self.loaded(core, w, epoch),
            Ev::Ingest => self.ingest(core),
        }
        true
    }

    fn on_sample(&mut self, core: &mut Core) {
        self.per_sample(core);
        core.settle();
        let loading = self.workers.iter().filter(|w| w.loading).count();
        let queued = self.queued();
        let m = &mut core.metrics;
        m.set(self.ids.states[0], (self.workers.len() - loading) as f64);
        m.set(self.ids.states[1], loading as f64);
        for (i, w) in self.workers.iter().enumerate() {
            let weights = if w.loading { 0.0 } else { self.weights_bytes };
            m.set(self.ids.memory[i], weights + w.item_bytes);
            m.set(self.ids.versions[i], w.version as f64);
        }
        m.set(
            self.ids.staleness,
            ns_to_secs(core.now.saturating_sub(self.data_as_of)),
        );
        m.set(self.ids.drift, self.drift);
        if self.quality_n > 0 {
            m.set(self.ids.quality, self.quality_sum / self.quality_n as f64);
        } else if core.now <= self.refresh_ns {
            m.set(self.ids.quality, self.base_quality);
        }
        self.quality_sum = 0.0;
        self.quality_n = 0;
        m.set(self.ids.in_flight, core.stats.in_system.level() as f64);
        m.set(self.ids.depth, queued as f64);
        m.set(self.ids.busy, self.busy_workers.max(0) as f64);
        if let Some(util) = self.meter.read(core, self.workers.len() as u64) {
            core.metrics.set(self.ids.utilization, util);
        }
        // Every GPU worker is billed by the hour, busy or not (as compute: one unit each).
        let usage = Usage {
            vcpus: self.workers.len() as f64,
            ..Usage::default()
        };
        self.cost.sample(core.now, &mut core.metrics, &usage);
    }

    fn workers_total(&self) -> u64 {
        self.workers.len() as u64
    }

    fn queue_depth(&self) -> u64 {
        self.queued() as u64
    }

    fn has(&self, component: Component) -> bool {
        META.components.contains(&component)
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;

    #[test]
    fn batches_form_and_the_golden_signals_are_healthy() {
        let lab = run(&config("inference", 21, &[], &[]), 60);
        let ok = responses(&lab, "POST /predict", "200");
        assert!(ok > 8000.0, "{ok}");
        assert_eq!(failed_responses(&lab, "POST /predict"), 0.0);
        let b = quantile_all(&lab, "inference_batch_size", 0.5);
        assert!(b <= 4.0, "batch p50 {b}");
        let p99 = quantile_all(&lab, "http_request_duration_seconds", 0.99);
        assert!(p99 < 0.15, "p99 {p99}");
        let q = values_of(&lab, "prediction_quality");
        assert!(q.iter().all(|&x| x > 0.88), "{q:?}");
    }

    #[test]
    fn an_oom_is_logged_and_traced() {
        // 14 GB of weights in 20 GB: a batch of three (6 GB) no longer fits.
        let lab = run(
            &config("inference", 22, &[], &[("gpu_memory_gb", "20")]),
            30,
        );
        assert!(total(&lab, "gpu_oom_total") > 0.0);
        assert!(lab
            .logs()
            .any(|l| l.message.starts_with("CUDA out of memory")));
        let failed = lab.traces().find(|t| {
            t.spans[0]
                .attributes
                .iter()
                .any(|(k, v)| *k == "http.status" && v == "500")
        });
        let ops: Vec<&str> =
            failed.map_or(vec![], |t| t.spans.iter().map(|s| s.operation).collect());
        assert_eq!(
            ops,
            [
                "POST /predict",
                "feature_store.read",
                "batcher.queue",
                "gpu.batch"
            ]
        );
    }

    #[test]
    fn continuous_batching_answers_without_a_window() {
        let lab = run(
            &config("inference", 23, &[], &[("batching", "continuous")]),
            30,
        );
        assert_eq!(failed_responses(&lab, "POST /predict"), 0.0);
        let wait = quantile_all(&lab, "inference_queue_seconds", 0.5);
        assert!(wait < 0.002, "wait p50 {wait}");
    }
}
