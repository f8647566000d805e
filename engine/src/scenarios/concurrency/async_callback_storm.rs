//! # Async callback storm
//!
//! The payment provider confirms each charge asynchronously: when the charge completes
//! it sends `fanout` webhook callbacks (one per subscribed event type), which land in
//! the message queue and are handled by its consumers (`handler_ms` of work each:
//! look the order up, update it, then acknowledge). The provider re-sends any callback
//! it has not seen acknowledged within `ack_timeout_ms`, at once, up to `max_retries`
//! times. While the consumers keep up, nothing happens. As soon as their queue is
//! longer than the timeout, callbacks are re-sent while the first copy still waits;
//! the copies add load, the queue grows, more callbacks time out: the retries feed
//! themselves until the consumers do little but process duplicates.
//!
//! ```text
//!   payment ─ completes ─▶ callback ×fanout ─▶ [queue ■■■■■■■■] ─▶ consumers (ack)
//!        ▲                                          │ older than ack timeout
//!        └──────────── re-send at once ◀────────────┘ (copies pile up)
//! ```
//!
//! ## What to look at
//! - `webhook_callbacks_total{attempt="retry"}` overtaking `{attempt="first"}`, and
//!   `webhook_callback_backlog` (sent, not yet acknowledged) climbing.
//! - `mq_consumer_lag_messages` and `mq_message_age_seconds`: the consumers' queue.
//! - `data_anomalies_total{kind="duplicate_delivery"}`: the same callback handled again.
//!
//! ## How to fix it
//! Retries must back off and be budgeted: with `retry-backoff` the sender waits
//! exponentially longer between re-sends, with jitter, and re-sends at most a share of
//! its traffic, so a slow consumer drains instead of drowning. On the receiving side:
//! acknowledge at once and process asynchronously, deduplicate by callback id
//! (idempotency keys), and give the webhook handlers their own capacity.
//! Mitigations: `retry-backoff`.

use crate::metrics::{CounterId, MetricSpec, Registry};
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{
    no_check, CallbackSpec, Component, DependencyEffect, Effect, Hop, Scenario, ScenarioMeta,
    StrikeCx,
};
use crate::systems::web::metrics::{CALLBACKS, CALLBACK_BACKLOG, DATA_ANOMALIES, MQ_AGE, MQ_LAG};
use crate::time::{ms_to_ns, Nanos};

const COMPLETIONS: MetricSpec = MetricSpec::counter(
    "async_completions_total",
    "Charges the payment provider confirmed with webhook callbacks.",
    &[],
);

pub static META: ScenarioMeta = ScenarioMeta {
    id: "async-callback-storm",
    title: "Async callback storm",
    category: "concurrency",
    kind: crate::scenario::FaultKind::Overloaded,
    summary: "Webhook callbacks fan out and are re-sent at once when not acknowledged in time, flooding the consumers.",
    source: crate::doc_of!("scenarios/concurrency/async_callback_storm.rs"),
    own_params: &[
        ParamSpec::int(
            "fanout",
            "callbacks",
            2,
            1,
            100,
            "Callbacks sent per completed charge.",
        ),
        ParamSpec::float(
            "ack_timeout_ms",
            "ms",
            100.0,
            1.0,
            3_600_000.0,
            "The sender re-sends a callback not acknowledged within this time.",
        ),
        ParamSpec::int(
            "max_retries",
            "retries",
            5,
            0,
            100,
            "Re-sends per callback before the sender gives up.",
        ),
        ParamSpec::float(
            "handler_ms",
            "ms",
            20.0,
            0.0,
            60_000.0,
            "Work a consumer does per callback before acknowledging it.",
        ),
    ],
    metrics: &[
        COMPLETIONS,
        CALLBACKS,
        CALLBACK_BACKLOG,
        MQ_LAG,
        MQ_AGE,
        DATA_ANOMALIES,
    ],
    strikes: &[Component::Dependency, Component::Queue],
    mitigations: &["retry-backoff"],
    build: || Box::new(AsyncCallbackStorm::default()),
    check: no_check,
};

#[derive(Default)]
struct AsyncCallbackStorm {
    spec: Option<CallbackSpec>,
    handler_ns: Nanos,
    completions: Option<CounterId>,
}

impl Scenario for AsyncCallbackStorm {
    fn configure(&mut self, params: &ParamSet, metrics: &mut Registry) {
        self.spec = Some(CallbackSpec {
            fanout: u32::try_from(params.i64("fanout")).unwrap_or(1),
            ack_timeout_ns: ms_to_ns(params.f64("ack_timeout_ms")),
            max_retries: u32::try_from(params.i64("max_retries")).unwrap_or(0),
        });
        self.handler_ns = ms_to_ns(params.f64("handler_ms"));
        self.completions = Some(metrics.counter(&COMPLETIONS, &[]));
    }

    fn strike(&mut self, cx: &mut StrikeCx<'_>, hop: &Hop) -> Effect {
        match hop.component {
            Component::Dependency => {
                if let Some(c) = self.completions {
                    cx.metrics.inc(c);
                }
                Effect::on_dependency(DependencyEffect {
                    callbacks: self.spec,
                    ..DependencyEffect::NONE
                })
            }
            Component::Queue if hop.endpoint == "consume" => Effect::delay(self.handler_ns),
            _ => Effect::NONE,
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;

    fn callbacks(lab: &crate::sim::Lab, attempt: &str) -> f64 {
        lab.metrics()
            .family_total_where("webhook_callbacks_total", |_, v| v[0] == attempt)
    }

    /// Messages waiting at the consumers (all partitions), averaged over the last 10 s.
    fn late_lag(lab: &crate::sim::Lab) -> f64 {
        let m = lab.metrics();
        m.series_keys()
            .filter(|k| k.name == "mq_consumer_lag_messages")
            .map(|k| {
                m.points(k.index)
                    .iter()
                    .rev()
                    .take(10)
                    .map(|p| p.1)
                    .sum::<f64>()
                    / 10.0
            })
            .sum()
    }

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("web", 631, &[], &[]), 30);
        for name in ["async_completions_total", "webhook_callbacks_total"] {
            assert!(!registered(&off, name), "{name}");
        }
        let on = run(&config("web", 631, &["async-callback-storm"], &[]), 30);
        let completions = total(&on, "async_completions_total");
        // ~40 charges/s × 30 s, each with two callbacks.
        assert!((900.0..1_500.0).contains(&completions), "{completions}");
        let first = callbacks(&on, "first");
        assert!((first - 2.0 * completions).abs() <= 2.0 * 40.0, "{first}");
    }

    #[test]
    fn symptom_appears() {
        let lab = run(&config("web", 632, &["async-callback-storm"], &[]), 60);
        let (first, retry) = (callbacks(&lab, "first"), callbacks(&lab, "retry"));
        assert!(
            retry > first,
            "re-sends {retry} overtake first sends {first}"
        );
        let lag = late_lag(&lab);
        assert!(lag > 1_000.0, "messages waiting at the consumers: {lag}");
        assert!(total(&lab, "webhook_callbacks_given_up_total") > first * 0.5);
        let dup = lab
            .metrics()
            .family_total_where("data_anomalies_total", |_, v| v[0] == "duplicate_delivery");
        assert!(dup > 100.0, "{dup}");
    }

    #[test]
    fn mitigation_reduces_symptom() {
        let run_with = |switches: &[&str]| run(&config("web", 633, switches, &[]), 60);
        let storm = run_with(&["async-callback-storm"]);
        let calm = run_with(&["async-callback-storm", "retry-backoff"]);
        let retries = |lab: &crate::sim::Lab| callbacks(lab, "retry");
        assert!(
            retries(&calm) < retries(&storm) * 0.2,
            "re-sends {} → {}",
            retries(&storm),
            retries(&calm)
        );
        assert!(
            late_lag(&calm) < late_lag(&storm) * 0.1,
            "consumer lag {} → {}",
            late_lag(&storm),
            late_lag(&calm)
        );
    }
}
