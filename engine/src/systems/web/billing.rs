//! What the web system costs (`systems::cost`): what it provisions, and the billable
//! bytes it moves, counted where they move.
//!
//! Placement: the service instances are spread over `availability_zones` zones (instance
//! i in zone i mod zones); the primary database, the cache and the load balancer's
//! traffic to the clients are in zone 0, the read replica in zone 1 (the usual
//! placement of a managed database's replica). So a read or write from an instance in
//! another zone than its backend moves its payload between zones, billed out of one and
//! into the other. Calls to the payment provider leave through a NAT gateway in the
//! instance's own zone (one gateway per zone, as AWS recommends).
//!
//! Bytes are payloads: a product read carries `product_response_kb`, an order write
//! `order_response_kb`, a payment call `PAYMENT_CALL_KB` (a card payment's JSON
//! request and answer); requests to the service and headers are left out.

use crate::params::ParamSet;
use crate::scenario::{Edge, LinkFault};
use crate::systems::cost::{CostMeter, Usage};
use crate::systems::Core;

/// Bytes of one payment call, request and answer (a card payment's JSON both ways, as
/// providers' API references show them: about 1.5 KB each).
pub(super) const PAYMENT_CALL_KB: f64 = 3.0;

pub(super) struct Billing {
    meter: CostMeter,
    zones: u32,
    /// Zone of each instance seen so far (`instance mod zones`, kept: a division per
    /// crossing shows on the request path).
    zone_of: Vec<u8>,
    /// The read replica's zone.
    replica_zone: u32,
    db_instances: f64,
    cache_nodes: f64,
    storage_gb: f64,
    /// Payload of each endpoint's answer, bytes.
    payload: [f64; 2],
    /// What moved since the last sample.
    moved: Usage,
}

impl Billing {
    pub fn new(p: &ParamSet, core: &mut Core) -> Billing {
        Billing {
            meter: CostMeter::new(p, &mut core.metrics),
            zones: p.i64("availability_zones").clamp(1, 6) as u32,
            zone_of: Vec::new(),
            replica_zone: 1 % p.i64("availability_zones").clamp(1, 6) as u32,
            db_instances: 1.0 + f64::from(u8::from(p.bool("read_replica"))),
            cache_nodes: f64::from(u8::from(p.bool("cache_enabled"))),
            storage_gb: p.f64("disk_capacity_gb"),
            payload: [
                p.f64("product_response_kb") * 1024.0,
                p.f64("order_response_kb") * 1024.0,
            ],
            moved: Usage::default(),
        }
    }

    #[inline]
    fn zone(&mut self, instance: u32) -> u32 {
        let i = instance as usize;
        if i >= self.zone_of.len() {
            let zones = self.zones as usize;
            self.zone_of
                .extend((self.zone_of.len()..=i).map(|k| (k % zones) as u8));
        }
        u32::from(self.zone_of[i])
    }

    /// A response of `endpoint` (0 product, 1 order) of `bytes` goes out to the internet
    /// through the load balancer.
    #[inline]
    pub fn response(&mut self, bytes: f64) {
        self.moved.internet_bytes += bytes;
        self.moved.lb_bytes += bytes;
    }

    /// The payload of `endpoint`'s answer, bytes.
    #[inline]
    pub fn payload(&self, endpoint: usize) -> f64 {
        self.payload[endpoint]
    }

    /// An exchange across `edge` from `instance` for `endpoint`, with what scenarios do
    /// to the link (`fault`: the far end in another region, payloads of another size):
    /// bytes between zones, between regions, or through the NAT gateway.
    #[inline]
    pub fn crossed(&mut self, edge: Edge, instance: u32, endpoint: usize, fault: &LinkFault) {
        let factor = if fault.payload_factor > 0.0 {
            f64::from(fault.payload_factor)
        } else {
            1.0
        };
        let payload = self.payload[endpoint] * factor;
        if fault.inter_region && edge != Edge::ApiPayment {
            self.moved.inter_region_bytes += payload;
            return;
        }
        let backend_zone = match edge {
            Edge::ApiCache | Edge::ApiDatabase => 0,
            Edge::ApiReplica => self.replica_zone,
            Edge::ApiPayment => {
                self.moved.nat_bytes += PAYMENT_CALL_KB * 1024.0;
                return;
            }
            _ => return,
        };
        if self.zone(instance) != backend_zone {
            self.moved.inter_az_bytes += payload;
        }
    }

    /// Bills the interval ending now, with `instances` service instances of `vcpus`
    /// vCPUs each provisioned.
    pub fn sample(&mut self, core: &mut Core, instances: usize, vcpus: f64) {
        let usage = Usage {
            vcpus: instances as f64 * vcpus,
            db_instances: self.db_instances,
            cache_nodes: self.cache_nodes,
            load_balancers: 1.0,
            nat_gateways: f64::from(self.zones),
            storage_gb: self.storage_gb,
            ..self.moved
        };
        self.meter.sample(core.now, &mut core.metrics, &usage);
        self.moved = Usage::default();
    }
}
