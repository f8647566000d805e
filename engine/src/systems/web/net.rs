//! A network link with a bandwidth: the uplink every response crosses on its way from
//! the service to the clients. Responses are sent one after another (FIFO) at the link's
//! rate, so a response waits for the bytes ahead of it and then takes `bytes / rate` to
//! transmit: response time grows with size, and with the queue when the link saturates.
//! A rate of 0 means the link is never the bottleneck (nothing is modelled).

use super::metrics::{
    LINK_BYTES, LINK_QUEUE_DEPTH, LINK_TRANSMIT, LINK_UTILIZATION, PARTIAL_RESPONSES,
};
use super::request::{api_name, Req, ENDPOINTS, UPLINK};
use crate::metrics::{CounterId, GaugeId, HistogramId};
use crate::observe::{Level, LogRecord};
use crate::params::ParamSet;
use crate::scenario::Effect;
use crate::systems::Core;
use crate::time::{ns_to_secs, Nanos, NS_PER_SEC};
use std::collections::VecDeque;

/// The part: the uplink to the clients, the size of each endpoint's response, and the
/// metrics of responses sent on it (registered when the uplink first limits one) or cut
/// off part-way (registered at the first).
pub(super) struct Uplink {
    link: Link,
    busy_at_sample: Nanos,
    /// Bytes of a response, by endpoint.
    response_bytes: [f64; 2],
    ids: Option<UplinkIds>,
    partial: [Option<CounterId>; 2],
}

#[derive(Debug, Clone, Copy)]
struct UplinkIds {
    depth: GaugeId,
    bytes: CounterId,
    utilization: GaugeId,
    /// By endpoint.
    transmit: [HistogramId; 2],
}

/// What became of a response handed to the uplink.
pub(super) struct Sent {
    /// The connection dropped part-way through the body.
    pub truncated: bool,
    /// When its last byte is out, if the link limits it and that is later than now.
    pub done: Option<Nanos>,
}

impl Uplink {
    pub fn new(p: &ParamSet) -> Uplink {
        Uplink {
            link: Link::new(p.f64("uplink_mbps") * 1e6 / 8.0),
            busy_at_sample: 0,
            response_bytes: [
                p.f64("product_response_kb") * 1024.0,
                p.f64("order_response_kb") * 1024.0,
            ],
            ids: None,
            partial: [None, None],
        }
    }

    /// Sends request `r`'s successful response, as the scenarios striking the network
    /// hop have it (`effect`: a throttled link, a dropped connection).
    pub fn send(&mut self, core: &mut Core, r: &Req, effect: &Effect) -> Sent {
        let e = r.endpoint as usize;
        let net = effect.network();
        if net.truncated {
            let c = *self.partial[e]
                .get_or_insert_with(|| core.metrics.counter(&PARTIAL_RESPONSES, &[ENDPOINTS[e]]));
            core.metrics.inc(c);
            if core.logs.admits(core.now) {
                core.logs.push(LogRecord {
                    t_ns: core.now,
                    level: Level::Error,
                    service: "lb",
                    message: "upstream prematurely closed connection while sending response",
                    fields: vec![
                        ("endpoint", ENDPOINTS[e].into()),
                        ("instance", api_name(r.instance)),
                        ("upstream_status", "200".into()),
                    ],
                    trace_id: Some(r.seq),
                });
            }
        }
        let truncated = net.truncated;
        let Some(rate) = self.link.rate(net.link_bytes_per_s) else {
            return Sent {
                truncated,
                done: None,
            };
        };
        let bytes = net
            .response_bytes
            .map_or(self.response_bytes[e], |b| b as f64);
        let sending = self.link.send(core.now, bytes, rate);
        let ids = *self.ids.get_or_insert_with(|| {
            let m = &mut core.metrics;
            UplinkIds {
                depth: m.gauge(&LINK_QUEUE_DEPTH, &[UPLINK]),
                bytes: m.counter(&LINK_BYTES, &[UPLINK]),
                utilization: m.gauge(&LINK_UTILIZATION, &[UPLINK]),
                transmit: [
                    m.histogram(&LINK_TRANSMIT, &[UPLINK, ENDPOINTS[0]]),
                    m.histogram(&LINK_TRANSMIT, &[UPLINK, ENDPOINTS[1]]),
                ],
            }
        });
        core.metrics.add(ids.bytes, bytes);
        core.metrics
            .observe(ids.transmit[e], ns_to_secs(sending.done - core.now));
        Sent {
            truncated,
            done: Some(sending.done),
        }
    }

    /// The uplink's gauges, once per sample (once it has limited a response).
    pub fn sample(&mut self, core: &mut Core) {
        if let Some(ids) = self.ids {
            let busy = self.link.busy_ns - self.busy_at_sample;
            self.busy_at_sample = self.link.busy_ns;
            core.metrics
                .set(ids.depth, self.link.depth(core.now) as f64);
            core.metrics.set(
                ids.utilization,
                (busy as f64 / NS_PER_SEC as f64).clamp(0.0, 1.0),
            );
        }
    }
}

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
