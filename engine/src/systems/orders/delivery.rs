//! How each projection's consumer gets the log's events and applies them: in
//! global-position order, one at a time, committing the offset it has reached to the
//! broker every `offset_commit_interval_ms`. Two things can go wrong on the way, both
//! scenarios' doing:
//!
//! - **A write to the read model fails** (a transient error): the consumer parks the
//!   event on a retry queue and goes on with the next ones (non-blocking retries), so a
//!   later event of the same order can be applied first. With `per-stream-ordering`,
//!   an event whose order has an event parked waits behind it, and they are applied in
//!   their order when the retry comes.
//! - **The consumer restarts** (a crash, a rebalance): it resumes from the offset it
//!   last committed, so the events it applied since are delivered again. Without
//!   `idempotent-consumer` it applies them again (counts twice, revenue twice); with
//!   it, it compares each with the checkpoint stored in its read model (in the same
//!   transaction as the model) and skips what it has already applied.

use super::store::ProjectionKind;
use super::{Ev, OrdersModel, Parked};
use crate::observe::{Level, LogRecord};
use crate::scenario::{Component, Hop};
use crate::systems::Core;

impl OrdersModel {
    /// Delivers projection `p`'s next event and applies it (or sets it aside).
    pub(super) fn deliver(&mut self, core: &mut Core, p: usize) {
        let checkpoint = self.projections[p].checkpoint;
        let back = self.redeliver[p].min(checkpoint);
        let position = checkpoint - back;
        let Some(e) = self.store.event(position).copied() else {
            self.redeliver[p] = 0;
            return;
        };
        let hop = Hop::new(Component::Projection, p as u32, "apply");
        let struck = *core
            .scenarios
            .strike(core.now, &hop, &mut core.metrics, &mut core.logs, None)
            .projection();
        let kind = ProjectionKind::ALL[p];
        if struck.restart {
            let committed = self.committed[p].min(checkpoint);
            let again = checkpoint - committed;
            self.redeliver[p] = again;
            core.metrics.add(self.ids.redelivered[p], again as f64);
            if core.logs.admits(core.now) {
                core.logs.push(LogRecord {
                    t_ns: core.now,
                    level: Level::Warn,
                    service: "projections",
                    message: "consumer restarted: resuming from the last committed offset",
                    fields: vec![
                        ("projection", kind.as_str().into()),
                        ("committed", committed.to_string()),
                        ("redelivered", again.to_string()),
                    ],
                    trace_id: None,
                });
            }
            return;
        }
        let amount = self.store.amount_cents(e.stream);
        if back > 0 {
            // Delivered again after a restart.
            self.redeliver[p] -= 1;
            if self.idempotent_consumer {
                core.metrics.inc(self.ids.duplicates_skipped[p]);
            } else {
                self.projections[p].apply_event(kind, &e, amount);
                core.metrics.inc(self.ids.duplicate_applied);
            }
        } else if struck.retry_after_ns > 0 {
            let due = core.now + struck.retry_after_ns;
            self.parked[p].push(Parked {
                position,
                stream: e.stream,
                due: Some(due),
            });
            core.metrics.inc(self.ids.parked[p]);
            if core.logs.admits(core.now) {
                core.logs.push(LogRecord {
                    t_ns: core.now,
                    level: Level::Warn,
                    service: "projections",
                    message: "read-model write failed: event parked for a retry, moving on",
                    fields: vec![
                        ("projection", kind.as_str().into()),
                        ("position", position.to_string()),
                        ("order", e.stream.to_string()),
                    ],
                    trace_id: None,
                });
            }
            self.events
                .schedule(due, Ev::Retry(p as u8, position as u32));
            self.projections[p].checkpoint += 1;
        } else if self.per_stream_ordering && self.parked[p].iter().any(|x| x.stream == e.stream) {
            self.parked[p].push(Parked {
                position,
                stream: e.stream,
                due: None,
            });
            self.projections[p].checkpoint += 1;
        } else {
            self.projections[p].apply(kind, &e, amount);
            self.trace_projection(core, p, position, self.projection_ns);
        }
        self.commit_offset(core, p);
    }

    /// Commits the offset the consumer has reached, once per commit interval.
    fn commit_offset(&mut self, core: &mut Core, p: usize) {
        if core.now >= self.committed_at[p] + self.commit_interval_ns {
            let checkpoint = self.projections[p].checkpoint;
            self.committed[p] = checkpoint - self.redeliver[p].min(checkpoint);
            self.committed_at[p] = core.now;
        }
    }

    /// A parked event's retry: it is applied now (late, if a later event of its order
    /// went first), and with `per-stream-ordering` the events waiting behind it too.
    pub(super) fn retry(&mut self, core: &mut Core, p: usize, position: usize) {
        let Some(k) = self.parked[p]
            .iter()
            .position(|x| x.position == position && x.due.is_some())
        else {
            return;
        };
        let stream = self.parked[p].remove(k).stream;
        self.apply_parked(core, p, position);
        if !self.per_stream_ordering {
            return;
        }
        // Those behind it, in their order, up to the next one still waiting a retry.
        loop {
            let next = self.parked[p]
                .iter()
                .enumerate()
                .filter(|(_, x)| x.stream == stream)
                .min_by_key(|(_, x)| x.position)
                .map(|(k, x)| (k, *x));
            match next {
                Some((k, x)) if x.due.is_none() => {
                    self.parked[p].remove(k);
                    self.apply_parked(core, p, x.position);
                }
                _ => break,
            }
        }
    }

    fn apply_parked(&mut self, core: &mut Core, p: usize, position: usize) {
        // A rebuild since it was parked replays it in its place.
        if position >= self.projections[p].checkpoint {
            return;
        }
        let Some(e) = self.store.event(position).copied() else {
            return;
        };
        let amount = self.store.amount_cents(e.stream);
        // Out of order if its order's next event was delivered already and applied
        // (not set aside too).
        let next = self.store.position(e.stream, e.version + 1);
        let overtaken = next.is_some_and(|n| {
            n < self.projections[p].checkpoint && !self.parked[p].iter().any(|x| x.position == n)
        });
        if overtaken {
            core.metrics.inc(self.ids.out_of_order[p]);
        }
        self.projections[p].apply_event(ProjectionKind::ALL[p], &e, amount);
        self.trace_projection(core, p, position, self.projection_ns);
    }
}
