//! # Autoscaling
//!
//! Add service instances when the fleet runs hot. Every second the autoscaler compares
//! worker utilisation with `target_utilization`; above it, it asks for enough instances
//! to bring utilisation back to the target (up to `max_instances`). New instances take
//! `scale_up_delay_s` to boot — the gap in which a sudden spike still hurts. (Scaling in
//! is left out: it is where real autoscalers flap.)
//!
//! ```text
//!   utilisation ▲   ╭──╮  target
//!               │───┼──┼──────────── new instances arrive after scale_up_delay_s
//!               │  ╱    ╲___
//!               └─────────────────▶ time
//! ```
//!
//! ## What to look at
//! - `autoscaler_instances` steps up a delay after utilisation crosses the target.
//! - Queue depth and latency fall once the new instances take traffic.

use crate::metrics::MetricSpec;
use crate::mitigation::{MitigationConfig, MitigationMeta};
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::Component;
use crate::time::{secs_to_ns, Nanos};

pub const INSTANCES: MetricSpec = MetricSpec::gauge(
    "autoscaler_instances",
    "Service instances running or booting.",
    &[],
);
pub const SCALE_UPS: MetricSpec = MetricSpec::counter(
    "autoscaler_scale_ups_total",
    "Times the autoscaler added instances.",
    &[],
);

/// When and how far the autoscaler adds instances.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Config {
    /// Utilisation above which it orders instances.
    pub target_utilization: f64,
    /// Time an ordered instance takes to boot.
    pub scale_up_delay_ns: Nanos,
    pub max_instances: usize,
}

impl MitigationConfig for Config {
    const ID: &'static str = "autoscaling";

    fn from_params(p: &ParamSet) -> Config {
        Config {
            target_utilization: p.f64("target_utilization"),
            scale_up_delay_ns: secs_to_ns(p.f64("scale_up_delay_s")),
            max_instances: p.i64("max_instances").max(1) as usize,
        }
    }
}

pub static META: MitigationMeta = MitigationMeta {
    id: "autoscaling",
    title: "Autoscaling",
    category: "capacity",
    summary: "Add instances when utilisation stays above a target, after a boot delay.",
    source: crate::doc_of!("mitigations/autoscaling.rs"),
    params: &[
        ParamSpec::float(
            "target_utilization",
            "",
            0.6,
            0.05,
            1.0,
            "Worker utilisation the autoscaler aims for.",
        ),
        ParamSpec::float(
            "scale_up_delay_s",
            "s",
            30.0,
            0.0,
            3600.0,
            "Time from the decision to a new instance taking traffic.",
        ),
        ParamSpec::int(
            "max_instances",
            "instances",
            32,
            1,
            256,
            "Upper bound on the fleet.",
        ),
    ],
    metrics: &[INSTANCES, SCALE_UPS],
    acts_on: &[Component::Service],
};
