//! What the lab's own views of an orders run read (the event stream, an order's
//! history stepped through version by version, the projections' checkpoints): small
//! plain values copied out of the model, each bounded however long the run, so the
//! host can send them to the page. Reading changes nothing in the run.

use super::domain::{apply, EventKind, OrderState};
use super::store::{ProjectionKind, Snapshot, Stored};
use super::OrdersModel;
use crate::time::{ns_to_secs, Nanos};

/// The most events a tail holds (the newest).
pub const TAIL_MAX: usize = 50;
/// The most events an order's history holds (an order has a handful: placed, paid,
/// shipped or cancelled, refunded).
pub const HISTORY_MAX: usize = 64;

/// Whether the system `id` is the one these views are of (the lab shows them then).
pub fn shown_for(id: &str) -> bool {
    id == super::META.id
}

/// One stored event as the views list it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EventRow {
    /// Its global position in the log (from 0).
    pub position: u64,
    /// Its stream: the order's id.
    pub order: u32,
    /// Its version within the stream (from 1).
    pub version: u32,
    pub kind: EventKind,
    pub t_ns: Nanos,
}

impl EventRow {
    fn of(position: usize, e: &Stored) -> EventRow {
        EventRow {
            position: position as u64,
            order: e.stream,
            version: e.version,
            kind: e.kind,
            t_ns: e.t_ns,
        }
    }
}

/// The newest events of the log, or of one order: newest first.
#[derive(Debug, Clone, PartialEq)]
pub struct Tail {
    /// Events in the log (the head's position).
    pub head: u64,
    /// Events that pass the filter (all of the log, or the order's).
    pub matching: u64,
    pub events: Vec<EventRow>,
}

/// One version of an order: the event and the state it leaves the aggregate in.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HistoryStep {
    pub event: EventRow,
    pub state: OrderState,
}

/// An order's stream, folded event by event with `domain::apply`.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderHistory {
    pub order: u32,
    pub amount_cents: u32,
    /// Its events in version order, each with the state after it (the first
    /// `HISTORY_MAX`).
    pub steps: Vec<HistoryStep>,
    /// Its version: how many events the stream holds.
    pub version: u32,
    /// Its latest snapshot, if it has one.
    pub snapshot: Option<Snapshot>,
}

/// A projection's progress against the log.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProjectionRow {
    pub kind: ProjectionKind,
    /// The global position of the next event it applies.
    pub checkpoint: u64,
    pub head: u64,
    pub lag_events: u64,
    /// How long ago the next event it applies was appended (0 when caught up).
    pub lag_seconds: f64,
    pub rebuild: Option<Rebuild>,
}

/// A rebuild under way.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rebuild {
    pub started_ns: Nanos,
    /// The head it must reach to be done.
    pub target: u64,
    /// Beside the live model (`shadow-rebuild`): the new model's checkpoint. `None`:
    /// in place (the live model was emptied).
    pub beside: Option<u64>,
}

impl OrdersModel {
    /// The newest `max` events (at most `TAIL_MAX`) of the log, or of order `order`'s
    /// stream (none for an order that does not exist), newest first.
    pub fn tail(&self, order: Option<u32>, max: usize) -> Tail {
        let log = self.store.log();
        let max = max.min(TAIL_MAX);
        let (matching, events) = match order {
            None => {
                let from = log.len().saturating_sub(max);
                let events = (from..log.len())
                    .rev()
                    .map(|p| EventRow::of(p, &log[p]))
                    .collect();
                (log.len(), events)
            }
            Some(order) => {
                let positions = self.store.positions(order);
                let events = positions
                    .iter()
                    .rev()
                    .take(max)
                    .filter_map(|&p| Some(EventRow::of(p as usize, log.get(p as usize)?)))
                    .collect();
                (positions.len(), events)
            }
        };
        Tail {
            head: log.len() as u64,
            matching: matching as u64,
            events,
        }
    }

    /// Order `order`'s events with the aggregate's state after each, and its snapshot;
    /// `None` when no such order has been opened.
    pub fn history(&self, order: u32) -> Option<OrderHistory> {
        if order >= self.store.streams() {
            return None;
        }
        let log = self.store.log();
        let mut state = OrderState::New;
        let steps = self
            .store
            .positions(order)
            .iter()
            .take(HISTORY_MAX)
            .filter_map(|&p| {
                let e = log.get(p as usize)?;
                state = apply(state, e.kind);
                Some(HistoryStep {
                    event: EventRow::of(p as usize, e),
                    state,
                })
            })
            .collect();
        Some(OrderHistory {
            order,
            amount_cents: self.store.amount_cents(order),
            steps,
            version: self.store.version(order),
            snapshot: self.store.snapshot(order),
        })
    }

    /// How many orders have been opened (ids are `0..orders()`).
    pub fn orders(&self) -> u32 {
        self.store.streams()
    }

    /// Each projection's checkpoint against the head at `now`, in `ProjectionKind::ALL`
    /// order.
    pub fn projection_rows(&self, now: Nanos) -> [ProjectionRow; 3] {
        let head = self.store.head();
        std::array::from_fn(|p| {
            let checkpoint = self.projections[p].checkpoint;
            let age = self
                .store
                .event(checkpoint)
                .map_or(0, |e| now.saturating_sub(e.t_ns));
            ProjectionRow {
                kind: ProjectionKind::ALL[p],
                checkpoint: checkpoint as u64,
                head: head as u64,
                lag_events: head.saturating_sub(checkpoint) as u64,
                lag_seconds: ns_to_secs(age),
                rebuild: self.rebuilding[p].map(|(started_ns, target)| Rebuild {
                    started_ns,
                    target: target as u64,
                    beside: self.shadows[p].as_ref().map(|s| s.checkpoint as u64),
                }),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::{Lab, LabConfig};
    use crate::systems::Operation;
    use crate::time::NS_PER_SEC;
    use store::ReadModel;

    use super::super::store;

    fn run(mitigation: Option<&str>, secs: u64) -> Lab {
        let mut cfg = LabConfig::new("orders");
        if let Some(id) = mitigation {
            cfg.enable(id).expect("a mitigation of orders");
        }
        let mut lab = Lab::new(&cfg).expect("an orders run");
        lab.run_until(secs * NS_PER_SEC);
        lab
    }

    fn model(lab: &Lab) -> &OrdersModel {
        lab.model_as::<OrdersModel>().expect("an orders run")
    }

    fn rebuild(projection: Option<&str>) -> Operation {
        Operation::RebuildProjections {
            projection: projection.map(str::to_string),
        }
    }

    #[test]
    fn the_tail_is_the_newest_events_newest_first_and_filters_by_order() {
        let lab = run(None, 20);
        let m = model(&lab);
        let tail = m.tail(None, 1_000);
        assert_eq!(tail.events.len(), TAIL_MAX);
        assert_eq!(tail.head, m.store.head() as u64);
        let positions: Vec<u64> = tail.events.iter().map(|e| e.position).collect();
        let expected: Vec<u64> = (tail.head - TAIL_MAX as u64..tail.head).rev().collect();
        assert_eq!(positions, expected);
        let newest = tail.events[0];
        let own = m.tail(Some(newest.order), TAIL_MAX);
        assert_eq!(own.matching, u64::from(m.store.version(newest.order)));
        assert_eq!(own.events[0], newest);
        assert!(own.events.iter().all(|e| e.order == newest.order));
        let versions: Vec<u32> = own.events.iter().map(|e| e.version).collect();
        assert_eq!(
            versions,
            (1..=own.events.len() as u32).rev().collect::<Vec<_>>()
        );
        // An order that does not exist: nothing, not a panic.
        let none = m.tail(Some(u32::MAX), TAIL_MAX);
        assert_eq!((none.matching, none.events.len()), (0, 0));
    }

    #[test]
    fn an_orders_history_folds_to_what_the_store_loads_with_or_without_its_snapshot() {
        let mut cfg = LabConfig::new("orders");
        cfg.set("snapshot_every", "2").unwrap();
        let mut lab = Lab::new(&cfg).unwrap();
        lab.run_until(20 * NS_PER_SEC);
        let m = model(&lab);
        let mut snapshots = 0;
        for order in 0..m.orders() {
            let h = m.history(order).expect("an opened order");
            let full = m.store.load(order, false);
            let last = h.steps.last().map_or(OrderState::New, |s| s.state);
            assert_eq!(
                (last, h.version),
                (full.state, full.version),
                "order {order}"
            );
            assert_eq!(m.store.load(order, true).state, last);
            if let Some(snap) = h.snapshot {
                // The snapshot holds the state the fold reaches at its version.
                assert_eq!(h.steps[snap.version as usize - 1].state, snap.state);
                snapshots += 1;
            }
        }
        assert!(snapshots > 100, "{snapshots}");
        assert_eq!(m.history(m.orders()), None);
    }

    #[test]
    fn rebuilding_in_place_empties_the_checkpoint_and_catches_up_to_the_live_digest() {
        let mut lab = run(None, 20);
        lab.operate(&rebuild(Some("order_summary"))).unwrap();
        let rows = model(&lab).projection_rows(lab.now_ns());
        let summary = rows[0];
        assert_eq!(summary.checkpoint, 0);
        assert_eq!(summary.lag_events, summary.head);
        assert!(summary.lag_seconds > 15.0, "{}", summary.lag_seconds);
        assert!(summary.rebuild.is_some_and(|r| r.beside.is_none()));
        // The others were not asked for.
        assert!(rows[1].rebuild.is_none() && rows[1].lag_events < 100);
        // A second rebuild while one is under way changes nothing.
        lab.operate(&rebuild(None)).unwrap();
        assert_eq!(model(&lab).projection_rows(lab.now_ns())[0].checkpoint, 0);
        lab.run_until(40 * NS_PER_SEC);
        let m = model(&lab);
        let after = m.projection_rows(lab.now_ns());
        assert!(after.iter().all(|r| r.rebuild.is_none()));
        assert!(after[0].lag_events < 100, "{}", after[0].lag_events);
        for (p, kind) in ProjectionKind::ALL.into_iter().enumerate() {
            let live = &m.projections[p];
            let replayed = ReadModel::rebuild(kind, &m.store, live.checkpoint);
            assert_eq!(replayed.digest(), live.digest(), "{}", kind.as_str());
        }
    }

    #[test]
    fn rebuilding_beside_the_live_model_keeps_it_serving() {
        let mut lab = run(Some("shadow-rebuild"), 20);
        lab.operate(&rebuild(None)).unwrap();
        let rows = model(&lab).projection_rows(lab.now_ns());
        for row in rows {
            assert!(row.lag_events < 100, "{}", row.lag_events);
            assert_eq!(row.rebuild.and_then(|r| r.beside), Some(0));
        }
        lab.run_until(40 * NS_PER_SEC);
        let m = model(&lab);
        assert!(m.shadows.iter().all(Option::is_none));
        for (p, kind) in ProjectionKind::ALL.into_iter().enumerate() {
            let live = &m.projections[p];
            let replayed = ReadModel::rebuild(kind, &m.store, live.checkpoint);
            assert_eq!(replayed.digest(), live.digest(), "{}", kind.as_str());
        }
    }

    #[test]
    fn an_unknown_projection_or_a_system_without_operations_is_refused_by_name() {
        let mut lab = run(None, 1);
        let e = lab.operate(&rebuild(Some("orders_by_day"))).unwrap_err();
        assert_eq!(
            e.to_string(),
            "`rebuild-projections`: no projection `orders_by_day` (allowed: order_summary, \
             order_history, analytics)"
        );
        let mut web = Lab::new(&LabConfig::new("web")).unwrap();
        let e = web.operate(&rebuild(None)).unwrap_err();
        assert!(e.to_string().contains("takes no operator commands"), "{e}");
    }
}
