//! The request path across the network links (`link.rs` holds their state): a message
//! between two parts asks the scenarios what they do to its link, in the fleet as it is
//! now, and crosses it with the model's network stream (`WebModel::net_rng`).

use super::link::Crossing;
use super::request::ENDPOINTS;
use super::WebModel;
use crate::scenario::{Edge, LinkFault};
use crate::systems::Core;

impl WebModel {
    /// What scenarios do to the link `edge` at `instance` now.
    pub(super) fn link_fault(
        &mut self,
        core: &mut Core,
        edge: Edge,
        instance: u32,
        endpoint: &'static str,
        trace: Option<u64>,
    ) -> LinkFault {
        let fleet = self.fleet.instances.len() as u32;
        self.links
            .fault(core, edge, instance, endpoint, trace, fleet)
    }

    /// A request and its answer across `edge` at `instance`: the time each way, and
    /// whether the exchange was lost (then the caller waits for its timeout).
    pub(super) fn cross(
        &mut self,
        core: &mut Core,
        edge: Edge,
        instance: u32,
        endpoint: &'static str,
        seq: u64,
    ) -> Crossing {
        let fault = self.link_fault(core, edge, instance, endpoint, Some(seq));
        self.billing.crossed(
            edge,
            instance,
            usize::from(endpoint == ENDPOINTS[1]),
            &fault,
        );
        self.cross_with(core, edge, instance, &fault, Some(seq))
    }

    /// As `cross`, with the scenarios' fault already known.
    pub(super) fn cross_with(
        &mut self,
        core: &mut Core,
        edge: Edge,
        instance: u32,
        fault: &LinkFault,
        trace: Option<u64>,
    ) -> Crossing {
        self.links
            .cross(core, &mut self.net_rng, edge, instance, fault, trace)
    }

    /// Once per sample: the touched links' state (`Links::sample`).
    pub(super) fn links_sample(&mut self, core: &mut Core) {
        let fleet = self.fleet.instances.len() as u32;
        self.links.sample(core, fleet);
    }

    /// The load balancer's health check of instance `i` crosses its link: a lost check
    /// counts as failed.
    pub(super) fn health_check_passes(&mut self, core: &mut Core, i: usize) -> bool {
        let fleet = self.fleet.instances.len() as u32;
        self.links
            .health_check_passes(core, &mut self.net_rng, i, fleet)
    }
}
