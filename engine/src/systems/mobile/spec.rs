//! The mobile system's vocabulary, a leaf of it: the network profiles and radios, the
//! metrics it declares, its endpoints, the tick at which scenarios strike its devices.

use crate::metrics::{MetricSpec, LATENCY_BUCKETS};
use crate::scenario::Component;

/// The parts scenarios can strike.
pub const COMPONENTS: &[Component] = &[Component::Device, Component::Service];

/// The device hop every device is struck at once per tick (`TICK_NS`).
pub const TICK_HOP: &str = "tick";
/// How often each device's conditions are asked of the scenarios, in ns (1 s).
pub const TICK_NS: u64 = 1_000_000_000;

/// Whether a device hop is among the `share` of the fleet a scenario strikes: the last
/// devices in the fleet's order (`last`), which with the `share_…` parameters' order
/// (Wi-Fi, Slow 4G, 3G, flaky) are the cellular ones, or the first (the Wi-Fi ones).
pub fn in_share(hop: &crate::scenario::Hop, share: f64, last: bool) -> bool {
    let fleet = hop.fleet.max(1) as f64;
    let x = (hop.instance as f64 + 0.5) / fleet;
    if last {
        x >= 1.0 - share
    } else {
        x < share
    }
}

/// A network profile: the link and the radio behind it.
#[derive(Debug, Clone, Copy)]
pub struct Profile {
    pub name: &'static str,
    pub rtt_ms: f64,
    pub down_kbps: f64,
    pub up_kbps: f64,
    /// Share of exchanges that get no answer.
    pub loss: f64,
    pub cellular: bool,
    /// Mean time between drop-outs, s (0: never).
    pub offline_every_s: f64,
    /// Mean length of a drop-out, s.
    pub offline_for_s: f64,
    pub radio: Radio,
}

/// A radio's power states (Huang et al. 2012 for LTE).
#[derive(Debug, Clone, Copy)]
pub struct Radio {
    pub promo_ms: f64,
    pub promo_w: f64,
    pub active_w: f64,
    pub tail_s: f64,
    pub tail_w: f64,
}

const LTE: Radio = Radio {
    promo_ms: 260.0,
    promo_w: 1.21,
    active_w: 1.29,
    tail_s: 11.6,
    tail_w: 1.06,
};
const UMTS: Radio = Radio {
    promo_ms: 580.0,
    promo_w: 0.82,
    active_w: 0.82,
    tail_s: 8.0,
    tail_w: 0.80,
};
const WIFI: Radio = Radio {
    promo_ms: 0.0,
    promo_w: 0.0,
    active_w: 0.13,
    tail_s: 0.25,
    tail_w: 0.12,
};

/// The profiles, in the order of their `share_…` parameters.
pub const PROFILES: [Profile; 4] = [
    Profile {
        name: "wifi",
        rtt_ms: 28.0,
        down_kbps: 5000.0,
        up_kbps: 1000.0,
        loss: 0.0,
        cellular: false,
        offline_every_s: 0.0,
        offline_for_s: 0.0,
        radio: WIFI,
    },
    Profile {
        name: "slow4g",
        rtt_ms: 150.0,
        down_kbps: 1600.0,
        up_kbps: 750.0,
        loss: 0.0,
        cellular: true,
        offline_every_s: 0.0,
        offline_for_s: 0.0,
        radio: LTE,
    },
    Profile {
        name: "3g",
        rtt_ms: 300.0,
        down_kbps: 1600.0,
        up_kbps: 768.0,
        loss: 0.0,
        cellular: true,
        offline_every_s: 0.0,
        offline_for_s: 0.0,
        radio: UMTS,
    },
    Profile {
        name: "flaky",
        rtt_ms: 150.0,
        down_kbps: 1600.0,
        up_kbps: 750.0,
        loss: 0.02,
        cellular: true,
        offline_every_s: 120.0,
        offline_for_s: 15.0,
        radio: LTE,
    },
];

/// The network labels, in `PROFILES` order.
pub const NETWORKS: [&str; 4] = ["wifi", "slow4g", "3g", "flaky"];
/// `client_requests_total{outcome}` values.
pub const OUTCOMES: [&str; 5] = ["success", "timeout", "error", "offline", "queued"];
/// `sync_conflicts_total{resolution}` values.
pub const RESOLUTIONS: [&str; 2] = ["lww", "merge"];

pub const CLIENT_RTT: MetricSpec = MetricSpec::histogram(
    "client_rtt_seconds",
    "Round-trip time of the device's link for each call, by network.",
    &["network"],
    LATENCY_BUCKETS,
);
pub const CLIENT_DURATION: MetricSpec = MetricSpec::histogram(
    "device_request_duration_seconds",
    "What the user waits for one attempt, from sending to the answer or the timeout, by network.",
    &["network"],
    LATENCY_BUCKETS,
);
pub const CLIENT_REQUESTS: MetricSpec = MetricSpec::counter(
    "client_requests_total",
    "Calls the app made, by outcome: success, timeout, error, offline (a read with no network), queued (an edit kept offline).",
    &["outcome"],
);
pub const SYNC_CONFLICTS: MetricSpec = MetricSpec::counter(
    "sync_conflicts_total",
    "Writes that reached the server based on an older version of the record, by how they were resolved (lww, merge).",
    &["resolution"],
);
pub const BATTERY: MetricSpec = MetricSpec::counter(
    "battery_mwh_total",
    "Energy the devices' radios used, in mWh, by network.",
    &["network"],
);
pub const QUEUE: MetricSpec = MetricSpec::gauge(
    "offline_queue_depth",
    "Edits waiting in the devices' local queues to be synced.",
    &[],
);
pub const ONLINE: MetricSpec = MetricSpec::gauge(
    "devices_online",
    "Devices with a network connection now.",
    &[],
);
pub const DUPLICATES: MetricSpec = MetricSpec::counter(
    "duplicate_writes_total",
    "Retried writes the server applied a second time (no idempotency key).",
    &[],
);
pub const KILLS: MetricSpec = MetricSpec::counter(
    "app_kills_total",
    "Times the OS killed the app in the background.",
    &[],
);

/// The service name of the API.
pub const SERVICE: &str = "api";
/// Its endpoints: a record read, a record write, the poll for changes.
pub const ENDPOINTS: [&str; 3] = ["GET /records/{id}", "PUT /records/{id}", "GET /changes"];
