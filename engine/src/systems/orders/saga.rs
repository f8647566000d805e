//! The payment saga, as the order system runs it: reserve stock on a product (an
//! event-sourced aggregate of the inventory, loaded from its snapshot), charge the
//! payment, confirm the order; on a failure, compensate in reverse (refund, release
//! stock), retrying each compensation. Each saga starts from its order's `OrderPlaced`,
//! delivered straight after the append (a dual write) or relayed from the log
//! (`transactional-outbox`).

use super::domain::{Compensation, Held, OrderCommand, SagaStep};
use super::{Ev, OrdersModel, Saga};
use crate::metrics::CounterId;
use crate::observe::{Level, LogRecord};
use crate::scenario::{Component, Hop};
use crate::systems::Core;
use crate::time::{ns_to_secs, secs_to_ns, Nanos};

/// Events a load reads that `stock_latency_ms` already pays for (the default snapshot
/// interval's worth, or fewer when the latest snapshot is closer): a load reading more
/// (no snapshots, a damaged one) takes longer by the difference.
const INCLUDED_EVENTS: u32 = 20;

impl OrdersModel {
    /// An order was placed (its `OrderPlaced` appended): its saga starts now if the
    /// integration event reaches the saga (a dual write: a scenario can lose it), or,
    /// with `transactional-outbox`, when the relay next reads the log.
    pub(super) fn order_placed(&mut self, core: &mut Core, stream: u32) {
        self.awaiting += 1;
        if let Some(flag) = self.awaiting_of.get_mut(stream as usize) {
            *flag = true;
        }
        if let Some(relay_ns) = self.outbox_relay_ns {
            self.outbox.push_back(stream);
            if !self.relaying {
                self.relaying = true;
                self.events.schedule(core.now + relay_ns, Ev::Relay);
            }
            return;
        }
        if self.publish_fails(core) {
            core.metrics.inc(self.ids.integration[1]);
            if core.logs.admits(core.now) {
                core.logs.push(LogRecord {
                    t_ns: core.now,
                    level: Level::Error,
                    service: "command-api",
                    message: "publishing OrderPlaced failed after the append committed: no saga will start",
                    fields: vec![("order", stream.to_string())],
                    trace_id: None,
                });
            }
            return;
        }
        core.metrics.inc(self.ids.integration[0]);
        self.start_saga(core, stream);
    }

    /// A scenario's effect on publishing an integration event to the broker.
    fn publish_fails(&mut self, core: &mut Core) -> bool {
        let hop = Hop::new(Component::Queue, 0, "publish");
        core.scenarios
            .strike(core.now, &hop, &mut core.metrics, &mut core.logs, None)
            .fail_status
            .is_some()
    }

    /// The outbox relay reads the log's new `OrderPlaced` events and publishes them;
    /// one whose publish fails stays in the outbox for the next round (at least once).
    pub(super) fn relay(&mut self, core: &mut Core) {
        self.relaying = false;
        let mut kept = std::collections::VecDeque::new();
        while let Some(stream) = self.outbox.pop_front() {
            if self.publish_fails(core) {
                core.metrics.inc(self.ids.integration[2]);
                kept.push_back(stream);
            } else {
                core.metrics.inc(self.ids.integration[0]);
                self.start_saga(core, stream);
            }
        }
        self.outbox = kept;
        if let (false, Some(relay_ns)) = (self.outbox.is_empty(), self.outbox_relay_ns) {
            self.relaying = true;
            self.events.schedule(core.now + relay_ns, Ev::Relay);
        }
    }

    /// An order no longer waits for its payment (its saga ended, or it was cancelled).
    pub(super) fn settle_order(&mut self, stream: u32) {
        if let Some(flag) = self.awaiting_of.get_mut(stream as usize) {
            if *flag {
                *flag = false;
                self.awaiting -= 1;
            }
        }
    }

    pub(super) fn start_saga(&mut self, core: &mut Core, stream: u32) {
        if self
            .saga_of
            .get(stream as usize)
            .copied()
            .flatten()
            .is_some()
        {
            // Delivered again: the saga is keyed by its order and starts once.
            return;
        }
        let i = self.sagas.len() as u32;
        let product = self.product_rng.below(u64::from(self.inventory.len())) as u32;
        self.sagas.push(Saga {
            stream,
            product,
            started: core.now,
            step: SagaStep::ReserveStock,
            held: Held::default(),
            undo: Vec::new(),
            attempts: 0,
            done: false,
        });
        if let Some(slot) = self.saga_of.get_mut(stream as usize) {
            *slot = Some(i);
        }
        // Relayed later (an outbox): its order's append may have been traced.
        let placed = self.store.position(stream, 1);
        if let Some(f) = placed.and_then(|at| self.followed(at)) {
            self.link_saga(i, (f.trace, f.span));
        }
        let t = secs_to_ns(self.stock.sample(&mut self.saga_rng));
        let extra = self.load_product(core, product);
        self.events.schedule(core.now + t + extra, Ev::SagaStep(i));
    }

    /// Loads a product before a reservation or a release: the time it takes beyond what
    /// `stock_latency_ms` includes (a snapshot and up to `INCLUDED_EVENTS` after it),
    /// and what it met on the way.
    fn load_product(&mut self, core: &mut Core, product: u32) -> Nanos {
        let load = self.inventory.load(product, self.snapshot_checksums);
        let ns =
            |events: u32| super::LOAD_BASE_NS + (f64::from(events) * self.event_load_ns) as Nanos;
        let took = ns(load.events_read);
        let h = if load.from_snapshot {
            self.ids.product_load_snapshot
        } else {
            self.ids.product_load_replay
        };
        core.metrics.observe(h, ns_to_secs(took));
        if let Some(f) = load.failure {
            let i = match f {
                super::inventory::LoadFailure::Unreadable => 0,
                super::inventory::LoadFailure::Checksum => 1,
            };
            core.metrics.inc(self.ids.snapshot_failures[i]);
            if core.logs.admits(core.now) {
                core.logs.push(LogRecord {
                    t_ns: core.now,
                    level: Level::Warn,
                    service: "inventory",
                    message: if load.from_snapshot {
                        "snapshot refused: loaded from the previous snapshot"
                    } else {
                        "snapshot refused: replaying the whole stream"
                    },
                    fields: vec![
                        ("product", product.to_string()),
                        ("reason", f.as_str().into()),
                        ("events_read", load.events_read.to_string()),
                    ],
                    trace_id: None,
                });
            }
        }
        if load.used_garbled {
            core.metrics.inc(self.ids.garbled_used);
        }
        took.saturating_sub(ns(load.healthy_read.min(INCLUDED_EVENTS)))
    }

    /// Records a reservation or a release on `product` (one event; a snapshot when due,
    /// which a scenario may damage).
    fn product_event(&mut self, core: &mut Core, product: u32) {
        let fault = if self.inventory.snapshot_due(product) {
            let hop = Hop::new(Component::Database, 1, "write_snapshot");
            core.scenarios
                .strike(core.now, &hop, &mut core.metrics, &mut core.logs, None)
                .database()
                .snapshot
        } else {
            None
        };
        if self.inventory.append(product, fault) {
            core.metrics.inc(self.ids.product_snapshots);
        }
    }

    /// A scenario's effect on one of the saga's calls (`endpoint`: `reserve_stock`,
    /// `charge`, `confirm`, `release_stock`, `refund`): whether it fails.
    fn saga_call_fails(&mut self, core: &mut Core, endpoint: &'static str) -> bool {
        let hop = Hop::new(Component::Dependency, 0, endpoint);
        core.scenarios
            .strike(core.now, &hop, &mut core.metrics, &mut core.logs, None)
            .fail_status
            .is_some()
    }

    pub(super) fn saga_step(&mut self, core: &mut Core, i: u32) {
        let step = self.sagas[i as usize].step;
        let (failure, endpoint) = match step {
            SagaStep::ReserveStock => (self.stock_failure, "reserve_stock"),
            SagaStep::ChargePayment => (self.payment_failure, "charge"),
            SagaStep::Confirm => (0.0, "confirm"),
        };
        let op = match step {
            SagaStep::ReserveStock => "reserve stock",
            SagaStep::ChargePayment => "charge payment",
            SagaStep::Confirm => "confirm",
        };
        if self.saga_rng.chance(failure) || self.saga_call_fails(core, endpoint) {
            self.saga_span(i, op, false, core.now);
            return self.compensate(core, i);
        }
        self.saga_span(i, op, true, core.now);
        if step == SagaStep::ReserveStock {
            let product = self.sagas[i as usize].product;
            self.product_event(core, product);
        }
        let s = &mut self.sagas[i as usize];
        s.held.done(step);
        match step {
            SagaStep::ReserveStock => {
                s.step = SagaStep::ChargePayment;
                let t = secs_to_ns(self.payment.sample(&mut self.saga_rng));
                self.events.schedule(core.now + t, Ev::SagaStep(i));
            }
            SagaStep::ChargePayment => {
                s.step = SagaStep::Confirm;
                let stream = s.stream;
                // The order service may refuse the confirmation (a scenario's fault).
                if self.saga_call_fails(core, "confirm") {
                    self.saga_span(i, "confirm", false, core.now);
                    return self.compensate(core, i);
                }
                self.submit(core, 0, OrderCommand::ConfirmPayment, stream, Some(i));
            }
            SagaStep::Confirm => {}
        }
    }

    pub(super) fn saga_command_done(
        &mut self,
        core: &mut Core,
        i: u32,
        command: OrderCommand,
        ok: bool,
    ) {
        if command == OrderCommand::ConfirmPayment {
            self.saga_span(i, "confirm", ok, core.now);
        }
        match command {
            OrderCommand::ConfirmPayment if ok => self.end_saga(core, i, self.ids.sagas_completed),
            // The order moved on meanwhile (a client cancelled it): undo what was done.
            OrderCommand::ConfirmPayment => self.compensate(core, i),
            // Compensated; the order is cancelled now (or was already).
            _ => self.end_saga(core, i, self.ids.sagas_compensated),
        }
    }

    /// Starts undoing the completed steps, last first.
    fn compensate(&mut self, core: &mut Core, i: u32) {
        let s = &mut self.sagas[i as usize];
        s.undo = s.held.compensations();
        s.attempts = 0;
        self.next_compensation(core, i, 0);
    }

    fn next_compensation(&mut self, core: &mut Core, i: u32, delay: Nanos) {
        let s = &self.sagas[i as usize];
        let Some(c) = s.undo.first().copied() else {
            // Everything undone: cancel the order (a client may have already).
            let stream = s.stream;
            return self.submit(core, 0, OrderCommand::CancelOrder, stream, Some(i));
        };
        let product = s.product;
        let dist = match c {
            Compensation::ReleaseStock => self.stock,
            Compensation::Refund => self.payment,
        };
        let t = secs_to_ns(dist.sample(&mut self.saga_rng));
        let extra = match c {
            Compensation::ReleaseStock => self.load_product(core, product),
            Compensation::Refund => 0,
        };
        self.events
            .schedule(core.now + delay + t + extra, Ev::Compensated(i));
    }

    pub(super) fn compensated(&mut self, core: &mut Core, i: u32) {
        let Some(c) = self.sagas[i as usize].undo.first().copied() else {
            return;
        };
        let step = match c {
            Compensation::ReleaseStock => 0,
            Compensation::Refund => 1,
        };
        let failed = self.saga_rng.chance(self.compensation_failure)
            || self.saga_call_fails(core, c.as_str());
        let op = match c {
            Compensation::ReleaseStock => "compensate: release stock",
            Compensation::Refund => "compensate: refund",
        };
        self.saga_span(i, op, !failed, core.now);
        if failed {
            core.metrics.inc(self.ids.compensations[step][1]);
            let backoff = self.retry;
            let s = &mut self.sagas[i as usize];
            s.attempts += 1;
            let retries = backoff.map_or(self.compensation_retries, |b| b.max_retries);
            if s.attempts > retries {
                let stream = s.stream;
                if core.logs.admits(core.now) {
                    core.logs.push(LogRecord {
                        t_ns: core.now,
                        level: Level::Error,
                        service: "saga",
                        message: "compensation gave up: order left half-done",
                        fields: vec![("order", stream.to_string()), ("step", c.as_str().into())],
                        trace_id: None,
                    });
                }
                return self.end_saga(core, i, self.ids.sagas_stuck);
            }
            // A fixed wait, or (`compensation-backoff`) one that doubles each time.
            let wait = match backoff {
                Some(b) => b.backoff_ns(s.attempts),
                None => self.compensation_backoff_ns,
            };
            return self.next_compensation(core, i, wait);
        }
        core.metrics.inc(self.ids.compensations[step][0]);
        if c == Compensation::ReleaseStock {
            let product = self.sagas[i as usize].product;
            self.product_event(core, product);
        }
        let s = &mut self.sagas[i as usize];
        s.held.undo(c);
        s.undo.remove(0);
        s.attempts = 0;
        self.next_compensation(core, i, 0);
    }

    fn end_saga(&mut self, core: &mut Core, i: u32, outcome: CounterId) {
        let s = &mut self.sagas[i as usize];
        if s.done {
            return;
        }
        s.done = true;
        let stream = s.stream;
        let took = core.now - s.started;
        self.settle_order(stream);
        let name = if outcome == self.ids.sagas_completed {
            "completed"
        } else if outcome == self.ids.sagas_compensated {
            "compensated"
        } else {
            "stuck"
        };
        self.trace_saga(core, i, name);
        core.metrics.inc(outcome);
        core.metrics
            .observe(self.ids.saga_duration, ns_to_secs(took));
    }
}
