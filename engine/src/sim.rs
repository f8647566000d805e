//! A run: the configuration (`LabConfig`), the running simulation (`Lab`) that the CLI
//! runs to an end time and the UI advances frame by frame, the golden signals sampled
//! from it, its exact summary and its digest.

use crate::alerts::{
    default_rules, Alerts, ErrorBudget, Rule, Slo, DEFAULT_RULE_NAMES, MAX_CUSTOM_RULES,
};
use crate::catalog::{
    find_mitigation, find_scenario, find_switch, find_system, scenario_rank, Switch,
};
pub use crate::golden::{Golden, GoldenHistory, Series, Signal, GOLDEN_SERIES, GOLDEN_WINDOW_NS};
use crate::metrics::{histogram_quantile, LATENCY_BUCKETS};
use crate::observe::{LogRecord, Trace};
use crate::params::{find_spec, ParamSet, ParamValue};
use crate::query::{Run, RunView};
use crate::scenario::ActiveScenario;
use crate::systems::{Core, Model, SystemMeta};
use crate::time::{ns_to_secs, Nanos, NS_PER_SEC};
use crate::LabError;
use serde::Serialize;
use std::collections::{BTreeMap, VecDeque};

/// What to run: a system, its parameters, the scenarios and mitigations switched on with
/// theirs, a seed. Every value is validated when set, so a `LabConfig` always describes a
/// valid run.
#[derive(Debug, Clone, PartialEq)]
pub struct LabConfig {
    pub system: String,
    pub seed: u64,
    /// Statistics in the summary ignore requests arriving before this.
    pub warmup_ns: Nanos,
    /// Virtual time between metric samples.
    pub sample_interval_ns: Nanos,
    /// Samples kept per series (older ones are dropped).
    pub history_len: usize,
    /// Service-level objectives: the default alert rules and the error budget use them.
    pub slo: Slo,
    /// Alert rules of the learner's own, beside the defaults, as `Rule::parse` reads
    /// them (validated, canonical text, unique names).
    custom_rules: Vec<String>,
    system_params: BTreeMap<String, String>,
    /// Switched-on scenarios and mitigations with their raw parameter overrides, in a
    /// fixed order (`Switch::rank`).
    switches: BTreeMap<(u8, usize), (String, BTreeMap<String, String>)>,
}

impl LabConfig {
    /// A configuration of `system` with every default. An unknown system is reported by
    /// `set`, `enable_scenario` and `Lab::new`.
    pub fn new(system: &str) -> Self {
        LabConfig {
            system: system.to_string(),
            seed: 1,
            warmup_ns: 0,
            sample_interval_ns: NS_PER_SEC,
            history_len: 3600,
            slo: Slo::default(),
            custom_rules: Vec::new(),
            system_params: BTreeMap::new(),
            switches: BTreeMap::new(),
        }
    }

    /// Adds an alert rule written `NAME: CONDITION [for DURATION] [warning|critical]`
    /// (see `Rule::parse`); a rule of the same name is replaced. Returns its name.
    pub fn add_rule(&mut self, text: &str) -> Result<String, LabError> {
        let invalid = |detail: String| LabError::InvalidRule { detail };
        let rule = Rule::parse(text).map_err(invalid)?;
        if DEFAULT_RULE_NAMES.contains(&rule.name.as_str()) {
            return Err(invalid(format!(
                "alert rule name `{}` belongs to a default rule (taken: {}); choose another name",
                rule.name,
                DEFAULT_RULE_NAMES.join(", ")
            )));
        }
        let canonical = rule.to_text();
        let same = |t: &String| t.split_once(':').is_some_and(|(n, _)| n == rule.name);
        match self.custom_rules.iter().position(same) {
            Some(i) => self.custom_rules[i] = canonical,
            None if self.custom_rules.len() >= MAX_CUSTOM_RULES => {
                return Err(invalid(format!(
                    "alert rule `{}`: a run holds at most {MAX_CUSTOM_RULES} rules of your own; remove one first",
                    rule.name
                )))
            }
            None => self.custom_rules.push(canonical),
        }
        Ok(rule.name)
    }

    /// Removes the learner's rule `name`; false when there is none.
    pub fn remove_rule(&mut self, name: &str) -> bool {
        let before = self.custom_rules.len();
        self.custom_rules
            .retain(|t| t.split_once(':').is_none_or(|(n, _)| n != name));
        self.custom_rules.len() != before
    }

    /// The learner's own rules, as text, in the order they were added.
    pub fn custom_rules(&self) -> &[String] {
        &self.custom_rules
    }

    /// Every rule a run evaluates: the defaults for the SLO, then the learner's.
    pub fn alert_rules(&self) -> Vec<Rule> {
        let mut rules = default_rules(&self.slo);
        // Stored rules were validated when added.
        rules.extend(self.custom_rules.iter().filter_map(|t| Rule::parse(t).ok()));
        rules
    }

    fn system_meta(&self) -> Result<&'static SystemMeta, LabError> {
        find_system(&self.system)
    }

    /// Switches scenario `id` on (with its defaults).
    pub fn enable_scenario(&mut self, id: &str) -> Result<(), LabError> {
        self.enable_switch(Switch::Scenario(find_scenario(id)?))
    }

    /// Switches mitigation `id` on (with its defaults).
    pub fn enable_mitigation(&mut self, id: &str) -> Result<(), LabError> {
        self.enable_switch(Switch::Mitigation(find_mitigation(id)?))
    }

    /// Switches a scenario or mitigation on by id.
    pub fn enable(&mut self, id: &str) -> Result<(), LabError> {
        self.enable_switch(find_switch(id)?)
    }

    fn enable_switch(&mut self, sw: Switch) -> Result<(), LabError> {
        let fresh = !self.switches.contains_key(&sw.rank());
        self.switches
            .entry(sw.rank())
            .or_insert_with(|| (sw.id().to_string(), BTreeMap::new()));
        let checked = self.check_switch(sw);
        if checked.is_err() && fresh {
            self.switches.remove(&sw.rank());
        }
        checked
    }

    /// Switches a scenario or mitigation off (its parameter overrides are forgotten).
    pub fn disable(&mut self, id: &str) {
        self.switches.retain(|_, (sid, _)| sid != id);
    }

    /// Switches a scenario off.
    pub fn disable_scenario(&mut self, id: &str) {
        self.disable(id);
    }

    /// Ids of switched-on scenarios, in catalogue order.
    pub fn enabled_scenarios(&self) -> impl Iterator<Item = &str> {
        self.switches
            .iter()
            .filter(|((kind, _), _)| *kind == 0)
            .map(|(_, (id, _))| id.as_str())
    }

    /// Ids of switched-on mitigations, in catalogue order.
    pub fn enabled_mitigations(&self) -> impl Iterator<Item = &str> {
        self.switches
            .iter()
            .filter(|((kind, _), _)| *kind == 1)
            .map(|(_, (id, _))| id.as_str())
    }

    pub fn is_enabled(&self, id: &str) -> bool {
        self.switches.values().any(|(sid, _)| sid == id)
    }

    /// Sets a parameter: a system parameter by bare name (`workers`), a scenario's or a
    /// mitigation's as `ID.name` (`fixed-latency.delay_ms`). The value is validated now;
    /// a refused value leaves the configuration as it was.
    pub fn set(&mut self, key: &str, raw: &str) -> Result<(), LabError> {
        if let Some(name) = key.strip_prefix("slo.") {
            return self.slo.set(name, raw);
        }
        match key.split_once('.') {
            None => {
                let sys = self.system_meta()?;
                let spec = find_spec(sys.params.iter(), key, key)?;
                spec.parse_as(key, raw)?;
                self.system_params
                    .insert(key.to_string(), raw.trim().to_string());
                Ok(())
            }
            Some((id, name)) => {
                let sw = find_switch(id)?;
                let params = sw.params();
                let spec = find_spec(params.iter().copied(), name, key)?;
                spec.parse_as(key, raw)?;
                let Some((_, overrides)) = self.switches.get_mut(&sw.rank()) else {
                    return Err(LabError::ScenarioNotEnabled {
                        key: key.to_string(),
                        scenario: sw.id().to_string(),
                    });
                };
                let previous = overrides.insert(name.to_string(), raw.trim().to_string());
                if let Err(e) = self.check_switch(sw) {
                    if let Some((_, overrides)) = self.switches.get_mut(&sw.rank()) {
                        match previous {
                            Some(p) => overrides.insert(name.to_string(), p),
                            None => overrides.remove(name),
                        };
                    }
                    return Err(e);
                }
                Ok(())
            }
        }
    }

    /// The validated parameters of the system.
    pub fn system_param_set(&self) -> Result<ParamSet, LabError> {
        let sys = self.system_meta()?;
        let mut set = ParamSet::defaults(sys.params.iter());
        for (k, raw) in &self.system_params {
            let spec = find_spec(sys.params.iter(), k, k)?;
            set.insert(k, spec.parse_as(k, raw)?);
        }
        Ok(set)
    }

    /// The validated parameters of a scenario or mitigation (defaults where not set).
    pub fn switch_param_set(&self, sw: Switch) -> Result<ParamSet, LabError> {
        let params = sw.params();
        let mut set = ParamSet::defaults(params.iter().copied());
        if let Some((_, overrides)) = self.switches.get(&sw.rank()) {
            for (name, raw) in overrides {
                let key = format!("{}.{}", sw.id(), name);
                let spec = find_spec(params.iter().copied(), name, &key)?;
                set.insert(name, spec.parse_as(&key, raw)?);
            }
        }
        Ok(set)
    }

    fn check_switch(&self, sw: Switch) -> Result<(), LabError> {
        let sys = self.system_meta()?;
        if let Some(only) = sys.only_switches.filter(|only| !only.contains(&sw.id())) {
            return Err(LabError::NotApplicable {
                key: sw.id().to_string(),
                detail: if only.is_empty() {
                    format!(
                        "system `{}` runs none of the catalogue's scenarios and mitigations yet",
                        sys.id
                    )
                } else {
                    format!("system `{}` runs only its own: {}", sys.id, only.join(", "))
                },
            });
        }
        // Another system's own switch (its behaviour lives in that system's parts).
        let owner = crate::systems::ALL.iter().find(|other| {
            other.id != sys.id
                && other
                    .only_switches
                    .is_some_and(|own| own.contains(&sw.id()))
        });
        if let Some(owner) = owner {
            return Err(LabError::NotApplicable {
                key: sw.id().to_string(),
                detail: format!("it is system `{}`'s own, not `{}`'s", owner.id, sys.id),
            });
        }
        let (parts, verb) = match sw {
            Switch::Scenario(m) => (m.strikes, "strikes"),
            Switch::Mitigation(m) => (m.acts_on, "acts on"),
        };
        if !parts.iter().any(|c| sys.components.contains(c)) {
            return Err(LabError::NotApplicable {
                key: sw.id().to_string(),
                detail: format!(
                    "it {verb} {} and system `{}` has none of them",
                    parts
                        .iter()
                        .map(|c| c.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                    sys.id
                ),
            });
        }
        if let Switch::Scenario(meta) = sw {
            // A metric the scenario shows that some system records but this one does not
            // (a memory leak's heap on a system with no memory model): nothing here
            // would ever move it.
            let recorded_elsewhere = |name: &str| {
                !sys.metrics.iter().any(|m| m.name == name)
                    && crate::systems::ALL
                        .iter()
                        .any(|other| other.metrics.iter().any(|m| m.name == name))
            };
            if let Some(m) = meta.metrics.iter().find(|m| recorded_elsewhere(m.name)) {
                return Err(LabError::NotApplicable {
                    key: meta.id.to_string(),
                    detail: format!(
                        "it shows `{}`, which system `{}` does not record",
                        m.name, sys.id
                    ),
                });
            }
            let params = self.switch_param_set(sw)?;
            (meta.check)(&params, sys.components).map_err(|detail| LabError::NotApplicable {
                key: meta.id.to_string(),
                detail,
            })?;
        }
        Ok(())
    }

    /// Every effective parameter value, defaults included, keyed as `set` takes them:
    /// system parameters first, then each switched-on scenario's and mitigation's.
    pub fn effective_params(&self) -> Result<Vec<(String, ParamValue)>, LabError> {
        let mut out: Vec<(String, ParamValue)> = self
            .system_param_set()?
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        for (id, _) in self.switches.values() {
            let sw = find_switch(id)?;
            for (k, v) in self.switch_param_set(sw)?.iter() {
                out.push((format!("{id}.{k}"), v.clone()));
            }
        }
        Ok(out)
    }
}

#[derive(Clone)]
struct Snapshot {
    t: Nanos,
    ok: u64,
    errors: u64,
    buckets: Vec<u64>,
}

/// The summary of a run after its warm-up: exact, from every request (see
/// `docs/cli.md` for each field).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    pub requests_total: u64,
    pub requests_completed: u64,
    pub errors_total: u64,
    pub throughput_rps: f64,
    pub latency_mean_s: f64,
    pub latency_p50_s: f64,
    pub latency_p95_s: f64,
    pub latency_p99_s: f64,
    pub latency_max_s: f64,
    pub wait_mean_s: f64,
    pub in_system_mean: f64,
    pub utilization: f64,
    /// Virtual seconds measured (run length minus warm-up).
    pub measured_s: f64,
    /// "exact" or, past the sample cap, "histogram" (every latency, within 0.1%).
    pub latency_percentiles: &'static str,
}

/// A small, fixed, portable hash for determinism checks: a word at a time, each step
/// (xor, odd multiply, rotate) a bijection of the state, so one differing value always
/// changes the result; `finish` mixes the bits (the SplitMix64 finaliser). It runs over
/// every metric at every sample, so it is on the sampling path: a word per step, not
/// FNV-1a's byte per step, which cost 7 % of an M/M/1 run.
#[derive(Debug, Clone, Copy)]
struct Digest(u64);

impl Digest {
    const START: Digest = Digest(0xcbf2_9ce4_8422_2325);
    #[inline]
    fn u64(&mut self, v: u64) {
        self.0 = (self.0 ^ v)
            .wrapping_mul(0x9e37_79b9_7f4a_7c15)
            .rotate_left(29);
    }
    fn finish(self) -> u64 {
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn f64(&mut self, v: f64) {
        // One NaN bit pattern, so a NaN is a NaN whatever produced it.
        self.u64(if v.is_nan() {
            0x7ff8_0000_0000_0000
        } else {
            v.to_bits()
        });
    }
}

/// A running simulation.
pub struct Lab {
    config: LabConfig,
    system: &'static SystemMeta,
    core: Core,
    model: Box<dyn Model>,
    next_sample: Nanos,
    /// The last `window_samples + 1` snapshots behind the golden signals.
    snapshots: VecDeque<Snapshot>,
    window_samples: usize,
    /// The golden signals sampled so far.
    golden_history: GoldenHistory,
    /// Alert rules evaluated at every sample (`default_rules(config.slo)` to start).
    alerts: Alerts,
    digest: Digest,
    events: u64,
    /// The last summary and the (time, events) it was computed at: sorting millions of
    /// latencies is worth doing once per state, not once per caller.
    summary_cache: Option<(Nanos, u64, Summary)>,
}

/// The most samples a run keeps per series (`LabConfig::history_len`; fewer than 2 are
/// taken as 2). More is refused: a histogram keeps a sample per bucket, and a length from
/// a damaged message (`usize::MAX`) overflowed that count (found by
/// `host/tests/it/fuzz.rs`).
pub const MAX_HISTORY_LEN: usize = 1_000_000;

impl Lab {
    /// Builds a run from a configuration, validating everything once more.
    pub fn new(config: &LabConfig) -> Result<Lab, LabError> {
        if config.history_len > MAX_HISTORY_LEN {
            return Err(LabError::OutOfRange {
                key: "history_len".into(),
                value: config.history_len.to_string(),
                allowed: format!("up to {MAX_HISTORY_LEN} samples per series"),
            });
        }
        let system = config.system_meta()?;
        let params = config.system_param_set()?;
        let mut core = Core::new(config.seed, config.warmup_ns, config.history_len.max(2));
        for id in config.enabled_mitigations() {
            let sw = Switch::Mitigation(find_mitigation(id)?);
            config.check_switch(sw)?;
            let p = config.switch_param_set(sw)?;
            core.mitigations.set(sw.id(), Some(p));
        }
        let model = (system.build)(&params, &mut core);
        let window = (GOLDEN_WINDOW_NS / config.sample_interval_ns.max(1)).max(1) as usize;
        let mut lab = Lab {
            config: config.clone(),
            system,
            core,
            model,
            next_sample: 0,
            snapshots: VecDeque::with_capacity(window + 1),
            window_samples: window,
            golden_history: GoldenHistory::new(config.history_len.max(2)),
            alerts: Alerts::new(config.alert_rules()),
            digest: Digest::START,
            events: 0,
            summary_cache: None,
        };
        for id in config.enabled_scenarios() {
            let meta = find_scenario(id)?;
            config.check_switch(Switch::Scenario(meta))?;
            let params = config.switch_param_set(Switch::Scenario(meta))?;
            lab.core.scenarios.enable(
                meta,
                scenario_rank(meta.id),
                params,
                0,
                config.seed,
                &mut lab.core.metrics,
            );
        }
        Ok(lab)
    }

    pub fn config(&self) -> &LabConfig {
        &self.config
    }
    pub fn system(&self) -> &'static SystemMeta {
        self.system
    }
    /// Current virtual time.
    pub fn now_ns(&self) -> Nanos {
        self.core.now
    }
    /// Events handled so far.
    pub fn events(&self) -> u64 {
        self.events
    }

    /// Simulates the next `dt_ns` of virtual time.
    pub fn advance(&mut self, dt_ns: Nanos) {
        let end = self.core.now.saturating_add(dt_ns);
        self.run_until(end);
    }

    /// Simulates until virtual time `end` (inclusive of events at `end`).
    pub fn run_until(&mut self, end: Nanos) {
        self.run_bounded(end, u64::MAX);
    }

    /// Simulates up to `dt_ns` but stops after `max_events` events; returns true when the
    /// whole slice was simulated. For "as fast as possible" within a frame budget.
    pub fn advance_bounded(&mut self, dt_ns: Nanos, max_events: u64) -> bool {
        let end = self.core.now.saturating_add(dt_ns);
        self.run_bounded(end, max_events)
    }

    fn run_bounded(&mut self, end: Nanos, max_events: u64) -> bool {
        let mut budget = max_events;
        loop {
            // A sample at time t sees every event before t, none at or after it: events
            // go first while they are due before the next sample (if it is due by `end`)
            // and by `end`.
            let sample_due = self.next_sample <= end;
            let last = if sample_due {
                self.next_sample.checked_sub(1)
            } else {
                Some(end)
            };
            if let Some(last) = last {
                let n = self.model.step_many(&mut self.core, last, budget);
                budget -= n;
                self.events += n;
                if budget == 0 && self.model.peek_time().is_some_and(|t| t <= last) {
                    return false;
                }
            }
            if !sample_due {
                break;
            }
            self.core.now = self.core.now.max(self.next_sample);
            self.sample();
        }
        self.core.now = self.core.now.max(end);
        true
    }

    fn sample(&mut self) {
        let t = self.next_sample;
        self.next_sample += self.config.sample_interval_ns.max(1);
        self.model.on_sample(&mut self.core);
        self.core.scenarios.on_sample(t, &mut self.core.metrics);
        self.core.metrics.sample(t);

        // The window's oldest snapshot is the baseline for rates and percentiles; the one
        // that leaves the window lends its bucket vector to the new one (no allocation).
        let st = &self.core.stats;
        let mut buckets = if self.snapshots.len() > self.window_samples {
            self.snapshots
                .pop_front()
                .map(|s| s.buckets)
                .unwrap_or_default()
        } else {
            Vec::with_capacity(st.all_latency_buckets.len())
        };
        buckets.clear();
        buckets.extend_from_slice(&st.all_latency_buckets);
        self.snapshots.push_back(Snapshot {
            t,
            ok: st.all_ok,
            errors: st.all_errors,
            buckets,
        });
        let (base, snap) = (
            &self.snapshots[0],
            &self.snapshots[self.snapshots.len() - 1],
        );

        let mut g = Golden {
            t_ns: t,
            queue_depth: self.model.queue_depth() as f64,
            in_flight: self.core.stats.in_system.level() as f64,
            utilization: self
                .core
                .metrics
                .family_total("service_utilization_ratio")
                .clamp(0.0, 1.0),
            ..Golden::default()
        };
        if base.t < t {
            let secs = ns_to_secs(t - base.t);
            let ok = snap.ok - base.ok;
            let errors = snap.errors - base.errors;
            g.throughput_rps = ok as f64 / secs;
            let answered = ok + errors;
            g.error_rate = if answered > 0 {
                errors as f64 / answered as f64
            } else {
                0.0
            };
            let mut cum = [0u64; LATENCY_BUCKETS.len() + 1];
            let mut acc = 0;
            for ((c, now), then) in cum.iter_mut().zip(&snap.buckets).zip(&base.buckets) {
                acc += now - then;
                *c = acc;
            }
            let q = |q| {
                let v = histogram_quantile(q, LATENCY_BUCKETS, &cum);
                if v.is_nan() {
                    0.0
                } else {
                    v
                }
            };
            g.latency_p50_s = q(0.5);
            g.latency_p95_s = q(0.95);
            g.latency_p99_s = q(0.99);
        }
        self.golden_history.push(&g);
        let run = RunView {
            metrics: &self.core.metrics,
            golden: self.golden_history.columns(),
        };
        self.alerts.evaluate(&run, t);

        self.digest.u64(t);
        for v in g.values() {
            self.digest.f64(v);
        }
        let mut d = self.digest;
        self.core.metrics.for_each_value(|v| d.f64(v));
        self.digest = d;
    }

    /// The golden signals at the latest sample.
    pub fn golden(&self) -> Golden {
        self.golden_history.last().unwrap_or_default()
    }

    /// The alert rules, their states and their transitions so far.
    pub fn alerts(&self) -> &Alerts {
        &self.alerts
    }

    /// Replaces the alert rules (states and history start afresh).
    pub fn set_alert_rules(&mut self, rules: Vec<Rule>) {
        self.alerts = Alerts::new(rules);
    }

    /// Adds (or replaces, by name) one of the learner's alert rules now, without
    /// restarting the run; see `LabConfig::add_rule`. Returns its name.
    pub fn add_rule(&mut self, text: &str) -> Result<String, LabError> {
        let name = self.config.add_rule(text)?;
        self.rebuild_alerts();
        Ok(name)
    }

    /// Removes one of the learner's alert rules now; false when there is none.
    pub fn remove_rule(&mut self, name: &str) -> bool {
        let removed = self.config.remove_rule(name);
        if removed {
            self.rebuild_alerts();
        }
        removed
    }

    /// Rebuilds the alerts from the configuration's SLO and rules and evaluates them
    /// over every sample the run still holds, in order, so a rule added or changed late
    /// shows when it would have been pending and firing: the same transitions a run that
    /// had it from the start gives, as far back as the history reaches.
    fn rebuild_alerts(&mut self) {
        let mut alerts = Alerts::new(self.config.alert_rules());
        let times: Vec<Nanos> = self.golden_history.times().collect();
        for t in times {
            alerts.evaluate(self, t);
        }
        self.alerts = alerts;
    }

    /// The availability error budget at the latest sample (see `alerts::ErrorBudget`).
    pub fn error_budget(&self) -> Option<ErrorBudget> {
        ErrorBudget::of(self, &self.config.slo)
    }

    /// A golden series by name (see `GOLDEN_SERIES`), for a name that comes from input;
    /// code that knows the signal reads `golden_history().column(signal)`.
    pub fn series(&self, name: &str) -> Option<&Series> {
        self.run().series(name)
    }

    /// The golden signals sampled so far, a column per signal.
    pub fn golden_history(&self) -> &GoldenHistory {
        &self.golden_history
    }

    /// The run as queries, alerts and checks read it: the metrics and the golden series.
    pub fn run(&self) -> RunView<'_> {
        RunView {
            metrics: &self.core.metrics,
            golden: self.golden_history.columns(),
        }
    }

    /// The run's model as its concrete type, where the model offers it (a system's own
    /// tests read its internal state this way).
    pub fn model_as<T: 'static>(&self) -> Option<&T> {
        self.model.as_any()?.downcast_ref::<T>()
    }

    pub fn metrics(&self) -> &crate::metrics::Registry {
        &self.core.metrics
    }

    pub fn logs(&self) -> impl DoubleEndedIterator<Item = &LogRecord> {
        self.core.logs.lines()
    }

    pub fn traces(&self) -> impl DoubleEndedIterator<Item = &Trace> {
        self.core.traces.traces()
    }

    /// Switched-on scenarios with their parameters.
    pub fn scenarios(&self) -> impl Iterator<Item = &ActiveScenario> {
        self.core.scenarios.iter().filter(|s| s.enabled)
    }

    /// Switched-on mitigations.
    pub fn mitigations(&self) -> &crate::mitigation::Mitigations {
        &self.core.mitigations
    }

    /// Carries out an operator's command on the running system now (at `now_ns`, like a
    /// switch toggled); refused, with a message naming what is allowed, if the system
    /// takes no such command.
    pub fn operate(&mut self, op: &crate::systems::Operation) -> Result<(), LabError> {
        self.model.operate(&mut self.core, op)
    }

    /// Switches a scenario or mitigation on or off now, without restarting the run.
    pub fn set_enabled(&mut self, id: &str, on: bool) -> Result<(), LabError> {
        let sw = find_switch(id)?;
        if on {
            self.config.enable(id)?;
        } else {
            self.config.disable(id);
        }
        self.apply_switch(sw, on)
    }

    /// Switches a scenario on or off now (see `set_enabled`).
    pub fn set_scenario_enabled(&mut self, id: &str, on: bool) -> Result<(), LabError> {
        find_scenario(id)?;
        self.set_enabled(id, on)
    }

    fn apply_switch(&mut self, sw: Switch, on: bool) -> Result<(), LabError> {
        let now = self.core.now;
        match sw {
            Switch::Scenario(meta) if on => {
                let params = self.config.switch_param_set(sw)?;
                self.core.scenarios.enable(
                    meta,
                    scenario_rank(meta.id),
                    params,
                    now,
                    self.config.seed,
                    &mut self.core.metrics,
                );
            }
            Switch::Scenario(meta) => self.core.scenarios.disable(meta.id),
            Switch::Mitigation(meta) => {
                let params = if on {
                    Some(self.config.switch_param_set(sw)?)
                } else {
                    None
                };
                self.core.mitigations.set(meta.id, params);
                self.model.reconfigure(&mut self.core);
            }
        }
        Ok(())
    }

    /// Changes a switched-on scenario's or mitigation's parameter now (`ID.name`).
    /// System parameters shape the topology and need a new run: they return
    /// `RequiresReset` (after validating the value).
    pub fn set_param(&mut self, key: &str, raw: &str) -> Result<(), LabError> {
        if key.starts_with("slo.") {
            // The default rules and the budget follow the objectives at once.
            self.config.set(key, raw)?;
            self.rebuild_alerts();
            return Ok(());
        }
        match key.split_once('.') {
            None => {
                let sys = self.system;
                find_spec(sys.params.iter(), key, key)?.parse_as(key, raw)?;
                Err(LabError::RequiresReset {
                    key: key.to_string(),
                })
            }
            Some((id, _)) => {
                let sw = find_switch(id)?;
                self.config.set(key, raw)?;
                match sw {
                    Switch::Scenario(meta) => {
                        let params = self.config.switch_param_set(sw)?;
                        self.core
                            .scenarios
                            .reconfigure(meta.id, params, &mut self.core.metrics);
                        Ok(())
                    }
                    Switch::Mitigation(_) => self.apply_switch(sw, true),
                }
            }
        }
    }

    /// The exact summary of everything after the warm-up, up to now.
    pub fn summary(&mut self) -> Summary {
        if let Some((t, events, cached)) = &self.summary_cache {
            if *t == self.core.now && *events == self.events {
                return cached.clone();
            }
        }
        let summary = self.compute_summary();
        self.summary_cache = Some((self.core.now, self.events, summary.clone()));
        summary
    }

    fn compute_summary(&mut self) -> Summary {
        self.core.settle();
        let st = &self.core.stats;
        let measured_ns = self.core.now.saturating_sub(st.warmup_ns);
        let measured_s = ns_to_secs(measured_ns);
        let per = |x: f64, n: u64| if n == 0 { 0.0 } else { x / n as f64 };
        // Exact percentiles while every latency is kept; past the cap, from the
        // histogram of all of them (within 0.1%), without sorting 4M values.
        let exact = st.latency_histogram.total() as usize == st.latencies.len();
        let mut sorted = Vec::new();
        if exact {
            sorted = st.latencies.clone();
            sorted.sort_unstable();
        }
        let hist = &st.latency_histogram;
        let pct = |q: f64| -> f64 {
            if !exact {
                return ns_to_secs(hist.quantile(q));
            }
            if sorted.is_empty() {
                return 0.0;
            }
            // Nearest rank: the smallest value with at least q of the sample at or below.
            let rank = (q * sorted.len() as f64).ceil() as usize;
            ns_to_secs(sorted[rank.clamp(1, sorted.len()) - 1])
        };
        let workers = self.model.workers_total().max(1) as f64;
        Summary {
            requests_total: st.arrivals,
            requests_completed: st.completed,
            errors_total: st.errors,
            throughput_rps: if measured_s > 0.0 {
                st.completed as f64 / measured_s
            } else {
                0.0
            },
            latency_mean_s: per(st.latency_sum_ns as f64, st.completed) * 1e-9,
            latency_p50_s: pct(0.50),
            latency_p95_s: pct(0.95),
            latency_p99_s: pct(0.99),
            latency_max_s: ns_to_secs(hist.max()),
            wait_mean_s: per(st.wait_sum_ns as f64, st.completed) * 1e-9,
            in_system_mean: if measured_ns > 0 {
                st.in_system.measured() as f64 / measured_ns as f64
            } else {
                0.0
            },
            utilization: if measured_ns > 0 {
                st.busy.measured() as f64 / (measured_ns as f64 * workers)
            } else {
                0.0
            },
            measured_s,
            latency_percentiles: if exact { "exact" } else { "histogram" },
        }
    }

    /// A hex digest of the run's output so far: every sample of every series, the final
    /// metric values and the summary. Same configuration and seed → same digest, natively
    /// and in WebAssembly.
    pub fn digest(&mut self) -> String {
        let summary = self.summary();
        let mut d = self.digest;
        self.core.metrics.for_each_value(|v| d.f64(v));
        for v in [
            summary.requests_total as f64,
            summary.requests_completed as f64,
            summary.errors_total as f64,
            summary.latency_mean_s,
            summary.latency_p50_s,
            summary.latency_p95_s,
            summary.latency_p99_s,
            summary.wait_mean_s,
            summary.in_system_mean,
            summary.utilization,
        ] {
            d.f64(v);
        }
        d.u64(self.events);
        format!("{:016x}", d.finish())
    }

    /// Prometheus text exposition of the current metric values.
    pub fn prometheus_text(&self) -> String {
        self.core.metrics.prometheus_text()
    }

    /// The sampled time series as CSV: one row per sample, the golden signals then every
    /// metric series (histograms as their `_count`).
    pub fn csv(&self) -> String {
        let m = &self.core.metrics;
        let keys: Vec<_> = m.series_keys().collect();
        let mut header = vec!["t_s".to_string()];
        header.extend(Signal::ALL.iter().map(|s| s.name().to_string()));
        for k in &keys {
            let labels: Vec<String> = k
                .label_names
                .iter()
                .zip(k.label_values)
                .map(|(n, v)| format!("{n}={v}"))
                .collect();
            let suffix = if k.kind == crate::metrics::MetricKind::Histogram {
                "_count"
            } else {
                ""
            };
            let name = if labels.is_empty() {
                format!("{}{suffix}", k.name)
            } else {
                format!("{}{suffix}{{{}}}", k.name, labels.join(";"))
            };
            header.push(csv_field(&name));
        }
        let mut out = header.join(",");
        out.push('\n');
        let columns: Vec<BTreeMap<Nanos, f64>> = keys
            .iter()
            .map(|k| crate::order::to_map(m.points(k.index)))
            .collect();
        let golden = &self.golden_history;
        for i in 0..golden.len() {
            let Some(g) = golden.row(i) else {
                continue;
            };
            let t = g.t_ns;
            let mut row = vec![fmt_num(ns_to_secs(t))];
            row.extend(g.values().map(fmt_num));
            for c in &columns {
                row.push(c.get(&t).map_or(String::new(), |v| fmt_num(*v)));
            }
            out.push_str(&row.join(","));
            out.push('\n');
        }
        out
    }
}

fn fmt_num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

impl Run for Lab {
    fn view(&self) -> RunView<'_> {
        self.run()
    }
}

impl crate::topology::Read for Lab {
    fn reading(&self) -> crate::topology::Reading<'_> {
        let (lab, now) = (self, self.now_ns());
        crate::topology::Reading {
            system: lab.system().id,
            params: lab.config().system_param_set().ok(),
            run: lab.run(),
            striking: lab
                .scenarios()
                .filter(|s| s.is_active(now))
                .map(|s| s.meta)
                .collect(),
        }
    }
}
