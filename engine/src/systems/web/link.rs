//! The network links of the web system: one per edge of its topology (clients ↔ load
//! balancer, load balancer ↔ api-i, api-i ↔ cache / database / replica / payment / DNS
//! resolver). Every message between two parts crosses one and pays its one-way latency
//! plus uniform jitter, both ways, drawn from the model's network stream (`net_rng`).
//!
//! A link's own latency and jitter are system parameters (`network_latency_ms`,
//! `network_jitter_ms` for the links from an instance to its backends; the client and
//! load-balancer links are free by default, as before links existed). Scenarios add to a
//! link through a `Network` hop naming its `Edge` (`NetworkEffect::link`: extra latency,
//! jitter, loss; loss 1 is a partition).
//!
//! Loss: `loss` is the chance that one exchange across the link (the request or its
//! answer) is lost for good. The caller then waits for its timeout and fails: its own
//! timeout for that layer where one is configured (client, database, dependency timeout
//! of the `timeouts` mitigation), otherwise the connect timeout `network_connect_timeout_ms`.
//! Why not a TCP retransmit delay: a single lost segment on a live connection costs one
//! retransmission timeout, but the loss a learner switches on here is sustained (a bad
//! switch port, a blackhole, a partition), where retransmits give up and what the
//! application sees is a timeout; a retransmit delay of a few hundred ms is what the
//! `latency_ms`/`jitter_ms` of a link are for.
//!
//! Metrics exist per link once a scenario touches it (so an untouched link costs nothing):
//! `network_link_latency_seconds{from,to}` (one-way time of each crossing),
//! `network_packets_dropped_total{from,to}` and `network_link_up{from,to}` (0 while
//! partitioned). A lost exchange logs "message lost on network link" naming the link.
//!
//! This file is the links' state and behaviour; `network.rs` crosses them on the
//! request path with the model's network stream.

use super::metrics::{LINK_DROPPED, LINK_LATENCY, LINK_UP};
use super::request::{ends, ENDPOINTS};
use crate::metrics::{CounterId, GaugeId, HistogramId};
use crate::observe::{Level, LogRecord};
use crate::rng::Xoshiro256PlusPlus as Rng;
use crate::scenario::{Component, Edge, Hop, LinkFault};
use crate::systems::Core;
use crate::time::{ns_to_secs, Nanos};
use std::collections::BTreeMap;

/// The links' own parameters and the metric handles of touched links.
#[derive(Debug, Default)]
pub(super) struct Links {
    /// One-way latency and jitter per edge (`Edge as usize`).
    base: [(Nanos, Nanos); Edge::ALL.len()],
    /// Own loss per edge: the system's `network_loss` on the links from an instance to
    /// its backends.
    own_loss: [f64; Edge::ALL.len()],
    /// How long a caller without a timeout of its own waits for a lost exchange.
    pub connect_timeout_ns: Nanos,
    touched: BTreeMap<(Edge, u32), (HistogramId, CounterId, GaugeId)>,
    /// Bit `edge` set once any link of that edge is in `touched` (the hot path's check).
    touched_edges: u8,
    /// The fault last struck on each link (index `instance * edges + edge`) and the
    /// scenarios' state it was struck in: reused while that state holds, so a crossing
    /// asks the scenarios only when one started, stopped or changed.
    memo: Vec<Option<((u64, u64), LinkFault)>>,
}

impl Links {
    pub fn new(latency_ns: Nanos, jitter_ns: Nanos, loss: f64, connect_timeout_ns: Nanos) -> Links {
        let mut base = [(0, 0); Edge::ALL.len()];
        let mut own_loss = [0.0; Edge::ALL.len()];
        for e in [
            Edge::ApiCache,
            Edge::ApiDatabase,
            Edge::ApiReplica,
            Edge::ApiPayment,
        ] {
            base[e as usize] = (latency_ns, jitter_ns);
            own_loss[e as usize] = loss.clamp(0.0, 1.0);
        }
        Links {
            base,
            own_loss,
            connect_timeout_ns,
            touched: BTreeMap::new(),
            touched_edges: 0,
            memo: Vec::new(),
        }
    }

    fn loss_of(&self, edge: Edge, fault: &LinkFault) -> f64 {
        let own = self.own_loss[edge as usize];
        if own == 0.0 {
            return fault.loss;
        }
        1.0 - (1.0 - own) * (1.0 - fault.loss)
    }

    /// What scenarios do to the link `edge` at `instance` now, in a fleet of `fleet`
    /// instances.
    pub fn fault(
        &mut self,
        core: &mut Core,
        edge: Edge,
        instance: u32,
        endpoint: &'static str,
        trace: Option<u64>,
        fleet: u32,
    ) -> LinkFault {
        let state = core.scenarios.state(core.now, Component::Network);
        if state == Some((0, 0)) {
            return LinkFault::NONE;
        }
        // A fleet change (autoscaling) changes which instances a share covers.
        let state = state.map(|(version, bits)| (version ^ (u64::from(fleet) << 48), bits));
        let slot = instance as usize * Edge::ALL.len() + edge as usize;
        if let (Some(state), Some(Some((s, fault)))) = (state, self.memo.get(slot)) {
            if *s == state {
                return *fault;
            }
        }
        let hop = Hop {
            edge: Some(edge),
            fleet,
            ..Hop::new(Component::Network, instance, endpoint)
        };
        let fault = core
            .scenarios
            .strike(core.now, &hop, &mut core.metrics, &mut core.logs, trace)
            .network()
            .link;
        if let Some(state) = state {
            if self.memo.len() <= slot {
                self.memo.resize(slot + 1, None);
            }
            self.memo[slot] = Some((state, fault));
        }
        fault
    }

    /// One message's time across `edge` one way, with `fault` on top of its own.
    fn one_way(&self, rng: &mut Rng, edge: Edge, fault: &LinkFault) -> Nanos {
        let (latency, jitter) = self.base[edge as usize];
        let mut t = latency + fault.latency_ns;
        if jitter > 0 {
            t += (jitter as f64 * rng.next_f64()) as Nanos;
        }
        if fault.jitter_ns > 0 {
            t += (fault.jitter_ns as f64 * rng.next_f64()) as Nanos;
        }
        t
    }

    /// A request and its answer across `edge` at `instance` with the scenarios' `fault`,
    /// drawn from `rng`: the time each way, and whether the exchange was lost (then the
    /// caller waits for its timeout). Records the link's metrics once a scenario has
    /// touched it, and logs a loss.
    pub fn cross(
        &mut self,
        core: &mut Core,
        rng: &mut Rng,
        edge: Edge,
        instance: u32,
        fault: &LinkFault,
        trace: Option<u64>,
    ) -> Crossing {
        let there_ns = self.one_way(rng, edge, fault);
        let back_ns = self.one_way(rng, edge, fault);
        let loss = self.loss_of(edge, fault);
        let lost = loss > 0.0 && rng.chance(loss);
        let key = (edge, if edge.per_instance() { instance } else { 0 });
        let seen = self.touched_edges & (1 << edge as u8) != 0 && self.touched.contains_key(&key);
        if seen || !fault.is_none() || loss > 0.0 {
            let (latency, dropped, up) = self.ids(core, key);
            if lost {
                core.metrics.inc(dropped);
                if core.logs.admits(core.now) {
                    let (from, to) = ends(edge, key.1);
                    core.logs.push(LogRecord {
                        t_ns: core.now,
                        level: Level::Warn,
                        service: "network",
                        message: "message lost on network link",
                        fields: vec![("link", edge.as_str().into()), ("from", from), ("to", to)],
                        trace_id: trace,
                    });
                }
            } else {
                core.metrics.observe(latency, ns_to_secs(there_ns));
                core.metrics.observe(latency, ns_to_secs(back_ns));
            }
            core.metrics.set(up, f64::from(u8::from(loss < 1.0)));
        }
        Crossing {
            there_ns,
            back_ns,
            lost,
        }
    }

    fn ids(&mut self, core: &mut Core, key: (Edge, u32)) -> (HistogramId, CounterId, GaugeId) {
        self.touched_edges |= 1 << key.0 as u8;
        *self.touched.entry(key).or_insert_with(|| {
            let (from, to) = ends(key.0, key.1);
            let labels = [from.as_str(), to.as_str()];
            let m = &mut core.metrics;
            (
                m.histogram(&LINK_LATENCY, &labels),
                m.counter(&LINK_DROPPED, &labels),
                m.gauge(&LINK_UP, &labels),
            )
        })
    }

    /// Whether a scenario has touched any link of `edge` (from then on it is modelled
    /// on every crossing; before, a link without latency costs nothing).
    #[inline]
    pub fn edge_touched(&self, edge: Edge) -> bool {
        self.touched_edges & (1 << edge as u8) != 0
    }

    /// How long a caller whose own timeout is `own` (if any) waits for a lost exchange.
    pub fn lost_wait(&self, own: Option<Nanos>) -> Nanos {
        match own {
            Some(t) if t > 0 => t.min(self.connect_timeout_ns),
            _ => self.connect_timeout_ns,
        }
    }

    /// Once per sample: `network_link_up` of every touched link, asked afresh (a link
    /// nobody crosses any more, e.g. to an ejected instance, still shows its state).
    pub fn sample(&mut self, core: &mut Core, fleet: u32) {
        let keys: Vec<_> = self.touched.keys().copied().collect();
        for (edge, instance) in keys {
            let fault = self.fault(core, edge, instance, ENDPOINTS[0], None, fleet);
            let up = self.loss_of(edge, &fault) < 1.0;
            let (_, _, g) = self.touched[&(edge, instance)];
            core.metrics.set(g, f64::from(u8::from(up)));
        }
    }

    /// The load balancer's health check of instance `i` crosses its link, drawn from
    /// `rng`: a lost check counts as failed (the instance is ejected until a check gets
    /// through).
    pub fn health_check_passes(
        &mut self,
        core: &mut Core,
        rng: &mut Rng,
        i: usize,
        fleet: u32,
    ) -> bool {
        let fault = self.fault(core, Edge::LbApi, i as u32, ENDPOINTS[0], None, fleet);
        if fault.is_none() && !self.edge_touched(Edge::LbApi) {
            return true;
        }
        !self
            .cross(core, rng, Edge::LbApi, i as u32, &fault, None)
            .lost
    }
}

/// One exchange across a link: the time there and back, and whether it was lost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Crossing {
    pub there_ns: Nanos,
    pub back_ns: Nanos,
    pub lost: bool,
}

impl Crossing {
    /// No link crossed.
    pub const NONE: Crossing = Crossing {
        there_ns: 0,
        back_ns: 0,
        lost: false,
    };

    pub fn rtt(&self) -> Nanos {
        self.there_ns + self.back_ns
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_edge_has_two_named_ends_and_a_parameter_name() {
        for (i, e) in Edge::ALL.iter().enumerate() {
            assert_eq!(*e as usize, i);
            assert_eq!(Edge::parse(e.as_str()), Some(*e));
            let (from, to) = ends(*e, 2);
            assert!(!from.is_empty() && !to.is_empty() && from != to);
        }
        assert_eq!(Edge::parse("nowhere"), None);
    }

    #[test]
    fn the_systems_loss_applies_to_backend_links_and_a_cut_to_any() {
        let links = Links::new(1, 0, 0.5, 10);
        assert_eq!(links.loss_of(Edge::ClientLb, &LinkFault::NONE), 0.0);
        assert_eq!(links.loss_of(Edge::ApiDatabase, &LinkFault::NONE), 0.5);
        let cut = LinkFault {
            loss: 1.0,
            ..LinkFault::NONE
        };
        assert_eq!(links.loss_of(Edge::ClientLb, &cut), 1.0);
        assert_eq!(links.loss_of(Edge::ApiDatabase, &cut), 1.0);
    }

    #[test]
    fn the_systems_own_loss_drops_backend_exchanges_at_about_its_rate() {
        use crate::testkit::*;
        let lab = run(&config("web", 731, &[], &[("network_loss", "0.05")]), 30);
        let dropped = total(&lab, "network_packets_dropped_total");
        let crossed = total(&lab, "network_link_latency_seconds") / 2.0;
        let share = dropped / (dropped + crossed);
        assert!((0.04..0.06).contains(&share), "lost share {share}");
        // Lost cache lookups become misses; lost queries and payment calls fail with 504.
        let timeouts =
            responses(&lab, "GET /product", "504") + responses(&lab, "POST /order", "504");
        assert!(
            timeouts > 0.3 * dropped && timeouts < dropped,
            "{timeouts} of {dropped}"
        );
        assert!(!registered(&lab, "network_link_up") || total(&lab, "network_link_up") > 0.0);
    }
}
