//! # Poison message
//!
//! Orders publish their events to a partitioned message queue (the scenario turns the
//! web system's `message_queue` on if it is off). One message arrives that the consumer
//! can never process: a field it cannot parse, a reference to a row that does not exist,
//! a payload that makes the handler throw. Each attempt takes `attempt_ms` (the handler
//! fails, or hangs until its processing timeout) and the message goes back to the head
//! of its partition, because the consumer must not skip it: the partition keeps order.
//! With no limit on deliveries (`max_deliveries` 0) it is retried forever; every message
//! behind it in that partition waits. The other partitions are fine and the orders
//! themselves succeed, so the golden signals show nothing, while one partition's lag
//! grows without end (20 messages a second with the defaults).
//!
//! ```text
//!   partition 2: [☠ order 1234] [ ] [ ] [ ] [ ] …  ← lag grows, forever
//!                   ▲    │ fail, redeliver
//!                   └────┘  attempt, attempt, attempt …
//!   partition 0, 1, 3: consumed as usual
//! ```
//!
//! ## What to look at
//! - `mq_consumer_lag_messages{partition}`: one partition's lag climbing in a straight
//!   line while the others stay near zero.
//! - `mq_redeliveries_total` growing at 1 / `attempt_ms` (2 a second), and the logs'
//!   "message processing failed, redelivering" lines, all for the same order.
//! - `mq_message_age_seconds`: the events behind the poison message are applied later
//!   and later.
//!
//! ## How to fix it
//! Bound the deliveries and park what cannot be processed: with `max_deliveries` N, the
//! consumer gives up on a message after its N-th failed attempt and moves it to a
//! dead-letter queue (`mq_dead_lettered_total`), so the partition is blocked for N ×
//! `attempt_ms` (2.5 s with 5) and then drains. Someone then inspects the dead-letter
//! queue, fixes the consumer or the data, and replays it. Tell permanent errors (a
//! parse failure) from transient ones (a timeout) and dead-letter the permanent ones at
//! once. No mitigation switch of the lab adds a dead-letter queue: `max_deliveries` is
//! the fix.
//!
//! Where the numbers come from: Amazon SQS redrive policies send a message to the
//! dead-letter queue after `maxReceiveCount` receives (AWS SQS Developer Guide,
//! "Amazon SQS dead-letter queues"); RabbitMQ's quorum queues have `delivery-limit` and
//! Kafka consumers usually implement the same with a retry topic and a DLQ. The 500 ms
//! attempt is a handler that fails after a slow call.

use crate::metrics::{CounterId, MetricSpec, Registry};
use crate::observe::{Level, LogRecord};
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{
    no_check, Component, Effect, Hop, QueueEffect, Scenario, ScenarioMeta, StrikeCx,
};
use crate::systems::web::metrics::{MQ_AGE, MQ_LAG};
use crate::time::{ms_to_ns, Nanos};

const REDELIVERIES: MetricSpec = MetricSpec::counter(
    "mq_redeliveries_total",
    "Messages put back at the head of their partition after a failed processing attempt.",
    &[],
);
const DEAD_LETTERED: MetricSpec = MetricSpec::counter(
    "mq_dead_lettered_total",
    "Messages moved to the dead-letter queue after their last allowed delivery.",
    &[],
);

pub static META: ScenarioMeta = ScenarioMeta {
    id: "poison-message",
    title: "Poison message",
    category: "reliability",
    kind: crate::scenario::FaultKind::Failing,
    summary: "A message the consumer can never process is redelivered forever and blocks its partition; a dead-letter queue unblocks it.",
    source: crate::doc_of!("scenarios/reliability/poison_message.rs"),
    own_params: &[
        ParamSpec::float(
            "attempt_ms",
            "ms",
            500.0,
            1.0,
            600_000.0,
            "How long one failed attempt at the poison message takes (at least 1 ms: a retry is never free).",
        ),
        ParamSpec::int(
            "max_deliveries",
            "deliveries",
            0,
            0,
            1_000_000,
            "Deliveries after which the consumer moves a failing message to a dead-letter queue; 0 = retry forever.",
        ),
    ],
    metrics: &[REDELIVERIES, DEAD_LETTERED, MQ_LAG, MQ_AGE],
    strikes: &[Component::Queue],
    mitigations: &[],
    build: || Box::new(PoisonMessage::default()),
    check: no_check,
};

#[derive(Default)]
struct PoisonMessage {
    attempt_ns: Nanos,
    max_deliveries: u64,
    /// The poison order (its events' trace id), once chosen: the first consumed after
    /// the start.
    poison: Option<u64>,
    since: Nanos,
    /// Failed deliveries of the poison message in the consumer's hands.
    deliveries: u64,
    redeliveries: Option<CounterId>,
    dead_lettered: Option<CounterId>,
}

impl Scenario for PoisonMessage {
    fn configure(&mut self, params: &ParamSet, metrics: &mut Registry) {
        self.attempt_ns = ms_to_ns(params.f64("attempt_ms"));
        self.max_deliveries = params.i64("max_deliveries").max(0) as u64;
        self.redeliveries = Some(metrics.counter(&REDELIVERIES, &[]));
        self.dead_lettered = Some(metrics.counter(&DEAD_LETTERED, &[]));
    }

    fn strike(&mut self, cx: &mut StrikeCx<'_>, hop: &Hop) -> Effect {
        if hop.endpoint != "consume" {
            // A producer: the scenario needs the queue.
            return Effect::on_queue(QueueEffect {
                start: true,
                ..QueueEffect::NONE
            });
        }
        if self.since != cx.active_since || self.poison.is_none() {
            self.since = cx.active_since;
            self.poison = cx.trace_id;
            self.deliveries = 0;
        }
        if cx.trace_id != self.poison {
            return Effect::NONE;
        }
        self.deliveries += 1;
        if self.max_deliveries > 0 && self.deliveries >= self.max_deliveries {
            // The last allowed attempt fails too; then the consumer parks the message.
            self.deliveries = 0;
            if let Some(c) = self.dead_lettered {
                cx.metrics.inc(c);
            }
            return Effect::delay(self.attempt_ns);
        }
        if let Some(c) = self.redeliveries {
            cx.metrics.inc(c);
        }
        if cx.logs.admits(cx.now) {
            cx.logs.push(LogRecord {
                t_ns: cx.now,
                level: Level::Error,
                service: "mq",
                message: "message processing failed, redelivering",
                fields: vec![
                    ("partition", hop.instance.to_string()),
                    ("order", self.poison.unwrap_or(0).to_string()),
                ],
                trace_id: cx.trace_id,
            });
        }
        Effect {
            delay_ns: self.attempt_ns,
            ..Effect::on_queue(QueueEffect {
                redeliver: true,
                ..QueueEffect::NONE
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;

    /// The largest lag of any partition at the last sample, and the partition's name.
    fn worst_lag(lab: &crate::sim::Lab) -> (f64, String) {
        (0..4)
            .map(|p| {
                let v = series_values(lab, "mq_consumer_lag_messages", &p.to_string());
                (v.last().copied().unwrap_or(0.0), p.to_string())
            })
            .fold((0.0, String::new()), |a, b| if b.0 > a.0 { b } else { a })
    }

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("web", 2141, &[], &[]), 30);
        for name in [
            "mq_redeliveries_total",
            "mq_dead_lettered_total",
            "mq_consumer_lag_messages",
        ] {
            assert!(!registered(&off, name), "{name}");
        }
        let on = run(&config("web", 2141, &["poison-message"], &[]), 30);
        // One attempt every 500 ms, forever.
        let redelivered = total(&on, "mq_redeliveries_total");
        assert!((55.0..=60.0).contains(&redelivered), "{redelivered}");
        assert_eq!(total(&on, "mq_dead_lettered_total"), 0.0);
        assert!(total(&on, "mq_messages_published_total") > 2000.0);
    }

    #[test]
    fn symptom_appears() {
        // One partition's lag climbs in a straight line; the others stay near zero.
        let mut lab = run(&config("web", 2142, &["poison-message"], &[]), 60);
        let (lag, stuck) = worst_lag(&lab);
        // ~40 orders/s × 2 events over 4 partitions: ~20 messages/s pile up.
        assert!((900.0..1500.0).contains(&lag), "partition {stuck}: {lag}");
        for p in (0..4).map(|p| p.to_string()).filter(|p| *p != stuck) {
            let v = series_values(&lab, "mq_consumer_lag_messages", &p);
            let max = v.iter().copied().fold(0.0, f64::max);
            assert!(max < 20.0, "partition {p} lag {max}");
        }
        let v = series_values(&lab, "mq_consumer_lag_messages", &stuck);
        assert!(
            v[30] > v[15] + 200.0 && v[59] > v[30] + 200.0,
            "grows: {v:?}"
        );
        // The requests themselves are as fine as without it.
        let mut off = run(&config("web", 2142, &[], &[("message_queue", "true")]), 60);
        assert_eq!(lab.summary().errors_total, off.summary().errors_total);
    }

    #[test]
    fn mitigation_reduces_symptom() {
        let lab = run(
            &config(
                "web",
                2143,
                &["poison-message"],
                &[("poison-message.max_deliveries", "5")],
            ),
            60,
        );
        // Parked after 5 attempts (2.5 s); the order's second event is poison too.
        let parked = total(&lab, "mq_dead_lettered_total");
        assert!((1.0..=2.0).contains(&parked), "{parked}");
        let (lag, _) = worst_lag(&lab);
        assert!(lag < 20.0, "drained: {lag}");
        let forever = run(&config("web", 2143, &["poison-message"], &[]), 60);
        assert!(worst_lag(&forever).0 > 900.0);
    }
}
