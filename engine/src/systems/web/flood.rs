//! A misbehaving client of the web system: one API key sending an extra open-loop stream
//! of `GET /product` into the load balancer — a scraper walking the catalogue (keys
//! uniform over the key space, so most miss the cache), a buggy integration in a tight
//! loop. It never slows down and never retries; it does not wait for answers.
//!
//! A scenario switches it on through `LoadBalancerEffect::flood_rps` at the
//! load-balancer hop `FLOOD_HOP`, which the system strikes once per metrics sample (so a
//! flood starts or changes rate within a second of its scenario). The flooder is client
//! id `clients`, one past the regular clients, so a per-client rate limiter
//! (`rate-limiter`) gives it a bucket of its own.
//!
//! Its calls are counted apart: `client_requests_total` and
//! `client_request_duration_seconds` stay what the regular clients (the users) see. From
//! the first flood on, `client_class_requests_total{client,outcome}` and
//! `client_class_request_duration_seconds{client}` show the flooder (`client="flooder"`)
//! beside everyone else (`client="others"`), and `rate_limited_total{client}` says whom
//! the limiter refuses. On the server the flood is ordinary traffic: it is in
//! `http_requests_total` and the golden signals.
//!
//! This file is the flood's state; its calls enter the request path in `front.rs`.

use super::metrics::{CLIENT_CLASS_DURATION, CLIENT_CLASS_REQUESTS};
use crate::metrics::{CounterId, HistogramId, Registry};
use crate::rng::Xoshiro256PlusPlus as Rng;
use crate::systems::Core;
use crate::time::{secs_to_ns, Nanos};

/// Client classes as metric labels, indexed by `usize::from(is_flooder)`; a scenario
/// may name the stream otherwise (`LoadBalancerEffect::flood_client`).
pub(super) const CLASSES: [&str; 2] = ["others", "flooder"];
const OUTCOMES: [&str; 3] = ["success", "error", "timeout"];

struct ClassIds {
    outcomes: [[CounterId; 3]; 2],
    duration: [HistogramId; 2],
}

pub(super) struct Flood {
    /// The flood's current rate (0 = none), as the scenarios last said.
    rate: f64,
    /// An arrival of the flood is scheduled.
    running: bool,
    rng: Rng,
    ids: Option<ClassIds>,
    /// The labels of the two classes: the first stream's name stays for the run.
    pub(super) labels: [&'static str; 2],
}

impl Flood {
    pub(super) fn new(rng: Rng) -> Flood {
        Flood {
            rate: 0.0,
            running: false,
            rng,
            ids: None,
            labels: CLASSES,
        }
    }

    fn register(m: &mut Registry, labels: [&'static str; 2]) -> ClassIds {
        ClassIds {
            outcomes: labels.map(|c| OUTCOMES.map(|o| m.counter(&CLIENT_CLASS_REQUESTS, &[c, o]))),
            duration: labels.map(|c| m.histogram(&CLIENT_CLASS_DURATION, &[c])),
        }
    }

    /// The scenarios say the flood runs at `rate` calls a second now (0 = none). Returns
    /// when its first arrival is due when this starts its stream.
    pub(super) fn set_rate(
        &mut self,
        core: &mut Core,
        rate: f64,
        name: Option<&'static str>,
    ) -> Option<Nanos> {
        self.rate = if rate.is_finite() { rate.max(0.0) } else { 0.0 };
        if self.rate > 0.0 {
            if self.ids.is_none() {
                if let Some(name) = name {
                    self.labels[1] = name;
                }
                self.ids = Some(Flood::register(&mut core.metrics, self.labels));
            }
            if !self.running {
                self.running = true;
                return Some(self.next_arrival(core.now));
            }
        }
        None
    }

    fn next_arrival(&mut self, now: Nanos) -> Nanos {
        let gap = crate::dist::standard_exponential(&mut self.rng) / self.rate;
        now + secs_to_ns(gap).max(1)
    }

    /// An arrival of the flood is due: when the next one is and which of `keys` products
    /// this call asks for, or None when the flood has stopped (its stream ends here).
    pub(super) fn arrival(&mut self, now: Nanos, keys: usize) -> Option<(Nanos, u32)> {
        if self.rate <= 0.0 {
            self.running = false;
            return None;
        }
        let next = self.next_arrival(now);
        let key = self.rng.below(keys.max(1) as u64) as u32;
        Some((next, key))
    }

    /// A call ended, the flooder's or not: counts it in its class once a flood has
    /// started.
    pub(super) fn count(
        &self,
        core: &mut Core,
        flooder: bool,
        ok: bool,
        timed_out: bool,
        seconds: f64,
    ) {
        let Some(ids) = &self.ids else {
            return;
        };
        let class = usize::from(flooder);
        let outcome = match (ok, timed_out) {
            (true, _) => 0,
            (false, false) => 1,
            (false, true) => 2,
        };
        core.metrics.inc(ids.outcomes[class][outcome]);
        core.metrics.observe(ids.duration[class], seconds);
    }
}
