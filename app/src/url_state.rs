//! The lab's state in the address bar: read once when the page opens (a shared link is
//! applied, then the engine runs it to its virtual time as fast as it can), written back with
//! `history.replaceState` whenever the learner changes something. Parsing and writing
//! the query is `engine::share` (native tests there); this module moves it in and out
//! of the `Sim`. Inside a course's LMS the launch parameters (`series`, `tutorial`, as
//! `scripts/scorm.py` writes them) stay at the front of the query, so reloading the frame
//! is the same launch of the same tutorial.

use crate::sim::Sim;
use crate::web_share;
use engine::catalog::find_switch;
use engine::share::{self, LabState, SwitchOn};
use leptos::prelude::*;
use sdl_host::protocol::Speed;
use std::collections::BTreeMap;

/// Which page the learner is on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum View {
    Lab,
    /// The catalogue; `Some(id)` is one item's page.
    Catalog(Option<String>),
    /// Game day: the incidents (`None`), one incident played (`Some(id)`), or the
    /// instructor's page of completion codes (`Some("codes")`).
    Gameday(Option<String>),
}

impl View {
    fn from_link(view: Option<&str>, item: Option<&str>) -> View {
        match view {
            Some("catalog") => View::Catalog(item.map(str::to_string)),
            Some("gameday") => View::Gameday(item.map(str::to_string)),
            _ => View::Lab,
        }
    }

    /// The query string of a catalogue view (`None` for the lab, whose query is its state).
    pub fn catalog_query(&self) -> Option<String> {
        match self {
            View::Lab => None,
            View::Catalog(None) => Some("view=catalog".to_string()),
            View::Catalog(Some(id)) => Some(format!("view=catalog&item={}", share::encode(id))),
            View::Gameday(None) => Some("view=gameday".to_string()),
            View::Gameday(Some(id)) => Some(format!("view=gameday&item={}", share::encode(id))),
        }
    }
}

/// A link's virtual time being reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Replay {
    pub target_ns: u64,
    /// Play on once there (the link was not paused).
    pub then_play: bool,
}

/// What sharing adds to the page, shared through context.
#[derive(Clone, Copy)]
pub struct Share {
    /// What a link or an imported file left out, and why; dismissible.
    pub notice: RwSignal<Vec<String>>,
    pub notice_title: RwSignal<&'static str>,
    pub replay: RwSignal<Option<Replay>>,
    pub view: RwSignal<View>,
    /// Bumped when a file replaces the lab's choices, so the controls are drawn again
    /// with the new values.
    pub redraw: RwSignal<u32>,
    /// The last export or import done (outlives a redraw of the export panel).
    pub export_status: RwSignal<String>,
    /// The choices the current run started with (to tell whether a link replays it).
    started_with: StoredValue<LabState>,
    /// The LMS's launch parameters, kept in front of every query written (empty outside
    /// an LMS).
    launch: StoredValue<String>,
}

impl Share {
    pub fn expect() -> Share {
        expect_context::<Share>()
    }

    /// True when switches or parameters changed during the run, so a link (which runs
    /// its choices from time 0) would not give the numbers on screen.
    pub fn changed_since_start(&self, sim: Sim) -> bool {
        let now = run_choices(&current_state(sim, false));
        self.started_with.with_value(|s| run_choices(s) != now)
    }

    /// Goes to another page, with a history entry.
    pub fn navigate(&self, sim: Sim, view: View) {
        let query = view.catalog_query().unwrap_or_else(|| lab_query(sim, self));
        web_share::push_query(&self.with_launch(query));
        self.view.set(view);
    }
}

impl Share {
    /// `query` after the LMS's launch parameters, if any.
    fn with_launch(&self, query: String) -> String {
        self.launch
            .with_value(|launch| match (launch.is_empty(), query.is_empty()) {
                (true, _) => query,
                (false, true) => launch.clone(),
                (false, false) => format!("{launch}&{query}"),
            })
    }
}

/// The launch parameters of a page launched from an LMS (`series`, `tutorial`, cmi5's), as
/// given; empty outside an LMS.
fn launch_params(query: &str) -> String {
    if crate::lms::found().is_none() {
        return String::new();
    }
    query
        .trim_start_matches('?')
        .split('&')
        .filter(|p| {
            let key = p.split_once('=').map_or(*p, |(k, _)| k);
            // cmi5's own (`crate::cmi5`) too, so the lab's address keeps the launch.
            matches!(
                key,
                "series"
                    | "tutorial"
                    | "endpoint"
                    | "fetch"
                    | "actor"
                    | "registration"
                    | "activityId"
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// What decides the numbers of a run (not speed, pause or time).
fn run_choices(s: &LabState) -> LabState {
    LabState {
        speed: String::new(),
        paused: false,
        t_ns: None,
        ..s.clone()
    }
}

/// The lab's state now. `with_t` adds the virtual time (a link then runs there first).
pub fn current_state(sim: Sim, with_t: bool) -> LabState {
    let switches: Vec<SwitchOn> = sim.switches.with_untracked(|all| {
        all.iter()
            .filter(|(_, s)| s.on)
            .map(|(id, s)| SwitchOn {
                id: id.to_string(),
                params: s.params.clone(),
            })
            .collect()
    });
    let switches = engine::catalog::in_switch_order(switches, |s| &s.id);
    LabState {
        system: sim.system.get_untracked().to_string(),
        seed: sim.seed.get_untracked(),
        speed: sim.speed.get_untracked().value(),
        paused: !sim.playing.get_untracked(),
        t_ns: with_t.then(|| sim.now_ns.get_untracked()),
        params: sim.system_params.get_untracked(),
        switches,
        rules: sim.rules.get_untracked(),
    }
}

/// The lab link of the page now: the virtual time is included when paused.
fn lab_query(sim: Sim, share: &Share) -> String {
    let replay = share.replay.get_untracked();
    let mut state = current_state(sim, !sim.playing.get_untracked());
    if let Some(r) = replay {
        // Still on the way: the link is where it is going.
        state.t_ns = Some(r.target_ns);
        state.paused = !r.then_play;
    }
    state.to_query()
}

/// A full link to share the run now, at its current virtual time.
pub fn share_link(sim: Sim) -> String {
    web_share::url_with_query(&current_state(sim, true).to_query())
}

/// Replaces the lab's choices with `state` and starts a new run; with a virtual time,
/// the run is taken there first.
pub fn apply_state(sim: Sim, share: Share, state: &LabState) {
    let system = engine::catalog::find_system(&state.system)
        .map(|m| m.id)
        .unwrap_or(crate::sim::DEFAULT_SYSTEM);
    sim.system.set(system);
    sim.seed.set(state.seed);
    if let Some(speed) = Speed::parse(&state.speed) {
        sim.speed.set(speed);
    }
    sim.system_params.set(state.params.clone());
    sim.rules.set(state.rules.clone());
    sim.switches.update(|all| {
        for s in all.values_mut() {
            s.on = false;
            s.params = BTreeMap::new();
        }
        for on in &state.switches {
            if let Ok(sw) = find_switch(&on.id) {
                let entry = all.entry(sw.id()).or_default();
                entry.on = true;
                entry.params = on.params.clone();
            }
        }
    });
    sim.reset();
    share.started_with.set_value(current_state(sim, false));
    match state.t_ns.filter(|t| *t > 0) {
        Some(target_ns) => {
            sim.playing.set(false);
            sim.run_to(target_ns);
            share.replay.set(Some(Replay {
                target_ns,
                then_play: !state.paused,
            }));
        }
        None => {
            share.replay.set(None);
            sim.playing.set(!state.paused);
        }
    }
}

/// Reads the page's link into the lab (before the page is drawn, so every field starts
/// with the link's values), then keeps the address bar in step with the lab.
pub fn use_url_state(sim: Sim) -> Share {
    let share = Share {
        notice: RwSignal::new(Vec::new()),
        notice_title: RwSignal::new("Some of this link could not be used"),
        replay: RwSignal::new(None),
        view: RwSignal::new(View::Lab),
        redraw: RwSignal::new(0),
        export_status: RwSignal::new(String::new()),
        started_with: StoredValue::new(current_state(sim, false)),
        launch: StoredValue::new(launch_params(&web_share::location_query())),
    };
    provide_context(share);

    let query = web_share::location_query();
    let parsed = share::parse_query(&query);
    share.view.set(View::from_link(
        parsed.view.as_deref(),
        parsed.item.as_deref(),
    ));
    let has_lab_state = query
        .split('&')
        .map(|p| p.trim_start_matches('?'))
        .any(|p| {
            !p.is_empty()
                && !["view=", "item=", "tutorial=", "step=", "series="]
                    .iter()
                    .any(|k| p.starts_with(k))
        });
    // A game day's link carries its seed for the play, not for the lab.
    let gameday = matches!(share.view.get_untracked(), View::Gameday(_));
    // A class's link (a class code, and a learner's name for their own numbers) stays
    // what it was: it is what the instructor shared.
    let class_link: String = query
        .trim_start_matches('?')
        .split('&')
        .filter(|p| p.starts_with("class=") || p.starts_with("learner="))
        .collect::<Vec<_>>()
        .join("&");
    let class_link = (gameday && parsed.item.is_none() && class_link.starts_with("class="))
        .then_some(class_link);
    if has_lab_state && !gameday {
        apply_state(sim, share, &parsed.state);
    }
    share.notice.set(parsed.ignored);

    // A new run is a new start unless it came from a link being applied.
    Effect::new(move |prev: Option<u32>| {
        let g = sim.generation.get();
        if prev.is_some() {
            share.started_with.set_value(current_state(sim, false));
        }
        g
    });

    // The address bar follows the lab (never during a replay: it shows the link's target).
    Effect::new(move |_| {
        sim.system.track();
        sim.seed.track();
        sim.speed.track();
        sim.system_params.track();
        sim.rules.track();
        sim.switches.track();
        if !sim.playing.get() {
            // Paused, the link carries the time; the engine may report a last step after
            // it heard the pause.
            sim.now_ns.track();
        }
        sim.generation.track();
        let view = share.view.get();
        share.replay.track();
        let playing = sim.gameday.get();
        let query = match (&view, playing) {
            // The play's own link (what a class shares), never its hidden lab.
            (View::Gameday(_), Some(g)) => match &class_link {
                Some(link) => format!("view=gameday&{link}"),
                None => format!(
                    "view=gameday&item={}&seed={}",
                    share::encode(g.incident),
                    g.seed
                ),
            },
            _ => view
                .catalog_query()
                .unwrap_or_else(|| lab_query(sim, &share)),
        };
        web_share::replace_query(&share.with_launch(query));
    });

    // Back and Forward move between the lab and catalogue pages.
    let popstate = window_event_listener(leptos::ev::popstate, move |_| {
        let parsed = share::parse_query(&web_share::location_query());
        share.view.set(View::from_link(
            parsed.view.as_deref(),
            parsed.item.as_deref(),
        ));
    });
    on_cleanup(move || popstate.remove());

    use_replay(sim, share);
    share
}

/// Watches the run reach a link's virtual time (the engine runs there as fast as it
/// can, showing how far it got), then plays on if the link was not paused.
fn use_replay(sim: Sim, share: Share) {
    Effect::new(move |_| {
        let Some(replay) = share.replay.get() else {
            return;
        };
        let there = sim.now_ns.get() >= replay.target_ns;
        let replaying = sim.replaying.get();
        // Stopped on the way (the learner's Stop, Pause or Reset, or the run out of
        // memory): the lab stays where it is, paused, and the link says so.
        if !sim.replay_wanted() || sim.halted.with(Option::is_some) {
            sim.replay_done();
            share.replay.set(None);
            sim.announce.update(|n| *n += 1);
            return;
        }
        // Reached, or there is no run to take anywhere.
        if !replaying && (there || sim.run_error.with(Option::is_some)) {
            sim.replay_done();
            share.replay.set(None);
            sim.playing.set(replay.then_play);
            sim.announce.update(|n| *n += 1);
        }
    });
}
