//! # Cold start
//!
//! A serverless function's cold starts get heavy: a release added a dependency that
//! does its work at import (an SDK building its clients, a machine-learning library, a
//! secrets fetch at start-up), adding `extra_init_ms` to every new execution
//! environment's init. Warm requests do not change. Requests that arrive when no
//! instance is idle (the first of a burst, the first after the function scaled to zero)
//! now wait for the init: latency splits into two humps, and the slow one is what the
//! p99 and the users who open the app after a quiet spell see.
//!
//! ```text
//!   request ─▶ idle warm instance ─────────────────────────▶ handler 40 ms
//!   request ─▶ none idle ─▶ [ runtime 220 ms | package 80 ms | + extra_init 1500 ms ] ─▶ handler
//!                            └──────────── billed init, GB-seconds ──────────┘
//! ```
//!
//! With the `functions` system's defaults (5 requests/s, a burst of ten times that for
//! 10 s every 10 minutes, python, a 10 MB package), each burst starts new instances: a
//! cold start is about 1.8 s instead of 0.3 s, and the init is billed as duration. Over
//! fifteen minutes of the default run the p99.9 goes from 0.42 s to 1.89 s while the
//! median stays at 37 ms, and there are 24 cold starts instead of 14 (while the first
//! environments of a burst initialise, more requests start more of them).
//!
//! ## What to look at
//! - `http_request_duration_seconds`: p50 unchanged, the far tail (p99.9) at the init
//!   time.
//! - `function_init_duration_seconds` and `function_cold_starts_total`.
//! - Traces of slow requests: an `init` span under the request, and the attribute
//!   `faas.coldstart=true`.
//!
//! ## How to fix it
//! Make the init light: import lazily, build clients on first use, trim the package;
//! for the cold starts that remain, keep instances ready: provisioned concurrency (the
//! system's `provisioned_concurrency`) removes cold starts up to that concurrency and is
//! billed whether used or not, so size it to the bursts, not the peak of the year.
//! (Java has SnapStart, which restores a snapshot of an initialised environment.)

use crate::metrics::Registry;
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{no_check, Component, Effect, Hop, Scenario, ScenarioMeta, StrikeCx};
use crate::systems::cost::{COST, COST_RATE};
use crate::systems::functions::{COLD_STARTS, INIT_DURATION, INIT_HOP};
use crate::time::ms_to_ns;

pub static META: ScenarioMeta = ScenarioMeta {
    id: "cold-start",
    title: "Cold start",
    category: "cost",
    kind: crate::scenario::FaultKind::Slow,
    summary: "A heavy dependency initialised at start-up makes every new execution environment of a serverless function seconds slow: bimodal latency.",
    source: crate::doc_of!("scenarios/cost/cold_start.rs"),
    own_params: &[ParamSpec::float(
        "extra_init_ms",
        "ms",
        1500.0,
        0.0,
        600_000.0,
        "Init time the heavy dependency adds to every cold start.",
    )],
    metrics: &[COLD_STARTS, INIT_DURATION, COST, COST_RATE],
    strikes: &[Component::Function],
    mitigations: &[],
    build: || Box::new(ColdStart::default()),
    check: no_check,
};

#[derive(Default)]
struct ColdStart {
    extra_ns: u64,
}

impl Scenario for ColdStart {
    fn configure(&mut self, params: &ParamSet, _metrics: &mut Registry) {
        self.extra_ns = ms_to_ns(params.f64("extra_init_ms"));
    }

    fn strike(&mut self, _cx: &mut StrikeCx<'_>, hop: &Hop) -> Effect {
        if hop.endpoint != INIT_HOP {
            return Effect::NONE;
        }
        Effect {
            delay_ns: self.extra_ns,
            ..Effect::NONE
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("functions", 951, &[], &[]), 120);
        let on = run(&config("functions", 951, &["cold-start"], &[]), 120);
        let init = |lab| quantile_all(lab, "function_init_duration_seconds", 0.5);
        assert!(init(&off) < 0.4, "off: {}", init(&off));
        assert!((1.7..1.9).contains(&init(&on)), "on: {}", init(&on));
        assert!(total(&on, "function_cold_starts_total") > 0.0);
    }

    #[test]
    fn symptom_appears() {
        // The warm majority is unchanged; the slow hump moves out to the init.
        let off = run(&config("functions", 952, &[], &[]), 180);
        let on = run(&config("functions", 952, &["cold-start"], &[]), 180);
        let q = |lab, q| quantile_all(lab, "http_request_duration_seconds", q);
        assert!(
            (q(&on, 0.5) - q(&off, 0.5)).abs() < 0.02,
            "p50 {} vs {}",
            q(&off, 0.5),
            q(&on, 0.5)
        );
        assert!(q(&on, 0.999) > 1.5, "p99.9 {}", q(&on, 0.999));
        // The init is billed: more dollars for the same requests.
        let cost = |lab| total_where(lab, "cost_dollars_total", "functions");
        assert!(cost(&on) > cost(&off), "{} vs {}", cost(&on), cost(&off));
    }

    #[test]
    fn diagnosis_signal_identifies_it() {
        // Provisioned concurrency sized to the bursts takes the cold starts away.
        let on = run(&config("functions", 953, &["cold-start"], &[]), 180);
        let warm = run(
            &config(
                "functions",
                953,
                &["cold-start"],
                &[("provisioned_concurrency", "20")],
            ),
            180,
        );
        let p999 = |lab| quantile_all(lab, "http_request_duration_seconds", 0.999);
        assert!(
            p999(&warm) < 0.5 && p999(&on) > 1.5,
            "{} → {}",
            p999(&on),
            p999(&warm)
        );
        let cold = |lab| total(lab, "function_cold_starts_total");
        assert!(
            cold(&warm) < cold(&on) / 5.0,
            "{} → {}",
            cold(&on),
            cold(&warm)
        );
    }
}
