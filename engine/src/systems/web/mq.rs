//! The web system's message queue: producers on `POST /order` publish the order's events
//! (created when the write commits, paid when the payment succeeds) to one of
//! `mq_partitions` partitions; a consumer group reads them, one consumer per partition,
//! in order within a partition. A key keeps its order only while it maps to one
//! partition. Webhook callbacks from the payment provider land here too: the sender
//! re-sends a callback it has not seen acknowledged within its timeout.
//!
//! The queue runs when `message_queue` is on, or from the first event a scenario's
//! producer sends (`Effect::partition`) or the first callback.

use super::client::{RetryBudget, RetryPolicy};
use super::db::Anomaly;
use super::metrics::{
    CALLBACKS, CALLBACKS_GIVEN_UP, CALLBACK_BACKLOG, MQ_AGE, MQ_LAG, MQ_PUBLISHED, MQ_REJECTED,
};
use super::request::{Ev, PartEv, ENDPOINTS};
use super::WebModel;
use crate::dist::Dist;
use crate::metrics::{CounterId, GaugeId, HistogramId};
use crate::params::ParamSet;
use crate::rng::Xoshiro256PlusPlus as Rng;
use crate::scenario::{CallbackSpec, Component, Hop};
use crate::systems::Core;
use crate::time::{ns_to_secs, secs_to_ns, Nanos};
use std::collections::VecDeque;

/// The consumer remembers the latest event of this many recent orders.
const ORDER_SLOTS: usize = 4096;
/// A partition keeps at most this many unconsumed messages (its retention limit); a
/// producer finding it full gets an error and the message is not stored.
pub const PARTITION_CAPACITY: usize = 50_000;

#[derive(Debug, Clone, Copy)]
struct Msg {
    key: u64,
    seq: u32,
    published: Nanos,
    /// A webhook callback: (slot, generation).
    callback: Option<(u32, u32)>,
}

struct Partition {
    queue: VecDeque<Msg>,
    current: Option<Msg>,
    lag: GaugeId,
}

#[derive(Debug, Clone, Copy, Default)]
struct Callback {
    generation: u32,
    attempt: u32,
    acked: bool,
    given_up: bool,
    /// Copies sent and not yet consumed.
    in_queue: u32,
    spec: Option<CallbackSpec>,
}

struct Ids {
    published: [CounterId; 2],
    age: HistogramId,
    rejected: Option<CounterId>,
}

pub(super) struct MessageQueue {
    on: bool,
    partition_count: usize,
    partitions: Vec<Partition>,
    consume: Dist,
    rng: Rng,
    ids: Option<Ids>,
    /// (order id, latest event seen) per order slot, as the consumer's read model.
    orders: Vec<(u64, u32)>,
    callbacks: Vec<Callback>,
    free_callbacks: Vec<u32>,
    outstanding: u64,
    budget: RetryBudget,
    callback_ids: Option<(CounterId, CounterId, GaugeId, CounterId)>,
}

impl MessageQueue {
    pub(super) fn new(p: &ParamSet, core: &Core) -> MessageQueue {
        MessageQueue {
            on: p.bool("message_queue"),
            partition_count: p.i64("mq_partitions").clamp(1, 256) as usize,
            partitions: Vec::new(),
            consume: Dist::Exponential {
                mean: p.f64("mq_consumer_ms") / 1000.0,
            },
            rng: core.rng(41),
            ids: None,
            orders: Vec::new(),
            callbacks: Vec::new(),
            free_callbacks: Vec::new(),
            outstanding: 0,
            budget: RetryBudget::default(),
            callback_ids: None,
        }
    }
}

/// A stable hash of a key to a partition (SplitMix64's finaliser).
fn partition_of(key: u64, n: usize) -> usize {
    let mut z = key.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    ((z ^ (z >> 31)) % n as u64) as usize
}

impl WebModel {
    fn mq_start(&mut self, core: &mut Core) {
        self.mq.on = true;
        if self.mq.ids.is_some() {
            return;
        }
        let m = &mut core.metrics;
        self.mq.ids = Some(Ids {
            published: [
                m.counter(&MQ_PUBLISHED, &["order_events"]),
                m.counter(&MQ_PUBLISHED, &["callbacks"]),
            ],
            age: m.histogram(&MQ_AGE, &[]),
            rejected: None,
        });
        self.mq.partitions = (0..self.mq.partition_count)
            .map(|i| Partition {
                queue: VecDeque::new(),
                current: None,
                lag: m.gauge(&MQ_LAG, &[&i.to_string()]),
            })
            .collect();
        self.mq.orders = vec![(u64::MAX, 0); ORDER_SLOTS];
    }

    /// Order `id` publishes its event `seq` (1 = created, 2 = paid), keyed by the order.
    pub(super) fn publish_order_event(&mut self, core: &mut Core, id: u32, seq: u32) {
        let r = self.reqs[id as usize];
        let hop = Hop {
            key: Some(r.key),
            ..Hop::new(Component::Queue, 0, ENDPOINTS[1])
        };
        let effect = self.strike(core, hop, r.seq);
        if !self.mq.on && effect.partition.is_none() {
            return;
        }
        self.mq_start(core);
        let n = self.mq.partitions.len();
        let partition = match effect.partition {
            Some(p) if !self.policies.partition_by_key => p as usize % n,
            _ => partition_of(r.seq, n),
        };
        let msg = Msg {
            key: r.seq,
            seq,
            published: core.now,
            callback: None,
        };
        self.enqueue(core, partition, msg, 0);
    }

    /// Stores `msg` in `partition`; false when the partition is full.
    fn enqueue(&mut self, core: &mut Core, partition: usize, msg: Msg, topic: usize) -> bool {
        let full = self.mq.partitions[partition].queue.len() >= PARTITION_CAPACITY;
        if let Some(ids) = &mut self.mq.ids {
            if full {
                let c = *ids
                    .rejected
                    .get_or_insert_with(|| core.metrics.counter(&MQ_REJECTED, &[]));
                core.metrics.inc(c);
                return false;
            }
            core.metrics.inc(ids.published[topic]);
        }
        let p = &mut self.mq.partitions[partition];
        p.queue.push_back(msg);
        if p.current.is_none() {
            self.consume_next(core, partition);
        }
        true
    }

    fn consume_next(&mut self, core: &mut Core, partition: usize) {
        let Some(msg) = self.mq.partitions[partition].queue.pop_front() else {
            return;
        };
        self.mq.partitions[partition].current = Some(msg);
        let hop = Hop::new(Component::Queue, partition as u32, "consume");
        let effect = self.strike(core, hop, msg.key);
        let work = secs_to_ns(self.mq.consume.sample(&mut self.mq.rng) * effect.work_factor)
            + effect.delay_ns;
        self.events.schedule(
            core.now + work,
            Ev::Part(PartEv::ConsumerDone {
                partition: partition as u32,
            }),
        );
    }

    pub(super) fn consumer_done(&mut self, core: &mut Core, partition: usize) {
        let Some(msg) = self
            .mq
            .partitions
            .get_mut(partition)
            .and_then(|p| p.current.take())
        else {
            return;
        };
        if let Some(ids) = &self.mq.ids {
            core.metrics
                .observe(ids.age, ns_to_secs(core.now - msg.published));
        }
        match msg.callback {
            Some((slot, generation)) => self.callback_consumed(core, slot, generation),
            None => {
                let slot = (msg.key % ORDER_SLOTS as u64) as usize;
                let (order, latest) = self.mq.orders[slot];
                if order == msg.key && latest > msg.seq {
                    // An older event of this order after a newer one: applied out of order.
                    self.anomaly(core, Anomaly::OutOfOrder, 1.0);
                } else {
                    self.mq.orders[slot] = (msg.key, msg.seq);
                }
            }
        }
        self.consume_next(core, partition);
    }

    // ---- webhook callbacks -----------------------------------------------------------

    /// The payment provider's job completed: it sends `spec.fanout` callbacks.
    pub(super) fn send_callbacks(&mut self, core: &mut Core, spec: CallbackSpec) {
        self.mq_start(core);
        if self.mq.callback_ids.is_none() {
            let m = &mut core.metrics;
            self.mq.callback_ids = Some((
                m.counter(&CALLBACKS, &["first"]),
                m.counter(&CALLBACKS, &["retry"]),
                m.gauge(&CALLBACK_BACKLOG, &[]),
                m.counter(&CALLBACKS_GIVEN_UP, &[]),
            ));
        }
        for _ in 0..spec.fanout {
            let slot = match self.mq.free_callbacks.pop() {
                Some(s) => s,
                None => {
                    self.mq.callbacks.push(Callback::default());
                    self.mq.callbacks.len() as u32 - 1
                }
            };
            let cb = &mut self.mq.callbacks[slot as usize];
            *cb = Callback {
                generation: cb.generation.wrapping_add(1),
                spec: Some(spec),
                ..Callback::default()
            };
            self.mq.outstanding += 1;
            if let Some(policy) = self.policies.retry {
                self.mq.budget.earn(policy.budget_ratio.unwrap_or(0.0));
            }
            self.deliver(core, slot);
        }
    }

    fn deliver(&mut self, core: &mut Core, slot: u32) {
        let cb = &mut self.mq.callbacks[slot as usize];
        cb.attempt += 1;
        cb.in_queue += 1;
        let (generation, attempt) = (cb.generation, cb.attempt);
        let timeout = cb.spec.map_or(0, |s| s.ack_timeout_ns);
        if let Some((first, retry, _, _)) = self.mq.callback_ids {
            core.metrics.inc(if attempt == 1 { first } else { retry });
        }
        self.events.schedule(
            core.now + timeout.max(1),
            Ev::Part(PartEv::CallbackTimeout {
                slot,
                generation,
                attempt,
            }),
        );
        let n = self.mq.partitions.len();
        let msg = Msg {
            key: u64::from(slot),
            seq: attempt,
            published: core.now,
            callback: Some((slot, generation)),
        };
        if !self.enqueue(core, partition_of(u64::from(slot), n), msg, 1) {
            // Not stored: the sender sees an error and tries again at the timeout.
            let cb = &mut self.mq.callbacks[slot as usize];
            cb.in_queue = cb.in_queue.saturating_sub(1);
        }
    }

    /// The sender's retry policy: at once (what it does) or, under `retry-backoff`,
    /// with exponential backoff, jitter and a retry budget.
    fn callback_policy(&self, spec: CallbackSpec) -> RetryPolicy {
        match self.policies.retry {
            Some(p) => RetryPolicy {
                max_attempts: p.max_attempts.min(spec.max_retries + 1),
                ..p
            },
            None => RetryPolicy::naive(spec.max_retries),
        }
    }

    pub(super) fn callback_timeout(
        &mut self,
        core: &mut Core,
        slot: u32,
        generation: u32,
        attempt: u32,
    ) {
        let cb = self.mq.callbacks[slot as usize];
        if cb.generation != generation || cb.attempt != attempt || cb.acked || cb.given_up {
            return;
        }
        let Some(spec) = cb.spec else {
            return;
        };
        let policy = self.callback_policy(spec);
        let allowed = attempt < policy.max_attempts
            && (policy.budget_ratio.is_none() || self.mq.budget.try_spend());
        if !allowed {
            self.mq.callbacks[slot as usize].given_up = true;
            self.mq.outstanding = self.mq.outstanding.saturating_sub(1);
            if let Some((_, _, _, c)) = self.mq.callback_ids {
                core.metrics.inc(c);
            }
            self.free_callback(slot);
            return;
        }
        let wait = policy.backoff(attempt, &mut self.mq.rng);
        if wait == 0 {
            self.deliver(core, slot);
        } else {
            self.events.schedule(
                core.now + wait,
                Ev::Part(PartEv::CallbackSend { slot, generation }),
            );
        }
    }

    pub(super) fn callback_resend(&mut self, core: &mut Core, slot: u32, generation: u32) {
        let cb = self.mq.callbacks[slot as usize];
        if cb.generation == generation && !cb.acked && !cb.given_up {
            self.deliver(core, slot);
        }
    }

    /// A consumer handled one copy of a callback: the first acknowledges it, any later
    /// copy is the same notification processed again.
    fn callback_consumed(&mut self, core: &mut Core, slot: u32, generation: u32) {
        let cb = &mut self.mq.callbacks[slot as usize];
        if cb.generation != generation {
            return;
        }
        cb.in_queue = cb.in_queue.saturating_sub(1);
        if cb.acked {
            self.anomaly(core, Anomaly::DuplicateDelivery, 1.0);
        } else if !cb.given_up {
            cb.acked = true;
            self.mq.outstanding = self.mq.outstanding.saturating_sub(1);
        }
        self.free_callback(slot);
    }

    /// Reuses a callback's slot once it is settled and no copy of it is queued.
    fn free_callback(&mut self, slot: u32) {
        let cb = &self.mq.callbacks[slot as usize];
        if (cb.acked || cb.given_up) && cb.in_queue == 0 && cb.spec.is_some() {
            self.mq.callbacks[slot as usize].spec = None;
            self.mq.free_callbacks.push(slot);
        }
    }

    pub(super) fn mq_sample(&mut self, core: &mut Core) {
        for p in &self.mq.partitions {
            let lag = p.queue.len() + usize::from(p.current.is_some());
            core.metrics.set(p.lag, lag as f64);
        }
        if let Some((_, _, backlog, _)) = self.mq.callback_ids {
            core.metrics.set(backlog, self.mq.outstanding as f64);
        }
    }
}
