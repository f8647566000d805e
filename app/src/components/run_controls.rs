//! The run's controls: play/pause, speed, reset, seed, system, and the virtual clock.

use crate::components::palette::Palette;
use crate::sim::Sim;
use engine::catalog;
use leptos::prelude::*;
use sdl_host::engine_host::{MAX_RUN_NS, TIME_LIMIT};
use sdl_host::format::virtual_time;
use sdl_host::protocol::Speed;

#[component]
pub fn RunControls() -> impl IntoView {
    let sim = Sim::expect();
    let seed_raw = RwSignal::new(sim.seed.get_untracked().to_string());
    let seed_error = RwSignal::new(None::<String>);
    let apply_seed = move |raw: String| {
        seed_raw.set(raw.clone());
        match raw.trim().parse::<u64>() {
            Ok(seed) => {
                seed_error.set(None);
                if seed != sim.seed.get_untracked() {
                    sim.set_seed(seed);
                }
            }
            Err(_) => seed_error.set(Some(format!(
                "invalid value `{raw}` for `seed`: expected a whole number in 0..={}",
                u64::MAX
            ))),
        }
    };
    let system_error = RwSignal::new(None::<String>);

    view! {
        <section class="controls" aria-label="Run controls">
            <div class="control-row">
                <button
                    type="button"
                    class="primary"
                    data-testid="play-toggle"
                    aria-keyshortcuts="Space"
                    on:click=move |_| sim.toggle_play()
                >
                    // Replaying a link, the run moves: Pause stops it where it is.
                    {move || if sim.playing.get() || sim.replaying.get() { "Pause" } else { "Play" }}
                </button>
                // A game day's run is the incident's: no reset, seed or system to change.
                <Show when=move || sim.gameday.with(Option::is_none)>
                    <button type="button" data-testid="reset" on:click=move |_| sim.reset()>
                        "Reset"
                    </button>
                </Show>
                <div class="control">
                    <label for="speed">"Speed"</label>
                    <select
                        id="speed"
                        data-testid="speed-select"
                        aria-keyshortcuts="1 2 3 4"
                        prop:value=move || sim.speed.get().value()
                        on:change=move |ev| {
                            if let Some(speed) = Speed::parse(&event_target_value(&ev)) {
                                sim.speed.set(speed);
                            }
                        }
                    >
                        {Speed::CHOICES
                            .into_iter()
                            .map(|s| {
                                let selected = sim.speed.get_untracked() == s;
                                view! { <option value=s.value() selected=selected>{s.label()}</option> }
                            })
                            .collect_view()}
                    </select>
                </div>
                <Show when=move || sim.gameday.with(Option::is_none)>
                <div class="control">
                    <label for="seed">"Seed"</label>
                    <input
                        id="seed"
                        type="text"
                        inputmode="numeric"
                        autocomplete="off"
                        size="8"
                        data-testid="seed-input"
                        aria-describedby="seed-error"
                        aria-invalid=move || seed_error.with(Option::is_some).then_some("true")
                        prop:value=move || seed_raw.get()
                        on:change=move |ev| apply_seed(event_target_value(&ev))
                    />
                </div>
                <div class="control control-wide">
                    <label for="system">"System"</label>
                    <select
                        id="system"
                        data-testid="system-select"
                        on:change=move |ev| system_error.set(sim.set_system(&event_target_value(&ev)).err())
                    >
                        {catalog::systems()
                            .iter()
                            .map(|s| {
                                let selected = sim.system.get_untracked() == s.id;
                                view! { <option value=s.id selected=selected>{s.title}</option> }
                            })
                            .collect_view()}
                    </select>
                </div>
                </Show>
                <p class="clock">
                    "Virtual time "
                    <output
                        data-testid="virtual-time"
                        data-ns=move || sim.now_ns.get().to_string()
                        aria-live="off"
                    >
                        {move || virtual_time(sim.now_ns.get())}
                    </output>
                    // Why the clock is not where the speed says: it stopped at the
                    // limit, or the simulation cannot keep up.
                    <span class="lag" data-testid="run-status">
                        {move || {
                            if sim.halted.with(Option::is_some) {
                                " · stopped: out of memory"
                            } else if sim.now_ns.get() >= MAX_RUN_NS {
                                TIME_LIMIT
                            } else if sim.lagging.get() {
                                " · the simulation cannot keep up with this speed"
                            } else {
                                ""
                            }
                        }}
                    </span>
                </p>
                <Show when=move || sim.gameday.with(Option::is_none)>
                    <Palette />
                </Show>
            </div>
            <p class="field-error" id="seed-error" data-testid="seed-error" aria-live="polite">
                {move || seed_error.get()}
                {move || system_error.get()}
            </p>
            <p class="field-error" data-testid="run-error" aria-live="polite">
                {move || sim.run_error.get()}
                {move || sim.halted.get()}
            </p>
        </section>
    }
}
