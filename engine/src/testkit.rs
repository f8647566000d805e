//! Helpers for the scenario tests that live in each scenario's file: build a run, step it,
//! read what a learner would read. Test-only.

use crate::sim::{Golden, Lab, LabConfig, Summary};
use crate::time::NS_PER_SEC;

/// A configuration of `system` with `seed`, switches on `switches` and applies `sets`
/// (`("key", "value")`); panics with the engine's message on a bad one (tests only).
pub fn config(system: &str, seed: u64, switches: &[&str], sets: &[(&str, &str)]) -> LabConfig {
    let mut cfg = LabConfig::new(system);
    cfg.seed = seed;
    for id in switches {
        if let Err(e) = cfg.enable(id) {
            panic!("enable {id}: {e}");
        }
    }
    for (k, v) in sets {
        if let Err(e) = cfg.set(k, v) {
            panic!("set {k}={v}: {e}");
        }
    }
    cfg
}

/// Runs `cfg` for `secs` virtual seconds.
pub fn run(cfg: &LabConfig, secs: u64) -> Lab {
    let mut lab = match Lab::new(cfg) {
        Ok(lab) => lab,
        Err(e) => panic!("{e}"),
    };
    lab.run_until(secs * NS_PER_SEC);
    lab
}

/// The exact summary after `warmup` of a `secs`-second run.
pub fn summary(mut cfg: LabConfig, warmup: u64, secs: u64) -> Summary {
    cfg.warmup_ns = warmup * NS_PER_SEC;
    run(&cfg, secs).summary()
}

/// Golden signals at virtual second `t` of a run (advanced in place).
pub fn golden_at(lab: &mut Lab, t: u64) -> Golden {
    lab.run_until(t * NS_PER_SEC);
    lab.golden()
}

/// Sum over every series of metric family `name` (0 when it was never registered).
pub fn total(lab: &Lab, name: &str) -> f64 {
    lab.metrics().family_total(name)
}

/// Whether metric family `name` exists in the run (its panel would show).
pub fn registered(lab: &Lab, name: &str) -> bool {
    lab.metrics().spec(name).is_some()
}

/// The mean of golden series `name` over virtual seconds `[from, to)`.
pub fn mean_between(lab: &Lab, name: &str, from: u64, to: u64) -> f64 {
    let Some(series) = lab.series(name) else {
        return f64::NAN;
    };
    let pts: Vec<f64> = series
        .iter()
        .filter(|(t, _)| *t >= from * NS_PER_SEC && *t < to * NS_PER_SEC)
        .map(|(_, v)| v)
        .collect();
    pts.iter().sum::<f64>() / pts.len().max(1) as f64
}

/// Client-side successful calls per second over virtual seconds `[from, to)` (goodput).
pub fn goodput_between(lab: &Lab, from: u64, to: u64) -> f64 {
    let metrics = lab.metrics();
    let Some(key) = metrics.series_keys().find(|k| {
        k.name == "client_requests_total" && k.label_values.first().is_some_and(|v| v == "success")
    }) else {
        return 0.0;
    };
    let pts = metrics.points(key.index);
    let at = |t: u64| {
        pts.iter()
            .find(|(ts, _)| *ts == t * NS_PER_SEC)
            .map_or(f64::NAN, |p| p.1)
    };
    (at(to) - at(from)) / (to - from) as f64
}

/// Client calls that ended with `outcome` (success, error, timeout) so far.
pub fn client_outcomes(lab: &Lab, outcome: &str) -> f64 {
    lab.metrics()
        .family_total_where("client_requests_total", |_, values| {
            values.first().is_some_and(|v| v == outcome)
        })
}

/// Quantile `q` of histogram `name` over the whole run so far, summed over the series
/// whose label values include `label_value` (as `histogram_quantile` on a dashboard).
pub fn quantile_where(lab: &Lab, name: &str, label_value: &str, q: f64) -> f64 {
    let m = lab.metrics();
    let mut total: Vec<u64> = Vec::new();
    let mut bounds: &[f64] = &[];
    for k in m
        .series_keys()
        .filter(|k| k.name == name && k.label_values.iter().any(|v| v == label_value))
    {
        let n = m.sample_count(k.index);
        if let Some((_, cum)) = n
            .checked_sub(1)
            .and_then(|i| m.histogram_sample(k.index, i))
        {
            if total.is_empty() {
                total = vec![0; cum.len()];
            }
            for (t, c) in total.iter_mut().zip(cum) {
                *t += c;
            }
            bounds = m.spec(name).map_or(&[], |s| s.buckets);
        }
    }
    crate::metrics::histogram_quantile(q, bounds, &total)
}

/// Responses of `endpoint` with HTTP `status` so far (`http_requests_total`).
pub fn responses(lab: &Lab, endpoint: &str, status: &str) -> f64 {
    lab.metrics()
        .family_total_where("http_requests_total", |_, v| {
            v[1] == endpoint && v[2] == status
        })
}

/// Responses of `endpoint` that were anything but 200.
pub fn failed_responses(lab: &Lab, endpoint: &str) -> f64 {
    lab.metrics()
        .family_total_where("http_requests_total", |_, v| {
            v[1] == endpoint && v[2] != "200"
        })
}

/// Sampled values of the series of metric `name` whose first label is `label`, oldest
/// first (empty when there is none).
pub fn series_values(lab: &Lab, name: &str, label: &str) -> Vec<f64> {
    let m = lab.metrics();
    m.series_keys()
        .find(|k| k.name == name && k.label_values.first().is_some_and(|v| v == label))
        .map(|k| m.points(k.index).into_iter().map(|p| p.1).collect())
        .unwrap_or_default()
}

/// Sampled values of the first series of metric `name` (for metrics without labels),
/// oldest first (empty when there is none).
pub fn values_of(lab: &Lab, name: &str) -> Vec<f64> {
    let m = lab.metrics();
    m.series_keys()
        .find(|k| k.name == name)
        .map(|k| m.points(k.index).into_iter().map(|p| p.1).collect())
        .unwrap_or_default()
}

/// Quantile `q` of histogram `name` over all its series, the whole run so far.
pub fn quantile_all(lab: &Lab, name: &str, q: f64) -> f64 {
    match lab.metrics().family_histogram(name) {
        Some((bounds, cum, _)) => crate::metrics::histogram_quantile(q, bounds, &cum),
        None => f64::NAN,
    }
}

/// The current value of metric `name` summed over its series whose first label is
/// `label` (a counter's total so far, a gauge's last value).
pub fn total_where(lab: &Lab, name: &str, label: &str) -> f64 {
    lab.metrics()
        .family_total_where(name, |_, v| v.first().is_some_and(|x| x == label))
}

/// The mean of the sampled values of the series of `name` whose first label is `label`,
/// leaving out the first five samples (the run settling).
pub fn settled_mean(lab: &Lab, name: &str, label: &str) -> f64 {
    let v = series_values(lab, name, label);
    v[5..].iter().sum::<f64>() / (v.len() - 5) as f64
}
