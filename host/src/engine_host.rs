//! The running simulation and nothing of the web: `EngineHost` owns the `engine::Lab`,
//! applies `protocol::Command`s, steps the run against wall-clock readings passed in,
//! reports `Tick`s and answers `Ask`s. The engine's worker (the app's `worker`) runs
//! one; where a worker cannot start (a single file opened from disk, a sandboxed frame,
//! tests) the page runs one itself (the app's `sim`). Also here: the pure rules both
//! sides share — the run's configuration from a `Recipe`, and a switch or parameter
//! change on a running lab and on the page's mirror of its configuration, with the same
//! outcome and messages.

use crate::figures::Figures;
use crate::heatmap::{HeatGrid, MAX_COLUMNS};
use crate::integrity;
use crate::logs;
use crate::panels::MAX_BACKFILL;
use crate::protocol::{
    AlertsW, Answer, Ask, Command, ConsoleData, ExportKind, LogFilter, LogLineW, LogsW, Recipe,
    RuleW, Speed, Tick, TopologyW, TraceW,
};
use engine::catalog::find_switch;
use engine::golden::Signal;
use engine::observe::LogRecord;
use engine::query::Query;
use engine::topology::{self, EdgeSpec, NodeSpec};
use engine::{Lab, LabConfig, LabError, RunSpec};
use std::collections::BTreeMap;

/// Events per engine call between looks at the wall clock.
pub const EVENTS_PER_CHUNK: u64 = 4_000;
/// Samples of history the run keeps per series (and the page's history of the golden
/// signals): one hour at the default 1 s sample interval, what the "All" time range can
/// show.
pub const HISTORY_SAMPLES: usize = 3600;
/// A longer wall-clock gap (a debugger, a stalled thread) is not caught up on.
pub const MAX_GAP_MS: f64 = 100.0;
/// Virtual time the run may owe, in wall ms at its speed, before it lets some go and
/// says it is lagging.
const MAX_OWED_MS: f64 = 250.0;
/// How long "lagging" stays up after the run last let time go.
const LAG_HOLD_MS: f64 = 1_000.0;
/// Log snapshots kept for a paused tail: the one shown, and those the page may have
/// asked for before it paused (one on its way, one waiting).
const HELD_SNAPSHOTS: usize = 3;

/// The longest a lab runs, in virtual time: as far as a link or a lab file can take it
/// (`engine::share::MAX_T_NS`, 24 h), so whatever the lab shows, it can share and read
/// back. There the clock stops; the page says why.
pub const MAX_RUN_NS: u64 = engine::share::MAX_T_NS;
/// What the page says when the clock has stopped there.
pub const TIME_LIMIT: &str =
    " · the lab stops at 24 h of virtual time, as far as a link or a lab file can replay it";
const _: () = assert!(
    MAX_RUN_NS == 24 * 3_600 * 1_000_000_000,
    "TIME_LIMIT says 24 h"
);

/// The most the heap may hold while a run moves (`heap::live_bytes`): past it the run
/// stops where it is, with `EngineHost::halted` saying why, instead of growing until the
/// browser kills the tab (a link can ask for a million requests a second on a million
/// workers). Far above what the catalogue's runs need (tens of MB).
pub const MEMORY_CEILING_BYTES: usize = 512 << 20;

/// The configuration `recipe` describes, and the switches it asks for that cannot be on
/// with it (left off), each with the engine's message.
pub fn build_config(recipe: &Recipe) -> Result<(LabConfig, BTreeMap<String, String>), String> {
    let mut spec = RunSpec::new(&recipe.system)
        .seed(recipe.seed)
        .history_len(recipe.history_len);
    // As written: a key here is a system parameter or objective.
    spec.params = recipe
        .system_params
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    for (id, params) in &recipe.switches {
        spec = spec.switch(id);
        for (name, raw) in params {
            spec = spec.switch_param(id, name, raw);
        }
    }
    for text in &recipe.rules {
        spec = spec.rule(text);
    }
    // The system, its parameters and the rules must all be right; a switch that cannot
    // be on, or one of whose values is refused, is left off with the first message.
    let (mut cfg, refusals) = spec.build_lenient();
    let mut refused = BTreeMap::new();
    for r in refusals {
        let Some(id) = r.input.switch_id() else {
            return Err(r.error.to_string());
        };
        cfg.disable(id);
        refused
            .entry(id.to_string())
            .or_insert_with(|| r.error.to_string());
    }
    Ok((cfg, refused))
}

/// Switches `id` on or off in a running lab, live: on with the learner's parameter
/// values, and off again if one of them is refused.
pub fn switch_lab(
    lab: &mut Lab,
    id: &str,
    on: bool,
    params: &BTreeMap<String, String>,
) -> Result<(), LabError> {
    lab.set_enabled(id, on)?;
    if on {
        for (name, raw) in params {
            if let Err(e) = lab.set_param(&format!("{id}.{name}"), raw) {
                let _ = lab.set_enabled(id, false);
                return Err(e);
            }
        }
    }
    Ok(())
}

/// `switch_lab` on a configuration: what the page checks against its mirror of the run
/// (the lab's own configuration changes exactly so, with the same messages).
pub fn switch_config(
    cfg: &mut LabConfig,
    id: &str,
    on: bool,
    params: &BTreeMap<String, String>,
) -> Result<(), LabError> {
    let sw = find_switch(id)?;
    if !on {
        cfg.disable(id);
        return Ok(());
    }
    cfg.enable(id)?;
    cfg.switch_param_set(sw)?;
    for (name, raw) in params {
        if let Err(e) = set_config_param(cfg, &format!("{id}.{name}"), raw) {
            cfg.disable(id);
            return Err(e);
        }
    }
    Ok(())
}

/// `Lab::set_param` for a switch's parameter (`ID.name`), on a configuration.
pub fn set_config_param(cfg: &mut LabConfig, key: &str, raw: &str) -> Result<(), LabError> {
    let id = key.split_once('.').map_or(key, |(id, _)| id);
    let sw = find_switch(id)?;
    cfg.set(key, raw)?;
    cfg.switch_param_set(sw).map(|_| ())
}

/// The diagram of a configuration's system: its nodes and edges (what `topology`
/// draws for a run of it, before the run has registered anything: a ledger or a queue
/// a scenario starts appears once the run shows it).
pub fn layout_of(cfg: &LabConfig) -> (Vec<NodeSpec>, Vec<EdgeSpec>) {
    let params = cfg.system_param_set().ok();
    let options = topology::Options {
        params: params.as_ref(),
        registered: &|_| false,
    };
    topology::layout(&cfg.system, &options)
}

/// The run and how it moves against the wall clock.
pub struct EngineHost {
    lab: Option<Lab>,
    run: u32,
    playing: bool,
    speed: Speed,
    visible: bool,
    /// A shared link's virtual time, run to as fast as possible.
    run_to: Option<u64>,
    /// Virtual time the run owes the wall clock (ns).
    owed_ns: f64,
    /// Wall ms stepped so far, and when the run last let time go.
    wall_ms: f64,
    dropped_at: Option<f64>,
    lagging: bool,
    /// Something changed since the last tick.
    dirty: bool,
    /// The newest sample reported in a tick.
    reported_t: Option<u64>,
    /// Panel queries by expression (parsed once).
    parsed: BTreeMap<String, Option<Query>>,
    /// The last snapshots of the run's log lines, numbered: a paused tail filters the
    /// one it shows (the page may have paused while a newer one was on its way).
    held_logs: Vec<(u32, Vec<LogRecord>)>,
    next_snapshot: u32,
    /// Why the run stopped for good (its memory ceiling), until the next `Reset`.
    halted: Option<String>,
    memory_ceiling: usize,
    /// Switches to turn on at a virtual time, in time order (the recipe's `scheduled`).
    scheduled: Vec<(u64, String)>,
}

/// Advances `lab` by up to `left` (at most `max_events` events), stopping at the next
/// scheduled switch's time to turn it on: what `Lab::advance_bounded` says, done only
/// when the whole of `left` was run.
fn advance(lab: &mut Lab, scheduled: &mut Vec<(u64, String)>, left: u64, max_events: u64) -> bool {
    let now = lab.now_ns();
    let cap = scheduled
        .first()
        .map_or(left, |(t, _)| left.min(t.saturating_sub(now)));
    let done = lab.advance_bounded(cap, max_events);
    while scheduled.first().is_some_and(|(t, _)| lab.now_ns() >= *t) {
        let (_, id) = scheduled.remove(0);
        let _ = lab.set_enabled(&id, true);
    }
    done && cap == left
}

impl Default for EngineHost {
    fn default() -> Self {
        EngineHost::new()
    }
}

impl EngineHost {
    /// No run yet (a `Reset` builds one), playing at 10×, on screen.
    pub fn new() -> EngineHost {
        EngineHost {
            lab: None,
            run: 0,
            playing: true,
            speed: Speed::Times(10),
            visible: true,
            run_to: None,
            owed_ns: 0.0,
            wall_ms: 0.0,
            dropped_at: None,
            lagging: false,
            dirty: true,
            reported_t: None,
            parsed: BTreeMap::new(),
            held_logs: Vec::new(),
            next_snapshot: 0,
            halted: None,
            memory_ceiling: MEMORY_CEILING_BYTES,
            scheduled: Vec::new(),
        }
    }

    /// The same with another memory ceiling (tests).
    pub fn with_memory_ceiling(bytes: usize) -> EngineHost {
        EngineHost {
            memory_ceiling: bytes,
            ..EngineHost::new()
        }
    }

    /// Why the run stopped for good, if it did (a `Reset` starts afresh).
    pub fn halted(&self) -> Option<&str> {
        self.halted.as_deref()
    }

    /// Applies a command; a question is answered at once (its id and the answer).
    pub fn apply(&mut self, command: Command) -> Option<(u32, Answer)> {
        self.dirty = true;
        match command {
            Command::Reset { run, recipe } => {
                self.run = run;
                self.scheduled = recipe.as_ref().map_or(Vec::new(), |r| {
                    let mut s = r.scheduled.clone();
                    engine::order::sort_by_key(&mut s, |(t, _)| *t);
                    s
                });
                self.lab = recipe
                    .and_then(|r| build_config(&r).ok())
                    .and_then(|(cfg, _)| Lab::new(&cfg).ok());
                self.run_to = None;
                self.owed_ns = 0.0;
                self.dropped_at = None;
                self.lagging = false;
                self.reported_t = None;
                self.held_logs.clear();
                self.halted = None;
            }
            Command::SetSwitch { id, on, params } => {
                if let Some(lab) = self.lab.as_mut() {
                    let _ = switch_lab(lab, &id, on, &params);
                }
            }
            Command::SetParam { key, raw } => {
                if let Some(lab) = self.lab.as_mut() {
                    let _ = lab.set_param(&key, &raw);
                }
            }
            Command::AddRule { text } => {
                if let Some(lab) = self.lab.as_mut() {
                    let _ = lab.add_rule(&text);
                }
            }
            Command::RemoveRule { name } => {
                if let Some(lab) = self.lab.as_mut() {
                    lab.remove_rule(&name);
                }
            }
            Command::Play(on) => {
                if on != self.playing {
                    self.owed_ns = 0.0;
                }
                self.playing = on;
            }
            Command::Speed(speed) => {
                if speed != self.speed {
                    self.owed_ns = 0.0;
                    self.dropped_at = None;
                }
                self.speed = speed;
            }
            Command::Visible(on) => {
                if on != self.visible {
                    self.owed_ns = 0.0;
                }
                self.visible = on;
            }
            Command::RunTo { target_ns } => {
                self.run_to = Some(target_ns);
            }
            Command::StopRunTo => {
                self.run_to = None;
            }
            Command::Operate { op } => {
                // Refused only for a system without the operation, which the page does
                // not offer it.
                if let Some(lab) = self.lab.as_mut() {
                    let _ = lab.operate(&op);
                }
            }
            Command::Ask { id, ask } => return Some((id, self.answer(&ask))),
        }
        None
    }

    /// The run these ticks and answers are about.
    pub fn run(&self) -> u32 {
        self.run
    }

    /// Whether the run would move if stepped (so the caller keeps stepping).
    pub fn moving(&self) -> bool {
        self.lab.is_some()
            && self.halted.is_none()
            && (self.run_to.is_some() || (self.playing && self.visible))
    }

    /// Whether the run is behind where it should be (step again without waiting).
    pub fn behind(&self) -> bool {
        self.lab.is_some()
            && self.halted.is_none()
            && (self.run_to.is_some()
                || (self.playing
                    && self.visible
                    && (self.speed == Speed::Max || self.owed_ns > 0.0)))
    }

    /// Simulates what `wall_dt_ms` of wall time asks for at the current speed (or runs
    /// on towards a link's time), stopping when `clock_ms` says `budget_ms` is spent.
    /// Time the run cannot catch up is owed, up to a bound; past it, let go (lagging).
    pub fn step(&mut self, wall_dt_ms: f64, budget_ms: f64, clock_ms: &dyn Fn() -> f64) {
        let dt = wall_dt_ms.clamp(0.0, MAX_GAP_MS);
        self.wall_ms += dt;
        if self.halted.is_some() {
            return;
        }
        self.step_within(dt, budget_ms, clock_ms);
        self.check_memory();
    }

    /// Stops the run for good if the heap holds more than the ceiling.
    fn check_memory(&mut self) {
        let live = crate::heap::live_bytes();
        let Some(lab) = self.lab.as_ref() else {
            return;
        };
        if live <= self.memory_ceiling {
            return;
        }
        let in_flight = lab.golden_history().last().map_or(0.0, |g| g.in_flight);
        self.halted = Some(format!(
            "The run stopped at {}: it needed more than {} MB of memory ({} requests in \
             the system). Lower the load or the system's size, then press Reset.",
            crate::format::virtual_time(lab.now_ns()),
            self.memory_ceiling >> 20,
            in_flight as u64,
        ));
        self.run_to = None;
        self.owed_ns = 0.0;
        self.dirty = true;
    }

    fn step_within(&mut self, dt: f64, budget_ms: f64, clock_ms: &dyn Fn() -> f64) {
        let Some(lab) = self.lab.as_mut() else {
            return;
        };
        let started = clock_ms();
        let before = lab.now_ns();
        if let Some(target) = self.run_to {
            let target = target.min(MAX_RUN_NS);
            loop {
                let left = target.saturating_sub(lab.now_ns());
                if left == 0 {
                    break;
                }
                advance(lab, &mut self.scheduled, left, EVENTS_PER_CHUNK);
                if lab.now_ns() >= target || clock_ms() - started >= budget_ms {
                    break;
                }
            }
            if lab.now_ns() >= target {
                self.run_to = None;
            }
            self.owed_ns = 0.0;
            self.dirty = true;
            return;
        }
        if !self.playing || !self.visible {
            self.owed_ns = 0.0;
            return;
        }
        match self.speed {
            Speed::Max => {
                while clock_ms() - started < budget_ms && lab.now_ns() < MAX_RUN_NS {
                    let left = MAX_RUN_NS - lab.now_ns();
                    advance(
                        lab,
                        &mut self.scheduled,
                        left.min(1_000_000_000),
                        EVENTS_PER_CHUNK,
                    );
                }
                self.dropped_at = None;
            }
            Speed::Times(x) => {
                let x = f64::from(x);
                self.owed_ns += dt * 1e6 * x;
                let cap = MAX_OWED_MS * 1e6 * x;
                if self.owed_ns > cap {
                    self.owed_ns = cap;
                    self.dropped_at = Some(self.wall_ms);
                }
                let end = before.saturating_add(self.owed_ns as u64).min(MAX_RUN_NS);
                loop {
                    let left = end.saturating_sub(lab.now_ns());
                    let done = advance(lab, &mut self.scheduled, left, EVENTS_PER_CHUNK);
                    if done || lab.now_ns() >= end || clock_ms() - started >= budget_ms {
                        break;
                    }
                }
                self.owed_ns = (self.owed_ns - (lab.now_ns() - before) as f64).max(0.0);
                if self.owed_ns < 1.0 || lab.now_ns() >= MAX_RUN_NS {
                    self.owed_ns = 0.0;
                }
            }
        }
        let lagging = self
            .dropped_at
            .is_some_and(|at| self.wall_ms - at < LAG_HOLD_MS);
        if lagging != self.lagging || lab.now_ns() != before {
            self.dirty = true;
        }
        self.lagging = lagging;
    }

    /// What changed since the last tick (the clock, new samples), or `None`.
    pub fn tick(&mut self) -> Option<Tick> {
        if !self.dirty {
            return None;
        }
        self.dirty = false;
        let mut tick = Tick {
            run: self.run,
            lagging: self.lagging,
            replaying: self.run_to.is_some(),
            halted: self.halted.clone(),
            ..Tick::default()
        };
        let Some(lab) = self.lab.as_ref() else {
            return Some(tick);
        };
        tick.has_run = true;
        tick.now_ns = lab.now_ns();
        tick.events = lab.events();
        tick.samples = lab.golden_history().after(self.reported_t).collect();
        if let Some(last) = tick.samples.last() {
            self.reported_t = Some(last.t_ns);
            tick.anomalies = Some(integrity::anomalies(lab));
            tick.bill = crate::cost::bill(lab);
        }
        Some(tick)
    }

    /// The sample times the page shows: from `from_ns` to `to_ns`, without the sample at
    /// 0 (no interval behind it).
    fn sample_times(lab: &Lab, from_ns: u64, to_ns: u64) -> Vec<u64> {
        lab.golden_history()
            .times()
            .filter(|t| *t >= from_ns && *t <= to_ns && *t > 0)
            .collect()
    }

    /// Answers a question about the run now.
    pub fn answer(&mut self, ask: &Ask) -> Answer {
        let Some(lab) = self.lab.as_mut() else {
            return Answer::Nothing;
        };
        match ask {
            Ask::Panels {
                from_ns,
                to_ns,
                exprs,
            } => {
                let times = Self::sample_times(lab, *from_ns, *to_ns);
                let parsed = &mut self.parsed;
                Answer::Panels(
                    exprs
                        .iter()
                        .map(|(expr, after)| {
                            let query = parsed
                                .entry(expr.clone())
                                .or_insert_with(|| Query::parse(expr).ok());
                            let Some(query) = query else {
                                return Vec::new();
                            };
                            let fresh: Vec<u64> = times
                                .iter()
                                .copied()
                                .filter(|t| after.is_none_or(|a| *t > a))
                                .collect();
                            let stride = fresh.len().div_ceil(MAX_BACKFILL).max(1);
                            let n = fresh.len();
                            fresh
                                .into_iter()
                                .enumerate()
                                // Keep the newest sample whatever the stride.
                                .filter(|(i, _)| (n - 1 - i).is_multiple_of(stride))
                                .map(|(_, t)| (t, query.eval_at(lab, t)))
                                .collect()
                        })
                        .collect(),
                )
            }
            Ask::Metrics { names } => Answer::Metrics(
                names
                    .iter()
                    .map(|m| lab.metrics().spec(m).is_some())
                    .collect(),
            ),
            Ask::Console {
                logs,
                traces,
                topology,
            } => {
                let logs = logs.as_ref().map(|f| {
                    let held = f
                        .frozen
                        .and_then(|n| self.held_logs.iter().position(|(id, _)| *id == n));
                    let i = match held {
                        Some(i) => i,
                        None => {
                            self.next_snapshot = self.next_snapshot.wrapping_add(1);
                            self.held_logs
                                .push((self.next_snapshot, lab.logs().cloned().collect()));
                            if self.held_logs.len() > HELD_SNAPSHOTS {
                                self.held_logs.remove(0);
                            }
                            self.held_logs.len() - 1
                        }
                    };
                    let (snapshot, lines) = &self.held_logs[i];
                    LogsW {
                        snapshot: *snapshot,
                        ..filter_logs(lab, lines, f)
                    }
                });
                Answer::Console(ConsoleData {
                    topology: topology.then(|| TopologyW::of(&topology::snapshot(lab))),
                    logs,
                    traces: traces.then(|| lab.traces().map(TraceW::of).collect()),
                })
            }
            Ask::Trace { id } => {
                Answer::Trace(lab.traces().find(|t| t.trace_id == *id).map(TraceW::of))
            }
            Ask::Alerts => Answer::Alerts(alerts_of(lab)),
            Ask::Heatmap {
                metric,
                from_ns,
                to_ns,
            } => {
                let times = Self::sample_times(lab, *from_ns, *to_ns);
                Answer::Heatmap(HeatGrid::build(lab, metric, &times, MAX_COLUMNS))
            }
            Ask::Export(kind) => Answer::Text(match kind {
                ExportKind::Prometheus => lab.prometheus_text(),
                ExportKind::Csv => lab.csv(),
                ExportKind::SeriesJson { lab: query } => series_json(lab, query),
                ExportKind::OpenMetrics => {
                    engine::export::openmetrics(lab, engine::export::DEFAULT_EPOCH_S)
                }
                ExportKind::AlertRules => {
                    engine::export::alert_rules_yaml(lab.alerts().alerts().iter().map(|a| &a.rule))
                }
                ExportKind::Grafana => {
                    let specs = switched_metrics(lab);
                    crate::grafana::dashboard(
                        &lab.config().system,
                        &specs,
                        engine::export::DEFAULT_EPOCH_S,
                        lab.now_ns() / engine::time::NS_PER_SEC,
                    )
                }
                ExportKind::Traces => {
                    engine::export::otlp_traces_json(lab.traces(), engine::export::DEFAULT_EPOCH_S)
                }
            }),
            Ask::Summary => Answer::Summary(Figures::of(&lab.summary())),
            Ask::Check { tutorial, step } => {
                match content::find(tutorial).and_then(|t| t.steps.get(*step)) {
                    Some(step) => {
                        let outcome = content::check::evaluate(lab, &step.expect);
                        Answer::Check {
                            passed: outcome.passed,
                            message: outcome.message,
                        }
                    }
                    None => Answer::Nothing,
                }
            }
            Ask::EventStore {
                tail,
                filter,
                order,
                projections,
            } => Answer::EventStore(crate::event_store::read(
                lab,
                *tail,
                *filter,
                *order,
                *projections,
            )),
            Ask::Gameday {
                incident,
                seed,
                acts,
            } => Answer::Gameday(content::gameday::find(incident).map(|i| {
                let play = content::gameday::Play::new(i, *seed);
                crate::gameday::score(&play, lab, acts)
            })),
        }
    }
}

/// The lines of `held` that pass `f`, newest first, with their console keys.
fn filter_logs(lab: &Lab, held: &[LogRecord], f: &LogFilter) -> LogsW {
    // Sorted for a binary search (a set type of its own would bring its own B-tree code).
    let mut kept: Vec<u64> = lab.traces().map(|t| t.trace_id).collect();
    engine::order::sort(&mut kept);
    let focus = f.focus.as_deref().and_then(|id| {
        topology::layout(lab.system().id, &topology::Options::ALL)
            .0
            .into_iter()
            .find(|n| n.id == id)
    });
    // Keys: time, and the rank among lines at that time (stable across snapshots).
    let mut keyed: Vec<((u64, u32), &LogRecord)> = Vec::with_capacity(held.len());
    for r in held {
        let rank = match keyed.last() {
            Some(((t, rank), _)) if *t == r.t_ns => rank + 1,
            _ => 0,
        };
        keyed.push(((r.t_ns, rank), r));
    }
    let matching: Vec<&((u64, u32), &LogRecord)> = keyed
        .iter()
        .filter(|(_, r)| logs::matches(r, f.min_level, &f.text))
        .filter(|(_, r)| focus.is_none_or(|node| node.matches_log(r)))
        .collect();
    LogsW {
        snapshot: 0,
        matching: matching.len(),
        held: held.len(),
        lines: matching
            .iter()
            .rev()
            .take(f.max)
            .map(|(key, r)| {
                LogLineW::of(
                    r,
                    *key,
                    r.trace_id.is_some_and(|id| kept.binary_search(&id).is_ok()),
                )
            })
            .collect(),
    }
}

fn alerts_of(lab: &Lab) -> AlertsW {
    AlertsW {
        rules: lab
            .alerts()
            .alerts()
            .iter()
            .map(|a| RuleW {
                name: a.rule.name.clone(),
                severity: a.rule.severity,
                state: a.state,
                condition: a.rule.condition.to_string(),
                summary: a.rule.summary.clone(),
                active_since: a.active_since,
                metrics: a
                    .rule
                    .condition
                    .query()
                    .golden_series()
                    .into_iter()
                    .map(str::to_string)
                    .collect(),
            })
            .collect(),
        history: lab.alerts().history().cloned().collect(),
        budget: lab.error_budget(),
        slo: lab.config().slo,
    }
}

/// The series of the whole run as JSON: `{"format":"sdl-series","version":1,...}`, keys
/// in byte order (as earlier builds wrote it).
/// The metrics the run's switched-on scenarios and mitigations declare (what the lab
/// draws panels for), in switch order.
pub fn switched_metrics(lab: &Lab) -> Vec<&'static engine::metrics::MetricSpec> {
    let cfg = lab.config();
    let mut out = Vec::new();
    for id in cfg.enabled_scenarios().chain(cfg.enabled_mitigations()) {
        match engine::catalog::find_switch(id) {
            Ok(engine::catalog::Switch::Scenario(s)) => out.extend(s.metrics.iter()),
            Ok(engine::catalog::Switch::Mitigation(m)) => out.extend(m.metrics.iter()),
            Err(_) => {}
        }
    }
    out
}

fn series_json(lab: &Lab, lab_query: &str) -> String {
    use engine::json::{object_sorted, Value};
    let history = lab.golden_history();
    let series = Signal::ALL
        .into_iter()
        .map(|signal| {
            let points = history
                .column(signal)
                .iter()
                .map(|(t, v)| Value::Array(vec![Value::from(t), Value::from(v)]))
                .collect();
            (signal.name().to_string(), Value::Array(points))
        })
        .collect();
    object_sorted(vec![
        ("format".into(), Value::from("sdl-series")),
        ("lab".into(), Value::from(lab_query)),
        ("points".into(), Value::from("[t_ns, value]")),
        ("series".into(), object_sorted(series)),
        ("t_ns".into(), Value::from(lab.now_ns())),
        ("version".into(), Value::from(1u32)),
    ])
    .to_pretty()
}
