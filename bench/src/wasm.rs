//! The bench as WebAssembly, for the browser run (`bench/wasm/run.sh`): plain C-ABI exports
//! that a page calls and times with `performance.now()` (there is no clock to read in
//! here), so the engine runs the same models in Chromium as natively.
//!
//! ```text
//! sdl_bench_prepare(model, quick, seed) → 0 ok / 1 error   (builds the run, untimed)
//! sdl_bench_simulate()                   → 0 ok / 1 error   (the timed part)
//! sdl_bench_finish()                     → 0 ok / 1 error   (statistics, untimed)
//! sdl_bench_value(i)                     → f64: events, requests, measured requests,
//!                                          wait sum s, latency sum s, rejected
//! ```

use crate::models::Models;
use engine::time::{secs_to_ns, Nanos};
use engine::Lab;
use std::cell::RefCell;

struct Pending {
    config: engine::LabConfig,
    warmup_ns: Nanos,
    end_ns: Nanos,
    lab: Option<Lab>,
}

thread_local! {
    static PENDING: RefCell<Option<Pending>> = const { RefCell::new(None) };
    static VALUES: RefCell<[f64; 6]> = const { RefCell::new([0.0; 6]) };
}

/// Number of models in `bench/models.json`.
#[no_mangle]
pub extern "C" fn sdl_bench_model_count() -> u32 {
    Models::load().map_or(0, |m| m.models.len() as u32)
}

/// Builds the configuration of model number `model` (quick or full size) with `seed`.
#[no_mangle]
pub extern "C" fn sdl_bench_prepare(model: u32, quick: u32, seed: u64) -> u32 {
    let Ok(models) = Models::load() else {
        return 1;
    };
    let Some(m) = models.models.get(model as usize) else {
        return 1;
    };
    let Some(requests) = m.requests_for("engine", quick != 0) else {
        return 1;
    };
    let (measured_s, warmup_s) = m.durations_s(requests, models.warmup_fraction);
    let warmup_ns = secs_to_ns(warmup_s);
    let Ok(config) = crate::native::configure(
        &m.system,
        &m.params,
        &m.scenarios,
        &m.mitigations,
        seed,
        warmup_ns,
    ) else {
        return 1;
    };
    PENDING.with(|p| {
        *p.borrow_mut() = Some(Pending {
            config,
            warmup_ns,
            end_ns: secs_to_ns(warmup_s + measured_s),
            lab: None,
        })
    });
    0
}

/// The timed part, as natively: build the lab and simulate to the end (in the same
/// 20 slices after the warm-up as the native run).
#[no_mangle]
pub extern "C" fn sdl_bench_simulate() -> u32 {
    PENDING.with(|p| {
        let mut p = p.borrow_mut();
        let Some(p) = p.as_mut() else {
            return 1;
        };
        let Ok(mut lab) = Lab::new(&p.config) else {
            return 1;
        };
        lab.run_until(p.warmup_ns);
        for b in 1..=20 {
            lab.run_until(p.warmup_ns + (p.end_ns - p.warmup_ns) * b / 20);
        }
        p.lab = Some(lab);
        0
    })
}

/// Statistics of the finished run into `sdl_bench_value`.
#[no_mangle]
pub extern "C" fn sdl_bench_finish() -> u32 {
    let Some(mut lab) = PENDING.with(|p| p.borrow_mut().take().and_then(|p| p.lab)) else {
        return 1;
    };
    let requests = lab
        .metrics()
        .family_histogram("http_request_duration_seconds")
        .map_or(0, |(_, cum, _)| cum.last().copied().unwrap_or(0));
    let s = lab.summary();
    let n = s.requests_completed as f64;
    VALUES.with(|v| {
        *v.borrow_mut() = [
            lab.events() as f64,
            requests as f64,
            n,
            s.wait_mean_s * n,
            s.latency_mean_s * n,
            s.errors_total as f64,
        ]
    });
    0
}

#[no_mangle]
pub extern "C" fn sdl_bench_value(i: u32) -> f64 {
    VALUES.with(|v| v.borrow().get(i as usize).copied().unwrap_or(f64::NAN))
}

/// Model `i`'s id, for the page: written to `sdl_bench_text`, returns its length.
#[no_mangle]
pub extern "C" fn sdl_bench_model_id(i: u32) -> u32 {
    let id = Models::load()
        .ok()
        .and_then(|m| m.models.get(i as usize).map(|m| m.id.clone()))
        .unwrap_or_default();
    TEXT.with(|t| {
        let mut t = t.borrow_mut();
        t.clear();
        t.extend_from_slice(id.as_bytes());
        t.len() as u32
    })
}

thread_local! {
    static TEXT: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Address of the text written by `sdl_bench_model_id`.
#[no_mangle]
pub extern "C" fn sdl_bench_text() -> *const u8 {
    TEXT.with(|t| t.borrow().as_ptr())
}
