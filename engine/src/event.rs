//! The event queue: a binary heap ordered by (virtual time, insertion sequence), so events
//! at the same instant run in the order they were scheduled and every run is reproducible.
//!
//! Timers set a constant delay ahead (client timeouts, lock timeouts) arrive in time
//! order, so they go to FIFO lanes instead of the heap: tens of thousands of pending
//! timeouts then cost a `VecDeque` push, not a deep heap sift. Pops compare the heads of
//! the heap and the lanes by the same (time, seq) key, so the order is unchanged.

use crate::time::Nanos;
use std::cmp::Ordering;
use std::collections::{BinaryHeap, VecDeque};

struct Entry<E> {
    time: Nanos,
    seq: u64,
    event: E,
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        self.time == other.time && self.seq == other.seq
    }
}
impl<E> Eq for Entry<E> {}
impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for Entry<E> {
    // Reversed: BinaryHeap is a max-heap and we want the earliest (time, seq) on top.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.time, other.seq).cmp(&(self.time, self.seq))
    }
}

/// Number of FIFO lanes for constant-delay timers.
pub const LANES: usize = 2;

/// Pending events of one model.
pub struct EventQueue<E> {
    heap: BinaryHeap<Entry<E>>,
    lanes: [VecDeque<Entry<E>>; LANES],
    next_seq: u64,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self {
            heap: BinaryHeap::new(),
            lanes: std::array::from_fn(|_| VecDeque::new()),
            next_seq: 0,
        }
    }
}

impl<E> EventQueue<E> {
    #[inline]
    pub fn schedule(&mut self, time: Nanos, event: E) {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.heap.push(Entry { time, seq, event });
    }

    /// Schedules a timer on `lane`; callers use one lane per constant delay, so times
    /// arrive in order. An out-of-order time still goes to the heap: never wrong, only
    /// slower.
    #[inline]
    pub fn schedule_timer(&mut self, lane: usize, time: Nanos, event: E) {
        let seq = self.next_seq;
        let Some(q) = self.lanes.get_mut(lane) else {
            self.schedule(time, event);
            return;
        };
        if q.back().is_some_and(|b| b.time > time) {
            self.schedule(time, event);
            return;
        }
        self.next_seq += 1;
        q.push_back(Entry { time, seq, event });
    }

    /// Where the earliest event is: `None` = the heap, `Some(i)` = lane i.
    #[inline(always)]
    fn earliest(&self) -> Option<(Option<usize>, Nanos)> {
        let mut best = self.heap.peek().map(|e| (None, e.time, e.seq));
        for (i, q) in self.lanes.iter().enumerate() {
            if let Some(e) = q.front() {
                if best.is_none_or(|(_, t, s)| (e.time, e.seq) < (t, s)) {
                    best = Some((Some(i), e.time, e.seq));
                }
            }
        }
        best.map(|(src, t, _)| (src, t))
    }

    #[inline]
    pub fn peek_time(&self) -> Option<Nanos> {
        self.earliest().map(|(_, t)| t)
    }

    /// The earliest event if it is due at or before `last`.
    #[inline(always)]
    pub fn pop_through(&mut self, last: Nanos) -> Option<(Nanos, E)> {
        let (src, time) = self.earliest()?;
        if time > last {
            return None;
        }
        let entry = match src {
            None => self.heap.pop(),
            Some(i) => self.lanes[i].pop_front(),
        }?;
        Some((entry.time, entry.event))
    }

    #[inline(always)]
    pub fn pop(&mut self) -> Option<(Nanos, E)> {
        let entry = match self.earliest()?.0 {
            None => self.heap.pop(),
            Some(i) => self.lanes[i].pop_front(),
        }?;
        Some((entry.time, entry.event))
    }

    pub fn len(&self) -> usize {
        self.heap.len() + self.lanes.iter().map(VecDeque::len).sum::<usize>()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ties_break_by_insertion_order() {
        let mut q = EventQueue::default();
        q.schedule(10, 'b');
        q.schedule(5, 'a');
        q.schedule(10, 'c');
        q.schedule(10, 'd');
        let order: Vec<char> = std::iter::from_fn(|| q.pop().map(|(_, e)| e)).collect();
        assert_eq!(order, vec!['a', 'b', 'c', 'd']);
    }

    #[test]
    fn timer_lanes_keep_the_same_order_as_the_heap() {
        let mut q = EventQueue::default();
        q.schedule(10, 'a');
        q.schedule_timer(0, 10, 'b');
        q.schedule_timer(0, 5, 'x'); // out of order: goes to the heap
        q.schedule(10, 'c');
        q.schedule_timer(1, 7, 'y');
        q.schedule_timer(0, 20, 'd');
        let order: Vec<char> = std::iter::from_fn(|| q.pop().map(|(_, e)| e)).collect();
        assert_eq!(order, vec!['x', 'y', 'a', 'b', 'c', 'd']);
        assert!(q.is_empty());
    }
}
