//! The run's bill, for the page's cost panel: what each resource costs an hour now and
//! has cost so far (`cost_rate_dollars_per_hour`, `cost_dollars_total` by resource: the
//! engine's cost model, `engine::systems::cost`), and what a million requests cost. It
//! travels in each `Tick` that brings a sample, for a system that bills.

use engine::sim::Lab;
use engine::systems::cost::{COST, COST_RATE, RESOURCES, RESOURCE_LABELS};

/// One line of the bill.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BillLine {
    /// The `resource` label value.
    pub resource: String,
    /// Dollars an hour at the current usage.
    pub per_hour: f64,
    /// Dollars since the run began.
    pub total: f64,
}

/// The run's bill so far.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Bill {
    /// Every resource the system bills, in `RESOURCES` order; those that cost nothing
    /// so far are left out.
    pub lines: Vec<BillLine>,
    /// Requests answered since the run began (`http_requests_total`).
    pub requests: f64,
}

engine::codec_struct!(BillLine {
    resource,
    per_hour,
    total
});
engine::codec_struct!(Bill { lines, requests });

impl Bill {
    /// Dollars an hour, every resource.
    pub fn per_hour(&self) -> f64 {
        self.lines.iter().map(|l| l.per_hour).sum()
    }

    /// Dollars so far, every resource.
    pub fn total(&self) -> f64 {
        self.lines.iter().map(|l| l.total).sum()
    }

    /// Dollars per million requests answered, over the run so far (`None` before the
    /// first request).
    pub fn per_million_requests(&self) -> Option<f64> {
        (self.requests > 0.0).then(|| self.total() / self.requests * 1e6)
    }
}

/// How the panel names a resource.
pub fn label(resource: &str) -> &'static str {
    RESOURCES
        .iter()
        .position(|r| *r == resource)
        .map_or("Other", |i| RESOURCE_LABELS[i])
}

/// The run's bill, if its system has a cost model.
pub fn bill(lab: &Lab) -> Option<Bill> {
    let m = lab.metrics();
    if !m.series_keys().any(|k| k.name == COST.name) {
        return None;
    }
    let of = |family: &str, resource: &str| {
        m.family_total_where(family, |_, v| {
            v.first().map(String::as_str) == Some(resource)
        })
    };
    let lines = RESOURCES
        .iter()
        .map(|&r| BillLine {
            resource: r.to_string(),
            per_hour: of(COST_RATE.name, r),
            total: of(COST.name, r),
        })
        .filter(|l| l.total > 0.0 || l.per_hour > 0.0)
        .collect();
    Some(Bill {
        lines,
        requests: m.family_total(engine::systems::common::HTTP_REQUESTS.name),
    })
}
