//! A misbehaving client of the web system: one API key sending an extra open-loop stream
//! of `GET /product` into the load balancer — a scraper walking the catalogue (keys
//! uniform over the key space, so most miss the cache), a buggy integration in a tight
//! loop. It never slows down and never retries; it does not wait for answers.
//!
//! A scenario switches it on through `Effect::flood_rps` at the load-balancer hop
//! `FLOOD_HOP`, which the system strikes once per metrics sample (so a flood starts or
//! changes rate within a second of its scenario). The flooder is client id `clients`, one
//! past the regular clients, so a per-client rate limiter (`rate-limiter`) gives it a
//! bucket of its own.
//!
//! Its calls are counted apart: `client_requests_total` and
//! `client_request_duration_seconds` stay what the regular clients (the users) see. From
//! the first flood on, `client_class_requests_total{client,outcome}` and
//! `client_class_request_duration_seconds{client}` show the flooder (`client="flooder"`)
//! beside everyone else (`client="others"`), and `rate_limited_total{client}` says whom
//! the limiter refuses. On the server the flood is ordinary traffic: it is in
//! `http_requests_total` and the golden signals.

use super::metrics::{CLIENT_CLASS_DURATION, CLIENT_CLASS_REQUESTS};
use super::request::{Call, Ev, NONE};
use super::WebModel;
use crate::metrics::{CounterId, HistogramId, Registry};
use crate::rng::Xoshiro256PlusPlus as Rng;
use crate::scenario::{Component, Hop, FLOOD_HOP};
use crate::systems::Core;
use crate::time::{secs_to_ns, Nanos};

/// Client classes as metric labels, indexed by `usize::from(is_flooder)`.
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
}

impl Flood {
    pub(super) fn new(rng: Rng) -> Flood {
        Flood {
            rate: 0.0,
            running: false,
            rng,
            ids: None,
        }
    }

    fn register(m: &mut Registry) -> ClassIds {
        ClassIds {
            outcomes: CLASSES.map(|c| OUTCOMES.map(|o| m.counter(&CLIENT_CLASS_REQUESTS, &[c, o]))),
            duration: CLASSES.map(|c| m.histogram(&CLIENT_CLASS_DURATION, &[c])),
        }
    }
}

impl WebModel {
    /// Whether `client` is the flooder.
    #[inline]
    pub(super) fn is_flooder(&self, client: u32) -> bool {
        u64::from(client) == self.clients.count
    }

    /// Once per sample: asks the scenarios whether a client floods, and starts its stream.
    pub(super) fn flood_tick(&mut self, core: &mut Core) {
        let hop = Hop::new(Component::LoadBalancer, 0, FLOOD_HOP);
        let rate = self.strike(core, hop, 0).flood_rps;
        self.flood.rate = if rate.is_finite() { rate.max(0.0) } else { 0.0 };
        if self.flood.rate > 0.0 {
            if self.flood.ids.is_none() {
                self.flood.ids = Some(Flood::register(&mut core.metrics));
            }
            if !self.flood.running {
                self.flood.running = true;
                let next = self.next_flood_arrival(core.now);
                self.events.schedule(next, Ev::FloodArrival);
            }
        }
    }

    fn next_flood_arrival(&mut self, now: Nanos) -> Nanos {
        let gap = crate::dist::standard_exponential(&mut self.flood.rng) / self.flood.rate;
        now + secs_to_ns(gap).max(1)
    }

    /// The flooder sends a call, and the next one while the flood lasts.
    pub(super) fn flood_arrival(&mut self, core: &mut Core) {
        if self.flood.rate <= 0.0 {
            self.flood.running = false;
            return;
        }
        let next = self.next_flood_arrival(core.now);
        self.events.schedule(next, Ev::FloodArrival);
        let key = self.flood.rng.below(self.rows.versions.len().max(1) as u64) as u32;
        let call = Call {
            client: self.clients.count as u32,
            generation: 0,
            user: NONE,
            endpoint: 0,
            key,
            start: core.now,
            attempt: 0,
            max_attempts: 1,
            done: false,
            back_ns: 0,
        };
        let id = self.new_call_slot(call);
        self.send(core, id);
    }

    /// A call of `client` ended: counts it in its class, once a flood has started.
    pub(super) fn count_class(
        &self,
        core: &mut Core,
        client: u32,
        ok: bool,
        timed_out: bool,
        seconds: f64,
    ) {
        let Some(ids) = &self.flood.ids else {
            return;
        };
        let class = usize::from(self.is_flooder(client));
        let outcome = match (ok, timed_out) {
            (true, _) => 0,
            (false, false) => 1,
            (false, true) => 2,
        };
        core.metrics.inc(ids.outcomes[class][outcome]);
        core.metrics.observe(ids.duration[class], seconds);
    }
}
