//! Page-wide keyboard shortcuts and the dialog that lists them (`?`). Shortcuts never fire
//! while the learner types in a field or holds a modifier, nor behind the open dialog. The
//! dialog is a native modal `<dialog>`: the rest of the page is inert while it is open,
//! Escape closes it and focus returns to where it was.

use crate::sim::Sim;
use leptos::html::Dialog;
use leptos::prelude::*;
use sdl_host::protocol::Speed;
use wasm_bindgen::JsCast;

/// Every shortcut as (keys, what it does), in the order the dialog lists them.
pub const SHORTCUTS: [(&str, &str); 7] = [
    ("Space", "Play or pause the simulation"),
    ("/", "Find a scenario or mitigation and switch it on or off"),
    ("R", "Reset: start the run again from virtual time 0"),
    ("1 – 4", "Speed: 1×, 10×, 100×, as fast as possible"),
    ("T", "Next time range (1 min, 5 min, 15 min, all)"),
    ("?", "Show this list"),
    ("Esc", "Close this list"),
];

/// True when the key press is text entry: typing in a field, a list box, editable text.
pub(crate) fn typing(ev: &web_sys::KeyboardEvent) -> bool {
    ev.target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .is_some_and(|el| {
            let tag = el.tag_name().to_ascii_lowercase();
            let input_kind = el.get_attribute("type").unwrap_or_default();
            (tag == "input" && !matches!(input_kind.as_str(), "checkbox" | "radio" | "button"))
                || matches!(tag.as_str(), "select" | "textarea")
                || el.has_attribute("contenteditable")
        })
}

/// Listens for the shortcuts (except Space, see `hooks::use_space_toggles_play`) and
/// renders the dialog listing them, with a button that opens it.
#[component]
pub fn Shortcuts() -> impl IntoView {
    let sim = Sim::expect();
    let dialog = NodeRef::<Dialog>::new();
    let open = move || {
        if let Some(d) = dialog.get_untracked() {
            if !d.open() {
                let _ = d.show_modal();
            }
        }
    };
    let close = move || {
        if let Some(d) = dialog.get_untracked() {
            d.close();
        }
    };
    let handle = window_event_listener(leptos::ev::keydown, move |ev| {
        if ev.ctrl_key() || ev.meta_key() || ev.alt_key() || ev.repeat() || typing(&ev) {
            return;
        }
        if dialog.get_untracked().is_some_and(|d| d.open()) {
            return;
        }
        let key = ev.key();
        let acted = match key.as_str() {
            "?" => {
                open();
                true
            }
            "r" | "R" => {
                sim.reset();
                true
            }
            "t" | "T" => {
                sim.set_range(sim.range.get_untracked().next());
                true
            }
            digit => match digit.parse::<usize>() {
                Ok(n @ 1..=4) => {
                    sim.speed.set(Speed::CHOICES[n - 1]);
                    true
                }
                _ => false,
            },
        };
        if acted {
            ev.prevent_default();
        }
    });
    on_cleanup(move || handle.remove());

    view! {
        <button
            type="button"
            class="shortcuts-open"
            data-testid="shortcuts-open"
            aria-keyshortcuts="Shift+?"
            aria-haspopup="dialog"
            on:click=move |_| open()
        >
            "Keyboard shortcuts"
        </button>
        <dialog
            node_ref=dialog
            class="shortcuts"
            data-testid="shortcuts-dialog"
            aria-labelledby="shortcuts-title"
        >
            <h2 id="shortcuts-title">"Keyboard shortcuts"</h2>
            <p>"They work anywhere on the page except while you type in a field."</p>
            <table>
                <caption class="visually-hidden">"Keys and what they do"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Key"</th>
                        <th scope="col">"Action"</th>
                    </tr>
                </thead>
                <tbody>
                    {SHORTCUTS
                        .iter()
                        .map(|(keys, what)| {
                            view! {
                                <tr>
                                    <td><kbd>{*keys}</kbd></td>
                                    <td>{*what}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
            <button
                type="button"
                class="primary"
                data-testid="shortcuts-close"
                autofocus
                on:click=move |_| close()
            >
                "Close"
            </button>
        </dialog>
    }
}
