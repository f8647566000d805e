//! Data integrity: correctness problems counted per kind, from the one metric family
//! every such problem is recorded in (`data_anomalies_total{kind}`), so a new kind is
//! counted without a change here or on the page. The counts travel in each `Tick` that
//! brings a sample; the page's integrity panel (`components::integrity` in the app) lists
//! them.

use engine::catalog;
use engine::sim::Lab;

/// The metric family the panel reads.
pub const FAMILY: &str = "data_anomalies_total";

/// Known kinds in display order, with how the panel names them. Kinds not listed here
/// follow, under their metric label.
const KINDS: &[(&str, &str)] = &[
    ("lost_update", "Lost updates"),
    ("non_repeatable_read", "Non-repeatable reads"),
    ("phantom", "Phantom reads"),
    ("write_skew", "Write skew"),
    ("stale_read", "Stale reads"),
    ("lost_write", "Lost writes"),
    ("out_of_order", "Out-of-order events"),
    ("duplicate_delivery", "Duplicate deliveries"),
];

/// The run's anomaly counts by kind (known kinds first, in `KINDS` order; then the rest
/// alphabetically).
pub fn anomalies(lab: &Lab) -> Vec<(String, f64)> {
    let m = lab.metrics();
    let mut kinds: Vec<String> = m
        .series_keys()
        .filter(|k| k.name == FAMILY)
        .filter_map(|k| k.label_values.first().cloned())
        .collect();
    engine::order::sort_by_key(&mut kinds, |k| {
        let rank = KINDS
            .iter()
            .position(|(id, _)| id == k)
            .unwrap_or(KINDS.len());
        (rank, k.clone())
    });
    kinds.dedup();
    kinds
        .into_iter()
        .map(|kind| {
            let n = m.family_total_where(FAMILY, |_, v| v.first() == Some(&kind));
            (kind, n)
        })
        .collect()
}

/// How the panel names `kind`.
pub fn label(kind: &str) -> String {
    KINDS
        .iter()
        .find(|(id, _)| *id == kind)
        .map_or_else(|| kind.replace('_', " "), |(_, l)| (*l).to_string())
}

/// Whether scenario `id` records data anomalies (a data-integrity scenario).
pub fn records_anomalies(id: &str) -> bool {
    catalog::find_scenario(id).is_ok_and(|m| m.metrics.iter().any(|s| s.name == FAMILY))
}
