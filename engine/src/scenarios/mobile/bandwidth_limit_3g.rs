//! # 3G bandwidth limit
//!
//! The cellular devices fall back to a congested 3G network: the round trip becomes
//! 300 ms (WebPageTest's "Mobile 3G" profile: 1.6 Mbps down, 768 kbps up) and the cell
//! is shared, so each device gets `bandwidth_factor` of that. The app's record screen
//! downloads a 50 KB response: at a quarter of 1.6 Mbps that is a second of transfer on
//! its own, on top of the 3G radio's promotion and round trip. Nothing fails at first;
//! every screen is simply slow, and the biggest responses near the timeout.
//!
//! ```text
//!   Wi-Fi   28 ms + 50 KB / 5 Mbps   ≈ 0.1 s
//!   3G     300 ms + 50 KB / 0.4 Mbps ≈ 1.3 s  (+ promotion from idle)
//! ```
//!
//! With the defaults a 120 s run's p95 on the struck devices (labelled `3g`) is about
//! 1.9 s; the Slow 4G devices' p95 without the scenario is about 0.7 s.
//!
//! ## What to look at
//! - `device_request_duration_seconds{network="3g"}`: p50 and p95.
//! - `client_rtt_seconds{network}`: the round trip itself (300 ms).
//! - `client_requests_total{outcome}`: timeouts if responses grow.
//!
//! ## How to fix it
//! Send fewer bytes: paginate, return only the fields the screen shows, compress
//! (gzip or Brotli on JSON usually saves 70-90%), send images in sizes for the screen.
//! The mobile system's `payload_kb` is the response size; at 10 KB the p95 falls to
//! about 1.5 s (the 3G radio's promotion and the round trip remain). Test on a throttled profile (Lighthouse, Chrome
//! DevTools) rather than office Wi-Fi.

use crate::metrics::Registry;
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{
    no_check, Component, DeviceEffect, Effect, FaultKind, Hop, Scenario, ScenarioMeta, StrikeCx,
};
use crate::systems::mobile::{in_share, CLIENT_DURATION, CLIENT_REQUESTS, CLIENT_RTT};

pub static META: ScenarioMeta = ScenarioMeta {
    id: "3g-bandwidth-limit",
    title: "3G bandwidth limit",
    category: "mobile",
    kind: FaultKind::Saturated,
    summary: "Cellular devices fall back to a congested 3G cell: large responses take seconds to download.",
    source: crate::doc_of!("scenarios/mobile/bandwidth_limit_3g.rs"),
    own_params: &[
        ParamSpec::float("share", "share", 0.5, 0.0, 1.0, "Share of the fleet struck (the last devices: the cellular ones with the default mix)."),
        ParamSpec::float("bandwidth_factor", "×", 0.25, 0.01, 1.0, "Share of the 3G profile's rates each device gets in the congested cell."),
    ],
    metrics: &[CLIENT_DURATION, CLIENT_RTT, CLIENT_REQUESTS],
    strikes: &[Component::Device],
    mitigations: &[],
    build: || Box::new(Limit::default()),
    check: no_check,
};

#[derive(Default)]
struct Limit {
    share: f64,
    factor: f64,
}

impl Scenario for Limit {
    fn configure(&mut self, params: &ParamSet, _metrics: &mut Registry) {
        self.share = params.f64("share");
        self.factor = params.f64("bandwidth_factor");
    }

    fn strike(&mut self, _cx: &mut StrikeCx<'_>, hop: &Hop) -> Effect {
        if !in_share(hop, self.share, true) {
            return Effect::NONE;
        }
        Effect::on_device(DeviceEffect {
            network: Some("3g"),
            bandwidth_factor: self.factor,
            ..DeviceEffect::NONE
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("mobile", 1131, &[], &[]), 60);
        let on = run(&config("mobile", 1131, &["3g-bandwidth-limit"], &[]), 60);
        let calls = |lab| quantile_where(lab, "client_rtt_seconds", "3g", 0.5);
        assert!(calls(&on) > 0.2, "{}", calls(&on));
        let ok = |lab| total_where(lab, "client_requests_total", "success");
        assert!(ok(&off) > 0.0 && ok(&on) > 0.0);
        let p95 = |lab| quantile_all(lab, "device_request_duration_seconds", 0.95);
        assert!(p95(&on) > 1.5 * p95(&off), "{} vs {}", p95(&on), p95(&off));
    }

    #[test]
    fn symptom_appears() {
        let off = run(&config("mobile", 1132, &[], &[]), 120);
        let on = run(&config("mobile", 1132, &["3g-bandwidth-limit"], &[]), 120);
        let before = quantile_where(&off, "device_request_duration_seconds", "slow4g", 0.95);
        let after = quantile_where(&on, "device_request_duration_seconds", "3g", 0.95);
        assert!(after > 1.5 && after > 2.0 * before, "{after} vs {before}");
    }

    #[test]
    fn mitigation_reduces_symptom() {
        let on = run(&config("mobile", 1133, &["3g-bandwidth-limit"], &[]), 120);
        let small = run(
            &config(
                "mobile",
                1133,
                &["3g-bandwidth-limit"],
                &[("payload_kb", "10")],
            ),
            120,
        );
        let p95 = |lab| quantile_where(lab, "device_request_duration_seconds", "3g", 0.95);
        assert!(
            p95(&small) < 0.8 * p95(&on),
            "{} vs {}",
            p95(&small),
            p95(&on)
        );
    }
}
