//! # Mobile clients
//!
//! A population of phones running one app against one API. Each device is on a network
//! profile (Wi-Fi, "Slow 4G", 3G, or a flaky cellular link that drops out) and its user
//! reads and edits shared records after a think time, while the app polls for changes
//! every `poll_s`. A call's time is what the link gives: the radio's promotion delay if
//! it was idle, one round trip, the request's bytes over the uplink, the server's time,
//! the response's bytes over the downlink. The client gives up after `timeout_s` and
//! retries `retries` times; a retried write that had reached the server is applied
//! again unless the app sends an **idempotency key**.
//!
//! ```text
//!   device ──radio (promotion, tail)──▶ link (RTT, up/down rate, loss) ──▶ API (workers)
//!     │ offline: edits go to a local queue ──reconnect──▶ sync, version check
//!     │   conflict: lww (the other update is lost) │ merge (kept)
//!     └ app killed in the background: the queue is lost unless persisted
//! ```
//!
//! Offline-first: an edit made while the device is offline goes to a local queue and
//! is sent when it reconnects (and after each successful poll). The server checks the
//! version the edit was based on: if the record changed since, it is a **conflict**.
//! With `resolution = lww` (last write wins) the later write replaces the record and
//! the other update is lost (`data_anomalies_total{kind="lost_update"}`); with `merge`
//! (field-level merge, version vectors) both are kept. An online edit is made on the
//! record as just loaded. An app the OS kills in the background loses a queue it held
//! only in memory (`lost_write`) unless `persist_queue` is on.
//!
//! The radio's energy follows the LTE RRC state machine measured by Huang et al. ("A
//! Close Examination of Performance and Power Characteristics of 4G LTE Networks",
//! MobiSys 2012): from idle, a promotion of about 260 ms; while a call is in flight the
//! radio is active; after it, a tail of about 11.6 s in RRC_CONNECTED at about 1 W
//! before it drops to idle. A call inside the tail starts at once and extends it. Our
//! power figures (promotion 1.2 W, active 1.3 W, tail 1.06 W) are the paper's LTE
//! figures as we read them; the 3G figures (promotion 0.6 s, tail 8 s at 0.8 W) and
//! Wi-Fi's (no promotion, 0.25 s tail, 0.13 W) are assumptions of the same order. Only
//! the radio is counted: no screen, no CPU. A phone battery is about 15 Wh (4,000 mAh at
//! 3.85 V).
//!
//! Network presets: "Slow 4G" is Lighthouse's mobile throttling (150 ms RTT, 1.6 Mbps
//! down, 750 kbps up), the same as WebPageTest's "Mobile 3G - Fast"; "3G" is
//! WebPageTest's "Mobile 3G" (300 ms, 1.6 Mbps / 768 kbps); Wi-Fi is WebPageTest's
//! "Cable" (28 ms, 5 / 1 Mbps). The flaky profile (Slow 4G with 2% of exchanges lost,
//! dropping out about every 2 minutes for about 15 s) is an assumption. TCP and TLS
//! handshakes are not modelled: connections are kept alive.
//!
//! ## What to look at
//! - `device_request_duration_seconds{network}`: what the user waits for one attempt,
//!   by network; `client_rtt_seconds{network}`: the link's round trip.
//! - `client_requests_total{outcome}`: success, timeout, error, offline (a read with no
//!   network), queued (an edit kept for later).
//! - `offline_queue_depth`, `devices_online`, `sync_conflicts_total{resolution}`,
//!   `data_anomalies_total{kind}` (lost_update, duplicate_applied, lost_write),
//!   `duplicate_writes_total`, `app_kills_total`.
//! - `battery_mwh_total{network}`: radio energy, by network.

mod model;
mod spec;

use super::common;
use super::SystemMeta;
use crate::diagram::{
    all, pct, read_service, secs, Diagram, EdgeSpec, NodeSpec, Options, Readings, Verdict,
};
use crate::golden::{GoldenSeries, Signal};
use crate::params::ParamSpec;
use crate::scenario::Component;

pub use model::MobileModel;
pub use spec::*;

pub static META: SystemMeta = SystemMeta {
    id: "mobile",
    title: "Mobile clients (networks, radio energy, offline sync)",
    category: "mobile",
    summary: "Phones on Wi-Fi, Slow 4G, 3G and flaky links reading and editing shared records: timeouts and retries, an offline queue synced with conflict checks, background kills, radio energy per network.",
    source: crate::doc_of!("systems/mobile/mod.rs"),
    params: PARAMS,
    metrics: &[
        common::HTTP_REQUESTS,
        common::HTTP_DURATION,
        common::IN_FLIGHT,
        common::QUEUE_DEPTH,
        common::WORKERS_BUSY,
        common::UTILIZATION,
        common::DATA_ANOMALIES,
        CLIENT_RTT,
        CLIENT_DURATION,
        CLIENT_REQUESTS,
        SYNC_CONFLICTS,
        BATTERY,
        QUEUE,
        ONLINE,
        DUPLICATES,
        KILLS,
    ],
    components: COMPONENTS,
    build: |p, core| Box::new(MobileModel::new(p, core)),
    diagram: &DIAGRAM,
    only_switches: Some(OWN),
    golden: &GOLDEN,
};

/// The scenarios this system runs (its own: they strike its devices).
const OWN: &[&str] = &[
    "flaky-mobile-network",
    "battery-drain",
    "offline-first-sync",
    "3g-bandwidth-limit",
    "mobile-timeout",
    "cellular-vs-wifi",
    "app-background-kill",
    "poor-cellular-signal",
];

#[rustfmt::skip]
const PARAMS: &[ParamSpec] = &[
    ParamSpec::int("devices", "devices", 200, 1, 20_000, "Phones running the app."),
    ParamSpec::float("share_wifi", "share", 0.5, 0.0, 1.0, "Share of devices on Wi-Fi (28 ms, 5 / 1 Mbps)."),
    ParamSpec::float("share_slow4g", "share", 0.3, 0.0, 1.0, "Share on Slow 4G (150 ms, 1.6 Mbps / 750 kbps)."),
    ParamSpec::float("share_3g", "share", 0.1, 0.0, 1.0, "Share on 3G (300 ms, 1.6 Mbps / 768 kbps)."),
    ParamSpec::float("share_flaky", "share", 0.1, 0.0, 1.0, "Share on a flaky cellular link (Slow 4G, 2% lost, drop-outs)."),
    ParamSpec::float("think_s", "s", 30.0, 0.1, 86_400.0, "Mean time between a user's actions (exponential)."),
    ParamSpec::float("write_share", "share", 0.3, 0.0, 1.0, "Share of actions that edit a record (the rest read one)."),
    ParamSpec::int("records", "records", 100, 1, 1_000_000, "Shared records the users read and edit."),
    ParamSpec::float("poll_s", "s", 60.0, 1.0, 86_400.0, "The app polls for changes this often."),
    ParamSpec::float("payload_kb", "KB", 50.0, 0.1, 100_000.0, "Size of a record read's response."),
    ParamSpec::float("edit_kb", "KB", 2.0, 0.1, 100_000.0, "Size of an edit's request body."),
    ParamSpec::float("poll_kb", "KB", 2.0, 0.1, 100_000.0, "Size of a poll's response."),
    ParamSpec::float("server_ms", "ms", 50.0, 0.1, 600_000.0, "Mean time the API takes per call (log-normal, cv 0.5)."),
    ParamSpec::int("server_workers", "workers", 16, 1, 100_000, "Workers of the API."),
    ParamSpec::float("timeout_s", "s", 10.0, 0.05, 600.0, "The app's request timeout (OkHttp's default read timeout)."),
    ParamSpec::int("retries", "retries", 2, 0, 10, "Retries after a timeout or an error, at once."),
    ParamSpec::boolean("adaptive_timeout", false, "Time out at 4× the call's expected time on its network (at least 1 s) instead of timeout_s."),
    ParamSpec::boolean("idempotency_keys", false, "Writes carry an idempotency key: a retry the server already applied is answered, not applied again."),
    ParamSpec::choice("resolution", "lww", &["lww", "merge"], "How a write based on an old version is resolved: last write wins (the other update is lost) or merged."),
    ParamSpec::boolean("persist_queue", false, "The offline queue is written to storage (survives the app being killed)."),
    ParamSpec::boolean("wifi_only_sync", false, "Background polls are deferred while on cellular (sent on Wi-Fi)."),
];

static GOLDEN: [GoldenSeries; Signal::COUNT] = {
    const LATENCY: &str = "What the user waited for one attempt over the last 5 s, from sending \
        to the answer or the timeout, on every network.";
    [
        GoldenSeries {
            signal: Signal::ThroughputRps,
            meaning: "Calls the devices got a successful answer to per second over the last 5 s.",
        },
        GoldenSeries {
            signal: Signal::ErrorRate,
            meaning: "Share of calls over the last 5 s that timed out or got an error.",
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
            meaning: "Calls waiting for an API worker, now.",
        },
        GoldenSeries {
            signal: Signal::Utilization,
            meaning: "Busy share of the API's workers over the last sample interval.",
        },
        GoldenSeries {
            signal: Signal::InFlight,
            meaning: "Calls sent by the devices and not yet answered or timed out, now.",
        },
    ]
};

// ---- its diagram ---------------------------------------------------------------------

pub static DIAGRAM: Diagram = Diagram {
    layout: diagram_layout,
    read_node: diagram_node,
    read_edge: diagram_edge,
};

const DEVICES: NodeSpec = NodeSpec {
    id: "devices",
    label: "Devices",
    components: &[Component::Device],
    services: &[SERVICE],
    col: 0,
    row: 0,
    signals: "client_requests_total{outcome=\"timeout\"}: timeouts; offline_queue_depth: edits waiting; device_request_duration_seconds: p99",
    metrics: &[
        "client_requests_total",
        "device_request_duration_seconds",
        "client_rtt_seconds",
        "offline_queue_depth",
        "devices_online",
        "battery_mwh_total",
        "sync_conflicts_total",
    ],
};
const API: NodeSpec = NodeSpec {
    id: "api",
    label: "API",
    components: &[Component::Service],
    services: &[SERVICE],
    col: 1,
    row: 0,
    signals: "http_requests_total{status=\"500\"}: failures; http_request_duration_seconds: p99",
    metrics: &["http_request_duration_seconds", "service_utilization_ratio"],
};

fn diagram_layout(_: &Options<'_>) -> (Vec<NodeSpec>, Vec<EdgeSpec>) {
    (
        vec![DEVICES, API],
        vec![EdgeSpec {
            from: "devices",
            to: "api",
            rate_of: "http_requests_total",
        }],
    )
}

fn diagram_node(q: &Readings<'_>, spec: &NodeSpec, details: &mut Vec<String>) -> Verdict {
    match spec.id {
        "devices" => {
            let total = q.rate("client_requests_total", &all);
            let failed = q.rate("client_requests_total", &|v: &[String]| {
                v.first().is_some_and(|o| o == "timeout" || o == "error")
            });
            let p99 = q.quantile(0.99, "device_request_duration_seconds", &all);
            let mut v = Verdict::new(total > 0.0);
            let failed_share = crate::diagram::share(failed, total);
            details.push(format!("{total:.1} calls/s"));
            if p99.is_finite() {
                details.push(format!("p99 {}", secs(p99)));
            }
            v.above(
                "timeouts and errors",
                failed_share,
                crate::diagram::ERRORS_DEGRADED,
                crate::diagram::ERRORS_FAILING,
                pct,
            );
            v
        }
        "api" => read_service(q, details),
        _ => Verdict::new(false),
    }
}

fn diagram_edge(q: &Readings<'_>, spec: &EdgeSpec) -> f64 {
    q.rate(spec.rate_of, &all)
}

#[cfg(test)]
mod tests;
