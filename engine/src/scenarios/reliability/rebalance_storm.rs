//! # Rebalance storm
//!
//! Orders publish their events to a partitioned message queue read by a consumer group
//! (the scenario turns the web system's `message_queue` on if it is off). One consumer
//! keeps leaving and rejoining the group: it takes longer than `max.poll.interval.ms`
//! over a batch, or its pod is OOM-killed and restarted, or its session times out on a
//! GC pause. Every leave and join triggers a rebalance, every `interval_s`. With the
//! classic eager protocol a rebalance is stop-the-world: every consumer gives up its
//! partitions and waits until the group agrees on a new assignment, `rebalance_s` later.
//! Nothing is consumed in the meantime, on any partition, while producers keep
//! publishing. Lag saws up during each rebalance and drains after it; when rebalances
//! come faster than the backlog drains, it never gets back to zero.
//!
//! ```text
//!   lag ▲   ╱│   ╱│   ╱│   ╱│        eager: all partitions stop for rebalance_s
//!       │  ╱ │  ╱ │  ╱ │  ╱ │        every interval_s
//!       │_╱  │_╱  │_╱  │_╱  │__
//!       └──────────────────────▶ time
//! ```
//!
//! ## What to look at
//! - `mq_consumer_lag_messages{partition}`: a saw tooth on every partition at once,
//!   some 60 to 75 messages high with the defaults (20 a second for 3 s).
//! - `mq_rebalances_total` rising every `interval_s`, and `mq_rebalance_in_progress`
//!   at 1 while the group stops.
//! - `mq_message_age_seconds`: events published during a rebalance are applied up to
//!   `rebalance_s` late.
//!
//! ## How to fix it
//! Stop the storm at its cause: find the consumer that leaves (its logs, its restarts),
//! raise `max.poll.interval.ms` or shrink its batches, give it memory. Make each
//! rebalance cheaper: with `protocol` = `cooperative` (Kafka's incremental cooperative
//! rebalancing, the `cooperative-sticky` assignor) only the partition that moves, the
//! rejoining consumer's partition 0, stops; the others keep consuming, and the lag of
//! the group falls to about a quarter. Static membership (`group.instance.id`) avoids
//! rebalances for restarts shorter than the session timeout. No mitigation switch of the
//! lab changes the protocol: `protocol` is the fix.
//!
//! Where the numbers come from: KIP-429 ("Kafka Consumer Incremental Rebalance
//! Protocol") and KIP-345 (static membership) describe the stop-the-world cost; 3 s is
//! Kafka's default `group.initial.rebalance.delay.ms` (3000 ms), the wait for members
//! to join, and a rebalance every 10 s is a consumer that keeps missing its poll
//! interval.

use crate::metrics::{CounterId, GaugeId, MetricSpec, Registry};
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{
    no_check, Component, Effect, Hop, QueueEffect, Scenario, ScenarioMeta, StrikeCx,
};
use crate::systems::web::metrics::{MQ_AGE, MQ_LAG};
use crate::time::{secs_to_ns, Nanos};

const REBALANCES: MetricSpec = MetricSpec::counter(
    "mq_rebalances_total",
    "Rebalances of the consumer group.",
    &[],
);
const IN_PROGRESS: MetricSpec = MetricSpec::gauge(
    "mq_rebalance_in_progress",
    "1 while the consumer group is rebalancing.",
    &[],
);

pub static META: ScenarioMeta = ScenarioMeta {
    id: "rebalance-storm",
    title: "Rebalance storm",
    category: "reliability",
    kind: crate::scenario::FaultKind::Slow,
    summary: "A consumer keeps leaving and rejoining its group: every rebalance stops consumption, and lag saws up and down.",
    source: crate::doc_of!("scenarios/reliability/rebalance_storm.rs"),
    own_params: &[
        ParamSpec::float(
            "interval_s",
            "s",
            10.0,
            0.1,
            86_400.0,
            "Time between rebalances (a consumer leaving or joining).",
        ),
        ParamSpec::float(
            "rebalance_s",
            "s",
            3.0,
            0.0,
            3600.0,
            "How long each rebalance stops consumption.",
        ),
        ParamSpec::choice(
            "protocol",
            "eager",
            &["eager", "cooperative"],
            "eager: every partition stops during a rebalance; cooperative: only the moving consumer's partition (0).",
        ),
    ],
    metrics: &[REBALANCES, IN_PROGRESS, MQ_LAG, MQ_AGE],
    strikes: &[Component::Queue],
    mitigations: &[],
    build: || Box::new(RebalanceStorm::default()),
    check: no_check,
};

#[derive(Default)]
struct RebalanceStorm {
    interval_ns: Nanos,
    rebalance_ns: Nanos,
    cooperative: bool,
    since: Nanos,
    now: Nanos,
    /// Rebalances counted so far since `since`.
    counted: u64,
    rebalances: Option<CounterId>,
    in_progress: Option<GaugeId>,
}

impl RebalanceStorm {
    /// (rebalances started by `now`, the end of the one in progress if any).
    fn at(&self, now: Nanos) -> (u64, Option<Nanos>) {
        let age = now.saturating_sub(self.since);
        // The first rebalance starts one interval after the scenario does.
        let started = age / self.interval_ns;
        if started == 0 {
            return (0, None);
        }
        let from = self.since + started * self.interval_ns;
        let until = from.saturating_add(self.rebalance_ns);
        (started, (now < until).then_some(until))
    }
}

impl Scenario for RebalanceStorm {
    fn configure(&mut self, params: &ParamSet, metrics: &mut Registry) {
        self.interval_ns = secs_to_ns(params.f64("interval_s")).max(1);
        self.rebalance_ns = secs_to_ns(params.f64("rebalance_s"));
        self.cooperative = params.choice("protocol") == "cooperative";
        self.rebalances = Some(metrics.counter(&REBALANCES, &[]));
        self.in_progress = Some(metrics.gauge(&IN_PROGRESS, &[]));
    }

    fn strike(&mut self, cx: &mut StrikeCx<'_>, hop: &Hop) -> Effect {
        if self.since != cx.active_since {
            self.since = cx.active_since;
            self.counted = 0;
        }
        self.now = self.now.max(cx.now);
        let (started, until) = self.at(cx.now);
        if started > self.counted {
            if let Some(c) = self.rebalances {
                cx.metrics.add(c, (started - self.counted) as f64);
            }
            self.counted = started;
        }
        if hop.endpoint != "consume" {
            // A producer: the scenario needs the queue.
            return Effect::on_queue(QueueEffect {
                start: true,
                ..QueueEffect::NONE
            });
        }
        match until {
            // The consumer waits for its new assignment before it processes.
            Some(until) if !self.cooperative || hop.instance == 0 => Effect::delay(until - cx.now),
            _ => Effect::NONE,
        }
    }

    fn on_sample(&mut self, metrics: &mut Registry, active: bool) {
        if let Some(g) = self.in_progress {
            let on = active && self.at(self.now).1.is_some();
            metrics.set(g, f64::from(u8::from(on)));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;

    fn group_lag(lab: &crate::sim::Lab) -> Vec<f64> {
        let parts: Vec<Vec<f64>> = (0..4)
            .map(|p| series_values(lab, "mq_consumer_lag_messages", &p.to_string()))
            .collect();
        (0..parts[0].len())
            .map(|i| parts.iter().map(|v| v.get(i).copied().unwrap_or(0.0)).sum())
            .collect()
    }

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("web", 2151, &[], &[]), 30);
        for name in ["mq_rebalances_total", "mq_rebalance_in_progress"] {
            assert!(!registered(&off, name), "{name}");
        }
        let on = run(&config("web", 2151, &["rebalance-storm"], &[]), 35);
        assert_eq!(total(&on, "mq_rebalances_total"), 3.0);
        let busy = values_of(&on, "mq_rebalance_in_progress");
        let share = busy.iter().sum::<f64>() / busy.len() as f64;
        // 3 s of every 10 after the first 10 s.
        assert!((0.15..0.35).contains(&share), "{share}");
    }

    #[test]
    fn symptom_appears() {
        // A saw tooth: the whole group's lag peaks during each rebalance, drains after.
        let on = group_lag(&run(&config("web", 2152, &["rebalance-storm"], &[]), 60));
        let off = group_lag(&run(
            &config("web", 2152, &[], &[("message_queue", "true")]),
            60,
        ));
        let peak = on.iter().copied().fold(0.0, f64::max);
        let calm = off.iter().copied().fold(0.0, f64::max);
        // ~80 messages/s stop for 3 s.
        assert!((150.0..350.0).contains(&peak), "peak lag {peak}");
        assert!(calm < 20.0, "{calm}");
        // It drains between rebalances: low again just before the next one.
        for t in [19, 29, 39] {
            assert!(on[t] < 20.0, "lag at {t}s: {}", on[t]);
        }
    }

    #[test]
    fn mitigation_reduces_symptom() {
        let mean = |protocol: &str| {
            let lab = run(
                &config(
                    "web",
                    2153,
                    &["rebalance-storm"],
                    &[("rebalance-storm.protocol", protocol)],
                ),
                60,
            );
            let lag = group_lag(&lab);
            lag.iter().sum::<f64>() / lag.len() as f64
        };
        let eager = mean("eager");
        let cooperative = mean("cooperative");
        assert!(eager > 20.0, "{eager}");
        assert!(
            cooperative < eager * 0.4,
            "mean group lag {eager} → {cooperative} with cooperative rebalancing"
        );
    }
}
