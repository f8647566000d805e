//! What the scenarios that change how a product response is encoded (a format, a codec,
//! the fields it carries) do at each hop: extra CPU in the handler that builds it, and
//! its size on the uplink to the clients. Each scenario counts its own metrics at the
//! part the hop is (`Part`).

use crate::scenario::{Component, Effect, Hop, NetworkEffect, ServiceEffect};

/// The endpoint whose response these scenarios encode.
pub(crate) const PRODUCT: &str = "GET /product";

/// A product response as encoded: CPU to build it, its bytes, and the uplink's rate the
/// scenario sets (0 = the system's own).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Encoding {
    pub cpu_ns: u64,
    pub bytes: u64,
    pub link_bytes_per_s: f64,
}

/// Where a product response is when a hop strikes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Part {
    /// The handler building it.
    Handler,
    /// Its way out over the uplink.
    Uplink,
}

impl Encoding {
    /// The effect at `hop`, and which part of a product response's way it is (`None`: not
    /// a product response's; the uplink's rate still applies to every response on it).
    pub(crate) fn strike(&self, hop: &Hop) -> (Effect, Option<Part>) {
        let product = hop.endpoint == PRODUCT;
        match hop.component {
            Component::Service if product => (
                Effect::on_service(ServiceEffect {
                    cpu_ns: self.cpu_ns,
                    ..ServiceEffect::NONE
                }),
                Some(Part::Handler),
            ),
            // The uplink to the clients, not the links between parts.
            Component::Network
                if hop.edge.is_none() && (product || self.link_bytes_per_s > 0.0) =>
            {
                (
                    Effect::on_network(NetworkEffect {
                        link_bytes_per_s: self.link_bytes_per_s,
                        response_bytes: product
                            .then_some(self.bytes.min(u64::from(u32::MAX)) as u32),
                        ..NetworkEffect::NONE
                    }),
                    product.then_some(Part::Uplink),
                )
            }
            _ => (Effect::NONE, None),
        }
    }
}
