//! The request path through the message queue (`mq.rs` holds its state): an order
//! publishes its events as the scenarios let it, a consumer takes the next message of
//! its partition and finishes it later, and the payment provider's webhook callbacks are
//! delivered, acknowledged or re-sent; a correctness problem the queue reports is counted
//! as a data anomaly.

use super::db::Anomaly;
use super::mq::Consumed;
use super::request::{Ev, PartEv, ENDPOINTS};
use super::WebModel;
use crate::scenario::{CallbackSpec, Component, Hop};
use crate::systems::Core;

impl WebModel {
    /// Order `id` publishes its event `seq` (1 = created, 2 = paid), keyed by the order.
    pub(super) fn publish_order_event(&mut self, core: &mut Core, id: u32, seq: u32) {
        let r = self.reqs[id as usize];
        let hop = Hop {
            key: Some(r.key),
            ..Hop::new(Component::Queue, 0, ENDPOINTS[1])
        };
        let q = *self.strike(core, hop, r.seq).queue();
        let to = q.partition;
        if !self.mq.is_on() && to.is_none() && !q.start {
            return;
        }
        self.mq.start(core);
        let by_key = self.policies.partition_by_key;
        let partition = self.mq.order_partition(to, by_key, r.seq);
        if self.mq.publish(core, partition, r.seq, seq) {
            self.consume_next(core, partition);
        }
    }

    /// The consumer of `partition` starts on its next message, if any.
    fn consume_next(&mut self, core: &mut Core, partition: usize) {
        let Some(key) = self.mq.take_next(partition) else {
            return;
        };
        let hop = Hop::new(Component::Queue, partition as u32, "consume");
        let effect = self.strike(core, hop, key);
        if effect.queue().redeliver {
            self.mq.fail_current(partition);
        }
        let work = self.mq.consume_time(effect.work_factor, effect.delay_ns);
        self.events.schedule(
            core.now + work,
            Ev::Part(PartEv::ConsumerDone {
                partition: partition as u32,
            }),
        );
    }

    pub(super) fn consumer_done(&mut self, core: &mut Core, partition: usize) {
        let Some(consumed) = self.mq.finish(core, partition) else {
            return;
        };
        match consumed {
            Consumed::Fine | Consumed::Redelivered => {}
            Consumed::OutOfOrder => self.db.anomaly(core, Anomaly::OutOfOrder, 1.0),
            Consumed::Duplicate => self.db.anomaly(core, Anomaly::DuplicateDelivery, 1.0),
        }
        self.consume_next(core, partition);
    }

    // ---- webhook callbacks -----------------------------------------------------------

    /// The payment provider's job completed: it sends `spec.fanout` callbacks.
    pub(super) fn send_callbacks(&mut self, core: &mut Core, spec: CallbackSpec) {
        self.mq.callbacks_start(core);
        for _ in 0..spec.fanout {
            let slot = self.mq.new_callback(spec, self.policies.retry);
            self.deliver(core, slot);
        }
    }

    /// Sends a copy of the callback in `slot`, with its acknowledgement timer.
    fn deliver(&mut self, core: &mut Core, slot: u32) {
        let copy = self.mq.send_copy(core, slot);
        self.events.schedule(
            core.now + copy.ack_timeout_ns.max(1),
            Ev::Part(PartEv::CallbackTimeout {
                slot,
                generation: copy.generation,
                attempt: copy.attempt,
            }),
        );
        if let Some(partition) = self.mq.enqueue_copy(core, slot, copy) {
            self.consume_next(core, partition);
        }
    }

    pub(super) fn callback_timeout(
        &mut self,
        core: &mut Core,
        slot: u32,
        generation: u32,
        attempt: u32,
    ) {
        let retry = self.policies.retry;
        match self.mq.callback_due(core, slot, generation, attempt, retry) {
            None => {}
            Some(0) => self.deliver(core, slot),
            Some(wait) => self.events.schedule(
                core.now + wait,
                Ev::Part(PartEv::CallbackSend { slot, generation }),
            ),
        }
    }

    pub(super) fn callback_resend(&mut self, core: &mut Core, slot: u32, generation: u32) {
        if self.mq.resend_due(slot, generation) {
            self.deliver(core, slot);
        }
    }
}
