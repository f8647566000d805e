//! The mobile system's model: devices, their calls over their links, the API's workers,
//! the records and their versions, offline queues, radio energy.

use super::spec::{
    Profile, BATTERY, CLIENT_DURATION, CLIENT_REQUESTS, CLIENT_RTT, COMPONENTS, DUPLICATES,
    ENDPOINTS, KILLS, NETWORKS, ONLINE, OUTCOMES, PROFILES, QUEUE, RESOLUTIONS, SERVICE,
    SYNC_CONFLICTS, TICK_HOP, TICK_NS,
};
use crate::dist::Dist;
use crate::metrics::{CounterId, GaugeId, HistogramId};
use crate::observe::{Level, LogRecord};
use crate::params::ParamSet;
use crate::rng::Xoshiro256PlusPlus as Rng;
use crate::scenario::{Component, DeviceEffect, Hop};
use crate::systems::{common, Core, Model, UtilizationMeter};
use crate::time::{ms_to_ns, ns_to_secs, secs_to_ns, Nanos};
use std::collections::VecDeque;

#[derive(Debug, Clone, Copy)]
enum Ev {
    Tick,
    Action(u32),
    /// A poll of device `.0`; stale unless `.1` is the device's `next_poll`.
    Poll(u32, Nanos),
    ServerArrive(u32),
    ServerDone(u32),
    /// The answer reaches the client.
    Answer(u32),
    /// The client's timeout.
    Timeout(u32),
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Read,
    Write,
    Poll,
}

/// An edit: its record, the version it was based on, its id (retries keep it).
#[derive(Debug, Clone, Copy)]
struct Write {
    record: u32,
    base: u64,
    id: u32,
}

#[derive(Debug, Clone, Copy)]
struct Call {
    dev: u32,
    kind: Kind,
    record: u32,
    write: Option<Write>,
    attempt: u32,
    seq: u64,
    sent: Nanos,
    net: u8,
    half_rtt: Nanos,
    down_ns: Nanos,
    lost_down: bool,
    server_arrival: Nanos,
    status: u16,
    client_done: bool,
    /// Events still to come for this call (it is freed at 0).
    pending: u8,
}

struct Device {
    own: u8,
    net: u8,
    cond: DeviceEffect,
    online: bool,
    offline_until: Nanos,
    queue: Vec<Write>,
    /// When its last poll brought every record's version.
    synced_at: Nanos,
    /// Versions of records it read or wrote since, the most recent last (at most
    /// `SEEN_CAP`).
    seen: Vec<(u32, u64)>,
    in_flight: u32,
    /// When the radio's tail ends (idle after).
    radio_until: Nanos,
    /// Energy counted up to here.
    accrued_to: Nanos,
    poll_ns: Nanos,
    next_poll: Nanos,
}

struct Ids {
    http: [[CounterId; 2]; 3],
    server_duration: [HistogramId; 3],
    in_flight: GaugeId,
    depth: GaugeId,
    busy: GaugeId,
    utilization: GaugeId,
    rtt: [HistogramId; 4],
    duration: [HistogramId; 4],
    outcomes: [CounterId; 5],
    conflicts: [CounterId; 2],
    battery: [CounterId; 4],
    queue: GaugeId,
    online: GaugeId,
    duplicates: CounterId,
    kills: CounterId,
    lost_update: CounterId,
    duplicate_applied: CounterId,
    lost_write: CounterId,
}

/// Records a device remembers the version of between polls.
const SEEN_CAP: usize = 32;

const OK: usize = 0;
const TIMEOUT: usize = 1;
const ERROR: usize = 2;
const OFFLINE: usize = 3;
const QUEUED: usize = 4;

pub struct MobileModel {
    events: crate::event::EventQueue<Ev>,
    devices: Vec<Device>,
    calls: Vec<Call>,
    free: Vec<u32>,
    versions: Vec<u64>,
    /// When each record's versions were written (version k at `written[r][k - 1]`).
    written: Vec<Vec<Nanos>>,
    /// Writes the server has applied, by write id.
    applied: Vec<bool>,
    think_s: f64,
    write_share: f64,
    poll_ns: Nanos,
    bytes: [f64; 3],
    edit_bytes: f64,
    server: Dist,
    workers: usize,
    busy: usize,
    waiting: VecDeque<u32>,
    timeout_ns: Nanos,
    retries: u32,
    adaptive: bool,
    idempotent: bool,
    merge: bool,
    persist: bool,
    wifi_only: bool,
    user_rng: Rng,
    net_rng: Rng,
    work_rng: Rng,
    drop_rng: Rng,
    ids: Ids,
    meter: UtilizationMeter,
}

fn profile_index(p: &ParamSet, n: usize, i: usize) -> u8 {
    let shares = [
        p.f64("share_wifi"),
        p.f64("share_slow4g"),
        p.f64("share_3g"),
        p.f64("share_flaky"),
    ];
    let sum: f64 = shares.iter().sum();
    if sum <= 0.0 {
        return 0;
    }
    let x = (i as f64 + 0.5) / n as f64 * sum;
    let mut acc = 0.0;
    for (k, s) in shares.iter().enumerate() {
        acc += s;
        if x < acc {
            return k as u8;
        }
    }
    3
}

impl MobileModel {
    pub fn new(p: &ParamSet, core: &mut Core) -> Self {
        let m = &mut core.metrics;
        let ids = Ids {
            http: [0, 1, 2].map(|e| {
                [
                    m.counter(&common::HTTP_REQUESTS, &[SERVICE, ENDPOINTS[e], "200"]),
                    m.counter(&common::HTTP_REQUESTS, &[SERVICE, ENDPOINTS[e], "500"]),
                ]
            }),
            server_duration: [0, 1, 2]
                .map(|e| m.histogram(&common::HTTP_DURATION, &[SERVICE, ENDPOINTS[e]])),
            in_flight: m.gauge(&common::IN_FLIGHT, &[SERVICE]),
            depth: m.gauge(&common::QUEUE_DEPTH, &[SERVICE]),
            busy: m.gauge(&common::WORKERS_BUSY, &[SERVICE]),
            utilization: m.gauge(&common::UTILIZATION, &[SERVICE]),
            rtt: NETWORKS.map(|n| m.histogram(&CLIENT_RTT, &[n])),
            duration: NETWORKS.map(|n| m.histogram(&CLIENT_DURATION, &[n])),
            outcomes: OUTCOMES.map(|o| m.counter(&CLIENT_REQUESTS, &[o])),
            conflicts: RESOLUTIONS.map(|r| m.counter(&SYNC_CONFLICTS, &[r])),
            battery: NETWORKS.map(|n| m.counter(&BATTERY, &[n])),
            queue: m.gauge(&QUEUE, &[]),
            online: m.gauge(&ONLINE, &[]),
            duplicates: m.counter(&DUPLICATES, &[]),
            kills: m.counter(&KILLS, &[]),
            lost_update: m.counter(&common::DATA_ANOMALIES, &["lost_update"]),
            duplicate_applied: m.counter(&common::DATA_ANOMALIES, &["duplicate_applied"]),
            lost_write: m.counter(&common::DATA_ANOMALIES, &["lost_write"]),
        };
        let n = p.i64("devices").max(1) as usize;
        let records = p.i64("records").max(1) as usize;
        let poll_ns = secs_to_ns(p.f64("poll_s")).max(1);
        let kb = |name| p.f64(name) * 1000.0;
        let mut model = MobileModel {
            events: Default::default(),
            devices: Vec::with_capacity(n),
            calls: Vec::new(),
            free: Vec::new(),
            versions: vec![0; records],
            written: vec![Vec::new(); records],
            applied: Vec::new(),
            think_s: p.f64("think_s"),
            write_share: p.f64("write_share"),
            poll_ns,
            bytes: [kb("payload_kb"), 1000.0, kb("poll_kb")],
            edit_bytes: kb("edit_kb"),
            server: Dist::lognormal_mean_cv(p.f64("server_ms") / 1000.0, 0.5),
            workers: p.i64("server_workers").max(1) as usize,
            busy: 0,
            waiting: VecDeque::new(),
            timeout_ns: secs_to_ns(p.f64("timeout_s")).max(1),
            retries: p.i64("retries").max(0) as u32,
            adaptive: p.bool("adaptive_timeout"),
            idempotent: p.bool("idempotency_keys"),
            merge: p.choice("resolution") == "merge",
            persist: p.bool("persist_queue"),
            wifi_only: p.bool("wifi_only_sync"),
            user_rng: core.rng(1),
            net_rng: core.rng(2),
            work_rng: core.rng(3),
            drop_rng: core.rng(4),
            ids,
            meter: UtilizationMeter::default(),
        };
        for i in 0..n {
            let own = profile_index(p, n, i);
            let first_poll = (model.user_rng.next_f64() * poll_ns as f64) as Nanos + 1;
            model.devices.push(Device {
                own,
                net: own,
                cond: DeviceEffect::NONE,
                online: true,
                offline_until: 0,
                queue: Vec::new(),
                synced_at: 0,
                seen: Vec::new(),
                in_flight: 0,
                radio_until: 0,
                accrued_to: 0,
                poll_ns,
                next_poll: first_poll,
            });
            model
                .events
                .schedule(first_poll, Ev::Poll(i as u32, first_poll));
            let think = model.think();
            model.events.schedule(think, Ev::Action(i as u32));
        }
        model.events.schedule(TICK_NS, Ev::Tick);
        model
    }

    fn think(&mut self) -> Nanos {
        secs_to_ns(crate::dist::standard_exponential(&mut self.user_rng) * self.think_s).max(1)
    }

    fn profile(&self, dev: u32) -> &'static Profile {
        &PROFILES[self.devices[dev as usize].net as usize]
    }

    /// Counts the radio's tail energy of device `d` up to `now`.
    fn accrue_tail(&mut self, core: &mut Core, d: usize) {
        let dev = &mut self.devices[d];
        let end = core.now.min(dev.radio_until);
        if end > dev.accrued_to {
            let radio = PROFILES[dev.net as usize].radio;
            let joules = radio.tail_w * ns_to_secs(end - dev.accrued_to);
            core.metrics
                .add(self.ids.battery[dev.net as usize], joules / 3.6);
        }
        dev.accrued_to = dev.accrued_to.max(core.now);
    }

    fn action(&mut self, core: &mut Core, d: u32) {
        let think = self.think();
        self.events.schedule(core.now + think, Ev::Action(d));
        let records = self.versions.len();
        let record = ((self.user_rng.next_f64() * records as f64) as usize).min(records - 1) as u32;
        if self.user_rng.next_f64() < self.write_share {
            let dev = &self.devices[d as usize];
            // Online: the edit is made on the record as just loaded; offline, on the
            // version the device last saw.
            let base = if dev.online {
                self.versions[record as usize]
            } else {
                self.seen(d, record)
            };
            let id = self.applied.len() as u32;
            self.applied.push(false);
            let w = Write { record, base, id };
            if self.devices[d as usize].online {
                self.send(core, d, Kind::Write, record, Some(w), 0);
            } else {
                self.devices[d as usize].queue.push(w);
                core.metrics.inc(self.ids.outcomes[QUEUED]);
            }
        } else if self.devices[d as usize].online {
            self.send(core, d, Kind::Read, record, None, 0);
        } else {
            core.metrics.inc(self.ids.outcomes[OFFLINE]);
        }
    }

    fn poll(&mut self, core: &mut Core, d: u32, at: Nanos) {
        let dev = &mut self.devices[d as usize];
        if at != dev.next_poll {
            return;
        }
        let jitter = 0.9 + 0.2 * self.user_rng.next_f64();
        dev.next_poll = core.now + ((dev.poll_ns as f64 * jitter) as Nanos).max(1);
        self.events
            .schedule(dev.next_poll, Ev::Poll(d, dev.next_poll));
        let cellular = PROFILES[dev.net as usize].cellular;
        if !dev.online || (self.wifi_only && cellular) {
            return;
        }
        self.send(core, d, Kind::Poll, 0, None, 0);
    }

    /// Device `d` sends a call now (it is online).
    fn send(
        &mut self,
        core: &mut Core,
        d: u32,
        kind: Kind,
        record: u32,
        write: Option<Write>,
        attempt: u32,
    ) {
        self.accrue_tail(core, d as usize);
        let p = self.profile(d);
        let dev = &self.devices[d as usize];
        let cond = dev.cond;
        let factor = if cond.bandwidth_factor > 0.0 {
            cond.bandwidth_factor
        } else {
            1.0
        };
        let power = if cond.power_factor > 0.0 {
            cond.power_factor
        } else {
            1.0
        };
        let rtt = ms_to_ns(p.rtt_ms).saturating_add(cond.rtt_ns);
        let up_bytes = if kind == Kind::Write {
            self.edit_bytes
        } else {
            500.0
        };
        let down_bytes = match kind {
            Kind::Read => self.bytes[0],
            Kind::Write => self.bytes[1],
            Kind::Poll => self.bytes[2],
        };
        let up_ns = secs_to_ns(up_bytes * 8.0 / (p.up_kbps * 1000.0 * factor));
        let down_ns = secs_to_ns(down_bytes * 8.0 / (p.down_kbps * 1000.0 * factor));
        // The radio: a promotion first if it was idle.
        let promo = if core.now >= dev.radio_until {
            let r = p.radio;
            core.metrics.add(
                self.ids.battery[dev.net as usize],
                r.promo_w * power * r.promo_ms / 1000.0 / 3.6,
            );
            ms_to_ns(r.promo_ms)
        } else {
            0
        };
        let loss = 1.0 - (1.0 - p.loss) * (1.0 - cond.loss);
        let lost = loss > 0.0 && self.net_rng.next_f64() < loss;
        let lost_up = lost && self.net_rng.next_f64() < 0.5;
        let timeout = if self.adaptive {
            let expected = promo + rtt + up_ns + down_ns + secs_to_ns(self.server.mean());
            (expected * 4).max(1_000_000_000)
        } else if cond.timeout_ns > 0 {
            cond.timeout_ns
        } else {
            self.timeout_ns
        };
        let seq = core.arrive();
        let net = dev.net;
        core.metrics
            .observe(self.ids.rtt[net as usize], ns_to_secs(rtt));
        let call = Call {
            dev: d,
            kind,
            record,
            write,
            attempt,
            seq,
            sent: core.now,
            net,
            half_rtt: rtt / 2,
            down_ns,
            lost_down: lost && !lost_up,
            server_arrival: 0,
            status: 0,
            client_done: false,
            pending: if lost_up { 1 } else { 2 },
        };
        let slot = match self.free.pop() {
            Some(s) => {
                self.calls[s as usize] = call;
                s
            }
            None => {
                self.calls.push(call);
                self.calls.len() as u32 - 1
            }
        };
        self.devices[d as usize].in_flight += 1;
        self.events.schedule(core.now + timeout, Ev::Timeout(slot));
        if !lost_up {
            let at = core.now + promo + rtt / 2 + up_ns;
            self.events.schedule(at, Ev::ServerArrive(slot));
        }
    }

    fn server_arrive(&mut self, core: &mut Core, slot: u32) {
        self.calls[slot as usize].server_arrival = core.now;
        if self.busy < self.workers {
            self.start(core, slot);
        } else {
            self.waiting.push_back(slot);
        }
    }

    fn start(&mut self, core: &mut Core, slot: u32) {
        self.busy += 1;
        core.worker_busy(1);
        let c = self.calls[slot as usize];
        let endpoint = ENDPOINTS[c.kind as usize];
        let hop = Hop::new(Component::Service, 0, endpoint);
        let effect = core.scenarios.strike(
            core.now,
            &hop,
            &mut core.metrics,
            &mut core.logs,
            Some(c.seq),
        );
        self.calls[slot as usize].status = effect.fail_status.unwrap_or(200);
        let work = secs_to_ns(self.server.sample(&mut self.work_rng) * effect.work_factor)
            .saturating_add(effect.delay_ns);
        self.events.schedule(core.now + work, Ev::ServerDone(slot));
    }

    fn server_done(&mut self, core: &mut Core, slot: u32) {
        self.busy -= 1;
        core.worker_busy(-1);
        if let Some(next) = self.waiting.pop_front() {
            self.start(core, next);
        }
        let c = self.calls[slot as usize];
        let e = c.kind as usize;
        let ok = c.status < 500;
        core.metrics.inc(self.ids.http[e][if ok { 0 } else { 1 }]);
        core.metrics.observe(
            self.ids.server_duration[e],
            ns_to_secs(core.now - c.server_arrival),
        );
        if ok {
            if let Some(w) = c.write {
                self.apply(core, w);
            }
        }
        let c = &mut self.calls[slot as usize];
        if c.lost_down {
            c.pending -= 1;
            self.release(slot);
        } else {
            let at = core.now + c.half_rtt + c.down_ns;
            self.events.schedule(at, Ev::Answer(slot));
        }
    }

    /// The server applies write `w`.
    fn apply(&mut self, core: &mut Core, w: Write) {
        let r = w.record as usize;
        if self.applied[w.id as usize] {
            if !self.idempotent {
                // The same edit again: the record changes twice.
                core.metrics.inc(self.ids.duplicates);
                core.metrics.inc(self.ids.duplicate_applied);
                self.bump(core.now, r);
            }
            return;
        }
        self.applied[w.id as usize] = true;
        if self.versions[r] != w.base {
            let k = if self.merge { 1 } else { 0 };
            core.metrics.inc(self.ids.conflicts[k]);
            if !self.merge {
                core.metrics.inc(self.ids.lost_update);
            }
        }
        self.bump(core.now, r);
    }

    fn bump(&mut self, now: Nanos, r: usize) {
        self.versions[r] += 1;
        self.written[r].push(now);
    }

    /// The version of `record` device `d` last saw: its last poll's, or later if it
    /// read or wrote the record since.
    fn seen(&self, d: u32, record: u32) -> u64 {
        let dev = &self.devices[d as usize];
        let polled = self.written[record as usize].partition_point(|&t| t <= dev.synced_at) as u64;
        let own = dev
            .seen
            .iter()
            .rev()
            .find(|(r, _)| *r == record)
            .map_or(0, |&(_, v)| v);
        polled.max(own)
    }

    fn release(&mut self, slot: u32) {
        let c = &self.calls[slot as usize];
        if c.pending == 0 && c.client_done {
            self.free.push(slot);
        }
    }

    /// The client gets its answer (`answered`) or its timeout fires: the first of the
    /// two decides.
    fn client(&mut self, core: &mut Core, slot: u32, answered: bool) {
        let c = &mut self.calls[slot as usize];
        c.pending -= 1;
        if c.client_done {
            self.release(slot);
            return;
        }
        c.client_done = true;
        let c = *c;
        self.release(slot);
        let d = c.dev as usize;
        // The radio was active for the whole call; its tail starts now.
        let r = PROFILES[c.net as usize].radio;
        let power = if self.devices[d].cond.power_factor > 0.0 {
            self.devices[d].cond.power_factor
        } else {
            1.0
        };
        let dev = &mut self.devices[d];
        dev.in_flight -= 1;
        let from = c.sent.max(dev.accrued_to.min(core.now));
        let joules = r.active_w * power * ns_to_secs(core.now - from);
        core.metrics
            .add(self.ids.battery[c.net as usize], joules / 3.6);
        dev.accrued_to = core.now;
        dev.radio_until = dev.radio_until.max(core.now + secs_to_ns(r.tail_s));
        let ok = answered && c.status < 500;
        let b = core.depart(c.sent, 0, ok);
        core.metrics.observe_latency(
            self.ids.duration[c.net as usize],
            b,
            ns_to_secs(core.now - c.sent),
        );
        let outcome = match (answered, ok) {
            (true, true) => OK,
            (true, false) => ERROR,
            _ => TIMEOUT,
        };
        core.metrics.inc(self.ids.outcomes[outcome]);
        if outcome == TIMEOUT && core.logs.admits(core.now) {
            core.logs.push(LogRecord {
                t_ns: core.now,
                level: Level::Warn,
                service: SERVICE,
                message: "call timed out on the device",
                fields: vec![
                    ("endpoint", ENDPOINTS[c.kind as usize].into()),
                    ("network", NETWORKS[c.net as usize].into()),
                    ("attempt", c.attempt.to_string()),
                    ("device", c.dev.to_string()),
                ],
                trace_id: Some(c.seq),
            });
        }
        if ok {
            let version = self.versions[c.record as usize];
            let dev = &mut self.devices[d];
            match c.kind {
                Kind::Poll => {
                    dev.synced_at = core.now;
                    dev.seen.clear();
                }
                _ => {
                    dev.seen.retain(|(r, _)| *r != c.record);
                    if dev.seen.len() == SEEN_CAP {
                        dev.seen.remove(0);
                    }
                    dev.seen.push((c.record, version));
                }
            }
            if c.kind == Kind::Poll {
                self.flush(core, c.dev);
            }
            return;
        }
        if c.attempt < self.retries && self.devices[d].online {
            self.send(core, c.dev, c.kind, c.record, c.write, c.attempt + 1);
        } else if let Some(w) = c.write {
            // Kept for the next sync (offline-first).
            self.devices[d].queue.push(w);
        }
    }

    /// Device `d` sends its queued edits.
    fn flush(&mut self, core: &mut Core, d: u32) {
        let queue = std::mem::take(&mut self.devices[d as usize].queue);
        for w in queue {
            self.send(core, d, Kind::Write, w.record, Some(w), 0);
        }
    }

    fn tick(&mut self, core: &mut Core) {
        self.events.schedule(core.now + TICK_NS, Ev::Tick);
        let fleet = self.devices.len() as u32;
        for i in 0..self.devices.len() {
            let mut hop = Hop::new(Component::Device, i as u32, TICK_HOP);
            hop.fleet = fleet;
            let effect =
                core.scenarios
                    .strike(core.now, &hop, &mut core.metrics, &mut core.logs, None);
            let e = *effect.device();
            if self.devices[i].in_flight == 0 {
                self.accrue_tail(core, i);
            }
            let dev = &mut self.devices[i];
            if e.kill {
                core.metrics.inc(self.ids.kills);
                if !self.persist && !dev.queue.is_empty() {
                    core.metrics
                        .add(self.ids.lost_write, dev.queue.len() as f64);
                    dev.queue.clear();
                }
            }
            dev.net = e
                .network
                .and_then(|n| NETWORKS.iter().position(|&x| x == n))
                .map_or(dev.own, |k| k as u8);
            let own = &PROFILES[dev.own as usize];
            if dev.online {
                let mut until = 0;
                if own.offline_every_s > 0.0
                    && self.drop_rng.next_f64() < ns_to_secs(TICK_NS) / own.offline_every_s
                {
                    let length =
                        crate::dist::standard_exponential(&mut self.drop_rng) * own.offline_for_s;
                    until = core.now + secs_to_ns(length);
                }
                if e.offline_ns > 0 {
                    until = until.max(core.now + e.offline_ns);
                }
                if until > core.now {
                    dev.online = false;
                    dev.offline_until = until;
                }
            } else if e.offline_ns > 0 {
                dev.offline_until = dev.offline_until.max(core.now + e.offline_ns);
            }
            let poll = if e.poll_ns > 0 {
                e.poll_ns
            } else {
                self.poll_ns
            };
            if poll != dev.poll_ns {
                dev.poll_ns = poll;
                if dev.next_poll > core.now + poll {
                    let at = core.now + (self.user_rng.next_f64() * poll as f64) as Nanos + 1;
                    dev.next_poll = at;
                    self.events.schedule(at, Ev::Poll(i as u32, at));
                }
            }
            dev.cond = e;
            if !dev.online && core.now >= dev.offline_until {
                dev.online = true;
                self.flush(core, i as u32);
            }
        }
    }

    /// Edits waiting in every device's queue.
    pub fn queued(&self) -> usize {
        self.devices.iter().map(|d| d.queue.len()).sum()
    }
}

impl Model for MobileModel {
    fn peek_time(&self) -> Option<Nanos> {
        self.events.peek_time()
    }

    fn step_through(&mut self, core: &mut Core, last: Nanos) -> bool {
        let Some((t, ev)) = self.events.pop_through(last) else {
            return false;
        };
        core.now = t;
        match ev {
            Ev::Tick => self.tick(core),
            Ev::Action(d) => self.action(core, d),
            Ev::Poll(d, at) => self.poll(core, d, at),
            Ev::ServerArrive(s) => self.server_arrive(core, s),
            Ev::ServerDone(s) => self.server_done(core, s),
            Ev::Answer(s) => self.client(core, s, true),
            Ev::Timeout(s) => self.client(core, s, false),
        }
        true
    }

    fn on_sample(&mut self, core: &mut Core) {
        core.settle();
        let queued = self.queued();
        let online = self.devices.iter().filter(|d| d.online).count();
        let m = &mut core.metrics;
        m.set(self.ids.queue, queued as f64);
        m.set(self.ids.online, online as f64);
        m.set(self.ids.in_flight, core.stats.in_system.level() as f64);
        m.set(self.ids.depth, self.waiting.len() as f64);
        m.set(self.ids.busy, self.busy as f64);
        if let Some(util) = self.meter.read(core, self.workers as u64) {
            core.metrics.set(self.ids.utilization, util);
        }
    }

    fn workers_total(&self) -> u64 {
        self.workers as u64
    }

    fn queue_depth(&self) -> u64 {
        self.waiting.len() as u64
    }

    fn has(&self, component: Component) -> bool {
        COMPONENTS.contains(&component)
    }

    fn as_any(&self) -> Option<&dyn std::any::Any> {
        Some(self)
    }
}
