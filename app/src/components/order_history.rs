//! The order history tab (a run with an event store): time travel through one order's
//! stream. Pick an order (type its id, or choose one in the event stream), step through
//! its events with Previous and Next (or the arrow keys), and see the aggregate's state
//! at each version — the events folded one by one, as a load without a snapshot does —
//! and whether the stream has a snapshot, at which version.

use crate::console_state::{parse_order, Console, HISTORY_TITLE};
use leptos::prelude::*;
use sdl_host::event_store::HistoryW;
use sdl_host::format::virtual_time;

#[component]
pub fn OrderHistoryPanel() -> impl IntoView {
    let console = Console::expect();
    let typed = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    // The field shows the order chosen elsewhere (the event stream).
    Effect::new(move |_| {
        if let Some(order) = console.history_order.get() {
            typed.set(order.to_string());
        }
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match parse_order(&typed.get_untracked()) {
            Ok(Some(order)) => {
                error.set(None);
                console.history_version.set(None);
                console.history_order.set(Some(order));
            }
            Ok(None) => error.set(Some("Type an order id, such as 42.".to_string())),
            Err(message) => error.set(Some(message)),
        }
    };

    // The order's history as last received, kept while other answers come and go.
    let history = Memo::new(move |_| {
        let order = console.history_order.get()?;
        console.event_store.with(|s| {
            s.as_ref()
                .and_then(|s| s.history.clone())
                .filter(|h| h.order == order)
        })
    });
    // What the tab shows: redrawn only when this changes, so the stepper's buttons keep
    // keyboard focus while the run moves on.
    let shown = Memo::new(move |_| {
        let Some(order) = console.history_order.get() else {
            return Shown::Nothing;
        };
        if console.history_for.get() != Some(order) {
            return Shown::Reading(order);
        }
        match history.with(|h| h.as_ref().map(|h| h.steps.is_empty())) {
            None => Shown::Unknown(
                order,
                console
                    .event_store
                    .with(|s| s.as_ref().map_or(0, |s| s.orders)),
            ),
            Some(true) => Shown::NoEvents(order),
            Some(false) => Shown::History(order),
        }
    });
    let body = move || match shown.get() {
        Shown::Nothing => view! {
            <p class="muted" data-testid="history-empty">
                "Type an order id, or choose an order in the event stream."
            </p>
        }
        .into_any(),
        Shown::Reading(order) => {
            view! { <p class="muted">{format!("Reading order {order}…")}</p> }.into_any()
        }
        Shown::Unknown(order, orders) => view! {
            <p class="muted" data-testid="history-empty">
                {format!(
                    "No order {order}: orders 0 to {} have been placed so far.",
                    orders.saturating_sub(1),
                )}
            </p>
        }
        .into_any(),
        Shown::NoEvents(order) => view! {
            <p class="muted" data-testid="history-empty">
                {format!(
                    "Order {order} has no events yet: its PlaceOrder command is still being \
                     handled, or was refused."
                )}
            </p>
        }
        .into_any(),
        Shown::History(order) => view! { <Stepper order=order history=history /> }.into_any(),
    };

    view! {
        <div class="order-history">
            <h3 class="visually-hidden">"Order history"</h3>
            <form class="console-filters" on:submit=on_submit>
                <div class="control grow">
                    <label for="history-order">"Order id"</label>
                    <input
                        id="history-order"
                        type="search"
                        inputmode="numeric"
                        autocomplete="off"
                        data-testid="history-order"
                        aria-describedby="history-order-error"
                        aria-invalid=move || error.with(Option::is_some).then_some("true")
                        prop:value=move || typed.get()
                        on:input=move |ev| typed.set(event_target_value(&ev))
                    />
                </div>
                <button type="submit" data-testid="history-show">"Show history"</button>
            </form>
            <p id="history-order-error" class="field-error" role="status">{move || error.get()}</p>
            {body}
        </div>
    }
}

/// What the history tab shows.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Shown {
    Nothing,
    Reading(u32),
    /// No such order (and how many there are).
    Unknown(u32, u32),
    NoEvents(u32),
    History(u32),
}

/// One order's events, stepped through version by version.
#[component]
fn Stepper(order: u32, history: Memo<Option<HistoryW>>) -> impl IntoView {
    let console = Console::expect();
    let n = move || history.with(|h| h.as_ref().map_or(1, |h| h.steps.len().max(1) as u32));
    // The version shown: the one stepped to, or the latest.
    let at = move || console.history_version.get().unwrap_or(n()).clamp(1, n());
    let go = move |v: u32| console.history_version.set(Some(v.clamp(1, n())));
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        let now = at();
        let next = match ev.key().as_str() {
            "ArrowLeft" | "ArrowUp" => now.saturating_sub(1).max(1),
            "ArrowRight" | "ArrowDown" => now + 1,
            "Home" => 1,
            "End" => n(),
            _ => return,
        };
        ev.prevent_default();
        go(next);
    };
    let read = move |f: &dyn Fn(&HistoryW) -> String| {
        history.with(|h| h.as_ref().map(f).unwrap_or_default())
    };
    let title = move || {
        read(&|h| {
            format!(
                "Order {order} · ${:.2} · version {}",
                f64::from(h.amount_cents) / 100.0,
                h.version
            )
        })
    };
    let snapshot = move || {
        read(&|h| {
            let plural = |k: u32| if k == 1 { "" } else { "s" };
            match &h.snapshot {
                Some((v, state)) => {
                    let after = h.version.saturating_sub(*v);
                    format!(
                        "Snapshot at version {v} ({state}): a load reads it and replays the {after} event{} after it.",
                        plural(after)
                    )
                }
                None => format!(
                    "No snapshot yet: a load replays all {} event{} of the stream.",
                    h.version,
                    plural(h.version)
                ),
            }
        })
    };
    // Drawn: the title takes focus if the order was just chosen in the stream.
    Effect::new(move |_| console.history_drawn());
    let current = move || {
        let v = at() as usize;
        history.with(|h| h.as_ref().and_then(|h| h.steps.get(v - 1).cloned()))
    };

    view! {
        <h4 id=HISTORY_TITLE tabindex="-1" data-testid="history-title">{title}</h4>
        <p class="muted" data-testid="history-snapshot">{snapshot}</p>
        <div class="history-stepper" role="group" aria-label=format!("Step through order {order}'s events") on:keydown=on_key>
            <button
                type="button"
                data-testid="history-prev"
                aria-disabled=move || (at() <= 1).to_string()
                on:click=move |_| go(at().saturating_sub(1))
            >
                "Previous event"
            </button>
            <span class="history-position" data-testid="history-position" aria-live="polite">
                {move || format!("Version {} of {}", at(), n())}
            </span>
            <button
                type="button"
                data-testid="history-next"
                aria-disabled=move || (at() >= n()).to_string()
                on:click=move |_| go(at() + 1)
            >
                "Next event"
            </button>
        </div>
        <p class="history-state" data-testid="history-state-line">
            {move || {
                current()
                    .map(|s| {
                        view! {
                            "After "
                            <strong>{s.event.kind.clone()}</strong>
                            {format!(
                                " (position {}, at {}), the order is ",
                                s.event.position,
                                virtual_time(s.event.t_ns),
                            )}
                            <strong class="history-state-name" data-testid="history-state">
                                {s.state.clone()}
                            </strong>
                            "."
                        }
                    })
            }}
        </p>
        <ol class="history-steps" data-testid="history-steps" aria-label=format!("Order {order}'s events")>
            <For
                each=move || {
                    history
                        .with(|h| {
                            h.as_ref()
                                .map(|h| {
                                    let snap = h.snapshot.as_ref().map(|(v, _)| *v);
                                    h.steps
                                        .iter()
                                        .map(|s| (s.clone(), snap == Some(s.event.version)))
                                        .collect::<Vec<_>>()
                                })
                        })
                        .unwrap_or_default()
                }
                key=|(s, snap)| (s.event.position, *snap)
                children=move |(s, snap)| {
                    let v = s.event.version;
                    let label = format!(
                        "v{v} {} → {} · {}",
                        s.event.kind,
                        s.state,
                        virtual_time(s.event.t_ns),
                    );
                    view! {
                        <li>
                            <button
                                type="button"
                                class="history-step"
                                data-testid="history-step"
                                aria-current=move || (at() == v).then_some("step")
                                on:click=move |_| go(v)
                            >
                                {label}
                                {snap.then(|| view! { <span class="badge">"snapshot"</span> })}
                            </button>
                        </li>
                    }
                }
            />
        </ol>
    }
}
