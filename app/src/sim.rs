//! The simulation as the UI sees it: one `Copy` handle (`Sim`, shared through context)
//! that owns the running `engine::Lab`, the learner's choices (system, seed, speed,
//! parameters, switched-on scenarios and mitigations) and what the dashboard reads
//! (`Readout`).
//!
//! No web APIs here: the frame loop passes wall-clock readings in (see `crate::web`).

use engine::catalog::{self, find_switch, find_system};
use engine::params::ParamSpec;
use engine::systems::SystemMeta;
use engine::{Golden, Lab, LabConfig, GOLDEN_SERIES};
use leptos::prelude::*;
use std::collections::BTreeMap;

/// The system shown when the page opens.
pub const DEFAULT_SYSTEM: &str = "web";
/// The seed of a new page (the CLI's default too, so the numbers can be compared).
pub const DEFAULT_SEED: u64 = 1;
/// Samples of history the run keeps per series: one hour at the default 1 s sample
/// interval, which is what the "All" time range can show.
pub const HISTORY_SAMPLES: usize = 3600;
/// Wall time one frame may spend simulating, so the page stays responsive.
pub const FRAME_BUDGET_MS: f64 = 8.0;
/// Events per engine call between looks at the wall clock.
const EVENTS_PER_CHUNK: u64 = 4_000;
/// A longer gap between frames (a hidden tab, a debugger) is not caught up on.
const MAX_FRAME_GAP_MS: f64 = 100.0;

/// How fast virtual time runs against wall time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Speed {
    Times(u32),
    /// As much virtual time as fits in the frame budget.
    Max,
}

impl Speed {
    pub const CHOICES: [Speed; 4] = [
        Speed::Times(1),
        Speed::Times(10),
        Speed::Times(100),
        Speed::Max,
    ];

    pub fn value(self) -> String {
        match self {
            Speed::Times(x) => x.to_string(),
            Speed::Max => "max".to_string(),
        }
    }

    pub fn label(self) -> String {
        match self {
            Speed::Times(x) => format!("{x}×"),
            Speed::Max => "As fast as possible".to_string(),
        }
    }

    pub fn parse(raw: &str) -> Option<Speed> {
        Speed::CHOICES.into_iter().find(|s| s.value() == raw)
    }
}

/// How much virtual time the charts span.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeRange {
    OneMinute,
    FiveMinutes,
    FifteenMinutes,
    /// Everything the run still holds (`HISTORY_SAMPLES` samples).
    All,
}

impl TimeRange {
    pub const CHOICES: [TimeRange; 4] = [
        TimeRange::OneMinute,
        TimeRange::FiveMinutes,
        TimeRange::FifteenMinutes,
        TimeRange::All,
    ];

    /// The span in virtual nanoseconds; `None` for everything held.
    pub fn span_ns(self) -> Option<u64> {
        match self {
            TimeRange::OneMinute => Some(60_000_000_000),
            TimeRange::FiveMinutes => Some(300_000_000_000),
            TimeRange::FifteenMinutes => Some(900_000_000_000),
            TimeRange::All => None,
        }
    }

    pub fn value(self) -> &'static str {
        match self {
            TimeRange::OneMinute => "1m",
            TimeRange::FiveMinutes => "5m",
            TimeRange::FifteenMinutes => "15m",
            TimeRange::All => "all",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            TimeRange::OneMinute => "1 min",
            TimeRange::FiveMinutes => "5 min",
            TimeRange::FifteenMinutes => "15 min",
            TimeRange::All => "All",
        }
    }

    pub fn parse(raw: &str) -> Option<TimeRange> {
        TimeRange::CHOICES.into_iter().find(|r| r.value() == raw)
    }

    /// The next choice, wrapping round (the `t` shortcut).
    pub fn next(self) -> TimeRange {
        let i = TimeRange::CHOICES
            .iter()
            .position(|r| *r == self)
            .unwrap_or(0);
        TimeRange::CHOICES[(i + 1) % TimeRange::CHOICES.len()]
    }
}

/// A scenario's or mitigation's switch and the parameter values the learner applied.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SwitchState {
    pub on: bool,
    pub params: BTreeMap<String, String>,
}

/// What the dashboard shows: the latest golden signals and the recent history of each
/// golden series (indexed like `engine::GOLDEN_SERIES`), as `(t_ns, value)`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Readout {
    pub golden: Golden,
    pub series: Vec<Vec<(u64, f64)>>,
    /// Data anomalies by kind (`components::integrity`).
    pub anomalies: Vec<(String, f64)>,
}

impl Readout {
    pub fn series(&self, name: &str) -> &[(u64, f64)] {
        GOLDEN_SERIES
            .iter()
            .position(|n| *n == name)
            .and_then(|i| self.series.get(i))
            .map_or(&[], Vec::as_slice)
    }
}

/// The shared handle. Cheap to copy; every field is an arena id.
#[derive(Clone, Copy)]
pub struct Sim {
    lab: StoredValue<Option<Lab>, LocalStorage>,
    pub playing: RwSignal<bool>,
    pub speed: RwSignal<Speed>,
    /// The span of virtual time the charts show.
    pub range: RwSignal<TimeRange>,
    pub seed: RwSignal<u64>,
    pub system: RwSignal<&'static str>,
    /// System parameter values applied by the learner (the rest are defaults).
    pub system_params: RwSignal<BTreeMap<String, String>>,
    /// Scenarios and mitigations by id.
    pub switches: RwSignal<BTreeMap<&'static str, SwitchState>>,
    /// A message per switch that could not be turned on (e.g. not on this system).
    pub switch_errors: RwSignal<BTreeMap<&'static str, String>>,
    /// Why the run could not be built, if it could not.
    pub run_error: RwSignal<Option<String>>,
    /// Virtual time now; changes every frame.
    pub now_ns: RwSignal<u64>,
    /// Virtual events handled so far in this run.
    pub events: RwSignal<u64>,
    /// True when the last frame could not simulate all the time the speed asked for.
    pub lagging: RwSignal<bool>,
    pub readout: RwSignal<Readout>,
    /// Counts runs built, so views can tell a reset happened.
    pub generation: RwSignal<u32>,
    /// Bumped now and then by the frame loop: when the live region reads values out.
    pub announce: RwSignal<u32>,
}

impl Sim {
    /// A new lab on the default system, playing.
    pub fn new() -> Sim {
        let sim = Sim {
            lab: StoredValue::new_local(None),
            playing: RwSignal::new(true),
            speed: RwSignal::new(Speed::Times(10)),
            range: RwSignal::new(TimeRange::OneMinute),
            seed: RwSignal::new(DEFAULT_SEED),
            system: RwSignal::new(DEFAULT_SYSTEM),
            system_params: RwSignal::new(BTreeMap::new()),
            switches: RwSignal::new(
                catalog::scenarios()
                    .iter()
                    .map(|s| s.id)
                    .chain(catalog::mitigations().iter().map(|m| m.id))
                    .map(|id| (id, SwitchState::default()))
                    .collect(),
            ),
            switch_errors: RwSignal::new(BTreeMap::new()),
            run_error: RwSignal::new(None),
            now_ns: RwSignal::new(0),
            events: RwSignal::new(0),
            lagging: RwSignal::new(false),
            readout: RwSignal::new(Readout::default()),
            generation: RwSignal::new(0),
            announce: RwSignal::new(0),
        };
        sim.reset();
        sim
    }

    /// Makes this handle the page's simulation.
    pub fn provide(self) -> Sim {
        provide_context(self);
        self
    }

    /// The page's simulation (panics outside `App`, which always provides one).
    pub fn expect() -> Sim {
        expect_context::<Sim>()
    }

    pub fn system_meta(&self) -> &'static SystemMeta {
        let id = self.system.get_untracked();
        find_system(id).unwrap_or(catalog::systems()[0])
    }

    /// The configuration the current choices describe; switches that cannot be turned on
    /// with it are left off, with a message each.
    fn config(&self) -> Result<(LabConfig, BTreeMap<&'static str, String>), String> {
        let mut cfg = LabConfig::new(self.system.get_untracked());
        cfg.seed = self.seed.get_untracked();
        cfg.history_len = HISTORY_SAMPLES;
        for (name, raw) in self.system_params.get_untracked() {
            cfg.set(&name, &raw).map_err(|e| e.to_string())?;
        }
        let mut refused = BTreeMap::new();
        for (id, state) in self.switches.get_untracked() {
            if !state.on {
                continue;
            }
            let mut trial = cfg.clone();
            let enabled = trial.enable(id).and_then(|()| {
                state
                    .params
                    .iter()
                    .try_for_each(|(name, raw)| trial.set(&format!("{id}.{name}"), raw))
            });
            match enabled {
                Ok(()) => cfg = trial,
                Err(e) => {
                    refused.insert(id, e.to_string());
                }
            }
        }
        Ok((cfg, refused))
    }

    /// Starts the run again from virtual time 0 with the current choices.
    pub fn reset(&self) {
        let built = self
            .config()
            .and_then(|(cfg, refused)| Ok((Lab::new(&cfg).map_err(|e| e.to_string())?, refused)));
        match built {
            Ok((lab, refused)) => {
                self.switches.update(|all| {
                    for id in refused.keys() {
                        if let Some(s) = all.get_mut(id) {
                            s.on = false;
                        }
                    }
                });
                self.switch_errors.set(refused);
                self.lab.set_value(Some(lab));
                self.run_error.set(None);
            }
            Err(message) => {
                self.lab.set_value(None);
                self.run_error.set(Some(message));
            }
        }
        self.lagging.set(false);
        self.generation.update(|g| *g += 1);
        self.publish(true);
    }

    /// Switches to another system with its defaults.
    pub fn set_system(&self, id: &str) -> Result<(), String> {
        let meta = find_system(id).map_err(|e| e.to_string())?;
        self.system.set(meta.id);
        self.system_params.set(BTreeMap::new());
        self.reset();
        Ok(())
    }

    /// Shows another span of virtual time on the charts (the run goes on untouched).
    pub fn set_range(&self, range: TimeRange) {
        if self.range.get_untracked() != range {
            self.range.set(range);
            self.publish(true);
        }
    }

    pub fn set_seed(&self, seed: u64) {
        self.seed.set(seed);
        self.reset();
    }

    /// Validates and applies a system parameter; a valid change starts a new run.
    /// An invalid one changes nothing and returns the engine's message.
    pub fn apply_system_param(&self, name: &str, raw: &str) -> Result<(), String> {
        let mut cfg = LabConfig::new(self.system.get_untracked());
        cfg.set(name, raw).map_err(|e| e.to_string())?;
        let value = raw.trim().to_string();
        if self
            .system_params
            .with_untracked(|p| p.get(name) == Some(&value))
        {
            return Ok(());
        }
        self.system_params.update(|p| {
            p.insert(name.to_string(), value);
        });
        self.reset();
        Ok(())
    }

    /// The value a system parameter has in the run: applied, else the default.
    pub fn system_param_value(&self, spec: &ParamSpec) -> String {
        self.system_params
            .with_untracked(|p| p.get(spec.name).cloned())
            .unwrap_or_else(|| spec.default_value().to_string())
    }

    /// The value a scenario's or mitigation's parameter has: applied, else the default.
    pub fn switch_param_value(&self, id: &str, spec: &ParamSpec) -> String {
        self.switches
            .with_untracked(|all| all.get(id).and_then(|s| s.params.get(spec.name).cloned()))
            .unwrap_or_else(|| spec.default_value().to_string())
    }

    /// Turns a scenario or mitigation on or off in the running simulation, without a
    /// reset, with the parameter values the learner applied to it.
    pub fn set_switch(&self, id: &str, on: bool) -> Result<(), String> {
        let id = find_switch(id).map_err(|e| e.to_string())?.id();
        let params = self
            .switches
            .with_untracked(|all| all.get(id).map(|s| s.params.clone()))
            .unwrap_or_default();
        let result = self
            .lab
            .try_update_value(|lab| match lab {
                Some(lab) => {
                    lab.set_enabled(id, on)?;
                    if on {
                        for (name, raw) in &params {
                            if let Err(e) = lab.set_param(&format!("{id}.{name}"), raw) {
                                let _ = lab.set_enabled(id, false);
                                return Err(e);
                            }
                        }
                    }
                    Ok(())
                }
                None => Ok(()),
            })
            .unwrap_or(Ok(()))
            .map_err(|e| e.to_string());
        let applied = result.is_ok() && on;
        self.switches.update(|all| {
            all.entry(id).or_default().on = applied;
        });
        self.switch_errors.update(|errors| match &result {
            Ok(()) => {
                errors.remove(id);
            }
            Err(message) => {
                errors.insert(id, message.clone());
            }
        });
        result
    }

    /// Validates and applies a scenario's or mitigation's parameter; live when it is on.
    pub fn apply_switch_param(&self, id: &str, name: &str, raw: &str) -> Result<(), String> {
        let switch = find_switch(id).map_err(|e| e.to_string())?;
        let id = switch.id();
        let key = format!("{id}.{name}");
        let spec = switch
            .params()
            .into_iter()
            .find(|p| p.name == name)
            .ok_or_else(|| format!("unknown parameter `{key}`"))?;
        spec.parse_as(&key, raw).map_err(|e| e.to_string())?;
        let on = self
            .switches
            .with_untracked(|all| all.get(id).is_some_and(|s| s.on));
        if on {
            self.lab
                .try_update_value(|lab| match lab {
                    Some(lab) => lab.set_param(&key, raw),
                    None => Ok(()),
                })
                .unwrap_or(Ok(()))
                .map_err(|e| e.to_string())?;
        }
        self.switches.update(|all| {
            all.entry(id)
                .or_default()
                .params
                .insert(name.to_string(), raw.trim().to_string());
        });
        Ok(())
    }

    /// Simulates one animation frame: `wall_dt_ms` since the last one times the speed,
    /// stopping when `clock_ms` says the frame budget is spent. Returns true when a new
    /// metrics sample arrived. The caller publishes (see `publish`).
    pub fn frame(&self, wall_dt_ms: f64, clock_ms: &dyn Fn() -> f64) -> bool {
        if !self.playing.get_untracked() {
            return false;
        }
        let speed = self.speed.get_untracked();
        let started = clock_ms();
        let stepped = self.lab.try_update_value(|lab| {
            let lab = lab.as_mut()?;
            let t0 = lab.now_ns();
            let sample_before = lab.golden().t_ns;
            let caught_up = match speed {
                Speed::Max => {
                    while clock_ms() - started < FRAME_BUDGET_MS {
                        lab.advance_bounded(1_000_000_000, EVENTS_PER_CHUNK);
                    }
                    true
                }
                Speed::Times(x) => {
                    let wanted = wall_dt_ms.clamp(0.0, MAX_FRAME_GAP_MS) * 1e6 * f64::from(x);
                    let end = t0.saturating_add(wanted as u64);
                    loop {
                        let done = lab.advance_bounded(end - lab.now_ns(), EVENTS_PER_CHUNK);
                        if done || lab.now_ns() >= end {
                            break true;
                        }
                        if clock_ms() - started >= FRAME_BUDGET_MS {
                            break false;
                        }
                    }
                }
            };
            Some((caught_up, lab.golden().t_ns != sample_before))
        });
        match stepped.flatten() {
            Some((caught_up, new_sample)) => {
                if self.lagging.get_untracked() == caught_up {
                    self.lagging.set(!caught_up);
                }
                new_sample
            }
            None => false,
        }
    }

    /// Copies what the dashboard shows out of the run: the clock always, the charts when
    /// `charts` is set or a new sample arrived since the last copy.
    pub fn publish(&self, charts: bool) {
        let snapshot = self.lab.with_value(|lab| {
            let lab = lab.as_ref()?;
            let golden = lab.golden();
            let fresh = charts
                || self
                    .readout
                    .with_untracked(|r| r.golden.t_ns != golden.t_ns);
            let readout = fresh.then(|| {
                let from = self
                    .range
                    .get_untracked()
                    .span_ns()
                    .map_or(0, |span| golden.t_ns.saturating_sub(span));
                let series = GOLDEN_SERIES
                    .iter()
                    .map(|name| {
                        lab.series(name)
                            // The sample at t = 0 has no interval behind it (all zeros).
                            .map(|s| s.iter().filter(|(t, _)| *t >= from && *t > 0).collect())
                            .unwrap_or_default()
                    })
                    .collect();
                let anomalies = crate::components::integrity::anomalies(lab);
                Readout {
                    golden,
                    series,
                    anomalies,
                }
            });
            Some((lab.now_ns(), lab.events(), readout))
        });
        match snapshot {
            Some((now, events, readout)) => {
                self.now_ns.set(now);
                self.events.set(events);
                if let Some(readout) = readout {
                    self.readout.set(readout);
                }
            }
            None => {
                self.now_ns.set(0);
                self.events.set(0);
                self.readout.set(Readout::default());
            }
        }
    }
}

/// A whole lab setup at once (what a tutorial step applies): every switch not listed is
/// turned off, every system parameter not listed is at its default.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Setup {
    pub system: String,
    pub seed: u64,
    pub speed: Option<Speed>,
    pub system_params: BTreeMap<String, String>,
    /// Scenario and mitigation ids to turn on, with their parameter values.
    pub switches: BTreeMap<String, BTreeMap<String, String>>,
}

impl Sim {
    /// Replaces the learner's choices with `setup` and starts a new run, playing. On an
    /// unknown system or switch nothing changes; a switch the run refuses is reported.
    pub fn set_up(&self, setup: &Setup) -> Result<(), String> {
        let system = find_system(&setup.system).map_err(|e| e.to_string())?.id;
        let mut on = BTreeMap::new();
        for (id, params) in &setup.switches {
            let id = find_switch(id).map_err(|e| e.to_string())?.id();
            on.insert(id, params.clone());
        }
        self.system.set(system);
        self.seed.set(setup.seed);
        if let Some(speed) = setup.speed {
            self.speed.set(speed);
        }
        self.system_params.set(setup.system_params.clone());
        self.switches.update(|all| {
            for (id, state) in all.iter_mut() {
                *state = match on.get(id) {
                    Some(params) => SwitchState {
                        on: true,
                        params: params.clone(),
                    },
                    None => SwitchState::default(),
                };
            }
        });
        self.reset();
        self.playing.set(true);
        if let Some(e) = self.run_error.get_untracked() {
            return Err(e);
        }
        match self
            .switch_errors
            .with_untracked(|e| e.iter().next().map(|(id, m)| format!("{id}: {m}")))
        {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

impl Sim {
    /// Reads the running simulation (exports, the summary, the share link); `None`
    /// when there is no run.
    pub fn with_lab<R>(&self, f: impl FnOnce(&Lab) -> R) -> Option<R> {
        self.lab.with_value(|lab| lab.as_ref().map(f))
    }

    /// Changes the running simulation (the summary needs `&mut`; replaying a link).
    pub fn with_lab_mut<R>(&self, f: impl FnOnce(&mut Lab) -> R) -> Option<R> {
        self.lab
            .try_update_value(|lab| lab.as_mut().map(f))
            .flatten()
    }
}

impl Default for Sim {
    fn default() -> Self {
        Sim::new()
    }
}
