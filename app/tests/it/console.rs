//! The console mounted with the whole page and used through the DOM: its tab list
//! (ARIA roles, arrow keys), the topology drawn from the engine's description with a
//! node per component, and a chosen component narrowing the logs.

use leptos::prelude::*;
use leptos::task::tick;
use sdl_app::App;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::wasm_bindgen_test;
use web_sys::{HtmlElement, HtmlSelectElement, KeyboardEvent, KeyboardEventInit};

struct Mounted {
    root: HtmlElement,
    _handle: leptos::mount::UnmountHandle<leptos::tachys::view::any_view::AnyViewState>,
}

impl Mounted {
    async fn open() -> Mounted {
        let root: HtmlElement = document().create_element("div").unwrap().unchecked_into();
        document().body().unwrap().append_child(&root).unwrap();
        let handle = leptos::mount::mount_to(root.clone(), || App().into_any());
        tick().await;
        Mounted {
            root,
            _handle: handle,
        }
    }

    fn get(&self, selector: &str) -> HtmlElement {
        self.root
            .query_selector(selector)
            .unwrap()
            .unwrap_or_else(|| panic!("nothing matches {selector}"))
            .unchecked_into()
    }

    fn elements(&self, selector: &str) -> Vec<web_sys::Element> {
        let list = self.root.query_selector_all(selector).unwrap();
        (0..list.length())
            .filter_map(|i| list.item(i))
            .map(|n| n.unchecked_into())
            .collect()
    }

    fn all(&self, selector: &str) -> Vec<HtmlElement> {
        let list = self.root.query_selector_all(selector).unwrap();
        (0..list.length())
            .filter_map(|i| list.item(i))
            .map(|n| n.unchecked_into())
            .collect()
    }
}

impl Drop for Mounted {
    fn drop(&mut self) {
        self.root.remove();
    }
}

fn key(target: &HtmlElement, key: &str) {
    let init = KeyboardEventInit::new();
    init.set_key(key);
    init.set_bubbles(true);
    let ev = KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap();
    target.dispatch_event(&ev).unwrap();
}

#[wasm_bindgen_test]
async fn the_tab_list_selects_with_clicks_and_arrow_keys() {
    let page = Mounted::open().await;
    let tabs = page.all("[role=tab]");
    let names: Vec<String> = tabs
        .iter()
        .map(|t| t.text_content().unwrap_or_default())
        .collect();
    assert_eq!(names, ["Logs", "Traces", "Topology"]);
    assert_eq!(
        tabs[0].get_attribute("aria-selected").as_deref(),
        Some("true")
    );
    assert!(page.get("#console-panel-traces").has_attribute("hidden"));

    key(&tabs[0], "ArrowRight");
    tick().await;
    assert_eq!(
        tabs[1].get_attribute("aria-selected").as_deref(),
        Some("true")
    );
    assert_eq!(tabs[0].get_attribute("tabindex").as_deref(), Some("-1"));
    assert!(!page.get("#console-panel-traces").has_attribute("hidden"));

    key(&tabs[1], "End");
    tick().await;
    assert_eq!(
        tabs[2].get_attribute("aria-selected").as_deref(),
        Some("true")
    );
    tabs[0].click();
    tick().await;
    assert_eq!(
        tabs[0].get_attribute("aria-selected").as_deref(),
        Some("true")
    );
}

#[wasm_bindgen_test]
async fn the_topology_draws_each_component_and_choosing_one_filters_the_logs() {
    let page = Mounted::open().await;
    // The default system (a page of an earlier test may have left the lab on another).
    let system: HtmlSelectElement = page.get("[data-testid=system-select]").unchecked_into();
    if system.value() != "web" {
        system.set_value("web");
        let init = web_sys::EventInit::new();
        init.set_bubbles(true);
        let change = web_sys::Event::new_with_event_init_dict("change", &init).unwrap();
        system.dispatch_event(&change).unwrap();
        tick().await;
    }
    page.get("[data-testid=console-tab-topology]").click();
    tick().await;
    let nodes = page.elements("[data-testid^=topo-node-]");
    // Every part of a default `web` run is drawn; the ledger and the message queue only
    // once they are in use.
    let defaults = engine::LabConfig::new("web")
        .system_param_set()
        .expect("the defaults validate");
    let nothing_started = engine::topology::Options {
        params: Some(&defaults),
        registered: &|_| false,
    };
    let (always, _) = engine::topology::layout("web", &nothing_started);
    let (at_most, _) = engine::topology::layout("web", &engine::topology::Options::ALL);
    assert!(
        (always.len()..=at_most.len()).contains(&nodes.len()),
        "{} nodes ({:?}); expected {}..={} ({:?})",
        nodes.len(),
        nodes
            .iter()
            .map(|n| n.get_attribute("data-testid").unwrap_or_default())
            .collect::<Vec<_>>(),
        always.len(),
        at_most.len(),
        always.iter().map(|s| s.id).collect::<Vec<_>>()
    );
    for spec in &always {
        assert!(
            page.all(&format!("[data-testid=topo-node-{}]", spec.id))
                .len()
                == 1,
            "{} drawn",
            spec.id
        );
    }
    for n in &nodes {
        assert_eq!(n.get_attribute("role").as_deref(), Some("button"));
        // Named by its visible text, described by its <desc>.
        assert!(n.get_attribute("aria-label").is_none());
        assert!(n
            .text_content()
            .is_some_and(|t| t.contains(':') || !t.trim().is_empty()));
        assert!(n
            .query_selector("desc")
            .ok()
            .flatten()
            .and_then(|d| d.text_content())
            .is_some_and(|d| !d.is_empty()));
        assert!(n.get_attribute("data-health").is_some());
    }
    assert_eq!(page.all("[data-testid^=topo-row-]").len(), nodes.len());

    // An SVG group: a bubbling click event, as a pointer sends.
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    let click = web_sys::Event::new_with_event_init_dict("click", &init).unwrap();
    let node: web_sys::Element = page
        .root
        .query_selector("[data-testid=topo-node-database]")
        .unwrap()
        .expect("a database node");
    node.dispatch_event(&click).unwrap();
    tick().await;
    assert!(page
        .get("[data-testid=console-focus]")
        .text_content()
        .unwrap_or_default()
        .contains("Database"));
    let select: HtmlSelectElement = page.get("[data-testid=log-component]").unchecked_into();
    assert_eq!(select.value(), "database");

    page.get("[data-testid=console-focus-clear]").click();
    tick().await;
    assert!(page
        .root
        .query_selector("[data-testid=console-focus]")
        .unwrap()
        .is_none());
}
