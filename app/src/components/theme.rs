//! The theme control in the header: System (follow `prefers-color-scheme`), Light or
//! Dark, remembered in localStorage (`sdl-theme`) and applied as `data-theme` on `<html>`,
//! which the stylesheet honours over the media query. `static/boot.js` applies the stored
//! choice before the app starts; `provide` applies it again (the single-file bundle has no
//! boot.js) and shares it, so what is drawn on a canvas in CSS colours redraws on a change.

use crate::web;
use leptos::prelude::*;

/// The learner's choice: "system", "light" or "dark".
#[derive(Clone, Copy)]
pub struct Theme(pub RwSignal<&'static str>);

const CHOICES: [(&str, &str); 3] = [("system", "System"), ("light", "Light"), ("dark", "Dark")];

fn parse(s: &str) -> &'static str {
    CHOICES
        .iter()
        .map(|(v, _)| *v)
        .find(|v| *v == s)
        .unwrap_or("system")
}

impl Theme {
    /// Reads the stored choice, applies it and shares it with the page's components.
    pub fn provide() -> Theme {
        let chosen = parse(&web::storage_get(web::THEME_KEY).unwrap_or_default());
        web::apply_theme(chosen);
        let theme = Theme(RwSignal::new(chosen));
        provide_context(theme);
        theme
    }

    /// The choice, tracked (none shared: "system").
    pub fn current() -> &'static str {
        use_context::<Theme>().map_or("system", |t| t.0.get())
    }
}

#[component]
pub fn ThemeSelect() -> impl IntoView {
    let theme = use_context::<Theme>().unwrap_or_else(Theme::provide);
    let status = RwSignal::new(String::new());
    let on_change = move |ev: leptos::ev::Event| {
        let chosen = parse(&event_target_value(&ev));
        web::apply_theme(chosen);
        theme.0.set(chosen);
        let stored = if chosen == "system" {
            web::storage_remove(web::THEME_KEY);
            Ok(())
        } else {
            web::storage_set(web::THEME_KEY, chosen)
        };
        status.set(match stored {
            Ok(()) => String::new(),
            Err(e) => format!("The theme applies to this visit only: {e}."),
        });
    };
    view! {
        <div class="theme-select">
            <label for="theme-select">"Theme"</label>
            " "
            <select id="theme-select" data-testid="theme-select" on:change=on_change prop:value=move || theme.0.get()>
                {CHOICES.iter().map(|(v, label)| view! { <option value=*v>{*label}</option> }).collect_view()}
            </select>
            <span role="status" class="panel-note" data-testid="theme-status">{move || status.get()}</span>
        </div>
    }
}
