//! Systems Design Lab in the browser: a Leptos view over the simulation engine. `App`
//! lays out the page; `sim` holds the running simulation behind one `Copy` handle;
//! `hooks` drive it every animation frame; `web` is the only module that talks to
//! browser APIs directly (with `host`: visibility, embedding, clipboard); `embed`
//! reads the query parameters of lab links and embeds.

pub mod components;
pub mod embed;
pub mod format;
pub mod hooks;
pub mod host;
pub mod lms;
pub mod sim;
pub mod web;

use components::dashboard::Dashboard;
use components::embed_button::EmbedButton;
use components::embed_lab::EmbedLab;
use components::run_controls::RunControls;
use components::switch_panel::{SwitchKind, SwitchPanel};
use components::system_params::SystemParams;
use leptos::prelude::*;
use sim::Sim;

/// The lab page: a simulated service under load, its live golden signals, and the
/// controls, parameters and scenarios that act on it.
#[component]
pub fn App() -> impl IntoView {
    let sim = Sim::new().provide();
    // A lab link or an embed (`?embed=1&scenario=…`) sets up the run it describes.
    let (link, mut link_problems) = embed::LinkState::parse(&host::query());
    link_problems.extend(link.apply(&sim));
    hooks::use_sim_loop(sim);
    hooks::use_space_toggles_play(sim);
    // Inside a course's SCORM package, report to the LMS (standalone: nothing happens).
    lms::connect();
    if link.embed {
        host::mark_embedded();
        return view! { <EmbedLab link=link problems=link_problems /> }.into_any();
    }

    view! {
        <a class="skip-link" href="#dashboard-title">"Skip to the dashboard"</a>
        <header class="site-header">
            <h1>"Systems Design Lab"</h1>
            <p class="tagline">
                "A simulated service under load, running in your browser. Change its parameters, "
                "switch a fault on, and watch the golden signals move."
            </p>
            <EmbedButton />
            {(!link_problems.is_empty())
                .then(|| {
                    view! {
                        <ul class="field-error" data-testid="link-problems">
                            {link_problems.into_iter().map(|p| view! { <li>{p}</li> }).collect_view()}
                        </ul>
                    }
                })}
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
                "Keyboard: " <kbd>"Space"</kbd> " plays or pauses. "
                "Everything runs on this page; nothing is sent anywhere."
            </p>
        </footer>
    }
    .into_any()
}
