//! What the lab's event-sourcing views draw (the event stream, an order's history step
//! by step, the projections' checkpoints), the engine's answer to `Ask::EventStore`:
//! read from an orders run through its own accessors (`engine::systems::orders::view`)
//! and copied into owned values for the wire. A run of another system has no event
//! store: the answer is `None`. Everything here is bounded (the newest events, one
//! order's few).

use engine::systems::orders::view::{EventRow, OrderHistory, ProjectionRow, TAIL_MAX};
use engine::systems::orders::OrdersModel;
use engine::Lab;

/// One stored event.
#[derive(Debug, Clone, PartialEq)]
pub struct EventW {
    pub position: u64,
    pub order: u32,
    pub version: u32,
    pub kind: String,
    pub t_ns: u64,
}

/// The newest events (of one order, when filtered), newest first.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TailW {
    /// The order the tail is filtered by.
    pub filter: Option<u32>,
    /// Events that pass the filter, of which `events` are the newest.
    pub matching: u64,
    pub events: Vec<EventW>,
}

/// One version of an order: its event and the state the aggregate is in after it.
#[derive(Debug, Clone, PartialEq)]
pub struct StepW {
    pub event: EventW,
    pub state: String,
}

/// An order's stream folded event by event, and its snapshot.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryW {
    pub order: u32,
    pub amount_cents: u32,
    pub version: u32,
    pub steps: Vec<StepW>,
    /// The latest snapshot: its version and the state it holds.
    pub snapshot: Option<(u32, String)>,
}

/// A projection's checkpoint against the head, and its rebuild if one is under way.
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectionW {
    pub name: String,
    pub checkpoint: u64,
    pub lag_events: u64,
    pub lag_seconds: f64,
    pub rebuild: Option<RebuildW>,
}

/// A rebuild under way: since when, the head it must reach, and (beside the live
/// model, `shadow-rebuild`) the new model's checkpoint.
#[derive(Debug, Clone, PartialEq)]
pub struct RebuildW {
    pub started_ns: u64,
    pub target: u64,
    pub beside: Option<u64>,
}

/// What the event-sourcing views show of the run now.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EventStoreW {
    pub t_ns: u64,
    /// Events in the log.
    pub head: u64,
    /// Orders opened: their ids are `0..orders`.
    pub orders: u32,
    pub tail: Option<TailW>,
    /// The order asked about, if it exists.
    pub history: Option<HistoryW>,
    pub projections: Vec<ProjectionW>,
}

impl EventW {
    fn of(e: &EventRow) -> EventW {
        EventW {
            position: e.position,
            order: e.order,
            version: e.version,
            kind: e.kind.as_str().to_string(),
            t_ns: e.t_ns,
        }
    }
}

impl HistoryW {
    fn of(h: &OrderHistory) -> HistoryW {
        HistoryW {
            order: h.order,
            amount_cents: h.amount_cents,
            version: h.version,
            steps: h
                .steps
                .iter()
                .map(|s| StepW {
                    event: EventW::of(&s.event),
                    state: s.state.as_str().to_string(),
                })
                .collect(),
            snapshot: h
                .snapshot
                .map(|s| (s.version, s.state.as_str().to_string())),
        }
    }
}

impl ProjectionW {
    fn of(p: &ProjectionRow) -> ProjectionW {
        ProjectionW {
            name: p.kind.as_str().to_string(),
            checkpoint: p.checkpoint,
            lag_events: p.lag_events,
            lag_seconds: p.lag_seconds,
            rebuild: p.rebuild.map(|r| RebuildW {
                started_ns: r.started_ns,
                target: r.target,
                beside: r.beside,
            }),
        }
    }
}

/// The answer to `Ask::EventStore`: the tail (of order `filter`) if `tail`, order
/// `order`'s history, the projections if `projections`; `None` when the run has no
/// event store.
pub fn read(
    lab: &Lab,
    tail: bool,
    filter: Option<u32>,
    order: Option<u32>,
    projections: bool,
) -> Option<EventStoreW> {
    let m = lab.model_as::<OrdersModel>()?;
    let now = lab.now_ns();
    let whole = m.tail(None, 0);
    Some(EventStoreW {
        t_ns: now,
        head: whole.head,
        orders: m.orders(),
        tail: tail.then(|| {
            let t = m.tail(filter, TAIL_MAX);
            TailW {
                filter,
                matching: t.matching,
                events: t.events.iter().map(EventW::of).collect(),
            }
        }),
        history: order.and_then(|o| m.history(o)).map(|h| HistoryW::of(&h)),
        projections: if projections {
            m.projection_rows(now).iter().map(ProjectionW::of).collect()
        } else {
            Vec::new()
        },
    })
}

engine::codec_struct!(EventW {
    position,
    order,
    version,
    kind,
    t_ns
});
engine::codec_struct!(TailW {
    filter,
    matching,
    events
});
engine::codec_struct!(StepW { event, state });
engine::codec_struct!(HistoryW {
    order,
    amount_cents,
    version,
    steps,
    snapshot
});
engine::codec_struct!(ProjectionW {
    name,
    checkpoint,
    lag_events,
    lag_seconds,
    rebuild
});
engine::codec_struct!(RebuildW {
    started_ns,
    target,
    beside
});
engine::codec_struct!(EventStoreW {
    t_ns,
    head,
    orders,
    tail,
    history,
    projections
});
