//! # Disk full
//!
//! Something fills the database server's disk: verbose debug logging left on, writing
//! `log_kb_per_write` kilobytes with every order, faster than log rotation frees space.
//! When the disk is full, every write fails ("no space left on device", HTTP 500) while
//! reads — served from the cache and the replica — keep working. Nothing is slow; half
//! the product is broken.
//!
//! ```text
//!   POST /order ──▶ database ──WAL + debug log──▶ [ disk ████████████ 100% ] ✗
//!   GET /product ──▶ cache / replica ──────────▶ fine
//! ```
//!
//! ## What to look at
//! - `disk_available_bytes` falling steadily, then at zero.
//! - `disk_write_failures_total` and 500s on `POST /order` only; `GET /product` healthy.
//! - Error logs "write failed: no space left on device".
//!
//! ## How to fix it
//! Free space (rotate and ship logs, turn debug logging off), then alert on
//! `disk_available_bytes` well before zero — a rate of fall and a time-to-full forecast
//! beat a fixed threshold. No switch fixes a full disk: the lesson is the diagnosis.

use crate::metrics::{CounterId, MetricSpec, Registry};
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{
    no_check, Component, DiskEffect, Effect, Hop, Scenario, ScenarioMeta, StrikeCx,
};
use crate::systems::web::metrics::{DISK_AVAILABLE, DISK_WRITE_FAILURES};

const LOG_BYTES: MetricSpec = MetricSpec::counter(
    "disk_log_bytes_written_total",
    "Bytes the runaway debug log wrote to disk.",
    &[],
);

pub static META: ScenarioMeta = ScenarioMeta {
    id: "disk-full",
    title: "Disk full",
    category: "resources",
    kind: crate::scenario::FaultKind::Saturated,
    summary: "A runaway log fills the database disk; writes fail while reads look fine.",
    source: crate::doc_of!("scenarios/resources/disk_full.rs"),
    own_params: &[ParamSpec::float(
        "log_kb_per_write",
        "KB",
        50_000.0,
        0.0,
        1_048_576.0,
        "Debug log written to disk with each order.",
    )],
    metrics: &[DISK_AVAILABLE, DISK_WRITE_FAILURES, LOG_BYTES],
    strikes: &[Component::Disk],
    mitigations: &[],
    build: || Box::new(DiskFull::default()),
    check: no_check,
};

#[derive(Default)]
struct DiskFull {
    bytes: u64,
    written: Option<CounterId>,
}

impl Scenario for DiskFull {
    fn configure(&mut self, params: &ParamSet, metrics: &mut Registry) {
        self.bytes = (params.f64("log_kb_per_write") * 1024.0) as u64;
        self.written = Some(metrics.counter(&LOG_BYTES, &[]));
    }

    fn strike(&mut self, cx: &mut StrikeCx<'_>, _hop: &Hop) -> Effect {
        if let Some(c) = self.written {
            cx.metrics.add(c, self.bytes as f64);
        }
        Effect::on_disk(DiskEffect {
            written_bytes: self.bytes,
            ..DiskEffect::NONE
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("web", 51, &[], &[]), 60);
        assert!(!registered(&off, "disk_log_bytes_written_total"));
        assert_eq!(total(&off, "disk_write_failures_total"), 0.0);
        let free_off = total(&off, "disk_available_bytes");
        let on = run(&config("web", 51, &["disk-full"], &[]), 60);
        assert!(total(&on, "disk_available_bytes") < free_off * 0.5);
        assert!(total(&on, "disk_log_bytes_written_total") > 1e9);
    }

    #[test]
    fn symptom_appears() {
        // 40 orders/s × 50 MB fills the 8 GB free within seconds; after that every write
        // fails and every read still works.
        let lab = run(&config("web", 52, &["disk-full"], &[]), 60);
        assert!(
            total(&lab, "disk_available_bytes") < 0.01 * 20e9,
            "the disk is full"
        );
        assert!(total(&lab, "disk_write_failures_total") > 1000.0);
        assert!(responses(&lab, "POST /order", "500") > 1000.0);
        assert_eq!(responses(&lab, "GET /product", "500"), 0.0);
        assert!(responses(&lab, "GET /product", "200") > 8000.0);
    }

    #[test]
    fn diagnosis_signal_identifies_it() {
        // Free space falls to (almost) nothing, and errors start when it does.
        let lab = run(
            &config(
                "web",
                53,
                &["disk-full"],
                &[("disk-full.log_kb_per_write", "2000")],
            ),
            120,
        );
        let free: Vec<(u64, f64)> = lab
            .metrics()
            .series_keys()
            .find(|k| k.name == "disk_available_bytes")
            .map(|k| lab.metrics().points(k.index))
            .unwrap_or_default();
        let first_full = free
            .iter()
            .find(|(_, v)| *v < 50e6)
            .map(|p| p.0 / crate::time::NS_PER_SEC);
        let t_full = first_full.unwrap_or(u64::MAX);
        assert!(t_full > 60 && t_full < 120, "disk full at {t_full} s");
        let errors_before = mean_between(&lab, "error_rate", 5, t_full.saturating_sub(5));
        let errors_after = mean_between(&lab, "error_rate", t_full + 6, 120);
        assert!(
            errors_before == 0.0 && errors_after > 0.1,
            "{errors_before} → {errors_after}"
        );
    }
}
