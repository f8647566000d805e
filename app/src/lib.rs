//! Systems Design Lab in the browser: a Leptos view over the simulation engine. `App`
//! lays out the page; `sim` is the running simulation behind one `Copy` handle, its
//! engine (`sdl_host::engine_host`, a crate of its own with no browser API) in a Web
//! Worker (`worker`) or, where none can start, in the page; `sdl_host::protocol` is what
//! they say to each other, and `sdl_host` also computes what the views draw from the
//! engine's answers (the app keeps transport, signals and views); `hooks` apply the
//! engine's reports every animation frame; `web`, `web_share` and `worker` are the only
//! modules that talk to browser APIs directly (with `host`: visibility, embedding,
//! clipboard).
//! `url_state` keeps the lab in the address bar; `embed` reads the query of an embed
//! (`?embed=1&scenario=…`); `lms` reports to a course's LMS (SCORM, or cmi5 through `cmi5`); `markdown` renders
//! catalogue and tutorial prose without ever injecting HTML.

pub mod cmi5;
pub mod components;
pub mod console_state;
pub mod docs;
pub mod embed;
pub mod hooks;
pub mod host;
pub mod learn;
pub mod lms;
pub mod markdown;
pub mod prose;
pub mod sim;
pub mod url_state;
pub mod web;
pub mod web_share;
pub mod worker;

use components::catalog::Catalog;
use components::compare::{BaselineStore, ComparePanel};
use components::console::ConsolePanel;
use components::dashboard::Dashboard;
use components::embed_button::EmbedButton;
use components::embed_lab::EmbedLab;
use components::export::ExportPanel;
use components::run_controls::RunControls;
use components::share::{LinkNotice, SharePanel};
use components::shortcuts::Shortcuts;
use components::switch_panel::{SwitchKind, SwitchPanel};
use components::system_params::SystemParams;
use components::theme::ThemeSelect;
use components::tutorial_panel::TutorialPanel;
use leptos::prelude::*;
use sim::Sim;

/// The lab page: a simulated service under load, its live golden signals, and the
/// controls, parameters and scenarios that act on it.
#[component]
pub fn App() -> impl IntoView {
    components::theme::Theme::provide();
    let sim = Sim::new().provide();
    hooks::use_sim_loop(sim);
    hooks::use_space_toggles_play(sim);
    // Inside a course's SCORM package, report to the LMS (standalone: nothing happens).
    lms::connect();
    // After the LMS: progress saved in the course (suspend data) is merged in.
    learn::Learn::provide();
    // An embed (`?embed=1&scenario=…`) is its own compact page; its query stays as given.
    let (link, mut link_problems) = embed::LinkState::parse(&host::query());
    if link.embed {
        link_problems.extend(link.apply(&sim));
        host::mark_embedded();
        return view! { <EmbedLab link=link problems=link_problems /> }.into_any();
    }
    let share = url_state::use_url_state(sim);
    BaselineStore::provide();
    components::focus::ComponentFocus::provide();
    let in_lab = move || share.view.with(|v| *v == url_state::View::Lab);
    let in_catalog = move || {
        share
            .view
            .with(|v| matches!(v, url_state::View::Catalog(_)))
    };
    let gameday_item = move || match share.view.get() {
        url_state::View::Gameday(item) => Some(item),
        _ => None,
    };
    let nav = move |view: url_state::View| {
        move |ev: leptos::ev::MouseEvent| {
            if ev.button() == 0 && !ev.ctrl_key() && !ev.meta_key() && !ev.shift_key() {
                ev.prevent_default();
                share.navigate(sim, view.clone());
            }
        }
    };

    view! {
        // To the view's own content: the dashboard in the lab, the catalogue's main there.
        <a class="skip-link" href=move || if in_lab() { "#dashboard-title" } else if in_catalog() { "#catalog-main" } else { "#gameday-main" }>
            {move || if in_lab() { "Skip to the dashboard" } else if in_catalog() { "Skip to the catalogue" } else { "Skip to the game day" }}
        </a>
        <header class="site-header">
            <h1>"Systems Design Lab"</h1>
            <p class="tagline">
                "A simulated service under load, running in your browser. Change its parameters, "
                "switch a fault on, and watch the golden signals move."
            </p>
            <div class="site-tools">
                <nav class="site-nav" aria-label="Pages">
                    <a
                        href="./"
                        data-testid="nav-lab"
                        aria-current=move || in_lab().then_some("page")
                        on:click=nav(url_state::View::Lab)
                    >
                        "Lab"
                    </a>
                    <a
                        href="?view=catalog"
                        data-testid="nav-catalog"
                        aria-current=move || in_catalog().then_some("page")
                        on:click=nav(url_state::View::Catalog(None))
                    >
                        "Catalogue"
                    </a>
                    <a
                        href="?view=gameday"
                        data-testid="nav-gameday"
                        aria-current=move || gameday_item().is_some().then_some("page")
                        on:click=nav(url_state::View::Gameday(None))
                    >
                        "Game day"
                    </a>
                </nav>
                // An embed of a game day would carry its hidden faults.
                <Show when=move || gameday_item().is_none()>
                    <EmbedButton />
                </Show>
                <ThemeSelect />
            </div>
        </header>
        {move || gameday_item().map(|item| view! {
            <RunControls />
            <components::gameday::GamedayPage item=item />
        })}
        <Show
            when=in_lab
            fallback=move || in_catalog().then(|| view! { <main class="catalog-main" id="catalog-main" tabindex="-1"><Catalog /></main> })
        >
            // Drawn again when an imported file replaces every choice at once.
            {move || {
                share.redraw.track();
                view! {
                    <RunControls />
                    <LinkNotice />
                    <main class="lab">
                        <TutorialPanel />
                        <div class="lab-primary">
                            <Dashboard />
                            <ConsolePanel />
                        </div>
                        <aside class="settings" aria-label="Scenarios, mitigations and parameters">
                            <SwitchPanel kind=SwitchKind::Scenario />
                            <SwitchPanel kind=SwitchKind::Mitigation />
                            <SystemParams />
                        </aside>
                    </main>
                    <section class="tools" aria-label="Share, compare and export">
                        <SharePanel />
                        <ComparePanel />
                        <ExportPanel />
                    </section>
                }
            }}
        </Show>
        <footer class="site-footer">
            <p>
                "Keyboard: " <kbd>"Space"</kbd> " plays or pauses, " <kbd>"?"</kbd>
                " lists every shortcut. Everything runs on this page; nothing is sent anywhere."
            </p>
            <Shortcuts />
        </footer>
    }
    .into_any()
}
