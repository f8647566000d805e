//! The simulation as the UI sees it: one `Copy` handle (`Sim`, shared through context)
//! over the running engine, the learner's choices (system, seed, speed, parameters,
//! switched-on scenarios and mitigations) and what the dashboard reads (`Readout`).
//!
//! The engine runs in a Web Worker (`worker`) when the page could start one, else in
//! the page (`sdl_host::engine_host::EngineHost`, stepped by the frame loop: a single
//! file opened from disk, a sandboxed frame, tests). Either way the page talks to it in
//! `sdl_host::protocol` terms: commands, a `Tick` as the run moves, and questions (`ask`, one in
//! flight per view with `Asker`) answered later. The page keeps a mirror of the run's
//! configuration, so a refused switch or value is refused at once with the engine's
//! own message, and the golden signals' history, so the charts redraw without asking.
//!
//! No web APIs here: the frame loop passes wall-clock readings in (see `crate::web`).

use crate::worker::EngineWorker;
use engine::catalog::{self, find_switch, find_system};
use engine::golden::{GoldenHistory, Signal as GoldenSignal};
use engine::params::ParamSpec;
use engine::systems::SystemMeta;
use engine::topology::{EdgeSpec, NodeSpec};
use engine::{Golden, LabConfig};
use leptos::prelude::*;
use sdl_host::engine_host::{
    build_config, layout_of, set_config_param, switch_config, EngineHost, HISTORY_SAMPLES,
};
use sdl_host::protocol::{decode, Answer, Ask, Command, FromEngine, Recipe, Speed, Tick};
use sdl_host::setup::Setup;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// The system shown when the page opens.
pub const DEFAULT_SYSTEM: &str = "web";
/// The seed of a new page (the CLI's default too, so the numbers can be compared).
pub const DEFAULT_SEED: u64 = 1;
/// Wall time one frame may spend simulating when the engine runs in the page.
pub const FRAME_BUDGET_MS: f64 = 8.0;
/// How long the engine's worker may take to say it is up before the page runs the
/// engine itself.
const WORKER_START_TIMEOUT: Duration = Duration::from_secs(10);

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

/// What the dashboard shows: the latest golden signals and, per signal, its samples
/// over the chosen span (`column`), as `(t_ns, value)`: shared, so a chart takes its
/// lines without copying them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Readout {
    pub golden: Golden,
    /// Indexed by `GoldenSignal::index`.
    columns: [Arc<[(u64, f64)]>; GoldenSignal::COUNT],
    /// Data anomalies by kind (`components::integrity`).
    pub anomalies: Vec<(String, f64)>,
    /// The run's bill so far, for a system that bills (`components::cost`).
    pub bill: Option<sdl_host::cost::Bill>,
}

impl Readout {
    /// The samples of `history` from its `start`-th on, the latest as `golden`.
    fn of(history: &GoldenHistory, start: usize) -> Readout {
        Readout {
            golden: history.last().unwrap_or_default(),
            columns: GoldenSignal::ALL.map(|s| {
                history
                    .column(s)
                    .iter()
                    .skip(start)
                    .collect::<Vec<_>>()
                    .into()
            }),
            anomalies: Vec::new(),
            bill: None,
        }
    }

    /// One signal's samples over the span shown, oldest first.
    pub fn column(&self, signal: GoldenSignal) -> &Arc<[(u64, f64)]> {
        &self.columns[signal.index()]
    }

    /// A golden series by name (`GoldenSignal::name`), for a name that comes from input;
    /// empty for a name that is no golden signal.
    pub fn series(&self, name: &str) -> &[(u64, f64)] {
        GoldenSignal::from_name(name).map_or(&[], |s| self.column(s))
    }

    /// The first and last sample times shown, if any.
    pub fn span(&self) -> Option<(u64, u64)> {
        let times = self.column(GoldenSignal::ThroughputRps);
        times.first().zip(times.last()).map(|(a, b)| (a.0, b.0))
    }
}

/// Where the engine runs.
enum Backend {
    /// In the page, stepped by the frame loop.
    InPage(Box<EngineHost>),
    /// In its worker; commands wait in `outbox` until the end of the current task, so
    /// one change (a reset, then play) arrives as one batch.
    Worker {
        link: EngineWorker,
        outbox: Vec<Command>,
        flush_due: bool,
        ready: bool,
    },
}

/// What to do with the answer to a question.
type OnAnswer = Box<dyn FnOnce(Answer)>;

/// What the engine sent that the page has not handled yet.
#[derive(Default)]
struct Inbox {
    next_id: u32,
    /// Questions waiting for their answer, by id (ascending: ids are handed out in
    /// order), with the callback. A few at a time, so a list.
    waiting: Vec<(u32, OnAnswer)>,
    /// Ticks since the last frame, merged (the frame loop applies them).
    tick: Option<Tick>,
}

/// The shared handle. Cheap to copy; every field is an arena id.
#[derive(Clone, Copy)]
pub struct Sim {
    backend: StoredValue<Option<Backend>, LocalStorage>,
    inbox: StoredValue<Inbox, LocalStorage>,
    /// The running lab's configuration as the page knows it (`None`: no run).
    mirror: StoredValue<Option<LabConfig>, LocalStorage>,
    /// Every golden-signal sample of the run the engine reported (bounded).
    history: StoredValue<GoldenHistory, LocalStorage>,
    /// A link's virtual time the engine was asked to run to (sent again on a fallback).
    run_to: StoredValue<Option<u64>, LocalStorage>,
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
    /// The learner's own alert rules (`Rule::to_text` form), in the order added.
    pub rules: RwSignal<Vec<String>>,
    /// A message per switch that could not be turned on (e.g. not on this system).
    pub switch_errors: RwSignal<BTreeMap<String, String>>,
    /// Why the run could not be built, if it could not.
    pub run_error: RwSignal<Option<String>>,
    /// Virtual time now; changes every frame.
    pub now_ns: RwSignal<u64>,
    /// Virtual events handled so far in this run.
    pub events: RwSignal<u64>,
    /// True when the simulation cannot keep up with the speed asked for.
    pub lagging: RwSignal<bool>,
    /// True while the engine runs to a link's virtual time (`run_to`).
    pub replaying: RwSignal<bool>,
    /// Why the run stopped for good (past the engine's memory ceiling), until a reset.
    pub halted: RwSignal<Option<String>>,
    pub readout: RwSignal<Readout>,
    /// Counts runs built, so views can tell a reset happened. Ticks and answers carry
    /// the run they are about; those of an older run are dropped.
    pub generation: RwSignal<u32>,
    /// Counts changes of many choices at once from outside their forms (a tutorial
    /// step's setup), so the forms show the new values. (An imported file redraws the
    /// whole lab: `Share::redraw`.)
    pub replaced: RwSignal<u32>,
    /// Bumped now and then by the frame loop: when the live region reads values out.
    pub announce: RwSignal<u32>,
    /// The game day being played, if one is: the page hides its faults.
    pub gameday: RwSignal<Option<GamedayOn>>,
}

/// A game day in the lab: the incident and seed played, and the switches the engine
/// turns on at their time (its red herring).
#[derive(Debug, Clone, PartialEq)]
pub struct GamedayOn {
    pub incident: &'static str,
    pub seed: u64,
    pub scheduled: Vec<(u64, String)>,
}

impl Sim {
    /// A new lab on the default system, playing; its engine in a worker when the page
    /// can start one, else in the page.
    pub fn new() -> Sim {
        let sim = Sim::build();
        sim.start_worker();
        sim.reset();
        // The first run goes now, not when the page has been drawn: the engine builds it
        // and starts the clock meanwhile (what the page changes while it is drawn follows
        // in the next batch).
        sim.flush();
        sim
    }

    /// A new lab whose engine runs in the page (no worker).
    pub fn in_page() -> Sim {
        let sim = Sim::build();
        sim.reset();
        sim
    }

    fn build() -> Sim {
        let sim = Sim {
            backend: StoredValue::new_local(Some(Backend::InPage(Box::default()))),
            inbox: StoredValue::new_local(Inbox::default()),
            mirror: StoredValue::new_local(None),
            history: StoredValue::new_local(GoldenHistory::new(HISTORY_SAMPLES)),
            run_to: StoredValue::new_local(None),
            playing: RwSignal::new(true),
            speed: RwSignal::new(Speed::Times(10)),
            range: RwSignal::new(TimeRange::OneMinute),
            seed: RwSignal::new(DEFAULT_SEED),
            system: RwSignal::new(DEFAULT_SYSTEM),
            system_params: RwSignal::new(BTreeMap::new()),
            rules: RwSignal::new(Vec::new()),
            switches: RwSignal::new(engine::order::to_map(
                catalog::scenarios()
                    .iter()
                    .map(|s| s.id)
                    .chain(catalog::mitigations().iter().map(|m| m.id))
                    .map(|id| (id, SwitchState::default())),
            )),
            switch_errors: RwSignal::new(BTreeMap::new()),
            run_error: RwSignal::new(None),
            now_ns: RwSignal::new(0),
            events: RwSignal::new(0),
            lagging: RwSignal::new(false),
            replaying: RwSignal::new(false),
            halted: RwSignal::new(None),
            readout: RwSignal::new(Readout::default()),
            generation: RwSignal::new(0),
            replaced: RwSignal::new(0),
            announce: RwSignal::new(0),
            gameday: RwSignal::new(None),
        };
        on_cleanup(move || {
            // Terminates the worker (if any) with its owner.
            let _ = sim.backend.try_update_value(|b| b.take());
        });
        sim
    }

    /// Puts the engine in a worker, if boot.js offers one.
    fn start_worker(self) {
        let link = EngineWorker::start(
            move |bytes| self.receive(&bytes),
            move |why| self.fall_back(&why),
        );
        let Some(link) = link else {
            return;
        };
        self.backend.set_value(Some(Backend::Worker {
            link,
            outbox: Vec::new(),
            flush_due: false,
            ready: false,
        }));
        // The worker follows play/pause and speed however they are set (an engine in the
        // page reads them each frame).
        Effect::new(move |_| {
            let playing = self.playing.get();
            let speed = self.speed.get();
            self.send(Command::Play(playing));
            self.send(Command::Speed(speed));
        });
        set_timeout(
            move || {
                let started = self
                    .backend
                    .try_with_value(|b| !matches!(b, Some(Backend::Worker { ready: false, .. })))
                    .unwrap_or(true);
                if !started {
                    self.fall_back("it did not start in time");
                }
            },
            WORKER_START_TIMEOUT,
        );
    }

    /// The worker failed: the page runs the engine itself from now on, with a new run
    /// (after the event that said so: its listener goes with the worker).
    fn fall_back(self, why: &str) {
        let why = why.to_string();
        set_timeout(move || self.fall_back_now(&why), Duration::ZERO);
    }

    fn fall_back_now(self, why: &str) {
        let was_worker = self
            .backend
            .try_with_value(|b| matches!(b, Some(Backend::Worker { .. })))
            .unwrap_or(false);
        if !was_worker {
            return;
        }
        leptos::logging::warn!("The engine's worker stopped ({why}); running it in the page.");
        self.backend
            .set_value(Some(Backend::InPage(Box::default())));
        let waiting = self
            .inbox
            .try_update_value(|i| {
                i.tick = None;
                std::mem::take(&mut i.waiting)
            })
            .unwrap_or_default();
        for (_, callback) in waiting {
            callback(Answer::Stale);
        }
        let run_to = self.run_to.get_value();
        self.reset();
        self.send(Command::Play(self.playing.get_untracked()));
        self.send(Command::Speed(self.speed.get_untracked()));
        if let Some(target_ns) = run_to {
            self.run_to(target_ns);
        }
    }

    /// True when the engine runs in a worker (the page only draws).
    pub fn in_worker(&self) -> bool {
        self.backend
            .try_with_value(|b| matches!(b, Some(Backend::Worker { .. })))
            .unwrap_or(false)
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

    /// The nodes and edges of the running system's diagram.
    pub fn layout(&self) -> (Vec<NodeSpec>, Vec<EdgeSpec>) {
        self.mirror
            .with_value(|cfg| cfg.as_ref().map(layout_of))
            .unwrap_or_default()
    }

    // ---- talking to the engine ----

    /// Sends a command: at once to an engine in the page, at the end of this task to
    /// the worker (with whatever else is sent meanwhile).
    pub fn send(&self, command: Command) {
        let in_page = self
            .backend
            .try_update_value(|b| match b {
                Some(Backend::InPage(host)) => Some(host.apply(command)),
                Some(Backend::Worker {
                    outbox, flush_due, ..
                }) => {
                    outbox.push(command);
                    if !std::mem::replace(flush_due, true) {
                        let sim = *self;
                        set_timeout(move || sim.flush(), Duration::ZERO);
                    }
                    None
                }
                None => None,
            })
            .flatten();
        if let Some(Some((id, answer))) = in_page {
            let run = self.generation.get_untracked();
            self.answered(id, run, answer);
        }
    }

    fn flush(&self) {
        let _ = self.backend.try_update_value(|b| {
            if let Some(Backend::Worker {
                link,
                outbox,
                flush_due,
                ..
            }) = b
            {
                *flush_due = false;
                if !outbox.is_empty() {
                    link.post(std::mem::take(outbox));
                }
            }
        });
    }

    /// Asks the engine a question; `on_answer` gets the answer (`Answer::Nothing` when
    /// there is no run, `Answer::Stale` when the run changed before it was answered). In
    /// the page the
    /// answer comes at once; from the worker, within a few milliseconds.
    pub fn ask(&self, ask: Ask, on_answer: impl FnOnce(Answer) + 'static) {
        let Some(id) = self.inbox.try_update_value(|i| {
            i.next_id = i.next_id.wrapping_add(1);
            i.waiting.push((i.next_id, Box::new(on_answer)));
            i.next_id
        }) else {
            return;
        };
        self.send(Command::Ask { id, ask });
    }

    fn answered(&self, id: u32, run: u32, answer: Answer) {
        let Some(Some(callback)) = self.inbox.try_update_value(|i| {
            let at = i.waiting.iter().position(|(waiting, _)| *waiting == id)?;
            Some(i.waiting.remove(at).1)
        }) else {
            return;
        };
        if run == self.generation.get_untracked() {
            callback(answer);
        } else {
            callback(Answer::Stale);
        }
    }

    /// A message from the worker.
    fn receive(&self, bytes: &[u8]) {
        match decode::<FromEngine>(bytes) {
            Ok(FromEngine::Ready) => {
                let _ = self.backend.try_update_value(|b| {
                    if let Some(Backend::Worker { ready, .. }) = b {
                        *ready = true;
                    }
                });
            }
            Ok(FromEngine::Tick(tick)) => {
                if Some(tick.run) != self.generation.try_get_untracked() {
                    return;
                }
                let _ = self.inbox.try_update_value(|i| match &mut i.tick {
                    Some(merged) => merged.merge(tick),
                    None => i.tick = Some(tick),
                });
            }
            Ok(FromEngine::Answer { id, run, answer }) => self.answered(id, run, answer),
            Err(e) => leptos::logging::error!("engine: unreadable message: {e}"),
        }
    }

    /// Applies what the worker reported since the last frame (the frame loop calls it).
    pub fn apply_pending(&self) {
        let tick = self.inbox.try_update_value(|i| i.tick.take()).flatten();
        if let Some(tick) = tick {
            if tick.run == self.generation.get_untracked() {
                self.apply_tick(tick);
            }
        }
    }

    fn apply_tick(&self, tick: Tick) {
        let set_if = |signal: RwSignal<bool>, v: bool| {
            if signal.get_untracked() != v {
                signal.set(v);
            }
        };
        set_if(self.lagging, tick.lagging);
        set_if(self.replaying, tick.replaying);
        if self.halted.with_untracked(|h| *h != tick.halted) {
            if tick.halted.is_some() {
                self.playing.set(false);
            }
            self.halted.set(tick.halted);
        }
        if self.now_ns.get_untracked() != tick.now_ns {
            self.now_ns.set(tick.now_ns);
        }
        if self.events.get_untracked() != tick.events {
            self.events.set(tick.events);
        }
        if tick.samples.is_empty() {
            return;
        }
        self.history.update_value(|h| {
            for s in &tick.samples {
                h.push(s);
            }
        });
        self.redraw(tick.anomalies, tick.bill);
    }

    /// Rebuilds what the charts read from the history (`anomalies` if new ones came).
    fn redraw(&self, anomalies: Option<Vec<(String, f64)>>, bill: Option<sdl_host::cost::Bill>) {
        let readout = self.history.with_value(|h| {
            let Some(last) = h.times().next_back() else {
                return Readout::default();
            };
            let from = self
                .range
                .get_untracked()
                .span_ns()
                .map_or(0, |span| last.saturating_sub(span));
            // The sample at t = 0 has no interval behind it (all zeros).
            Readout::of(h, h.first_at_or_after(from.max(1)))
        });
        self.readout.update(|r| {
            let kept = std::mem::take(&mut r.anomalies);
            let kept_bill = r.bill.take();
            *r = readout;
            r.anomalies = anomalies.unwrap_or(kept);
            r.bill = bill.or(kept_bill);
        });
    }

    // ---- the engine in the page ----

    /// Simulates one animation frame when the engine runs in the page: `wall_dt_ms`
    /// since the last one times the speed, stopping when `clock_ms` says the frame
    /// budget is spent. The caller publishes (see `publish`). Nothing with a worker.
    pub fn frame(&self, wall_dt_ms: f64, clock_ms: &dyn Fn() -> f64) {
        let playing = self.playing.get_untracked();
        let speed = self.speed.get_untracked();
        let _ = self.backend.try_update_value(|b| {
            if let Some(Backend::InPage(host)) = b {
                host.apply(Command::Play(playing));
                host.apply(Command::Speed(speed));
                host.step(wall_dt_ms, FRAME_BUDGET_MS, clock_ms);
            }
        });
    }

    /// Copies what changed in the run to what the page shows, when the engine runs in
    /// the page (a worker's ticks arrive by themselves: see `apply_pending`).
    pub fn publish(&self) {
        let tick = self
            .backend
            .try_update_value(|b| match b {
                Some(Backend::InPage(host)) => host.tick(),
                _ => None,
            })
            .flatten();
        if let Some(tick) = tick {
            self.apply_tick(tick);
        }
    }

    // ---- the learner's choices ----

    /// What the current choices describe: every switch the learner turned on.
    fn recipe(&self) -> Recipe {
        Recipe {
            system: self.system.get_untracked().to_string(),
            seed: self.seed.get_untracked(),
            history_len: HISTORY_SAMPLES,
            system_params: self.system_params.get_untracked(),
            rules: self.rules.get_untracked(),
            switches: self.switches.with_untracked(|all| {
                engine::order::to_map(
                    all.iter()
                        .filter(|(_, s)| s.on)
                        .map(|(id, s)| (id.to_string(), s.params.clone())),
                )
            }),
            scheduled: self
                .gameday
                .with_untracked(|g| g.as_ref().map_or(Vec::new(), |g| g.scheduled.clone())),
        }
    }

    /// Whether the page must not show switch `id` (a game day's faults).
    pub fn hides(&self, id: &str) -> bool {
        self.gameday.with(Option::is_some) && catalog::find_scenario(id).is_ok()
    }

    /// Starts a game day: the play's lab (its faults hidden from the page), its red
    /// herring's rule, and its scheduled switch.
    pub fn start_gameday(&self, play: &content::gameday::Play) -> Result<(), String> {
        let g = sdl_host::gameday::setup_for(play);
        self.gameday.set(Some(GamedayOn {
            incident: play.incident.id,
            seed: play.seed,
            scheduled: g.scheduled.clone(),
        }));
        self.rules.set(g.rules.clone());
        self.set_up(&g.setup)
    }

    /// Ends a game day: back to the default lab.
    pub fn leave_gameday(&self) {
        if self.gameday.get_untracked().is_none() {
            return;
        }
        self.gameday.set(None);
        self.rules.set(Vec::new());
        let _ = self.set_up(&Setup {
            system: DEFAULT_SYSTEM.to_string(),
            seed: DEFAULT_SEED,
            speed: None,
            system_params: BTreeMap::new(),
            switches: BTreeMap::new(),
        });
    }

    /// Starts the run again from virtual time 0 with the current choices; switches that
    /// cannot be on with them are turned off, with a message each.
    pub fn reset(&self) {
        let mut recipe = self.recipe();
        let built = build_config(&recipe);
        let recipe = match built {
            Ok((cfg, refused)) => {
                let refused: BTreeMap<String, String> =
                    engine::order::to_map(refused.into_iter().filter_map(|(id, e)| {
                        find_switch(&id).ok().map(|sw| (sw.id().to_string(), e))
                    }));
                self.switches.update(|all| {
                    for id in refused.keys() {
                        if let Some(s) = all.get_mut(id.as_str()) {
                            s.on = false;
                        }
                    }
                });
                recipe
                    .switches
                    .retain(|id, _| !refused.contains_key(id.as_str()));
                self.switch_errors.set(refused);
                self.mirror.set_value(Some(cfg));
                self.run_error.set(None);
                Some(recipe)
            }
            Err(message) => {
                self.mirror.set_value(None);
                self.run_error.set(Some(message));
                None
            }
        };
        self.run_to.set_value(None);
        self.history.update_value(GoldenHistory::clear);
        let _ = self.inbox.try_update_value(|i| i.tick = None);
        self.generation.update(|g| *g += 1);
        self.send(Command::Reset {
            run: self.generation.get_untracked(),
            recipe,
        });
        self.lagging.set(false);
        self.replaying.set(false);
        self.halted.set(None);
        self.now_ns.set(0);
        self.events.set(0);
        self.readout.set(Readout::default());
        self.publish();
    }

    /// Takes the run to a link's virtual time as fast as the engine can (`replaying`
    /// until it is there).
    pub fn run_to(&self, target_ns: u64) {
        self.run_to.set_value(Some(target_ns));
        self.replaying.set(true);
        self.send(Command::RunTo { target_ns });
    }

    /// The link's time was reached (or given up).
    pub fn replay_done(&self) {
        self.run_to.set_value(None);
    }

    /// Whether the run is on its way to a link's time and was not stopped (a reset or
    /// the learner's Stop, Pause or Play ends that).
    pub fn replay_wanted(&self) -> bool {
        self.run_to.with_value(Option::is_some)
    }

    /// Stops running to a link's time where the run is now, paused there.
    pub fn stop_replay(&self) {
        self.run_to.set_value(None);
        self.send(Command::StopRunTo);
        self.replaying.set(false);
        self.playing.set(false);
    }

    /// Play or Pause (the button, Space): while a link is being replayed the run is
    /// moving, so this stops it where it is.
    pub fn toggle_play(&self) {
        if self.replay_wanted() {
            self.stop_replay();
        } else {
            self.playing.update(|p| *p = !*p);
        }
    }

    /// Switches to another system with its defaults.
    pub fn set_system(&self, id: &str) -> Result<(), String> {
        let meta = find_system(id).map_err(|e| e.to_string())?;
        self.system.set(meta.id);
        // The objectives are the service's, not the system's: they stay.
        self.system_params
            .update(|p| p.retain(|name, _| name.starts_with("slo.")));
        self.reset();
        Ok(())
    }

    /// Shows another span of virtual time on the charts (the run goes on untouched).
    pub fn set_range(&self, range: TimeRange) {
        if self.range.get_untracked() != range {
            self.range.set(range);
            self.redraw(None, None);
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

    /// Validates and applies a service-level objective (`SLO_PARAMS`: `availability_pct`,
    /// `latency_ms`), live: the default alert rules and the error budget follow it at
    /// once, over the history the run holds. An invalid value changes nothing and returns
    /// the engine's message.
    pub fn apply_slo(&self, name: &str, raw: &str) -> Result<(), String> {
        let key = format!("slo.{name}");
        let mut slo = engine::alerts::Slo::default();
        slo.set(name, raw).map_err(|e| e.to_string())?;
        let value = raw.trim().to_string();
        self.mirror.try_update_value(|cfg| {
            if let Some(cfg) = cfg {
                let _ = cfg.set(&key, &value);
            }
        });
        if self.mirror.try_with_value(Option::is_some) == Some(true) {
            self.send(Command::SetParam {
                key: key.clone(),
                raw: value.clone(),
            });
        }
        self.system_params.update(|p| {
            p.insert(key, value);
        });
        Ok(())
    }

    /// The objective `name` of the run: applied, else its default.
    pub fn slo_value(&self, spec: &ParamSpec) -> String {
        self.system_params
            .with_untracked(|p| p.get(&format!("slo.{}", spec.name)).cloned())
            .unwrap_or_else(|| spec.default_value().to_string())
    }

    /// Adds (or, for a name already used, replaces) one of the learner's alert rules,
    /// live: it is evaluated over the history the run holds, then at every sample.
    /// Returns the rule's name, or the engine's message for text it refuses.
    pub fn add_rule(&self, text: &str) -> Result<String, String> {
        let mut rules = LabConfig::new(self.system.get_untracked());
        for t in self.rules.get_untracked() {
            let _ = rules.add_rule(&t);
        }
        let name = rules.add_rule(text).map_err(|e| e.to_string())?;
        self.mirror.try_update_value(|cfg| {
            if let Some(cfg) = cfg {
                let _ = cfg.add_rule(text);
            }
        });
        if self.mirror.try_with_value(Option::is_some) == Some(true) {
            self.send(Command::AddRule {
                text: text.to_string(),
            });
        }
        self.rules.set(rules.custom_rules().to_vec());
        Ok(name)
    }

    /// Removes the learner's rule `name`, live; false when there is none.
    pub fn remove_rule(&self, name: &str) -> bool {
        let before = self.rules.with_untracked(Vec::len);
        self.rules
            .update(|r| r.retain(|t| t.split_once(':').is_none_or(|(n, _)| n != name)));
        if self.rules.with_untracked(Vec::len) == before {
            return false;
        }
        self.mirror.try_update_value(|cfg| {
            if let Some(cfg) = cfg {
                cfg.remove_rule(name);
            }
        });
        if self.mirror.try_with_value(Option::is_some) == Some(true) {
            self.send(Command::RemoveRule {
                name: name.to_string(),
            });
        }
        true
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
    /// reset, with the parameter values the learner applied to it. Checked at once
    /// against the page's mirror of the run, which refuses what the engine refuses.
    pub fn set_switch(&self, id: &str, on: bool) -> Result<(), String> {
        let id = find_switch(id).map_err(|e| e.to_string())?.id();
        let params = self
            .switches
            .with_untracked(|all| all.get(id).map(|s| s.params.clone()))
            .unwrap_or_default();
        let result = self
            .mirror
            .try_update_value(|cfg| match cfg {
                Some(cfg) => switch_config(cfg, id, on, &params),
                None => Ok(()),
            })
            .unwrap_or(Ok(()))
            .map_err(|e| e.to_string());
        if self.mirror.try_with_value(Option::is_some) == Some(true) {
            self.send(Command::SetSwitch {
                id: id.to_string(),
                on,
                params,
            });
        }
        let applied = result.is_ok() && on;
        self.switches.update(|all| {
            all.entry(id).or_default().on = applied;
        });
        self.switch_errors.update(|errors| match &result {
            Ok(()) => {
                errors.remove(id);
            }
            Err(message) => {
                errors.insert(id.to_string(), message.clone());
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
            self.mirror
                .try_update_value(|cfg| match cfg {
                    Some(cfg) => set_config_param(cfg, &key, raw),
                    None => Ok(()),
                })
                .unwrap_or(Ok(()))
                .map_err(|e| e.to_string())?;
            if self.mirror.try_with_value(Option::is_some) == Some(true) {
                self.send(Command::SetParam {
                    key: key.clone(),
                    raw: raw.to_string(),
                });
            }
        }
        self.switches.update(|all| {
            all.entry(id)
                .or_default()
                .params
                .insert(name.to_string(), raw.trim().to_string());
        });
        Ok(())
    }
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
        self.replaced.update(|n| *n += 1);
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

/// One view's questions to the engine: at most one in flight. A question asked while
/// one is out waits, replacing any question that was waiting, so a slow answer never
/// piles requests up.
#[derive(Clone, Copy)]
pub struct Asker {
    state: StoredValue<AskerState, LocalStorage>,
}

type Pending = (Ask, Box<dyn FnOnce(Answer)>);

#[derive(Default)]
struct AskerState {
    out: bool,
    waiting: Option<Pending>,
}

impl Default for Asker {
    fn default() -> Self {
        Asker::new()
    }
}

impl Asker {
    pub fn new() -> Asker {
        Asker {
            state: StoredValue::new_local(AskerState::default()),
        }
    }

    /// Asks `ask` now, or when the question out is answered.
    pub fn ask(self, sim: Sim, ask: Ask, on_answer: impl FnOnce(Answer) + 'static) {
        let queued = self.state.try_update_value(|s| {
            if s.out {
                s.waiting = Some((ask, Box::new(on_answer)));
                None
            } else {
                s.out = true;
                Some((ask, Box::new(on_answer) as Box<dyn FnOnce(Answer)>))
            }
        });
        if let Some(Some((ask, on_answer))) = queued {
            self.send(sim, ask, on_answer);
        }
    }

    fn send(self, sim: Sim, ask: Ask, on_answer: Box<dyn FnOnce(Answer)>) {
        sim.ask(ask, move |answer| {
            // Its view is gone: nobody to tell, nothing more to ask.
            if self.state.is_disposed() {
                return;
            }
            on_answer(answer);
            let next = self
                .state
                .try_update_value(|s| {
                    let next = s.waiting.take();
                    s.out = next.is_some();
                    next
                })
                .flatten();
            if let Some((ask, on_answer)) = next {
                self.send(sim, ask, on_answer);
            }
        });
    }
}

impl Default for Sim {
    fn default() -> Self {
        Sim::new()
    }
}
