//! The event store and what reads it: an append-only log with a global position and a
//! version per stream (optimistic concurrency: an append names the version it expects
//! and is refused if the stream moved on), snapshots every N events per stream, and the
//! projections (asynchronous consumers, each with its read model and its checkpoint, the
//! position it has applied up to, kept together so a restart resumes where it stopped).

use super::domain::{apply, EventKind, OrderState};
use crate::time::Nanos;

/// One stored event. `version` counts from 1 within its stream; its place in the log
/// is its global position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stored {
    pub stream: u32,
    pub version: u32,
    pub kind: EventKind,
    /// The order's amount in cents (what `OrderPlaced` and `RefundIssued` carry).
    pub amount_cents: u32,
    pub t_ns: Nanos,
}

/// A stream's latest snapshot: the aggregate's state at a version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Snapshot {
    pub version: u32,
    pub state: OrderState,
}

#[derive(Debug, Clone, Default)]
struct Stream {
    /// Global positions of its events, in version order.
    positions: Vec<u32>,
    state: OrderState,
    amount_cents: u32,
    snapshot: Option<Snapshot>,
}

/// An append refused: the stream is at another version than the one expected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Conflict {
    pub expected: u32,
    pub actual: u32,
}

/// How an aggregate was loaded, and how many events were read to do it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Loaded {
    pub state: OrderState,
    pub version: u32,
    pub from_snapshot: bool,
    pub events_read: u32,
}

#[derive(Debug, Clone, Default)]
pub struct EventStore {
    log: Vec<Stored>,
    streams: Vec<Stream>,
    /// A snapshot every this many events of a stream (0: none).
    pub snapshot_every: u32,
}

impl EventStore {
    pub fn new(snapshot_every: u32) -> EventStore {
        EventStore {
            snapshot_every,
            ..EventStore::default()
        }
    }

    /// A new, empty stream (an order about to be placed), with its amount.
    pub fn open_stream(&mut self, amount_cents: u32) -> u32 {
        self.streams.push(Stream {
            amount_cents,
            ..Stream::default()
        });
        self.streams.len() as u32 - 1
    }

    pub fn streams(&self) -> u32 {
        self.streams.len() as u32
    }

    /// The number of events stored (the head's global position).
    pub fn head(&self) -> usize {
        self.log.len()
    }

    pub fn event(&self, position: usize) -> Option<&Stored> {
        self.log.get(position)
    }

    pub fn log(&self) -> &[Stored] {
        &self.log
    }

    pub fn version(&self, stream: u32) -> u32 {
        self.streams
            .get(stream as usize)
            .map_or(0, |s| s.positions.len() as u32)
    }

    /// The global position of `stream`'s event at `version` (from 1).
    pub fn position(&self, stream: u32, version: u32) -> Option<usize> {
        let s = self.streams.get(stream as usize)?;
        let at = version.checked_sub(1)? as usize;
        s.positions.get(at).map(|p| *p as usize)
    }

    pub fn amount_cents(&self, stream: u32) -> u32 {
        self.streams
            .get(stream as usize)
            .map_or(0, |s| s.amount_cents)
    }

    /// The global positions of a stream's events, in version order (none for an
    /// unknown stream).
    pub fn positions(&self, stream: u32) -> &[u32] {
        self.streams
            .get(stream as usize)
            .map_or(&[], |s| s.positions.as_slice())
    }

    /// A stream's latest snapshot, if it has one.
    pub fn snapshot(&self, stream: u32) -> Option<Snapshot> {
        self.streams.get(stream as usize).and_then(|s| s.snapshot)
    }

    /// The aggregate as a command handler reads it: from the latest snapshot and the
    /// events after it, or by replaying the whole stream when there is none (or
    /// `use_snapshot` is false).
    pub fn load(&self, stream: u32, use_snapshot: bool) -> Loaded {
        let Some(s) = self.streams.get(stream as usize) else {
            return Loaded {
                state: OrderState::New,
                version: 0,
                from_snapshot: false,
                events_read: 0,
            };
        };
        let (mut state, from) = match s.snapshot.filter(|_| use_snapshot) {
            Some(snap) => (snap.state, snap.version),
            None => (OrderState::New, 0),
        };
        for &p in &s.positions[from as usize..] {
            state = apply(state, self.log[p as usize].kind);
        }
        Loaded {
            state,
            version: s.positions.len() as u32,
            from_snapshot: use_snapshot && s.snapshot.is_some(),
            events_read: s.positions.len() as u32 - from,
        }
    }

    /// Appends `kinds` to `stream` if it is still at `expected` (its version when the
    /// aggregate was loaded); returns how many snapshots this append took.
    pub fn append(
        &mut self,
        stream: u32,
        expected: u32,
        kinds: &[EventKind],
        t_ns: Nanos,
    ) -> Result<u32, Conflict> {
        let actual = self.version(stream);
        if actual != expected || stream as usize >= self.streams.len() {
            return Err(Conflict { expected, actual });
        }
        let mut snapshots = 0;
        for &kind in kinds {
            let s = &mut self.streams[stream as usize];
            let version = s.positions.len() as u32 + 1;
            let amount_cents = match kind {
                EventKind::OrderPlaced | EventKind::RefundIssued => s.amount_cents,
                _ => 0,
            };
            s.positions.push(self.log.len() as u32);
            s.state = apply(s.state, kind);
            if self.snapshot_every > 0 && version % self.snapshot_every == 0 {
                s.snapshot = Some(Snapshot {
                    version,
                    state: s.state,
                });
                snapshots += 1;
            }
            self.log.push(Stored {
                stream,
                version,
                kind,
                amount_cents,
                t_ns,
            });
        }
        Ok(snapshots)
    }

    /// The state the store itself holds for a stream (what a full replay gives).
    pub fn state(&self, stream: u32) -> OrderState {
        self.streams
            .get(stream as usize)
            .map_or(OrderState::New, |s| s.state)
    }
}

/// The projections, in the order of their metrics' labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProjectionKind {
    /// Each order's current state (what the query API reads).
    OrderSummary,
    /// How many events each order has had.
    OrderHistory,
    /// Revenue and orders placed per minute.
    Analytics,
}

impl ProjectionKind {
    pub const ALL: [ProjectionKind; 3] = [
        ProjectionKind::OrderSummary,
        ProjectionKind::OrderHistory,
        ProjectionKind::Analytics,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ProjectionKind::OrderSummary => "order_summary",
            ProjectionKind::OrderHistory => "order_history",
            ProjectionKind::Analytics => "analytics",
        }
    }
}

/// A projection's read model and its checkpoint (stored together: applying an event
/// and moving the checkpoint are one step).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ReadModel {
    /// The global position of the next event to apply.
    pub checkpoint: usize,
    /// Order summary: each order's state and the stream version applied.
    pub orders: Vec<(OrderState, u32)>,
    /// Order history: events per order.
    pub history: Vec<u32>,
    /// Analytics: revenue in cents (payments confirmed minus refunds) and orders placed
    /// per minute of virtual time.
    pub revenue_cents: i64,
    pub placed_per_minute: Vec<u32>,
}

impl ReadModel {
    /// Applies the event at the checkpoint and moves past it.
    pub fn apply(&mut self, kind: ProjectionKind, e: &Stored, amount_cents: u32) {
        self.apply_event(kind, e, amount_cents);
        self.checkpoint += 1;
    }

    /// Applies `e` to the read model without moving the checkpoint (an event retried
    /// late, or delivered again).
    #[inline]
    pub fn apply_event(&mut self, kind: ProjectionKind, e: &Stored, amount_cents: u32) {
        let i = e.stream as usize;
        match kind {
            ProjectionKind::OrderSummary => {
                if self.orders.len() <= i {
                    self.orders.resize(i + 1, (OrderState::New, 0));
                }
                let (state, version) = self.orders[i];
                self.orders[i] = (apply(state, e.kind), version.max(e.version));
            }
            ProjectionKind::OrderHistory => {
                if self.history.len() <= i {
                    self.history.resize(i + 1, 0);
                }
                self.history[i] += 1;
            }
            ProjectionKind::Analytics => match e.kind {
                EventKind::PaymentConfirmed => self.revenue_cents += i64::from(amount_cents),
                EventKind::RefundIssued => self.revenue_cents -= i64::from(e.amount_cents),
                EventKind::OrderPlaced => {
                    let minute = (e.t_ns / 60_000_000_000) as usize;
                    if self.placed_per_minute.len() <= minute {
                        self.placed_per_minute.resize(minute + 1, 0);
                    }
                    self.placed_per_minute[minute] += 1;
                }
                _ => {}
            },
        }
    }

    /// A digest of what the read model holds (not its checkpoint): two models built
    /// from the same events have the same digest.
    pub fn digest(&self) -> u64 {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        let mut mix = |v: u64| {
            h ^= v;
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        };
        for (s, v) in &self.orders {
            mix(*s as u64);
            mix(u64::from(*v));
        }
        for n in &self.history {
            mix(u64::from(*n));
        }
        mix(self.revenue_cents as u64);
        for n in &self.placed_per_minute {
            mix(u64::from(*n));
        }
        h
    }

    /// The model rebuilt from position 0 up to `until` of `store`'s log.
    pub fn rebuild(kind: ProjectionKind, store: &EventStore, until: usize) -> ReadModel {
        let mut m = ReadModel::default();
        for e in &store.log()[..until.min(store.head())] {
            m.apply(kind, e, store.amount_cents(e.stream));
        }
        m
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use EventKind::*;

    #[test]
    fn a_stale_expected_version_is_refused_and_versions_never_repeat() {
        let mut store = EventStore::new(2);
        let s = store.open_stream(1_000);
        assert_eq!(store.append(s, 0, &[OrderPlaced], 1), Ok(0));
        // Two handlers loaded version 1; the first appends, the second is refused.
        assert_eq!(store.append(s, 1, &[PaymentConfirmed], 2), Ok(1));
        assert_eq!(
            store.append(s, 1, &[OrderCancelled], 3),
            Err(Conflict {
                expected: 1,
                actual: 2
            })
        );
        let versions: Vec<u32> = store.log().iter().map(|e| e.version).collect();
        assert_eq!(versions, vec![1, 2]);
    }

    #[test]
    fn a_snapshot_load_equals_a_full_replay() {
        let mut store = EventStore::new(2);
        let s = store.open_stream(500);
        store.append(s, 0, &[OrderPlaced], 1).unwrap();
        store.append(s, 1, &[PaymentConfirmed], 2).unwrap();
        store
            .append(s, 2, &[OrderCancelled, RefundIssued], 3)
            .unwrap();
        let snap = store.load(s, true);
        let full = store.load(s, false);
        assert!(snap.from_snapshot && !full.from_snapshot);
        assert_eq!((snap.state, snap.version), (full.state, full.version));
        assert_eq!(snap.state, OrderState::Cancelled);
        assert_eq!((snap.events_read, full.events_read), (0, 4));
    }
}
