//! Reusable behaviour as `use_*` functions: the frame loop that drives the simulation and
//! the page-wide keyboard shortcut.

use crate::sim::Sim;
use crate::web;
use leptos::prelude::*;
use sdl_host::protocol::Command;
use std::sync::atomic::Ordering;

/// Wall time between chart redraws when the learner prefers reduced motion.
const REDUCED_MOTION_REDRAW_MS: f64 = 1000.0;
/// Wall time between read-outs of the current values to screen readers while playing.
const ANNOUNCE_EVERY_MS: f64 = 15_000.0;

/// Drives `sim` with `requestAnimationFrame`. With the engine in its worker, each frame
/// applies what the worker reported since the last one (the page only draws); with the
/// engine in the page, each frame advances virtual time by the elapsed wall time × speed
/// first. Stops when the calling component is dropped. While the lab is off screen
/// (hidden tab, embed scrolled away: see `host::use_on_screen`) the engine waits.
pub fn use_sim_loop(sim: Sim) {
    let on_screen = crate::host::use_on_screen();
    Effect::new(move |_| sim.send(Command::Visible(on_screen.get())));
    let reduced_motion = web::prefers_reduced_motion();
    let mut since_redraw = 0.0;
    let mut since_announce = 0.0;
    let stop = web::every_animation_frame(move |dt_ms| {
        if !on_screen.get_untracked() {
            return;
        }
        if sim.playing.get_untracked() {
            since_announce += dt_ms;
            if since_announce >= ANNOUNCE_EVERY_MS {
                since_announce = 0.0;
                sim.announce.update(|n| *n += 1);
            }
        }
        sim.frame(dt_ms, &web::now_ms);
        if reduced_motion {
            // Redraw once a second: the numbers stay true without lines sliding
            // continuously.
            since_redraw += dt_ms;
            if since_redraw < REDUCED_MOTION_REDRAW_MS {
                return;
            }
            since_redraw = 0.0;
        }
        sim.publish();
        sim.apply_pending();
    });
    on_cleanup(move || stop.store(true, Ordering::Relaxed));
}

/// Space toggles play/pause anywhere on the page, except where space already means
/// something (typing in a field, pressing a focused button or switch).
pub fn use_space_toggles_play(sim: Sim) {
    let handle = window_event_listener(leptos::ev::keydown, move |ev| {
        if ev.key() == " " && !ev.repeat() && !web::key_belongs_to_focus(&ev) {
            ev.prevent_default();
            sim.toggle_play();
        }
    });
    on_cleanup(move || handle.remove());
}
