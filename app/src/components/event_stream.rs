//! The event stream tab (a run with an event store): a live tail of the newest events
//! of the log — global position, order (its stream), version, event type, virtual time
//! — newest first, narrowed to one order by typing its id; an order's id opens its
//! history (`order_history`).

use crate::console_state::{parse_order, Console};
use crate::sim::Sim;
use leptos::prelude::*;
use sdl_host::format::virtual_time;

#[component]
pub fn EventStreamPanel() -> impl IntoView {
    let sim = Sim::expect();
    let console = Console::expect();
    let typed = console
        .event_filter
        .get_untracked()
        .map_or(String::new(), |o| o.to_string());
    let error = RwSignal::new(None::<String>);
    let on_input = move |ev: leptos::ev::Event| match parse_order(&event_target_value(&ev)) {
        Ok(order) => {
            error.set(None);
            console.event_filter.set(order);
        }
        Err(message) => error.set(Some(message)),
    };
    let tail = Memo::new(move |_| {
        console
            .event_store
            .with(|s| s.as_ref().and_then(|s| s.tail.clone()))
    });
    let count = move || {
        let orders = console
            .event_store
            .with(|s| s.as_ref().map_or(0, |s| s.orders));
        match tail.get() {
            None => "No events yet.".to_string(),
            Some(t) => match t.filter {
                None => format!(
                    "The newest {} of {} events, newest first.",
                    t.events.len(),
                    t.matching
                ),
                Some(o) if o >= orders => format!(
                    "No order {o}: orders 0 to {} have been placed so far.",
                    orders.saturating_sub(1)
                ),
                Some(o) => format!(
                    "Order {o}: {} event{}, newest first.",
                    t.matching,
                    if t.matching == 1 { "" } else { "s" }
                ),
            },
        }
    };

    view! {
        <div class="event-stream">
            <h3 class="visually-hidden">"Event stream"</h3>
            <div class="console-filters">
                <div class="control grow">
                    <label for="event-filter">"Order id"</label>
                    <input
                        id="event-filter"
                        type="search"
                        inputmode="numeric"
                        autocomplete="off"
                        placeholder="All orders"
                        data-testid="event-filter"
                        aria-describedby="event-filter-error"
                        aria-invalid=move || error.with(Option::is_some).then_some("true")
                        prop:value=typed
                        on:input=on_input
                    />
                </div>
            </div>
            <p id="event-filter-error" class="field-error" data-testid="event-filter-error" role="status">
                {move || error.get()}
            </p>
            <p class="console-count" data-testid="event-count">{count}</p>
            <div class="table-scroll">
                <table class="event-table" data-testid="event-table">
                    <caption class="visually-hidden">"The newest events of the event store"</caption>
                    <thead>
                        <tr>
                            // Short headings, full names for screen readers: the table
                            // fits a phone.
                            <th scope="col" class="num">
                                <span aria-hidden="true">"#"</span>
                                <span class="visually-hidden">"Position"</span>
                            </th>
                            <th scope="col">"Order"</th>
                            <th scope="col" class="num">
                                <span aria-hidden="true">"v"</span>
                                <span class="visually-hidden">"Version"</span>
                            </th>
                            <th scope="col">"Event"</th>
                            <th scope="col" class="num">"Time"</th>
                        </tr>
                    </thead>
                    <tbody>
                        <For
                            each=move || tail.get().map(|t| t.events).unwrap_or_default()
                            key=|e| e.position
                            children=move |e| {
                                let order = e.order;
                                view! {
                                    <tr data-testid="event-row" data-order=order.to_string() data-version=e.version.to_string()>
                                        <td class="num">{e.position}</td>
                                        <td>
                                            <button
                                                type="button"
                                                class="link-button"
                                                data-testid="event-order"
                                                aria-label=format!("Order {order}: show its history")
                                                on:click=move |_| console.open_history(sim, order)
                                            >
                                                {order}
                                            </button>
                                        </td>
                                        <td class="num">{e.version}</td>
                                        <td class="event-kind">{e.kind}</td>
                                        <td class="num">{virtual_time(e.t_ns)}</td>
                                    </tr>
                                }
                            }
                        />
                    </tbody>
                </table>
            </div>
        </div>
    }
}
