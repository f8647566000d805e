//! The inventory's products: event-sourced aggregates with long streams. Every stock
//! reservation and release is an event on its product, so a product that has sold for
//! a year has tens of thousands of them (`product_history_events` before the run
//! starts), and loading one without a snapshot means replaying them all. A snapshot is
//! written every `snapshot_every` events of a product (the system's one setting).
//!
//! A snapshot can be stored damaged (`SnapshotFault`): unreadable (the reader notices
//! and replays the whole stream) or garbled (it parses, to the wrong stock level, and
//! is used unless a checksum catches it). With checksums on (`snapshot-checksums`) every
//! damaged snapshot is refused; the load falls back to the previous snapshot, kept for
//! that (a bounded replay: at most two intervals of events), and the snapshot is
//! written again straight after, so the next load is cheap.
//!
//! Only counts are kept (no event bodies): what a load costs depends only on how many
//! events it reads.

use crate::scenario::SnapshotFault;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProductSnapshot {
    pub version: u32,
    pub fault: Option<SnapshotFault>,
}

#[derive(Debug, Clone, Default)]
pub struct Product {
    /// Events in its stream (its version).
    pub events: u32,
    pub snapshot: Option<ProductSnapshot>,
    /// The snapshot before the latest (kept for a bounded fallback).
    pub previous: Option<ProductSnapshot>,
}

/// Why a snapshot was not used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoadFailure {
    /// It did not parse.
    Unreadable,
    /// Its checksum did not match its contents.
    Checksum,
}

impl LoadFailure {
    pub fn as_str(self) -> &'static str {
        match self {
            LoadFailure::Unreadable => "unreadable",
            LoadFailure::Checksum => "checksum",
        }
    }
}

/// How a product was loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProductLoad {
    /// Events read and applied after the snapshot used (all of them on a full replay).
    pub events_read: u32,
    /// Events a load from an intact latest snapshot reads (what it costs when healthy).
    pub healthy_read: u32,
    pub from_snapshot: bool,
    /// The latest snapshot was refused, and why.
    pub failure: Option<LoadFailure>,
    /// A garbled snapshot was used as if it were right (no checksum).
    pub used_garbled: bool,
}

#[derive(Debug, Clone, Default)]
pub struct Inventory {
    products: Vec<Product>,
    snapshot_every: u32,
}

impl Inventory {
    /// `products` products, each with `history` events already and intact snapshots.
    pub fn new(products: u32, history: u32, snapshot_every: u32) -> Inventory {
        let snap = |version: u32| {
            (snapshot_every > 0 && version > 0).then_some(ProductSnapshot {
                version,
                fault: None,
            })
        };
        let latest = if snapshot_every > 0 {
            history - history % snapshot_every
        } else {
            0
        };
        let product = Product {
            events: history,
            snapshot: snap(latest),
            previous: snap(latest.saturating_sub(snapshot_every)),
        };
        Inventory {
            products: vec![product; products.max(1) as usize],
            snapshot_every,
        }
    }

    pub fn len(&self) -> u32 {
        self.products.len() as u32
    }

    pub fn is_empty(&self) -> bool {
        self.products.is_empty()
    }

    pub fn product(&self, i: u32) -> Option<&Product> {
        self.products.get(i as usize)
    }

    /// Loads product `i`: from its latest snapshot if it can be used, else (with
    /// `checksums`) from the previous one and the events after it, else by replaying
    /// the whole stream. With `checksums`, a refused snapshot is written again at the
    /// version just loaded.
    pub fn load(&mut self, i: u32, checksums: bool) -> ProductLoad {
        let Some(p) = self.products.get_mut(i as usize) else {
            return ProductLoad {
                events_read: 0,
                healthy_read: 0,
                from_snapshot: false,
                failure: None,
                used_garbled: false,
            };
        };
        let healthy_read = p.snapshot.map_or(p.events, |s| p.events - s.version);
        let intact = |s: Option<ProductSnapshot>| s.filter(|s| s.fault.is_none());
        let (used, failure, used_garbled) = match p.snapshot {
            None => (None, None, false),
            Some(s) => match s.fault {
                None => (Some(s), None, false),
                Some(SnapshotFault::Unreadable) => (None, Some(LoadFailure::Unreadable), false),
                Some(SnapshotFault::Garbled) if checksums => {
                    (None, Some(LoadFailure::Checksum), false)
                }
                Some(SnapshotFault::Garbled) => (Some(s), None, true),
            },
        };
        let used = match (used, failure) {
            (Some(s), _) => Some(s),
            (None, Some(_)) if checksums => intact(p.previous),
            _ => None,
        };
        if failure.is_some() && checksums {
            p.snapshot = Some(ProductSnapshot {
                version: p.events,
                fault: None,
            });
        }
        ProductLoad {
            events_read: used.map_or(p.events, |s| p.events - s.version),
            healthy_read,
            from_snapshot: used.is_some(),
            failure,
            used_garbled,
        }
    }

    /// Whether the next event of product `i` takes a snapshot.
    pub fn snapshot_due(&self, i: u32) -> bool {
        self.snapshot_every > 0
            && self
                .products
                .get(i as usize)
                .is_some_and(|p| (p.events + 1) % self.snapshot_every == 0)
    }

    /// Appends one event to product `i` (a reservation or a release); a snapshot due
    /// is written, damaged as `fault` says. Returns whether a snapshot was written.
    pub fn append(&mut self, i: u32, fault: Option<SnapshotFault>) -> bool {
        let due = self.snapshot_due(i);
        let Some(p) = self.products.get_mut(i as usize) else {
            return false;
        };
        p.events += 1;
        if due {
            if p.snapshot.is_some_and(|s| s.fault.is_none()) {
                p.previous = p.snapshot;
            }
            p.snapshot = Some(ProductSnapshot {
                version: p.events,
                fault,
            });
        }
        due
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_intact_snapshot_bounds_the_load_and_a_damaged_one_costs_a_replay() {
        let mut inv = Inventory::new(1, 1_000, 20);
        let ok = inv.load(0, false);
        assert_eq!((ok.events_read, ok.from_snapshot), (0, true));
        // 19 more events, the 20th takes an unreadable snapshot.
        for _ in 0..19 {
            assert!(!inv.append(0, None));
        }
        assert!(inv.append(0, Some(SnapshotFault::Unreadable)));
        let bad = inv.load(0, false);
        assert_eq!(bad.failure, Some(LoadFailure::Unreadable));
        assert_eq!((bad.events_read, bad.from_snapshot), (1_020, false));
        assert_eq!(bad.healthy_read, 0);
        // Still damaged: every load pays the replay.
        assert_eq!(inv.load(0, false).events_read, 1_020);
    }

    #[test]
    fn checksums_refuse_a_garbled_snapshot_fall_back_to_the_previous_and_rewrite_it() {
        let mut plain = Inventory::new(1, 40, 20);
        for _ in 0..20 {
            plain.append(0, Some(SnapshotFault::Garbled));
        }
        let used = plain.load(0, false);
        assert!(used.used_garbled && used.from_snapshot && used.failure.is_none());

        let mut checked = Inventory::new(1, 40, 20);
        for _ in 0..20 {
            checked.append(0, Some(SnapshotFault::Garbled));
        }
        let first = checked.load(0, true);
        assert_eq!(first.failure, Some(LoadFailure::Checksum));
        assert!(!first.used_garbled && first.from_snapshot);
        // The previous snapshot was at 40: 20 events after it.
        assert_eq!(first.events_read, 20);
        // Rewritten: the next load reads nothing after it.
        let next = checked.load(0, true);
        assert_eq!((next.failure, next.events_read), (None, 0));
    }

    #[test]
    fn no_snapshots_means_every_load_replays() {
        let mut inv = Inventory::new(3, 500, 0);
        inv.append(2, None);
        assert_eq!(inv.load(2, true).events_read, 501);
        assert_eq!(inv.load(9, true).events_read, 0);
    }
}
