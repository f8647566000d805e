//! The web system's message queue: producers on `POST /order` publish the order's events
//! (created when the write commits, paid when the payment succeeds) to one of
//! `mq_partitions` partitions; a consumer group reads them, one consumer per partition,
//! in order within a partition. A key keeps its order only while it maps to one
//! partition. Webhook callbacks from the payment provider land here too: the sender
//! re-sends a callback it has not seen acknowledged within its timeout.
//!
//! The queue runs when `message_queue` is on, or from the first event a scenario's
//! producer sends or starts it for (`QueueEffect::partition`, `QueueEffect::start`) or
//! the first callback. A consumer's attempt a scenario fails (`QueueEffect::redeliver`)
//! puts its message back at the head of the partition, to be taken again.
//!
//! This file is the queue's state and behaviour; `messaging.rs` publishes, consumes and
//! delivers callbacks on the request path (scenarios asked, events scheduled).

use super::client::{RetryBudget, RetryPolicy};
use super::metrics::{
    CALLBACKS, CALLBACKS_GIVEN_UP, CALLBACK_BACKLOG, MQ_AGE, MQ_LAG, MQ_PUBLISHED, MQ_REJECTED,
};
use crate::dist::Dist;
use crate::metrics::{CounterId, GaugeId, HistogramId};
use crate::params::ParamSet;
use crate::rng::Xoshiro256PlusPlus as Rng;
use crate::scenario::CallbackSpec;
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
    /// Processing `current` fails: it goes back to the head when the attempt ends.
    failed: bool,
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

/// What a consumer's message turned out to be, as a correctness problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Consumed {
    /// Applied as it should be.
    Fine,
    /// An older event of an order after a newer one.
    OutOfOrder,
    /// A callback processed again.
    Duplicate,
    /// Processing failed: the message is back at the head of its partition.
    Redelivered,
}

/// One copy of a callback on its way: its slot's generation, which attempt it is, and
/// how long the sender waits for its acknowledgement.
#[derive(Debug, Clone, Copy)]
pub(super) struct CallbackCopy {
    pub generation: u32,
    pub attempt: u32,
    pub ack_timeout_ns: Nanos,
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

impl MessageQueue {
    /// Whether the queue runs.
    pub(super) fn is_on(&self) -> bool {
        self.on
    }

    /// The queue runs from now on; the first start registers its metrics and makes its
    /// partitions.
    pub(super) fn start(&mut self, core: &mut Core) {
        self.on = true;
        if self.ids.is_some() {
            return;
        }
        let m = &mut core.metrics;
        self.ids = Some(Ids {
            published: [
                m.counter(&MQ_PUBLISHED, &["order_events"]),
                m.counter(&MQ_PUBLISHED, &["callbacks"]),
            ],
            age: m.histogram(&MQ_AGE, &[]),
            rejected: None,
        });
        self.partitions = (0..self.partition_count)
            .map(|i| Partition {
                queue: VecDeque::new(),
                current: None,
                failed: false,
                lag: m.gauge(&MQ_LAG, &[&i.to_string()]),
            })
            .collect();
        self.orders = vec![(u64::MAX, 0); ORDER_SLOTS];
    }

    /// The partition of an order's events keyed `key`: the one a scenario's producer
    /// names (`forced`), unless `partition-by-key` keys every event.
    pub(super) fn order_partition(&self, forced: Option<u32>, by_key: bool, key: u64) -> usize {
        let n = self.partitions.len();
        match forced {
            Some(p) if !by_key => p as usize % n,
            _ => partition_of(key, n),
        }
    }

    /// Publishes an order's event `seq` keyed `key` to `partition`. Returns true when the
    /// partition's consumer was idle (it is to start on it).
    pub(super) fn publish(
        &mut self,
        core: &mut Core,
        partition: usize,
        key: u64,
        seq: u32,
    ) -> bool {
        let msg = Msg {
            key,
            seq,
            published: core.now,
            callback: None,
        };
        self.enqueue(core, partition, msg, 0) == Some(true)
    }

    /// Stores `msg` in `partition`: None when the partition is full, else whether its
    /// consumer was idle.
    fn enqueue(
        &mut self,
        core: &mut Core,
        partition: usize,
        msg: Msg,
        topic: usize,
    ) -> Option<bool> {
        let full = self.partitions[partition].queue.len() >= PARTITION_CAPACITY;
        if let Some(ids) = &mut self.ids {
            if full {
                let c = *ids
                    .rejected
                    .get_or_insert_with(|| core.metrics.counter(&MQ_REJECTED, &[]));
                core.metrics.inc(c);
                return None;
            }
            core.metrics.inc(ids.published[topic]);
        }
        let p = &mut self.partitions[partition];
        p.queue.push_back(msg);
        Some(p.current.is_none())
    }

    /// The consumer of `partition` takes its next message: its key, if there was one.
    pub(super) fn take_next(&mut self, partition: usize) -> Option<u64> {
        let msg = self.partitions[partition].queue.pop_front()?;
        self.partitions[partition].current = Some(msg);
        Some(msg.key)
    }

    /// How long consuming a message takes, slowed by `work_factor` and delayed by
    /// `delay_ns` (what scenarios do to the consumer).
    pub(super) fn consume_time(&mut self, work_factor: f64, delay_ns: Nanos) -> Nanos {
        secs_to_ns(self.consume.sample(&mut self.rng) * work_factor) + delay_ns
    }

    /// Processing the message the consumer of `partition` holds fails: when the attempt
    /// ends, the message goes back to the head of the partition.
    pub(super) fn fail_current(&mut self, partition: usize) {
        if let Some(p) = self.partitions.get_mut(partition) {
            p.failed = p.current.is_some();
        }
    }

    /// The consumer of `partition` finished its message: None when it had none, else
    /// what the message turned out to be.
    pub(super) fn finish(&mut self, core: &mut Core, partition: usize) -> Option<Consumed> {
        let p = self.partitions.get_mut(partition)?;
        let msg = p.current.take()?;
        if std::mem::take(&mut p.failed) {
            p.queue.push_front(msg);
            return Some(Consumed::Redelivered);
        }
        if let Some(ids) = &self.ids {
            core.metrics
                .observe(ids.age, ns_to_secs(core.now - msg.published));
        }
        Some(match msg.callback {
            Some((slot, generation)) => self.callback_consumed(slot, generation),
            None => {
                let slot = (msg.key % ORDER_SLOTS as u64) as usize;
                let (order, latest) = self.orders[slot];
                if order == msg.key && latest > msg.seq {
                    // An older event of this order after a newer one: applied out of order.
                    Consumed::OutOfOrder
                } else {
                    self.orders[slot] = (msg.key, msg.seq);
                    Consumed::Fine
                }
            }
        })
    }

    // ---- webhook callbacks -----------------------------------------------------------

    /// Callbacks arrive: the queue runs, and the first registers the callback metrics.
    pub(super) fn callbacks_start(&mut self, core: &mut Core) {
        self.start(core);
        if self.callback_ids.is_none() {
            let m = &mut core.metrics;
            self.callback_ids = Some((
                m.counter(&CALLBACKS, &["first"]),
                m.counter(&CALLBACKS, &["retry"]),
                m.gauge(&CALLBACK_BACKLOG, &[]),
                m.counter(&CALLBACKS_GIVEN_UP, &[]),
            ));
        }
    }

    /// A new callback of `spec` to deliver, earning the sender's retry budget under
    /// `retry`: its slot.
    pub(super) fn new_callback(&mut self, spec: CallbackSpec, retry: Option<RetryPolicy>) -> u32 {
        let slot = match self.free_callbacks.pop() {
            Some(s) => s,
            None => {
                self.callbacks.push(Callback::default());
                self.callbacks.len() as u32 - 1
            }
        };
        let cb = &mut self.callbacks[slot as usize];
        *cb = Callback {
            generation: cb.generation.wrapping_add(1),
            spec: Some(spec),
            ..Callback::default()
        };
        self.outstanding += 1;
        if let Some(policy) = retry {
            self.budget.earn(policy.budget_ratio.unwrap_or(0.0));
        }
        slot
    }

    /// The sender sends a copy of the callback in `slot`.
    pub(super) fn send_copy(&mut self, core: &mut Core, slot: u32) -> CallbackCopy {
        let cb = &mut self.callbacks[slot as usize];
        cb.attempt += 1;
        cb.in_queue += 1;
        let copy = CallbackCopy {
            generation: cb.generation,
            attempt: cb.attempt,
            ack_timeout_ns: cb.spec.map_or(0, |s| s.ack_timeout_ns),
        };
        if let Some((first, retry, _, _)) = self.callback_ids {
            core.metrics
                .inc(if copy.attempt == 1 { first } else { retry });
        }
        copy
    }

    /// The copy reaches the queue: the partition whose consumer is to start on it, if
    /// it was idle. A full partition does not store it: the sender sees an error and
    /// tries again at the timeout.
    pub(super) fn enqueue_copy(
        &mut self,
        core: &mut Core,
        slot: u32,
        copy: CallbackCopy,
    ) -> Option<usize> {
        let n = self.partitions.len();
        let partition = partition_of(u64::from(slot), n);
        let msg = Msg {
            key: u64::from(slot),
            seq: copy.attempt,
            published: core.now,
            callback: Some((slot, copy.generation)),
        };
        match self.enqueue(core, partition, msg, 1) {
            Some(idle) => idle.then_some(partition),
            None => {
                let cb = &mut self.callbacks[slot as usize];
                cb.in_queue = cb.in_queue.saturating_sub(1);
                None
            }
        }
    }

    /// The sender's retry policy: at once (what it does) or, under `retry-backoff`
    /// (`retry`), with exponential backoff, jitter and a retry budget.
    fn callback_policy(retry: Option<RetryPolicy>, spec: CallbackSpec) -> RetryPolicy {
        match retry {
            Some(p) => RetryPolicy {
                max_attempts: p.max_attempts.min(spec.max_retries + 1),
                ..p
            },
            None => RetryPolicy::naive(spec.max_retries),
        }
    }

    /// The acknowledgement of a copy is overdue: when to send the next (0 = now), or
    /// None when the copy is stale, settled, or the sender gives up.
    pub(super) fn callback_due(
        &mut self,
        core: &mut Core,
        slot: u32,
        generation: u32,
        attempt: u32,
        retry: Option<RetryPolicy>,
    ) -> Option<Nanos> {
        let cb = self.callbacks[slot as usize];
        if cb.generation != generation || cb.attempt != attempt || cb.acked || cb.given_up {
            return None;
        }
        let spec = cb.spec?;
        let policy = Self::callback_policy(retry, spec);
        let allowed = attempt < policy.max_attempts
            && (policy.budget_ratio.is_none() || self.budget.try_spend());
        if !allowed {
            self.callbacks[slot as usize].given_up = true;
            self.outstanding = self.outstanding.saturating_sub(1);
            if let Some((_, _, _, c)) = self.callback_ids {
                core.metrics.inc(c);
            }
            self.free_callback(slot);
            return None;
        }
        Some(policy.backoff(attempt, &mut self.rng))
    }

    /// Whether a resend after backoff is still due.
    pub(super) fn resend_due(&self, slot: u32, generation: u32) -> bool {
        let cb = self.callbacks[slot as usize];
        cb.generation == generation && !cb.acked && !cb.given_up
    }

    /// A consumer handled one copy of a callback: the first acknowledges it, any later
    /// copy is the same notification processed again.
    fn callback_consumed(&mut self, slot: u32, generation: u32) -> Consumed {
        let cb = &mut self.callbacks[slot as usize];
        if cb.generation != generation {
            return Consumed::Fine;
        }
        cb.in_queue = cb.in_queue.saturating_sub(1);
        let consumed = if cb.acked {
            Consumed::Duplicate
        } else {
            if !cb.given_up {
                cb.acked = true;
                self.outstanding = self.outstanding.saturating_sub(1);
            }
            Consumed::Fine
        };
        self.free_callback(slot);
        consumed
    }

    /// Reuses a callback's slot once it is settled and no copy of it is queued.
    fn free_callback(&mut self, slot: u32) {
        let cb = &self.callbacks[slot as usize];
        if (cb.acked || cb.given_up) && cb.in_queue == 0 && cb.spec.is_some() {
            self.callbacks[slot as usize].spec = None;
            self.free_callbacks.push(slot);
        }
    }

    pub(super) fn sample(&self, core: &mut Core) {
        for p in &self.partitions {
            let lag = p.queue.len() + usize::from(p.current.is_some());
            core.metrics.set(p.lag, lag as f64);
        }
        if let Some((_, _, backlog, _)) = self.callback_ids {
            core.metrics.set(backlog, self.outstanding as f64);
        }
    }
}
