//! # Cost model
//!
//! What a run costs, as a cloud bill would say it, for every system that has something
//! to bill: each system lists the prices of the parts it has among its parameters (with
//! published on-demand defaults) and reports what it used at each metrics sample
//! (`Usage`); `CostMeter` turns that into dollars.
//!
//! Two kinds of line item, as on a real bill:
//! - **By the hour, for what is provisioned**, whether it is busy or idle: service
//!   instances (vCPUs × price per vCPU-hour), database instances, cache nodes, the load
//!   balancer and NAT gateways, and storage (GB-month, billed by the hour). An idle
//!   instance costs as much as a busy one: over-provisioning shows up here, and
//!   autoscaling changes it.
//! - **By the byte, for what moves**: responses to the internet (egress, tiered by what
//!   the account already sent this month), bytes between availability zones (billed out
//!   of one and into the other), between regions, and through a NAT gateway, plus the
//!   load balancer's capacity units for the bytes it processes.
//!
//! Defaults are AWS us-east-1 on-demand list prices as published in 2026, rounded:
//! - compute: $0.048 per vCPU-hour (EC2 m6i: m6i.xlarge, 4 vCPU, $0.192/h);
//! - database: $0.178/h, about a 2-vCPU general-purpose managed PostgreSQL instance
//!   (RDS db.m6i.large class, Single-AZ); each read replica is another instance;
//! - cache: $0.149/h, about one 2-vCPU ElastiCache node (cache.m6g.large class);
//! - load balancer: $0.0225 per ALB-hour plus $0.008 per LCU-hour (of the four LCU
//!   dimensions the lab meters processed bytes: 1 LCU = 1 GB an hour);
//! - storage: $0.115 per GB-month of provisioned database storage (RDS gp3);
//! - internet egress: the first 100 GB a month free, then $0.09/GB up to 10 TB, $0.085
//!   to 50 TB, $0.07 to 150 TB, $0.05 beyond (`price_internet_gb` sets the first paid
//!   tier; the others keep their published ratio to it);
//! - between availability zones: $0.01/GB in each direction, so a byte that crosses
//!   costs $0.02; between regions: $0.02/GB (us-east-1 to us-west-2);
//! - NAT gateway: $0.045 an hour and $0.045 per GB processed.
//!
//! Prices change and differ by region, provider and commitment (reserved instances and
//! savings plans cut compute by 30–70 %): the point is the shape of the bill, not the
//! cents. Every price is a parameter.
//!
//! ## What to look at
//! - `cost_rate_dollars_per_hour{resource}`: what each resource costs an hour now;
//!   `sum(cost_rate_dollars_per_hour)` is the bill's rate.
//! - `cost_dollars_total{resource}`: dollars spent since the run began.
//! - Cost per million requests:
//!   `sum(rate(cost_dollars_total[1m])) / sum(rate(http_requests_total[1m])) * 1e6`.
//! - `network_transfer_bytes_total{path}`: the billable bytes behind the transfer lines.

use crate::metrics::{CounterId, GaugeId, MetricSpec, Registry};
use crate::params::ParamSet;
use crate::time::Nanos;

pub const COST: MetricSpec = MetricSpec::counter(
    "cost_dollars_total",
    "Dollars the run has cost since it began, by resource (list prices, parameters of the system).",
    &["resource"],
);
pub const COST_RATE: MetricSpec = MetricSpec::gauge(
    "cost_rate_dollars_per_hour",
    "What each resource costs an hour at the current usage (over the last sample interval).",
    &["resource"],
);
pub const TRANSFER: MetricSpec = MetricSpec::counter(
    "network_transfer_bytes_total",
    "Billable bytes moved, by path: internet (responses to clients), inter_az (between availability zones), inter_region, nat (through a NAT gateway).",
    &["path"],
);

/// The cost model's metrics, for a system's `metrics` list.
pub const METRICS: [MetricSpec; 3] = [COST, COST_RATE, TRANSFER];

/// How a bill names each resource, in `RESOURCES` order.
pub const RESOURCE_LABELS: [&str; 10] = [
    "Service instances",
    "Database instances",
    "Cache node",
    "Load balancer",
    "Storage",
    "Internet egress",
    "Between zones",
    "Between regions",
    "NAT gateway",
    "Function requests and duration",
];

/// The resources a bill names, as `resource` label values.
pub const RESOURCES: [&str; 10] = [
    "compute",
    "database",
    "cache",
    "load_balancer",
    "storage",
    "internet_egress",
    "inter_az",
    "inter_region",
    "nat",
    "functions",
];
const COMPUTE: usize = 0;
const DATABASE: usize = 1;
const CACHE: usize = 2;
const LOAD_BALANCER: usize = 3;
const STORAGE: usize = 4;
const INTERNET: usize = 5;
const INTER_AZ: usize = 6;
const INTER_REGION: usize = 7;
const NAT: usize = 8;
const FUNCTIONS: usize = 9;

/// `network_transfer_bytes_total{path}` label values.
pub const PATHS: [&str; 4] = ["internet", "inter_az", "inter_region", "nat"];

const GB: f64 = 1024.0 * 1024.0 * 1024.0;
const HOURS_PER_MONTH: f64 = 730.0;
/// Internet egress tiers (AWS, published): up to this many GB in the month, this
/// multiple of the first paid tier's price.
const EGRESS_TIERS: [(f64, f64); 5] = [
    (100.0, 0.0),
    (10.0 * 1024.0, 1.0),
    (50.0 * 1024.0, 0.085 / 0.09),
    (150.0 * 1024.0, 0.07 / 0.09),
    (f64::INFINITY, 0.05 / 0.09),
];

/// The prices of a system's parts; a price the system does not list is 0.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Prices {
    pub vcpu_hour: f64,
    pub db_hour: f64,
    pub cache_hour: f64,
    pub lb_hour: f64,
    pub lcu_hour: f64,
    pub storage_gb_month: f64,
    pub internet_gb: f64,
    pub inter_az_gb: f64,
    pub inter_region_gb: f64,
    pub nat_hour: f64,
    pub nat_gb: f64,
    pub function_million_requests: f64,
    pub function_gb_second: f64,
    /// Internet egress the account already sent this month before the run began, in GB
    /// (which tier the run's bytes are billed at).
    pub month_to_date_egress_gb: f64,
}

impl Prices {
    /// The prices among a system's parameters (`price_*`, `egress_month_to_date_tb`).
    pub fn read(p: &ParamSet) -> Prices {
        let get = |name: &str| p.get(name).map_or(0.0, |v| v.as_f64());
        Prices {
            vcpu_hour: get("price_vcpu_hour"),
            db_hour: get("price_db_instance_hour"),
            cache_hour: get("price_cache_node_hour"),
            lb_hour: get("price_lb_hour"),
            lcu_hour: get("price_lcu_hour"),
            storage_gb_month: get("price_storage_gb_month"),
            internet_gb: get("price_internet_gb"),
            inter_az_gb: get("price_inter_az_gb"),
            inter_region_gb: get("price_inter_region_gb"),
            nat_hour: get("price_nat_hour"),
            nat_gb: get("price_nat_gb"),
            function_million_requests: get("price_function_million_requests"),
            function_gb_second: get("price_function_gb_second"),
            month_to_date_egress_gb: get("egress_month_to_date_tb") * 1024.0,
        }
    }

    /// Dollars for `gb` more internet egress after `so_far` GB this month.
    pub fn internet_dollars(&self, so_far: f64, gb: f64) -> f64 {
        let mut dollars = 0.0;
        let (mut at, end) = (so_far.max(0.0), so_far.max(0.0) + gb.max(0.0));
        for (upto, factor) in EGRESS_TIERS {
            if at >= end {
                break;
            }
            if at < upto {
                let part = end.min(upto) - at;
                dollars += part * factor * self.internet_gb;
                at += part;
            }
        }
        dollars
    }
}

/// What a system used over one sample interval: what was provisioned (held for the
/// interval) and what moved in it.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Usage {
    /// vCPUs of the service instances running (crashed ones are still billed).
    pub vcpus: f64,
    pub db_instances: f64,
    pub cache_nodes: f64,
    pub load_balancers: f64,
    pub nat_gateways: f64,
    /// Provisioned storage, GB.
    pub storage_gb: f64,
    /// Bytes of responses to the internet.
    pub internet_bytes: f64,
    /// Bytes that crossed from one availability zone to another.
    pub inter_az_bytes: f64,
    pub inter_region_bytes: f64,
    /// Bytes through the NAT gateway (calls to outside providers).
    pub nat_bytes: f64,
    /// Bytes the load balancer processed (requests and responses).
    pub lb_bytes: f64,
    /// Function invocations and their GB-seconds (serverless parts).
    pub invocations: f64,
    pub gb_seconds: f64,
}

/// Turns each sample's `Usage` into dollars: the counters and rates of every resource.
pub struct CostMeter {
    prices: Prices,
    dollars: [CounterId; RESOURCES.len()],
    rate: [GaugeId; RESOURCES.len()],
    transfer: [CounterId; PATHS.len()],
    last_t: Nanos,
    egress_gb: f64,
}

impl CostMeter {
    /// Registers every resource's series (0 until it costs something).
    pub fn new(p: &ParamSet, metrics: &mut Registry) -> CostMeter {
        CostMeter {
            prices: Prices::read(p),
            dollars: RESOURCES.map(|r| metrics.counter(&COST, &[r])),
            rate: RESOURCES.map(|r| metrics.gauge(&COST_RATE, &[r])),
            transfer: PATHS.map(|path| metrics.counter(&TRANSFER, &[path])),
            last_t: 0,
            egress_gb: 0.0,
        }
    }

    pub fn prices(&self) -> &Prices {
        &self.prices
    }

    /// When the last interval billed ended.
    pub fn last_t(&self) -> Nanos {
        self.last_t
    }

    /// Bills the interval since the previous sample, ending `now`.
    pub fn sample(&mut self, now: Nanos, metrics: &mut Registry, u: &Usage) {
        let dt = now.saturating_sub(self.last_t);
        self.last_t = now;
        if dt == 0 {
            return;
        }
        let hours = dt as f64 / 3.6e12;
        let p = &self.prices;
        let mut d = [0.0; RESOURCES.len()];
        d[COMPUTE] = u.vcpus * p.vcpu_hour * hours;
        d[DATABASE] = u.db_instances * p.db_hour * hours;
        d[CACHE] = u.cache_nodes * p.cache_hour * hours;
        let lcus = (u.lb_bytes / GB) / hours.max(1e-12);
        d[LOAD_BALANCER] = u.load_balancers * (p.lb_hour + lcus * p.lcu_hour) * hours;
        d[STORAGE] = u.storage_gb * p.storage_gb_month / HOURS_PER_MONTH * hours;
        let month_so_far = p.month_to_date_egress_gb + self.egress_gb;
        d[INTERNET] = p.internet_dollars(month_so_far, u.internet_bytes / GB);
        self.egress_gb += u.internet_bytes / GB;
        // Billed out of one zone and into the other.
        d[INTER_AZ] = 2.0 * u.inter_az_bytes / GB * p.inter_az_gb;
        d[INTER_REGION] = u.inter_region_bytes / GB * p.inter_region_gb;
        d[NAT] = u.nat_gateways * p.nat_hour * hours + u.nat_bytes / GB * p.nat_gb;
        d[FUNCTIONS] =
            u.invocations / 1e6 * p.function_million_requests + u.gb_seconds * p.function_gb_second;
        for (i, dollars) in d.iter().enumerate() {
            metrics.add(self.dollars[i], *dollars);
            metrics.set(self.rate[i], dollars / hours);
        }
        let bytes = [
            u.internet_bytes,
            u.inter_az_bytes,
            u.inter_region_bytes,
            u.nat_bytes,
        ];
        for (id, b) in self.transfer.iter().zip(bytes) {
            metrics.add(*id, b);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn egress_is_billed_by_the_months_tiers() {
        let p = Prices {
            internet_gb: 0.09,
            ..Prices::default()
        };
        // The free 100 GB, then $0.09.
        assert_eq!(p.internet_dollars(0.0, 100.0), 0.0);
        assert!((p.internet_dollars(0.0, 200.0) - 9.0).abs() < 1e-9);
        // Straddling 10 TB: 24 GB at $0.09, 76 GB at $0.085.
        let d = p.internet_dollars(10.0 * 1024.0 - 24.0, 100.0);
        assert!((d - (24.0 * 0.09 + 76.0 * 0.085)).abs() < 1e-9, "{d}");
        // Far past 150 TB: $0.05.
        assert!((p.internet_dollars(1e6, 10.0) - 0.5).abs() < 1e-9);
    }

    #[test]
    fn an_hour_of_provisioned_parts_costs_their_hourly_prices() {
        let mut reg = Registry::new(16);
        let mut set = ParamSet::default();
        for (name, v) in [
            ("price_vcpu_hour", 0.048),
            ("price_db_instance_hour", 0.178),
            ("price_inter_az_gb", 0.01),
        ] {
            set.insert(name, crate::params::ParamValue::Float(v));
        }
        let mut meter = CostMeter::new(&set, &mut reg);
        let usage = Usage {
            vcpus: 16.0,
            db_instances: 2.0,
            inter_az_bytes: GB,
            ..Usage::default()
        };
        meter.sample(3_600_000_000_000, &mut reg, &usage);
        let dollars = |r: usize| reg.counter_value(meter.dollars[r]);
        assert!((dollars(COMPUTE) - 0.768).abs() < 1e-9);
        assert!((dollars(DATABASE) - 0.356).abs() < 1e-9);
        assert!((dollars(INTER_AZ) - 0.02).abs() < 1e-9, "both directions");
        assert!((reg.gauge_value(meter.rate[COMPUTE]) - 0.768).abs() < 1e-9);
        assert_eq!(dollars(CACHE), 0.0);
    }
}
