//! # Disk I/O saturation
//!
//! A backup job starts streaming the database's files at `background_mb_per_s`, more
//! than the disk moves (`disk_io_mb_per_s`, 200 MB/s by default). The disk serves I/O in
//! order, so every write-ahead-log write of an order now waits behind the backup's
//! queued bytes before the order can commit. The queue grows for as long as the job
//! runs: order latency climbs second by second, while product reads — served by the
//! cache and the replica, which never touch this disk — stay fast until the orders hold
//! enough workers to starve them too.
//!
//! ```text
//!   POST /order ──▶ database ──WAL write──▶ [ disk queue ▓▓▓▓▓▓ backup ▓▓▓ | 4 KB ] ▶ commit
//!   GET /product ──▶ cache / replica ───────────────────────────────────────▶ fine
//! ```
//!
//! ## What to look at
//! - `disk_io_utilization_ratio` pinned at 1 and `disk_io_queue_seconds` climbing.
//! - `disk_io_wait_seconds` (each write's wait) and `POST /order` latency growing
//!   together; `GET /product` latency flat; CPU low.
//! - `disk_background_io_bytes_total` shows who is using the disk.
//!
//! ## How to fix it
//! Throttle the background job below the disk's spare bandwidth (ionice, a rate limit on
//! the backup, run it on the replica), or give the log its own device. Lower
//! `background_mb_per_s` here and the queue drains. Alert on I/O queue time and
//! utilisation, not only on free space.

use crate::metrics::{CounterId, MetricSpec, Registry};
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{
    no_check, Component, DiskEffect, Effect, Hop, Scenario, ScenarioMeta, StrikeCx,
};
use crate::systems::web::metrics::{DISK_IO_BACKLOG, DISK_IO_UTILIZATION, DISK_IO_WAIT};
use crate::time::{ns_to_secs, Nanos};

const BACKGROUND: MetricSpec = MetricSpec::counter(
    "disk_background_io_bytes_total",
    "Bytes the background job (backup) queued at the database disk.",
    &["job"],
);

pub static META: ScenarioMeta = ScenarioMeta {
    id: "disk-io-saturation",
    title: "Disk I/O saturation",
    category: "resources",
    kind: crate::scenario::FaultKind::Saturated,
    summary: "A backup streams more than the disk moves: the I/O queue grows and every order's commit waits behind it.",
    source: crate::doc_of!("scenarios/resources/disk_io_saturation.rs"),
    own_params: &[ParamSpec::float(
        "background_mb_per_s",
        "MB/s",
        220.0,
        0.0,
        1_000_000.0,
        "I/O the background job asks of the database disk.",
    )],
    metrics: &[BACKGROUND, DISK_IO_UTILIZATION, DISK_IO_BACKLOG, DISK_IO_WAIT],
    strikes: &[Component::Disk],
    mitigations: &[],
    build: || Box::new(DiskIoSaturation::default()),
    check: no_check,
};

#[derive(Default)]
struct DiskIoSaturation {
    bytes_per_s: f64,
    /// Up to when the job's I/O has been handed to the disk.
    queued_until: Nanos,
    background: Option<CounterId>,
}

impl Scenario for DiskIoSaturation {
    fn configure(&mut self, params: &ParamSet, metrics: &mut Registry) {
        self.bytes_per_s = params.f64("background_mb_per_s") * 1e6;
        self.background = Some(metrics.counter(&BACKGROUND, &["backup"]));
    }

    fn strike(&mut self, cx: &mut StrikeCx<'_>, _hop: &Hop) -> Effect {
        // The job streams continuously; what it asked for since the last write is queued
        // at the disk ahead of this one.
        let from = self.queued_until.max(cx.active_since);
        self.queued_until = cx.now;
        let bytes = (self.bytes_per_s * ns_to_secs(cx.now.saturating_sub(from))) as u64;
        if let Some(c) = self.background {
            cx.metrics.add(c, bytes as f64);
        }
        Effect::on_disk(DiskEffect {
            io_bytes: bytes,
            ..DiskEffect::NONE
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("web", 621, &[], &[]), 30);
        assert!(!registered(&off, "disk_background_io_bytes_total"));
        let util_off = values_of(&off, "disk_io_utilization_ratio");
        assert!(
            util_off.iter().all(|&u| u < 0.01),
            "orders alone barely use the disk"
        );
        let on = run(&config("web", 621, &["disk-io-saturation"], &[]), 30);
        let bytes = total(&on, "disk_background_io_bytes_total");
        assert!((5e9..7e9).contains(&bytes), "220 MB/s for 30 s: {bytes}");
        let util = values_of(&on, "disk_io_utilization_ratio");
        let busy = util[5..].iter().sum::<f64>() / (util.len() - 5) as f64;
        assert!(busy > 0.98, "{util:?}");
        assert!(total(&on, "disk_io_queue_seconds") > 1.0);
    }

    #[test]
    fn symptom_appears() {
        // The queue grows 0.1 s per second: orders slow down steadily, reads do not.
        let mut lab = run(&config("web", 622, &["disk-io-saturation"], &[]), 10);
        let early = quantile_all(&lab, "disk_io_wait_seconds", 0.5);
        lab.run_until(40 * crate::time::NS_PER_SEC);
        let orders = quantile_where(&lab, "http_request_duration_seconds", "POST /order", 0.9);
        let reads = quantile_where(&lab, "http_request_duration_seconds", "GET /product", 0.5);
        assert!(orders > 1.0, "order p90 {orders}");
        assert!(reads < 0.05, "read p50 {reads}");
        let backlog = values_of(&lab, "disk_io_queue_seconds");
        assert!(backlog[35] > backlog[15] + 1.0, "{:?}", &backlog[10..]);
        assert!(early < 1.0, "{early}");
    }

    #[test]
    fn diagnosis_signal_identifies_it() {
        // Disk pinned and its queue growing while the CPUs idle; a throttled job (below
        // the disk's bandwidth) lets the queue drain and orders return to normal.
        let lab = run(&config("web", 623, &["disk-io-saturation"], &[]), 30);
        let cpu = series_values(&lab, "process_cpu_utilization_ratio", "api-0");
        let cpu = cpu[5..].iter().sum::<f64>() / (cpu.len() - 5) as f64;
        let disk = values_of(&lab, "disk_io_utilization_ratio");
        assert!(disk[10] > 0.99 && cpu < 0.3, "disk {} cpu {cpu}", disk[10]);
        let throttled = run(
            &config(
                "web",
                623,
                &["disk-io-saturation"],
                &[("disk-io-saturation.background_mb_per_s", "100")],
            ),
            30,
        );
        let p90 = |lab| quantile_where(lab, "http_request_duration_seconds", "POST /order", 0.9);
        assert!(
            p90(&throttled) < 0.2 && p90(&lab) > 1.0,
            "{} vs {}",
            p90(&throttled),
            p90(&lab)
        );
    }
}
