//! Systems Design Lab in the browser: a Leptos view over the simulation engine. `App`
//! lays out the page; `sim` holds the running simulation behind one `Copy` handle;
//! `hooks` drive it every animation frame; `web` is the only module that talks to
//! browser APIs directly.

pub mod components;
pub mod format;
pub mod hooks;
pub mod sim;
pub mod web;

use components::dashboard::Dashboard;
use components::run_controls::RunControls;
use components::shortcuts::Shortcuts;
use components::switch_panel::{SwitchKind, SwitchPanel};
use components::system_params::SystemParams;
use leptos::prelude::*;
use sim::Sim;

/// The lab page: a simulated service under load, its live golden signals, and the
/// controls, parameters and scenarios that act on it.
#[component]
pub fn App() -> impl IntoView {
    let sim = Sim::new().provide();
    hooks::use_sim_loop(sim);
    hooks::use_space_toggles_play(sim);

    view! {
        <a class="skip-link" href="#dashboard-title">"Skip to the dashboard"</a>
        <header class="site-header">
            <h1>"Systems Design Lab"</h1>
            <p class="tagline">
                "A simulated service under load, running in your browser. Change its parameters, "
                "switch a fault on, and watch the golden signals move."
            </p>
        </header>
        <RunControls />
        <main class="lab">
            <Dashboard />
            <aside class="settings" aria-label="Scenarios, mitigations and parameters">
                <SwitchPanel kind=SwitchKind::Scenario />
                <SwitchPanel kind=SwitchKind::Mitigation />
                <SystemParams />
            </aside>
        </main>
        <footer class="site-footer">
            <p>
                "Keyboard: " <kbd>"Space"</kbd> " plays or pauses, " <kbd>"?"</kbd>
                " lists every shortcut. Everything runs on this page; nothing is sent anywhere."
            </p>
            <Shortcuts />
        </footer>
    }
}
