//! Embedding the lab in other pages, where it meets the running lab: the query an embed
//! or a lab link carries (`LinkState`) read from a running lab (`LinkState::of`) and
//! applied to one (`LinkState::apply`). Reading and writing the query, the `<iframe>`
//! snippet and the height message an embed posts to its parent are pure, in
//! `sdl_host::embed` (tested and fuzzed natively); the query parameters are listed there.

use crate::sim::Sim;
use leptos::prelude::*;
use sdl_host::embed;
use std::ops::{Deref, DerefMut};

pub use sdl_host::embed::{
    decode, encode, params_of, parse_query, switch_title, DEFAULT_EMBED_SCENARIO, HEIGHT_MESSAGE,
    SNIPPET_HEIGHT_PX,
};

/// What a lab link or an embed URL describes (`sdl_host::embed::LinkState`, whose fields
/// and methods it gives), with what needs the running lab.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LinkState(pub embed::LinkState);

impl Deref for LinkState {
    type Target = embed::LinkState;
    fn deref(&self) -> &embed::LinkState {
        &self.0
    }
}

impl DerefMut for LinkState {
    fn deref_mut(&mut self) -> &mut embed::LinkState {
        &mut self.0
    }
}

impl LinkState {
    /// Reads a query string (`?a=b&c=d` or without `?`): the state and one message per
    /// parameter that was refused (`sdl_host::embed::LinkState::parse`).
    pub fn parse(query: &str) -> (LinkState, Vec<String>) {
        let (state, problems) = embed::LinkState::parse(query);
        (LinkState(state), problems)
    }

    /// The state of a running lab, for a link to it.
    pub fn of(sim: &Sim) -> LinkState {
        let switches = sim.switches.get_untracked();
        let on: Vec<&'static str> = switches
            .iter()
            .filter(|(_, s)| s.on)
            .map(|(id, _)| *id)
            .collect();
        let params = switches
            .iter()
            .filter(|(_, s)| s.on)
            .flat_map(|(id, s)| {
                s.params
                    .iter()
                    .map(move |(k, v)| (*id, k.clone(), v.clone()))
            })
            .collect();
        LinkState(embed::LinkState {
            embed: false,
            scenario: None,
            mitigation: None,
            on,
            seed: Some(sim.seed.get_untracked()),
            speed: Some(sim.speed.get_untracked()),
            paused: !sim.playing.get_untracked(),
            params,
        })
    }

    /// Applies the state to a lab: seed and speed, parameters, then the switches (each
    /// with its parameters). Returns the messages of what the lab refused.
    pub fn apply(&self, sim: &Sim) -> Vec<String> {
        let mut problems = Vec::new();
        if let Some(speed) = self.speed {
            sim.speed.set(speed);
        }
        if let Some(seed) = self.seed.filter(|s| *s != sim.seed.get_untracked()) {
            sim.set_seed(seed);
        }
        for (id, name, raw) in &self.params {
            if let Err(e) = sim.apply_switch_param(id, name, raw) {
                problems.push(e);
            }
        }
        for id in &self.on {
            if let Err(e) = sim.set_switch(id, true) {
                problems.push(e);
            }
        }
        if self.paused {
            sim.playing.set(false);
        }
        problems
    }
}
