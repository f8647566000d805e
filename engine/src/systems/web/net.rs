//! A network link with a bandwidth: the uplink every response crosses on its way from
//! the service to the clients. Responses are sent one after another (FIFO) at the link's
//! rate, so a response waits for the bytes ahead of it and then takes `bytes / rate` to
//! transmit: response time grows with size, and with the queue when the link saturates.
//! A rate of 0 means the link is never the bottleneck (nothing is modelled).

use crate::time::{Nanos, NS_PER_SEC};
use std::collections::VecDeque;

#[derive(Debug, Default)]
pub struct Link {
    /// The link's own rate in bytes per second; 0 = unlimited.
    pub bytes_per_s: f64,
    /// When the last queued response finishes transmitting.
    free_at: Nanos,
    /// Finish times of the responses queued or in transmission (ascending: FIFO).
    in_flight: VecDeque<Nanos>,
    /// Bytes sent, and ∫ busy dt (ns), for throughput and utilisation.
    pub bytes_sent: f64,
    pub busy_ns: Nanos,
}

/// One transmission: when its first byte goes out and when its last byte has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sending {
    pub start: Nanos,
    pub done: Nanos,
}

impl Link {
    pub fn new(bytes_per_s: f64) -> Link {
        Link {
            bytes_per_s: bytes_per_s.max(0.0),
            ..Link::default()
        }
    }

    /// The rate this response gets: the link's own, or `cap` (a scenario's throttle)
    /// where that is lower; `None` when neither limits it.
    pub fn rate(&self, cap: f64) -> Option<f64> {
        match (self.bytes_per_s > 0.0, cap > 0.0) {
            (true, true) => Some(self.bytes_per_s.min(cap)),
            (true, false) => Some(self.bytes_per_s),
            (false, true) => Some(cap),
            (false, false) => None,
        }
    }

    /// Queues `bytes` at `rate` bytes/s behind what the link is already sending.
    pub fn send(&mut self, now: Nanos, bytes: f64, rate: f64) -> Sending {
        self.forget(now);
        let start = self.free_at.max(now);
        let secs = bytes.max(0.0) / rate.max(1e-9);
        let took = (secs * NS_PER_SEC as f64).min(1e15) as Nanos;
        let done = start.saturating_add(took);
        self.free_at = done;
        self.in_flight.push_back(done);
        self.bytes_sent += bytes.max(0.0);
        self.busy_ns = self.busy_ns.saturating_add(took);
        Sending { start, done }
    }

    /// Responses queued or being sent at `now`.
    pub fn depth(&mut self, now: Nanos) -> usize {
        self.forget(now);
        self.in_flight.len()
    }

    fn forget(&mut self, now: Nanos) {
        while self.in_flight.front().is_some_and(|&d| d <= now) {
            self.in_flight.pop_front();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn responses_queue_behind_each_other_and_take_size_over_rate() {
        let mut link = Link::new(1_000_000.0); // 1 MB/s
        let a = link.send(0, 100_000.0, 1_000_000.0);
        assert_eq!(
            a,
            Sending {
                start: 0,
                done: 100_000_000
            }
        );
        let b = link.send(50_000_000, 10_000.0, 1_000_000.0);
        assert_eq!(b.start, 100_000_000, "waits for the bytes ahead of it");
        assert_eq!(b.done, 110_000_000);
        assert_eq!(link.depth(60_000_000), 2);
        assert_eq!(link.depth(105_000_000), 1);
        assert_eq!(link.depth(200_000_000), 0);
        let c = link.send(200_000_000, 1000.0, 1_000_000.0);
        assert_eq!(c.start, 200_000_000, "an idle link sends at once");
    }

    #[test]
    fn the_lower_of_link_rate_and_cap_applies() {
        assert_eq!(Link::new(0.0).rate(0.0), None);
        assert_eq!(Link::new(0.0).rate(5.0), Some(5.0));
        assert_eq!(Link::new(3.0).rate(5.0), Some(3.0));
        assert_eq!(Link::new(8.0).rate(0.0), Some(8.0));
    }
}
