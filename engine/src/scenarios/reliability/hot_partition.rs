//! # Hot partition
//!
//! Orders publish their events to a partitioned message queue (the scenario turns the
//! web system's `message_queue` on if it is off), keyed by the merchant the order is
//! for, so that each merchant's events stay in order. One merchant (a marketplace's
//! biggest seller, a tenant running a sale) has `hot_share` of the orders, and every
//! one of its events lands on the partition its key hashes to, partition 0. That
//! partition's one consumer does nearly all the group's work while the other consumers
//! idle: adding partitions or consumers does not help, since one key can only go to one
//! partition. With the defaults, partition 0 gets about 90 % of the ~80 events a second
//! and its consumer (10 ms a message) is busy about three quarters of the time, so
//! messages queue behind each other; at twice the traffic it cannot keep up at all and
//! its lag grows without end, while the group as a whole is mostly idle.
//!
//! ```text
//!   merchant A (90 %) ─────────────▶ partition 0 [▇▇▇▇▇▇▇▇▇] consumer 0 ~75 % busy
//!   everyone else     ─┬──────────▶ partition 1 [ ]         consumer 1 idle
//!                      ├──────────▶ partition 2 [ ]         consumer 2 idle
//!                      └──────────▶ partition 3 [ ]         consumer 3 idle
//! ```
//!
//! ## What to look at
//! - `mq_consumer_lag_messages{partition}`: partition 0's lag far above the others'.
//! - `mq_partition_messages_total{partition}`: where the events go (`topk` of its rate
//!   by partition); `hot_key_messages_total` counts the hot merchant's.
//! - `mq_message_age_seconds`: events wait longer to be applied, though the group has
//!   plenty of idle consumers.
//!
//! ## How to fix it
//! Key by something with many values and an even spread: `partition-by-key` keys each
//! event by its order id, which keeps each order's events in order (all that the
//! consumer needs) and spreads the hot merchant's orders over every partition. When a
//! key's order really matters, split the hot key (salt it with a suffix and merge
//! downstream) or give the big tenant its own topic. Mitigations: `partition-by-key`.
//!
//! Where the numbers come from: the web system's defaults (200 calls/s, 20 % orders,
//! two events per order, 4 partitions, 10 ms per message); AWS Kinesis and DynamoDB
//! documentation on "hot partitions" / "hot shards" from skewed partition keys. A
//! 90 % share is the lab's, chosen to be plain.

use crate::metrics::{CounterId, MetricSpec, Registry};
use crate::params::{ParamSet, ParamSpec};
use crate::scenario::{
    no_check, Component, Effect, Hop, QueueEffect, Scenario, ScenarioMeta, StrikeCx,
};
use crate::systems::web::metrics::{MQ_AGE, MQ_LAG};

const HOT_MESSAGES: MetricSpec = MetricSpec::counter(
    "hot_key_messages_total",
    "Events published with the hot merchant's key.",
    &[],
);
const BY_PARTITION: MetricSpec = MetricSpec::counter(
    "mq_partition_messages_total",
    "Events consumed, by partition.",
    &["partition"],
);

pub static META: ScenarioMeta = ScenarioMeta {
    id: "hot-partition",
    title: "Hot partition",
    category: "reliability",
    kind: crate::scenario::FaultKind::Saturated,
    summary: "One merchant's key carries most of the events: its partition's consumer is swamped while the others idle.",
    source: crate::doc_of!("scenarios/reliability/hot_partition.rs"),
    own_params: &[ParamSpec::float(
        "hot_share",
        "",
        0.9,
        0.0,
        1.0,
        "Share of the orders that are the hot merchant's (their events all go to partition 0).",
    )],
    metrics: &[HOT_MESSAGES, BY_PARTITION, MQ_LAG, MQ_AGE],
    strikes: &[Component::Queue],
    mitigations: &["partition-by-key"],
    build: || Box::new(HotPartition::default()),
    check: no_check,
};

#[derive(Default)]
struct HotPartition {
    hot_share: f64,
    hot: Option<CounterId>,
    by_partition: Vec<CounterId>,
}

/// A stable hash of an order to [0, 1): which merchant it is for is a property of the
/// order, the same when its events are published and consumed.
fn unit_hash(order: u64) -> f64 {
    let mut z = order.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    (z ^ (z >> 31)) as f64 / 18_446_744_073_709_551_616.0
}

impl Scenario for HotPartition {
    fn configure(&mut self, params: &ParamSet, metrics: &mut Registry) {
        self.hot_share = params.f64("hot_share");
        self.hot = Some(metrics.counter(&HOT_MESSAGES, &[]));
        if self.by_partition.is_empty() {
            self.by_partition
                .push(metrics.counter(&BY_PARTITION, &["0"]));
        }
    }

    fn strike(&mut self, cx: &mut StrikeCx<'_>, hop: &Hop) -> Effect {
        if hop.endpoint == "consume" {
            let p = hop.instance as usize;
            while self.by_partition.len() <= p {
                let name = self.by_partition.len().to_string();
                self.by_partition
                    .push(cx.metrics.counter(&BY_PARTITION, &[&name]));
            }
            cx.metrics.inc(self.by_partition[p]);
            return Effect::NONE;
        }
        let hot = cx.trace_id.is_some_and(|o| unit_hash(o) < self.hot_share);
        if !hot {
            return Effect::on_queue(QueueEffect {
                start: true,
                ..QueueEffect::NONE
            });
        }
        if let Some(c) = self.hot {
            cx.metrics.inc(c);
        }
        Effect::on_queue(QueueEffect {
            partition: Some(0),
            ..QueueEffect::NONE
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;

    fn mean_lag(lab: &crate::sim::Lab, partition: &str) -> f64 {
        let v = series_values(lab, "mq_consumer_lag_messages", partition);
        v.iter().sum::<f64>() / v.len().max(1) as f64
    }

    fn consumed(lab: &crate::sim::Lab, partition: &str) -> f64 {
        lab.metrics()
            .family_total_where("mq_partition_messages_total", |_, v| v[0] == partition)
    }

    #[test]
    fn declared_metrics_move_only_when_on() {
        let off = run(&config("web", 2171, &[], &[]), 30);
        for name in ["hot_key_messages_total", "mq_partition_messages_total"] {
            assert!(!registered(&off, name), "{name}");
        }
        let on = run(&config("web", 2171, &["hot-partition"], &[]), 30);
        let hot = total(&on, "hot_key_messages_total");
        let all = total(&on, "mq_messages_published_total");
        assert!(all > 2000.0, "{all}");
        assert!(
            (0.85..0.95).contains(&(hot / all)),
            "hot share {}",
            hot / all
        );
        assert!(consumed(&on, "0") > 0.85 * total(&on, "mq_partition_messages_total"));
    }

    #[test]
    fn symptom_appears() {
        let on = run(&config("web", 2172, &["hot-partition"], &[]), 60);
        let hot = mean_lag(&on, "0");
        for p in ["1", "2", "3"] {
            let cold = mean_lag(&on, p);
            assert!(
                hot > 20.0 * cold.max(0.05),
                "partition 0 {hot} vs {p} {cold}"
            );
        }
        // At twice the traffic the hot consumer cannot keep up: its lag only grows.
        let busy = run(
            &config(
                "web",
                2172,
                &["hot-partition"],
                &[("arrival_rate_rps", "400")],
            ),
            60,
        );
        let v = series_values(&busy, "mq_consumer_lag_messages", "0");
        assert!(v[59] > v[30] + 200.0 && v[30] > 200.0, "{:?}", &v[25..]);
    }

    #[test]
    fn mitigation_reduces_symptom() {
        let lag = |switches: &[&str]| {
            let lab = run(
                &config("web", 2173, switches, &[("arrival_rate_rps", "400")]),
                60,
            );
            mean_lag(&lab, "0")
        };
        let hot = lag(&["hot-partition"]);
        let spread = lag(&["hot-partition", "partition-by-key"]);
        assert!(hot > 500.0, "{hot}");
        assert!(
            spread < 10.0,
            "partition 0 mean lag {hot} → {spread} keyed by order"
        );
    }
}
